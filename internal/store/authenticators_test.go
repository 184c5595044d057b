package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

func TestAuthenticators(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "user-1", at(1)))
		mustCreateUser(t, s, newUser(tn.ID, "user-2", at(1)))

		got, err := s.Authenticators(ctx, tn.ID, "user-1")
		if err != nil || len(got) != 0 {
			t.Fatalf("Authenticators before any = %v, %v; want none", got, err)
		}

		passkey := newAuthenticator(tn.ID, "user-1", "auth-passkey", model.MethodPasskey, at(4))
		email := newAuthenticator(tn.ID, "user-1", "auth-email", model.MethodEmailOTP, at(2))
		email.IsDefault = true
		sms := newAuthenticator(tn.ID, "user-1", "auth-sms", model.MethodSMS, at(3))
		sms.VerifiedAt, sms.LastVerifiedAt = at(30), at(31)
		totp := newAuthenticator(tn.ID, "user-1", "auth-totp", model.MethodAuthenticatorApp, at(5))
		unverified := newAuthenticator(tn.ID, "user-1", "auth-unverified", model.MethodEmailOTP, at(6))
		unverified.VerifiedAt, unverified.LastVerifiedAt = time.Time{}, time.Time{}
		for _, a := range []model.Authenticator{passkey, email, sms, totp, unverified} {
			mustCreateAuthenticator(t, s, a)
		}
		mustCreateAuthenticator(t, s, newAuthenticator(tn.ID, "user-2", "auth-other", model.MethodEmailOTP, at(1)))

		got, err = s.Authenticators(ctx, tn.ID, "user-1")
		if err != nil {
			t.Fatalf("Authenticators: %v", err)
		}
		want := []model.Authenticator{email, sms, passkey, totp, unverified}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("Authenticators, oldest first (-got +want):\n%s", diff)
		}

		// The enrolment as one query sums it up, and as EnrolmentOf does.
		mustCreateUser(t, s, newUser(tn.ID, "user-3", at(1)))
		mustCreateUser(t, s, newUser(tn.ID, "user-4", at(1)))
		unverifiedSMS := newAuthenticator(tn.ID, "user-3", "auth-sms-3", model.MethodSMS, at(7))
		unverifiedSMS.VerifiedAt, unverifiedSMS.LastVerifiedAt = time.Time{}, time.Time{}
		mustCreateAuthenticator(t, s, unverifiedSMS)
		for user, want := range map[string]model.Enrolment{
			"user-1": {Authenticators: 5, Passkeys: 1, Methods: []model.VerificationMethod{
				model.MethodPasskey, model.MethodEmailOTP, model.MethodSMS, model.MethodAuthenticatorApp}},
			"user-2": {Authenticators: 1, Methods: []model.VerificationMethod{model.MethodEmailOTP}},
			"user-3": {Authenticators: 1},
			"user-4": {},
		} {
			auths, err := s.Authenticators(ctx, tn.ID, user)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(model.EnrolmentOf(auths), want, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("model.EnrolmentOf(%s) (-got +want):\n%s", user, diff)
			}
			f, err := s.UserFacts(ctx, tn.ID, user, "")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(f.Enrolment, want, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("UserFacts(%s).Enrolment (-got +want):\n%s", user, diff)
			}
		}

		if err := s.DeleteAuthenticator(ctx, tn.ID, "user-1", sms.ID); err != nil {
			t.Fatalf("DeleteAuthenticator: %v", err)
		}
		if err := s.DeleteAuthenticator(ctx, tn.ID, "user-1", sms.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("second DeleteAuthenticator: error = %v, want %v", err, model.ErrNotFound)
		}
		got, err = s.Authenticators(ctx, tn.ID, "user-1")
		if err != nil {
			t.Fatalf("Authenticators: %v", err)
		}
		want = []model.Authenticator{email, passkey, totp, unverified}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("Authenticators after delete (-got +want):\n%s", diff)
		}
	})
}

func TestDefaultAuthenticator(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		tn := mustCreateTenant(t, s, "acme", at(0))
		other := mustCreateTenant(t, s, "other", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "user-1", at(1)))
		mustCreateUser(t, s, newUser(tn.ID, "user-2", at(1)))
		mustCreateUser(t, s, newUser(other.ID, "user-1", at(1)))

		// Defaults of other users, in this tenant and another, must not move.
		for _, a := range []model.Authenticator{
			newAuthenticator(tn.ID, "user-2", "neighbour", model.MethodEmailOTP, at(1)),
			newAuthenticator(other.ID, "user-1", "foreign", model.MethodEmailOTP, at(1)),
		} {
			a.IsDefault = true
			mustCreateAuthenticator(t, s, a)
		}

		steps := []struct {
			id          string
			isDefault   bool
			wantDefault []string
		}{
			{"first", true, []string{"first"}},
			{"second", true, []string{"second"}},
			{"third", false, []string{"second"}},
			{"fourth", true, []string{"fourth"}},
		}
		for i, step := range steps {
			a := newAuthenticator(tn.ID, "user-1", step.id, model.MethodEmailOTP, at(int64(10+i)))
			a.IsDefault = step.isDefault
			mustCreateAuthenticator(t, s, a)
			if diff := cmp.Diff(defaults(t, s, tn.ID, "user-1"), step.wantDefault); diff != "" {
				t.Errorf("after creating %s (default %v), defaults (-got +want):\n%s", step.id, step.isDefault, diff)
			}
		}
		if diff := cmp.Diff(defaults(t, s, tn.ID, "user-2"), []string{"neighbour"}); diff != "" {
			t.Errorf("another user's defaults (-got +want):\n%s", diff)
		}
		if diff := cmp.Diff(defaults(t, s, other.ID, "user-1"), []string{"foreign"}); diff != "" {
			t.Errorf("another tenant's defaults (-got +want):\n%s", diff)
		}
	})
}

// TestFailedDefaultAuthenticatorKeepsDefault checks that creating a default
// authenticator is all or nothing: when the insert fails, the previous
// default stays the default.
func TestFailedDefaultAuthenticatorKeepsDefault(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		tn := mustCreateTenant(t, s, "acme", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "user-1", at(1)))
		first := newAuthenticator(tn.ID, "user-1", "first", model.MethodEmailOTP, at(2))
		first.IsDefault = true
		mustCreateAuthenticator(t, s, first)

		dup := newAuthenticator(tn.ID, "user-1", "first", model.MethodSMS, at(3)) // same id: the insert fails
		dup.IsDefault = true
		if err := s.CreateAuthenticator(t.Context(), dup); err == nil {
			t.Fatal("CreateAuthenticator with a duplicate id succeeded, want an error")
		}
		if diff := cmp.Diff(defaults(t, s, tn.ID, "user-1"), []string{"first"}); diff != "" {
			t.Errorf("defaults after a failed create (-got +want):\n%s", diff)
		}
	})
}

func TestDeleteAuthenticatorOfOthers(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		other := mustCreateTenant(t, s, "other", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "user-1", at(1)))
		mustCreateUser(t, s, newUser(tn.ID, "user-2", at(1)))
		mustCreateUser(t, s, newUser(other.ID, "user-1", at(1)))
		a := mustCreateAuthenticator(t, s, newAuthenticator(tn.ID, "user-1", "auth-1", model.MethodPasskey, at(2)))

		tests := []struct {
			name, tenantID, userID string
		}{
			{"another user", tn.ID, "user-2"},
			{"same user id in another tenant", other.ID, "user-1"},
			{"unknown user", tn.ID, "nobody"},
		}
		for _, tt := range tests {
			if err := s.DeleteAuthenticator(ctx, tt.tenantID, tt.userID, a.ID); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("DeleteAuthenticator as %s: error = %v, want %v", tt.name, err, model.ErrNotFound)
			}
		}
		got, err := s.Authenticators(ctx, tn.ID, "user-1")
		if err != nil {
			t.Fatalf("Authenticators: %v", err)
		}
		if diff := cmp.Diff(got, []model.Authenticator{a}); diff != "" {
			t.Errorf("Authenticators after refused deletes (-got +want):\n%s", diff)
		}
		if err := s.DeleteAuthenticator(ctx, tn.ID, "user-1", a.ID); err != nil {
			t.Errorf("DeleteAuthenticator by its owner: %v", err)
		}
	})
}

// defaults returns the ids of a user's default authenticators.
func defaults(t *testing.T, s *store.Store, tenantID, userID string) []string {
	t.Helper()
	auths, err := s.Authenticators(t.Context(), tenantID, userID)
	if err != nil {
		t.Fatalf("Authenticators: %v", err)
	}
	var ids []string
	for _, a := range auths {
		if a.IsDefault {
			ids = append(ids, a.ID)
		}
	}
	return ids
}
