// Package actions holds what happens to a user's action: tracking it
// (with its user and device), validating its token, its state machine
// (who may complete or fail it, and add an authenticator during it, in
// machine.go), and the users and authenticators it concerns.
package actions

import (
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/uplift-dev/uplift/internal/ids"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/policy"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// Service tracks actions and runs their state machine over a store.
type Service struct {
	// Source is the clock and random source of every record written.
	ids.Source
	store     Store
	log       *slog.Logger
	publicURL string
	policy    *policy.Service
	tenancy   *tenancy.Service
	// offered says which methods this server can challenge users with.
	offered func(model.VerificationMethod) bool
	// webhooks sends action.verify (see SetWebhooks); nil sends none.
	webhooks *webhooks.Service
}

// Options configures a Service. Now and Rand default to the real clock and
// crypto/rand.
type Options struct {
	Store     Store
	Log       *slog.Logger
	Now       func() time.Time
	Rand      io.Reader
	PublicURL string
	// Offered says which methods this server can challenge users with
	// (email and text codes need a sender); nil means every method.
	Offered func(model.VerificationMethod) bool
	// Tenancy finds tenants and action configurations, and issues the
	// tokens of actions.
	Tenancy *tenancy.Service
	// Policy decides an action's outcome from its configuration and rules.
	Policy *policy.Service
}

// New returns a Service.
func New(o Options) *Service {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Offered == nil {
		o.Offered = func(model.VerificationMethod) bool { return true }
	}
	return &Service{Source: ids.New(o.Now, o.Rand), store: o.Store, log: o.Log, publicURL: o.PublicURL,
		policy: o.Policy, tenancy: o.Tenancy, offered: o.Offered}
}

func isNotFound(err error) bool { return errors.Is(err, model.ErrNotFound) }
