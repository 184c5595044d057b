package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// registerUser enrols one new user with a passkey the way an app and a
// browser would: the app tracks a first action with the secret key, the
// browser asks for registration options with the action's token, the
// authenticator creates a credential and the browser sends it back.
func (t *Target) registerUser(ctx context.Context, userID, email string) (*Passkey, error) {
	deviceID := "load-device-" + userID
	var tracked struct {
		Token string `json:"token"`
	}
	err := t.call(ctx, http.MethodPost, "/v1/users/"+url.PathEscape(userID)+"/actions/signUp", t.secretAuth,
		map[string]any{"deviceId": deviceID, "email": email, "userAgent": userAgent, "ipAddress": "127.0.0.1"}, &tracked)
	if err != nil {
		return nil, err
	}
	if tracked.Token == "" {
		return nil, &OpError{Kind: "bad_response", Detail: "track answered without a token"}
	}
	var opts struct {
		ChallengeID string          `json:"challengeId"`
		Options     json.RawMessage `json:"options"`
	}
	err = t.call(ctx, http.MethodPost, "/v1/client/user-authenticators/passkey/registration-options", bearer(tracked.Token),
		map[string]any{"username": userID, "authenticatorAttachment": "platform"}, &opts)
	if err != nil {
		return nil, err
	}
	resp, pk, err := newAttestation(t.RP, userID, opts.Options)
	if err != nil {
		return nil, &OpError{Kind: "bad_response", Detail: err.Error()}
	}
	var added struct {
		IsVerified bool `json:"isVerified"`
	}
	err = t.call(ctx, http.MethodPost, "/v1/client/user-authenticators/passkey", bearer(tracked.Token),
		map[string]any{"challengeId": opts.ChallengeID, "registrationCredential": resp, "deviceId": deviceID}, &added)
	if err != nil {
		return nil, err
	}
	if !added.IsVerified {
		return nil, &OpError{Kind: "bad_response", Detail: "passkey not verified"}
	}
	pk.Email = email
	return pk, nil
}

// registerUsers enrols n users (ids prefix000001 ...) with at most
// parallel registrations at a time, reporting progress to progress every
// 10 %. With email, each user's address (id@example.com) is enrolled as a
// verified email authenticator too. It stops at the first error.
func (t *Target) registerUsers(ctx context.Context, prefix string, n, parallel int, email bool, progress io.Writer) ([]*Passkey, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	users := make([]*Passkey, n)
	var (
		next    atomic.Int64
		done    atomic.Int64
		errOnce sync.Once
		first   error
		wg      sync.WaitGroup
		printMu sync.Mutex // progress need not be safe for concurrent use
	)
	start := time.Now()
	step := max(1, n/10)
	for range min(parallel, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				id := fmt.Sprintf("%s%06d", prefix, i+1)
				pk, err := t.registerUser(ctx, id, id+"@example.com")
				if err == nil && email {
					err = t.enrollEmail(ctx, id, pk.Email)
				}
				if err != nil {
					errOnce.Do(func() { first = fmt.Errorf("register %s: %w", id, err); cancel() })
					return
				}
				users[i] = pk
				if d := done.Add(1); d%int64(step) == 0 || int(d) == n {
					el := time.Since(start)
					printMu.Lock()
					fmt.Fprintf(progress, "setup: %d/%d users registered (%.0f/s, %s)\n", d, n,
						float64(d)/el.Seconds(), el.Round(time.Millisecond))
					printMu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return users, nil
}
