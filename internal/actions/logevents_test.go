package actions_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// TestFinalStatesAreLogged: with a log events URL, each final state an
// action reaches is written to the outbox as action.log_created, with
// the outcome track gave it; states a challenge or a review may still
// change are not, and a tenant without the URL stores nothing.
func TestFinalStatesAreLogged(t *testing.T) {
	ctx := context.Background()
	e := apitest.New(t)
	tn, _ := e.Tenant("Shop")
	other, _ := e.Tenant("Other")
	url := "https://logs.example.com/uplift"
	if _, err := e.App.Webhooks.UpdateSettings(ctx, tn.ID, webhooks.SettingsChange{LogEventsURL: &url}); err != nil {
		t.Fatal(err)
	}
	for _, tenant := range []model.Tenant{tn, other} {
		if _, err := e.Service.EnrollVerified(ctx, tenant.ID, "ada", model.Authenticator{Method: model.MethodEmailOTP, Email: "ada@example.com"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Service.Track(ctx, tenant, actions.TrackInput{UserID: "ada", ActionCode: "pay", IdempotencyKey: "k1",
			IPAddress: "203.0.113.9", DeviceID: "laptop"}); err != nil {
			t.Fatal(err)
		}
		for _, st := range model.ActionStates {
			e.Clock.Advance(1)
			if _, err := e.Service.SetActionState(ctx, tenant.ID, "ada", "pay", "k1", st); err != nil {
				t.Fatalf("SetActionState(%s): %v", st, err)
			}
		}
	}
	ds, err := e.App.Webhooks.Deliveries(ctx, tn.ID, 50)
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, d := range ds {
		if d.Type != webhooks.ActionLogCreated || d.Stream != model.StreamLog {
			t.Errorf("delivery %s on %s", d.Type, d.Stream)
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(d.Payload), &r); err != nil {
			t.Fatal(err)
		}
		states = append(states, r["state"].(string))
		if r["outcome"] != "CHALLENGE" || r["userId"] != "ada" || r["actionCode"] != "pay" || r["idempotencyKey"] != "k1" ||
			r["tenantId"] != tn.ID || r["ipAddress"] != "203.0.113.9" || r["deviceId"] != "laptop" ||
			r["createdAt"] == nil || r["stateUpdatedAt"] == nil {
			t.Errorf("record = %v", r)
		}
	}
	want := []string{"ALLOW", "BLOCK", "CHALLENGE_FAILED", "CHALLENGE_SUCCEEDED", "REVIEW_FAILED", "REVIEW_SUCCEEDED"}
	slices.Sort(states)
	if !slices.Equal(states, want) {
		t.Errorf("logged states = %v, want %v", states, want)
	}
	if ds, err := e.App.Webhooks.Deliveries(ctx, other.ID, 50); err != nil || len(ds) != 0 {
		t.Errorf("a tenant without a log events URL has %d deliveries (%v)", len(ds), err)
	}
}
