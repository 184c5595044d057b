// Package flows holds Uplift's operations independent of HTTP: tenants and
// keys, tracking actions, validating tokens, users and their
// authenticators. Surfaces (the JSON APIs, the hosted UI, the CLI) call it.
package flows

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/store"
)

// storeQueries is the store's query set, inside or outside a transaction.
type storeQueries = store.Queries

// Service runs the flows over a store.
type Service struct {
	store     *store.Store
	log       *slog.Logger
	now       func() time.Time
	rand      io.Reader
	publicURL string
	prepared  *preparedCache
	tenants   *tenantCache
	// challenges keeps the sign-in challenges this instance began.
	challenges *challengeCache
	email      notify.EmailSender
	sms        notify.SMSSender
	// ceilings caps each tenant's code sends an hour, by method.
	ceilings SendCeilings
}

// Options configures a Service. Now and Rand default to the real clock and
// crypto/rand. Without Email, email codes are off; without SMS, text
// message codes are off.
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
	SendCeilings SendCeilings
	// TenantCacheTTL is how long tenants and action configurations are
	// used as read, by the Now clock: 0 means DefaultTenantCacheTTL, less
	// than 0 reads them on every use.
	TenantCacheTTL time.Duration
}

// New returns a Service.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.TenantCacheTTL == 0 {
		o.TenantCacheTTL = DefaultTenantCacheTTL
	}
	o.SendCeilings = o.SendCeilings.withDefaults()
	return &Service{store: o.Store, log: o.Log, now: o.Now, rand: o.Rand, publicURL: o.PublicURL,
		prepared: &preparedCache{}, tenants: newTenantCache(o.TenantCacheTTL), challenges: newChallengeCache(), email: o.Email, sms: o.SMS,
		ceilings: o.SendCeilings}
}

// Store returns the store the service runs on.
func (s *Service) Store() *store.Store { return s.store }

// Now returns the service clock's current time, truncated to the
// microsecond the store keeps.
func (s *Service) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func (s *Service) randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		panic("flows: no randomness: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	return b
}

// newID returns a new identifier: a version 7 UUID (RFC 9562), whose
// first 48 bits are the time in milliseconds and whose other 74 are
// random. Rows keyed by new ids (actions by idempotency key, above all)
// are then added at the end of their indexes, on pages the database has
// at hand, rather than on a random page of an index that outgrows memory.
func (s *Service) newID() string {
	var id uuid.UUID
	if _, err := io.ReadFull(s.rand, id[6:]); err != nil {
		panic("flows: no randomness: " + err.Error())
	}
	ms := s.now().UnixMilli()
	for i := 5; i >= 0; i-- {
		id[i], ms = byte(ms), ms>>8
	}
	id[6] = 0x70 | id[6]&0x0f // version 7
	id[8] = 0x80 | id[8]&0x3f // variant of RFC 9562
	return id.String()
}

func (s *Service) randomToken(n int) string {
	return base64.RawURLEncoding.EncodeToString(s.randomBytes(n))
}

func isNotFound(err error) bool { return errors.Is(err, model.ErrNotFound) }
