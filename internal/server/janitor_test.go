package server

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/admin"
	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/ceremony"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/testclock"
)

// The janitor purges at start and at every tick, and stops when asked.
func TestJanitorPurgesAtStartAndEveryTick(t *testing.T) {
	ctx := t.Context()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "u.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c := testclock.New(time.Now().UTC()) // the janitor reads the clock the test moves
	clock := c.Now
	advance := func() { c.Advance(ceremony.Timeout + PurgeGrace + time.Second) }
	uplift := app.New(app.Options{Store: st, Log: slog.New(slog.DiscardHandler), PublicURL: "http://localhost:8080",
		Now: clock})
	s := New(uplift, slog.New(slog.DiscardHandler))
	begin := func() {
		t.Helper()
		if _, _, err := uplift.Admin.BeginAdminSignIn(ctx); err != nil {
			t.Fatal(err)
		}
	}
	left := func() int64 {
		t.Helper()
		p, err := s.PurgeExpired(ctx) // what the janitor left, purged now
		if err != nil {
			t.Fatal(err)
		}
		return p.Console.Ceremonies
	}

	begin()
	advance()
	tick := make(chan time.Time)
	stop := s.startJanitor(ctx, tick)
	tick <- clock() // taken once the purge at start is done
	tick <- clock() // taken once the purge of the first tick is done
	if n := left(); n != 0 {
		t.Errorf("%d expired ceremonies left after the purge at start, want 0", n)
	}
	begin()
	begin()
	advance()
	tick <- clock()
	tick <- clock() // taken once the purge of the tick before is done
	stop()
	if n := left(); n != 0 {
		t.Errorf("%d expired ceremonies left after a tick, want 0", n)
	}
}

// A console invitation nobody used is deleted once it has expired, and
// not before.
func TestJanitorPurgesExpiredInvitations(t *testing.T) {
	ctx := t.Context()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "u.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c := testclock.New(time.Now().UTC())
	uplift := app.New(app.Options{Store: st, PublicURL: "http://localhost:8080", Now: c.Now})
	s := New(uplift, slog.New(slog.DiscardHandler))
	tn, _, err := uplift.Tenancy.CreateTenant(ctx, tenancy.NewTenant{Name: "T"})
	if err != nil {
		t.Fatal(err)
	}
	link, err := uplift.Admin.CreateAdminInvite(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	token := link.URL[strings.LastIndexByte(link.URL, '/')+1:]
	c.Advance(admin.AdminInviteTTL - time.Minute)
	if p, err := s.PurgeExpired(ctx); err != nil || p.Console.Invitations != 0 {
		t.Fatalf("purge before expiry: %+v, %v; want no invitation purged", p, err)
	}
	if _, err := uplift.Admin.AdminInviteTenant(ctx, token); err != nil {
		t.Fatalf("the invitation went before it expired: %v", err)
	}
	c.Advance(time.Minute + PurgeGrace + time.Second)
	if p, err := s.PurgeExpired(ctx); err != nil || p.Console.Invitations != 1 {
		t.Fatalf("purge after expiry: %+v, %v; want the invitation purged", p, err)
	}
}
