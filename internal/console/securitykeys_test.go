package console_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/uplift-dev/uplift/internal/model"
)

// TestUserPageShowsASecurityKeyAsOne: a user's security key is listed
// among their other methods as a security key, never as a passkey.
func TestUserPageShowsASecurityKeyAsOne(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	ctx := context.Background()
	h.addUser(h.secret, "ada", "ada@example.com", "")
	now := h.env.Clock.Now()
	a := model.Authenticator{ID: "01a24d68-b87f-7107-bcf8-72c5aac23f41", TenantID: h.tenant.ID, UserID: "ada",
		Method: model.MethodSecurityKey, CreatedAt: now, VerifiedAt: now, LastVerifiedAt: now}
	key := model.Passkey{AuthenticatorID: a.ID, TenantID: a.TenantID, UserID: "ada", CredentialID: []byte("key-1"),
		PublicKey: []byte{1}, AAGUID: make([]byte, 16), Attachment: "cross-platform", Transports: []string{"usb"},
		Name: "Security key", CreatedAt: now, LastVerifiedAt: now}
	if err := h.env.Store.CreateSecurityKey(ctx, a, key); err != nil {
		t.Fatal(err)
	}
	p := h.get("/console/users/ada", s).text()
	if !regexp.MustCompile(`(?s)The user has no passkey\..*Other methods.*<td data-label="Method">Security key</td>`).MatchString(p) {
		t.Errorf("the user page does not list the security key among the other methods, and no passkey:\n%s", p)
	}
}
