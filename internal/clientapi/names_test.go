package clientapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/uplift-dev/uplift/internal/model"
)

func TestProviderNamesFromAAGUIDList(t *testing.T) {
	h := newHarness(t)
	d := newPasskeyDevice(defaultDevice)
	aaguid := uuid.UUID(d.auth.Aaguid).String()
	list := map[string]any{
		aaguid: map[string]any{"name": "Test Keychain", "icon_light": "data:image/svg+xml;base64,PHN2Zy8+",
			"icon_dark": "https://tracker.example/icon.svg"},
		"not-a-uuid":                           map[string]any{"name": "Ignored"},
		"ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4": map[string]any{"name": "Google Password Manager"},
	}
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(list)
	}))
	defer src.Close()
	n, err := h.app.Passkeys.RefreshPasskeyNames(t.Context(), src.URL, src.Client())
	if err != nil || n != 2 {
		t.Fatalf("RefreshPasskeyNames = %d, %v; want 2 names", n, err)
	}

	added := h.enrol("ada", d)
	cred := added.body["userAuthenticator"].(map[string]any)["webauthnCredential"].(map[string]any)
	mapping, _ := cred["aaguidMapping"].(map[string]any)
	if cred["name"] != "Test Keychain" || cred["aaguid"] != aaguid || mapping["name"] != "Test Keychain" ||
		mapping["svgIconLight"] != "data:image/svg+xml;base64,PHN2Zy8+" || mapping["svgIconDark"] != nil {
		t.Errorf("webauthnCredential = %v", cred)
	}
	listed := h.must(h.do("GET", "/v1/users/ada/authenticators", h.secretAuth(), nil), 200)
	if !strings.Contains(string(listed.raw), `"aaguidMapping":{"name":"Test Keychain"`) {
		t.Errorf("Server API authenticators = %s", listed.raw)
	}

	t.Run("a failed fetch keeps the cached names", func(t *testing.T) {
		bad := httptest.NewServer(http.NotFoundHandler())
		defer bad.Close()
		if _, err := h.app.Passkeys.RefreshPasskeyNames(t.Context(), bad.URL, bad.Client()); err == nil {
			t.Error("RefreshPasskeyNames from a 404 succeeded")
		}
		if n, err := h.store.ProviderNameCount(t.Context()); err != nil || n != 2 {
			t.Errorf("ProviderNameCount = %d, %v; want 2", n, err)
		}
	})
}

func TestDevicesNotePasskeys(t *testing.T) {
	h := newHarness(t)
	d := newPasskeyDevice(defaultDevice)
	added := h.enrol("ada", d) // tracked with deviceId device-ada
	authID := added.str("userAuthenticatorId")

	// A cross-platform sign-in on another device does not make the passkey
	// known there; a platform one does.
	o := h.signInOptions("signIn")
	var resp map[string]any
	json.Unmarshal(d.assert(t, o.body["options"]), &resp)
	resp["authenticatorAttachment"] = "cross-platform"
	h.must(h.do("POST", "/v1/client/verify/passkey", h.tenantAuth(), map[string]any{
		"challengeId": o.str("challengeId"), "authenticationCredential": resp, "deviceId": "phone-2"}), 200)
	o = h.signInOptions("signIn")
	json.Unmarshal(d.assert(t, o.body["options"]), &resp)
	resp["authenticatorAttachment"] = "platform"
	h.must(h.do("POST", "/v1/client/verify/passkey", h.tenantAuth(), map[string]any{
		"challengeId": o.str("challengeId"), "authenticationCredential": resp, "deviceId": "laptop-3"}), 200)

	for dev, want := range map[string][]model.DevicePasskeyRelation{
		"device-ada": {model.RelationCreated}, "phone-2": nil, "laptop-3": {model.RelationUsedPlatform},
	} {
		got, err := h.app.Passkeys.DevicePasskeys(t.Context(), h.tenant.ID, "ada", dev)
		if err != nil {
			t.Fatal(err)
		}
		var rels []model.DevicePasskeyRelation
		for _, dp := range got {
			if dp.AuthenticatorID != authID {
				t.Errorf("device %s lists authenticator %s", dev, dp.AuthenticatorID)
			}
			rels = append(rels, dp.Relation)
		}
		if len(rels) != len(want) || (len(want) > 0 && rels[0] != want[0]) {
			t.Errorf("device %s relations = %v, want %v", dev, rels, want)
		}
	}
	if _, err := h.store.Device(t.Context(), h.tenant.ID, "phone-2"); err != nil {
		t.Errorf("the cross-platform device was not recorded: %v", err)
	}
	h.must(h.do("DELETE", "/v1/users/ada/authenticators/"+authID, h.secretAuth(), nil), 200)
	if got, _ := h.app.Passkeys.DevicePasskeys(t.Context(), h.tenant.ID, "ada", "device-ada"); len(got) != 0 {
		t.Errorf("a deleted passkey is still known on its device: %v", got)
	}
}
