package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/config"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

const tenantUsage = `usage: uplift tenant SUBCOMMAND [flags]

  uplift tenant create --name NAME [--rp-id ID] [--origin URL]... [--redirect URL-PREFIX]... [--json]
  uplift tenant list [--json]
  uplift tenant keys --tenant ID
  uplift tenant issue-key --tenant ID [--json]
  uplift tenant revoke-key --tenant ID --key KEY-ID
  uplift tenant invite --tenant ID [--json]     a one-time link that makes its holder a console admin

uplift tenant SUBCOMMAND -h describes a subcommand and its flags.`

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// tenantAbout says what each tenant subcommand does, for its help.
var tenantAbout = map[string]string{
	"create": `Creates a tenant with its first secret key, and prints a one-time console
invitation for it.`,
	"list":       "Lists the tenants.",
	"keys":       "Lists a tenant's secret keys, by prefix only.",
	"issue-key":  "Issues the tenant another secret key, shown only once.",
	"revoke-key": "Revokes one of a tenant's secret keys.",
	"invite": `Prints a one-time link, valid 24 hours, that makes its holder an admin of
the tenant's console. The link is built from the public URL: give the
same --addr or --public-url (or UPLIFT_ADDR, UPLIFT_PUBLIC_URL) as the
server.`,
}

func tenant(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErrorf("uplift tenant: missing subcommand (create, list, keys, issue-key, revoke-key or invite); uplift tenant -h for help")
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, tenantUsage)
		return errHelp
	}
	about, ok := tenantAbout[sub]
	if !ok {
		return usageErrorf("uplift tenant: unknown subcommand %q; uplift tenant -h for help", sub)
	}
	fs := newFlagSet(command{name: "tenant " + sub, synopsis: "[flags]", about: about})
	load := config.Flags(fs, getenv)
	var (
		name, rpID, tenantID, keyID string
		origins, redirects          repeated
		asJSON                      bool
	)
	switch sub {
	case "create":
		fs.StringVar(&name, "name", "", "tenant name (required)")
		fs.StringVar(&rpID, "rp-id", "", "relying party id (default: the public URL's host)")
		fs.Var(&origins, "origin", "expected origin, e.g. https://app.example.com (repeatable; default: the public URL)")
		fs.Var(&redirects, "redirect", "allowed redirect URL prefix (repeatable; default: each origin)")
		fs.BoolVar(&asJSON, "json", false, `print only {"tenantId": ..., "secretKey": ...}`)
	case "list":
		fs.BoolVar(&asJSON, "json", false, "print JSON lines")
	case "keys", "issue-key", "revoke-key", "invite":
		fs.StringVar(&tenantID, "tenant", "", "tenant id (required)")
		if sub == "revoke-key" {
			fs.StringVar(&keyID, "key", "", "key id, from uplift tenant keys (required)")
		}
		if sub == "issue-key" {
			fs.BoolVar(&asJSON, "json", false, `print only {"keyId": ..., "secretKey": ...}`)
		}
		if sub == "invite" {
			fs.BoolVar(&asJSON, "json", false, `print only {"url": ..., "expiresAt": ...}`)
		}
	}
	if err := parse(fs, rest, stdout, 0); err != nil {
		return err
	}
	if sub != "create" && sub != "list" && tenantID == "" {
		return usageErrorf("uplift tenant %s: --tenant is required; uplift tenant %s -h for help", sub, sub)
	}
	if sub == "create" && strings.TrimSpace(name) == "" {
		return usageErrorf("uplift tenant create: --name is required; uplift tenant create -h for help")
	}
	if sub == "revoke-key" && keyID == "" {
		return usageErrorf("uplift tenant revoke-key: --key is required; uplift tenant revoke-key -h for help")
	}
	cfg, err := load()
	if err != nil {
		return err
	}
	if err := databaseExists(cfg.DatabaseURL, sub); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	uplift := app.New(app.Options{Store: st, PublicURL: cfg.PublicURL})

	switch sub {
	case "create":
		t, secret, err := uplift.Tenancy.CreateTenant(ctx, tenancy.NewTenant{Name: name, RPID: rpID, Origins: origins, RedirectPrefixes: redirects})
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(stdout).Encode(map[string]string{"tenantId": t.ID, "secretKey": secret})
		}
		fmt.Fprintf(stdout, "Created tenant %q. Keep the secret key: it is not shown again.\n  tenant id:  %s\n  secret key: %s\n  relying party: %s\n  origins: %s\n",
			t.Name, t.ID, secret, t.RPID, strings.Join(t.Origins, ", "))
		return printInvite(ctx, uplift.Admin, t, stdout)
	case "list":
		tenants, err := st.Tenants(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			enc := json.NewEncoder(stdout)
			for _, t := range tenants {
				if err := enc.Encode(map[string]any{"tenantId": t.ID, "name": t.Name, "rpId": t.RPID, "origins": t.Origins}); err != nil {
					return err
				}
			}
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TENANT ID\tNAME\tRP ID\tORIGINS")
		for _, t := range tenants {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Name, t.RPID, strings.Join(t.Origins, ","))
		}
		return tw.Flush()
	case "keys":
		if _, err := st.Tenant(ctx, tenantID); err != nil {
			return err
		}
		keys, err := st.APIKeys(ctx, tenantID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KEY ID\tPREFIX\tCREATED\tREVOKED")
		for _, k := range keys {
			revoked := "-"
			if !k.RevokedAt.IsZero() {
				revoked = k.RevokedAt.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s…\t%s\t%s\n", k.ID, k.Prefix, k.CreatedAt.Format("2006-01-02 15:04"), revoked)
		}
		return tw.Flush()
	case "issue-key":
		id, secret, err := uplift.Tenancy.IssueKey(ctx, tenantID)
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(stdout).Encode(map[string]string{"keyId": id, "secretKey": secret})
		}
		fmt.Fprintf(stdout, "New secret key (not shown again): %s\n  key id: %s\n", secret, id)
		return nil
	case "revoke-key":
		if err := uplift.Tenancy.RevokeKey(ctx, tenantID, keyID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Revoked key %s.\n", keyID)
		return nil
	case "invite":
		if asJSON {
			link, err := uplift.Admin.CreateAdminInvite(ctx, tenantID)
			if err != nil {
				return err
			}
			return json.NewEncoder(stdout).Encode(map[string]string{"url": link.URL, "expiresAt": link.ExpiresAt.Format(time.RFC3339)})
		}
		t, err := st.Tenant(ctx, tenantID)
		if err != nil {
			return err
		}
		return printInvite(ctx, uplift.Admin, t, stdout)
	}
	return usageErrorf("uplift tenant: unknown subcommand %q", sub)
}

// databaseExists refuses a SQLite database file that is not there, for
// every subcommand but create: listing or changing tenants of a mistyped
// path would otherwise create an empty database there and report nothing
// found.
func databaseExists(databaseURL, sub string) error {
	path, ok := store.SQLitePath(databaseURL)
	if !ok || sub == "create" {
		return nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("uplift tenant %s: no database at %s; pass the one uplift serve uses with --database-url (env UPLIFT_DATABASE_URL)", sub, path)
	}
	return nil
}
