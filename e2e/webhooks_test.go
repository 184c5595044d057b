package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/uplift-dev/uplift/internal/notify/notifytest"
)

// receiverEntry is one request the Node receiver got.
type receiverEntry struct {
	URL      string `json:"url"`
	Status   int    `json:"status"`
	Verified bool   `json:"verified"`
	Error    string `json:"error"`
	Event    struct {
		Version  int               `json:"version"`
		ID       string            `json:"id"`
		Source   string            `json:"source"`
		Time     string            `json:"time"`
		TenantID string            `json:"tenantId"`
		Type     string            `json:"type"`
		Data     map[string]string `json:"data"`
		// Records is a log events batch's (Authsignal's shape for them).
		Records []logRecord `json:"records"`
	} `json:"event"`
}

// logRecord is one record of a log events batch.
type logRecord struct {
	Version  int            `json:"version"`
	ID       string         `json:"id"`
	Source   string         `json:"source"`
	Time     string         `json:"time"`
	TenantID string         `json:"tenantId"`
	Type     string         `json:"type"`
	Record   map[string]any `json:"record"`
}

// acceptedRecords returns the records of one type in the verified,
// 2xx-answered log batches.
func acceptedRecords(l []receiverEntry, typ string) []logRecord {
	var out []logRecord
	for _, e := range l {
		if !e.Verified || e.Status/100 != 2 {
			continue
		}
		for _, r := range e.Event.Records {
			if r.Type == typ {
				out = append(out, r)
			}
		}
	}
	return out
}

// receiver is e2e/sdk/webhook-receiver.mjs, run with the tenant's secret
// key: every delivery it accepts passed the official constructEvent.
type receiver struct {
	t    *testing.T
	base string
}

// startReceiver runs the Node receiver on port (0: any) until the test
// ends. It skips without Node or the SDK, unless UPLIFT_REQUIRE_SDK=1.
func startReceiver(t *testing.T, secretKey string, port int) *receiver {
	t.Helper()
	node, err := exec.LookPath("node")
	root, rerr := moduleRoot()
	if rerr != nil {
		t.Fatal(rerr)
	}
	sdkDir := filepath.Join(root, "e2e", "sdk")
	_, serr := os.Stat(filepath.Join(sdkDir, "node_modules", "@authsignal", "node"))
	if err != nil || serr != nil {
		if os.Getenv("UPLIFT_REQUIRE_SDK") == "1" {
			t.Fatalf("node or e2e/sdk/node_modules missing (UPLIFT_REQUIRE_SDK=1)")
		}
		t.Skip("node or e2e/sdk/node_modules missing; install Node.js and run npm ci in e2e/sdk")
	}
	cmd := exec.Command(node, "webhook-receiver.mjs")
	cmd.Dir = sdkDir
	cmd.Env = append(cleanEnv(), "UPLIFT_SECRET_KEY="+secretKey, fmt.Sprintf("RECEIVER_PORT=%d", port))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("receiver stderr:\n%s", stderr.String())
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	var p int
	if _, serr := fmt.Sscanf(line, "listening %d", &p); err != nil || serr != nil {
		t.Fatalf("receiver did not start: %q %v\n%s", line, err, stderr.String())
	}
	return &receiver{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", p)}
}

// URL is the receiver's URL for a path and plan of statuses.
func (r *receiver) URL(path string, plan ...int) string {
	u := r.base + "/hook/" + path
	if len(plan) > 0 {
		s := make([]string, len(plan))
		for i, p := range plan {
			s[i] = fmt.Sprint(p)
		}
		u += "?plan=" + strings.Join(s, ",")
	}
	return u
}

// Log returns every request so far.
func (r *receiver) Log() []receiverEntry {
	r.t.Helper()
	resp, err := http.Get(r.base + "/log")
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []receiverEntry
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		r.t.Fatal(err)
	}
	return out
}

// WaitFor polls the log until ok holds, for up to d.
func (r *receiver) WaitFor(d time.Duration, what string, ok func([]receiverEntry) bool) []receiverEntry {
	r.t.Helper()
	deadline := time.Now().Add(d)
	for {
		l := r.Log()
		if ok(l) {
			return l
		}
		if time.Now().After(deadline) {
			b, _ := json.MarshalIndent(l, "", " ")
			r.t.Fatalf("receiver: no %s after %v; log:\n%s", what, d, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// accepted returns the verified, 2xx-answered events of one type.
func accepted(l []receiverEntry, typ string) []receiverEntry {
	var out []receiverEntry
	for _, e := range l {
		if e.Verified && e.Status/100 == 2 && e.Event.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// mustCall is Call that expects want.
func (s *server) mustCall(want int, method, path string, body any) map[string]any {
	s.t.Helper()
	status, b := s.Call(s.SecretKey, method, path, body)
	if status != want {
		s.t.Fatalf("%s %s = %d %s, want %d", method, path, status, b, want)
	}
	var out map[string]any
	json.Unmarshal(b, &out)
	return out
}

// client posts to a Client API path (below /v1) with a token.
func (s *server) client(token, path string, body any) (int, map[string]any) {
	s.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, s.APIURL()+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func (s *server) track(userID, action string) (token, key string) {
	s.t.Helper()
	out := s.mustCall(http.StatusOK, "POST", "/users/"+userID+"/actions/"+action, map[string]any{})
	token, _ = out["token"].(string)
	key, _ = out["idempotencyKey"].(string)
	return token, key
}

// TestWebhooks drives every webhook event the server sends from its
// APIs, each verified by the official webhook.constructEvent.
func TestWebhooks(t *testing.T) {
	mail, sms := notifytest.StartSMTP(t), notifytest.StartSMS(t)
	srv := startServer(t, "UPLIFT_SMTP_URL="+mail.URL(), "UPLIFT_SMS_URL="+sms.URL,
		"UPLIFT_WEBHOOK_ALLOW_PRIVATE=1", "UPLIFT_WEBHOOK_RETRY_BASE=500ms")
	rc := startReceiver(t, srv.SecretKey, 0)

	// The first authenticator event is refused twice, then accepted.
	srv.mustCall(http.StatusOK, "PATCH", "/management/webhooks", map[string]any{
		"authenticatorEventsUrl": rc.URL("auth", 500, 500), "messageEventsUrl": rc.URL("messages"),
		"logEventsUrl": rc.URL("log"), "promptEventsUrl": rc.URL("prompt"),
	})

	// authenticator.created from the Server API, then deleted.
	created := srv.mustCall(http.StatusOK, "POST", "/users/alice/authenticators",
		map[string]any{"verificationMethod": "EMAIL_OTP", "email": "alice@example.com"})
	t.Logf("created: %v", created)
	log := rc.WaitFor(20*time.Second, "accepted authenticator.created", func(l []receiverEntry) bool {
		return len(accepted(l, "authenticator.created")) == 1
	})
	first := accepted(log, "authenticator.created")[0]
	var tries []int
	for _, e := range log {
		if e.Event.ID == first.Event.ID {
			tries = append(tries, e.Status)
		}
	}
	if fmt.Sprint(tries) != "[500 500 200]" {
		t.Errorf("attempts seen by the receiver = %v, want [500 500 200]", tries)
	}
	d := first.Event.Data
	if first.Event.Version != 1 || first.Event.TenantID != srv.TenantID || first.Event.Source == "" || first.Event.Time == "" ||
		d["userId"] != "alice" || d["verificationMethod"] != "EMAIL_OTP" || d["userAuthenticatorId"] == "" || d["createdAt"] == "" {
		t.Errorf("authenticator.created = %+v", first.Event)
	}
	// The attempts are logged.
	list := srv.listDeliveries()
	var logged map[string]any
	for _, x := range list {
		if x["id"] == first.Event.ID {
			logged = srv.mustCall(http.StatusOK, "GET", "/management/webhooks/deliveries/"+first.Event.ID, nil)
		}
	}
	if logged == nil || logged["status"] != "delivered" || logged["attempts"] != float64(3) {
		t.Fatalf("delivery as logged = %v", logged)
	}
	var statuses []any
	for _, a := range logged["attemptLog"].([]any) {
		statuses = append(statuses, a.(map[string]any)["statusCode"])
	}
	if fmt.Sprint(statuses) != "[500 500 200]" {
		t.Errorf("attempt log statuses = %v", statuses)
	}

	srv.mustCall(http.StatusOK, "DELETE", "/users/alice/authenticators/"+d["userAuthenticatorId"], nil)
	log = rc.WaitFor(10*time.Second, "authenticator.deleted", func(l []receiverEntry) bool {
		return len(accepted(l, "authenticator.deleted")) == 1
	})
	if del := accepted(log, "authenticator.deleted")[0].Event.Data; del["userAuthenticatorId"] != d["userAuthenticatorId"] || del["deletedAt"] == "" {
		t.Errorf("authenticator.deleted data = %v", del)
	}

	// A passkey: credentialId, aaguid and credentialName. signUp asks its
	// action.verify webhook, which approves, before the first passkey
	// completes the action.
	srv.mustCall(http.StatusCreated, "POST", "/management/action-configurations", map[string]any{
		"actionCode": "signUp", "defaultUserActionResult": "CHALLENGE", "verificationWebhookUrl": rc.URL("approve"),
	})
	aaguid := uuid.MustParse("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4") // Google Password Manager
	srv.registerPasskey("bob", aaguid)
	approved := 0
	for _, e := range rc.Log() {
		if e.Verified && e.Event.Type == "action.verify" && e.Event.Data["userId"] == "bob" && e.Event.Data["verificationMethod"] == "PASSKEY" {
			approved++
		}
	}
	if approved != 1 {
		t.Errorf("action.verify of bob's first passkey sent %d times, want 1", approved)
	}
	log = rc.WaitFor(10*time.Second, "passkey authenticator.created", func(l []receiverEntry) bool {
		for _, e := range accepted(l, "authenticator.created") {
			if e.Event.Data["verificationMethod"] == "PASSKEY" {
				return true
			}
		}
		return false
	})
	for _, e := range accepted(log, "authenticator.created") {
		if p := e.Event.Data; p["verificationMethod"] == "PASSKEY" &&
			(p["userId"] != "bob" || p["credentialId"] == "" || p["aaguid"] != aaguid.String() || p["credentialName"] == "") {
			t.Errorf("passkey authenticator.created data = %v", p)
		}
	}

	// email.created instead of SMTP: the code reaches the app's webhook,
	// and enrolling with it makes authenticator.created; enrolling another
	// address in the same action updates it.
	token, _ := srv.track("carol", "signUp")
	if st, out := srv.client(token, "/client/user-authenticators/email-otp", map[string]any{"email": "carol@example.com"}); st != http.StatusOK {
		t.Fatalf("enrol email = %d %v", st, out)
	}
	log = rc.WaitFor(10*time.Second, "email.created", func(l []receiverEntry) bool { return len(accepted(l, "email.created")) == 1 })
	em := accepted(log, "email.created")[0].Event.Data
	if em["to"] != "carol@example.com" || len(em["code"]) != 6 || em["userId"] != "carol" {
		t.Fatalf("email.created data = %v", em)
	}
	if _, err := mail.LastCode("carol@example.com"); err == nil {
		t.Error("the code also went out by SMTP")
	}
	st, out := srv.client(token, "/client/verify/email-otp", map[string]any{"verificationCode": em["code"]})
	if st != http.StatusOK || out["isVerified"] != true {
		t.Fatalf("verify email = %d %v", st, out)
	}
	carolToken := token
	if tok, _ := out["token"].(string); tok != "" {
		carolToken = tok
	}
	carolSent := time.Now()

	// action.log_created: carol's action went to the log events URL, as a
	// batch of records, when track allowed it (she had no method yet) and
	// again when her code completed it.
	log = rc.WaitFor(10*time.Second, "carol's action.log_created", func(l []receiverEntry) bool {
		n := 0
		for _, r := range acceptedRecords(l, "action.log_created") {
			if r.Record["userId"] == "carol" {
				n++
			}
		}
		return n == 2
	})
	var carolStates []any
	for _, r := range acceptedRecords(log, "action.log_created") {
		if r.Record["userId"] != "carol" {
			continue
		}
		rec := r.Record
		carolStates = append(carolStates, rec["state"])
		if r.Version != 1 || r.ID == "" || r.TenantID != srv.TenantID || r.Source == "" || r.Time == "" ||
			rec["tenantId"] != srv.TenantID || rec["actionCode"] != "signUp" || rec["idempotencyKey"] == "" ||
			rec["outcome"] != "ALLOW" || rec["createdAt"] == nil || rec["updatedAt"] == nil || rec["stateUpdatedAt"] == nil {
			t.Errorf("carol's action.log_created = %+v", r)
		}
		if rec["state"] == "CHALLENGE_SUCCEEDED" && rec["verificationMethod"] != "EMAIL_OTP" {
			t.Errorf("carol's completed action.log_created = %+v", r)
		}
	}
	if fmt.Sprint(carolStates) != "[ALLOW CHALLENGE_SUCCEEDED]" {
		t.Errorf("carol's logged states = %v, want [ALLOW CHALLENGE_SUCCEEDED]", carolStates)
	}

	// passkey_prompt.*: an app that draws its own prompt reports what
	// became of it; each outcome goes to the prompt events URL.
	// It asks for the decision first, as the Client API wants.
	platformCaps := map[string]any{"publicKeyCredential": true, "isUserVerifyingPlatformAuthenticatorAvailable": true}
	for _, step := range []struct {
		device string
		events []map[string]any
	}{
		{"carol-laptop", []map[string]any{{"event": "shown"}, {"event": "failed", "cause": "NotAllowedError"}}},
		{"carol-tablet", []map[string]any{{"event": "shown"}, {"event": "dismissed"}}},
	} {
		st, dec := srv.client(carolToken, "/client/uplift/decision", map[string]any{"deviceId": step.device,
			"capabilities": platformCaps, "surface": "api"})
		if st != http.StatusOK || dec["show"] != true {
			t.Fatalf("decision on %s = %d %v", step.device, st, dec)
		}
		for _, ev := range step.events {
			ev["deviceId"], ev["surface"] = step.device, "api"
			if st, out := srv.client(carolToken, "/client/uplift/events", ev); st != http.StatusNoContent {
				t.Fatalf("uplift event %v = %d %v", ev, st, out)
			}
		}
	}
	log = rc.WaitFor(10*time.Second, "passkey_prompt events", func(l []receiverEntry) bool {
		return len(accepted(l, "passkey_prompt.shown")) == 2 && len(accepted(l, "passkey_prompt.dismissed")) == 1 &&
			len(accepted(l, "passkey_prompt.failed")) == 1
	})
	for _, typ := range []string{"passkey_prompt.shown", "passkey_prompt.dismissed", "passkey_prompt.failed"} {
		for _, e := range accepted(log, typ) {
			d := e.Event.Data
			if e.Event.TenantID != srv.TenantID || !strings.Contains(e.URL, "/hook/prompt") || d["userId"] != "carol" ||
				d["actionCode"] != "signUp" || d["idempotencyKey"] == "" || !strings.HasPrefix(d["deviceId"], "carol-") ||
				d["occurredAt"] == "" {
				t.Errorf("%s = %+v", typ, e.Event)
			}
		}
	}
	if d := accepted(log, "passkey_prompt.failed")[0].Event.Data; d["reason"] != "NotAllowedError" {
		t.Errorf("passkey_prompt.failed reason = %q, want NotAllowedError", d["reason"])
	}
	// passkey_prompt.accepted: the app, having signed gina in itself,
	// shows its prompt on her phone and she creates the passkey.
	srv.mustCall(http.StatusOK, "POST", "/users/gina/authenticators",
		map[string]any{"verificationMethod": "EMAIL_OTP", "email": "gina@example.com"})
	out = srv.mustCall(http.StatusOK, "POST", "/users/gina/actions/addPasskey", map[string]any{
		"deviceId": "gina-phone", "scope": "add:authenticators"})
	ginaToken, _ := out["token"].(string)
	if st, dec := srv.client(ginaToken, "/client/uplift/decision", map[string]any{"capabilities": platformCaps, "surface": "api"}); st != http.StatusOK || dec["show"] != true {
		t.Fatalf("gina's decision = %d %v", st, dec)
	}
	if st, out := srv.client(ginaToken, "/client/uplift/events", map[string]any{"event": "shown", "surface": "api"}); st != http.StatusNoContent {
		t.Fatalf("gina's prompt shown = %d %v", st, out)
	}
	srv.registerPasskeyIn(ginaToken, "gina", uuid.MustParse("fbfc3007-154e-4ecc-8c0b-6e020557d7bd"))
	log = rc.WaitFor(10*time.Second, "passkey_prompt.accepted", func(l []receiverEntry) bool {
		return len(accepted(l, "passkey_prompt.accepted")) == 1
	})
	if d := accepted(log, "passkey_prompt.accepted")[0].Event.Data; d["userId"] != "gina" || d["actionCode"] != "addPasskey" ||
		d["deviceId"] != "gina-phone" || d["idempotencyKey"] == "" || d["occurredAt"] == "" {
		t.Errorf("passkey_prompt.accepted data = %v", d)
	}

	// sms.created likewise.
	token, _ = srv.track("dave", "signUp")
	if st, out := srv.client(token, "/client/user-authenticators/sms", map[string]any{"phoneNumber": "+14155550100"}); st != http.StatusOK {
		t.Fatalf("enrol sms = %d %v", st, out)
	}
	log = rc.WaitFor(10*time.Second, "sms.created", func(l []receiverEntry) bool { return len(accepted(l, "sms.created")) == 1 })
	if sm := accepted(log, "sms.created")[0].Event.Data; sm["to"] != "+14155550100" || len(sm["code"]) != 6 {
		t.Errorf("sms.created data = %v", sm)
	}

	// action.verify answering 403 keeps the action CHALLENGE_REQUIRED.
	srv.mustCall(http.StatusCreated, "POST", "/management/action-configurations", map[string]any{
		"actionCode": "signIn", "defaultUserActionResult": "CHALLENGE", "verificationMethods": []string{"EMAIL_OTP"},
		"verificationWebhookUrl": rc.URL("verify", 403),
	})
	srv.mustCall(http.StatusOK, "POST", "/users/frank/authenticators",
		map[string]any{"verificationMethod": "EMAIL_OTP", "email": "frank@example.com"})
	token, key := srv.track("frank", "signIn")
	if st, out := srv.client(token, "/client/challenge/email-otp", map[string]any{}); st != http.StatusOK {
		t.Fatalf("email challenge = %d %v", st, out)
	}
	log = rc.WaitFor(10*time.Second, "frank's email.created", func(l []receiverEntry) bool { return len(accepted(l, "email.created")) == 2 })
	code := accepted(log, "email.created")[1].Event.Data["code"]
	st, out = srv.client(token, "/client/verify/email-otp", map[string]any{"verificationCode": code})
	if st != http.StatusForbidden || out["error"] != "sign_in_refused" {
		t.Errorf("verify refused by action.verify = %d %v, want 403 sign_in_refused", st, out)
	}
	var verify []receiverEntry
	for _, e := range rc.Log() {
		if e.Verified && e.Event.Type == "action.verify" && strings.Contains(e.URL, "/hook/verify") {
			verify = append(verify, e)
		}
	}
	if len(verify) != 1 || verify[0].Status != 403 || verify[0].Event.Data["userId"] != "frank" ||
		verify[0].Event.Data["action"] != "signIn" || verify[0].Event.Data["idempotencyKey"] != key ||
		verify[0].Event.Data["verificationMethod"] != "EMAIL_OTP" {
		t.Errorf("action.verify requests = %+v", verify)
	}
	if a := srv.mustCall(http.StatusOK, "GET", "/users/frank/actions/signIn/"+key, nil); a["state"] != "CHALLENGE_REQUIRED" {
		t.Errorf("action after a refused action.verify = %v", a)
	}
	// The app's backend rejects frank's action: its final state is logged,
	// with the outcome track gave it.
	srv.mustCall(http.StatusOK, "PATCH", "/users/frank/actions/signIn/"+key, map[string]any{"state": "CHALLENGE_FAILED"})
	log = rc.WaitFor(10*time.Second, "frank's action.log_created", func(l []receiverEntry) bool {
		for _, r := range acceptedRecords(l, "action.log_created") {
			if r.Record["userId"] == "frank" {
				return true
			}
		}
		return false
	})
	for _, r := range acceptedRecords(log, "action.log_created") {
		if r.Record["userId"] == "frank" && (r.Record["idempotencyKey"] != key || r.Record["state"] != "CHALLENGE_FAILED" ||
			r.Record["outcome"] != "CHALLENGE") {
			t.Errorf("frank's action.log_created = %+v", r)
		}
	}

	// Enrolling another address in carol's action, once the send throttle
	// allows, updates her email authenticator.
	time.Sleep(time.Until(carolSent.Add(31 * time.Second)))
	if st, out := srv.client(carolToken, "/client/user-authenticators/email-otp", map[string]any{"email": "carol@new.example.com"}); st != http.StatusOK {
		t.Fatalf("enrol another email = %d %v", st, out)
	}
	log = rc.WaitFor(10*time.Second, "carol's second email.created", func(l []receiverEntry) bool { return len(accepted(l, "email.created")) == 3 })
	code = accepted(log, "email.created")[2].Event.Data["code"]
	if st, out := srv.client(carolToken, "/client/verify/email-otp", map[string]any{"verificationCode": code}); st != http.StatusOK {
		t.Fatalf("verify second email = %d %v", st, out)
	}
	log = rc.WaitFor(10*time.Second, "authenticator.updated", func(l []receiverEntry) bool {
		return len(accepted(l, "authenticator.updated")) == 1
	})
	if up := accepted(log, "authenticator.updated")[0].Event.Data; up["userId"] != "carol" || up["verificationMethod"] != "EMAIL_OTP" {
		t.Errorf("authenticator.updated data = %v", up)
	}

	// Nothing was refused by the receiver's signature check.
	for _, e := range rc.Log() {
		if !e.Verified {
			t.Errorf("delivery to %s failed constructEvent: %s", e.URL, e.Error)
		}
	}
}

func (s *server) listDeliveries() []map[string]any {
	s.t.Helper()
	status, b := s.Call(s.SecretKey, "GET", "/management/webhooks/deliveries", nil)
	var out []map[string]any
	if status != http.StatusOK || json.Unmarshal(b, &out) != nil {
		s.t.Fatalf("deliveries = %d %s", status, b)
	}
	return out
}

// TestWebhookSurvivesKill: a delivery pending when the server is killed
// goes out after the restart.
func TestWebhookSurvivesKill(t *testing.T) {
	srv := startServer(t, "UPLIFT_WEBHOOK_ALLOW_PRIVATE=1", "UPLIFT_WEBHOOK_RETRY_BASE=3s")
	rc := startReceiver(t, srv.SecretKey, 0)
	srv.mustCall(http.StatusOK, "PATCH", "/management/webhooks", map[string]any{"authenticatorEventsUrl": rc.URL("kill", 500)})
	srv.mustCall(http.StatusOK, "POST", "/users/erin/authenticators",
		map[string]any{"verificationMethod": "EMAIL_OTP", "email": "erin@example.com"})
	rc.WaitFor(10*time.Second, "first attempt", func(l []receiverEntry) bool { return len(l) == 1 })
	srv.Kill()
	if n := len(rc.Log()); n != 1 {
		t.Fatalf("receiver got %d requests before the restart", n)
	}
	srv.Start()
	log := rc.WaitFor(45*time.Second, "delivery after restart", func(l []receiverEntry) bool {
		return len(accepted(l, "authenticator.created")) == 1
	})
	if len(log) != 2 || log[0].Event.ID != log[1].Event.ID || log[1].Event.Data["userId"] != "erin" {
		t.Fatalf("log after restart = %+v", log)
	}
}
