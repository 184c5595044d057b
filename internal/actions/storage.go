package actions

import (
	"context"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/policy"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// Queries is what actions reads and writes in the store, inside a
// transaction or not.
type Queries interface {
	policy.Queries
	webhooks.Outbox
	Action(ctx context.Context, tenantID, idempotencyKey string) (model.Action, error)
	ActionHistory(ctx context.Context, tenantID, idempotencyKey string) ([]model.StateChange, error)
	ActionState(ctx context.Context, tenantID, idempotencyKey string) (model.Action, error)
	ActionUpliftEvents(ctx context.Context, tenantID, userID string, keys []string) ([]model.UpliftEvent, error)
	Authenticators(ctx context.Context, tenantID, userID string) ([]model.Authenticator, error)
	ClaimCodeChallenge(ctx context.Context, tenantID, id string, now time.Time) error
	ClaimCodeChallengeUnverified(ctx context.Context, tenantID, id string, now time.Time) error
	CodeChallenge(ctx context.Context, tenantID, id string, kind model.CodeChallengeKind) (model.CodeChallenge, error)
	CodeLockout(ctx context.Context, tenantID, subject string, method model.VerificationMethod) (model.CodeLockout, error)
	CreateAuthenticator(ctx context.Context, a model.Authenticator) error
	CreateUserIfMissing(ctx context.Context, u model.User) (bool, error)
	DeleteAuthenticator(ctx context.Context, tenantID, userID, id string) error
	DeleteUser(ctx context.Context, tenantID, userID string) error
	EnsureActionConfig(ctx context.Context, c model.ActionConfig) (model.ActionConfig, error)
	FindCodeChallenge(ctx context.Context, tenantID string, cq model.ChallengeQuery) (model.CodeChallenge, error)
	InsertAction(ctx context.Context, na model.NewAction) (stored model.Action, created bool, err error)
	NoteActionCreated(ctx context.Context, tenantID, code string, at time.Time) error
	PurgeOrphanDevices(ctx context.Context, cutoff time.Time) (int64, error)
	QueryActions(ctx context.Context, tenantID, userID string, aq model.ActionQuery) ([]model.Action, error)
	QueryUsers(ctx context.Context, tenantID string, uq model.UserQuery) ([]model.User, error)
	SearchUsers(ctx context.Context, tenantID string, us model.UserSearch) ([]model.UserSummary, error)
	SetActionState(ctx context.Context, a model.Action) error
	SetAuthenticatorVerified(ctx context.Context, a model.Authenticator) error
	SetDeviceCapabilities(ctx context.Context, tenantID, id string, caps map[string]any, at time.Time) error
	TouchDevice(ctx context.Context, d model.Device) error
	UpdateUser(ctx context.Context, u model.User) error
	User(ctx context.Context, tenantID, userID string) (model.User, error)
	UserDeviceList(ctx context.Context, tenantID, userID string, limit int) ([]model.UserDevice, error)
	UserDevicePasskeys(ctx context.Context, tenantID, userID string) ([]model.DevicePasskey, error)
	UserFacts(ctx context.Context, tenantID, userID, deviceID string) (model.UserFacts, error)
}

// Store is the store outside a transaction: InTx runs fn inside one and
// commits when it returns nil.
type Store interface {
	Queries
	InTx(ctx context.Context, fn func(q Queries) error) error
	Ping(ctx context.Context) error
}
