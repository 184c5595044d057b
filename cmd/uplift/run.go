package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/codes"
	"github.com/uplift-dev/uplift/internal/config"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/store"
)

// usage is the program's help, printed by `uplift help`.
const usage = `usage: uplift COMMAND [flags]

commands:
  serve     run the server
  demo      run the server in development mode, with an example app at /demo
  migrate   apply pending database migrations and exit
  tenant    create and list tenants, issue and revoke their keys, invite console admins
  backup    copy a SQLite database, safely while the server runs
  db        copy a database into another, empty one (SQLite to PostgreSQL and back)

uplift COMMAND -h describes a command and its flags.`

// errHelp reports that a command printed its help as asked: the program
// then exits 0.
var errHelp = errors.New("help requested")

// usageError is a command line the program cannot run: main prints its
// one line and exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// run is the whole program: it parses args, reads the environment through
// getenv, and writes only to stdout and stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErrorf("uplift: no command given; uplift help lists them")
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, rest, getenv, stdout, stderr, false)
	case "demo":
		err = serve(ctx, rest, getenv, stdout, stderr, true)
	case "migrate":
		err = migrate(ctx, rest, getenv, stdout, stderr)
	case "tenant":
		err = tenant(ctx, rest, getenv, stdout, stderr)
	case "backup":
		err = backup(ctx, rest, getenv, stdout)
	case "db":
		err = db(ctx, rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	default:
		return usageErrorf("uplift: unknown command %q; uplift help lists them", cmd)
	}
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

// command describes a subcommand for its help.
type command struct {
	name     string // e.g. "tenant create"
	synopsis string // its arguments, e.g. "[flags] FILE"
	about    string // what it does, a few lines
}

// newFlagSet returns the command's flag set, which prints nothing by
// itself: parse reports its errors and help.
func newFlagSet(c command) *flag.FlagSet {
	fs := flag.NewFlagSet("uplift "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "usage: uplift %s %s\n\n%s\n", c.name, c.synopsis, c.about)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(out, "\nflags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse parses the flags in args. Asked for help (-h, --help), it prints
// the command's usage to stdout and returns errHelp; a wrong flag or an
// unexpected argument is a usageError of one line. It leaves up to
// positional arguments in fs.Args().
func parse(fs *flag.FlagSet, args []string, stdout io.Writer, positional int) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return errHelp
	}
	if err != nil {
		return usageErrorf("%s: %v; %s -h for help", fs.Name(), err, fs.Name())
	}
	if fs.NArg() > positional {
		return usageErrorf("%s: unexpected argument %q; %s -h for help", fs.Name(), fs.Arg(positional), fs.Name())
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

var (
	serveCommand = command{name: "serve", synopsis: "[flags]", about: `Runs the server. It migrates the database at start; on a database without
tenants it creates the first one, "Default", and prints its secret key
and a one-time console invitation.`}
	demoCommand = command{name: "demo", synopsis: "[flags]", about: `Runs the server in development mode with an example app at /demo. Codes
are printed here and listed at /dev/inbox instead of being sent. The demo
has one tenant, "Uplift demo": the example app signs its users in to it,
and each start prints a secret key for this run and a one-time console
invitation for it.`}
)

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, dev bool) error {
	cmd := serveCommand
	if dev {
		cmd = demoCommand
	}
	fs := newFlagSet(cmd)
	load := config.Flags(fs, getenv)
	if err := parse(fs, args, stdout, 0); err != nil {
		return err
	}
	cfg, err := load()
	if err != nil {
		return err
	}
	cfg.Dev = dev
	log := cfg.Logger(stderr)
	ln, err := listen(cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	cfg.FollowListener(ln.Addr())
	checkPublicURL(cfg, ln.Addr(), log)
	st, err := openStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	checkFileMode(cfg.DatabaseURL, log)
	email, sms, inbox, err := senders(cfg, stderr, log)
	if err != nil {
		return err
	}
	obs, err := observe(ctx, cfg, getenv, st)
	if err != nil {
		return err
	}
	defer obs.run(ctx, log)()
	email, sms = obs.tracer.Email(email), obs.tracer.SMS(sms)
	uplift := app.New(app.Options{Store: st, Log: log, PublicURL: cfg.PublicURL, Email: email, SMS: sms, Events: obs.events,
		SendCeilings:        codes.SendCeilings{EmailsPerHour: cfg.SendCeilings.EmailsPerHour, TextsPerHour: cfg.SendCeilings.TextsPerHour},
		WebhookAllowPrivate: cfg.Webhooks.AllowPrivate, WebhookRetryBase: cfg.Webhooks.RetryBase,
		WebhookClient: obs.webhookClient(cfg.Webhooks.AllowPrivate)})
	uplift.Passkeys.LoadPasskeyNamesInBackground(ctx, cfg.AAGUIDURL)
	if !dev {
		if err := firstTenant(ctx, uplift, cfg, stdout); err != nil {
			return err
		}
	}
	log.Info("uplift listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL,
		"database", string(st.Dialect()), "dev", dev)
	var opts []server.Option
	if inbox != nil {
		opts = append(opts, server.WithDevInbox(inbox))
	}
	opts = append(opts, server.WithPublicURL(cfg.PublicURL), server.WithRateLimits(cfg.RateLimits))
	opts = append(opts, obs.serverOptions(cfg)...)
	if dev {
		app, err := demoApp(ctx, uplift, cfg.PublicURL, ln.Addr(), stdout, log)
		if err != nil {
			return err
		}
		opts = append(opts, server.WithDemo(app))
	}
	return server.New(uplift, log, opts...).Run(ctx, ln, 15*time.Second)
}

var migrateCommand = command{name: "migrate", synopsis: "[flags]", about: `Applies the database migrations this version has and the database lacks,
then exits. serve and demo do the same at start; instances starting at
once take turns.`}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet(migrateCommand)
	dbURL := config.DatabaseFlag(fs, getenv)
	if err := parse(fs, args, stdout, 0); err != nil {
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
