package store_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

func newPasskey(a model.Authenticator, credID string) model.Passkey {
	return model.Passkey{
		AuthenticatorID: a.ID, TenantID: a.TenantID, UserID: a.UserID,
		CredentialID: []byte(credID), PublicKey: []byte{0xa5, 0x01, 0x02}, PublicKeyAlgorithm: -7,
		SignCount: 4_000_000_000, AAGUID: []byte("0123456789abcdef"), Transports: []string{"internal", "hybrid"},
		AttestationType: "self", AttestationFormat: "packed", AttestationObject: []byte{0xa3, 0x00},
		ClientDataJSON: []byte(`{"type":"webauthn.create"}`),
		Flags:          model.PasskeyFlags{UserPresent: true, UserVerified: true, BackupEligible: true},
		Attachment:     "platform", DeviceID: "device-1", UserAgent: "Mozilla/5.0",
		ParsedUserAgent: model.UserAgent{UA: "Mozilla/5.0", BrowserName: "Chrome", OSName: "macOS"},
		Name:            "Chrome on macOS", CreatedAt: a.CreatedAt, LastVerifiedAt: a.CreatedAt,
	}
}

func mustCreatePasskey(t *testing.T, s *store.Store, tenantID, userID, authID, credID string) model.Passkey {
	t.Helper()
	a := newAuthenticator(tenantID, userID, authID, model.MethodPasskey, at(10))
	p := newPasskey(a, credID)
	if err := s.CreatePasskey(t.Context(), a, p); err != nil {
		t.Fatalf("CreatePasskey: %v", err)
	}
	return p
}

func TestPasskeys(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		for _, tn := range []string{"t1", "t2"} {
			mustCreateTenant(t, s, tn, at(0))
			mustCreateUser(t, s, newUser(tn, "ada", at(1)))
		}
		want := mustCreatePasskey(t, s, "t1", "ada", "a1", "cred-1")
		got, err := s.PasskeyByCredentialID(ctx, "t1", []byte("cred-1"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		if auths, _ := s.Authenticators(ctx, "t1", "ada"); len(auths) != 1 || auths[0].Method != model.MethodPasskey {
			t.Errorf("authenticators = %+v, want the passkey's", auths)
		}

		a := newAuthenticator("t1", "ada", "a2", model.MethodPasskey, at(11))
		if err := s.CreatePasskey(ctx, a, newPasskey(a, "cred-1")); !errors.Is(err, model.ErrConflict) {
			t.Errorf("duplicate credential id: err = %v, want ErrConflict", err)
		}
		if auths, _ := s.Authenticators(ctx, "t1", "ada"); len(auths) != 1 {
			t.Errorf("a refused passkey left an authenticator behind: %d", len(auths))
		}
		mustCreatePasskey(t, s, "t2", "ada", "b1", "cred-1") // unique per tenant only

		found, err := s.PasskeysByCredentialIDs(ctx, "t1", [][]byte{[]byte("nope"), []byte("cred-1")})
		if err != nil || len(found) != 1 || found[0].AuthenticatorID != "a1" {
			t.Errorf("PasskeysByCredentialIDs = %v, %v", found, err)
		}

		got.SignCount, got.LastVerifiedAt = 7, at(100) // after the authenticator's own last verification
		got.Flags.BackupState, got.BackupEligibleChanges, got.BackupEligibleChangedAt = true, 1, at(20)
		if err := s.RecordPasskeySignIn(ctx, got, "", ""); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordCounterRegression(ctx, "t1", "a1", at(21)); err != nil {
			t.Fatal(err)
		}
		after, _ := s.PasskeyByCredentialID(ctx, "t1", []byte("cred-1"))
		got.CounterRegressions, got.LastCounterRegressionAt = 1, at(21)
		if diff := cmp.Diff(got, after); diff != "" {
			t.Errorf("after sign-in (-want +got):\n%s", diff)
		}
		auths, err := s.Authenticators(ctx, "t1", "ada")
		if err != nil || len(auths) != 1 || !auths[0].LastVerifiedAt.Equal(at(100)) {
			t.Errorf("the passkey's authenticator after the sign-in = %+v, %v; want last verified at %v", auths, err, at(100))
		}

		if err := s.DeleteAuthenticator(ctx, "t1", "ada", "a1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PasskeyByCredentialID(ctx, "t1", []byte("cred-1")); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("after delete: err = %v, want ErrNotFound", err)
		}
		if err := s.RecordPasskeySignIn(ctx, got, "", ""); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("sign-in on a deleted passkey: err = %v, want ErrNotFound", err)
		}
	})
}

func TestUserHandles(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "t1", at(0))
		mustCreateUser(t, s, newUser("t1", "ada", at(1)))
		h1, err := s.EnsureUserHandle(ctx, "t1", "ada", []byte("first"), at(2))
		if err != nil || string(h1) != "first" {
			t.Fatalf("EnsureUserHandle = %q, %v", h1, err)
		}
		if h2, _ := s.EnsureUserHandle(ctx, "t1", "ada", []byte("second"), at(3)); string(h2) != "first" {
			t.Errorf("second EnsureUserHandle = %q, want the first handle", h2)
		}
		if _, err := s.UserHandle(ctx, "t1", "bob"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("UserHandle of a user without one: %v", err)
		}
	})
}

func TestPasskeyChallenges(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "t1", at(0))
		c := model.PasskeyChallenge{ID: "c1", TenantID: "t1", Kind: model.ChallengeAuthentication,
			ActionCode: "signIn", Session: []byte(`{"challenge":"x"}`), CreatedAt: at(0), ExpiresAt: at(300)}
		if err := s.CreatePasskeyChallenge(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := s.SetChallengeSession(ctx, "t1", "c1", []byte(`{"challenge":"y"}`), at(10), at(310)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ConsumePasskeyChallenge(ctx, "t2", "c1", at(20)); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("another tenant consumed the challenge: %v", err)
		}

		var wg sync.WaitGroup
		var mu sync.Mutex
		var won []model.PasskeyChallenge
		for range 8 {
			wg.Go(func() {
				got, err := s.ConsumePasskeyChallenge(ctx, "t1", "c1", at(20))
				if err == nil {
					mu.Lock()
					won = append(won, got)
					mu.Unlock()
				} else if !errors.Is(err, model.ErrInvalid) {
					t.Errorf("consume: %v", err)
				}
			})
		}
		wg.Wait()
		if len(won) != 1 {
			t.Fatalf("%d consumers got the challenge, want exactly 1", len(won))
		}
		c.Session, c.ExpiresAt, c.UsedAt = []byte(`{"challenge":"y"}`), at(310), at(20)
		if diff := cmp.Diff(c, won[0]); diff != "" {
			t.Errorf("consumed (-want +got):\n%s", diff)
		}
		if _, err := s.ConsumePasskeyChallenge(ctx, "t1", "c1", at(21)); !isChallengeError(err, "already used") {
			t.Errorf("second consume: %v", err)
		}

		c2 := model.PasskeyChallenge{ID: "c2", TenantID: "t1", Kind: model.ChallengeRegistration, UserID: "ada",
			CreatedAt: at(0), ExpiresAt: at(300)}
		s.CreatePasskeyChallenge(ctx, c2)
		if _, err := s.ConsumePasskeyChallenge(ctx, "t1", "c2", at(300)); !isChallengeError(err, "expired") {
			t.Errorf("consume at expiry: %v", err)
		}
		if err := s.SetChallengeSession(ctx, "t1", "c2", []byte("{}"), at(301), at(600)); !isChallengeError(err, "expired") {
			t.Errorf("set session after expiry: %v", err)
		}
		if _, err := s.ConsumePasskeyChallenge(ctx, "t1", "nope", at(1)); !isChallengeError(err, "not known") {
			t.Errorf("consume unknown: %v", err)
		}
		if n, err := s.PurgePasskeyChallenges(ctx, at(400)); err != nil || n != 2 {
			t.Errorf("purge = %d, %v; want 2", n, err)
		}
	})
}

func isChallengeError(err error, words string) bool {
	var me *model.Error
	return errors.As(err, &me) && me.Code == "invalid_challenge" && errors.Is(err, model.ErrInvalid) &&
		strings.Contains(me.Description, words)
}

func TestDevicesAndProviderNames(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "t1", at(0))
		mustCreateUser(t, s, newUser("t1", "ada", at(1)))
		mustCreatePasskey(t, s, "t1", "ada", "a1", "cred-1")
		for i, sec := range []int64{5, 9} {
			if err := s.TouchDevice(ctx, model.Device{TenantID: "t1", ID: "d1", UserAgent: []string{"UA1", "UA2"}[i],
				LastSeenAt: at(sec)}); err != nil {
				t.Fatal(err)
			}
			if err := s.LinkDevicePasskey(ctx, model.DevicePasskey{TenantID: "t1", DeviceID: "d1", AuthenticatorID: "a1",
				Relation: model.RelationCreated, LastAt: at(sec)}); err != nil {
				t.Fatal(err)
			}
		}
		caps := map[string]any{"conditionalGet": true, "userVerifyingPlatformAuthenticator": false}
		if err := s.SetDeviceCapabilities(ctx, "t1", "d1", caps, at(12)); err != nil {
			t.Fatal(err)
		}
		d, err := s.Device(ctx, "t1", "d1")
		want := model.Device{TenantID: "t1", ID: "d1", UserAgent: "UA2", Capabilities: caps, CapabilitiesAt: at(12),
			CreatedAt: at(5), LastSeenAt: at(12)}
		if diff := cmp.Diff(want, d); err != nil || diff != "" {
			t.Errorf("Device: %v (-want +got):\n%s", err, diff)
		}
		links, err := s.DevicePasskeys(ctx, "t1", "d1")
		wantLinks := []model.DevicePasskey{{TenantID: "t1", DeviceID: "d1", AuthenticatorID: "a1",
			Relation: model.RelationCreated, FirstAt: at(5), LastAt: at(9)}}
		if diff := cmp.Diff(wantLinks, links); err != nil || diff != "" {
			t.Errorf("DevicePasskeys: %v (-want +got):\n%s", err, diff)
		}

		names := []model.ProviderName{{AAGUID: "fbfc3007-154e-4ecc-8c0b-6e020557d7bd", Name: "iCloud Keychain"}}
		for range 2 {
			if err := s.InTx(ctx, func(q store.Queries) error { return q.SaveProviderNames(ctx, names, at(1)) }); err != nil {
				t.Fatal(err)
			}
		}
		n, err := s.ProviderName(ctx, names[0].AAGUID)
		if err != nil || n.Name != "iCloud Keychain" {
			t.Errorf("ProviderName = %+v, %v", n, err)
		}
		if c, _ := s.ProviderNameCount(ctx); c != 1 {
			t.Errorf("ProviderNameCount = %d, want 1", c)
		}

		if ok, err := s.OriginKnown(ctx, "https://t1.example.com"); err != nil || !ok {
			t.Errorf("OriginKnown(tenant origin) = %v, %v", ok, err)
		}
		for _, o := range []string{"https://t1.example", "https://x1.example.com", "https://t1.example.com:444"} {
			if ok, _ := s.OriginKnown(ctx, o); ok {
				t.Errorf("OriginKnown(%s) = true", o)
			}
		}
	})
}

func TestSigningPasskey(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		for _, tn := range []string{"t1", "t2"} {
			mustCreateTenant(t, s, tn, at(0))
			mustCreateUser(t, s, newUser(tn, "ada", at(1)))
		}
		ada := newUser("t1", "ada", at(1))
		want := mustCreatePasskey(t, s, "t1", "ada", "a1", "cred-1")
		mustCreatePasskey(t, s, "t1", "ada", "a2", "cred-2")
		if _, err := s.SigningPasskey(ctx, "t1", []byte("cred-1"), "dev-1"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("a passkey whose user has no handle: err = %v, want ErrNotFound", err)
		}
		if _, err := s.EnsureUserHandle(ctx, "t1", "ada", []byte("handle-ada"), at(2)); err != nil {
			t.Fatal(err)
		}
		for _, dev := range []string{"dev-1", "dev-2"} {
			a := newAction("t1", "ada", "key-"+dev, "signIn", at(3))
			a.DeviceID = dev
			mustCreateAction(t, s, a)
		}
		for _, tt := range []struct {
			device  string
			devices int
			known   bool
		}{{"dev-1", 2, true}, {"dev-3", 2, false}, {"", 2, false}} {
			got, err := s.SigningPasskey(ctx, "t1", []byte("cred-1"), tt.device)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got.Passkey); diff != "" || string(got.Handle) != "handle-ada" {
				t.Errorf("SigningPasskey = handle %q, passkey (-want +got):\n%s", got.Handle, diff)
			}
			if diff := cmp.Diff(ada, got.User, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("SigningPasskey user (-want +got):\n%s", diff)
			}
			if got.Devices != tt.devices || got.DeviceKnown != tt.known {
				t.Errorf("SigningPasskey for device %q: %d devices, known %v; want %d, %v",
					tt.device, got.Devices, got.DeviceKnown, tt.devices, tt.known)
			}
		}
		if _, err := s.SigningPasskey(ctx, "t2", []byte("cred-1"), "dev-1"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("another tenant's credential: err = %v, want ErrNotFound", err)
		}
	})
}

func TestChallengeCeremony(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "t1", at(0))
		c := model.PasskeyChallenge{ID: "c1", TenantID: "t1", Kind: model.ChallengeAuthentication, ActionCode: "signIn",
			Session: []byte(`{"challenge":"x"}`), Options: []byte(`{"challenge":"x","rpId":"localhost"}`),
			CreatedAt: at(0), ExpiresAt: at(300)}
		if err := s.CreatePasskeyChallenge(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, err := s.PasskeyChallenge(ctx, "t1", "c1", at(1))
		if diff := cmp.Diff(c, got); err != nil || diff != "" {
			t.Errorf("PasskeyChallenge = %v, (-want +got):\n%s", err, diff)
		}
		if err := s.SetChallengeCeremony(ctx, "t1", "c1", []byte(`{"challenge":"y"}`), []byte(`{"challenge":"y"}`),
			at(200), at(500)); err != nil {
			t.Fatal(err)
		}
		got, _ = s.PasskeyChallenge(ctx, "t1", "c1", at(201))
		if string(got.Session) != `{"challenge":"y"}` || string(got.Options) != `{"challenge":"y"}` || !got.ExpiresAt.Equal(at(500)) {
			t.Errorf("after SetChallengeCeremony: session %s, options %s, expiry %v", got.Session, got.Options, got.ExpiresAt)
		}
		// A new session without options drops the old ones.
		if err := s.SetChallengeSession(ctx, "t1", "c1", []byte(`{"challenge":"z"}`), at(202), at(502)); err != nil {
			t.Fatal(err)
		}
		if got, _ = s.PasskeyChallenge(ctx, "t1", "c1", at(203)); got.Options != nil {
			t.Errorf("options after SetChallengeSession = %s, want none", got.Options)
		}
		if _, err := s.ConsumePasskeyChallenge(ctx, "t1", "c1", at(204)); err != nil {
			t.Fatal(err)
		}
		err = s.SetChallengeCeremony(ctx, "t1", "c1", []byte("{}"), []byte("{}"), at(205), at(505))
		if !isChallengeError(err, "already used") {
			t.Errorf("SetChallengeCeremony on a used challenge: %v", err)
		}
	})
}
