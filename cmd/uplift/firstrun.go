package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/uplift-dev/uplift/internal/admin"
	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/config"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// firstTenantName names the tenant `uplift serve` creates on a database
// without tenants.
const firstTenantName = "Default"

// listen opens the listen address, saying what to do when its port is
// taken.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("listen on %s: the port is in use (by another uplift?); stop it, or choose another port with --addr, e.g. --addr :9090", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// checkPublicURL logs, once at start, what about the public URL will
// keep links or passkeys from working.
func checkPublicURL(cfg config.Config, listen net.Addr, log *slog.Logger) {
	if msg, local := cfg.PortMismatch(listen); msg != "" {
		if local {
			log.Warn(msg)
		} else {
			log.Info(msg)
		}
	}
	if msg := cfg.HostWarning(); msg != "" {
		log.Warn(msg)
	}
}

// checkFileMode warns when the SQLite database, which holds every
// tenant's keys and users' data, can be read by users other than its
// owner.
func checkFileMode(databaseURL string, log *slog.Logger) {
	path, ok := store.SQLitePath(databaseURL)
	if !ok {
		return
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			log.Warn("cannot check the database file's permissions", "path", p, "err", err)
			continue
		}
		if fi.Mode().Perm()&0o077 != 0 {
			log.Warn("the database file can be read by other users of this machine; it holds secret keys and users' data: chmod 600 it",
				"path", p, "mode", fmt.Sprintf("%04o", fi.Mode().Perm()))
		}
	}
}

// firstTenant makes sure the database has a tenant, creating "Default"
// on an empty one and printing its secret key and a console invitation;
// otherwise it says which tenants it found, and how to reach them with
// the tenant command on the database and public URL this server uses.
func firstTenant(ctx context.Context, uplift *app.App, cfg config.Config, stdout io.Writer) error {
	t, secret, created, err := uplift.Tenancy.EnsureTenant(ctx, tenancy.NewTenant{Name: firstTenantName}, tenancy.AnyTenant)
	if err != nil {
		return fmt.Errorf("first tenant: %w", err)
	}
	if created {
		fmt.Fprintf(stdout, "Created the first tenant %q. Keep the secret key: it is not shown again.\n  tenant id:  %s\n  secret key: %s\n",
			t.Name, t.ID, secret)
		return printInvite(ctx, uplift.Admin, t, stdout)
	}
	tenants, err := uplift.Tenancy.Tenants(ctx)
	if err != nil {
		return err
	}
	if len(tenants) == 1 {
		fmt.Fprintf(stdout, "Found tenant %q (id %s). uplift tenant invite --tenant %s%s prints a console invitation.\n",
			t.Name, t.ID, t.ID, tenantFlags(cfg))
		return nil
	}
	fmt.Fprintf(stdout, "Found %d tenants; uplift tenant list%[2]s names them, and uplift tenant invite --tenant ID%[2]s prints a console invitation.\n",
		len(tenants), tenantFlags(cfg))
	return nil
}

// tenantFlags is what the tenant command needs to be told to act on the
// database of cfg and print links to its public URL: nothing for the
// defaults, a placeholder for a PostgreSQL URL, whose password is not for
// the log.
func tenantFlags(cfg config.Config) string {
	var flags string
	switch {
	case cfg.DatabaseURL == config.DefaultDatabaseURL:
	case strings.HasPrefix(cfg.DatabaseURL, "sqlite://"):
		flags += " --database-url " + cfg.DatabaseURL
	default:
		flags += " --database-url URL"
	}
	if def, _ := config.URLForAddr(config.DefaultAddr); cfg.PublicURL != def {
		flags += " --public-url " + cfg.PublicURL
	}
	return flags
}

// printInvite issues a one-time console invitation for the tenant and
// prints its link, labelled with the tenant's name.
func printInvite(ctx context.Context, admins *admin.Service, t model.Tenant, stdout io.Writer) error {
	link, err := admins.CreateAdminInvite(ctx, t.ID)
	if err != nil {
		return fmt.Errorf("console invitation: %w", err)
	}
	fmt.Fprintf(stdout, "Console of %q: open this one-time link to become its admin (valid until %s):\n  %s\n",
		t.Name, link.ExpiresAt.Format("2 Jan 2006 15:04 MST"), link.URL)
	return nil
}
