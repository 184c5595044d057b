package store_test

import (
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

// base is the fixed clock of the store tests. It has microseconds set, so
// a round trip that lost precision would show.
var base = time.UnixMicro(1_767_225_600_123_456).UTC()

// at returns the instant sec seconds after base.
func at(sec int64) time.Time {
	return base.Add(time.Duration(sec) * time.Second)
}

func newTenant(id string, created time.Time) model.Tenant {
	return model.Tenant{
		ID:               id,
		Name:             "Tenant " + id,
		RPID:             id + ".example.com",
		RPName:           "Example " + id,
		Origins:          []string{"https://" + id + ".example.com", "https://app." + id + ".example.com:8443"},
		RedirectPrefixes: []string{"https://" + id + ".example.com/callback"},
		TokenKey:         append([]byte{0x00, 0xff, 0x7f, 0x80}, id...),
		Passkey: model.PasskeyConfig{
			EnrollmentPromptInterval: 86400,
			RecoveryMethods:          []model.VerificationMethod{model.MethodEmailOTP, model.MethodSMS},
			UserVerification:         model.UVRequired,
		},
		CreatedAt: created,
	}
}

func mustCreateTenant(t *testing.T, s *store.Store, id string, created time.Time) model.Tenant {
	t.Helper()
	tn := newTenant(id, created)
	if err := s.CreateTenant(t.Context(), tn); err != nil {
		t.Fatalf("CreateTenant(%s): %v", id, err)
	}
	return tn
}

func newUser(tenantID, id string, created time.Time) model.User {
	return model.User{
		TenantID:    tenantID,
		ID:          id,
		Email:       id + "@example.com",
		DisplayName: "User " + id,
		Custom:      map[string]any{"plan": "free"},
		CreatedAt:   created,
		UpdatedAt:   created,
	}
}

func mustCreateUser(t *testing.T, s *store.Store, u model.User) model.User {
	t.Helper()
	created, err := s.CreateUserIfMissing(t.Context(), u)
	if err != nil {
		t.Fatalf("CreateUserIfMissing(%s): %v", u.ID, err)
	}
	if !created {
		t.Fatalf("CreateUserIfMissing(%s) = false, want a new user", u.ID)
	}
	return u
}

func newAuthenticator(tenantID, userID, id string, method model.VerificationMethod, created time.Time) model.Authenticator {
	a := model.Authenticator{
		ID:             id,
		TenantID:       tenantID,
		UserID:         userID,
		Method:         method,
		CreatedAt:      created,
		VerifiedAt:     created.Add(time.Second),
		LastVerifiedAt: created.Add(time.Minute),
	}
	switch method {
	case model.MethodEmailOTP:
		a.Email = userID + "@example.com"
	case model.MethodSMS:
		a.PhoneNumber = "+64210000001"
	}
	return a
}

func mustCreateAuthenticator(t *testing.T, s *store.Store, a model.Authenticator) model.Authenticator {
	t.Helper()
	if err := s.CreateAuthenticator(t.Context(), a); err != nil {
		t.Fatalf("CreateAuthenticator(%s): %v", a.ID, err)
	}
	return a
}

func newAction(tenantID, userID, key, code string, created time.Time) model.Action {
	return model.Action{
		TenantID:           tenantID,
		UserID:             userID,
		Code:               code,
		IdempotencyKey:     key,
		State:              model.StateChallengeRequired,
		StateUpdatedAt:     created,
		CreatedAt:          created,
		UpdatedAt:          created,
		RuleIDs:            []string{"rule-1", "rule-2"},
		PriorityRuleID:     "rule-1",
		DeviceID:           "device-1",
		IPAddress:          "203.0.113.7",
		UserAgent:          "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0",
		RedirectURL:        "https://acme.example.com/done",
		RedirectToSettings: true,
		Scope:              model.ScopeAddAuthenticators,
		Locale:             "en-NZ",
		Custom:             map[string]any{"amount": 125.5, "currency": "NZD", "firstPayment": true},
		AllowedMethods:     []model.VerificationMethod{model.MethodPasskey, model.MethodEmailOTP},
	}
}

func mustCreateAction(t *testing.T, s *store.Store, a model.Action) model.Action {
	t.Helper()
	_, created, err := s.CreateAction(t.Context(), a)
	if err != nil {
		t.Fatalf("CreateAction(%s): %v", a.IdempotencyKey, err)
	}
	if !created {
		t.Fatalf("CreateAction(%s) created = false, want a new action", a.IdempotencyKey)
	}
	return a
}
