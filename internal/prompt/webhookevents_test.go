package prompt_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// Each prompt outcome is written to the outbox as its passkey_prompt.*
// event with the reason, variant and platform, once the tenant has a
// prompt events URL; an opt-out or an unknown kind writes none.
func TestPromptOutcomesBecomeWebhookEvents(t *testing.T) {
	ctx := context.Background()
	w := newUpliftWorld(t)
	w.dismiss(t) // before any URL: no event
	u := "https://hooks.example.com/prompt"
	if _, err := w.e.App.Webhooks.UpdateSettings(ctx, w.tenant.ID, webhooks.SettingsChange{PromptEventsURL: &u}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		kind  model.UpliftEventKind
		cause string
	}{{model.UpliftShown, ""}, {model.UpliftAccepted, ""}, {model.UpliftFailed, "NotAllowedError"}, {model.UpliftDismissed, ""}} {
		if err := w.e.App.Prompt.RecordUplift(ctx, w.tenant, w.action, device, c.kind, c.cause); err != nil {
			t.Fatal(err)
		}
		w.e.Clock.Advance(time.Millisecond)
	}
	if err := w.e.App.Prompt.RecordUplift(ctx, w.tenant, w.action, device, "bogus", ""); err == nil {
		t.Fatal("an unknown kind was recorded")
	}
	ds, err := w.e.Store.WebhookDeliveries(ctx, w.tenant.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for i := len(ds) - 1; i >= 0; i-- {
		types = append(types, ds[i].Type)
	}
	want := []string{"passkey_prompt.shown", "passkey_prompt.accepted", "passkey_prompt.failed", "passkey_prompt.dismissed"}
	if len(types) != len(want) {
		t.Fatalf("events = %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("events = %v, want %v", types, want)
		}
	}
	var failed map[string]string
	if err := json.Unmarshal([]byte(ds[1].Payload), &failed); err != nil {
		t.Fatal(err)
	}
	if failed["reason"] != "NotAllowedError" || failed["platform"] != "macOS" || failed["userId"] != "u" ||
		failed["actionCode"] != "signIn" || failed["deviceId"] != device || failed["idempotencyKey"] != w.action.IdempotencyKey {
		t.Errorf("passkey_prompt.failed data = %v", failed)
	}
	if _, ok := failed["variant"]; !ok {
		t.Errorf("passkey_prompt.failed has no variant field: %v", failed)
	}
	if ds[0].Stream != model.StreamPrompt || ds[0].OrderKey != "u" || ds[0].Status != model.DeliveryPending {
		t.Errorf("delivery = %+v", ds[0])
	}
}
