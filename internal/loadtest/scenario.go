package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"
)

// Scenario names.
const (
	ScenarioPasskey       = "passkey"
	ScenarioTrackValidate = "track-validate"
	ScenarioEmail         = "email"
)

// scenario is one kind of operation the load repeats.
type scenario struct {
	name  string
	steps []string
	// op runs one operation for u, timing its steps with st.
	op func(ctx context.Context, t *Target, u *Passkey, st *stepTimer) error
	// codes says each operation sends the user a code, so its users come
	// from a codePool that keeps to the server's throttle.
	codes bool
}

func scenarioByName(name string) (scenario, error) {
	switch name {
	case ScenarioPasskey:
		return scenario{name: name, steps: []string{"challenge", "options", "sign", "verify"}, op: passkeySignIn}, nil
	case ScenarioTrackValidate:
		return scenario{name: name, steps: []string{"track", "validate"}, op: trackValidate}, nil
	case ScenarioEmail:
		return scenario{name: name, steps: []string{"track", "challenge", "email", "verify", "validate"}, op: emailSignIn, codes: true}, nil
	}
	return scenario{}, fmt.Errorf("unknown scenario %q (passkey, track-validate or email)", name)
}

// stepTimer records how long each step of an operation took.
type stepTimer struct {
	hists []*Histogram // one per step, nil while warming up
	i     int
	last  time.Time
}

// lap ends the current step.
func (s *stepTimer) lap() {
	now := time.Now()
	if s.hists != nil && s.i < len(s.hists) {
		s.hists[s.i].Record(now.Sub(s.last))
	}
	s.i++
	s.last = now
}

func (s *stepTimer) start() { s.i, s.last = 0, time.Now() }

// passkeySignIn is a username-less passkey sign-in as the browser SDK runs
// it: POST /v1/client/challenge naming the action (Basic tenant id), the
// authentication options for that challenge, the authenticator's
// signature, and POST /v1/client/verify/passkey.
func passkeySignIn(ctx context.Context, t *Target, u *Passkey, st *stepTimer) error {
	var ch struct {
		ChallengeID string `json:"challengeId"`
	}
	if err := t.call(ctx, http.MethodPost, "/v1/client/challenge", t.tenantAuth, map[string]string{"action": "signIn"}, &ch); err != nil {
		return err
	}
	st.lap()
	var opts struct {
		ChallengeID string          `json:"challengeId"`
		Options     json.RawMessage `json:"options"`
	}
	if err := t.call(ctx, http.MethodPost, "/v1/client/user-authenticators/passkey/authentication-options", t.tenantAuth,
		map[string]string{"challengeId": ch.ChallengeID}, &opts); err != nil {
		return err
	}
	st.lap()
	cred, err := u.Assert(t.RP, opts.Options)
	if err != nil {
		return &OpError{Kind: "bad_response", Detail: err.Error()}
	}
	st.lap()
	var res struct {
		IsVerified  bool   `json:"isVerified"`
		UserID      string `json:"userId"`
		AccessToken string `json:"accessToken"`
	}
	err = t.call(ctx, http.MethodPost, "/v1/client/verify/passkey", t.tenantAuth, map[string]any{
		"challengeId": opts.ChallengeID, "authenticationCredential": cred, "deviceId": "load-device-" + u.UserID,
	}, &res)
	if err != nil {
		return err
	}
	st.lap()
	if !res.IsVerified || res.UserID != u.UserID || res.AccessToken == "" {
		return &OpError{Kind: "bad_response", Detail: fmt.Sprintf("verify answered isVerified=%v userId=%q", res.IsVerified, res.UserID)}
	}
	return nil
}

// trackValidate is an app backend's pair of calls: track an action with
// the secret key, then validate the token it returned.
func trackValidate(ctx context.Context, t *Target, u *Passkey, st *stepTimer) error {
	var tr struct {
		Token string `json:"token"`
		State string `json:"state"`
	}
	err := t.call(ctx, http.MethodPost, "/v1/users/"+url.PathEscape(u.UserID)+"/actions/signIn", t.secretAuth,
		map[string]string{"deviceId": "load-device-" + u.UserID, "userAgent": userAgent, "ipAddress": "127.0.0.1"}, &tr)
	if err != nil {
		return err
	}
	st.lap()
	if tr.Token == "" || tr.State == "" {
		return &OpError{Kind: "bad_response", Detail: "track answered without a token or state"}
	}
	var v struct {
		State  string `json:"state"`
		UserID string `json:"userId"`
		Error  string `json:"error"`
	}
	if err := t.call(ctx, http.MethodPost, "/v1/validate", t.secretAuth, map[string]string{"token": tr.Token}, &v); err != nil {
		return err
	}
	st.lap()
	if v.Error != "" {
		return &OpError{Kind: "validate:" + v.Error, Detail: "validate refused the token track issued"}
	}
	if v.State != tr.State || v.UserID != u.UserID {
		return &OpError{Kind: "bad_response", Detail: fmt.Sprintf("validate answered state %q user %q, track said %q", v.State, v.UserID, tr.State)}
	}
	return nil
}

// userPool hands out the user for each operation.
type userPool interface {
	// take returns a user, waiting while none may be used yet, and a
	// release to call once the operation is over (used: it ran). It
	// fails when ctx ends first.
	take(ctx context.Context) (u *Passkey, release func(used bool), err error)
}

// randomPool picks a random registered user for each operation; several
// operations may share one.
type randomPool []*Passkey

// take returns a random user at once.
func (p randomPool) take(context.Context) (*Passkey, func(bool), error) {
	return p[rand.IntN(len(p))], func(bool) {}, nil
}
