// Filters, pages and read shapes that the store's queries take and
// return, shared by the domain packages that call them.

package model

import (
	"errors"
	"slices"
	"time"
)

// ActionQuery filters QueryActions. Empty fields do not filter (a zero
// Limit means no limit).
type ActionQuery struct {
	Codes []string
	State ActionState
	From  time.Time
	Limit int
}

// ChallengeQuery selects a code challenge: by its id, or the newest of a
// user's, narrowed by action and method when given. Empty fields do not
// select.
type ChallengeQuery struct {
	ID         string
	UserID     string
	ActionCode string
	Method     VerificationMethod
}

// StateChange is one entry of an action's state history.
type StateChange struct {
	State ActionState
	At    time.Time
	// Source says who made the change; empty for changes recorded before
	// sources were.
	Source StateSource
}

// NewAction is an action to store with what is known about it.
type NewAction struct {
	Action Action
	// Earlier lists the states the action passed through before
	// Action.State, oldest first, all at Action.StateUpdatedAt: a sign-in
	// that tracks its action and completes it at once passes through the
	// tracked state.
	Earlier []ActionState
	// DeviceKnown says the user's device (Action.DeviceID) is already
	// among the user's devices, so it need not be noted again.
	DeviceKnown bool
}

// ActionNoteDue reports whether an action created at is to be noted on
// its configuration c: the note moves at most once a minute.
func ActionNoteDue(c ActionConfig, at time.Time) bool {
	return at.Sub(c.LastActionCreatedAt) >= time.Minute
}

// Enrolment sums up a user's authenticators as deciding an action needs.
type Enrolment struct {
	// Authenticators counts them all, verified or not.
	Authenticators int
	// Passkeys counts the passkeys among them.
	Passkeys int
	// Methods lists the methods of the verified ones, once each, in the
	// order of Methods.
	Methods []VerificationMethod
}

// EnrolmentOf sums up authenticators.
func EnrolmentOf(auths []Authenticator) Enrolment {
	var e Enrolment
	for _, a := range auths {
		e.Add(a.Method, !a.VerifiedAt.IsZero())
	}
	return e
}

func (e *Enrolment) Add(m VerificationMethod, verified bool) {
	e.Authenticators++
	if m == MethodPasskey {
		e.Passkeys++
	}
	if !verified || !slices.Contains(Methods, m) || slices.Contains(e.Methods, m) {
		return
	}
	e.Methods = append(e.Methods, m)
	slices.SortFunc(e.Methods, func(a, b VerificationMethod) int {
		return slices.Index(Methods, a) - slices.Index(Methods, b)
	})
}

// ErrStale is returned by a conditional write whose row changed since the
// caller read it (another attempt was counted, or the code or time step
// was used meanwhile). The caller reads the row again and decides anew.
var ErrStale = errors.New("the row changed since it was read")

// UserDevice is a device a user was seen on: through an action (FirstSeenAt
// is then the first action's time), an uplift event, or because one of the
// user's passkeys is known there. Device is the zero value, but for its id, when the
// device never reported itself.
type UserDevice struct {
	Device      Device
	FirstSeenAt time.Time
	// HeldPasskeyAt is when the device's authenticator last refused a
	// registration because it already holds one of the user's passkeys;
	// zero when it never did.
	HeldPasskeyAt time.Time
}

// UserSummary is one row of a user search: the user, their passkey
// count, the methods they have verified and when they last had an action.
type UserSummary struct {
	User         User
	Passkeys     int
	Methods      []VerificationMethod
	LastActionAt time.Time
}

// UserCursor marks where a page of SearchUsers ended: the last user's
// creation time and id.
type UserCursor struct {
	CreatedAt time.Time
	UserID    string
}

// UserSearch filters and pages SearchUsers. Text matches the start of a
// user id, or any part of an email address or username, without regard
// to case and always literally (% and _ are plain characters); empty text
// matches every user. After continues from the previous page's last user.
type UserSearch struct {
	Text  string
	Order UserOrder
	After *UserCursor
	Limit int
}

// UserOrder is the order SearchUsers lists users in.
type UserOrder string

// The orders of SearchUsers.
const (
	// UsersNewest lists the most recently created users first.
	UsersNewest UserOrder = "newest"
	// UsersByID lists users by user id, A to Z.
	UsersByID UserOrder = "id"
)

// SendCeilingTrip is an hour in which a tenant's ceiling on sends refused
// codes.
type SendCeilingTrip struct {
	Method VerificationMethod
	// Sends and Refused count the codes sent and refused that hour.
	Sends, Refused int
	// FirstRefusedAt is when the first was refused.
	FirstRefusedAt time.Time
}

// SigningUser is what a username-less sign-in reads of the passkey that
// signed it, in one query: the passkey, its user's WebAuthn handle, and
// the user with the facts their action is decided on.
type SigningUser struct {
	Passkey Passkey
	Handle  []byte
	UserFacts
}

// UserFacts is a user with what deciding their action needs besides:
// their devices and their enrolment.
type UserFacts struct {
	User User
	// Devices counts the distinct devices the user's actions came from;
	// DeviceKnown says the device in hand is among them.
	Devices     int
	DeviceKnown bool
	Enrolment   Enrolment
}

// UserQuery filters QueryUsers. Empty fields do not filter (a zero Limit
// means no limit); email and username match without regard to case.
// After pages by user id.
type UserQuery struct {
	Email       string
	PhoneNumber string
	Username    string
	After       string
	Limit       int
}

// AdoptionDay is one UTC day of a tenant's passkey adoption. Days without
// a tracked action are left out.
type AdoptionDay struct {
	// Day is the day's first instant, midnight UTC.
	Day time.Time
	// ActiveUsers counts the users with at least one action created that day.
	ActiveUsers int
	// ActiveUsersWithPasskey counts those of them who had a passkey created
	// before the day ended. Deleted passkeys are gone, so they count for
	// no day.
	ActiveUsersWithPasskey int
	// SignIns counts the actions created that day whose challenge
	// succeeded: their state is CHALLENGE_SUCCEEDED, or a challenge
	// verified them before a later state change.
	SignIns int
	// PasskeySignIns counts those of them verified with a passkey.
	PasskeySignIns int
}

// UpliftEventCount counts a tenant's uplift events of one kind, reason
// and platform.
type UpliftEventCount struct {
	Kind UpliftEventKind
	// Reason is the decision's reason code on evaluated events, else empty.
	Reason string
	// Platform is the device's operating system, empty when unknown.
	Platform string
	Count    int
}
