package prompt_test

import (
	"context"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/policy"
	"github.com/uplift-dev/uplift/internal/prompt"
	"github.com/uplift-dev/uplift/internal/uplift"
)

// upliftWorld is a tenant with one email-enrolled user whose signIn
// challenge has succeeded, and a device that reported a platform
// authenticator.
type upliftWorld struct {
	e      *apitest.Env
	tenant model.Tenant
	key    string
	action model.Action
}

const device = "device-1"

func newUpliftWorld(t *testing.T) *upliftWorld {
	t.Helper()
	return newUpliftWorldWith(t, apitest.Options{Email: notify.NewInbox(nil, 0, nil)})
}

func newUpliftWorldWith(t *testing.T, o apitest.Options) *upliftWorld {
	t.Helper()
	ctx := context.Background()
	e := apitest.NewWith(t, o)
	tenant, key := e.Tenant("Shop")
	e.Do(key, "POST", "/v1/users/u/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": "u@example.com"}).MustOK(t)
	ik := e.Do(key, "POST", "/v1/users/u/actions/signIn", map[string]any{"deviceId": device}).MustOK(t).Str("idempotencyKey")
	a, err := e.Service.SetActionState(ctx, tenant.ID, "u", "signIn", ik, model.StateChallengeSucceeded)
	if err != nil {
		t.Fatal(err)
	}
	w := &upliftWorld{e: e, tenant: tenant, key: key, action: a}
	w.device(device, map[string]any{prompt.CapPublicKeyCredential: true, prompt.CapPlatformAuthenticator: true})
	return w
}

func (w *upliftWorld) device(id string, caps map[string]any) {
	ctx := context.Background()
	if err := w.e.Store.TouchDevice(ctx, model.Device{TenantID: w.tenant.ID, ID: id,
		UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Chrome/130.0.0.0", LastSeenAt: w.e.Clock.Now()}); err != nil {
		w.e.T.Fatal(err)
	}
	if caps != nil {
		if err := w.e.Store.SetDeviceCapabilities(ctx, w.tenant.ID, id, caps, w.e.Clock.Now()); err != nil {
			w.e.T.Fatal(err)
		}
	}
}

func (w *upliftWorld) passkeySettings(change func(*policy.PasskeySettings)) {
	t, err := w.e.App.Policy.UpdatePasskeySettings(context.Background(), w.tenant.ID, change)
	if err != nil {
		w.e.T.Fatal(err)
	}
	w.tenant = t
}

func (w *upliftWorld) decide(t *testing.T, deviceID string) uplift.Decision {
	t.Helper()
	d, err := w.e.App.Prompt.EvaluateUplift(context.Background(), w.tenant, w.action, deviceID)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestEvaluateUpliftReasons(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		arrange func(w *upliftWorld) string // returns the device id to decide for
		want    uplift.Reason
	}{
		{"eligible", func(w *upliftWorld) string { return device }, uplift.ReasonEligible},
		{"prompt disabled", func(w *upliftWorld) string {
			w.passkeySettings(func(ps *policy.PasskeySettings) { ps.Passkey.DisableEnrollmentPrompt = true })
			return device
		}, uplift.ReasonPromptDisabled},
		{"action switch on again", func(w *upliftWorld) string {
			w.passkeySettings(func(ps *policy.PasskeySettings) { ps.Passkey.DisableEnrollmentPrompt = true })
			w.e.Do(w.key, "PATCH", "/v1/management/action-configurations/signIn",
				map[string]any{"promptToEnrollVerificationMethods": []string{"PASSKEY"}}).MustOK(w.e.T)
			return device
		}, uplift.ReasonEligible},
		{"not authenticated", func(w *upliftWorld) string {
			w.action.State = model.StateChallengeRequired
			return device
		}, uplift.ReasonNotAuthenticated},
		{"no recovery method", func(w *upliftWorld) string {
			w.passkeySettings(func(ps *policy.PasskeySettings) {
				ps.Passkey.RecoveryMethods = []model.VerificationMethod{model.MethodSMS}
			})
			return device
		}, uplift.ReasonNoRecoveryMethod},
		{"device reported nothing", func(w *upliftWorld) string {
			w.device("quiet", nil)
			return "quiet"
		}, uplift.ReasonDeviceUnsupported},
		{"device without platform authenticator", func(w *upliftWorld) string {
			w.device("usb-only", map[string]any{prompt.CapPublicKeyCredential: true, prompt.CapPlatformAuthenticator: false})
			return "usb-only"
		}, uplift.ReasonDeviceUnsupported},
		{"unknown device", func(w *upliftWorld) string { return "never-seen" }, uplift.ReasonDeviceUnsupported},
		{"passkey created here", func(w *upliftWorld) string {
			id := w.addPasskey(t)
			if err := w.e.Store.LinkDevicePasskey(ctx, model.DevicePasskey{TenantID: w.tenant.ID, DeviceID: device,
				AuthenticatorID: id, Relation: model.RelationCreated, LastAt: w.e.Clock.Now()}); err != nil {
				t.Fatal(err)
			}
			return device
		}, uplift.ReasonPasskeyOnDevice},
		{"passkey on another device only", func(w *upliftWorld) string {
			id := w.addPasskey(t)
			w.device("phone", map[string]any{prompt.CapPublicKeyCredential: true, prompt.CapPlatformAuthenticator: true})
			if err := w.e.Store.LinkDevicePasskey(ctx, model.DevicePasskey{TenantID: w.tenant.ID, DeviceID: "phone",
				AuthenticatorID: id, Relation: model.RelationCreated, LastAt: w.e.Clock.Now()}); err != nil {
				t.Fatal(err)
			}
			return device
		}, uplift.ReasonEligible},
		{"authenticator holds a passkey", func(w *upliftWorld) string {
			w.addPasskey(t)
			if err := w.e.App.Prompt.MarkDeviceHoldsPasskey(ctx, w.tenant, "u", device); err != nil {
				t.Fatal(err)
			}
			return device
		}, uplift.ReasonPasskeyOnDevice},
		{"held marker without any passkey left", func(w *upliftWorld) string {
			if err := w.e.App.Prompt.MarkDeviceHoldsPasskey(ctx, w.tenant, "u", device); err != nil {
				t.Fatal(err)
			}
			return device
		}, uplift.ReasonEligible},
		{"dismissed, every challenge", func(w *upliftWorld) string {
			w.dismiss(t)
			return device
		}, uplift.ReasonEligible},
		{"dismissed, weekly", func(w *upliftWorld) string {
			w.passkeySettings(func(ps *policy.PasskeySettings) { ps.Passkey.EnrollmentPromptInterval = 604800 })
			w.dismiss(t)
			w.e.Clock.Advance(6*24*time.Hour - time.Second)
			return device
		}, uplift.ReasonFrequencyNotElapsed},
		{"dismissed, weekly, a week later", func(w *upliftWorld) string {
			w.passkeySettings(func(ps *policy.PasskeySettings) { ps.Passkey.EnrollmentPromptInterval = 604800 })
			w.dismiss(t)
			w.e.Clock.Advance(7*24*time.Hour - time.Second)
			return device
		}, uplift.ReasonEligible},
		{"dismissed on another device", func(w *upliftWorld) string {
			w.passkeySettings(func(ps *policy.PasskeySettings) { ps.Passkey.EnrollmentPromptInterval = 604800 })
			w.device("tablet", map[string]any{prompt.CapPublicKeyCredential: true, prompt.CapPlatformAuthenticator: true})
			if err := w.e.App.Prompt.RecordUplift(ctx, w.tenant, w.action, "tablet", model.UpliftDismissed, ""); err != nil {
				t.Fatal(err)
			}
			w.e.Clock.Advance(time.Second)
			return device
		}, uplift.ReasonEligible},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newUpliftWorld(t)
			deviceID := tt.arrange(w)
			got := w.decide(t, deviceID)
			if got.Reason != tt.want || got.Show != (tt.want == uplift.ReasonEligible) {
				t.Fatalf("decision = %+v, want reason %s", got, tt.want)
			}
			events, err := w.e.Store.UpliftEvents(ctx, w.tenant.ID, "u", 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(events) == 0 || events[0].Kind != model.UpliftEvaluated || events[0].Reason != string(tt.want) ||
				events[0].DeviceID != deviceID || events[0].IdempotencyKey != w.action.IdempotencyKey {
				t.Errorf("latest event = %+v, want evaluated with reason %s", events[0], tt.want)
			}
		})
	}
}

// TestRecoveryNeedsASendableMethod: an email authenticator does not count
// as a recovery method while the server cannot send email codes.
func TestRecoveryNeedsASendableMethod(t *testing.T) {
	w := newUpliftWorldWith(t, apitest.Options{})
	if got := w.decide(t, device); got.Reason != uplift.ReasonNoRecoveryMethod {
		t.Errorf("without an email sender: %s, want %s", got.Reason, uplift.ReasonNoRecoveryMethod)
	}
	w.passkeySettings(func(ps *policy.PasskeySettings) { ps.Passkey.RecoveryMethods = nil })
	if got := w.decide(t, device); got.Reason != uplift.ReasonEligible {
		t.Errorf("with no recovery requirement: %s, want %s", got.Reason, uplift.ReasonEligible)
	}
}

func (w *upliftWorld) addPasskey(t *testing.T) string {
	t.Helper()
	const id = "00000000-0000-4000-8000-000000000001"
	if err := w.e.Store.CreateAuthenticator(context.Background(), model.Authenticator{ID: id, TenantID: w.tenant.ID,
		UserID: "u", Method: model.MethodPasskey, CreatedAt: w.e.Clock.Now(), VerifiedAt: w.e.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	return id
}

func (w *upliftWorld) dismiss(t *testing.T) {
	t.Helper()
	if err := w.e.App.Prompt.RecordUplift(context.Background(), w.tenant, w.action, device, model.UpliftDismissed, ""); err != nil {
		t.Fatal(err)
	}
	w.e.Clock.Advance(time.Second)
}

func TestDiagnosisEndpoint(t *testing.T) {
	w := newUpliftWorld(t)
	w.passkeySettings(func(ps *policy.PasskeySettings) { ps.Passkey.EnrollmentPromptInterval = 86400 })
	dismissedAt := w.e.Clock.Now()
	w.dismiss(t)
	w.e.Clock.Advance(time.Hour - time.Second)

	got := w.e.Do(w.key, "GET", "/v1/users/u/uplift?deviceId="+device+"&action=signIn", nil).MustOK(t)
	if got.JSON["show"] != false || got.Str("reason") != "frequency_not_elapsed" || got.Str("promptFrequency") != "Once a day" {
		t.Errorf("diagnosis: %s", got.Body)
	}
	wantNext := dismissedAt.Add(24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	if got.Str("nextEligibleAt") != wantNext || got.Str("lastDismissedAt") == "" || got.Str("explanation") == "" {
		t.Errorf("nextEligibleAt = %q, want %q: %s", got.Str("nextEligibleAt"), wantNext, got.Body)
	}
	// Diagnosis asks, it does not count as a decision.
	events, _ := w.e.Store.UpliftEvents(context.Background(), w.tenant.ID, "u", 10)
	if len(events) != 1 || events[0].Kind != model.UpliftDismissed {
		t.Errorf("diagnosis recorded events: %+v", events)
	}

	for _, tt := range []struct {
		path string
		want int
	}{
		{"/v1/users/u/uplift", 400},
		{"/v1/users/u/uplift?deviceId=" + device + "&action=bad%20code", 400},
		{"/v1/users/u/uplift?deviceId=" + device + "&extra=1", 400},
		{"/v1/users/nobody/uplift?deviceId=" + device, 404},
	} {
		if res := w.e.Do(w.key, "GET", tt.path, nil); res.Status != tt.want {
			t.Errorf("GET %s: %d, want %d", tt.path, res.Status, tt.want)
		}
	}
	if res := w.e.Do("", "GET", "/v1/users/u/uplift?deviceId="+device, nil); res.Status != 401 {
		t.Errorf("without a key: %d, want 401", res.Status)
	}
}

func TestRecordUpliftRefusesUnknownKinds(t *testing.T) {
	w := newUpliftWorld(t)
	if err := w.e.App.Prompt.RecordUplift(context.Background(), w.tenant, w.action, device, model.UpliftEvaluated, ""); err == nil {
		t.Error("RecordUplift accepted an evaluated event; those come from EvaluateUplift only")
	}
}
