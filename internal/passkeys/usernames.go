package passkeys

import (
	"cmp"

	"github.com/uplift-dev/uplift/internal/model"
)

// CredentialNames returns the user.name and user.displayName a passkey
// of u is made with when the client names neither, as credential
// managers show them: the username, else the email address, phone number
// or user id; the display name, else that name. The hosted pages send
// them with PublicKeyCredential.signalCurrentUserDetails so a changed
// name reaches the passkeys already made.
func CredentialNames(u model.User) (name, displayName string) {
	name = cmp.Or(u.Username, u.Email, u.PhoneNumber, u.ID)
	return name, cmp.Or(u.DisplayName, name)
}
