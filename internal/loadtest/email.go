package loadtest

import (
	"container/heap"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/uplift-dev/uplift/internal/otp"
)

// emailSignIn is a sign-in by email code as an app and @authsignal/browser
// run it: the app tracks signIn with the secret key, the browser asks for
// a code with the action's token (POST /v1/client/challenge/email-otp),
// the user reads it (here: from the SMTP sink), the browser sends it
// (POST /v1/client/verify/email-otp) and the app validates the token the
// verification returned.
func emailSignIn(ctx context.Context, t *Target, u *Passkey, st *stepTimer) error {
	if t.sink == nil {
		return &OpError{Kind: "no_email", Detail: "the tool has no SMTP sink"}
	}
	t.sink.discard(u.Email)
	var tr struct {
		Token string `json:"token"`
		State string `json:"state"`
	}
	err := t.call(ctx, http.MethodPost, "/v1/users/"+url.PathEscape(u.UserID)+"/actions/signIn", t.secretAuth,
		map[string]string{"email": u.Email, "deviceId": "load-device-" + u.UserID, "userAgent": userAgent, "ipAddress": "127.0.0.1"}, &tr)
	if err != nil {
		return err
	}
	st.lap()
	if tr.Token == "" {
		return &OpError{Kind: "bad_response", Detail: "track answered without a token"}
	}
	var ch struct {
		ChallengeID string `json:"challengeId"`
	}
	if err := t.call(ctx, http.MethodPost, "/v1/client/challenge/email-otp", bearer(tr.Token), struct{}{}, &ch); err != nil {
		return t.sink.explain(err)
	}
	st.lap()
	if ch.ChallengeID == "" {
		return &OpError{Kind: "bad_response", Detail: "the email challenge answered without a challengeId"}
	}
	code, err := t.sink.await(ctx, u.Email)
	if err != nil {
		return err
	}
	st.lap()
	var res struct {
		IsVerified    bool   `json:"isVerified"`
		AccessToken   string `json:"accessToken"`
		FailureReason string `json:"failureReason"`
	}
	err = t.call(ctx, http.MethodPost, "/v1/client/verify/email-otp", bearer(tr.Token),
		map[string]string{"verificationCode": code}, &res)
	if err != nil {
		return err
	}
	st.lap()
	if !res.IsVerified || res.AccessToken == "" {
		return &OpError{Kind: "bad_response", Detail: fmt.Sprintf("verify answered isVerified=%v failureReason=%q", res.IsVerified, res.FailureReason)}
	}
	var v struct {
		IsValid            bool   `json:"isValid"`
		State              string `json:"state"`
		UserID             string `json:"userId"`
		VerificationMethod string `json:"verificationMethod"`
		Error              string `json:"error"`
	}
	if err := t.call(ctx, http.MethodPost, "/v1/validate", t.secretAuth, map[string]string{"token": res.AccessToken}, &v); err != nil {
		return err
	}
	st.lap()
	if v.Error != "" {
		return &OpError{Kind: "validate:" + v.Error, Detail: "validate refused the token verify issued"}
	}
	if !v.IsValid || v.UserID != u.UserID || v.VerificationMethod != "EMAIL_OTP" {
		return &OpError{Kind: "bad_response", Detail: fmt.Sprintf("validate answered isValid=%v state %q user %q method %q",
			v.IsValid, v.State, v.UserID, v.VerificationMethod)}
	}
	return nil
}

// enrollEmail gives a user a verified email authenticator through the
// Server API, as an app that verified the address itself does; no code is
// sent, so the setup leaves the users' code throttle untouched. A user
// who already has the address (a -user-prefix used before) keeps it.
func (t *Target) enrollEmail(ctx context.Context, userID, email string) error {
	var out struct {
		Authenticator struct {
			VerificationMethod string `json:"verificationMethod"`
			Email              string `json:"email"`
		} `json:"authenticator"`
	}
	err := t.call(ctx, http.MethodPost, "/v1/users/"+url.PathEscape(userID)+"/authenticators", t.secretAuth,
		map[string]string{"verificationMethod": "EMAIL_OTP", "email": email}, &out)
	if errorKind(err) == "http_409:authenticator_exists" {
		return nil
	}
	if err != nil {
		return err
	}
	if out.Authenticator.VerificationMethod != "EMAIL_OTP" {
		return &OpError{Kind: "bad_response", Detail: fmt.Sprintf("enrolled %q, want EMAIL_OTP", out.Authenticator.VerificationMethod)}
	}
	return nil
}

// codeRate is the most email sign-ins per second users users can make
// under the server's throttle: one code per user every otp.MinInterval
// (30 s). Over an hour, otp.HourlyLimit (10) codes per user bound it further.
func codeRate(users int) float64 { return float64(users) / otp.MinInterval.Seconds() }

// codePool hands each email operation the user whose next code the
// server's throttle allows soonest, and waits until then when that is
// still ahead: the load keeps to the throttle instead of collecting 429s.
// Operations also start evenly paced at the rate the throttle sustains
// (one every 30 s / users), so a warm-up does not use up the users' codes
// before the measured window. A user is in at most one operation at a
// time, so each code reaches the operation that asked for it. The pool
// lasts for the whole invocation, since the server counts sends across
// runs.
type codePool struct {
	now      func() time.Time
	interval time.Duration // between two starts

	mu      sync.Mutex
	idle    codeQueue
	slot    time.Time     // the earliest start the pace allows next
	changed chan struct{} // closed when a user is given back
}

// codeUser is a user and the codes sent to them, as this tool saw them.
type codeUser struct {
	u     *Passkey
	sends []time.Time // the last otp.HourlyLimit, oldest first
	next  time.Time   // when the throttle allows the next code
}

func newCodePool(users []*Passkey, now func() time.Time) *codePool {
	p := &codePool{now: now, interval: otp.MinInterval / time.Duration(max(1, len(users))), changed: make(chan struct{})}
	for _, u := range users {
		p.idle = append(p.idle, &codeUser{u: u})
	}
	heap.Init(&p.idle)
	return p
}

// take returns the idle user whose next code is allowed soonest, after
// waiting until both that user and the pace allow it; release must follow.
// It fails when ctx ends first.
func (p *codePool) take(ctx context.Context) (*Passkey, func(used bool), error) {
	cu, start, err := p.reserve(ctx)
	if err != nil {
		return nil, nil, err
	}
	if wait := start.Sub(p.now()); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			p.mu.Lock()
			if p.slot.Equal(start.Add(p.interval)) {
				p.slot = start // no later start was planned on this one
			}
			p.mu.Unlock()
			p.give(cu, false)
			return nil, nil, ctx.Err()
		}
	}
	return cu.u, func(used bool) { p.give(cu, used) }, nil
}

// reserve takes the idle user whose next code is allowed soonest, waiting
// while every user is in an operation, and plans its start: when the
// user, the pace and the clock all allow it.
func (p *codePool) reserve(ctx context.Context) (*codeUser, time.Time, error) {
	for {
		p.mu.Lock()
		if p.idle.Len() > 0 {
			cu := heap.Pop(&p.idle).(*codeUser)
			start := latest(p.now(), p.slot, cu.next)
			p.slot = start.Add(p.interval)
			p.mu.Unlock()
			return cu, start, nil
		}
		changed := p.changed
		p.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, time.Time{}, ctx.Err()
		}
	}
}

func latest(t time.Time, ts ...time.Time) time.Time {
	for _, u := range ts {
		if u.After(t) {
			t = u
		}
	}
	return t
}

// give returns a user to the pool; used records a code sent now, which
// is no earlier than the server's own record of it. An operation that
// failed before its challenge counts too, which only errs towards waiting.
func (p *codePool) give(cu *codeUser, used bool) {
	if used {
		now := p.now()
		cu.sends = append(cu.sends, now)
		if len(cu.sends) > otp.HourlyLimit {
			cu.sends = cu.sends[len(cu.sends)-otp.HourlyLimit:]
		}
		cu.next = nextCode(cu.sends, now)
	}
	p.mu.Lock()
	heap.Push(&p.idle, cu)
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
}

// nextCode is when the server's throttle allows the next code to a user
// who was sent codes at sends, judged at now: the server's own rule.
func nextCode(sends []time.Time, now time.Time) time.Time {
	_, retry := otp.Throttle(sends, now)
	return now.Add(retry)
}

// codeQueue orders users by when their next code is allowed (a
// container/heap).
type codeQueue []*codeUser

func (q codeQueue) Len() int { return len(q) }
func (q codeQueue) Less(i, j int) bool {
	return q[i].next.Before(q[j].next)
}
func (q codeQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *codeQueue) Push(x any)   { *q = append(*q, x.(*codeUser)) }
func (q *codeQueue) Pop() any {
	old := *q
	cu := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return cu
}
