// Package app builds Uplift's domain services from one set of options,
// for the commands, the server and tests to share one wiring.
package app

import (
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/admin"
	"github.com/uplift-dev/uplift/internal/branding"
	"github.com/uplift-dev/uplift/internal/codes"
	"github.com/uplift-dev/uplift/internal/experiments"
	"github.com/uplift-dev/uplift/internal/ids"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/passkeys"
	"github.com/uplift-dev/uplift/internal/policy"
	"github.com/uplift-dev/uplift/internal/prompt"
	"github.com/uplift-dev/uplift/internal/sessions"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// Options configures the services. Now and Rand default to the real clock
// and crypto/rand, Log to discarding. Without Email, email codes are off;
// without SMS, text message codes are off.
type Options struct {
	Store     *store.Store
	Log       *slog.Logger
	Now       func() time.Time
	Rand      io.Reader
	PublicURL string
	Email     notify.EmailSender
	SMS       notify.SMSSender
	// SendCeilings caps each tenant's email and text message code sends an
	// hour; zero fields take the defaults.
	SendCeilings codes.SendCeilings
	// TenantCacheTTL is how long tenants and action configurations are
	// used as read: 0 means tenancy.DefaultTenantCacheTTL, less than 0
	// reads them on every use.
	TenantCacheTTL time.Duration
	// WebhookAllowPrivate lets webhooks use http and reach private and
	// loopback addresses; WebhookRetryBase is the wait after a first
	// failed delivery (0 means webhooks.DefaultRetryBase).
	WebhookAllowPrivate bool
	WebhookRetryBase    time.Duration
	// WebhookClient posts webhook deliveries; nil means
	// webhooks.NewClient(WebhookAllowPrivate).
	WebhookClient *http.Client
	// Events hears of sign-ins, challenges, code sends and the uplift
	// prompt, for the metrics; nil: nothing does.
	Events model.Events
}

// App is the domain services over one store.
type App struct {
	// Tenancy holds tenants, their keys, and the tokens of actions.
	Tenancy *tenancy.Service
	// Actions tracks and validates actions, runs their state machine, and
	// holds users, their authenticators and devices.
	Actions *actions.Service
	// Policy holds action configurations, rules, value lists and the
	// passkey settings.
	Policy *policy.Service
	// Passkeys registers passkeys and signs users in with them.
	Passkeys *passkeys.Service
	// Codes sends and checks email, text message and authenticator app
	// codes.
	Codes *codes.Service
	// Admin holds the console's invitations, admins and sessions.
	Admin *admin.Service
	// Prompt decides, records and explains the uplift prompt, and sums
	// it up for the dashboard.
	Prompt *prompt.Service
	// Sessions exchanges succeeded challenges for access and refresh
	// tokens, and checks, refreshes and revokes them.
	Sessions *sessions.Service
	// Webhooks holds the webhook settings and delivers the outbox.
	Webhooks *webhooks.Service
	// Experiments runs experiments on the uplift prompt's copy and says
	// which copy a user sees.
	Experiments *experiments.Service
	// Branding holds each tenant's theme of its pages and emails.
	Branding *branding.Service
}

// New returns the services o describes.
func New(o Options) *App {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	src := ids.New(o.Now, o.Rand)
	tn := tenancy.New(store.Bind[tenancy.Queries](o.Store), o.Log, src, o.PublicURL, o.TenantCacheTTL)
	hooks := webhooks.New(webhooks.Options{Store: store.Bind[webhooks.Queries](o.Store), Log: o.Log, IDs: src,
		PublicURL: o.PublicURL, AllowPrivate: o.WebhookAllowPrivate, RetryBase: o.WebhookRetryBase,
		Client: o.WebhookClient, Forget: tn.ForgetTenant})
	pol := policy.New(store.Bind[policy.Queries](o.Store), o.Log, src, tn)
	fl := actions.New(actions.Options{Store: store.Bind[actions.Queries](o.Store), Log: o.Log, Now: src.Clock, Rand: src.Rand, PublicURL: o.PublicURL,
		Offered: codes.Offered(o.Email, o.SMS), Tenancy: tn, Policy: pol})
	fl.SetWebhooks(hooks)
	cacheTTL := o.TenantCacheTTL
	if cacheTTL == 0 {
		cacheTTL = tenancy.DefaultTenantCacheTTL
	}
	ex := experiments.New(store.Bind[experiments.Queries](o.Store), src, cacheTTL)
	a := &App{
		Experiments: ex,
		Tenancy:     tn,
		Policy:      pol,
		Actions:     fl,
		Passkeys:    passkeys.New(store.Bind[passkeys.Queries](o.Store), o.Log, src, fl, tn, o.Events),
		Codes: codes.New(codes.Options{Store: store.Bind[codes.Queries](o.Store), Log: o.Log, IDs: src, Actions: fl, Tenancy: tn,
			Email: o.Email, SMS: o.SMS, SendCeilings: o.SendCeilings, PublicURL: o.PublicURL, Events: o.Events}),
		Admin:    admin.New(store.Bind[admin.Queries](o.Store), o.Log, src, o.PublicURL),
		Prompt:   prompt.New(store.Bind[prompt.Queries](o.Store), o.Log, src, pol, fl, o.Events),
		Webhooks: hooks,
		Sessions: sessions.New(store.Bind[sessions.Queries](o.Store), o.Log, src, fl, tn, o.PublicURL),
	}
	a.Prompt.SetVariants(ex)
	a.Codes.SetWebhooks(hooks)
	a.Branding = branding.New(branding.Options{Store: store.Bind[branding.Queries](o.Store), Log: o.Log, Now: src.Clock,
		PublicURL: o.PublicURL, CacheTTL: o.TenantCacheTTL})
	a.Codes.SetBranding(a.Branding)
	return a
}
