package policy_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/uplift"
)

// TestRulePromptSwitchReachesTheDecision tracks through the Server API with
// the tenant-wide prompt off and checks that only the action whose winning
// rule switches the prompt on gives the uplift decision a switch that is on.
func TestRulePromptSwitchReachesTheDecision(t *testing.T) {
	e := apitest.New(t)
	tenant, key := e.Tenant("Shop")
	e.Do(key, "PATCH", "/v1/management/authenticator-configurations/passkey", map[string]any{"disableEnrollmentPrompt": true}).MustOK(t)
	e.Do(key, "POST", "/v1/management/action-configurations", map[string]any{"actionCode": "signIn"}).MustOK(t)
	e.Do(key, "POST", "/v1/management/action-configurations/signIn/rules", map[string]any{
		"name": "Laptop", "priority": 1, "type": "CHALLENGE", "promptToEnrollVerificationMethods": []string{"PASSKEY"},
		"conditions": map[string]any{"==": []any{map[string]any{"var": "device.platform"}, "macOS"}},
	}).MustOK(t)
	e.Do(key, "POST", "/v1/users/u/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": "u@example.com"}).MustOK(t)
	tenant, _ = e.Store.Tenant(context.Background(), tenant.ID)

	mac := "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"
	win := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"
	for _, tt := range []struct {
		name      string
		userAgent string
		want      uplift.Reason
	}{
		{"rule wins: prompt on", mac, uplift.ReasonEligible},
		{"no rule: all switches off", win, uplift.ReasonPromptDisabled},
	} {
		t.Run(tt.name, func(t *testing.T) {
			key := e.With(t).Do(key, "POST", "/v1/users/u/actions/signIn", map[string]any{"userAgent": tt.userAgent}).MustOK(t).Str("idempotencyKey")
			act, err := e.Store.Action(context.Background(), tenant.ID, key)
			if err != nil {
				t.Fatal(err)
			}
			tenantOn, actionOn, ruleOn, err := e.App.Policy.PromptSwitches(context.Background(), tenant, act)
			if err != nil {
				t.Fatal(err)
			}
			d := uplift.Decide(uplift.Input{
				TenantPromptEnabled: tenantOn, ActionPrompt: actionOn, RulePrompt: ruleOn,
				Authenticated: true, RolloutPercent: 100, PlatformAuthenticator: true, Now: e.Clock.Now(),
			})
			if d.Reason != tt.want {
				t.Errorf("switches tenant=%v action=%v rule=%v decide %s, want %s", tenantOn, actionOn, ruleOn, d.Reason, tt.want)
			}
		})
	}
}

// BenchmarkTrack50Rules tracks over HTTP an action with 50 active rules,
// half of them using value lists, on SQLite.
func BenchmarkTrack50Rules(b *testing.B) {
	e := apitest.New(b)
	_, key := e.Tenant("Bench")
	e.Do(key, "POST", "/v1/management/action-configurations", map[string]any{"actionCode": "pay"}).MustOK(b)
	domains := make([]string, 500)
	for i := range domains {
		domains[i] = fmt.Sprintf("d%d.example", i)
	}
	e.Do(key, "POST", "/v1/management/value-lists", map[string]any{"alias": "domains", "name": "Domains", "itemType": "string", "valueListItems": domains}).MustOK(b)
	e.Do(key, "POST", "/v1/management/value-lists", map[string]any{"alias": "office", "name": "Office", "itemType": "cidr", "valueListItems": []string{"10.0.0.0/8", "2001:db8::/32"}}).MustOK(b)
	for i := 0; i < 50; i++ {
		cond := map[string]any{"and": []any{
			map[string]any{"==": []any{map[string]any{"var": "device.isNew"}, i%2 == 0}},
			map[string]any{">": []any{map[string]any{"var": "action.custom.amount"}, i * 100}},
		}}
		if i%2 == 1 {
			cond = map[string]any{"or": []any{
				map[string]any{"in_list": []any{map[string]any{"var": "user.emailDomain"}, "domains"}},
				map[string]any{"in_cidr_list": []any{map[string]any{"var": "ip.address"}, "office"}},
			}}
		}
		e.Do(key, "POST", "/v1/management/action-configurations/pay/rules", map[string]any{
			"name": fmt.Sprintf("rule %d", i), "priority": i % 100, "type": "CHALLENGE", "conditions": cond,
		}).MustOK(b)
	}
	e.Do(key, "POST", "/v1/users/bench/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": "bench@d7.example"}).MustOK(b)
	body := []byte(`{"deviceId":"dev-1","ipAddress":"192.0.2.10","userAgent":"Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0.0.0","custom":{"amount":2500}}`)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if res := e.Do(key, "POST", "/v1/users/bench/actions/pay", body); res.Status != 200 {
			b.Fatalf("track: %d %s", res.Status, res.Body)
		}
	}
}
