package console_test

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/devices"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/policy"
	"github.com/uplift-dev/uplift/internal/prompt"
	"github.com/uplift-dev/uplift/internal/store"
)

// text is a page's body with its HTML entities decoded, for checking
// sentences that hold quotes or apostrophes.
func (p page) text() string { return html.UnescapeString(p.body) }

// addUser creates a user of the tenant whose key is secret through the
// Server API, with an email authenticator and, when given, a username.
func (h *harness) addUser(secret, id, email, username string) {
	h.t.Helper()
	path := "/v1/users/" + url.PathEscape(id)
	h.env.Do(secret, "POST", path+"/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": email}).MustOK(h.t)
	if username != "" {
		h.env.Do(secret, "PATCH", path, map[string]any{"username": username}).MustOK(h.t)
	}
}

// userLinks lists the user ids the users page links to, in order.
func userLinks(p page) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`<a href="/console/users/([^"]+)">`).FindAllStringSubmatch(p.body, -1) {
		id, _ := url.PathUnescape(html.UnescapeString(m[1]))
		ids = append(ids, id)
	}
	return ids
}

func TestUsersSearch(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	for _, u := range [][3]string{
		{"ada-lovelace", "ada@example.com", "countess"},
		{"grace", "Grace.Hopper@NAVY.example", "amazing_grace"},
		{"100%club", "club@example.com", ""},
		{"1000", "thousand@example.com", ""},
		{"adams", "jd@example.com", ""},
	} {
		h.addUser(h.secret, u[0], u[1], u[2])
		h.env.Clock.Advance(time.Second)
	}
	_, otherSecret := h.env.Tenant("Globex")
	h.addUser(otherSecret, "ada-globex", "ada@globex.example", "")

	tests := []struct {
		name, query string
		want        []string
	}{
		{"everyone, newest first", "", []string{"adams", "1000", "100%club", "grace", "ada-lovelace"}},
		{"user id prefix", "ada", []string{"adams", "ada-lovelace"}},
		{"user id exact", "grace", []string{"grace"}},
		{"email, any case", "hopper@navy", []string{"grace"}},
		{"username part", "COUNT", []string{"ada-lovelace"}},
		{"percent matches itself", "100%", []string{"100%club"}},
		{"underscore matches itself", "g_grace", []string{"grace"}},
		{"underscore matches no other character", "grace_hopper", nil},
		{"no match", "nobody", nil},
		{"another tenant's user", "ada-globex", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := h.get("/console/users?q="+url.QueryEscape(tt.query), s)
			if p.status != 200 {
				t.Fatalf("status %d", p.status)
			}
			got := userLinks(p)
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("users = %q, want %q", got, tt.want)
			}
			if tt.want == nil && tt.query != "" && !strings.Contains(p.text(), "No users match “"+tt.query+"”.") {
				t.Errorf("no 'No users match' sentence")
			}
			if strings.Contains(p.body, "ada@globex.example") {
				t.Errorf("the page shows another tenant's user")
			}
		})
	}

	p := h.get("/console/users?q=ada&order=id", s)
	if got := userLinks(p); strings.Join(got, " ") != "ada-lovelace adams" {
		t.Errorf("by id = %q", got)
	}
	for _, want := range []string{`<label for="user-search">Search users</label>`, `type="submit" class="primary">Search</button>`,
		`value="ada"`, `<th scope="col" class="num">Passkeys</th>`, "Email code", "countess"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// A user id with a percent sign links to its own page.
	if p := h.get("/console/users/"+url.PathEscape("100%club"), s); p.status != 200 || !strings.Contains(p.body, "club@example.com") {
		t.Errorf("page of 100%%club = %d", p.status)
	}
	// A search too long is refused next to the box, the text kept.
	long := strings.Repeat("x", actions.MaxUserSearch+1)
	p = h.get("/console/users?q="+long, s)
	if p.status != 400 || !strings.Contains(p.body, `aria-invalid="true"`) || !strings.Contains(p.body, `value="`+long+`"`) ||
		!strings.Contains(p.body, `id="user-search-error"`) {
		t.Errorf("long search = %d", p.status)
	}
	if p := h.get("/console/users?after=!!", s); p.status != 400 {
		t.Errorf("broken page link = %d, want 400", p.status)
	}
}

func TestUsersPages(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	ctx := context.Background()
	for i := range actions.UserSearchPageSize + 2 {
		now := h.env.Clock.Now()
		if _, err := h.env.Store.CreateUserIfMissing(ctx, model.User{TenantID: h.tenant.ID, ID: fmt.Sprintf("user-%02d", i),
			CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		h.env.Clock.Advance(time.Second)
	}
	next := regexp.MustCompile(`<a href="([^"]+)">Next page</a>`)
	seen := map[string]bool{}
	path := "/console/users?q=user-"
	for n := 1; path != ""; n++ {
		p := h.get(path, s)
		ids := userLinks(p)
		if n == 1 && (len(ids) != actions.UserSearchPageSize || ids[0] != "user-51") {
			t.Errorf("first page: %d users from %v", len(ids), ids[:1])
		}
		for _, id := range ids {
			if seen[id] {
				t.Errorf("%s is on two pages", id)
			}
			seen[id] = true
		}
		path = ""
		if m := next.FindStringSubmatch(p.body); m != nil {
			path = html.UnescapeString(m[1])
			if n > 1 {
				t.Fatalf("page %d has a next page", n)
			}
		} else if n == 1 {
			t.Fatal("the first page has no Next page link")
		} else if !strings.Contains(p.body, ">First page</a>") {
			t.Error("the last page has no First page link")
		}
	}
	if len(seen) != actions.UserSearchPageSize+2 {
		t.Errorf("%d users over the pages, want %d", len(seen), actions.UserSearchPageSize+2)
	}
}

// iCloudKeychain is the AAGUID Apple's passkeys report.
const iCloudKeychain = "fbfc3007-154e-4ecc-8c0b-6e020557d7bd"

func TestUserPageExplainsTheUpliftPrompt(t *testing.T) {
	h := newHarness(t)
	admin, s := h.enrol(h.tenant.ID, "Ada Admin")
	ctx := context.Background()
	svc, st := h.env.Service, h.env.Store
	// The prompt appears at most once a week, with no recovery method
	// required (this server sends no email codes).
	if _, err := h.env.App.Policy.UpdatePasskeySettings(ctx, h.tenant.ID, func(ps *policy.PasskeySettings) {
		ps.Passkey.RecoveryMethods, ps.Passkey.EnrollmentPromptInterval = nil, 604800
	}); err != nil {
		t.Fatal(err)
	}
	tenant, err := st.Tenant(ctx, h.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	// No action yet: the diagnosis uses signIn and there is no device.
	h.addUser(h.secret, "ada", "ada@example.com", "")
	if p := h.get("/console/users/ada", s); !strings.Contains(p.text(), "the user has no action yet, so signIn is used") {
		t.Errorf("the page of a user without actions does not say signIn is used")
	}

	h.env.Do(h.secret, "POST", "/v1/management/action-configurations", map[string]any{"actionCode": "signIn"})
	ruleID := h.env.Do(h.secret, "POST", "/v1/management/action-configurations/signIn/rules", []byte(`{"name":"Every Ada",
		"priority":1,"type":"CHALLENGE","conditions":{"==":[{"var":"user.userId"},"ada"]}}`)).MustOK(t).Str("ruleId")
	const iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
	ik := h.env.Do(h.secret, "POST", "/v1/users/ada/actions/signIn", map[string]any{"deviceId": "phone-1",
		"userAgent": iphone, "ipAddress": "203.0.113.9"}).MustOK(t).Str("idempotencyKey")
	a, err := svc.SetActionState(ctx, h.tenant.ID, "ada", "signIn", ik, model.StateChallengeSucceeded)
	if err != nil {
		t.Fatal(err)
	}
	report := func(id, ua string) {
		if err := st.TouchDevice(ctx, model.Device{TenantID: h.tenant.ID, ID: id, UserAgent: ua, LastSeenAt: h.env.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
		caps := map[string]any{prompt.CapPublicKeyCredential: true, prompt.CapPlatformAuthenticator: true}
		if err := st.SetDeviceCapabilities(ctx, h.tenant.ID, id, caps, h.env.Clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	report("phone-1", iphone)
	if err := h.env.App.Prompt.RecordUplift(ctx, tenant, a, "phone-1", model.UpliftDismissed, ""); err != nil {
		t.Fatal(err)
	}
	dismissed := svc.Now()

	// A synced passkey made on the laptop, named after its provider.
	const mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"
	report("laptop-1", mac)
	if err := st.InTx(ctx, func(q store.Queries) error {
		return q.SaveProviderNames(ctx, []model.ProviderName{{AAGUID: iCloudKeychain, Name: "iCloud Keychain"}}, dismissed)
	}); err != nil {
		t.Fatal(err)
	}
	addPasskey(t, h, "ada", "laptop-1", mac)

	h.env.Clock.Advance(2*24*time.Hour + time.Hour)
	_, _, s = h.signIn(admin) // the first session has expired
	p := h.get("/console/users/ada", s)
	if p.status != 200 {
		t.Fatalf("user page = %d", p.status)
	}
	body := p.text()
	for _, want := range []string{
		">Profile</h2>", ">Passkeys</h2>", ">Other methods</h2>", ">Devices</h2>",
		">Uplift prompt by device</h2>", ">Recent actions</h2>",
		"ada@example.com (verified)", "iCloud Keychain", "Chrome 130 on macOS", "Synced (backed up)",
		"Built into the device (platform)", "Email code", "phone-1", "laptop-1", "iOS 17.5", "Safari 17",
		"Can create passkeys", "iCloud Keychain: created here on",
		"the action <code>signIn</code> (the code of the user's most recent action)",
		"Hidden: dismissed 2 days ago; prompt frequency is once a week; next eligible on " +
			dismissed.AddDate(0, 0, 7).Format("2 Jan 2006") + ".",
		"Hidden: the user already has a passkey known on this device.",
		`<a href="/console/actions/signIn/rules/` + ruleID + `">Every Ada</a>`,
		"Challenge succeeded<br><span class=\"hint\">after challenge required (", "203.0.113.9", "Dismissed",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the user page lacks %q", want)
		}
	}

	// A week after the dismissal the prompt is due again.
	h.env.Clock.Advance(5 * 24 * time.Hour)
	_, _, s = h.signIn(admin)
	if body := h.get("/console/users/ada", s).text(); !strings.Contains(body, "Shown after the next sign-in. Last dismissed 7 days ago; prompt frequency is once a week.") {
		t.Error("a week later the page does not say the prompt is shown")
	}
}

// addPasskey stores a synced iCloud Keychain passkey for userID as made
// on deviceID, as the registration ceremony would.
func addPasskey(t *testing.T, h *harness, userID, deviceID, ua string) {
	t.Helper()
	ctx := context.Background()
	now := h.env.Service.Now()
	aaguid := uuid.MustParse(iCloudKeychain)
	a := model.Authenticator{ID: uuid.NewString(), TenantID: h.tenant.ID, UserID: userID, Method: model.MethodPasskey,
		CreatedAt: now, VerifiedAt: now, LastVerifiedAt: now}
	p := model.Passkey{TenantID: h.tenant.ID, UserID: userID, CredentialID: []byte(a.ID), PublicKey: []byte{1},
		AAGUID: aaguid[:], Flags: model.PasskeyFlags{UserPresent: true, UserVerified: true, BackupEligible: true, BackupState: true},
		Attachment: "platform", DeviceID: deviceID, UserAgent: ua, ParsedUserAgent: devices.ParseUserAgent(ua), Name: "Chrome on macOS",
		CreatedAt: now, LastVerifiedAt: now}
	if err := h.env.Store.CreatePasskey(ctx, a, p); err != nil {
		t.Fatal(err)
	}
	if err := h.env.Store.TouchDevice(ctx, model.Device{TenantID: h.tenant.ID, ID: deviceID, UserAgent: ua, LastSeenAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := h.env.Store.LinkDevicePasskey(ctx, model.DevicePasskey{TenantID: h.tenant.ID, DeviceID: deviceID,
		AuthenticatorID: a.ID, Relation: model.RelationCreated, LastAt: now}); err != nil {
		t.Fatal(err)
	}
}

func TestUserOfAnotherTenantIsNotFound(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	_, otherSecret := h.env.Tenant("Globex")
	h.addUser(otherSecret, "gus", "gus@globex.example", "")
	for _, path := range []string{"/console/users/gus", "/console/users/nobody"} {
		p := h.get(path, s)
		if p.status != 404 || strings.Contains(p.body, "gus@globex.example") {
			t.Errorf("%s = %d, want 404 without the user's data", path, p.status)
		}
	}
}
