package serverapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/model"
)

// TestUpdateActionToEveryState: updateAction takes every state
// @authsignal/node names; getAction, queryUserActions and validate report
// it, and the history records each change as the Server API's.
func TestUpdateActionToEveryState(t *testing.T) {
	e := apitest.New(t)
	tenant, key := e.Tenant("Shop")
	tr := e.Do(key, "POST", "/v1/users/ada/actions/pay", map[string]any{"idempotencyKey": "k1"}).MustOK(t)
	const path = "/v1/users/ada/actions/pay/k1"
	states := []string{"ALLOW", "BLOCK", "CHALLENGE_REQUIRED", "CHALLENGE_SUCCEEDED", "CHALLENGE_FAILED",
		"REVIEW_REQUIRED", "REVIEW_SUCCEEDED", "REVIEW_FAILED"}
	for _, st := range states {
		e.Clock.Advance(1)
		up := e.Do(key, "PATCH", path, map[string]any{"state": st}).MustOK(t)
		if up.Str("state") != st {
			t.Errorf("updateAction(%s) = %s", st, up.Body)
		}
		if got := e.Do(key, "GET", path, nil).MustOK(t); got.Str("state") != st || got.Str("verificationMethod") != "" {
			t.Errorf("getAction after %s = %s", st, got.Body)
		}
		if q := e.Do(key, "GET", "/v1/users/ada/actions?state="+st, nil).MustOK(t); len(q.List) != 1 {
			t.Errorf("queryUserActions(state=%s) = %s", st, q.Body)
		}
		v := e.Do(key, "POST", "/v1/validate", map[string]any{"token": tr.Str("token")}).MustOK(t)
		if v.Str("state") != st || v.JSON["isValid"] != (st == "CHALLENGE_SUCCEEDED") {
			t.Errorf("validate in %s = %s", st, v.Body)
		}
	}
	h, err := e.Store.ActionHistory(context.Background(), tenant.ID, "k1")
	if err != nil {
		t.Fatal(err)
	}
	// ada has no authenticator, so track gave ALLOW, and moving to ALLOW
	// added nothing.
	if len(h) != len(states) || h[0].Source != model.SourceTrack {
		t.Fatalf("history = %+v", h)
	}
	for i, c := range h[1:] {
		if string(c.State) != states[i+1] || c.Source != model.SourceServerAPI {
			t.Errorf("history[%d] = %s by %q, want %s by server_api", i+1, c.State, c.Source, states[i+1])
		}
	}
}

func TestUpdateActionRefusals(t *testing.T) {
	e := apitest.New(t)
	_, keyB := e.Tenant("B")
	_, keyA := e.Tenant("A")
	e.Do(keyB, "POST", "/v1/users/bob/actions/pay", map[string]any{"idempotencyKey": "b-key"}).MustOK(t)
	const path = "/v1/users/bob/actions/pay/b-key"

	r := e.Do(keyB, "PATCH", path, map[string]any{"state": "DONE"})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Str("errorDescription"),
		"ALLOW, BLOCK, CHALLENGE_REQUIRED, CHALLENGE_SUCCEEDED, CHALLENGE_FAILED, REVIEW_REQUIRED, REVIEW_SUCCEEDED, REVIEW_FAILED") {
		t.Errorf("unknown state: %d %s", r.Status, r.Body)
	}
	for name, body := range map[string][]byte{
		"no state":       []byte(`{}`),
		"NUL":            []byte(`{"state":"CHALLENGE_SUCCEEDED\u0000"}`),
		"not UTF-8":      []byte("{\"state\":\"ALLOW\xff\"}"),
		"two states":     []byte(`{"state":"ALLOW","state":"BLOCK","extra":1}`),
		"lower case":     []byte(`{"state":"challenge_succeeded"}`),
		"state as array": []byte(`{"state":["ALLOW"]}`),
	} {
		if r := e.Do(keyB, "PATCH", path, body); r.Status != http.StatusBadRequest || !strings.Contains(r.Str("errorDescription"), "state") &&
			!strings.Contains(r.Str("errorDescription"), "extra") {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	// Another tenant cannot mark B's challenge succeeded, even knowing the
	// user, action and key; nor can another user's or action's path.
	for _, p := range []struct{ key, path string }{
		{keyA, path},
		{keyB, "/v1/users/eve/actions/pay/b-key"},
		{keyB, "/v1/users/bob/actions/withdraw/b-key"},
	} {
		if r := e.Do(p.key, "PATCH", p.path, map[string]any{"state": "CHALLENGE_SUCCEEDED"}); r.Status != http.StatusNotFound {
			t.Errorf("PATCH %s: %d %s, want 404", p.path, r.Status, r.Body)
		}
	}
	if got := e.Do(keyB, "GET", path, nil).MustOK(t); got.Str("state") != "ALLOW" {
		t.Errorf("B's action after refused updates = %s", got.Body)
	}
}
