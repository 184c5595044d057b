package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/uplift-dev/uplift/internal/config"
	"github.com/uplift-dev/uplift/internal/flows"
)

const tenantUsage = `usage:
  uplift tenant create --name NAME [--rp-id ID] [--origin URL]... [--redirect URL-PREFIX]... [--json]
  uplift tenant list [--json]
  uplift tenant keys --tenant ID
  uplift tenant issue-key --tenant ID [--json]
  uplift tenant revoke-key --tenant ID --key KEY-ID
  uplift tenant invite --tenant ID [--json]     a one-time link that makes its holder a console admin`

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func tenant(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(tenantUsage)
	}
	sub, rest := args[0], args[1:]
	fs := newFlagSet("tenant "+sub, stderr)
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
	default:
		return errors.New(tenantUsage)
	}
	if err := parse(fs, rest); err != nil {
		return err
	}
	cfg, err := load()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := flows.New(flows.Options{Store: st, PublicURL: cfg.PublicURL})

	switch sub {
	case "create":
		t, secret, err := svc.CreateTenant(ctx, flows.NewTenant{Name: name, RPID: rpID, Origins: origins, RedirectPrefixes: redirects})
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(stdout).Encode(map[string]string{"tenantId": t.ID, "secretKey": secret})
		}
		fmt.Fprintf(stdout, "Created tenant %q. Keep the secret key: it is not shown again.\n  tenant id:  %s\n  secret key: %s\n  relying party: %s\n  origins: %s\n",
			t.Name, t.ID, secret, t.RPID, strings.Join(t.Origins, ", "))
		return printInvite(ctx, svc, t.ID, stdout)
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
		if tenantID == "" {
			return errors.New("--tenant is required")
		}
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
		if tenantID == "" {
			return errors.New("--tenant is required")
		}
		id, secret, err := svc.IssueKey(ctx, tenantID)
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(stdout).Encode(map[string]string{"keyId": id, "secretKey": secret})
		}
		fmt.Fprintf(stdout, "New secret key (not shown again): %s\n  key id: %s\n", secret, id)
		return nil
	case "revoke-key":
		if tenantID == "" || keyID == "" {
			return errors.New("--tenant and --key are required")
		}
		if err := svc.RevokeKey(ctx, tenantID, keyID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Revoked key %s.\n", keyID)
		return nil
	case "invite":
		if tenantID == "" {
			return errors.New("--tenant is required")
		}
		if asJSON {
			link, err := svc.CreateAdminInvite(ctx, tenantID)
			if err != nil {
				return err
			}
			return json.NewEncoder(stdout).Encode(map[string]string{"url": link.URL, "expiresAt": link.ExpiresAt.Format(time.RFC3339)})
		}
		return printInvite(ctx, svc, tenantID, stdout)
	}
	return errors.New(tenantUsage)
}

// printInvite issues a one-time console invitation for the tenant and
// prints its link.
func printInvite(ctx context.Context, svc *flows.Service, tenantID string, stdout io.Writer) error {
	link, err := svc.CreateAdminInvite(ctx, tenantID)
	if err != nil {
		return fmt.Errorf("console invitation: %w", err)
	}
	fmt.Fprintf(stdout, "Admin console: open this one-time link to become an admin (valid until %s):\n  %s\n",
		link.ExpiresAt.Format("2 Jan 2006 15:04 MST"), link.URL)
	return nil
}
