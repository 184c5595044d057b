package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// lock stores a lock on a user's method, as ten wrong codes would leave
// it, ending in d.
func (h *harness) lock(tenantID, userID string, m model.VerificationMethod, d time.Duration) {
	h.t.Helper()
	now := h.env.Clock.Now()
	err := h.env.Store.SaveCodeLockout(context.Background(), model.CodeLockout{TenantID: tenantID,
		Subject: "user:" + userID, Method: m, Lockouts: 1, LockedUntil: now.Add(d), LastFailure: now})
	if err != nil {
		h.t.Fatal(err)
	}
}

func TestUserPageShowsAndLiftsCodeLocks(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	h.addUser(h.secret, "ada", "ada@example.com", "")
	h.lock(h.tenant.ID, "ada", model.MethodEmailOTP, 12*time.Minute)

	p := h.get("/console/users/ada", s)
	if !strings.Contains(p.text(), "Locked after too many wrong codes until") ||
		!strings.Contains(p.text(), "12 minutes from now") {
		t.Fatalf("user page does not show the lock:\n%s", p.body)
	}
	const lift = "/console/users/ada/locks/EMAIL_OTP/lift"
	if !strings.Contains(p.body, `action="`+lift+`"`) {
		t.Fatalf("no form to lift the lock")
	}
	// Without the CSRF field the lock stays.
	if p := h.post(lift, s, map[string][]string{"csrf": {"forged"}}); p.status == 303 {
		t.Fatalf("lift without the CSRF field answered %d", p.status)
	}
	p = h.post(lift, s, nil)
	if p.status != 303 || p.header.Get("Location") != "/console/users/ada?done=lock-lifted" {
		t.Fatalf("lift = %d to %q", p.status, p.header.Get("Location"))
	}
	p = h.get("/console/users/ada?done=lock-lifted", s)
	if strings.Contains(p.text(), "Locked after") || !strings.Contains(p.text(), "Lock lifted") {
		t.Errorf("after the lift the page says:\n%s", p.body)
	}
	l, err := h.env.Store.CodeLockout(context.Background(), h.tenant.ID, "user:ada", model.MethodEmailOTP)
	if err != nil || l.Version != 0 {
		t.Errorf("after the lift the record is %+v, %v; want none", l, err)
	}
	// Nothing left to lift.
	if p := h.post(lift, s, nil); p.status != 404 {
		t.Errorf("second lift = %d, want 404", p.status)
	}
}

func TestCodeLockOfAnotherTenantCannotBeLifted(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	other, otherSecret := h.env.Tenant("Globex")
	h.addUser(otherSecret, "bo", "bo@globex.example", "")
	h.lock(other.ID, "bo", model.MethodSMS, time.Hour)
	if p := h.post("/console/users/bo/locks/SMS/lift", s, nil); p.status != 404 {
		t.Errorf("lifting another tenant's lock = %d, want 404", p.status)
	}
	l, err := h.env.Store.CodeLockout(context.Background(), other.ID, "user:bo", model.MethodSMS)
	if err != nil || l.Version == 0 {
		t.Errorf("the other tenant's lock is %+v, %v; want it kept", l, err)
	}
	if p := h.post("/console/users/bo/locks/PASSKEY/lift", s, nil); p.status != 400 {
		t.Errorf("lifting a passkey lock = %d, want 400", p.status)
	}
}

func TestDashboardSaysWhenTheSendCeilingTripped(t *testing.T) {
	h := newHarness(t)
	s := h.admin()
	if p := h.get("/console/", s); strings.Contains(p.text(), "ceiling") {
		t.Fatalf("the dashboard mentions a ceiling before any refusal:\n%s", p.body)
	}
	ctx := context.Background()
	now := h.env.Clock.Now()
	for range 3 {
		if _, _, err := h.env.Store.CountCodeSend(ctx, h.tenant.ID, model.MethodSMS, now.Unix()/3600); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if _, err := h.env.Store.CountRefusedSend(ctx, h.tenant.ID, model.MethodSMS, now); err != nil {
			t.Fatal(err)
		}
	}
	p := h.get("/console/", s)
	want := "Text message codes reached this app's ceiling of 1000 an hour at " +
		now.Format("2 Jan 2006 15:04") + " UTC: 3 sent that hour, 2 refused."
	if !strings.Contains(p.text(), want) {
		t.Errorf("the dashboard does not say %q:\n%s", want, p.body)
	}
	// Another tenant's admin sees nothing of it.
	other, _ := h.env.Tenant("Globex")
	_, otherSession := h.enrol(other.ID, "Gus")
	if p := h.get("/console/", otherSession); strings.Contains(p.text(), "ceiling") {
		t.Errorf("another tenant's dashboard mentions the ceiling")
	}
}
