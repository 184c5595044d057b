package e2e

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/uplift-dev/uplift/internal/hosted"
	"github.com/uplift-dev/uplift/internal/pgtest"
	"github.com/uplift-dev/uplift/internal/totp"
	"github.com/uplift-dev/uplift/internal/webauthntest"
)

// An installation filled through its APIs on SQLite moves to PostgreSQL
// with `uplift db copy --verify` and nobody enrols again.
func TestDBCopySQLiteToPostgres(t *testing.T) {
	pg := pgtest.URL(t)
	srv := startServer(t, "UPLIFT_RATE_LIMITS=off")
	moveAndCheck(t, srv, pg)
}

// The same from PostgreSQL to SQLite.
func TestDBCopyPostgresToSQLite(t *testing.T) {
	pg := pgtest.URL(t)
	srv := startServer(t, "UPLIFT_RATE_LIMITS=off", "UPLIFT_DATABASE_URL="+pg)
	moveAndCheck(t, srv, "sqlite://"+filepath.Join(t.TempDir(), "moved.db"))
}

// softPasskey is a software authenticator with its credential, kept across
// the copy.
type softPasskey struct {
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
	rp   virtualwebauthn.RelyingParty
}

// filled is what fillThroughAPIs made and what must read back the same.
type filled struct {
	passkey    *softPasskey // ada's
	admin      *softPasskey // the console admin's
	totpSecret string       // tess's authenticator app
	reads      map[string][]byte
}

// readBack is what the Server and Management APIs say, by path, that a copy
// must not change.
var readBack = []string{
	"/management/authenticator-configurations/passkey",
	"/management/action-configurations",
	"/management/action-configurations/withdraw/rules",
	"/users/ada",
	"/users/ada/actions",
	"/users/ada/authenticators",
	"/users/tess/authenticators",
}

func moveAndCheck(t *testing.T, srv *server, dstURL string) {
	f := fillThroughAPIs(t, srv)
	srcURL := envValue(srv.env, "UPLIFT_DATABASE_URL")
	srv.Stop()

	out, err := runUplift(srv, "db", "copy", "--from", srcURL, "--to", dstURL, "--verify")
	if err != nil {
		t.Fatalf("uplift db copy: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Verified: ") {
		t.Errorf("uplift db copy --verify printed no verification:\n%s", out)
	}
	counts := tableCounts(out)
	for _, table := range []string{"tenants", "api_keys", "users", "authenticators", "passkeys", "webauthn_user_handles",
		"actions", "action_states", "action_configs", "rules", "totp_secrets", "uplift_events", "devices", "admins", "admin_passkeys", "admin_invites", "admin_sessions"} {
		if counts[table] == 0 {
			t.Errorf("the copy holds no row of %s (filled through the APIs, so the test proves less than it says):\n%s", table, out)
		}
	}

	// The moved installation, on the same address.
	srv.env = append(srv.env, "UPLIFT_DATABASE_URL="+dstURL)
	srv.Start()
	for _, path := range readBack {
		status, body := srv.Call(srv.SecretKey, "GET", path, nil)
		if status != http.StatusOK || !bytes.Equal(body, f.reads[path]) {
			t.Errorf("GET %s after the copy = %d\n%s\nbefore:\n%s", path, status, body, f.reads[path])
		}
	}
	if !srv.signInWithPasskey("ada", f.passkey) {
		t.Error("ada's passkey, registered before the copy, does not sign in after it")
	}
	code, err := totp.CodeAt(f.totpSecret, time.Now().Add(totp.Period))
	if err != nil {
		t.Fatal(err)
	}
	if !srv.verifyAppCode("tess", code) {
		t.Error("a code of tess's authenticator app, enrolled before the copy, is refused after it")
	}
	if !srv.consoleSignIn(f.admin) {
		t.Error("the console admin's passkey, registered before the copy, does not sign in after it")
	}
	srv.Stop()

	// A second copy into the now non-empty database is refused.
	out, err = runUplift(srv, "db", "copy", "--from", srcURL, "--to", dstURL)
	if err == nil || !regexp.MustCompile(`table \w+ already holds rows`).MatchString(out) {
		t.Errorf("a second copy into %s: %v\n%s\nwant a failure naming the table that holds rows", dstURL, err, out)
	}
}

// fillThroughAPIs gives the server's tenant users with an email, a passkey
// and an authenticator app, actions, settings, a rule and a
// console admin, all through its APIs, an uplift event through the hosted
// pages' prompt, and reads back what must survive.
func fillThroughAPIs(t *testing.T, srv *server) filled {
	t.Helper()
	mustCall := func(method, path string, body any, want int) []byte {
		t.Helper()
		status, got := srv.Call(srv.SecretKey, method, path, body)
		if status != want {
			t.Fatalf("%s %s = %d %s, want %d", method, path, status, got, want)
		}
		return got
	}
	mustCall("PATCH", "/management/authenticator-configurations/passkey", map[string]any{
		"enrollmentPromptInterval": 604800, "recoveryMethods": []string{"EMAIL_OTP", "AUTHENTICATOR_APP"}}, http.StatusOK)
	mustCall("POST", "/management/action-configurations", map[string]any{
		"actionCode": "withdraw", "defaultUserActionResult": "CHALLENGE",
		"verificationMethods": []string{"PASSKEY", "EMAIL_OTP"}, "defaultVerificationMethod": "PASSKEY"}, http.StatusCreated)
	mustCall("POST", "/management/action-configurations/withdraw/rules", map[string]any{
		"name": "Large amounts", "priority": 10, "type": "BLOCK",
		"conditions": map[string]any{">": []any{map[string]any{"var": "action.custom.amount"}, 10000}}}, http.StatusCreated)

	f := filled{reads: map[string][]byte{}}
	f.passkey = srv.registerSoftPasskey("ada")
	mustCall("POST", "/users/ada/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": "ada@example.com"}, http.StatusOK)
	if !srv.signInWithPasskey("ada", f.passkey) {
		t.Fatal("ada's new passkey does not sign in")
	}
	mustCall("POST", "/users/ada/actions/withdraw", map[string]any{"custom": map[string]any{"amount": 50000}}, http.StatusOK)
	mustCall("POST", "/users/bob/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": "bob@example.com"}, http.StatusOK)
	srv.evaluateUplift("ada", f.passkey)

	// tess's authenticator app, enrolled with a code of the previous time
	// step, so the one after the copy is never a replay.
	token := srv.trackToken("tess", "signUp")
	var app struct {
		Secret string `json:"secret"`
	}
	srv.bearer(token, "/client/user-authenticators/totp", map[string]any{}, &app)
	f.totpSecret = app.Secret
	code, err := totp.CodeAt(app.Secret, time.Now().Add(-totp.Period))
	if err != nil {
		t.Fatal(err)
	}
	var verified struct {
		IsVerified bool `json:"isVerified"`
	}
	srv.bearer(token, "/client/verify/totp", map[string]any{"verificationCode": code}, &verified)
	if !verified.IsVerified {
		t.Fatal("tess's authenticator app code is refused at enrolment")
	}

	f.admin = srv.enrolAdmin()
	for _, path := range readBack {
		f.reads[path] = mustCall("GET", path, nil, http.StatusOK)
	}
	return f
}

// runUplift runs the binary with the server's environment and returns its
// combined output.
func runUplift(srv *server, args ...string) (string, error) {
	cmd := exec.Command(srv.bin, args...)
	cmd.Env = srv.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// envValue is the last value env gives key.
func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// tableCounts reads the per-table counts uplift db copy prints.
func tableCounts(out string) map[string]int64 {
	counts := map[string]int64{}
	for _, m := range regexp.MustCompile(`(?m)^([a-z_]+)\s+(\d+)$`).FindAllStringSubmatch(out, -1) {
		n, _ := strconv.ParseInt(m[2], 10, 64)
		counts[m[1]] = n
	}
	return counts
}

// trackToken tracks action for userID and returns the client token.
func (s *server) trackToken(userID, action string) string {
	s.t.Helper()
	status, body := s.Call(s.SecretKey, "POST", "/users/"+userID+"/actions/"+action, map[string]any{})
	var tracked struct {
		Token string `json:"token"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &tracked) != nil || tracked.Token == "" {
		s.t.Fatalf("track %s for %s = %d %s", action, userID, status, body)
	}
	return tracked.Token
}

// registerSoftPasskey registers a new software passkey for a new user
// through the Client API and returns it.
func (s *server) registerSoftPasskey(userID string) *softPasskey {
	s.t.Helper()
	token := s.trackToken(userID, "signUp")
	var opts struct {
		ChallengeID string          `json:"challengeId"`
		Options     json.RawMessage `json:"options"`
	}
	s.bearer(token, "/client/user-authenticators/passkey/registration-options", map[string]any{"username": userID}, &opts)
	o, err := virtualwebauthn.ParseAttestationOptions(string(opts.Options))
	if err != nil {
		s.t.Fatalf("parse creation options %s: %v", opts.Options, err)
	}
	p := &softPasskey{
		auth: virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(o.UserID)}),
		cred: webauthntest.MustCredential(),
		rp:   virtualwebauthn.RelyingParty{ID: "localhost", Name: "Test", Origin: s.PublicURL},
	}
	attestation := virtualwebauthn.CreateAttestationResponse(p.rp, p.auth, p.cred, *o)
	var added map[string]any
	s.bearer(token, "/client/user-authenticators/passkey",
		map[string]any{"challengeId": opts.ChallengeID, "registrationCredential": json.RawMessage(attestation)}, &added)
	return p
}

// signInWithPasskey tracks a sign-in for userID and completes it with p,
// its sign counter one higher than the last time.
func (s *server) signInWithPasskey(userID string, p *softPasskey) bool {
	s.t.Helper()
	token := s.trackToken(userID, "signIn")
	var opts struct {
		ChallengeID string          `json:"challengeId"`
		Options     json.RawMessage `json:"options"`
	}
	s.bearer(token, "/client/user-authenticators/passkey/authentication-options", map[string]any{}, &opts)
	o, err := virtualwebauthn.ParseAssertionOptions(string(opts.Options))
	if err != nil {
		s.t.Fatalf("parse request options %s: %v", opts.Options, err)
	}
	p.cred.Counter++
	assertion := virtualwebauthn.CreateAssertionResponse(p.rp, p.auth, p.cred, *o)
	var verified struct {
		IsVerified bool `json:"isVerified"`
	}
	s.bearer(token, "/client/verify/passkey",
		map[string]any{"challengeId": opts.ChallengeID, "authenticationCredential": json.RawMessage(assertion)}, &verified)
	return verified.IsVerified
}

// evaluateUplift signs userID in with p for a hosted sign-in, then walks
// the hosted pages' uplift step: the decision is recorded, and the user
// answers the prompt with "Not now".
func (s *server) evaluateUplift(userID string, p *softPasskey) {
	s.t.Helper()
	status, body := s.Call(s.SecretKey, "POST", "/users/"+userID+"/actions/signIn",
		map[string]any{"redirectUrl": s.PublicURL + "/done"})
	var tracked struct {
		Token          string `json:"token"`
		IdempotencyKey string `json:"idempotencyKey"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &tracked) != nil {
		s.t.Fatalf("track a hosted sign-in = %d %s", status, body)
	}
	var opts struct {
		ChallengeID string          `json:"challengeId"`
		Options     json.RawMessage `json:"options"`
	}
	s.bearer(tracked.Token, "/client/user-authenticators/passkey/authentication-options", map[string]any{}, &opts)
	o, err := virtualwebauthn.ParseAssertionOptions(string(opts.Options))
	if err != nil {
		s.t.Fatal(err)
	}
	p.cred.Counter++
	var verified map[string]any
	s.bearer(tracked.Token, "/client/verify/passkey", map[string]any{"challengeId": opts.ChallengeID,
		"authenticationCredential": json.RawMessage(virtualwebauthn.CreateAssertionResponse(p.rp, p.auth, p.cred, *o))}, &verified)

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(s.PublicURL + "/login?token=" + url.QueryEscape(tracked.Token))
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	base, _ := url.Parse(s.PublicURL)
	var csrfSecret []byte
	for _, c := range jar.Cookies(base) {
		if c.Name == hosted.CSRFCookie {
			csrfSecret, _ = base64.RawURLEncoding.DecodeString(c.Value)
		}
	}
	if csrfSecret == nil {
		s.t.Fatalf("GET /login = %d set no CSRF cookie", resp.StatusCode)
	}
	// The decision, recorded with its reason.
	resp, err = client.Get(s.PublicURL + "/login/done?token=" + url.QueryEscape(tracked.Token))
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("GET /login/done = %d", resp.StatusCode)
	}
	// And "Not now", a dismissal.
	form := url.Values{"token": {tracked.Token}, "choice": {"dismiss"},
		"csrf": {hosted.CSRFField(csrfSecret, s.TenantID+"/"+tracked.IdempotencyKey)}}
	req, _ := http.NewRequest("POST", s.PublicURL+"/login/prompt", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.PublicURL)
	resp, err = client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("POST /login/prompt = %d", resp.StatusCode)
	}
}

// verifyAppCode tracks a sign-in for userID and answers it with code.
func (s *server) verifyAppCode(userID, code string) bool {
	s.t.Helper()
	token := s.trackToken(userID, "signIn")
	var verified struct {
		IsVerified bool `json:"isVerified"`
	}
	s.bearer(token, "/client/verify/totp", map[string]any{"verificationCode": code}, &verified)
	return verified.IsVerified
}

// consoleJSON posts a step of a console ceremony from the console's origin.
func (s *server) consoleJSON(path string, body any) (int, map[string]any, []*http.Cookie) {
	s.t.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequest("POST", "http://"+s.addr+path, bytes.NewReader(b))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", s.PublicURL)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		s.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	if resp.StatusCode != http.StatusOK {
		s.t.Logf("POST %s = %d %s", path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out, resp.Cookies()
}

// enrolAdmin makes a console admin with a software passkey through an
// invitation from `uplift tenant invite`.
func (s *server) enrolAdmin() *softPasskey {
	s.t.Helper()
	out, err := runUplift(s, "tenant", "invite", "--tenant", s.TenantID, "--json")
	var invite struct {
		URL string `json:"url"`
	}
	if err != nil || json.Unmarshal([]byte(out), &invite) != nil || invite.URL == "" {
		s.t.Fatalf("uplift tenant invite: %v %s", err, out)
	}
	token := invite.URL[strings.LastIndex(invite.URL, "/")+1:]
	status, start, _ := s.consoleJSON("/console/invite/"+token+"/options", map[string]any{"name": "Ada Admin"})
	if status != http.StatusOK {
		s.t.Fatalf("console invitation options = %d", status)
	}
	raw, _ := json.Marshal(start["options"])
	o, err := virtualwebauthn.ParseAttestationOptions(string(raw))
	if err != nil {
		s.t.Fatalf("parse console creation options %s: %v", raw, err)
	}
	p := &softPasskey{
		auth: virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(o.UserID)}),
		cred: webauthntest.MustCredential(),
		rp:   virtualwebauthn.RelyingParty{ID: "localhost", Name: "Uplift console", Origin: s.PublicURL},
	}
	status, _, _ = s.consoleJSON("/console/invite/"+token+"/register", map[string]any{
		"ceremonyId": start["ceremonyId"], "response": json.RawMessage(virtualwebauthn.CreateAttestationResponse(p.rp, p.auth, p.cred, *o)),
	})
	if status != http.StatusOK {
		s.t.Fatalf("console invitation register = %d", status)
	}
	if !s.consoleSignIn(p) {
		s.t.Fatal("the new console admin cannot sign in")
	}
	return p
}

// consoleSignIn signs in to the console with p and reports whether a
// session began.
func (s *server) consoleSignIn(p *softPasskey) bool {
	s.t.Helper()
	status, start, _ := s.consoleJSON("/console/signin/options", map[string]any{})
	if status != http.StatusOK {
		return false
	}
	raw, _ := json.Marshal(start["options"])
	o, err := virtualwebauthn.ParseAssertionOptions(string(raw))
	if err != nil {
		s.t.Fatalf("parse console request options %s: %v", raw, err)
	}
	p.cred.Counter++
	status, _, cookies := s.consoleJSON("/console/signin/verify", map[string]any{
		"ceremonyId": start["ceremonyId"], "response": json.RawMessage(virtualwebauthn.CreateAssertionResponse(p.rp, p.auth, p.cred, *o)),
	})
	for _, c := range cookies {
		if c.Value != "" && status == http.StatusOK {
			return true
		}
	}
	return false
}

// A copy killed half-way, as a power cut would end it, leaves the
// destination migrated and empty, and the same command then succeeds.
func TestDBCopyKilledLeavesDestinationEmpty(t *testing.T) {
	const users = 200_000
	srv := startServer(t, "UPLIFT_RATE_LIMITS=off")
	srv.Stop()
	srcURL := envValue(srv.env, "UPLIFT_DATABASE_URL")
	src, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(srcURL, "sqlite://"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
		INSERT INTO users (tenant_id, user_id, email, created_at, updated_at)
		SELECT $2, 'user-' || i, 'user' || i || '@example.com', i, i FROM n`, users, srv.TenantID)
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	dstPath := filepath.Join(t.TempDir(), "moved.db")
	dstURL := "sqlite://" + dstPath

	cmd := exec.Command(srv.bin, "db", "copy", "--from", srcURL, "--to", dstURL)
	cmd.Env = srv.env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stderr)
	killed := false
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "copying users:") {
			time.Sleep(500 * time.Millisecond) // well into the users
			cmd.Process.Kill()
			killed = true
			break
		}
	}
	io.Copy(io.Discard, stderr)
	if err := cmd.Wait(); err == nil || !killed {
		t.Fatalf("the copy finished before it could be killed (%v); the test proves nothing", err)
	}

	dst, err := sql.Open("sqlite", "file:"+dstPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	rows, err := dst.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 20 {
		t.Fatalf("the destination after the kill has tables %v; want it migrated", tables)
	}
	for _, table := range tables {
		var n int64
		if err := dst.QueryRow(`SELECT COUNT(*) FROM "` + table + `"`).Scan(&n); err != nil || n != 0 {
			t.Errorf("after the kill the destination's %s holds %d rows (%v), want 0", table, n, err)
		}
	}

	out, err := runUplift(srv, "db", "copy", "--from", srcURL, "--to", dstURL, "--verify")
	if err != nil || tableCounts(out)["users"] != users {
		t.Errorf("the copy after the kill: %v\n%s\nwant %d users", err, out, users)
	}
}
