package server

import (
	"context"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/admin"
	"github.com/uplift-dev/uplift/internal/webhooks"
)

// JanitorInterval is how often a running server deletes expired passkey
// challenges and console ceremonies: with PurgeGrace, none outlives its
// expiry by more than about two minutes.
const JanitorInterval = time.Minute

// PurgeGrace is how long after they expire ceremonies are kept before the
// janitor deletes them, so that an instance whose clock runs a little
// ahead never deletes one another instance still accepts.
const PurgeGrace = time.Minute

// Purged counts the rows one purge deleted.
type Purged struct {
	PasskeyChallenges, Devices int64
	Console                    admin.Purged
	// Sessions ended (expired or revoked) and refresh tokens used long
	// enough ago (see sessions.ReuseWindow).
	Sessions, RefreshTokens int64
	// WebhookDeliveries finished webhooks.DeliveryRetention ago or more.
	WebhookDeliveries int64
}

// PurgeExpired deletes the passkey challenges, console ceremonies,
// console sessions, console invitations and sessions that expired PurgeGrace ago or more, the
// refresh tokens used long enough ago, and the devices that went nowhere
// (see actions.OrphanDeviceAge), so that requests anyone may send (a
// username-less sign-in, a console sign-in, a sign-in page) leave no rows
// behind for long. Every instance may run it at any time.
func (s *Server) PurgeExpired(ctx context.Context) (Purged, error) {
	cutoff := s.svc.Now().Add(-PurgeGrace)
	var p Purged
	var err error
	if p.PasskeyChallenges, err = s.keys.PurgeExpired(ctx, cutoff); err != nil {
		return p, err
	}
	if p.Console, err = s.admins.PurgeExpired(ctx, cutoff); err != nil {
		return p, err
	}
	if p.Devices, err = s.svc.PurgeOrphanDevices(ctx, s.svc.Now().Add(-actions.OrphanDeviceAge)); err != nil {
		return p, err
	}
	if p.Sessions, p.RefreshTokens, err = s.sessions.PurgeExpired(ctx, cutoff); err != nil {
		return p, err
	}
	p.WebhookDeliveries, err = s.webhooks.PurgeFinished(ctx, s.svc.Now().Add(-webhooks.DeliveryRetention))
	return p, err
}

// startJanitor purges expired ceremonies at once and then at every tick
// until ctx ends, and returns a function that stops it and waits for it.
func (s *Server) startJanitor(ctx context.Context, tick <-chan time.Time) (stop func()) {
	return everyTick(ctx, tick, s.purgeExpired)
}

// everyTick runs job at once and then at every tick until ctx ends, and
// returns a function that stops it and waits for it.
func everyTick(ctx context.Context, tick <-chan time.Time, job func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			job(ctx)
			select {
			case <-ctx.Done():
				return
			case <-tick:
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// purgeExpired runs one purge; a failure is logged and the next tick tries
// again.
func (s *Server) purgeExpired(ctx context.Context) {
	start := time.Now()
	p, err := s.PurgeExpired(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.WarnContext(ctx, "purge expired ceremonies", "err", err)
		}
		return
	}
	if p.PasskeyChallenges+p.Console.Ceremonies+p.Console.Sessions+p.Console.Invitations+p.Devices+p.Sessions+p.RefreshTokens+p.WebhookDeliveries > 0 {
		s.log.DebugContext(ctx, "purged expired ceremonies", "passkey_challenges", p.PasskeyChallenges,
			"console_ceremonies", p.Console.Ceremonies, "console_sessions", p.Console.Sessions,
			"console_invitations", p.Console.Invitations, "devices", p.Devices,
			"sessions", p.Sessions, "refresh_tokens", p.RefreshTokens, "webhook_deliveries", p.WebhookDeliveries,
			"duration", time.Since(start))
	}
}
