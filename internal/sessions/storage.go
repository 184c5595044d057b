package sessions

import (
	"context"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// Queries is what sessions reads and writes in the store, inside a
// transaction or not.
type Queries interface {
	CreateRefreshToken(ctx context.Context, rt model.RefreshToken) error
	CreateSession(ctx context.Context, s model.Session, refresh model.RefreshToken) error
	CreateSessionKey(ctx context.Context, k model.SessionKey) error
	PurgeSessions(ctx context.Context, cutoff time.Time) (int64, error)
	PurgeUsedRefreshTokens(ctx context.Context, cutoff time.Time) (int64, error)
	RefreshToken(ctx context.Context, tenantID string, hash []byte) (model.RefreshToken, error)
	RevokeSession(ctx context.Context, tenantID, id string, now time.Time) error
	RevokeUserSessions(ctx context.Context, tenantID, userID string, now time.Time) (int64, error)
	RotateSession(ctx context.Context, tenantID, id, accessTokenID string, now, expires time.Time) error
	Session(ctx context.Context, tenantID, id string) (model.Session, error)
	SessionKey(ctx context.Context, tenantID, id string) (model.SessionKey, error)
	SessionKeys(ctx context.Context, tenantID string) ([]model.SessionKey, error)
	SessionSettings(ctx context.Context, tenantID string) (model.SessionSettings, error)
	SetSessionSettings(ctx context.Context, s model.SessionSettings) error
	UseRefreshToken(ctx context.Context, tenantID string, hash []byte, now time.Time) error
}

// Store is the store outside a transaction: InTx runs fn inside one and
// commits when it returns nil.
type Store interface {
	Queries
	InTx(ctx context.Context, fn func(q Queries) error) error
}
