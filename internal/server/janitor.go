package server

import (
	"context"
	"time"
)

// JanitorInterval is how often a running server deletes expired passkey
// challenges and console ceremonies: with flows.PurgeGrace, none outlives
// its expiry by more than about two minutes.
const JanitorInterval = time.Minute

// startJanitor purges expired ceremonies at once and then at every tick
// until ctx ends, and returns a function that stops it and waits for it.
func (s *Server) startJanitor(ctx context.Context, tick <-chan time.Time) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			s.purgeExpired(ctx)
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
	p, err := s.svc.PurgeExpired(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.WarnContext(ctx, "purge expired ceremonies", "err", err)
		}
		return
	}
	if p.PasskeyChallenges+p.ConsoleCeremonies+p.ConsoleSessions > 0 {
		s.log.DebugContext(ctx, "purged expired ceremonies", "passkey_challenges", p.PasskeyChallenges,
			"console_ceremonies", p.ConsoleCeremonies, "console_sessions", p.ConsoleSessions, "duration", time.Since(start))
	}
}
