package webhooks_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/ids"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/testclock"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// verify checks header as Authsignal's webhook.constructEvent does, with
// the secret key itself: any v2 signature equal to the unpadded base64 of
// HMAC-SHA256(secret, t + "." + body).
func verify(t *testing.T, secret string, body []byte, header string) bool {
	t.Helper()
	ts, sigs := "", []string{}
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v2":
			sigs = append(sigs, v)
		}
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(body)))
	want := strings.Replace(base64.StdEncoding.EncodeToString(m.Sum(nil)), "=", "", 1)
	for _, s := range sigs {
		if s == want {
			return true
		}
	}
	return false
}

func hashOf(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// A key longer than 64 bytes signs through its stored hash; a shorter one
// could not, which is why only long keys sign.
func TestSignatureVerifiesWithTheSecretKey(t *testing.T) {
	long := "sk_" + strings.Repeat("Ab3_", 16)  // 67 characters
	short := "sk_" + strings.Repeat("Ab3_", 10) // 43 characters
	other := "sk_" + strings.Repeat("Zz9-", 16)
	body := []byte(`{"version":1,"type":"authenticator.created"}`)
	at := time.Unix(1_767_225_600, 0)
	h := webhooks.Signature(body, at, [][]byte{hashOf(other), hashOf(long)})
	if !strings.HasPrefix(h, "t=1767225600,v2=") || strings.Count(h, ",v2=") != 2 || strings.Contains(h, "==") {
		t.Fatalf("Signature = %q, want t=1767225600 and two unpadded v2 signatures", h)
	}
	for _, secret := range []string{long, other} {
		if !verify(t, secret, body, h) {
			t.Errorf("the app holding %s… cannot verify %q", secret[:6], h)
		}
	}
	if verify(t, long, append(body, ' '), h) {
		t.Error("a changed body verified")
	}
	if s := webhooks.Signature(body, at, [][]byte{hashOf(short)}); verify(t, short, body, s) {
		t.Error("a key within HMAC's block verified through its hash; the long-key premise is wrong")
	}
}

func TestCheckURL(t *testing.T) {
	for _, c := range []struct {
		url          string
		allowPrivate bool
		ok           bool
	}{
		{"", false, true},
		{"https://hooks.example.com/uplift?x=1", false, true},
		{"http://hooks.example.com/", false, false},
		{"http://hooks.example.com/", true, true},
		{"https://127.0.0.1/", false, false},
		{"https://[::1]:8443/", false, false},
		{"https://10.1.2.3/", false, false},
		{"https://169.254.169.254/latest", false, false},
		{"https://localhost/", false, false},
		{"https://127.0.0.1/", true, true},
		{"https://user:pw@hooks.example.com/", false, false},
		{"ftp://hooks.example.com/", true, false},
		{"https:///nohost", false, false},
		{"javascript:alert(1)", true, false},
	} {
		err := webhooks.CheckURL("authenticatorEventsUrl", c.url, c.allowPrivate)
		if (err == nil) != c.ok {
			t.Errorf("CheckURL(%q, allowPrivate %v) = %v, want ok %v", c.url, c.allowPrivate, err, c.ok)
		}
		if err != nil && (!errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), "authenticatorEventsUrl")) {
			t.Errorf("CheckURL(%q) = %v, want invalid naming the field", c.url, err)
		}
	}
}

// The dial guard refuses a loopback address even through a host name
// that resolves to it, and allows it when the operator says so.
func TestClientRefusesPrivateAddressesAtDial(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, u := range []string{srv.URL, "http://localhost" + port} {
		res, err := webhooks.NewClient(false).Post(u, "application/json", strings.NewReader("{}"))
		if err == nil {
			res.Body.Close()
			t.Errorf("POST %s succeeded; want the dial refused", u)
		} else if !strings.Contains(err.Error(), "private") {
			t.Errorf("POST %s = %v, want the private-address refusal", u, err)
		}
	}
	if hits != 0 {
		t.Fatalf("the receiver got %d requests", hits)
	}
	res, err := webhooks.NewClient(true).Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("allowed POST: %v", err)
	}
	res.Body.Close()
	if hits != 1 {
		t.Fatalf("hits = %d, want 1", hits)
	}
}

// The client follows no redirect: a 3xx is an answer, not a way to reach
// another address.
func TestClientFollowsNoRedirect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data", http.StatusFound)
	}))
	defer srv.Close()
	res, err := webhooks.NewClient(true).Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("status = %d, want the 302 itself", res.StatusCode)
	}
}

// receiver answers with the statuses given in turn (200 once they run
// out) and keeps every request it verified.
type receiver struct {
	t        *testing.T
	secret   string
	mu       sync.Mutex
	statuses []int
	got      []webhooks.Envelope
	bodies   [][]byte // every verified body, as received
	paths    []string // and the path it was posted to
	bad      int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !verify(rc.t, rc.secret, body, r.Header.Get(webhooks.SignatureHeader)) {
		rc.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var e webhooks.Envelope
	if err := json.Unmarshal(body, &e); err != nil {
		rc.bad++
	}
	rc.got = append(rc.got, e)
	rc.bodies, rc.paths = append(rc.bodies, body), append(rc.paths, r.URL.Path)
	status := 200
	if len(rc.statuses) > 0 {
		status, rc.statuses = rc.statuses[0], rc.statuses[1:]
	}
	w.WriteHeader(status)
	io.WriteString(w, "answer "+strconv.Itoa(status))
}

type fixture struct {
	st    *store.Store
	clock *testclock.Clock
	svc   *webhooks.Service
	src   ids.Source
	rc    *receiver
	url   string // the receiver's
}

func newFixture(t *testing.T, statuses ...int) *fixture {
	t.Helper()
	st, err := store.Open(t.Context(), "sqlite://"+filepath.Join(t.TempDir(), "uplift.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	clock := testclock.New(time.Now().UTC().Truncate(time.Second))
	src := ids.New(clock.Now, nil)
	secret := "sk_" + src.RandomToken(48)
	rc := &receiver{t: t, secret: secret, statuses: statuses}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	ctx := t.Context()
	if err := st.CreateTenant(ctx, model.Tenant{ID: "t1", Name: "T", RPID: "example.com", RPName: "T", TokenKey: []byte("k"), CreatedAt: clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateAPIKey(ctx, model.APIKey{ID: src.NewID(), TenantID: "t1", Prefix: secret[:9], Hash: hashOf(secret), CreatedAt: clock.Now(), SignsWebhooks: true}); err != nil {
		t.Fatal(err)
	}
	svc := webhooks.New(webhooks.Options{Store: store.Bind[webhooks.Queries](st), IDs: src, PublicURL: "https://uplift.example",
		AllowPrivate: true, RetryBase: 30 * time.Second})
	if _, err := svc.UpdateSettings(ctx, "t1", webhooks.SettingsChange{AuthenticatorEventsURL: &srv.URL}); err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, clock: clock, svc: svc, src: src, rc: rc, url: srv.URL}
}

func (f *fixture) enqueue(t *testing.T, userID string) {
	t.Helper()
	a := model.Authenticator{ID: f.src.NewID(), TenantID: "t1", UserID: userID, Method: model.MethodPasskey, CreatedAt: f.clock.Now()}
	p := &model.Passkey{CredentialID: []byte{1, 2, 3}, AAGUID: make([]byte, 16), Name: "Chrome on Linux"}
	err := f.st.InTx(t.Context(), func(q store.Queries) error {
		return webhooks.Enqueue(t.Context(), q, f.src, "t1", model.StreamAuthenticator, webhooks.AuthenticatorCreated, userID, webhooks.AuthenticatorData(a, p))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) deliver(t *testing.T) int {
	t.Helper()
	n, err := f.svc.DeliverDue(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// 500, 500, then 200: three attempts, each after its back-off, one
// delivery accepted, every attempt logged.
func TestWorkerRetriesWithBackoffUntilAccepted(t *testing.T) {
	f := newFixture(t, 500, 500)
	f.enqueue(t, "u1")
	if n := f.deliver(t); n != 1 {
		t.Fatalf("first run attempted %d", n)
	}
	f.clock.Advance(29 * time.Second)
	if n := f.deliver(t); n != 0 {
		t.Fatalf("attempted %d before the first back-off ended", n)
	}
	f.clock.Advance(time.Second)
	if n := f.deliver(t); n != 1 {
		t.Fatalf("second attempt: %d", n)
	}
	f.clock.Advance(59 * time.Second)
	if n := f.deliver(t); n != 0 {
		t.Fatalf("attempted %d before the doubled back-off ended", n)
	}
	f.clock.Advance(time.Second)
	if n := f.deliver(t); n != 1 {
		t.Fatalf("third attempt: %d", n)
	}
	f.clock.Advance(time.Hour)
	if n := f.deliver(t); n != 0 {
		t.Fatalf("a delivered event was attempted again (%d)", n)
	}
	if f.rc.bad != 0 || len(f.rc.got) != 3 {
		t.Fatalf("receiver: %d verified, %d bad", len(f.rc.got), f.rc.bad)
	}
	e := f.rc.got[2]
	var data map[string]string
	json.Unmarshal(e.Data, &data)
	if e.Version != 1 || e.Type != "authenticator.created" || e.TenantID != "t1" || e.Source != "https://uplift.example" ||
		data["userId"] != "u1" || data["verificationMethod"] != "PASSKEY" || data["credentialId"] != "AQID" ||
		data["aaguid"] != "00000000-0000-0000-0000-000000000000" || data["credentialName"] != "Chrome on Linux" ||
		data["userAuthenticatorId"] == "" || data["createdAt"] == "" {
		t.Fatalf("envelope = %+v data %v", e, data)
	}
	ds, _ := f.svc.Deliveries(t.Context(), "t1", 10)
	d, err := f.svc.Delivery(t.Context(), "t1", ds[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []int
	for _, a := range d.Attempts {
		statuses = append(statuses, a.Status)
	}
	if d.Status != model.DeliveryDelivered || d.WebhookDelivery.Attempts != 3 || len(statuses) != 3 ||
		statuses[0] != 500 || statuses[1] != 500 || statuses[2] != 200 || d.LastResponse != "answer 200" {
		t.Fatalf("delivery %s attempts %d statuses %v last %q", d.Status, d.WebhookDelivery.Attempts, statuses, d.LastResponse)
	}
}

// A receiver that never accepts gets MaxAttempts tries, then the delivery
// is failed; Resend makes it go out again. Meanwhile the same user's next
// event waits its turn.
func TestWorkerGivesUpThenResends(t *testing.T) {
	f := newFixture(t, 500, 500, 500, 500, 500)
	f.enqueue(t, "u1")
	f.enqueue(t, "u1")
	for i := 0; i < webhooks.MaxAttempts; i++ {
		f.deliver(t)
		f.clock.Advance(time.Hour)
	}
	if len(f.rc.got) != webhooks.MaxAttempts+1 {
		t.Fatalf("receiver got %d posts, want %d then the second event once", len(f.rc.got), webhooks.MaxAttempts+1)
	}
	for i, e := range f.rc.got[:webhooks.MaxAttempts] {
		if e.ID != f.rc.got[0].ID {
			t.Fatalf("post %d was another event before the first one finished", i)
		}
	}
	ds, _ := f.svc.Deliveries(t.Context(), "t1", 10)
	first := ds[len(ds)-1]
	if first.Status != model.DeliveryFailed || first.Attempts != webhooks.MaxAttempts || first.LastStatus != 500 {
		t.Fatalf("first delivery = %s after %d attempts (last %d)", first.Status, first.Attempts, first.LastStatus)
	}
	if err := f.svc.Resend(t.Context(), "t1", first.ID); err != nil {
		t.Fatal(err)
	}
	if n := f.deliver(t); n != 1 || f.rc.got[len(f.rc.got)-1].ID != first.ID {
		t.Fatalf("re-send attempted %d", n)
	}
}

// Settings refuse what is not https, name the field, and keep the rest.
func TestUpdateSettingsChecksEachURL(t *testing.T) {
	f := newFixture(t)
	bad := "http://hooks.example.com/"
	svc := webhooks.New(webhooks.Options{Store: store.Bind[webhooks.Queries](f.st), IDs: f.src})
	_, err := svc.UpdateSettings(t.Context(), "t1", webhooks.SettingsChange{PromptEventsURL: &bad})
	if !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), "promptEventsUrl") {
		t.Fatalf("UpdateSettings(http) = %v", err)
	}
	good := "https://hooks.example.com/prompt"
	s, err := svc.UpdateSettings(t.Context(), "t1", webhooks.SettingsChange{PromptEventsURL: &good})
	if err != nil || s.PromptEventsURL != good || s.AuthenticatorEventsURL == "" {
		t.Fatalf("UpdateSettings = %+v, %v; want the prompt URL set and the other kept", s, err)
	}
}

// The worker started by the server delivers at start and when nudged,
// and stop waits for it.
func TestWorkerStartsAndStops(t *testing.T) {
	f := newFixture(t)
	tick := make(chan time.Time)
	stop := f.svc.Start(t.Context(), tick)
	f.enqueue(t, "u1")
	f.svc.Nudge()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.rc.mu.Lock()
		n := len(f.rc.got)
		f.rc.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the worker delivered nothing")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	f.enqueue(t, "u2")
	f.svc.Nudge()
	time.Sleep(50 * time.Millisecond)
	if len(f.rc.got) != 1 {
		t.Fatal("a stopped worker delivered")
	}
}

// A synchronous send posts the code but stores and logs neither it nor
// the signing key; a non-2xx answer is a forbidden error, no answer an
// unavailable one.
func TestSendKeepsNoSecrets(t *testing.T) {
	f := newFixture(t, 500)
	var logs strings.Builder
	svc := webhooks.New(webhooks.Options{Store: store.Bind[webhooks.Queries](f.st), IDs: f.src, AllowPrivate: true,
		Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	set, _ := f.svc.Settings(t.Context(), "t1")
	data := map[string]any{"to": "a@example.com", "code": "913524"}
	logged := map[string]any{"to": "a@example.com", "code": "[not stored]"}
	err := svc.Send(t.Context(), "t1", set.AuthenticatorEventsURL, webhooks.EmailCreated, data, logged)
	if !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("Send answered 500 = %v, want forbidden", err)
	}
	if err := svc.Send(t.Context(), "t1", set.AuthenticatorEventsURL, webhooks.EmailCreated, data, logged); err != nil {
		t.Fatalf("Send answered 200 = %v", err)
	}
	if len(f.rc.got) != 2 || !strings.Contains(string(f.rc.got[1].Data), "913524") {
		t.Fatalf("the receiver did not get the code: %+v", f.rc.got)
	}
	ds, _ := svc.Deliveries(t.Context(), "t1", 10)
	for _, d := range ds {
		if strings.Contains(d.Payload, "913524") || d.Stream != model.StreamSync {
			t.Errorf("stored delivery %+v", d)
		}
	}
	if strings.Contains(logs.String(), "913524") || strings.Contains(logs.String(), f.rc.secret) || strings.Contains(logs.String(), "v2=") {
		t.Errorf("the log holds a secret:\n%s", logs.String())
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	if err := svc.Send(t.Context(), "t1", closed.URL, webhooks.SMSCreated, data, logged); !errors.Is(err, model.ErrUnavailable) {
		t.Fatalf("Send to nobody = %v, want unavailable", err)
	}
	if err := svc.Resend(t.Context(), "t1", ds[0].ID); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("Resend of a synchronous delivery = %v, want not found", err)
	}
}

// Log events go to the log events URL as Authsignal sends them, a batch
// of records whose record holds the event's data; a tenant without that
// URL stores none.
func TestLogEventsGoAsBatchesOfRecords(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	logURL := f.url + "/log"
	if _, err := f.svc.UpdateSettings(ctx, "t1", webhooks.SettingsChange{LogEventsURL: &logURL}); err != nil {
		t.Fatal(err)
	}
	enqueue := func() {
		t.Helper()
		err := f.st.InTx(ctx, func(q store.Queries) error {
			return webhooks.Enqueue(ctx, q, f.src, "t1", model.StreamLog, webhooks.ActionLogCreated, "u1",
				map[string]any{"userId": "u1", "state": "CHALLENGE_SUCCEEDED", "allowedVerificationMethods": []string{"PASSKEY"}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	enqueue()
	if n := f.deliver(t); n != 1 {
		t.Fatalf("attempted %d deliveries, want 1", n)
	}
	if f.rc.bad != 0 || len(f.rc.bodies) != 1 || f.rc.paths[0] != "/log" {
		t.Fatalf("receiver: %d verified (paths %v), %d bad", len(f.rc.bodies), f.rc.paths, f.rc.bad)
	}
	var batch struct {
		Records []struct {
			Version  int            `json:"version"`
			ID       string         `json:"id"`
			Source   string         `json:"source"`
			Time     string         `json:"time"`
			TenantID string         `json:"tenantId"`
			Type     string         `json:"type"`
			Record   map[string]any `json:"record"`
		} `json:"records"`
	}
	if err := json.Unmarshal(f.rc.bodies[0], &batch); err != nil || len(batch.Records) != 1 {
		t.Fatalf("body %s: %v", f.rc.bodies[0], err)
	}
	ds, _ := f.svc.Deliveries(ctx, "t1", 10)
	r := batch.Records[0]
	if r.Version != 1 || r.ID != ds[0].ID || r.Source != "https://uplift.example" || r.Time == "" || r.TenantID != "t1" ||
		r.Type != "action.log_created" || r.Record["userId"] != "u1" || r.Record["state"] != "CHALLENGE_SUCCEEDED" {
		t.Errorf("record = %+v", r)
	}
	if ds[0].Status != model.DeliveryDelivered {
		t.Errorf("delivery status = %s", ds[0].Status)
	}

	empty := ""
	if _, err := f.svc.UpdateSettings(ctx, "t1", webhooks.SettingsChange{LogEventsURL: &empty}); err != nil {
		t.Fatal(err)
	}
	enqueue()
	if ds, _ := f.svc.Deliveries(ctx, "t1", 10); len(ds) != 1 {
		t.Errorf("%d deliveries after one without a log events URL, want 1", len(ds))
	}
}
