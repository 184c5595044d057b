package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/uplift-dev/uplift/internal/config"
	"github.com/uplift-dev/uplift/internal/flows"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/store"
)

var errUsage = errors.New("usage: uplift serve|demo|migrate|tenant [flags]; uplift COMMAND -h for help")

// run is the whole program: it parses args, reads the environment through
// getenv, and writes only to stdout and stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, getenv, stdout, stderr, false)
	case "demo":
		return serve(ctx, rest, getenv, stdout, stderr, true)
	case "migrate":
		return migrate(ctx, rest, getenv, stdout, stderr)
	case "tenant":
		return tenant(ctx, rest, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, errUsage.Error())
		return nil
	}
	return errUsage
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("uplift "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses flags and refuses stray arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// openStore opens and migrates the database.
func openStore(ctx context.Context, url string) (*store.Store, error) {
	st, err := store.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, dev bool) error {
	name := "serve"
	if dev {
		name = "demo"
	}
	fs := newFlagSet(name, stderr)
	load := config.Flags(fs, getenv)
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := load()
	if err != nil {
		return err
	}
	cfg.Dev = dev
	log := cfg.Logger(stderr)
	st, err := openStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	email, sms, inbox, err := senders(cfg, stderr, log)
	if err != nil {
		return err
	}
	svc := flows.New(flows.Options{Store: st, Log: log, PublicURL: cfg.PublicURL, Email: email, SMS: sms})
	svc.LoadPasskeyNamesInBackground(ctx, cfg.AAGUIDURL)
	t, secret, created, err := svc.EnsureFirstTenant(ctx, "Default")
	if err != nil {
		return fmt.Errorf("first tenant: %w", err)
	}
	if created {
		fmt.Fprintf(stdout, "Created the first tenant. Keep the secret key: it is not shown again.\n  tenant id:  %s\n  secret key: %s\n", t.ID, secret)
		if err := printInvite(ctx, svc, t.ID, stdout); err != nil {
			return err
		}
	} else if dev {
		// The demo's tenant keeps offering the console until someone takes it.
		admins, err := svc.Admins(ctx, t.ID)
		if err != nil {
			return err
		}
		if len(admins) == 0 {
			if err := printInvite(ctx, svc, t.ID, stdout); err != nil {
				return err
			}
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("uplift listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL,
		"database", string(st.Dialect()), "dev", dev)
	var opts []server.Option
	if inbox != nil {
		opts = append(opts, server.WithDevInbox(inbox))
	}
	opts = append(opts, server.WithPublicURL(cfg.PublicURL))
	if dev {
		app, err := demoApp(ctx, svc, cfg.PublicURL, ln.Addr(), log)
		if err != nil {
			ln.Close()
			return err
		}
		opts = append(opts, server.WithDemo(app))
		fmt.Fprintf(stdout, "Demo app: %s/demo (codes are printed here and shown at %s/dev/inbox)\n", cfg.PublicURL, cfg.PublicURL)
	}
	return server.New(svc, log, opts...).Run(ctx, ln, 15*time.Second)
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", stderr)
	dbURL := config.DatabaseFlag(fs, getenv)
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := store.Open(ctx, dbURL())
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d migrations\n", n)
	return nil
}
