package experiments

import (
	"context"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// Queries is what experiments reads and writes in the store, inside a
// transaction or not.
type Queries interface {
	CreateExperiment(ctx context.Context, e model.Experiment) error
	EndExperiment(ctx context.Context, tenantID, id string, status model.ExperimentStatus, winner string, at time.Time) error
	Experiment(ctx context.Context, tenantID, id string) (model.Experiment, error)
	ExperimentCounts(ctx context.Context, tenantID, experimentID string) ([]model.VariantCounts, error)
	Experiments(ctx context.Context, tenantID string) ([]model.Experiment, error)
	PromptCopy(ctx context.Context, tenantID string) (model.PromptCopy, error)
	RecordUpliftEvent(ctx context.Context, e model.UpliftEvent) error
	RunningExperiment(ctx context.Context, tenantID string) (model.Experiment, bool, error)
	SetPromptCopy(ctx context.Context, tenantID string, c model.PromptCopy) error
	UpliftShownIn(ctx context.Context, tenantID, userID, key string) (shown bool, variant string, returned bool, err error)
}

// Store is the store outside a transaction: InTx runs fn inside one and
// commits when it returns nil.
type Store interface {
	Queries
	InTx(ctx context.Context, fn func(q Queries) error) error
}
