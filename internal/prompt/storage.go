package prompt

import (
	"context"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// Queries is what prompt reads and writes in the store, inside a
// transaction or not.
type Queries interface {
	webhooks.Outbox
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
	// Where shown (anywhere.go, surfaces.go) and the diagnosis's events.
	UnansweredPromptSurface(ctx context.Context, tenantID, userID, deviceID, idempotencyKey string) (model.PromptSurface, error)
	PromptShowings(ctx context.Context, tenantID, userID, deviceID, idempotencyKey string) (eligible, shown int, err error)
	UpliftSurfaceCounts(ctx context.Context, tenantID string, from, to time.Time) ([]model.SurfaceEventCount, error)
	DeviceUpliftEvents(ctx context.Context, tenantID, userID, deviceID string, limit int) ([]model.UpliftEvent, error)
	UpliftOptOut(ctx context.Context, tenantID, userID string) (time.Time, error)
	User(ctx context.Context, tenantID, userID string) (model.User, error)

	// The analytics' reads and the message prices (analytics.go).
	DeviceCoverage(ctx context.Context, tenantID string, from, to time.Time) (model.DeviceCoverage, error)
	FallbackSignIns(ctx context.Context, tenantID string, from, to time.Time) (model.Fallbacks, error)
	MessagePrices(ctx context.Context, tenantID string) (model.MessagePrices, error)
	PasskeyGroups(ctx context.Context, tenantID string, from, to time.Time) ([]model.PasskeyGroup, error)
	PromptAttempts(ctx context.Context, tenantID string, from, to time.Time) ([]model.PromptAttemptCount, error)
	ProviderName(ctx context.Context, aaguid string) (model.ProviderName, error)
	SaveMessagePrices(ctx context.Context, tenantID string, p model.MessagePrices, at time.Time) error
	SavedMessages(ctx context.Context, tenantID string, from, to time.Time) (model.SavedMessages, error)
	SignInsByMethod(ctx context.Context, tenantID string, from, to time.Time) ([]model.MethodDayCount, error)
	UpliftEventGroups(ctx context.Context, tenantID string, from, to time.Time) ([]model.UpliftEventGroup, error)
	VariantLabels(ctx context.Context, tenantID string) ([]model.VariantLabel, error)
}

// Store is the store outside a transaction: InTx runs fn inside one and
// commits when it returns nil.
type Store interface {
	Queries
	InTx(ctx context.Context, fn func(q Queries) error) error
	// FoldAnalytics counts the writes waiting to be counted into the
	// analytics' totals, the tenant's (every tenant's when empty), and
	// returns how many it counted.
	FoldAnalytics(ctx context.Context, tenantID string) (int, error)
}
