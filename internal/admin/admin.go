// Package admin holds the admin console's people: invitations that make
// their holder an admin of a tenant, admins' passkeys on the console's own
// relying party, and their sessions.
package admin

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uplift-dev/uplift/internal/ceremony"
	"github.com/uplift-dev/uplift/internal/ids"
	"github.com/uplift-dev/uplift/internal/model"
)

// Service runs the console's invitations, sign-ins and sessions.
type Service struct {
	ids.Source
	store     Store
	log       *slog.Logger
	publicURL string
}

// New returns the service over st; publicURL is where the console is
// served, and gives the admins' relying party.
func New(st Store, log *slog.Logger, src ids.Source, publicURL string) *Service {
	return &Service{Source: src, store: st, log: log, publicURL: publicURL}
}

// Lifetimes of the console's invitations and sessions.
const (
	// AdminInviteTTL is how long an invitation link stays usable.
	AdminInviteTTL = 24 * time.Hour
	// AdminSessionTTL is how long a console sign-in lasts.
	AdminSessionTTL = 12 * time.Hour
)

// ConsolePath is where the admin console is served, under the public URL.
const ConsolePath = "/console"

// errConsoleSignIn is the one answer to a console sign-in that fails
// for any reason tied to the credential, so it reveals nothing more.
var errConsoleSignIn = model.Errorf(model.ErrUnauthenticated, "invalid_credential",
	"this passkey cannot sign in to the console")

// ConsoleRelyingParty is the relying party of admins' passkeys: the host
// and origin of the public URL the console is served at, the same for
// every tenant, so one passkey signs its admin in to their own tenant.
func (s *Service) ConsoleRelyingParty() (ceremony.RelyingParty, error) {
	u, err := url.Parse(s.publicURL)
	if err != nil || u.Hostname() == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ceremony.RelyingParty{}, fmt.Errorf("the console needs a public URL such as https://auth.example.com, got %q", s.publicURL)
	}
	return ceremony.RelyingParty{ID: u.Hostname(), Name: "Uplift console",
		Origins: []string{strings.ToLower(u.Scheme + "://" + u.Host)}}, nil
}

// AdminInviteLink is a one-time link that makes its holder an admin.
type AdminInviteLink struct {
	URL       string
	ExpiresAt time.Time
}

// CreateAdminInvite issues a one-time link that lets one person become
// an admin of the tenant with their passkey.
func (s *Service) CreateAdminInvite(ctx context.Context, tenantID string) (AdminInviteLink, error) {
	if _, err := s.ConsoleRelyingParty(); err != nil {
		return AdminInviteLink{}, err
	}
	if _, err := s.store.Tenant(ctx, tenantID); err != nil {
		return AdminInviteLink{}, err
	}
	token := s.RandomToken(32)
	now := s.Now()
	inv := model.AdminInvite{TokenHash: hashToken(token), TenantID: tenantID, CreatedAt: now, ExpiresAt: now.Add(AdminInviteTTL)}
	if err := s.store.CreateAdminInvite(ctx, inv); err != nil {
		return AdminInviteLink{}, err
	}
	return AdminInviteLink{URL: strings.TrimRight(s.publicURL, "/") + ConsolePath + "/invite/" + token, ExpiresAt: inv.ExpiresAt}, nil
}

// AdminInviteTenant returns the tenant an invitation is for, while it can
// still be used.
func (s *Service) AdminInviteTenant(ctx context.Context, token string) (model.Tenant, error) {
	inv, err := s.store.AdminInvite(ctx, hashToken(token), s.Now())
	if err != nil {
		return model.Tenant{}, err
	}
	return s.store.Tenant(ctx, inv.TenantID)
}

// checkAdminName accepts a display name for an admin: 1 to 100 characters
// with no control characters.
func checkAdminName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", model.Errorf(model.ErrInvalid, "invalid_name", "enter your name, 1 to 100 characters")
	}
	return name, nil
}

// BeginAdminEnrollment starts the passkey registration of the person
// holding an invitation. It returns the creation options and the id of
// the ceremony to finish.
func (s *Service) BeginAdminEnrollment(ctx context.Context, token, name string) (options json.RawMessage, ceremonyID string, err error) {
	if name, err = checkAdminName(name); err != nil {
		return nil, "", err
	}
	rp, err := s.ConsoleRelyingParty()
	if err != nil {
		return nil, "", err
	}
	if _, err := s.store.AdminInvite(ctx, hashToken(token), s.Now()); err != nil {
		return nil, "", err
	}
	handle := s.RandomBytes(32)
	options, session, err := ceremony.BeginRegistration(rp, ceremony.User{Handle: handle, Name: name, DisplayName: name},
		ceremony.RegistrationOptions{UserVerification: model.UVRequired})
	if err != nil {
		return nil, "", err
	}
	now := s.Now()
	c := model.AdminCeremony{ID: s.NewID(), InviteHash: hashToken(token), AdminName: name, Handle: handle,
		Session: session, ExpiresAt: now.Add(ceremony.Timeout)}
	if err := s.store.CreateAdminCeremony(ctx, c); err != nil {
		return nil, "", err
	}
	return options, c.ID, nil
}

// AdminSignIn is a new console session: the token for the admin's
// cookie and what it grants.
type AdminSignIn struct {
	Token     string
	Admin     model.Admin
	ExpiresAt time.Time
}

// FinishAdminEnrollment verifies the registration response of an
// invitation's ceremony, then, in one transaction, uses up the
// invitation, creates the admin with their passkey and signs them in.
func (s *Service) FinishAdminEnrollment(ctx context.Context, token, ceremonyID string, response []byte) (AdminSignIn, error) {
	rp, err := s.ConsoleRelyingParty()
	if err != nil {
		return AdminSignIn{}, err
	}
	c, err := s.store.ClaimAdminCeremony(ctx, ceremonyID, s.Now())
	if err != nil {
		return AdminSignIn{}, err
	}
	hash := hashToken(token)
	if len(c.InviteHash) == 0 || string(c.InviteHash) != string(hash) {
		return AdminSignIn{}, model.Errorf(model.ErrForbidden, "invalid_request", "this passkey request belongs to another invitation")
	}
	p, err := ceremony.FinishRegistration(rp, ceremony.User{Handle: c.Handle, Name: c.AdminName, DisplayName: c.AdminName},
		c.Session, response, false)
	if err != nil {
		return AdminSignIn{}, err
	}
	now := s.Now()
	p.CreatedAt = now
	var out AdminSignIn
	err = s.store.InTx(ctx, func(q Queries) error {
		tenantID, err := q.ClaimAdminInvite(ctx, hash, now)
		if err != nil {
			return err
		}
		a := model.Admin{ID: s.NewID(), TenantID: tenantID, Name: c.AdminName, Handle: c.Handle, CreatedAt: now}
		if err := q.CreateAdmin(ctx, a); err != nil {
			return err
		}
		if err := q.CreateAdminPasskey(ctx, a.ID, p); err != nil {
			return err
		}
		out, err = s.startAdminSession(ctx, q, a)
		return err
	})
	if err != nil {
		return AdminSignIn{}, err
	}
	s.log.Info("console admin enrolled", "tenant", out.Admin.TenantID, "admin", out.Admin.ID)
	return out, nil
}

// BeginAdminSignIn starts a username-less console sign-in.
func (s *Service) BeginAdminSignIn(ctx context.Context) (options json.RawMessage, ceremonyID string, err error) {
	rp, err := s.ConsoleRelyingParty()
	if err != nil {
		return nil, "", err
	}
	options, session, err := ceremony.BeginLogin(rp, nil, model.UVRequired)
	if err != nil {
		return nil, "", err
	}
	now := s.Now()
	c := model.AdminCeremony{ID: s.NewID(), Session: session, ExpiresAt: now.Add(ceremony.Timeout)}
	if err := s.store.CreateAdminCeremony(ctx, c); err != nil {
		return nil, "", err
	}
	return options, c.ID, nil
}

// FinishAdminSignIn verifies a console sign-in and starts a session for
// the admin whose passkey signed.
func (s *Service) FinishAdminSignIn(ctx context.Context, ceremonyID string, response []byte) (AdminSignIn, error) {
	rp, err := s.ConsoleRelyingParty()
	if err != nil {
		return AdminSignIn{}, err
	}
	c, err := s.store.ClaimAdminCeremony(ctx, ceremonyID, s.Now())
	if err != nil {
		return AdminSignIn{}, err
	}
	if len(c.InviteHash) != 0 {
		return AdminSignIn{}, model.Errorf(model.ErrForbidden, "invalid_request", "this passkey request is not a sign-in")
	}
	assertion, err := ceremony.ParseAssertion(response)
	if err != nil {
		return AdminSignIn{}, err
	}
	stored, err := s.store.AdminPasskey(ctx, assertion.CredentialID())
	if errors.Is(err, model.ErrNotFound) {
		return AdminSignIn{}, errConsoleSignIn
	}
	if err != nil {
		return AdminSignIn{}, err
	}
	a, err := s.store.Admin(ctx, stored.UserID)
	if err != nil {
		return AdminSignIn{}, err
	}
	passkeys, err := s.store.AdminPasskeys(ctx, a.ID)
	if err != nil {
		return AdminSignIn{}, err
	}
	login, err := ceremony.FinishLogin(rp, ceremony.User{Handle: a.Handle, Name: a.Name, DisplayName: a.Name, Passkeys: passkeys}, c.Session, assertion)
	if err != nil {
		s.log.Warn("console sign-in refused", "tenant", a.TenantID, "admin", a.ID, "err", err)
		if errors.Is(err, model.ErrInvalid) || errors.Is(err, model.ErrForbidden) {
			return AdminSignIn{}, errConsoleSignIn
		}
		return AdminSignIn{}, err
	}
	login.Passkey.LastVerifiedAt = s.Now()
	var out AdminSignIn
	err = s.store.InTx(ctx, func(q Queries) error {
		if err := q.RecordAdminSignIn(ctx, login.Passkey, stored.SignCount); err != nil {
			return err
		}
		out, err = s.startAdminSession(ctx, q, a)
		return err
	})
	if err != nil {
		return AdminSignIn{}, err
	}
	s.log.Info("console sign-in", "tenant", a.TenantID, "admin", a.ID)
	return out, nil
}

func (s *Service) startAdminSession(ctx context.Context, q Queries, a model.Admin) (AdminSignIn, error) {
	token := s.RandomToken(32)
	now := s.Now()
	sess := model.AdminSession{TokenHash: hashToken(token), AdminID: a.ID, TenantID: a.TenantID,
		CreatedAt: now, ExpiresAt: now.Add(AdminSessionTTL)}
	if err := q.CreateAdminSession(ctx, sess); err != nil {
		return AdminSignIn{}, err
	}
	return AdminSignIn{Token: token, Admin: a, ExpiresAt: sess.ExpiresAt}, nil
}

// ConsoleSession is a signed-in admin and the tenant they manage.
type ConsoleSession struct {
	Admin     model.Admin
	Tenant    model.Tenant
	ExpiresAt time.Time
}

// AdminSession returns the session a console cookie's token opens, or an
// unauthenticated error when it is unknown or expired.
func (s *Service) AdminSession(ctx context.Context, token string) (ConsoleSession, error) {
	if token == "" {
		return ConsoleSession{}, model.Errorf(model.ErrUnauthenticated, "unauthenticated", "please sign in to the console")
	}
	sess, err := s.store.AdminSession(ctx, hashToken(token), s.Now())
	if err != nil {
		return ConsoleSession{}, err
	}
	a, err := s.store.Admin(ctx, sess.AdminID)
	if err != nil {
		return ConsoleSession{}, err
	}
	t, err := s.store.Tenant(ctx, sess.TenantID)
	if err != nil {
		return ConsoleSession{}, err
	}
	return ConsoleSession{Admin: a, Tenant: t, ExpiresAt: sess.ExpiresAt}, nil
}

// EndAdminSession signs a console session out.
func (s *Service) EndAdminSession(ctx context.Context, token string) error {
	return s.store.DeleteAdminSession(ctx, hashToken(token))
}

// Admins lists a tenant's console admins.
func (s *Service) Admins(ctx context.Context, tenantID string) ([]model.Admin, error) {
	return s.store.Admins(ctx, tenantID)
}

// hashToken is how invitation and session tokens are stored.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte("uplift-console\x00" + token))
	return h[:]
}

// Purged counts the console's rows a purge deleted.
type Purged struct {
	Ceremonies, Sessions, Invitations int64
}

// PurgeExpired deletes the console ceremonies, sessions and invitations
// that expired before cutoff.
func (s *Service) PurgeExpired(ctx context.Context, cutoff time.Time) (Purged, error) {
	var p Purged
	var err error
	if p.Ceremonies, err = s.store.PurgeAdminCeremonies(ctx, cutoff); err != nil {
		return p, err
	}
	if p.Sessions, err = s.store.PurgeAdminSessions(ctx, cutoff); err != nil {
		return p, err
	}
	p.Invitations, err = s.store.PurgeAdminInvites(ctx, cutoff)
	return p, err
}
