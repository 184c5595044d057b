package console_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

func TestWebhooksPage(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	p := h.get("/console/webhooks", s)
	if p.status != 200 || !strings.Contains(p.body, `<label for="authenticatorEventsUrl">Authenticator events URL</label>`) ||
		!strings.Contains(p.body, "No deliveries yet.") {
		t.Fatalf("webhooks page = %d: %s", p.status, p.body)
	}
	if p := h.get("/console/webhooks", ""); p.status != 303 {
		t.Errorf("without a session = %d, want a redirect to sign in", p.status)
	}

	bad := h.post("/console/webhooks", s, url.Values{"authenticatorEventsUrl": {"http://hooks.example.com/"}})
	if bad.status != 400 || !strings.Contains(bad.body, `id="authenticatorEventsUrl-error"`) || !strings.Contains(bad.body, "https") {
		t.Fatalf("an http URL = %d: %s", bad.status, bad.body)
	}
	ok := h.post("/console/webhooks", s, url.Values{"authenticatorEventsUrl": {"https://hooks.example.com/auth"}})
	if ok.status != 303 {
		t.Fatalf("save = %d: %s", ok.status, ok.body)
	}
	if p := h.get("/console/webhooks", s); !strings.Contains(p.body, `value="https://hooks.example.com/auth"`) {
		t.Fatal("the saved URL is not shown")
	}

	// A delivery that failed shows with its last response and re-sends.
	ctx := t.Context()
	st := h.env.Store
	now := time.Now()
	d := model.WebhookDelivery{ID: "01900000-0000-7000-8000-000000000001", TenantID: h.tenant.ID, Stream: model.StreamAuthenticator,
		Type: "authenticator.created", OrderKey: "u1", Payload: `{}`, Status: model.DeliveryPending, NextAttemptAt: now, CreatedAt: now}
	if _, err := st.EnqueueWebhook(ctx, d); err != nil {
		t.Fatal(err)
	}
	claimed, err := st.ClaimWebhookDeliveries(ctx, now.Add(time.Second), now.Add(time.Minute), "lease", 1)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim = %v, %v", claimed, err)
	}
	c := claimed[0]
	c.Status, c.LastStatus, c.LastResponse = model.DeliveryFailed, 500, "<b>server error</b>"
	if err := st.FinishWebhookAttempt(ctx, c, model.WebhookAttempt{DeliveryID: c.ID, N: 1, At: now, URL: "https://hooks.example.com/auth", Status: 500}); err != nil {
		t.Fatal(err)
	}
	p = h.get("/console/webhooks", s)
	resend := "/console/webhooks/deliveries/" + d.ID + "/resend"
	if !strings.Contains(p.body, "HTTP 500") || !strings.Contains(p.body, "&lt;b&gt;server error&lt;/b&gt;") ||
		!strings.Contains(p.body, `action="`+resend+`"`) || !strings.Contains(p.body, ">failed<") {
		t.Fatalf("deliveries list: %s", p.body)
	}
	if forged := h.post(resend, s, url.Values{"csrf": {"forged"}}); forged.status != 403 {
		t.Errorf("re-send with a forged CSRF value = %d, want 403", forged.status)
	}
	if got, _ := st.WebhookDelivery(ctx, h.tenant.ID, d.ID); got.Status != model.DeliveryFailed {
		t.Fatalf("a refused re-send changed the delivery to %s", got.Status)
	}
	if r := h.post(resend, s, nil); r.status != 303 {
		t.Fatalf("re-send = %d: %s", r.status, r.body)
	}
	if got, _ := st.WebhookDelivery(ctx, h.tenant.ID, d.ID); got.Status != model.DeliveryPending {
		t.Fatalf("after re-send the delivery is %s, want pending", got.Status)
	}
	if r := h.post("/console/webhooks/deliveries/not-an-id/resend", s, nil); r.status != 404 {
		t.Errorf("re-send of an unknown id = %d, want 404", r.status)
	}
}
