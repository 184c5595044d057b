package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

func webhookDelivery(tenantID, id, stream, orderKey string, created time.Time) model.WebhookDelivery {
	return model.WebhookDelivery{ID: id, TenantID: tenantID, Stream: stream, Type: "authenticator.created",
		OrderKey: orderKey, Payload: `{"userId":"` + orderKey + `"}`, Status: model.DeliveryPending,
		NextAttemptAt: created, CreatedAt: created}
}

// Settings round-trip; an event is stored only for a stream with a URL.
func TestWebhookSettingsAndEnqueue(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "t1", at(0))
		got, err := s.WebhookSettings(ctx, "t1")
		if err != nil || got.AuthenticatorEventsURL != "" || got.PromptEventsURL != "" {
			t.Fatalf("WebhookSettings before any = %+v, %v; want empty", got, err)
		}
		if ok, err := s.EnqueueWebhook(ctx, webhookDelivery("t1", "00000000-0000-7000-8000-000000000001", model.StreamAuthenticator, "u1", at(1))); ok || err != nil {
			t.Fatalf("EnqueueWebhook without settings = %v, %v; want false, nil", ok, err)
		}
		want := model.WebhookSettings{TenantID: "t1", AuthenticatorEventsURL: "https://a.example/hook",
			LogEventsURL: "https://l.example/", MessageEventsURL: "https://m.example/", UpdatedAt: at(2)}
		if err := s.PutWebhookSettings(ctx, want); err != nil {
			t.Fatal(err)
		}
		want.PromptEventsURL = "https://p.example/"
		if err := s.PutWebhookSettings(ctx, want); err != nil {
			t.Fatal(err)
		}
		if got, err = s.WebhookSettings(ctx, "t1"); err != nil || got != want {
			t.Fatalf("WebhookSettings = %+v, %v; want %+v", got, err, want)
		}
		for i, stream := range []string{model.StreamAuthenticator, model.StreamPrompt} {
			ok, err := s.EnqueueWebhook(ctx, webhookDelivery("t1", fmt.Sprintf("00000000-0000-7000-8000-00000000001%d", i), stream, "u1", at(3)))
			if !ok || err != nil {
				t.Fatalf("EnqueueWebhook(%s) = %v, %v; want true", stream, ok, err)
			}
		}
		want.PromptEventsURL = ""
		if err := s.PutWebhookSettings(ctx, want); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.EnqueueWebhook(ctx, webhookDelivery("t1", "00000000-0000-7000-8000-000000000020", model.StreamPrompt, "", at(4))); ok {
			t.Fatal("EnqueueWebhook(prompt) stored an event with no prompt URL")
		}
		ds, err := s.WebhookDeliveries(ctx, "t1", 10)
		if err != nil || len(ds) != 2 {
			t.Fatalf("WebhookDeliveries = %d, %v; want 2", len(ds), err)
		}
	})
}

// Claims lease due rows once, one user's events in order, and attempts,
// re-sends and lost leases behave.
func TestWebhookOutboxClaimAndRetry(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "t1", at(0))
		if err := s.PutWebhookSettings(ctx, model.WebhookSettings{TenantID: "t1", AuthenticatorEventsURL: "https://a.example/", UpdatedAt: at(0)}); err != nil {
			t.Fatal(err)
		}
		id := func(n int) string { return fmt.Sprintf("00000000-0000-7000-8000-%012d", n) }
		// u1 has two events, u2 one, and one event has no order key.
		for i, k := range []string{"u1", "u1", "u2", ""} {
			if _, err := s.EnqueueWebhook(ctx, webhookDelivery("t1", id(i+1), model.StreamAuthenticator, k, at(int64(i+1)))); err != nil {
				t.Fatal(err)
			}
		}
		claimed, err := s.ClaimWebhookDeliveries(ctx, at(10), at(40), "lease-a", 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range claimed {
			got = append(got, d.ID)
			if d.Attempts != 1 || d.LeaseID != "lease-a" || !d.LeaseUntil.Equal(at(40)) {
				t.Errorf("claimed %s: attempts %d lease %q until %v", d.ID, d.Attempts, d.LeaseID, d.LeaseUntil)
			}
		}
		if want := []string{id(1), id(3), id(4)}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("first claim = %v, want %v (u1's second waits for its first)", got, want)
		}
		if again, _ := s.ClaimWebhookDeliveries(ctx, at(11), at(41), "lease-b", 10); len(again) != 0 {
			t.Fatalf("second claim while leased took %d rows", len(again))
		}
		// u1's first fails and is due again at 20; u2's is delivered.
		first := claimed[0]
		first.Status, first.NextAttemptAt, first.LastStatus, first.LastResponse = model.DeliveryPending, at(20), 500, "oops"
		if err := s.FinishWebhookAttempt(ctx, first, model.WebhookAttempt{DeliveryID: first.ID, N: 1, At: at(12), URL: "https://a.example/", Status: 500, Response: "oops", Duration: 5 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		second := claimed[1]
		second.Status, second.DeliveredAt, second.LastStatus = model.DeliveryDelivered, at(12), 204
		if err := s.FinishWebhookAttempt(ctx, second, model.WebhookAttempt{DeliveryID: second.ID, N: 1, At: at(12), URL: "https://a.example/", Status: 204}); err != nil {
			t.Fatal(err)
		}
		// A worker whose lease was lost may not write.
		stale := claimed[2]
		stale.LeaseID = "lease-z"
		stale.Status = model.DeliveryDelivered
		if err := s.FinishWebhookAttempt(ctx, stale, model.WebhookAttempt{DeliveryID: stale.ID, N: 1, At: at(12)}); !errors.Is(err, model.ErrConflict) {
			t.Fatalf("FinishWebhookAttempt with a lost lease = %v, want conflict", err)
		}
		// Before 20 nothing of u1 is due; the leased row's lease ends at 40.
		if c, _ := s.ClaimWebhookDeliveries(ctx, at(15), at(45), "lease-c", 10); len(c) != 0 {
			t.Fatalf("claim at 15 took %v", c)
		}
		c, err := s.ClaimWebhookDeliveries(ctx, at(41), at(70), "lease-d", 10)
		if err != nil {
			t.Fatal(err)
		}
		got = nil
		for _, d := range c {
			got = append(got, fmt.Sprintf("%s/%d", d.ID, d.Attempts))
		}
		if want := []string{id(1) + "/2", id(4) + "/2"}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("claim at 41 = %v, want %v", got, want)
		}
		as, err := s.WebhookAttempts(ctx, first.ID)
		if err != nil || len(as) != 1 || as[0].Status != 500 || as[0].Response != "oops" || as[0].Duration != 5*time.Millisecond || !as[0].At.Equal(at(12)) {
			t.Fatalf("WebhookAttempts = %+v, %v", as, err)
		}
		// A delivered row may be re-sent; a pending one may not.
		if err := s.ResendWebhookDelivery(ctx, "t1", second.ID, at(50)); err != nil {
			t.Fatalf("Resend delivered: %v", err)
		}
		if err := s.ResendWebhookDelivery(ctx, "t1", second.ID, at(50)); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("Resend pending = %v, want not found", err)
		}
		if err := s.ResendWebhookDelivery(ctx, "other", id(1), at(50)); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("Resend of another tenant's = %v, want not found", err)
		}
		d, err := s.WebhookDelivery(ctx, "t1", second.ID)
		if err != nil || d.Status != model.DeliveryPending || !d.NextAttemptAt.Equal(at(50)) || d.LastStatus != 204 {
			t.Fatalf("re-sent delivery = %+v, %v", d, err)
		}
		if _, err := s.WebhookDelivery(ctx, "other", second.ID); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("WebhookDelivery of another tenant = %v, want not found", err)
		}
	})
}

// Synchronous deliveries are recorded with their attempt and never
// re-sent; signing keys are the active long keys; the verification URL
// belongs to an action configuration.
func TestWebhookRecordKeysAndVerificationURL(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "t1", at(0))
		d := model.WebhookDelivery{ID: "00000000-0000-7000-8000-000000000009", TenantID: "t1", Stream: model.StreamSync,
			Type: "action.verify", Payload: `{}`, Status: model.DeliveryFailed, Attempts: 1, NextAttemptAt: at(1),
			LastStatus: 403, LastResponse: "no", CreatedAt: at(1)}
		if err := s.RecordWebhookDelivery(ctx, d, model.WebhookAttempt{DeliveryID: d.ID, N: 1, At: at(1), URL: "https://v.example/", Status: 403, Response: "no"}); err != nil {
			t.Fatal(err)
		}
		got, err := s.WebhookDelivery(ctx, "t1", d.ID)
		if err != nil || got != d {
			t.Fatalf("WebhookDelivery = %+v, %v; want %+v", got, err, d)
		}
		if err := s.ResendWebhookDelivery(ctx, "t1", d.ID, at(2)); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("Resend of a synchronous delivery = %v, want not found", err)
		}
		for i, k := range []model.APIKey{
			{ID: "00000000-0000-7000-8000-0000000000a1", TenantID: "t1", Prefix: "sk_old", Hash: []byte("old"), CreatedAt: at(1)},
			{ID: "00000000-0000-7000-8000-0000000000a2", TenantID: "t1", Prefix: "sk_new", Hash: []byte("new"), CreatedAt: at(2), SignsWebhooks: true},
			{ID: "00000000-0000-7000-8000-0000000000a3", TenantID: "t1", Prefix: "sk_rev", Hash: []byte("rev"), CreatedAt: at(3), SignsWebhooks: true},
			{ID: "00000000-0000-7000-8000-0000000000a4", TenantID: "t1", Prefix: "sk_two", Hash: []byte("two"), CreatedAt: at(4), SignsWebhooks: true},
		} {
			if err := s.CreateAPIKey(ctx, k); err != nil {
				t.Fatalf("key %d: %v", i, err)
			}
		}
		if err := s.RevokeAPIKey(ctx, "t1", "00000000-0000-7000-8000-0000000000a3", at(5)); err != nil {
			t.Fatal(err)
		}
		keys, err := s.WebhookSigningKeys(ctx, "t1")
		if err != nil || fmt.Sprintf("%s", keys) != "[new two]" {
			t.Fatalf("WebhookSigningKeys = %s, %v; want [new two]", keys, err)
		}
		if u, err := s.ActionVerificationURL(ctx, "t1", "signIn"); u != "" || err != nil {
			t.Fatalf("ActionVerificationURL without a configuration = %q, %v", u, err)
		}
		if err := s.SetActionVerificationURL(ctx, "t1", "signIn", "https://v.example/"); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("SetActionVerificationURL without a configuration = %v, want not found", err)
		}
		if err := s.CreateActionConfig(ctx, model.ActionConfig{TenantID: "t1", Code: "signIn", DefaultOutcome: model.OutcomeChallenge, CreatedAt: at(1), UpdatedAt: at(1)}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetActionVerificationURL(ctx, "t1", "signIn", "https://v.example/"); err != nil {
			t.Fatal(err)
		}
		if u, err := s.ActionVerificationURL(ctx, "t1", "signIn"); u != "https://v.example/" || err != nil {
			t.Fatalf("ActionVerificationURL = %q, %v", u, err)
		}
	})
}

// Workers claiming at once (instances sharing the database) never take
// the same delivery twice: PostgreSQL skips locked rows, SQLite's writer
// runs one claim at a time.
func TestWebhookClaimsDoNotOverlap(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "t1", at(0))
		if err := s.PutWebhookSettings(ctx, model.WebhookSettings{TenantID: "t1", AuthenticatorEventsURL: "https://a.example/", UpdatedAt: at(0)}); err != nil {
			t.Fatal(err)
		}
		const n = 60
		for i := range n {
			if _, err := s.EnqueueWebhook(ctx, webhookDelivery("t1", fmt.Sprintf("00000000-0000-7000-8000-%012d", i), model.StreamAuthenticator, "", at(1))); err != nil {
				t.Fatal(err)
			}
		}
		const workers = 6
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second) // a claim that waits on another fails
		defer cancel()
		got := make(chan string, n*2)
		errs := make(chan error, workers)
		for w := range workers {
			go func() {
				for {
					ds, err := s.ClaimWebhookDeliveries(ctx, at(2), at(60), fmt.Sprint("lease-", w), 4)
					if err != nil || len(ds) == 0 {
						errs <- err
						return
					}
					for _, d := range ds {
						got <- d.ID
					}
				}
			}()
		}
		for range workers {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		close(got)
		seen := map[string]bool{}
		for id := range got {
			if seen[id] {
				t.Fatalf("delivery %s claimed twice", id)
			}
			seen[id] = true
		}
		if len(seen) != n {
			t.Fatalf("claimed %d deliveries, want %d", len(seen), n)
		}
	})
}

// The purge deletes finished deliveries made before the cutoff, with
// their attempts, and keeps pending ones whatever their age.
func TestPurgeWebhookDeliveries(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "t1", at(0))
		id := func(n int) string { return fmt.Sprintf("00000000-0000-7000-8000-%012d", n) }
		for i, c := range []struct {
			status  string
			created int64
		}{{model.DeliveryDelivered, 1}, {model.DeliveryFailed, 2}, {model.DeliveryPending, 3}, {model.DeliveryDelivered, 100}} {
			d := model.WebhookDelivery{ID: id(i), TenantID: "t1", Stream: model.StreamAuthenticator, Type: "authenticator.created",
				Payload: `{}`, Status: c.status, NextAttemptAt: at(c.created), CreatedAt: at(c.created)}
			if err := s.RecordWebhookDelivery(ctx, d, model.WebhookAttempt{DeliveryID: d.ID, N: 1, At: at(c.created), URL: "https://a.example/"}); err != nil {
				t.Fatal(err)
			}
		}
		n, err := s.PurgeWebhookDeliveries(ctx, at(50))
		if err != nil || n != 2 {
			t.Fatalf("PurgeWebhookDeliveries = %d, %v; want 2", n, err)
		}
		left, _ := s.WebhookDeliveries(ctx, "t1", 10)
		if len(left) != 2 || left[0].ID != id(3) || left[1].ID != id(2) {
			t.Fatalf("left %+v", left)
		}
		if as, _ := s.WebhookAttempts(ctx, id(0)); len(as) != 0 {
			t.Fatalf("attempts of a purged delivery remain: %v", as)
		}
	})
}
