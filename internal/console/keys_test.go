package console_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

var secretKeyPattern = regexp.MustCompile(`sk_[A-Za-z0-9_-]{40,}`)

// keyID returns the id of the tenant's key with the given prefix.
func (h *harness) keyID(tenantID, prefix string) string {
	h.t.Helper()
	keys, err := h.env.App.Tenancy.APIKeys(context.Background(), tenantID)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, k := range keys {
		if k.Prefix == prefix {
			return k.ID
		}
	}
	h.t.Fatalf("no key starting %s", prefix)
	return ""
}

// serverAPIStatus calls the Server API with secret and returns the status.
func (h *harness) serverAPIStatus(secret string) int {
	h.t.Helper()
	return h.env.Do(secret, "GET", "/v1/users?email=nobody@example.com", nil).Status
}

func TestCreateKeyShowsTheSecretOnce(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	p := h.get("/console/keys", s)
	prefix := h.secret[:9]
	if p.status != 200 || !strings.Contains(p.body, `<button type="submit" class="primary">Create API key</button>`) ||
		!strings.Contains(p.body, ">Revoke key "+prefix+"…</button>") || strings.Contains(p.body, h.secret) {
		t.Fatalf("keys page = %d, want the key by its prefix only and the buttons", p.status)
	}

	p = h.post("/console/keys", s, nil)
	if p.status != 200 || p.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create = %d, Cache-Control %q", p.status, p.header.Get("Cache-Control"))
	}
	if !strings.Contains(p.body, "Copy this secret key now. It will not be shown again.") {
		t.Error("the new secret is not marked as shown once")
	}
	secret := secretKeyPattern.FindString(p.body)
	if secret == "" || secret == h.secret {
		t.Fatalf("no new secret on the page")
	}
	if got := h.serverAPIStatus(secret); got != 200 {
		t.Errorf("the new key calls the Server API: %d, want 200", got)
	}
	again := h.get("/console/keys", s)
	if strings.Contains(again.body, secret) || strings.Contains(again.body, "Copy this secret key now") {
		t.Error("the secret is shown again")
	}
	if !strings.Contains(again.body, "<code>"+secret[:9]+"…</code>") {
		t.Error("the new key is not listed by its prefix")
	}
}

func TestRevokeKey(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	created := h.post("/console/keys", s, nil)
	secret := secretKeyPattern.FindString(created.body)
	if secret == "" {
		t.Fatal("no new secret")
	}

	// Revoking the new key: it stops working at once; the first still works.
	p := h.post("/console/keys/"+h.keyID(h.tenant.ID, secret[:9])+"/revoke", s, nil)
	if p.status != 303 || p.header.Get("Location") != "/console/keys?done=key-revoked" {
		t.Fatalf("revoke = %d to %q", p.status, p.header.Get("Location"))
	}
	if got := h.serverAPIStatus(secret); got != 401 {
		t.Errorf("the revoked key = %d, want 401", got)
	}
	if got := h.serverAPIStatus(h.secret); got != 200 {
		t.Errorf("the remaining key = %d, want 200", got)
	}
	after := h.get("/console/keys?done=key-revoked", s)
	if !strings.Contains(after.body, "API key revoked.") || !strings.Contains(after.body, "Revoked on ") ||
		strings.Contains(after.body, ">Revoke key "+secret[:9]) {
		t.Error("the keys page does not show the key revoked")
	}

	// The last active key is not revoked.
	p = h.post("/console/keys/"+h.keyID(h.tenant.ID, h.secret[:9])+"/revoke", s, nil)
	if p.status != 409 || !strings.Contains(p.text(), "Create another key first: revoking the last key would stop your app's backend from calling Uplift.") {
		t.Errorf("revoking the last key = %d, want 409 with the reason", p.status)
	}
	if got := h.serverAPIStatus(h.secret); got != 200 {
		t.Errorf("the last key after a refused revocation = %d, want 200", got)
	}

	// Another tenant's key is not found, and keeps working.
	other, otherSecret := h.env.Tenant("Globex")
	if _, _, err := h.env.App.Tenancy.IssueKey(context.Background(), other.ID); err != nil {
		t.Fatal(err)
	}
	p = h.post("/console/keys/"+h.keyID(other.ID, otherSecret[:9])+"/revoke", s, nil)
	if p.status != 404 {
		t.Errorf("revoking another tenant's key = %d, want 404", p.status)
	}
	if got := h.serverAPIStatus(otherSecret); got != 200 {
		t.Errorf("the other tenant's key = %d, want 200", got)
	}
	if p := h.post("/console/keys/no-such-key/revoke", s, nil); p.status != 404 {
		t.Errorf("revoking an unknown key = %d, want 404", p.status)
	}
	keys, _ := h.env.App.Tenancy.APIKeys(context.Background(), other.ID)
	for _, k := range keys {
		if !k.RevokedAt.IsZero() {
			t.Errorf("the other tenant's key %s was revoked", k.Prefix)
		}
	}
}
