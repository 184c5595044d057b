package hosted

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/uplift-dev/uplift/internal/model"
)

// pageMethods are the methods these pages can run a challenge with.
var pageMethods = []model.VerificationMethod{
	model.MethodPasskey, model.MethodEmailOTP, model.MethodSMS, model.MethodAuthenticatorApp,
}

// methodChoice is what the challenge page offers a user: the method shown
// first and the others behind "Use another method".
type methodChoice struct {
	Primary model.VerificationMethod
	Others  []model.VerificationMethod
	// Permitted is every method the action permits, enrolled or not.
	Permitted []model.VerificationMethod
	// Email and Phone are where codes go, from the user's authenticators.
	Email, Phone string
}

// Enrolled reports whether the user has any method the page can use.
func (c methodChoice) Enrolled() bool { return c.Primary != "" }

// chooseMethods works out the challenge page for a user on a device: a
// passkey first when one of theirs is known on this device, else the
// default recovery method; the rest of their permitted methods after it.
func (p *Pages) chooseMethods(ctx context.Context, f *flow, a model.Action) (methodChoice, error) {
	t := f.tenant()
	permitted, def, err := p.svc.PermittedMethods(ctx, t, a)
	if err != nil {
		return methodChoice{}, err
	}
	auths, err := p.svc.Authenticators(ctx, t.ID, a.UserID)
	if err != nil {
		return methodChoice{}, err
	}
	c := methodChoice{Permitted: permitted}
	var usable []model.VerificationMethod
	for _, m := range permitted {
		if !slices.Contains(pageMethods, m) || !p.svc.MethodOffered(m) {
			continue
		}
		for _, au := range auths {
			if au.Method != m || au.VerifiedAt.IsZero() {
				continue
			}
			if !slices.Contains(usable, m) {
				usable = append(usable, m)
			}
			if m == model.MethodEmailOTP && c.Email == "" {
				c.Email = au.Email
			}
			if m == model.MethodSMS && c.Phone == "" {
				c.Phone = au.PhoneNumber
			}
		}
	}
	onDevice := false
	if slices.Contains(usable, model.MethodPasskey) {
		if onDevice, err = p.keys.OnDevice(ctx, t.ID, a.UserID, f.deviceID); err != nil {
			return methodChoice{}, err
		}
	}
	c.Primary = primaryMethod(usable, onDevice, def, t.Passkey.RecoveryMethods)
	for _, m := range usable {
		if m != c.Primary {
			c.Others = append(c.Others, m)
		}
	}
	return c, nil
}

// offers reports whether the challenge page offers m.
func (c methodChoice) offers(m model.VerificationMethod) bool {
	return m != "" && (c.Primary == m || slices.Contains(c.Others, m))
}

// requireOffered refuses a step with a method the challenge page does not
// offer the user for this action: one the action does not permit, the
// server cannot send, or the user does not have.
func (p *Pages) requireOffered(ctx context.Context, f *flow, m model.VerificationMethod) error {
	a, err := p.action(ctx, f)
	if err != nil {
		return err
	}
	mc, err := p.chooseMethods(ctx, f, a)
	if err != nil {
		return err
	}
	if !mc.offers(m) {
		return model.Errorf(model.ErrForbidden, "method_not_offered", "%s is not offered for this sign-in", m)
	}
	return nil
}

// primaryMethod picks the method shown first: a passkey known on the
// device; else the action's default method, the first of the tenant's
// recovery methods, or the first other method the user has; a passkey
// only when the user has nothing else.
func primaryMethod(usable []model.VerificationMethod, passkeyOnDevice bool, def model.VerificationMethod, recovery []model.VerificationMethod) model.VerificationMethod {
	if passkeyOnDevice {
		return model.MethodPasskey
	}
	if def != "" && def != model.MethodPasskey && slices.Contains(usable, def) {
		return def
	}
	for _, m := range recovery {
		if slices.Contains(usable, m) {
			return m
		}
	}
	for _, m := range usable {
		if m != model.MethodPasskey {
			return m
		}
	}
	if len(usable) > 0 {
		return usable[0]
	}
	return ""
}

// maskEmail hides most of an address's local part: ada@example.com
// becomes a•••@example.com.
func maskEmail(email string) string {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" {
		return ""
	}
	first, _ := utf8.DecodeRuneInString(local)
	return string(first) + "•••@" + domain
}

// maskPhone keeps only a number's last two digits, for "the number
// ending 42".
func maskPhone(phone string) string {
	if len(phone) < 4 {
		return ""
	}
	return phone[len(phone)-2:]
}
