package store_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

// searchFixture makes tenant "acme" with users of varied ids, emails and
// usernames, created one second apart in the order listed, and tenant
// "other" with a user whose id would match most searches.
func searchFixture(t *testing.T, s *store.Store) model.Tenant {
	t.Helper()
	tn := mustCreateTenant(t, s, "acme", at(0))
	other := mustCreateTenant(t, s, "other", at(0))
	users := []struct{ id, email, username string }{
		{"alice", "alice@example.com", "Alice_W"},
		{"alex", "ALEX@corp.example", ""},
		{"bob", "bob@example.com", "bobby"},
		{"pct%user", "pct@example.com", "100%sure"},
		{"plain", "plain@example.com", "plainxuser"},
		{"under_score", "", ""},
	}
	for i, u := range users {
		nu := newUser(tn.ID, u.id, at(int64(10+i)))
		nu.Email, nu.Username = u.email, u.username
		mustCreateUser(t, s, nu)
	}
	mustCreateUser(t, s, newUser(other.ID, "alice-other", at(5)))
	return tn
}

func searchIDs(t *testing.T, s *store.Store, tenantID string, us model.UserSearch) []string {
	t.Helper()
	got, err := s.SearchUsers(t.Context(), tenantID, us)
	if err != nil {
		t.Fatalf("SearchUsers(%+v): %v", us, err)
	}
	var ids []string
	for _, u := range got {
		ids = append(ids, u.User.ID)
	}
	return ids
}

func TestSearchUsers(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		tn := searchFixture(t, s)
		tests := []struct {
			name string
			text string
			want []string
		}{
			{"everyone, newest first", "", []string{"under_score", "plain", "pct%user", "bob", "alex", "alice"}},
			{"user id prefix", "al", []string{"alex", "alice"}},
			{"user id exact", "bob", []string{"bob"}},
			{"user id prefix ignores case", "ALI", []string{"alice"}},
			{"user id is a prefix match only", "score", nil},
			{"email part ignores case", "CORP.EXAMPLE", []string{"alex"}},
			{"email part", "lice@", []string{"alice"}},
			{"username part", "obb", []string{"bob"}},
			{"percent is literal", "%", []string{"pct%user"}},
			{"percent in a user id prefix", "pct%", []string{"pct%user"}},
			{"percent does not match any text", "p%", nil},
			{"underscore is literal", "_", []string{"alice"}},
			{"underscore in a user id prefix", "under_", []string{"under_score"}},
			{"underscore does not match any one character", "plain_user", nil},
			{"backslash is literal", `\`, nil},
			{"no match", "zzz", nil},
			{"another tenant's user", "alice-other", nil},
		}
		for _, tt := range tests {
			got := searchIDs(t, s, tn.ID, model.UserSearch{Text: tt.text})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s: search %q (-want +got):\n%s", tt.name, tt.text, diff)
			}
		}
	})
}

func TestSearchUsersPages(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		tn := searchFixture(t, s)
		// Two users created at the same instant are told apart by id.
		mustCreateUser(t, s, newUser(tn.ID, "twin-a", at(15)))
		for _, order := range []model.UserOrder{model.UsersNewest, model.UsersByID} {
			all := searchIDs(t, s, tn.ID, model.UserSearch{Order: order})
			var paged []string
			var after *model.UserCursor
			for range 10 {
				got, err := s.SearchUsers(t.Context(), tn.ID, model.UserSearch{Order: order, After: after, Limit: 2})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) == 0 {
					break
				}
				for _, u := range got {
					paged = append(paged, u.User.ID)
				}
				last := got[len(got)-1].User
				after = &model.UserCursor{CreatedAt: last.CreatedAt, UserID: last.ID}
			}
			if diff := cmp.Diff(all, paged); diff != "" {
				t.Errorf("%s: pages of 2 differ from one page (-all +paged):\n%s", order, diff)
			}
			if len(all) != 7 {
				t.Errorf("%s: %d users, want 7", order, len(all))
			}
		}
		if got := searchIDs(t, s, tn.ID, model.UserSearch{Order: model.UsersByID, Limit: 3}); !slices.Equal(got, []string{"alex", "alice", "bob"}) {
			t.Errorf("first three by id = %v", got)
		}
	})
}

func TestSearchUsersSummaries(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := searchFixture(t, s)
		mustCreateAuthenticator(t, s, newAuthenticator(tn.ID, "bob", "a-email", model.MethodEmailOTP, at(30)))
		mustCreateAuthenticator(t, s, newAuthenticator(tn.ID, "bob", "a-pk1", model.MethodPasskey, at(31)))
		mustCreateAuthenticator(t, s, newAuthenticator(tn.ID, "bob", "a-pk2", model.MethodPasskey, at(32)))
		unverified := newAuthenticator(tn.ID, "bob", "a-sms", model.MethodSMS, at(33))
		unverified.VerifiedAt = time.Time{}
		mustCreateAuthenticator(t, s, unverified)
		mustCreateAction(t, s, newAction(tn.ID, "bob", "k1", "signIn", at(40)))
		mustCreateAction(t, s, newAction(tn.ID, "bob", "k2", "signIn", at(41)))

		got, err := s.SearchUsers(ctx, tn.ID, model.UserSearch{Text: "bob"})
		if err != nil || len(got) != 1 {
			t.Fatalf("search bob = %+v, %v", got, err)
		}
		if got[0].Passkeys != 2 {
			t.Errorf("passkeys = %d, want 2", got[0].Passkeys)
		}
		if want := []model.VerificationMethod{model.MethodPasskey, model.MethodEmailOTP}; !slices.Equal(got[0].Methods, want) {
			t.Errorf("methods = %v, want %v", got[0].Methods, want)
		}
		if !got[0].LastActionAt.Equal(at(41)) {
			t.Errorf("last action = %v, want %v", got[0].LastActionAt, at(41))
		}
		alice, err := s.SearchUsers(ctx, tn.ID, model.UserSearch{Text: "alice"})
		if err != nil || len(alice) != 1 || alice[0].Passkeys != 0 || alice[0].Methods != nil || !alice[0].LastActionAt.IsZero() {
			t.Errorf("alice = %+v, %v; want no passkeys, methods or actions", alice, err)
		}
	})
}

func TestUserDeviceListAndPasskeys(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		other := mustCreateTenant(t, s, "other", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "u", at(0)))
		mustCreateUser(t, s, newUser(tn.ID, "v", at(0)))
		mustCreateUser(t, s, newUser(other.ID, "u", at(0)))
		// d1: an action and a report; d2: only a passkey made there;
		// d3: only an authenticator that holds a passkey; d4: another user's;
		// d5: only an uplift event.
		a := newAction(tn.ID, "u", "k1", "signIn", at(10))
		a.DeviceID = "d1"
		mustCreateAction(t, s, a)
		if err := s.TouchDevice(ctx, model.Device{TenantID: tn.ID, ID: "d1", UserAgent: "UA one", LastSeenAt: at(11)}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetDeviceCapabilities(ctx, tn.ID, "d1", map[string]any{"publicKeyCredential": true}, at(12)); err != nil {
			t.Fatal(err)
		}
		pk := mustCreateAuthenticator(t, s, newAuthenticator(tn.ID, "u", "pk", model.MethodPasskey, at(13)))
		if err := s.TouchDevice(ctx, model.Device{TenantID: tn.ID, ID: "d2", LastSeenAt: at(14)}); err != nil {
			t.Fatal(err)
		}
		for _, dp := range []model.DevicePasskey{
			{TenantID: tn.ID, DeviceID: "d2", AuthenticatorID: pk.ID, Relation: model.RelationCreated, LastAt: at(14)},
			{TenantID: tn.ID, DeviceID: "d1", AuthenticatorID: pk.ID, Relation: model.RelationUsedPlatform, LastAt: at(15)},
		} {
			if err := s.LinkDevicePasskey(ctx, dp); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.MarkDeviceHoldsPasskey(ctx, tn.ID, "d3", "u", at(16)); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordUpliftEvent(ctx, model.UpliftEvent{ID: "e1", TenantID: tn.ID, UserID: "u", DeviceID: "d5",
			Kind: model.UpliftShown, At: at(16)}); err != nil {
			t.Fatal(err)
		}
		b := newAction(tn.ID, "v", "k2", "signIn", at(17))
		b.DeviceID = "d4"
		mustCreateAction(t, s, b)

		got, err := s.UserDeviceList(ctx, tn.ID, "u", 10)
		if err != nil {
			t.Fatal(err)
		}
		// The most recently seen first; a device that never reported itself last.
		want := []model.UserDevice{
			{Device: model.Device{TenantID: tn.ID, ID: "d2", Capabilities: map[string]any{}, CreatedAt: at(14), LastSeenAt: at(14)}},
			{Device: model.Device{TenantID: tn.ID, ID: "d1", UserAgent: "UA one", Capabilities: map[string]any{"publicKeyCredential": true},
				CapabilitiesAt: at(12), CreatedAt: at(11), LastSeenAt: at(12)}, FirstSeenAt: at(10)},
			{Device: model.Device{TenantID: tn.ID, ID: "d3", Capabilities: map[string]any{}}, HeldPasskeyAt: at(16)},
			{Device: model.Device{TenantID: tn.ID, ID: "d5", Capabilities: map[string]any{}}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("devices of u (-want +got):\n%s", diff)
		}
		if got, err := s.UserDeviceList(ctx, tn.ID, "u", 1); err != nil || len(got) != 1 {
			t.Errorf("limit 1 = %d devices, %v", len(got), err)
		}
		if got, err := s.UserDeviceList(ctx, other.ID, "u", 10); err != nil || len(got) != 0 {
			t.Errorf("the other tenant's u has devices %+v, %v", got, err)
		}

		links, err := s.UserDevicePasskeys(ctx, tn.ID, "u")
		if err != nil {
			t.Fatal(err)
		}
		var rels []string
		for _, l := range links {
			rels = append(rels, l.DeviceID+" "+string(l.Relation))
		}
		if want := []string{"d2 created", "d1 used_platform"}; !slices.Equal(rels, want) {
			t.Errorf("device passkeys = %v, want %v", rels, want)
		}
		if links, err := s.UserDevicePasskeys(ctx, tn.ID, "v"); err != nil || len(links) != 0 {
			t.Errorf("v's device passkeys = %v, %v", links, err)
		}
	})
}

func TestActionUpliftEvents(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "u", at(0)))
		mustCreateUser(t, s, newUser(tn.ID, "v", at(0)))
		events := []model.UpliftEvent{
			{ID: "e1", UserID: "u", IdempotencyKey: "k1", Kind: model.UpliftEvaluated, Reason: "eligible", At: at(3)},
			{ID: "e2", UserID: "u", IdempotencyKey: "k1", Kind: model.UpliftDismissed, At: at(4)},
			{ID: "e3", UserID: "u", IdempotencyKey: "k2", Kind: model.UpliftFailed, Cause: "NotAllowedError", At: at(2)},
			{ID: "e4", UserID: "u", IdempotencyKey: "k3", Kind: model.UpliftShown, At: at(5)},
			{ID: "e5", UserID: "v", IdempotencyKey: "k1", Kind: model.UpliftShown, At: at(6)},
			// At one instant, in the prompt's order whatever the ids.
			{ID: "e9", UserID: "u", IdempotencyKey: "k4", Kind: model.UpliftEvaluated, At: at(7)},
			{ID: "e8", UserID: "u", IdempotencyKey: "k4", Kind: model.UpliftShown, At: at(7)},
			{ID: "e7", UserID: "u", IdempotencyKey: "k4", Kind: model.UpliftDismissed, At: at(7)},
		}
		for _, e := range events {
			e.TenantID = tn.ID
			if err := s.RecordUpliftEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.ActionUpliftEvents(ctx, tn.ID, "u", []string{"k1", "k2"})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range got {
			ids = append(ids, e.ID)
		}
		if want := []string{"e3", "e1", "e2"}; !slices.Equal(ids, want) {
			t.Errorf("events = %v, want %v", ids, want)
		}
		if got[0].Cause != "NotAllowedError" || got[1].Reason != "eligible" || !got[2].At.Equal(at(4)) {
			t.Errorf("events lost fields: %+v", got)
		}
		same, err := s.ActionUpliftEvents(ctx, tn.ID, "u", []string{"k4"})
		if err != nil || len(same) != 3 || same[0].ID != "e9" || same[1].ID != "e8" || same[2].ID != "e7" {
			t.Errorf("events at one instant = %+v, %v; want evaluated, shown, dismissed", same, err)
		}
		if got, err := s.ActionUpliftEvents(ctx, tn.ID, "u", nil); err != nil || got != nil {
			t.Errorf("no keys = %v, %v", got, err)
		}
	})
}

func TestRevokeAPIKeyKeepingOne(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		other := mustCreateTenant(t, s, "other", at(0))
		for _, k := range []model.APIKey{
			{ID: "k1", TenantID: tn.ID, Prefix: "sk_aaaaaa", Hash: []byte("h1"), CreatedAt: at(1)},
			{ID: "k2", TenantID: tn.ID, Prefix: "sk_bbbbbb", Hash: []byte("h2"), CreatedAt: at(2)},
			{ID: "k3", TenantID: other.ID, Prefix: "sk_cccccc", Hash: []byte("h3"), CreatedAt: at(3)},
		} {
			if err := s.CreateAPIKey(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RevokeAPIKeyKeepingOne(ctx, tn.ID, "k3", at(4)); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("another tenant's key: %v, want not found", err)
		}
		if err := s.RevokeAPIKeyKeepingOne(ctx, tn.ID, "k1", at(5)); err != nil {
			t.Fatalf("revoke k1: %v", err)
		}
		if err := s.RevokeAPIKeyKeepingOne(ctx, tn.ID, "k1", at(6)); err != nil {
			t.Errorf("revoke k1 again: %v, want no error", err)
		}
		if err := s.RevokeAPIKeyKeepingOne(ctx, tn.ID, "k2", at(7)); !errors.Is(err, model.ErrConflict) {
			t.Errorf("revoke the last key: %v, want a conflict", err)
		}
		if err := s.RevokeAPIKeyKeepingOne(ctx, other.ID, "k3", at(8)); !errors.Is(err, model.ErrConflict) {
			t.Errorf("revoke the other tenant's only key: %v, want a conflict", err)
		}
		keys, err := s.APIKeys(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 2 || !keys[0].RevokedAt.Equal(at(5)) || !keys[1].RevokedAt.IsZero() {
			t.Errorf("keys = %+v, want k1 revoked at the first revocation and k2 active", keys)
		}

		// Two revocations at once of a tenant's two keys: one must fail.
		for i := range 5 {
			id := fmt.Sprintf("race-%d", i)
			mustCreateTenant(t, s, id, at(0))
			for _, k := range []string{"a", "b"} {
				if err := s.CreateAPIKey(ctx, model.APIKey{ID: id + k, TenantID: id, Prefix: "sk_" + k,
					Hash: []byte(id + k), CreatedAt: at(1)}); err != nil {
					t.Fatal(err)
				}
			}
			errs := make(chan error, 2)
			for _, k := range []string{"a", "b"} {
				go func() { errs <- s.RevokeAPIKeyKeepingOne(ctx, id, id+k, at(2)) }()
			}
			var conflicts int
			for range 2 {
				if err := <-errs; errors.Is(err, model.ErrConflict) {
					conflicts++
				} else if err != nil {
					t.Errorf("%s: %v", id, err)
				}
			}
			if conflicts != 1 {
				t.Errorf("%s: %d of two simultaneous revocations refused, want 1", id, conflicts)
			}
		}
	})
}
