package passkeyjson_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/passkeyjson"
)

func TestCredentialShape(t *testing.T) {
	p := model.Passkey{
		CredentialID: []byte{0xfb, 0xff, 0x01}, DeviceID: "d1", Name: "iCloud Keychain",
		AAGUID: []byte{0xfb, 0xfc, 0x30, 0x07, 0x15, 0x4e, 0x4e, 0xcc, 0x8c, 0x0b, 0x6e, 0x02, 0x05, 0x57, 0xd7, 0xbd},
		Flags:  model.PasskeyFlags{BackupEligible: true, BackupState: false}, Attachment: "platform",
		ParsedUserAgent: model.UserAgent{UA: "UA", BrowserName: "Safari", OSName: "iOS", DeviceType: "mobile"},
		CreatedAt:       time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	b, err := json.Marshal(passkeyjson.Credential(p, &model.ProviderName{Name: "iCloud Keychain", SVGIconDark: "data:image/svg+xml;x"}))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.Unmarshal(b, &got)
	want := map[string]any{
		"credentialId": "-_8B", "deviceId": "d1", "name": "iCloud Keychain",
		"aaguid":             "fbfc3007-154e-4ecc-8c0b-6e020557d7bd",
		"aaguidMapping":      map[string]any{"name": "iCloud Keychain", "svgIconDark": "data:image/svg+xml;x"},
		"credentialBackedUp": false, "credentialDeviceType": "multiDevice", "authenticatorAttachment": "platform",
		"parsedUserAgent": map[string]any{"ua": "UA", "browser": map[string]any{"name": "Safari"},
			"device": map[string]any{"type": "mobile"}, "engine": map[string]any{}, "os": map[string]any{"name": "iOS"},
			"cpu": map[string]any{}},
		"verifiedAt": "2026-01-02T03:04:05.000Z",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
}
