package console_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/model"
)

func TestMessagePricesPage(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	pageHas(t, h.get("/console/settings/prices", s), 200, `<h2 id="prices-heading">Message prices</h2>`, `name="currency"`)

	p := h.post("/console/settings/prices", s, url.Values{"currency": {" eur "}, "textMessagePrice": {"0.07"}, "emailPrice": {"0.015"}})
	if p.status != 400 || fieldErrorOf(p.body, "emailPrice") == "" || fieldErrorOf(p.body, "textMessagePrice") != "" {
		t.Errorf("three decimals of EUR: status %d, errors %q / %q", p.status, fieldErrorOf(p.body, "textMessagePrice"), fieldErrorOf(p.body, "emailPrice"))
	}
	p = h.post("/console/settings/prices", s, url.Values{"currency": {" eur "}, "textMessagePrice": {"0.07"}, "emailPrice": {"0.01"}})
	if p.status != 303 || p.header.Get("Location") != "/console/settings/prices?done=settings-saved" {
		t.Fatalf("save: status %d, Location %q", p.status, p.header.Get("Location"))
	}
	got, err := h.env.App.Prompt.MessagePrices(t.Context(), h.tenant.ID)
	if want := (model.MessagePrices{Currency: "EUR", TextMessage: 7, Email: 1}); err != nil || got != want {
		t.Errorf("stored prices = %+v, %v; want %+v", got, err, want)
	}
	pageHas(t, h.get("/console/settings/prices", s), 200, `value="EUR"`, `value="0.07"`, `value="0.01"`)

	for _, tt := range []struct {
		name, field string
		form        url.Values
	}{
		{"no currency", "currency", url.Values{"textMessagePrice": {"0.07"}}},
		{"a currency of four letters", "currency", url.Values{"currency": {"EURO"}}},
		{"a negative price", "textMessagePrice", url.Values{"currency": {"EUR"}, "textMessagePrice": {"-1"}}},
		{"a formula", "emailPrice", url.Values{"currency": {"EUR"}, "emailPrice": {"=1+1"}}},
		{"an absurd price", "textMessagePrice", url.Values{"currency": {"EUR"}, "textMessagePrice": {"20000"}}},
	} {
		p := h.post("/console/settings/prices", s, tt.form)
		if p.status != 400 || fieldErrorOf(p.body, tt.field) == "" || !strings.Contains(p.body, "Nothing was saved") {
			t.Errorf("%s: status %d, %s error %q", tt.name, p.status, tt.field, fieldErrorOf(p.body, tt.field))
		}
	}
	// Control characters are refused before the form is read, naming the field.
	for field, value := range map[string]string{"currency": "E\x00R", "emailPrice": "1\x01"} {
		p := h.post("/console/settings/prices", s, url.Values{"currency": {"EUR"}, field: {value}})
		if p.status != 400 || !strings.Contains(p.body, field) {
			t.Errorf("%s with a control character: status %d, want 400 naming the field", field, p.status)
		}
	}
	if got, _ := h.env.App.Prompt.MessagePrices(t.Context(), h.tenant.ID); got.TextMessage != 7 {
		t.Errorf("refused forms changed the prices: %+v", got)
	}
	h.post("/console/settings/prices", "", url.Values{"currency": {"USD"}, "textMessagePrice": {"1"}})
	if got, _ := h.env.App.Prompt.MessagePrices(t.Context(), h.tenant.ID); got.Currency != "EUR" {
		t.Errorf("a post without a session changed the prices: %+v", got)
	}
}
