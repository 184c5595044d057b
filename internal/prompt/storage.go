package prompt

import (
	"context"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// Queries is what prompt reads and writes in the store, inside a
// transaction or not.
type Queries interface {
	AdoptionByDay(ctx context.Context, tenantID string, from, to time.Time) ([]model.AdoptionDay, error)
	Authenticators(ctx context.Context, tenantID, userID string) ([]model.Authenticator, error)
	Device(ctx context.Context, tenantID, id string) (model.Device, error)
	MarkDeviceHoldsPasskey(ctx context.Context, tenantID, deviceID, userID string, at time.Time) error
	PasskeyOnDevice(ctx context.Context, tenantID, userID, deviceID string) (bool, error)
	QueryActions(ctx context.Context, tenantID, userID string, aq model.ActionQuery) ([]model.Action, error)
	RecordUpliftEvent(ctx context.Context, e model.UpliftEvent) error
	RecordUpliftOptOut(ctx context.Context, tenantID, userID, deviceID string, at time.Time) error
	ResetUpliftOptOut(ctx context.Context, tenantID, userID string) (bool, error)
	UpliftDismissals(ctx context.Context, tenantID, userID, deviceID string) (int, time.Time, error)
	UpliftEventCounts(ctx context.Context, tenantID string, from, to time.Time) ([]model.UpliftEventCount, error)
	UpliftOptOut(ctx context.Context, tenantID, userID string) (time.Time, error)
	User(ctx context.Context, tenantID, userID string) (model.User, error)
}

// Store is the store outside a transaction: InTx runs fn inside one and
// commits when it returns nil.
type Store interface {
	Queries
	InTx(ctx context.Context, fn func(q Queries) error) error
}
