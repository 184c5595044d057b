package actions

import (
	"context"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// UserPatch changes a user's attributes; nil fields stay as they are.
type UserPatch struct {
	Email               *string
	EmailVerified       *bool
	PhoneNumber         *string
	PhoneNumberVerified *bool
	Username            *string
	DisplayName         *string
	Locale              *string
	Custom              map[string]any
}

// UpdateUser applies p to a user, creating the user first when the
// tenant has none of that id, and returns the result. A phone number is
// normalised where it can be (NormalizePhoneNumber).
func (s *Service) UpdateUser(ctx context.Context, tenantID, userID string, p UserPatch) (model.User, error) {
	str := func(v *string) string {
		if v == nil {
			return ""
		}
		return *v
	}
	if !model.ValidUserID(userID) {
		return model.User{}, model.Invalid("userId must be 1 to 255 characters without slashes or control characters")
	}
	if p.PhoneNumber != nil {
		n := NormalizePhoneNumber(*p.PhoneNumber)
		p.PhoneNumber = &n
	}
	if err := checkAttributes(str(p.Email), str(p.PhoneNumber), str(p.Username), p.Custom); err != nil {
		return model.User{}, err
	}
	if p.DisplayName != nil && (utf8.RuneCountInString(*p.DisplayName) > 255 || !utf8.ValidString(*p.DisplayName)) {
		return model.User{}, model.Invalid("displayName must be at most 255 characters of valid text")
	}
	if p.Locale != nil && !validLocale(*p.Locale) {
		return model.User{}, model.Invalid("locale must be a language tag such as en or en-US")
	}
	var u model.User
	err := s.store.InTx(ctx, func(q Queries) error {
		now := s.Now()
		if _, err := q.CreateUserIfMissing(ctx, model.User{TenantID: tenantID, ID: userID, CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		var err error
		if u, err = q.User(ctx, tenantID, userID); err != nil {
			return err
		}
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		setb := func(dst *bool, v *bool) {
			if v != nil {
				*dst = *v
			}
		}
		// A changed address is unverified unless the patch says otherwise.
		if p.Email != nil && !strings.EqualFold(*p.Email, u.Email) {
			u.EmailVerified = false
		}
		if p.PhoneNumber != nil && *p.PhoneNumber != u.PhoneNumber {
			u.PhoneNumberVerified = false
		}
		set(&u.Email, p.Email)
		setb(&u.EmailVerified, p.EmailVerified)
		set(&u.PhoneNumber, p.PhoneNumber)
		setb(&u.PhoneNumberVerified, p.PhoneNumberVerified)
		set(&u.Locale, p.Locale)
		if u.Email == "" {
			u.EmailVerified = false
		}
		if u.PhoneNumber == "" {
			u.PhoneNumberVerified = false
		}
		set(&u.Username, p.Username)
		set(&u.DisplayName, p.DisplayName)
		if p.Custom != nil {
			u.Custom = p.Custom
		}
		u.UpdatedAt = now
		return q.UpdateUser(ctx, u)
	})
	return u, err
}

// EnrollVerified enrols an authenticator the app has already verified
// itself (an email address or phone number), creating the user if needed.
func (s *Service) EnrollVerified(ctx context.Context, tenantID, userID string, a model.Authenticator) (model.Authenticator, error) {
	if !model.ValidUserID(userID) {
		return a, model.Invalid("userId must be 1 to 255 characters without slashes or control characters")
	}
	switch a.Method {
	case model.MethodEmailOTP, model.MethodEmailMagicLink:
		if a.Email == "" {
			return a, model.Invalid("%s needs an email", a.Method)
		}
		if a.PhoneNumber != "" {
			return a, model.Invalid("%s takes an email, not a phone number", a.Method)
		}
	case model.MethodSMS:
		if a.PhoneNumber == "" {
			return a, model.Invalid("SMS needs a phoneNumber")
		}
		if a.Email != "" {
			return a, model.Invalid("SMS takes a phone number, not an email")
		}
		// Codes are texted to an SMS authenticator's number.
		a.PhoneNumber = NormalizePhoneNumber(a.PhoneNumber)
		if !ValidPhoneNumber(a.PhoneNumber) {
			return a, model.Invalid("phoneNumber must be in E.164 form, such as +14155550100: codes are sent to it by text message")
		}
	case "":
		return a, model.Invalid("verificationMethod is required")
	default:
		if !a.Method.Valid() {
			return a, model.Invalid("unknown verificationMethod %q", a.Method)
		}
		return a, model.Invalid("%s cannot be enrolled as pre-verified; enrol it through the Client API", a.Method)
	}
	if err := checkAttributes(a.Email, a.PhoneNumber, "", nil); err != nil {
		return a, err
	}
	now := s.Now()
	a.ID, a.TenantID, a.UserID = s.NewID(), tenantID, userID
	a.CreatedAt, a.VerifiedAt = now, now
	err := s.store.InTx(ctx, func(q Queries) error {
		if _, err := q.CreateUserIfMissing(ctx, model.User{TenantID: tenantID, ID: userID, CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		existing, err := q.Authenticators(ctx, tenantID, userID)
		if err != nil {
			return err
		}
		for _, e := range existing {
			if e.Method == a.Method && strings.EqualFold(e.Email, a.Email) && e.PhoneNumber == a.PhoneNumber {
				return model.Errorf(model.ErrConflict, "authenticator_exists", "the user already has this %s authenticator", a.Method)
			}
		}
		if len(existing) == 0 {
			a.IsDefault = true
		}
		if err := q.CreateAuthenticator(ctx, a); err != nil {
			return err
		}
		if err := webhooks.AuthenticatorEvent(ctx, q, s.Source, webhooks.AuthenticatorCreated, a, nil); err != nil {
			return err
		}
		return s.MarkContactVerified(ctx, q, tenantID, userID, a.Email, a.PhoneNumber)
	})
	return a, err
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// ValidEmail reports whether s is a single plain email address.
func ValidEmail(s string) bool {
	if len(s) > 254 {
		return false
	}
	a, err := mail.ParseAddress(s)
	// A domain literal (user@[192.0.2.1]) is refused: no person's mailbox
	// is reached that way, and each literal would be a new destination.
	return err == nil && a.Address == s && a.Name == "" && !strings.Contains(s, "[")
}

// ValidPhoneNumber reports whether s is an E.164 phone number, the form
// a text message can be sent to.
func ValidPhoneNumber(s string) bool { return e164.MatchString(s) }

// MaxPhoneNumber is the most characters a phone number attribute holds.
const MaxPhoneNumber = 64

// NormalizePhoneNumber returns s in E.164 form when s is one written with
// spaces, dots, dashes or brackets among its digits (+1 (415) 555-0100),
// and s unchanged otherwise: a number without its country code cannot be
// put in that form, so it is kept as the app gave it, and refused only
// when a text is to be sent to it.
func NormalizePhoneNumber(s string) string {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "+") {
		return s
	}
	digits := make([]byte, 1, len(t))
	digits[0] = '+'
	for i := 1; i < len(t); i++ {
		switch c := t[i]; {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return s
		}
	}
	if n := string(digits); ValidPhoneNumber(n) {
		return n
	}
	return s
}

// checkAttributes validates user attributes; empty strings are not checked.
// A phone number need not be in E.164 form: it only has to be when a text
// is sent to it.
func checkAttributes(email, phone, username string, custom map[string]any) error {
	if email != "" && !ValidEmail(email) {
		return model.Invalid("email %q is not a valid email address", model.Excerpt(email))
	}
	if prob := (model.TextRule{Max: MaxPhoneNumber}).Problem(phone); prob != "" {
		return model.Invalid("phoneNumber %s", prob)
	}
	if username != "" && (utf8.RuneCountInString(username) > 255 || !utf8.ValidString(username)) {
		return model.Invalid("username must be at most 255 characters of valid text")
	}
	if len(custom) > 50 {
		return model.Invalid("custom holds at most 50 keys")
	}
	for k, v := range custom {
		if k == "" || len(k) > 64 {
			return model.Invalid("custom keys must be 1 to 64 characters")
		}
		switch v := v.(type) {
		case bool, float64:
		case string:
			if len(v) > 1024 {
				return model.Invalid("custom value %q is longer than 1024 characters", model.Excerpt(k))
			}
		default:
			return model.Invalid("custom value %q must be a string, number or boolean", model.Excerpt(k))
		}
	}
	return nil
}

// Profile is what a user has enrolled and may use.
type Profile struct {
	Authenticators []model.Authenticator
	Enrolled       []model.VerificationMethod
	Allowed        []model.VerificationMethod
	Default        model.VerificationMethod
}

// UserProfile loads a user's authenticators and the methods they may use
// outside any particular action.
func (s *Service) UserProfile(ctx context.Context, u model.User) (Profile, error) {
	auths, err := s.store.Authenticators(ctx, u.TenantID, u.ID)
	if err != nil {
		return Profile{}, err
	}
	p := Profile{Authenticators: auths, Enrolled: model.EnrolmentOf(auths).Methods, Allowed: s.offeredOf(defaultMethods)}
	p.Default = defaultMethod(model.ActionConfig{}, p.Enrolled, p.Allowed)
	for _, a := range auths {
		if a.IsDefault && !a.VerifiedAt.IsZero() && slices.Contains(p.Allowed, a.Method) {
			p.Default = a.Method
		}
	}
	return p, nil
}

var localePattern = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,3}$`)

// validLocale reports whether s is empty or looks like a BCP 47 tag.
func validLocale(s string) bool { return s == "" || localePattern.MatchString(s) }
