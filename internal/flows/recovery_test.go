package flows_test

import (
	"testing"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/flows"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
)

func TestRecoveryMethodsSatisfied(t *testing.T) {
	inbox := notify.NewInbox(nil, 0, nil)
	withEmail := apitest.NewWith(t, apitest.Options{Email: inbox})
	withoutSenders := apitest.New(t)
	tests := []struct {
		name     string
		env      *apitest.Env
		recovery []model.VerificationMethod
		enrolled []model.Authenticator
		want     bool
	}{
		{"nothing asked", withEmail, nil, nil, true},
		{"no authenticator", withEmail, []model.VerificationMethod{model.MethodEmailOTP}, nil, false},
		{"a listed method", withEmail, []model.VerificationMethod{model.MethodSMS, model.MethodEmailOTP},
			[]model.Authenticator{{Method: model.MethodEmailOTP, Email: "u@example.com"}}, true},
		{"only an unlisted method", withEmail, []model.VerificationMethod{model.MethodSMS},
			[]model.Authenticator{{Method: model.MethodEmailOTP, Email: "u@example.com"}}, false},
		{"a listed method the server cannot send", withoutSenders, []model.VerificationMethod{model.MethodEmailOTP},
			[]model.Authenticator{{Method: model.MethodEmailOTP, Email: "u@example.com"}}, false},
		{"the default configuration", withEmail, model.DefaultPasskeyConfig().RecoveryMethods,
			[]model.Authenticator{{Method: model.MethodEmailOTP, Email: "u@example.com"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			svc := tt.env.Service
			tn, _ := tt.env.With(t).Tenant("T")
			tn, err := svc.UpdatePasskeySettings(ctx, tn.ID, func(ps *flows.PasskeySettings) {
				ps.Passkey.RecoveryMethods = tt.recovery
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range tt.enrolled {
				if _, err := svc.EnrollVerified(ctx, tn.ID, "u1", a); err != nil {
					t.Fatal(err)
				}
			}
			got, err := svc.RecoveryMethodsSatisfied(ctx, tn, "u1")
			if err != nil || got != tt.want {
				t.Errorf("RecoveryMethodsSatisfied = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
