package actions

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/uplift-dev/uplift/internal/model"
)

// What the admin console shows of a tenant's users: a search, and one
// user's methods, devices, uplift diagnosis per device and recent actions.

// Limits of the console's user pages.
const (
	// UserSearchPageSize is how many users one page of a search lists.
	UserSearchPageSize = 50
	// MaxUserSearch is the longest search text accepted, in characters.
	MaxUserSearch = 255
	// userRecentActions is how many of a user's actions the user page lists.
	userRecentActions = 20
	// userDeviceLimit is how many of a user's devices the user page lists.
	userDeviceLimit = 20
)

// DiagnosisDefaultAction is the action code the uplift diagnosis uses for
// a user who has no action yet.
const DiagnosisDefaultAction = "signIn"

// UserSearchPage is one page of a user search and where the next page
// starts; Next is nil on the last page.
type UserSearchPage struct {
	Users []model.UserSummary
	Next  *model.UserCursor
}

// SearchUsers finds a tenant's users whose user id starts with text, or
// whose email address or username contains it, ignoring case; empty text
// lists every user. It returns at most UserSearchPageSize users.
func (s *Service) SearchUsers(ctx context.Context, tenantID, text string, order model.UserOrder, after *model.UserCursor) (UserSearchPage, error) {
	text = strings.TrimSpace(text)
	if !model.ValidText(text, false) || utf8.RuneCountInString(text) > MaxUserSearch {
		return UserSearchPage{}, model.Invalid("search for at most %d characters of text, without control characters", MaxUserSearch)
	}
	if after != nil && !model.ValidUserID(after.UserID) {
		return UserSearchPage{}, model.Invalid("bad page link")
	}
	if order != model.UsersByID {
		order = model.UsersNewest
	}
	users, err := s.store.SearchUsers(ctx, tenantID, model.UserSearch{Text: text, Order: order, After: after,
		Limit: UserSearchPageSize + 1})
	if err != nil {
		return UserSearchPage{}, err
	}
	page := UserSearchPage{Users: users}
	if len(users) > UserSearchPageSize {
		page.Users = users[:UserSearchPageSize]
		last := page.Users[len(page.Users)-1].User
		page.Next = &model.UserCursor{CreatedAt: last.CreatedAt, UserID: last.ID}
	}
	return page, nil
}

// UserDetail is everything the console shows about one user.
type UserDetail struct {
	User           model.User
	Authenticators []model.Authenticator
	Devices        []UserDevice
	// DiagnosisAction is the action code the devices' diagnoses use: the
	// code of the user's most recent action, else DiagnosisDefaultAction.
	DiagnosisAction string
	// Actions are the user's most recent actions, newest first.
	Actions []ActionDetail
}

// UserDevice is a device the user was seen on and the user's passkeys
// known there.
type UserDevice struct {
	model.UserDevice
	Passkeys []model.DevicePasskey
}

// ActionDetail is one of the user's actions with the rules that matched
// it and what happened with the uplift prompt during it. A rule deleted
// since has only its id.
type ActionDetail struct {
	Action model.Action
	// History is the action's states, oldest first.
	History []model.StateChange
	Rules   []model.Rule
	Winner  *model.Rule
	Events  []model.UpliftEvent
}

// UserDetail loads one of the tenant's users for the console; a user of
// another tenant is not found.
func (s *Service) UserDetail(ctx context.Context, t model.Tenant, userID string) (UserDetail, error) {
	if !model.ValidUserID(userID) {
		return UserDetail{}, model.Errorf(model.ErrNotFound, "not_found", "no user %q", userID)
	}
	u, err := s.store.User(ctx, t.ID, userID)
	if err != nil {
		return UserDetail{}, err
	}
	d := UserDetail{User: u, DiagnosisAction: DiagnosisDefaultAction}
	if d.Authenticators, err = s.store.Authenticators(ctx, t.ID, userID); err != nil {
		return d, err
	}
	if d.Actions, err = s.actionDetails(ctx, t.ID, userID); err != nil {
		return d, err
	}
	if len(d.Actions) > 0 {
		d.DiagnosisAction = d.Actions[0].Action.Code
	}
	d.Devices, err = s.userDevices(ctx, t, userID, d.Actions)
	return d, err
}

// userDevices lists the user's devices with the passkeys known on each. A
// device that never reported
// itself takes the user agent of its latest action among actions.
func (s *Service) userDevices(ctx context.Context, t model.Tenant, userID string, actions []ActionDetail) ([]UserDevice, error) {
	devs, err := s.store.UserDeviceList(ctx, t.ID, userID, userDeviceLimit)
	if err != nil {
		return nil, err
	}
	links, err := s.store.UserDevicePasskeys(ctx, t.ID, userID)
	if err != nil {
		return nil, err
	}
	out := make([]UserDevice, len(devs))
	for i, dev := range devs {
		out[i].UserDevice = dev
		for _, a := range actions {
			if out[i].Device.UserAgent == "" && a.Action.DeviceID == dev.Device.ID {
				out[i].Device.UserAgent = a.Action.UserAgent
			}
		}
		for _, l := range links {
			if l.DeviceID == dev.Device.ID {
				out[i].Passkeys = append(out[i].Passkeys, l)
			}
		}
	}
	return out, nil
}

// actionDetails loads the user's recent actions with their rules and
// uplift events.
func (s *Service) actionDetails(ctx context.Context, tenantID, userID string) ([]ActionDetail, error) {
	actions, err := s.store.QueryActions(ctx, tenantID, userID, model.ActionQuery{Limit: userRecentActions})
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(actions))
	rulesByCode := map[string]map[string]model.Rule{}
	for i, a := range actions {
		keys[i] = a.IdempotencyKey
		if _, ok := rulesByCode[a.Code]; ok || (len(a.RuleIDs) == 0 && a.PriorityRuleID == "") {
			continue
		}
		rs, err := s.store.Rules(ctx, tenantID, a.Code)
		if err != nil {
			return nil, err
		}
		byID := make(map[string]model.Rule, len(rs))
		for _, r := range rs {
			byID[r.ID] = r
		}
		rulesByCode[a.Code] = byID
	}
	events, err := s.store.ActionUpliftEvents(ctx, tenantID, userID, keys)
	if err != nil {
		return nil, err
	}
	out := make([]ActionDetail, len(actions))
	for i, a := range actions {
		out[i].Action = a
		if out[i].History, err = s.store.ActionHistory(ctx, tenantID, a.IdempotencyKey); err != nil {
			return nil, err
		}
		rule := func(id string) model.Rule {
			if r, ok := rulesByCode[a.Code][id]; ok {
				return r
			}
			return model.Rule{ID: id, TenantID: tenantID, ActionCode: a.Code}
		}
		for _, id := range a.RuleIDs {
			out[i].Rules = append(out[i].Rules, rule(id))
		}
		if a.PriorityRuleID != "" {
			w := rule(a.PriorityRuleID)
			out[i].Winner = &w
		}
		for _, e := range events {
			if e.IdempotencyKey == a.IdempotencyKey {
				out[i].Events = append(out[i].Events, e)
			}
		}
	}
	return out, nil
}
