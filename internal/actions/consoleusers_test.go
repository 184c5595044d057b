package actions_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/model"
)

func TestSearchUsersPagesAndRefusals(t *testing.T) {
	ctx := context.Background()
	e := apitest.New(t)
	tn, _ := e.Tenant("Shop")
	for i := range actions.UserSearchPageSize + 1 {
		now := e.Clock.Now()
		if _, err := e.Store.CreateUserIfMissing(ctx, model.User{TenantID: tn.ID, ID: fmt.Sprintf("user-%02d", i),
			CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Second)
	}
	first, err := e.Service.SearchUsers(ctx, tn.ID, "  user-  ", model.UsersNewest, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(first.Users), actions.UserSearchPageSize; got != want || first.Next == nil {
		t.Fatalf("first page: %d users, next %v; want %d and a next page", got, first.Next, want)
	}
	if got := first.Users[0].User.ID; got != "user-50" {
		t.Errorf("newest user = %s, want user-50", got)
	}
	second, err := e.Service.SearchUsers(ctx, tn.ID, "user-", model.UsersNewest, first.Next)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Users) != 1 || second.Users[0].User.ID != "user-00" || second.Next != nil {
		t.Errorf("second page = %+v, want only user-00 and no next page", second)
	}
	unknown, err := e.Service.SearchUsers(ctx, tn.ID, "", "unknown order", nil)
	if err != nil || unknown.Users[0].User.ID != "user-50" {
		t.Errorf("an unknown order lists the newest first: %v", err)
	}
	if _, err := e.Service.SearchUsers(ctx, tn.ID, strings.Repeat("é", actions.MaxUserSearch+1), model.UsersByID, nil); !errors.Is(err, model.ErrInvalid) {
		t.Errorf("a long search: %v, want invalid", err)
	}
}

// detailWorld is a tenant with one email-enrolled user, u, whose signIn
// action was tracked on a device that reported itself.
type detailWorld struct {
	e      *apitest.Env
	tenant model.Tenant
	key    string
}

const device = "device-1"

func newDetailWorld(t *testing.T) *detailWorld {
	t.Helper()
	ctx := context.Background()
	e := apitest.New(t)
	tenant, key := e.Tenant("Shop")
	e.Do(key, "POST", "/v1/users/u/authenticators", map[string]any{"verificationMethod": "EMAIL_OTP", "email": "u@example.com"}).MustOK(t)
	e.Do(key, "POST", "/v1/users/u/actions/signIn", map[string]any{"deviceId": device}).MustOK(t)
	if err := e.Store.TouchDevice(ctx, model.Device{TenantID: tenant.ID, ID: device,
		UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Chrome/130.0.0.0", LastSeenAt: e.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	return &detailWorld{e: e, tenant: tenant, key: key}
}

func TestUserDetail(t *testing.T) {
	ctx := context.Background()
	w := newDetailWorld(t)
	e, key := w.e, w.key
	detail := func() actions.UserDetail {
		t.Helper()
		d, err := e.Service.UserDetail(ctx, w.tenant, "u")
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := detail()
	if d.DiagnosisAction != "signIn" || len(d.Actions) != 1 || len(d.Devices) != 1 || d.Devices[0].Device.ID != device {
		t.Fatalf("detail = %+v", d)
	}

	// A rule that matches, an action of another code, and a dismissal.
	path := "/v1/management/action-configurations/withdraw"
	e.Do(key, "POST", "/v1/management/action-configurations", map[string]any{"actionCode": "withdraw"}).MustOK(t)
	rule := e.Do(key, "POST", path+"/rules", []byte(`{"name":"Everyone","priority":1,"type":"CHALLENGE",
		"conditions":{"==":[{"var":"user.userId"},"u"]}}`)).MustOK(t).Str("ruleId")
	e.Clock.Advance(time.Minute)
	ik := e.Do(key, "POST", "/v1/users/u/actions/withdraw", map[string]any{"deviceId": device}).MustOK(t).Str("idempotencyKey")
	a, err := e.Store.Action(ctx, w.tenant.ID, ik)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.App.Prompt.RecordUplift(ctx, w.tenant, a, device, model.UpliftDismissed, ""); err != nil {
		t.Fatal(err)
	}
	d = detail()
	if d.DiagnosisAction != "withdraw" || len(d.Actions) != 2 {
		t.Fatalf("after withdraw: action %q, %d actions", d.DiagnosisAction, len(d.Actions))
	}
	got := d.Actions[0]
	if len(got.Rules) != 1 || got.Rules[0].Name != "Everyone" || got.Winner == nil || got.Winner.ID != rule {
		t.Errorf("rules of withdraw = %+v, winner %+v", got.Rules, got.Winner)
	}
	if len(got.Events) != 1 || got.Events[0].Kind != model.UpliftDismissed {
		t.Errorf("events of withdraw = %+v", got.Events)
	}
	if len(d.Actions[1].Events) != 0 {
		t.Errorf("the signIn action has another's events: %+v", d.Actions[1].Events)
	}

	// A deleted rule keeps its id.
	e.Do(key, "DELETE", path+"/rules/"+rule, nil).MustOK(t)
	if got := detail().Actions[0]; got.Winner == nil || got.Winner.ID != rule || got.Winner.Name != "" {
		t.Errorf("winner after delete = %+v", got.Winner)
	}

	other, _ := e.Tenant("Other")
	if _, err := e.Service.UserDetail(ctx, other, "u"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("another tenant's user: %v, want not found", err)
	}
}

func TestRevokeKeyKeepingOne(t *testing.T) {
	ctx := context.Background()
	e := apitest.New(t)
	tn, _ := e.Tenant("Shop")
	keys, err := e.App.Tenancy.APIKeys(ctx, tn.ID)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys = %v, %v", keys, err)
	}
	err = e.App.Tenancy.RevokeKeyKeepingOne(ctx, tn.ID, keys[0].ID)
	var me *model.Error
	if !errors.Is(err, model.ErrConflict) || !errors.As(err, &me) || !strings.HasPrefix(me.Description, "Create another key first") {
		t.Errorf("revoking the only key: %v", err)
	}
	if _, _, err := e.App.Tenancy.IssueKey(ctx, tn.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.App.Tenancy.RevokeKeyKeepingOne(ctx, tn.ID, keys[0].ID); err != nil {
		t.Errorf("revoking with another key left: %v", err)
	}
}
