package codes

import (
	"context"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/model"
)

// Queries is what codes reads and writes in the store, inside a
// transaction or not.
type Queries interface {
	actions.Queries
	AdvanceTOTPStep(ctx context.Context, tenantID, authenticatorID string, step int64) error
	CodeLockouts(ctx context.Context, tenantID, subject string) ([]model.CodeLockout, error)
	CodeSendTimes(ctx context.Context, tenantID, subject string, method model.VerificationMethod, since time.Time) ([]time.Time, error)
	CodeSendTimesTo(ctx context.Context, tenantID string, method model.VerificationMethod, destination string, since time.Time) ([]time.Time, error)
	CountCodeSend(ctx context.Context, tenantID string, method model.VerificationMethod, hour int64) (previous, current int, err error)
	CountRefusedSend(ctx context.Context, tenantID string, method model.VerificationMethod, now time.Time) (first bool, err error)
	CreateCodeChallenge(ctx context.Context, c model.CodeChallenge) error
	DeleteCodeChallenge(ctx context.Context, tenantID, id string) error
	EmailLinkChallenge(ctx context.Context, tenantID, id string) (model.CodeChallenge, error)
	DeleteCodeLockout(ctx context.Context, tenantID, subject string, method model.VerificationMethod) (bool, error)
	LatestCodeChallenge(ctx context.Context, tenantID, userID, idempotencyKey string, method model.VerificationMethod, kinds ...model.CodeChallengeKind) (model.CodeChallenge, error)
	LockCodeSubject(ctx context.Context, tenantID, subject string, method model.VerificationMethod, now time.Time) error
	PurgeCodeChallenges(ctx context.Context, cutoff time.Time) (int64, error)
	PurgeCodeLockouts(ctx context.Context, cutoff time.Time) (int64, error)
	PurgeCodeSendCounts(ctx context.Context, hour int64) (int64, error)
	PurgeCodeSendLocks(ctx context.Context, cutoff time.Time) (int64, error)
	RecordCodeAttempt(ctx context.Context, c model.CodeChallenge, readAttempts int) error
	SaveCodeLockout(ctx context.Context, l model.CodeLockout) error
	SaveTOTPSecret(ctx context.Context, a model.Authenticator, secret string, step int64) error
	SendCeilingTrips(ctx context.Context, tenantID string, since time.Time) ([]model.SendCeilingTrip, error)
	TOTPSecret(ctx context.Context, tenantID, authenticatorID string) (secret string, lastStep int64, err error)
	UncountCodeSend(ctx context.Context, tenantID string, method model.VerificationMethod, hour int64) error
}

// Store is the store outside a transaction: InTx runs fn inside one and
// commits when it returns nil.
type Store interface {
	Queries
	InTx(ctx context.Context, fn func(q Queries) error) error
}
