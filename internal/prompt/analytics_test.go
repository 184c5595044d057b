package prompt_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/prompt"
)

const (
	macChrome      = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36"
	windowsFirefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0"
)

func TestParsePeriod(t *testing.T) {
	e := apitest.New(t)
	now := e.Clock.Now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	tests := []struct {
		from, to string
		want     prompt.Period
		days     int
	}{
		{"", "", prompt.Period{From: today.AddDate(0, 0, -29), To: today}, 30},
		{"2026-01-01", "2026-01-31", prompt.Period{From: day("2026-01-01"), To: day("2026-01-31")}, 31},
		{"2026-01-05", "2026-01-05", prompt.Period{From: day("2026-01-05"), To: day("2026-01-05")}, 1},
		{"", "2026-03-30", prompt.Period{From: day("2026-03-01"), To: day("2026-03-30")}, 30},
		{"2025-01-01", "2025-12-31", prompt.Period{From: day("2025-01-01"), To: day("2025-12-31")}, 365},
	}
	for _, tt := range tests {
		got, err := e.App.Prompt.ParsePeriod(tt.from, tt.to)
		if err != nil || got != tt.want || got.Days() != tt.days {
			t.Errorf("ParsePeriod(%q, %q) = %v (%d days), %v; want %v (%d days)", tt.from, tt.to, got, got.Days(), err, tt.want, tt.days)
		}
	}
	for _, bad := range [][2]string{{"2026-02-01", "2026-01-31"}, {"2024-01-01", "2026-01-01"}, {"yesterday", ""},
		{"", "2026-13-01"}, {"2026-01-01T00:00:00Z", ""}, {"=1+1", ""}} {
		if _, err := e.App.Prompt.ParsePeriod(bad[0], bad[1]); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("ParsePeriod(%q, %q) error = %v, want %v", bad[0], bad[1], err, model.ErrInvalid)
		}
	}
}

func TestMessagePriceChecks(t *testing.T) {
	for _, p := range []model.MessagePrices{{}, {Currency: "EUR", TextMessage: 7, Email: 1}, {Currency: "JPY", TextMessage: prompt.MaxMessagePrice}} {
		if err := prompt.CheckMessagePrices(p); err != nil {
			t.Errorf("CheckMessagePrices(%+v) = %v, want nil", p, err)
		}
	}
	for _, p := range []model.MessagePrices{{TextMessage: 7}, {Currency: "eur", Email: 1}, {Currency: "EURO", Email: 1},
		{Currency: "EUR", TextMessage: -1}, {Currency: "EUR", Email: prompt.MaxMessagePrice + 1}, {Currency: "E\x00R"}} {
		if err := prompt.CheckMessagePrices(p); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("CheckMessagePrices(%+v) = %v, want %v", p, err, model.ErrInvalid)
		}
	}
	money := []struct {
		minor    int64
		currency string
		text     string
	}{{1234, "EUR", "EUR 12.34"}, {7, "USD", "USD 0.07"}, {0, "GBP", "GBP 0.00"}, {1500, "JPY", "JPY 1500"}, {1005, "KWD", "KWD 1.005"}}
	for _, m := range money {
		if got := prompt.FormatMoney(m.minor, m.currency); got != m.text {
			t.Errorf("FormatMoney(%d, %s) = %q, want %q", m.minor, m.currency, got, m.text)
		}
	}
	parse := []struct {
		text, currency string
		minor          int64
	}{{"0.07", "EUR", 7}, {"12.3", "EUR", 1230}, {"12", "EUR", 1200}, {"", "EUR", 0}, {"1500", "JPY", 1500}, {"1.005", "KWD", 1005}}
	for _, p := range parse {
		if got, err := prompt.ParseMoney(p.text, p.currency); err != nil || got != p.minor {
			t.Errorf("ParseMoney(%q, %s) = %d, %v; want %d", p.text, p.currency, got, err, p.minor)
		}
	}
	for _, bad := range []string{"0.075", "-1", "1e3", "1,5", ".5", "5.", "0x10", "NaN", "12345678901"} {
		if _, err := prompt.ParseMoney(bad, "EUR"); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("ParseMoney(%q) error = %v, want %v", bad, err, model.ErrInvalid)
		}
	}
	if _, err := prompt.ParseMoney("1.5", "JPY"); !errors.Is(err, model.ErrInvalid) {
		t.Errorf("ParseMoney(1.5 JPY) error = %v, want %v", err, model.ErrInvalid)
	}
}

// TestAnalyticsReports stores a user's events on two devices, passkey
// sign-ins and prices, and reads the attempt curve, the breakdowns and
// the savings back.
func TestAnalyticsReports(t *testing.T) {
	ctx := t.Context()
	e := apitest.New(t)
	tn, key := e.Tenant("Shop")
	e.Do(key, "POST", "/v1/users/u1/actions/signIn", map[string]any{}).MustOK(t)
	e.Do(key, "POST", "/v1/users/u2/actions/signIn", map[string]any{}).MustOK(t)
	now := e.Clock.Now()
	for _, d := range []model.Device{{ID: "mac", UserAgent: macChrome}, {ID: "win", UserAgent: windowsFirefox}} {
		d.TenantID, d.LastSeenAt = tn.ID, now
		if err := e.Store.TouchDevice(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	event := func(user, device, platform string, kind model.UpliftEventKind, reason string) {
		n++
		if err := e.Store.RecordUpliftEvent(ctx, model.UpliftEvent{ID: fmt.Sprint(n), TenantID: tn.ID, UserID: user, DeviceID: device,
			ActionCode: "signIn", Kind: kind, Reason: reason, Platform: platform, At: now.Add(time.Duration(n) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	// u1 on the Mac: shown twice, accepted the second time.
	event("u1", "mac", "macOS", model.UpliftEvaluated, "eligible")
	event("u1", "mac", "macOS", model.UpliftShown, "")
	event("u1", "mac", "macOS", model.UpliftDismissed, "")
	event("u1", "mac", "macOS", model.UpliftEvaluated, "eligible")
	event("u1", "mac", "macOS", model.UpliftShown, "")
	event("u1", "mac", "macOS", model.UpliftAccepted, "")
	// u2 on Windows: shown once, dismissed.
	event("u2", "win", "Windows", model.UpliftEvaluated, "eligible")
	event("u2", "win", "Windows", model.UpliftShown, "")
	event("u2", "win", "Windows", model.UpliftDismissed, "")

	// u1 signs in with a passkey twice and has a default text method;
	// u2 once, with only email.
	for _, a := range []model.Authenticator{
		{ID: "s1", TenantID: tn.ID, UserID: "u1", Method: model.MethodSMS, PhoneNumber: "+64210000001", IsDefault: true, CreatedAt: now},
		{ID: "m2", TenantID: tn.ID, UserID: "u2", Method: model.MethodEmailOTP, Email: "u2@example.com", CreatedAt: now},
	} {
		if err := e.Store.CreateAuthenticator(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	for i, user := range []string{"u1", "u1", "u2"} {
		a := model.Action{TenantID: tn.ID, UserID: user, Code: "signIn", IdempotencyKey: fmt.Sprint("pk-", i),
			State: model.StateChallengeSucceeded, VerificationMethod: model.MethodPasskey,
			CreatedAt: now, UpdatedAt: now, StateUpdatedAt: now}
		if _, _, err := e.Store.CreateAction(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.App.Prompt.SetMessagePrices(ctx, tn.ID, model.MessagePrices{Currency: "EUR", TextMessage: 7, Email: 1}); err != nil {
		t.Fatal(err)
	}

	p, err := e.App.Prompt.LastDays(7)
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.App.Prompt.Analytics(ctx, tn.ID, p, prompt.Reports...)
	if err != nil {
		t.Fatal(err)
	}
	wantAttempts := []prompt.AttemptRow{{Attempt: 1, Shown: 2, Dismissed: 2}, {Attempt: 2, Shown: 1, Accepted: 1}, {Attempt: 3}, {Attempt: 4}}
	if diff := cmp.Diff(a.Attempts, wantAttempts); diff != "" {
		t.Errorf("attempts (-got +want):\n%s", diff)
	}
	wantBreakdowns := []prompt.BreakdownRow{
		{Dimension: "os", Value: "macOS", Evaluated: 2, Eligible: 2, Shown: 2, Accepted: 1, Dismissed: 1},
		{Dimension: "os", Value: "Windows", Evaluated: 1, Eligible: 1, Shown: 1, Dismissed: 1},
		{Dimension: "browser", Value: "Chrome", Evaluated: 2, Eligible: 2, Shown: 2, Accepted: 1, Dismissed: 1},
		{Dimension: "browser", Value: "Firefox", Evaluated: 1, Eligible: 1, Shown: 1, Dismissed: 1},
		{Dimension: "action", Value: "signIn", Evaluated: 3, Eligible: 3, Shown: 3, Accepted: 1, Dismissed: 2},
		{Dimension: "variant", Value: "No experiment", Evaluated: 3, Eligible: 3, Shown: 3, Accepted: 1, Dismissed: 2},
		{Dimension: "surface", Value: "Hosted pages", Evaluated: 3, Eligible: 3, Shown: 3, Accepted: 1, Dismissed: 2},
	}
	if diff := cmp.Diff(a.Breakdowns, wantBreakdowns); diff != "" {
		t.Errorf("breakdowns (-got +want):\n%s", diff)
	}
	wantSavings := prompt.Savings{Prices: model.MessagePrices{Currency: "EUR", TextMessage: 7, Email: 1},
		TextMessages: 2, Emails: 1, TextMessageCost: 14, EmailCost: 1, Total: 15}
	if a.Savings != wantSavings {
		t.Errorf("savings = %+v, want %+v", a.Savings, wantSavings)
	}
	if want := (prompt.UpliftFunnel{Evaluated: 3, Eligible: 3, Shown: 3, Accepted: 1, Dismissed: 2}); a.Dashboard.Funnel != want {
		t.Errorf("funnel = %+v, want %+v", a.Dashboard.Funnel, want)
	}
	if len(a.Dashboard.Days) != 7 || a.Coverage.ActiveUsers != 2 {
		t.Errorf("coverage: %d days, %d active users; want 7 days, 2 users", len(a.Dashboard.Days), a.Coverage.ActiveUsers)
	}
	if err := e.App.Prompt.SetMessagePrices(ctx, tn.ID, model.MessagePrices{Currency: "EUR", TextMessage: -7}); !errors.Is(err, model.ErrInvalid) {
		t.Errorf("a negative price: %v, want %v", err, model.ErrInvalid)
	}
}

func TestAnalyticsVariantBreakdown(t *testing.T) {
	ctx := t.Context()
	e := apitest.New(t)
	tn, key := e.Tenant("Shop")
	e.Do(key, "POST", "/v1/users/u1/actions/signIn", map[string]any{}).MustOK(t)
	if err := e.Store.CreateExperiment(ctx, model.Experiment{ID: "x1", TenantID: tn.ID, Name: "Shorter copy",
		Status: model.ExperimentRunning, CreatedAt: e.Clock.Now(), Variants: []model.Variant{
			{ID: "v-a", Label: "A", Weight: 1, PromptCopy: model.PromptCopy{Heading: "a", Explanation: "a"}},
			{ID: "v-b", Label: "B", Weight: 1, PromptCopy: model.PromptCopy{Heading: "b", Explanation: "b"}}}}); err != nil {
		t.Fatal(err)
	}
	for i, ev := range []struct {
		variant string
		kind    model.UpliftEventKind
	}{{"v-a", model.UpliftShown}, {"v-a", model.UpliftAccepted}, {"v-b", model.UpliftShown}, {"v-b", model.UpliftShown}, {"gone", model.UpliftShown}} {
		if err := e.Store.RecordUpliftEvent(ctx, model.UpliftEvent{ID: fmt.Sprint("ve", i), TenantID: tn.ID, UserID: "u1",
			DeviceID: "d", ActionCode: "signIn", Kind: ev.kind, Variant: ev.variant, At: e.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	p, _ := e.App.Prompt.LastDays(7)
	a, err := e.App.Prompt.Analytics(ctx, tn.ID, p, prompt.ReportBreakdowns)
	if err != nil {
		t.Fatal(err)
	}
	var got []prompt.BreakdownRow
	for _, r := range a.Breakdowns {
		if r.Dimension == prompt.DimensionVariant {
			got = append(got, r)
		}
	}
	// Busiest first; a variant no longer stored shows its id.
	want := []prompt.BreakdownRow{
		{Dimension: "variant", Value: "Shorter copy: B", Shown: 2},
		{Dimension: "variant", Value: "Shorter copy: A", Shown: 1, Accepted: 1},
		{Dimension: "variant", Value: "gone", Shown: 1},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("variant breakdown (-got +want):\n%s", diff)
	}
}
