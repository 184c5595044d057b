package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
)

func newSession(tenantID, userID, id, actionKey string, created time.Time) model.Session {
	return model.Session{TenantID: tenantID, ID: id, UserID: userID, ClientID: "web", VerificationMethod: model.MethodEmailOTP,
		ActionKey: actionKey, AccessTokenID: "jti-" + id, CreatedAt: created, RefreshedAt: created,
		ExpiresAt: created.Add(time.Hour), TokenExpiresAt: created.Add(10 * time.Minute)}
}

func refreshOf(s model.Session, hash string, created time.Time) model.RefreshToken {
	return model.RefreshToken{Hash: []byte(hash), TenantID: s.TenantID, SessionID: s.ID, CreatedAt: created}
}

func TestSessionKeysAndSettings(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "t1", at(0))
		mustCreateTenant(t, s, "t2", at(0))
		if keys, err := s.SessionKeys(ctx, "t1"); err != nil || len(keys) != 0 {
			t.Fatalf("SessionKeys of a new tenant = %v, %v", keys, err)
		}
		old := model.SessionKey{TenantID: "t1", ID: "k-old", PrivateKey: []byte{0, 1, 0xff}, CreatedAt: at(1)}
		recent := model.SessionKey{TenantID: "t1", ID: "k-new", PrivateKey: []byte{2}, CreatedAt: at(2)}
		for _, k := range []model.SessionKey{old, recent} {
			if err := s.CreateSessionKey(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreateSessionKey(ctx, old); !errors.Is(err, model.ErrConflict) {
			t.Errorf("the same key twice: %v, want conflict", err)
		}
		keys, err := s.SessionKeys(ctx, "t1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(keys, []model.SessionKey{recent, old}); diff != "" {
			t.Errorf("keys (-got +want):\n%s", diff)
		}
		if k, err := s.SessionKey(ctx, "t1", "k-old"); err != nil || !cmp.Equal(k, old) {
			t.Errorf("SessionKey = %v, %v", k, err)
		}
		if _, err := s.SessionKey(ctx, "t2", "k-old"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("another tenant's key: %v, want not found", err)
		}

		if _, err := s.SessionSettings(ctx, "t1"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("settings never set: %v, want not found", err)
		}
		for _, st := range []model.SessionSettings{
			{TenantID: "t1", AccessTokenTTL: 5 * time.Minute, RefreshTokenTTL: 24 * time.Hour, UpdatedAt: at(3)},
			{TenantID: "t1", AccessTokenTTL: time.Minute, RefreshTokenTTL: 48 * time.Hour, UpdatedAt: at(4)},
		} {
			if err := s.SetSessionSettings(ctx, st); err != nil {
				t.Fatal(err)
			}
			if got, err := s.SessionSettings(ctx, "t1"); err != nil || !cmp.Equal(got, st) {
				t.Errorf("SessionSettings = %+v, %v; want %+v", got, err, st)
			}
		}
		if err := s.SetSessionSettings(ctx, model.SessionSettings{TenantID: "nobody", AccessTokenTTL: time.Minute}); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("settings of no tenant: %v, want not found", err)
		}
	})
}

func TestSessionsRotateRevokeAndPurge(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mustCreateTenant(t, s, "t1", at(0))
		mustCreateTenant(t, s, "t2", at(0))
		mustCreateUser(t, s, newUser("t1", "ada", at(0)))
		mustCreateUser(t, s, newUser("t1", "bo", at(0)))
		s1 := newSession("t1", "ada", "s1", "action-1", at(10))
		if err := s.CreateSession(ctx, s1, refreshOf(s1, "h1", at(10))); err != nil {
			t.Fatal(err)
		}
		// One action makes one session, and the refresh token goes with the failed insert.
		dup := newSession("t1", "ada", "s-dup", "action-1", at(11))
		if err := s.CreateSession(ctx, dup, refreshOf(dup, "h-dup", at(11))); !errors.Is(err, model.ErrConflict) {
			t.Errorf("a second session of the action: %v, want conflict", err)
		}
		if _, err := s.RefreshToken(ctx, "t1", []byte("h-dup")); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("the refused session's refresh token: %v, want not found", err)
		}
		if err := s.CreateSession(ctx, newSession("t1", "nobody", "s-x", "a-x", at(11)), model.RefreshToken{}); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("a session of no user: %v, want not found", err)
		}
		if got, err := s.Session(ctx, "t1", "s1"); err != nil || !cmp.Equal(got, s1) {
			t.Errorf("Session = %+v, %v; want %+v", got, err, s1)
		}
		if _, err := s.Session(ctx, "t2", "s1"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("another tenant's session: %v", err)
		}
		if _, err := s.RefreshToken(ctx, "t2", []byte("h1")); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("another tenant's refresh token: %v", err)
		}

		// A refresh token is used once.
		if err := s.UseRefreshToken(ctx, "t2", []byte("h1"), at(20)); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("another tenant uses it: %v", err)
		}
		if err := s.UseRefreshToken(ctx, "t1", []byte("h1"), at(20)); err != nil {
			t.Fatal(err)
		}
		if err := s.UseRefreshToken(ctx, "t1", []byte("h1"), at(21)); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("used twice: %v, want not found", err)
		}
		if rt, err := s.RefreshToken(ctx, "t1", []byte("h1")); err != nil || !rt.UsedAt.Equal(at(20)) || rt.SessionID != "s1" {
			t.Errorf("RefreshToken = %+v, %v", rt, err)
		}
		if err := s.CreateRefreshToken(ctx, refreshOf(s1, "h2", at(20))); err != nil {
			t.Fatal(err)
		}
		if err := s.RotateSession(ctx, "t1", "s1", "jti-2", at(20), at(20+3600)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Session(ctx, "t1", "s1"); got.AccessTokenID != "jti-2" || !got.RefreshedAt.Equal(at(20)) || !got.ExpiresAt.Equal(at(3620)) {
			t.Errorf("rotated session = %+v", got)
		}

		// Revoking ends the session at once; a revoked session does not rotate.
		if err := s.RevokeSession(ctx, "t2", "s1", at(30)); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("another tenant revokes it: %v", err)
		}
		if err := s.RevokeSession(ctx, "t1", "s1", at(30)); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeSession(ctx, "t1", "s1", at(40)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Session(ctx, "t1", "s1"); !got.RevokedAt.Equal(at(30)) || !got.ExpiresAt.Equal(at(30)) {
			t.Errorf("revoked session = %+v", got)
		}
		if err := s.RotateSession(ctx, "t1", "s1", "jti-3", at(40), at(4000)); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("rotating a revoked session: %v, want not found", err)
		}

		// A user's sessions are revoked together, nobody else's.
		s2, s3, s4 := newSession("t1", "ada", "s2", "action-2", at(50)), newSession("t1", "ada", "s3", "action-3", at(50)),
			newSession("t1", "bo", "s4", "action-4", at(50))
		for i, x := range []model.Session{s2, s3, s4} {
			if err := s.CreateSession(ctx, x, refreshOf(x, "h-"+x.ID, at(50))); err != nil {
				t.Fatal(i, err)
			}
		}
		if n, err := s.RevokeUserSessions(ctx, "t2", "ada", at(60)); err != nil || n != 0 {
			t.Errorf("another tenant revokes ada's: %d, %v", n, err)
		}
		if n, err := s.RevokeUserSessions(ctx, "t1", "ada", at(60)); err != nil || n != 2 {
			t.Errorf("RevokeUserSessions = %d, %v; want 2", n, err)
		}
		if got, _ := s.Session(ctx, "t1", "s4"); !got.RevokedAt.IsZero() {
			t.Errorf("bo's session was revoked too")
		}

		// Purge: ended sessions whose action token expired go, with their
		// refresh tokens; used refresh tokens go after their cutoff.
		if n, err := s.PurgeUsedRefreshTokens(ctx, at(20)); err != nil || n != 0 {
			t.Errorf("PurgeUsedRefreshTokens at the use = %d, %v", n, err)
		}
		if n, err := s.PurgeUsedRefreshTokens(ctx, at(21)); err != nil || n != 1 {
			t.Errorf("PurgeUsedRefreshTokens after the use = %d, %v; want 1", n, err)
		}
		// s1 ended at 30 and its token expires at 610; s2 and s3 ended at 60, tokens at 650.
		if n, err := s.PurgeSessions(ctx, at(611)); err != nil || n != 1 {
			t.Errorf("PurgeSessions(611) = %d, %v; want 1", n, err)
		}
		if _, err := s.RefreshToken(ctx, "t1", []byte("h2")); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("a purged session's refresh token: %v", err)
		}
		if n, err := s.PurgeSessions(ctx, at(651)); err != nil || n != 2 {
			t.Errorf("PurgeSessions(651) = %d, %v; want 2", n, err)
		}
		if _, err := s.Session(ctx, "t1", "s4"); err != nil {
			t.Errorf("a live session went with the purge: %v", err)
		}
		// Deleting a user deletes their sessions.
		if err := s.DeleteUser(ctx, "t1", "bo"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, "t1", "s4"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("a deleted user's session: %v", err)
		}
	})
}
