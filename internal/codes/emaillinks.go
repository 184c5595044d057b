package codes

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/otp"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/token"
)

// Email links (EMAIL_MAGIC_LINK) are code challenges whose secret is a
// link instead of a code: enrolled and challenged like email codes (the
// same enrolment rule and the same send throttles, locks and ceilings,
// shared with them), opened once in any browser, where opening completes
// the enrolment or sign-in and the action; the page that asked learns of
// it by polling EmailLinkStatus with its token.

// LinkPath is the path of the hosted page an email link opens, under the
// public URL. Its query names the tenant (t), the challenge (c) and the
// secret (s).
const LinkPath = "/login/email-link"

// LinkLifetime is how long an email link can be opened.
const LinkLifetime = 10 * time.Minute

// linkSecretBytes is the length of a link's secret before encoding: 256
// random bits, far beyond guessing, so a wrong secret counts nothing.
const linkSecretBytes = 32

// maxLinkField bounds the tenant id, challenge id and secret a link
// carries; anything longer is no link of ours.
const maxLinkField = 128

// Link outcomes, as the link's page reports them.
var (
	errLinkInvalid = model.Errorf(model.ErrNotFound, "link_invalid",
		"this link is not valid; open the newest email you received, or ask for a new one")
	errLinkUsed = model.Errorf(model.ErrConflict, "link_used",
		"this link was already used; each link works once")
	errLinkExpired = model.Errorf(model.ErrInvalid, "link_expired",
		"this link has expired; go back to the app and ask for a new one")
	errLinkReplaced = model.Errorf(model.ErrConflict, "link_replaced",
		"a newer link was sent since this one; open the newest email")
)

// newLinkSecret makes the secret of a new email link, sets its hash and
// expiry on ch, and returns it. Only the secret's SHA-256 is stored: with
// 256 random bits it needs no salt.
func (s *Service) newLinkSecret(ch *model.CodeChallenge) string {
	secret := base64.RawURLEncoding.EncodeToString(s.RandomBytes(linkSecretBytes))
	ch.CodeHash, ch.Salt = linkHash(secret), nil
	ch.ExpiresAt, ch.MaxAttempts = ch.CreatedAt.Add(LinkLifetime), 1
	return secret
}

// linkHash is the stored form of a link's secret.
func linkHash(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// linkURL is the address an email link points at: the hosted link page
// under the public URL, naming the tenant, the challenge and the secret.
func (s *Service) linkURL(ch model.CodeChallenge, secret string) string {
	q := url.Values{"t": {ch.TenantID}, "c": {ch.ID}, "s": {secret}}
	return strings.TrimRight(s.publicURL, "/") + LinkPath + "?" + q.Encode()
}

// EnrollEmailLink starts enrolling an email address for email links by
// sending it a link; opening the link completes the enrolment. The rules
// are those of EnrollContact.
func (s *Service) EnrollEmailLink(ctx context.Context, c tenancy.ClientCaller, email string) (Enrolment, error) {
	return s.EnrollContact(ctx, c, model.MethodEmailMagicLink, email)
}

// ChallengeEmailLink sends a link to the token user's email link
// authenticator and returns the challenge id.
func (s *Service) ChallengeEmailLink(ctx context.Context, c tenancy.ClientCaller) (string, error) {
	return s.ChallengeContact(ctx, c, model.MethodEmailMagicLink)
}

// LinkOpened is what opening an email link did.
type LinkOpened struct {
	// TenantName names the app the link was for.
	TenantName string
	// Enrolled is set when the link completed an enrolment rather than a
	// sign-in.
	Enrolled bool
}

// OpenEmailLink completes the challenge an email link was sent for: its
// secret must match the stored hash (compared in constant time), and it
// must be the newest link of its action, unused and unexpired. A wrong
// secret changes nothing and tells nothing of the challenge. Opening
// completes the enrolment or sign-in and the action, exactly as a right
// code does; a second opening finds the link used.
func (s *Service) OpenEmailLink(ctx context.Context, tenantID, challengeID, secret string) (_ LinkOpened, err error) {
	defer func() { s.events.SignIn(model.MethodEmailMagicLink, model.ResultOf(err)) }()
	for _, f := range []string{tenantID, challengeID, secret} {
		if f == "" || len(f) > maxLinkField {
			return LinkOpened{}, errLinkInvalid
		}
	}
	t, err := s.tenancy.Tenant(ctx, tenantID)
	if errors.Is(err, model.ErrNotFound) {
		return LinkOpened{}, errLinkInvalid
	}
	if err != nil {
		return LinkOpened{}, err
	}
	ch, err := s.store.EmailLinkChallenge(ctx, tenantID, challengeID)
	if errors.Is(err, model.ErrNotFound) {
		return LinkOpened{}, errLinkInvalid
	}
	if err != nil {
		return LinkOpened{}, err
	}
	if subtle.ConstantTimeCompare(linkHash(secret), ch.CodeHash) != 1 {
		return LinkOpened{}, errLinkInvalid
	}
	out := LinkOpened{TenantName: t.Name, Enrolled: ch.Kind == model.CodeEnrol}
	now := s.Now()
	switch {
	case !ch.VerifiedAt.IsZero():
		return out, errLinkUsed
	case !now.Before(ch.ExpiresAt):
		return out, errLinkExpired
	}
	latest, err := s.store.LatestCodeChallenge(ctx, ch.TenantID, ch.UserID, ch.IdempotencyKey, ch.Method,
		model.CodeEnrol, model.CodeSignIn)
	if err != nil {
		return out, err
	}
	if latest.ID != ch.ID {
		return out, errLinkReplaced
	}
	claims := linkClaims(ch)
	if failed, err := s.actions.ActionFailed(ctx, claims); err != nil || failed {
		if err == nil {
			err = model.Errorf(model.ErrForbidden, "forbidden", "the sign-in this link was for has failed; start again")
		}
		return out, err
	}
	read := ch.Attempts
	ch.Attempts, ch.VerifiedAt = read+1, now
	var res CodeVerification
	err = s.store.InTx(ctx, func(q Queries) error {
		if err := q.RecordCodeAttempt(ctx, ch, read); err != nil {
			return err
		}
		return s.settleClientCode(ctx, q, claims, ch, otp.Verified, &res, nil)
	})
	if errors.Is(err, model.ErrStale) {
		return out, errLinkUsed // opened at the same moment elsewhere
	}
	if err != nil {
		return out, err
	}
	s.log.InfoContext(ctx, "email link opened", "tenant", ch.TenantID, "kind", ch.Kind, "challenge", ch.ID)
	return out, nil
}

// linkClaims are the claims of the token a link was asked for with, as
// the challenge recorded them.
func linkClaims(ch model.CodeChallenge) token.Claims {
	return token.Claims{TenantID: ch.TenantID, UserID: ch.UserID, ActionCode: ch.ActionCode,
		IdempotencyKey: ch.IdempotencyKey, DeviceID: ch.DeviceID, Scope: ch.Scope}
}

// EmailLinkStatus answers the page that asked for the action's newest
// email link: not verified while the link is unopened (with
// CODE_INVALID_OR_EXPIRED once it expired), and once it was opened,
// verified with a new token for the action and, for an enrolment, the
// authenticator. Only a token of the same user and action finds the link.
func (s *Service) EmailLinkStatus(ctx context.Context, c tenancy.ClientCaller) (CodeVerification, error) {
	claims, err := c.RequireToken()
	if err != nil {
		return CodeVerification{}, err
	}
	ch, err := s.store.LatestCodeChallenge(ctx, c.Tenant.ID, claims.UserID, claims.IdempotencyKey,
		model.MethodEmailMagicLink, model.CodeEnrol, model.CodeSignIn)
	if errors.Is(err, model.ErrNotFound) {
		return CodeVerification{}, model.Invalid("no email link has been sent for this action; call enroll or challenge first")
	}
	if err != nil {
		return CodeVerification{}, err
	}
	if ch.VerifiedAt.IsZero() {
		if !s.Now().Before(ch.ExpiresAt) {
			return CodeVerification{FailureReason: otp.ReasonCodeInvalidOrExpired}, nil
		}
		return CodeVerification{}, nil
	}
	var res CodeVerification
	if ch.Kind == model.CodeEnrol {
		auths, err := s.store.Authenticators(ctx, ch.TenantID, ch.UserID)
		if err != nil {
			return CodeVerification{}, err
		}
		if a, ok := authenticatorByID(auths, ch.AuthenticatorID); ok {
			res.Authenticator = &a
		}
	}
	return s.finishVerification(c.Tenant, claims, otp.Verified, res, nil)
}
