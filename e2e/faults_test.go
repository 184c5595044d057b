package e2e

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/notify/notifytest"
	_ "modernc.org/sqlite" // the "sqlite" driver, to check the database's integrity
)

// outcome is one request of a load: when it was sent, how long it took
// and how it ended.
type outcome struct {
	sent   time.Time
	took   time.Duration
	status int    // 0 when no answer came
	code   string // the error code of an error answer
	err    error  // the transport error when no answer came
	userID string
	key    string
}

// trackLoad sends track calls from workers goroutines until stop is
// closed, and returns every request's outcome.
func trackLoad(t *testing.T, apiURL, secretKey string, workers int, stop <-chan struct{}, client *http.Client) func() []outcome {
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(secretKey+":"))
	var mu sync.Mutex
	var all []outcome
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				o := outcome{sent: time.Now(), userID: fmt.Sprintf("fault-user-%d-%d", w, n%5), key: newUUID()}
				status, body, err := postTrack(client, apiURL, auth, o.userID, "faultTest", o.key)
				o.took, o.status, o.err = time.Since(o.sent), status, err
				if err != nil && status != 0 {
					o.err = nil // a 200 whose body did not match: counted as an odd status below
					o.status = -status
				}
				if status != http.StatusOK {
					var e struct {
						Error string `json:"error"`
					}
					json.Unmarshal(body, &e)
					o.code = e.Error
				}
				mu.Lock()
				all = append(all, o)
				mu.Unlock()
				if status != http.StatusOK {
					time.Sleep(20 * time.Millisecond) // failing fast must not spin the machine
				}
			}
		})
	}
	return func() []outcome {
		wg.Wait()
		sort.Slice(all, func(i, j int) bool { return all[i].sent.Before(all[j].sent) })
		return all
	}
}

// checkAcknowledged fails the test for each acknowledged track that the
// server no longer has.
func checkAcknowledged(t *testing.T, s *server, outcomes []outcome) int {
	t.Helper()
	acked, missing := 0, 0
	for _, o := range outcomes {
		if o.status != http.StatusOK {
			continue
		}
		acked++
		status, body := s.Call(s.SecretKey, "GET", fmt.Sprintf("/users/%s/actions/faultTest/%s", o.userID, o.key), nil)
		if status != http.StatusOK {
			missing++
			if missing <= 5 {
				t.Errorf("acknowledged track %s of %s: GET = %d %s, want 200", o.key, o.userID, status, body)
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged tracks lost", missing, acked)
	}
	return acked
}

// readyz returns the status GET /readyz answers.
func readyz(s *server) int {
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(s.Base() + "/readyz")
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// PostgreSQL restarted under load: while it is down every request fails
// fast with 503 unavailable and /readyz says so; within 5 s of the
// database accepting connections again requests succeed; the process
// never stops; and every track acknowledged before, during or after the
// outage is stored.
func TestPostgresRestartUnderLoad(t *testing.T) {
	pg := startPrivatePostgres(t)
	s := newInstance(t, pg.URL(), "UPLIFT_RATE_LIMITS=off")
	s.Start()
	tn := s.CreateTenant("Faults")
	s.TenantID, s.SecretKey = tn.ID, tn.SecretKey
	signer := s.registerSoftPasskey("restart-signer")

	stop := make(chan struct{})
	client := &http.Client{Timeout: 30 * time.Second}
	results := trackLoad(t, s.APIURL(), s.SecretKey, 4, stop, client)
	time.Sleep(time.Second)
	down := time.Now()
	pg.Stop()
	stopped := time.Now()
	time.Sleep(500 * time.Millisecond)
	if got := readyz(s); got != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz while the database is down = %d, want 503", got)
	}
	time.Sleep(2 * time.Second)
	pg.Start()
	back := pg.WaitAccepting()
	signedIn, lastErr := firstPasskeySignIn(s, "restart-signer", signer, back.Add(10*time.Second))
	time.Sleep(time.Until(back.Add(6 * time.Second)))
	close(stop)
	outcomes := results()

	select {
	case <-s.exited:
		t.Fatalf("uplift exited during the database's restart")
	default:
	}
	if got := readyz(s); got != http.StatusOK {
		t.Errorf("GET /readyz after the restart = %d, want 200", got)
	}

	var failed, slowest int
	var firstOK time.Time
	kinds := map[string]int{}
	for i, o := range outcomes {
		if o.status == http.StatusOK {
			if o.sent.After(back) && (firstOK.IsZero() || o.sent.Add(o.took).Before(firstOK)) {
				firstOK = o.sent.Add(o.took)
			}
			continue
		}
		failed++
		kind := fmt.Sprintf("%d %s", o.status, o.code)
		if o.err != nil {
			kind = "no answer: " + o.err.Error()
		}
		kinds[kind]++
		if o.status != http.StatusServiceUnavailable || o.code != "unavailable" {
			if kinds[kind] == 1 {
				t.Errorf("a track during the restart got %s, want 503 unavailable", kind)
			}
		}
		if o.sent.Before(down.Add(-time.Second)) || o.sent.After(back.Add(5*time.Second)) { // in flight at the stop, or in the outage
			if kinds[kind] == 1 {
				t.Errorf("a track sent %v from the stop failed (%s): outside the outage", o.sent.Sub(down), kind)
			}
		}
		if o.took > outcomes[slowest].took || outcomes[slowest].status == http.StatusOK {
			slowest = i
		}
	}
	if failed == 0 {
		t.Fatalf("no request failed while the database was down: was it stopped?")
	}
	if o := outcomes[slowest]; o.took > 5*time.Second {
		t.Errorf("a failed request took %v to answer, want a few seconds at most", o.took)
	}
	if firstOK.IsZero() {
		t.Fatal("no track succeeded after the database came back")
	}
	recovery := firstOK.Sub(back)
	if recovery > 5*time.Second {
		t.Errorf("the first track succeeded %v after the database accepted connections, want within 5 s", recovery)
	}
	if signedIn.IsZero() {
		t.Errorf("no passkey sign-in succeeded within 10 s of the database accepting connections; the last attempt: %v", lastErr)
	} else if d := signedIn.Sub(back); d > 5*time.Second {
		t.Errorf("the first passkey sign-in succeeded %v after the database accepted connections, want within 5 s", d)
	}
	acked := checkAcknowledged(t, s, outcomes)
	t.Logf("%d tracks, %d acknowledged, %d failed during the outage (%v); database stopped in %v, down %v; "+
		"slowest failure %v; first track %v and first passkey sign-in %v after the database was back",
		len(outcomes), acked, failed, kinds, stopped.Sub(down).Round(time.Millisecond), back.Sub(down).Round(time.Millisecond),
		outcomes[slowest].took.Round(time.Millisecond), recovery.Round(time.Millisecond), signedIn.Sub(back).Round(time.Millisecond))
	if out := s.output.String(); !strings.Contains(out, "not ready") {
		t.Errorf("uplift logged nothing of the database being unavailable:\n%s", out)
	}
}

// firstPasskeySignIn signs userID in with p again and again, from the
// moment it is called until one sign-in succeeds or the deadline passes,
// and returns when the successful one was answered, or the last error.
func firstPasskeySignIn(s *server, userID string, p *softPasskey, deadline time.Time) (time.Time, error) {
	var err error
	for time.Now().Before(deadline) {
		if err = tryPasskeySignIn(s, userID, p); err == nil {
			return time.Now(), nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Time{}, err
}

// tryPasskeySignIn is one whole passkey sign-in as an app and a browser
// make it (track, options, verify), returning the first failure rather
// than ending the test, so that it can be tried while the database is
// coming back.
func tryPasskeySignIn(s *server, userID string, p *softPasskey) error {
	client := &http.Client{Timeout: 10 * time.Second}
	post := func(path string, auth func(*http.Request), body, out any) error {
		b, _ := json.Marshal(body)
		req, err := http.NewRequest(http.MethodPost, s.APIURL()+path, strings.NewReader(string(b)))
		if err != nil {
			return err
		}
		auth(req)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("POST %s = %d %s", path, resp.StatusCode, raw)
		}
		return json.Unmarshal(raw, out)
	}
	var tracked struct {
		Token string `json:"token"`
	}
	if err := post("/users/"+userID+"/actions/signIn", func(r *http.Request) { r.SetBasicAuth(s.SecretKey, "") },
		map[string]any{}, &tracked); err != nil {
		return err
	}
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tracked.Token) }
	var opts struct {
		ChallengeID string          `json:"challengeId"`
		Options     json.RawMessage `json:"options"`
	}
	if err := post("/client/user-authenticators/passkey/authentication-options", bearer, map[string]any{}, &opts); err != nil {
		return err
	}
	o, err := virtualwebauthn.ParseAssertionOptions(string(opts.Options))
	if err != nil {
		return fmt.Errorf("parse request options %s: %w", opts.Options, err)
	}
	cred := p.cred
	cred.Counter++
	assertion := virtualwebauthn.CreateAssertionResponse(p.rp, p.auth, cred, *o)
	var verified struct {
		IsVerified bool `json:"isVerified"`
	}
	if err := post("/client/verify/passkey", bearer,
		map[string]any{"challengeId": opts.ChallengeID, "authenticationCredential": json.RawMessage(assertion)}, &verified); err != nil {
		return err
	}
	if !verified.IsVerified {
		return fmt.Errorf("the sign-in was not verified")
	}
	p.cred.Counter = cred.Counter
	return nil
}

// SIGTERM under load: requests the server accepted finish with their
// answer, new connections are refused, nothing answers 5xx, the process
// exits by itself well within its shutdown grace, and what it
// acknowledged is stored.
func TestSIGTERMUnderLoad(t *testing.T) {
	s := startServer(t, "UPLIFT_RATE_LIMITS=off")
	stop := make(chan struct{})
	// A connection per request: a refused request is then one whose
	// connection was refused, never one lost on a kept-alive connection.
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	results := trackLoad(t, s.APIURL(), s.SecretKey, 8, stop, client)
	time.Sleep(time.Second)
	term := time.Now()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		t.Fatalf("uplift still running %v after SIGTERM", stopTimeout)
	}
	exit := time.Since(term)
	s.cmd = nil
	time.Sleep(200 * time.Millisecond)
	close(stop)
	outcomes := results()
	if out := s.output.String(); !strings.Contains(out, "uplift serve exited: <nil>") {
		t.Errorf("uplift did not exit with status 0 after SIGTERM:\n%s", out)
	}

	var finishedAfter, refused int
	for _, o := range outcomes {
		switch {
		case o.status == http.StatusOK:
			if o.sent.Add(o.took).After(term) {
				finishedAfter++
			}
		case o.status != 0:
			t.Errorf("a track sent %v from SIGTERM got %d %s, want 200 or a refused connection", o.sent.Sub(term), o.status, o.code)
		case o.sent.Before(term.Add(-10 * time.Millisecond)):
			t.Errorf("a track sent %v before SIGTERM got no answer: %v", term.Sub(o.sent), o.err)
		default:
			refused++
		}
	}
	if refused == 0 {
		t.Errorf("no request was refused after SIGTERM: was the load still running?")
	}
	s.Start()
	acked := checkAcknowledged(t, s, outcomes)
	t.Logf("exit %v after SIGTERM; %d tracks, %d acknowledged (%d of them finished after SIGTERM), %d refused after it",
		exit.Round(time.Millisecond), len(outcomes), acked, finishedAfter, refused)
}

// faultyFront stands between the server and a sender (an SMTP server or
// an SMS webhook) and, by its mode, passes the traffic on, hangs (accepts
// and never answers), or refuses.
type faultyFront struct {
	mu   sync.Mutex
	mode string // "pass", "hang" or "refuse"
	hung chan struct{}
}

func (f *faultyFront) set(mode string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mode = mode
}

func (f *faultyFront) get() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mode
}

// startSMTPFront listens for SMTP and passes connections on to target.
func startSMTPFront(t *testing.T, target string) (*faultyFront, string) {
	f := &faultyFront{mode: "pass", hung: make(chan struct{})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { close(f.hung); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				switch f.get() {
				case "hang":
					<-f.hung
				case "refuse":
				default:
					up, err := net.Dial("tcp", target)
					if err != nil {
						return
					}
					defer up.Close()
					go io.Copy(up, c)
					io.Copy(c, up)
				}
			}()
		}
	}()
	return f, "smtp://" + ln.Addr().String()
}

// startSMSFront serves an SMS webhook that passes messages on to target.
func startSMSFront(t *testing.T, target string) (*faultyFront, string) {
	f := &faultyFront{mode: "pass", hung: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch f.get() {
		case "hang":
			select {
			case <-r.Context().Done():
			case <-f.hung:
			}
		case "refuse":
			http.Error(w, "gateway down", http.StatusServiceUnavailable)
		default:
			resp, err := http.Post(target, r.Header.Get("Content-Type"), r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			resp.Body.Close()
			w.WriteHeader(resp.StatusCode)
		}
	}))
	t.Cleanup(func() { close(f.hung); srv.Close() })
	return f, srv.URL + "/sms"
}

// An SMTP server or SMS gateway that hangs or refuses: the request for a
// code answers 503 unavailable within the send timeout, and the code that
// could not be sent is not counted against the user: the next request,
// at once, is not throttled, and succeeds once the sender is back.
func TestSenderFaults(t *testing.T) {
	mail := notifytest.StartSMTP(t)
	texts := notifytest.StartSMS(t)
	smtpFront, smtpURL := startSMTPFront(t, mail.Addr)
	smsFront, smsURL := startSMSFront(t, texts.URL)
	s := startServer(t, "UPLIFT_SMTP_URL="+smtpURL, "UPLIFT_SMS_URL="+smsURL)
	for _, ch := range []struct {
		method string
		front  *faultyFront
		field  string
		to     string
		got    func(string) (string, error)
	}{
		{"EMAIL_OTP", smtpFront, "email", "ada@example.com", mail.LastCode},
		{"SMS", smsFront, "phoneNumber", "+15550001234", texts.LastCode},
	} {
		t.Run(ch.method, func(t *testing.T) {
			t.Parallel()
			challenge := func() (int, string, time.Duration) {
				start := time.Now()
				b, _ := json.Marshal(map[string]any{
					"verificationMethod": ch.method, "action": "signIn", "userId": "fault-" + ch.method, ch.field: ch.to})
				req, _ := http.NewRequest("POST", s.APIURL()+"/challenge", strings.NewReader(string(b)))
				req.SetBasicAuth(s.SecretKey, "")
				req.Header.Set("Content-Type", "application/json")
				resp, err := (&http.Client{Timeout: notify.DefaultTimeout + 10*time.Second}).Do(req)
				if err != nil {
					t.Fatalf("POST /v1/challenge: %v", err)
				}
				defer resp.Body.Close()
				var e struct {
					Error string `json:"error"`
				}
				json.NewDecoder(resp.Body).Decode(&e)
				return resp.StatusCode, e.Error, time.Since(start)
			}
			for _, mode := range []string{"hang", "refuse"} {
				ch.front.set(mode)
				status, code, took := challenge()
				if status != http.StatusServiceUnavailable || code != "unavailable" {
					t.Errorf("%s sender that does %s: challenge = %d %s, want 503 unavailable", ch.method, mode, status, code)
				}
				if took > notify.DefaultTimeout+3*time.Second {
					t.Errorf("%s sender that does %s: the answer took %v, want within the send timeout %v", ch.method, mode, took, notify.DefaultTimeout)
				}
				t.Logf("%s sender that does %s: %d %s after %v", ch.method, mode, status, code, took.Round(time.Millisecond))
			}
			ch.front.set("pass")
			if status, code, _ := challenge(); status != http.StatusOK {
				t.Fatalf("%s sender back: challenge = %d %s, want 200 (the failed sends must not count)", ch.method, status, code)
			}
			if _, err := ch.got(ch.to); err != nil {
				t.Errorf("%s sender back: no code arrived: %v", ch.method, err)
			}
		})
	}
}

// A full disk under SQLite: writes answer 503 unavailable with a log line
// that says so, the database stays intact, and writes succeed again once
// there is room. The test mounts a small tmpfs, which needs root.
func TestSQLiteFullDisk(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small file system for the database (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	s := newInstance(t, "sqlite://"+filepath.Join(dir, "uplift.db"))
	tn := s.CreateTenant("Full")
	s.TenantID, s.SecretKey = tn.ID, tn.SecretKey
	s.Start()
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(s.SecretKey+":"))
	client := &http.Client{Timeout: 10 * time.Second}
	var outcomes []outcome
	track := func() outcome {
		o := outcome{sent: time.Now(), userID: "full-user", key: newUUID()}
		status, body, err := postTrack(client, s.APIURL(), auth, o.userID, "faultTest", o.key)
		if err != nil {
			t.Fatalf("track: %v", err)
		}
		o.status, o.took = status, time.Since(o.sent)
		var e struct {
			Error string `json:"error"`
		}
		json.Unmarshal(body, &e)
		o.code = e.Error
		outcomes = append(outcomes, o)
		return o
	}
	if o := track(); o.status != http.StatusOK {
		t.Fatalf("track before the disk is full = %d %s", o.status, o.code)
	}

	// Fill the disk.
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			break
		}
	}
	f.Close()
	refused := 0
	for range 500 {
		o := track()
		if o.status == http.StatusOK {
			continue
		}
		if o.status != http.StatusServiceUnavailable || o.code != "unavailable" {
			t.Fatalf("track on a full disk = %d %s, want 503 unavailable", o.status, o.code)
		}
		if refused++; refused == 5 {
			break
		}
	}
	if refused == 0 {
		t.Fatal("500 tracks on a full disk all succeeded: was it full?")
	}
	if !strings.Contains(s.output.String(), "the disk holding the SQLite database is full") {
		t.Errorf("no log line says the disk is full:\n%s", s.output.String())
	}

	// Room again: writes succeed.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	ok := false
	for range 50 {
		if track().status == http.StatusOK {
			ok = true
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !ok {
		t.Fatal("tracks still fail after the disk has room again")
	}
	s.Stop()
	db, err := sql.Open("sqlite", filepath.Join(dir, "uplift.db"))
	if err != nil {
		t.Fatal(err)
	}
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check after the full disk = %q, %v; want ok", check, err)
	}
	db.Close()
	s.Start()
	acked := checkAcknowledged(t, s, outcomes)
	t.Logf("%d tracks, %d acknowledged, %d refused while the disk was full", len(outcomes), acked, refused)
}
