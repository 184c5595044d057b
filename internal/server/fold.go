package server

import (
	"context"
	"time"
)

// startFolding counts the writes waiting for the analytics' totals at once
// and then at every tick until ctx ends, and returns a function that
// stops it and waits for it. Every instance may fold: one folds at a time
// and the others find nothing left.
func (s *Server) startFolding(ctx context.Context, tick <-chan time.Time) (stop func()) {
	return everyTick(ctx, tick, s.foldAnalytics)
}

// foldAnalytics runs one fold; a failure is logged and the next tick
// tries again.
func (s *Server) foldAnalytics(ctx context.Context) {
	start := time.Now()
	n, err := s.prompt.FoldAnalytics(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.WarnContext(ctx, "fold analytics", "err", err)
		}
		return
	}
	if n > 0 {
		s.log.DebugContext(ctx, "folded analytics", "writes", n, "duration", time.Since(start))
	}
}
