package store_test

import (
	"testing"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

func TestUpliftEventsAndPasskeyOnDevice(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tn := mustCreateTenant(t, s, "acme", at(0))
		mustCreateUser(t, s, newUser(tn.ID, "u", at(0)))
		mustCreateUser(t, s, newUser(tn.ID, "other", at(0)))

		for i, kind := range []model.UpliftEventKind{model.UpliftDismissed, model.UpliftShown, model.UpliftDismissed} {
			if err := s.RecordUpliftEvent(ctx, model.UpliftEvent{ID: "e" + string(rune('a'+i)), TenantID: tn.ID,
				UserID: "u", DeviceID: "d1", Kind: kind, At: at(int64(10 + i))}); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := s.LastUpliftEvent(ctx, tn.ID, "u", "d1", model.UpliftDismissed); err != nil || !got.Equal(at(12)) {
			t.Errorf("last dismissal = %v, %v; want %v", got, err, at(12))
		}
		if got, err := s.LastUpliftEvent(ctx, tn.ID, "u", "d2", model.UpliftDismissed); err != nil || !got.IsZero() {
			t.Errorf("last dismissal on another device = %v, %v; want never", got, err)
		}
		if evs, err := s.UpliftEvents(ctx, tn.ID, "u", 2); err != nil || len(evs) != 2 || evs[0].ID != "ec" {
			t.Errorf("newest two events = %+v, %v", evs, err)
		}
		// An event made during a prompt experiment keeps its variant;
		// others have none.
		if err := s.RecordUpliftEvent(ctx, model.UpliftEvent{ID: "ev", TenantID: tn.ID, UserID: "other",
			DeviceID: "d1", Kind: model.UpliftShown, Variant: "var-b", At: at(13)}); err != nil {
			t.Fatal(err)
		}
		if evs, err := s.UpliftEvents(ctx, tn.ID, "other", 5); err != nil || len(evs) != 1 || evs[0].Variant != "var-b" {
			t.Errorf("event with a variant read back as %+v, %v", evs, err)
		}
		if evs, err := s.UpliftEvents(ctx, tn.ID, "u", 5); err != nil || len(evs) != 3 || evs[0].Variant != "" {
			t.Errorf("events without a variant read back as %+v, %v", evs, err)
		}

		onDevice := func(user, dev string) bool {
			ok, err := s.PasskeyOnDevice(ctx, tn.ID, user, dev)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if onDevice("u", "d1") {
			t.Error("passkey on a device with nothing recorded")
		}
		// A held marker counts only while the user has a passkey.
		if err := s.MarkDeviceHoldsPasskey(ctx, tn.ID, "d1", "u", at(20)); err != nil {
			t.Fatal(err)
		}
		if onDevice("u", "d1") {
			t.Error("held marker counted for a user without passkeys")
		}
		pk := newAuthenticator(tn.ID, "u", "pk-1", model.MethodPasskey, at(21))
		mustCreateAuthenticator(t, s, pk)
		if !onDevice("u", "d1") || onDevice("other", "d1") {
			t.Error("held marker with a passkey: want on device for u only")
		}
		// A link to the device counts for the passkey's owner only.
		if err := s.TouchDevice(ctx, model.Device{TenantID: tn.ID, ID: "d2", LastSeenAt: at(22)}); err != nil {
			t.Fatal(err)
		}
		if err := s.LinkDevicePasskey(ctx, model.DevicePasskey{TenantID: tn.ID, DeviceID: "d2",
			AuthenticatorID: "pk-1", Relation: model.RelationCreated, LastAt: at(22)}); err != nil {
			t.Fatal(err)
		}
		if !onDevice("u", "d2") || onDevice("other", "d2") {
			t.Error("created link: want on device d2 for u only")
		}
		if err := s.DeleteAuthenticator(ctx, tn.ID, "u", "pk-1"); err != nil {
			t.Fatal(err)
		}
		if onDevice("u", "d1") || onDevice("u", "d2") {
			t.Error("a deleted passkey still counts as on the device")
		}
	})
}
