package console

import (
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/admin"
	"github.com/uplift-dev/uplift/internal/codes"
	"github.com/uplift-dev/uplift/internal/devices"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/passkeys"
	"github.com/uplift-dev/uplift/internal/prompt"
	"github.com/uplift-dev/uplift/internal/providers"
	"github.com/uplift-dev/uplift/internal/uplift"
)

// usersView is the users page: the search form and one page of results.
type usersView struct {
	Query string
	// QueryError is said next to the search box when the search is refused.
	QueryError string
	Order      string
	Orders     []orderOption
	MaxQuery   int
	Rows       []userRow
	// NextURL is the next page's link; FirstURL leads back to the first
	// page when this is a later one.
	NextURL, FirstURL string
}

type orderOption struct{ Value, Label string }

// userRow is one user in the search results.
type userRow struct {
	ID, URL, Email, Username string
	EmailVerified            bool
	Passkeys                 int
	Methods                  string
	LastActionAt             time.Time
}

var userOrders = []orderOption{
	{string(model.UsersNewest), "Newest first"},
	{string(model.UsersByID), "User id, A to Z"},
}

// Users shows the tenant's users: the most recent first, or those a
// search finds, fifty at a time.
func (c *Console) Users(w http.ResponseWriter, r *http.Request, s *Session) error {
	q := r.URL.Query()
	v := usersView{Query: q.Get("q"), Order: q.Get("order"), Orders: userOrders, MaxQuery: actions.MaxUserSearch}
	if v.Order != string(model.UsersByID) {
		v.Order = string(model.UsersNewest)
	}
	after, err := parseUserCursor(q.Get("after"))
	if err != nil {
		c.render(w, r, http.StatusBadRequest, "users", s, View{Title: "Users", Section: "users",
			Error: "This page link is not valid. Search again from the first page.", Data: v})
		return nil
	}
	page, err := c.svc.SearchUsers(r.Context(), s.Tenant.ID, v.Query, model.UserOrder(v.Order), after)
	if errors.Is(err, model.ErrInvalid) {
		v.QueryError = "Search for at most " + strconv.Itoa(actions.MaxUserSearch) + " characters."
		c.render(w, r, http.StatusBadRequest, "users", s, View{Title: "Users", Section: "users",
			Error: "The search was not run. Shorten it and try again.", Data: v})
		return nil
	}
	if err != nil {
		return err
	}
	for _, u := range page.Users {
		v.Rows = append(v.Rows, userRow{ID: u.User.ID, URL: userURL(u.User.ID), Email: u.User.Email,
			EmailVerified: u.User.EmailVerified, Username: u.User.Username, Passkeys: u.Passkeys,
			Methods: methodList(u.Methods), LastActionAt: u.LastActionAt})
	}
	if page.Next != nil {
		v.NextURL = usersURL(v.Query, v.Order, formatUserCursor(*page.Next))
	}
	if after != nil {
		v.FirstURL = usersURL(v.Query, v.Order, "")
	}
	c.render(w, r, http.StatusOK, "users", s, View{Title: "Users", Section: "users", Data: v})
	return nil
}

// usersURL links to a page of a search.
func usersURL(query, order, after string) string {
	vals := url.Values{}
	if query != "" {
		vals.Set("q", query)
	}
	if order != string(model.UsersNewest) {
		vals.Set("order", order)
	}
	if after != "" {
		vals.Set("after", after)
	}
	if len(vals) == 0 {
		return admin.ConsolePath + "/users"
	}
	return admin.ConsolePath + "/users?" + vals.Encode()
}

// userURL is the console page of a user; the id is escaped, since a user
// id may hold any character but a slash.
func userURL(id string) string { return admin.ConsolePath + "/users/" + url.PathEscape(id) }

// formatUserCursor writes where a page ended as an opaque link value.
func formatUserCursor(c model.UserCursor) string {
	raw := strconv.FormatInt(c.CreatedAt.UnixMicro(), 10) + ":" + c.UserID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// parseUserCursor reads formatUserCursor's value; empty means the first
// page.
func parseUserCursor(s string) (*model.UserCursor, error) {
	if s == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, model.Invalid("bad page link")
	}
	at, id, ok := strings.Cut(string(raw), ":")
	micros, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || id == "" {
		return nil, model.Invalid("bad page link")
	}
	return &model.UserCursor{CreatedAt: time.UnixMicro(micros).UTC(), UserID: id}, nil
}

// methodNames are the words the console uses for verification methods.
var methodNames = map[model.VerificationMethod]string{
	model.MethodPasskey:          "Passkey",
	model.MethodEmailOTP:         "Email code",
	model.MethodSMS:              "Text message code",
	model.MethodAuthenticatorApp: "Authenticator app",
	model.MethodSecurityKey:      "Security key",
	model.MethodRecoveryCode:     "Recovery code",
	model.MethodEmailMagicLink:   "Email magic link",
}

// methodName says a verification method in words.
func methodName(m model.VerificationMethod) string {
	if n, ok := methodNames[m]; ok {
		return n
	}
	return string(m)
}

// methodList says methods in words, or "None".
func methodList(ms []model.VerificationMethod) string {
	if len(ms) == 0 {
		return "None"
	}
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = methodName(m)
	}
	return strings.Join(names, ", ")
}

// User shows one of the tenant's users: profile, passkeys, other methods,
// devices with the uplift diagnosis for each, and recent actions. A user
// of another tenant is not found.
func (c *Console) User(w http.ResponseWriter, r *http.Request, s *Session) error {
	d, err := c.svc.UserDetail(r.Context(), s.Tenant, r.PathValue("userId"))
	if err != nil {
		return err
	}
	diagnoses := make([]prompt.Diagnosis, len(d.Devices))
	for i, dev := range d.Devices {
		if diagnoses[i], err = c.prompt.DiagnoseUplift(r.Context(), s.Tenant, d.User.ID, dev.Device.ID, d.DiagnosisAction); err != nil {
			return err
		}
	}
	locks, err := c.codes.CodeLocks(r.Context(), s.Tenant.ID, d.User.ID)
	if err != nil {
		return err
	}
	pks, err := c.keys.PasskeyViews(r.Context(), s.Tenant.ID, d.User.ID)
	if err != nil {
		return err
	}
	v := newUserView(d, pks, diagnoses, locks, c.svc.Now())
	if v.OptedOutAt, err = c.prompt.OptedOutAt(r.Context(), s.Tenant.ID, d.User.ID); err != nil {
		return err
	}
	v.ResetOptOutURL = userURL(d.User.ID) + "/uplift-opt-out/reset"
	c.render(w, r, http.StatusOK, "user", s, View{Title: "User " + d.User.ID, Section: "users", Data: v})
	return nil
}

// userView is the user page in words.
type userView struct {
	User     model.User
	Passkeys []passkeyRow
	Methods  []methodRow
	Devices  []deviceRow
	// DiagnosisAction is the action code the diagnoses use and
	// DiagnosisSource says why that one.
	DiagnosisAction, DiagnosisSource string
	Actions                          []actionRow
	Locks                            []lockRow
	// OptedOutAt is when the user chose "Don't ask again"; zero if not.
	OptedOutAt     time.Time
	ResetOptOutURL string
}

type passkeyRow struct {
	Name, Browser, DeviceID string
	// Icon is the provider's icon, a data URL, when its AAGUID is known.
	Icon              template.URL
	Created, LastUsed time.Time
	Sync, Attachment  string
	Warnings          []string
}

type methodRow struct {
	Method, Detail, Verified string
	Default                  bool
	Created, LastUsed        time.Time
}

type deviceRow struct {
	ID, Platform, Browser string
	FirstSeen, LastSeen   time.Time
	Capability            string
	CapabilityAt          time.Time
	Passkeys              []string
	// Diagnosis is the uplift diagnosis in words; Reason is its code.
	Diagnosis, Reason string
}

type actionRow struct {
	At            time.Time
	Code, CodeURL string
	State, Method string
	// History lists the states before the current one, oldest first.
	History      []eventRow
	Rules        []ruleLink
	Winner       *ruleLink
	DeviceID, IP string
	Events       []eventRow
}

type ruleLink struct{ Name, URL string }

type eventRow struct {
	At           time.Time
	What, Detail string
}

// newUserView puts a user's detail in words, with the uplift diagnosis of
// each of their devices, in the order of d.Devices, their passkeys and
// their code locks.
func newUserView(d actions.UserDetail, pks []passkeys.PasskeyView, diagnoses []prompt.Diagnosis, locks []codes.CodeLock, now time.Time) userView {
	v := userView{User: d.User, DiagnosisAction: d.DiagnosisAction,
		DiagnosisSource: "the code of the user's most recent action"}
	if len(d.Actions) == 0 {
		v.DiagnosisSource = "the user has no action yet, so " + actions.DiagnosisDefaultAction + " is used"
	}
	names := map[string]string{}
	for _, p := range pks {
		row := newPasskeyRow(p)
		names[p.Passkey.AuthenticatorID] = row.Name
		v.Passkeys = append(v.Passkeys, row)
	}
	for _, a := range d.Authenticators {
		if a.Method != model.MethodPasskey {
			v.Methods = append(v.Methods, newMethodRow(a))
		}
	}
	for i, dev := range d.Devices {
		v.Devices = append(v.Devices, newDeviceRow(dev, diagnoses[i], names, now))
	}
	for _, a := range d.Actions {
		v.Actions = append(v.Actions, newActionRow(a))
	}
	for _, l := range locks {
		v.Locks = append(v.Locks, newLockRow(d.User.ID, l, now))
	}
	return v
}

// lockRow is one code method with wrong codes on record, locked or not.
type lockRow struct {
	Method, Status string
	Failures       int
	LiftURL        string
}

func newLockRow(userID string, l codes.CodeLock, now time.Time) lockRow {
	row := lockRow{Method: methodName(l.Method), Failures: l.Failures,
		LiftURL: userURL(userID) + "/locks/" + string(l.Method) + "/lift",
		Status: fmt.Sprintf("Open: %s in a row; %d more lock it",
			plural(int64(l.Failures), "wrong code", "wrong codes"), l.Left)}
	if !l.LockedUntil.IsZero() {
		row.Status = "Locked after too many wrong codes until " + formatTime(l.LockedUntil, "2 Jan 2006 15:04 MST") +
			" (" + codes.Roughly(l.LockedUntil.Sub(now)) + " from now)"
	}
	return row
}

// ResetOptOut forgets the user's "Don't ask again", so the passkey prompt
// may appear again on any of the user's devices.
func (c *Console) ResetOptOut(w http.ResponseWriter, r *http.Request, s *Session) error {
	userID := r.PathValue("userId")
	reset, err := c.prompt.ResetOptOut(r.Context(), s.Tenant.ID, userID)
	if err != nil {
		return err
	}
	if !reset {
		return model.NotFound("the user has not chosen Don't ask again")
	}
	c.log.InfoContext(r.Context(), "uplift opt-out reset", "tenant", s.Tenant.ID, "user", userID, "admin", s.Admin.ID)
	redirect(w, r, userURL(userID), "opt-out-reset")
	return nil
}

// LiftLock lifts a lock on one of the user's code methods (and forgets
// the wrong codes on record), so the user can enter codes at once.
func (c *Console) LiftLock(w http.ResponseWriter, r *http.Request, s *Session) error {
	userID := r.PathValue("userId")
	m := model.VerificationMethod(r.PathValue("method"))
	if err := c.codes.LiftCodeLock(r.Context(), s.Tenant.ID, userID, m, s.Admin.ID); err != nil {
		return err
	}
	redirect(w, r, userURL(userID), "lock-lifted")
	return nil
}

func newPasskeyRow(pv passkeys.PasskeyView) passkeyRow {
	p := pv.Passkey
	row := passkeyRow{Name: p.Name, Browser: browserOn(p.ParsedUserAgent), DeviceID: p.DeviceID,
		Created: p.CreatedAt, LastUsed: p.LastVerifiedAt, Sync: "Single-device", Attachment: attachmentWords(p.Attachment)}
	if pv.Provider != nil {
		row.Name, row.Icon = pv.Provider.Name, providers.IconURL(pv.Provider.SVGIconLight)
	}
	if row.Name == "" {
		row.Name = "Passkey"
	}
	switch {
	case p.Flags.BackupEligible && p.Flags.BackupState:
		row.Sync = "Synced (backed up)"
	case p.Flags.BackupEligible:
		row.Sync = "Synced (not backed up yet)"
	}
	if p.CounterRegressions > 0 {
		row.Warnings = append(row.Warnings, plural(p.CounterRegressions, "sign-in", "sign-ins")+
			" refused because the signature counter went back, last on "+formatTime(p.LastCounterRegressionAt, "2 Jan 2006"))
	}
	if p.BackupEligibleChanges > 0 {
		row.Warnings = append(row.Warnings, "Backup eligibility changed "+plural(p.BackupEligibleChanges, "time", "times")+
			", last on "+formatTime(p.BackupEligibleChangedAt, "2 Jan 2006"))
	}
	return row
}

// browserOn says the browser and system of a user agent, such as
// "Chrome 130 on macOS"; "Not reported" when neither is known.
func browserOn(ua model.UserAgent) string {
	b := strings.TrimSpace(ua.BrowserName + " " + ua.BrowserMajor)
	o := strings.TrimSpace(ua.OSName + " " + ua.OSVersion)
	switch {
	case b != "" && o != "":
		return b + " on " + o
	case b != "":
		return b
	case o != "":
		return o
	}
	return "Not reported"
}

func attachmentWords(a string) string {
	switch a {
	case "platform":
		return "Built into the device (platform)"
	case "cross-platform":
		return "Another device or security key (cross-platform)"
	}
	return "Not reported"
}

func newMethodRow(a model.Authenticator) methodRow {
	row := methodRow{Method: methodName(a.Method), Detail: a.Email + a.PhoneNumber, Default: a.IsDefault,
		Created: a.CreatedAt, LastUsed: a.LastVerifiedAt, Verified: "Not verified"}
	if !a.VerifiedAt.IsZero() {
		row.Verified = "Verified on " + formatTime(a.VerifiedAt, "2 Jan 2006")
	}
	return row
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(n, 10) + " " + many
}

func newDeviceRow(d actions.UserDevice, dg prompt.Diagnosis, passkeyNames map[string]string, now time.Time) deviceRow {
	ua := devices.ParseUserAgent(d.Device.UserAgent)
	row := deviceRow{ID: d.Device.ID, Platform: "Not reported", Browser: "Not reported",
		FirstSeen: d.FirstSeenAt, LastSeen: d.Device.LastSeenAt, CapabilityAt: d.Device.CapabilitiesAt,
		Reason: string(dg.Decision.Reason), Diagnosis: diagnosisWords(dg, now)}
	if o := strings.TrimSpace(ua.OSName + " " + ua.OSVersion); o != "" {
		row.Platform = o
	}
	if b := strings.TrimSpace(ua.BrowserName + " " + ua.BrowserMajor); b != "" {
		row.Browser = b
	}
	caps := d.Device.Capabilities
	switch {
	case len(caps) == 0 && d.Device.CapabilitiesAt.IsZero():
		row.Capability = "Not reported"
	case caps[prompt.CapPublicKeyCredential] == true && caps[prompt.CapPlatformAuthenticator] == true:
		row.Capability = "Can create passkeys"
	case caps[prompt.CapPublicKeyCredential] != true:
		row.Capability = "Cannot create passkeys: the browser did not report WebAuthn"
	default:
		row.Capability = "Cannot create passkeys: no user-verifying platform authenticator"
	}
	for _, l := range d.Passkeys {
		name := passkeyNames[l.AuthenticatorID]
		switch l.Relation {
		case model.RelationCreated:
			row.Passkeys = append(row.Passkeys, name+": created here on "+formatTime(l.FirstAt, "2 Jan 2006"))
		case model.RelationUsedPlatform:
			row.Passkeys = append(row.Passkeys, name+": used here with the built-in authenticator, last on "+
				formatTime(l.LastAt, "2 Jan 2006"))
		}
	}
	if !d.HeldPasskeyAt.IsZero() {
		row.Passkeys = append(row.Passkeys, "The authenticator here said it already holds one of the user's passkeys, on "+
			formatTime(d.HeldPasskeyAt, "2 Jan 2006"))
	}
	return row
}

// diagnosisWords says an uplift diagnosis as a sentence an admin can act
// on, with times relative to now and dates in full.
func diagnosisWords(dg prompt.Diagnosis, now time.Time) string {
	frequency := lowerFirst(uplift.IntervalLabel(int64(dg.Interval / time.Second)))
	switch dg.Decision.Reason {
	case uplift.ReasonEligible:
		if dg.LastDismissal.IsZero() {
			return "Shown after the next sign-in."
		}
		return "Shown after the next sign-in. Last dismissed " + ago(dg.LastDismissal, now) +
			"; prompt frequency is " + frequency + "."
	case uplift.ReasonFrequencyNotElapsed:
		wait := ""
		if dg.Backoff && dg.Dismissals > 1 {
			wait = "; after " + plural(int64(dg.Dismissals), "dismissal", "dismissals") +
				" here the wait doubles to " + strings.TrimPrefix(lowerFirst(uplift.IntervalLabel(int64(dg.Wait/time.Second))), "every ")
		}
		return "Hidden: dismissed " + ago(dg.LastDismissal, now) + "; prompt frequency is " + frequency + wait +
			"; next eligible on " + formatTime(dg.NextEligibleAt, "2 Jan 2006") + "."
	case uplift.ReasonPromptDisabled:
		return "Hidden: the prompt is " + lowerFirst(effectiveWords(dg.PromptOn, dg.PromptFrom, "")) + "."
	case uplift.ReasonNotInRollout:
		return fmt.Sprintf("Hidden: the prompt is rolled out to %d%% of users, and this user is not among them (bucket %d of 0 to 99).",
			dg.RolloutPercent, dg.RolloutBucket)
	case uplift.ReasonOptedOut:
		return "Hidden on every device: the user chose Don't ask again on " + formatTime(dg.OptedOutAt, "2 Jan 2006") +
			". Reset it below to prompt the user again."
	case uplift.ReasonDismissalLimitReached:
		return "Hidden on this device: the user chose Not now " + plural(int64(dg.Dismissals), "time", "times") +
			" here, and the limit is " + strconv.Itoa(dg.MaxDismissals) + ". Other devices may still be prompted."
	}
	return "Hidden: " + lowerFirst(dg.Decision.Reason.Explain())
}

// ago says how long before now t was, such as "2 days ago".
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int64(d/time.Minute), "minute", "minutes") + " ago"
	case d < 24*time.Hour:
		return plural(int64(d/time.Hour), "hour", "hours") + " ago"
	}
	return plural(int64(d/(24*time.Hour)), "day", "days") + " ago"
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func newActionRow(a actions.ActionDetail) actionRow {
	row := actionRow{At: a.Action.CreatedAt, Code: a.Action.Code,
		CodeURL: admin.ConsolePath + "/actions/" + url.PathEscape(a.Action.Code),
		State:   stateWords(a.Action.State), Method: "None", DeviceID: a.Action.DeviceID, IP: a.Action.IPAddress}
	if a.Action.VerificationMethod != "" {
		row.Method = methodName(a.Action.VerificationMethod)
	}
	if n := len(a.History); n > 1 {
		for _, h := range a.History[:n-1] {
			row.History = append(row.History, eventRow{At: h.At, What: lowerFirst(stateWords(h.State))})
		}
	}
	for _, r := range a.Rules {
		row.Rules = append(row.Rules, newRuleLink(r))
	}
	if a.Winner != nil {
		w := newRuleLink(*a.Winner)
		row.Winner = &w
	}
	for _, e := range a.Events {
		row.Events = append(row.Events, newEventRow(e))
	}
	return row
}

// newRuleLink links to a rule; a rule deleted since keeps its id as its
// name and has no link.
func newRuleLink(r model.Rule) ruleLink {
	if r.Name == "" {
		return ruleLink{Name: "Deleted rule " + r.ID}
	}
	return ruleLink{Name: r.Name,
		URL: admin.ConsolePath + "/actions/" + url.PathEscape(r.ActionCode) + "/rules/" + url.PathEscape(r.ID)}
}

func newEventRow(e model.UpliftEvent) eventRow {
	row := eventRow{At: e.At, What: string(e.Kind)}
	switch e.Kind {
	case model.UpliftEvaluated:
		row.What = "Evaluated"
		row.Detail = e.Reason
	case model.UpliftShown:
		row.What = "Shown"
	case model.UpliftAccepted:
		row.What = "Accepted: passkey created"
	case model.UpliftDismissed:
		row.What = "Dismissed"
	case model.UpliftFailed:
		row.What = "Failed"
		row.Detail = e.Cause
	}
	switch e.Surface { // where shown; the hosted pages go without saying
	case model.SurfaceComponent:
		row.What += " (web component)"
	case model.SurfaceAPI:
		row.What += " (app's own prompt)"
	}
	return row
}

// stateWords says an action state as words: CHALLENGE_SUCCEEDED is
// "Challenge succeeded".
func stateWords(st model.ActionState) string {
	w := strings.ToLower(strings.ReplaceAll(string(st), "_", " "))
	if w == "" {
		return w
	}
	return strings.ToUpper(w[:1]) + w[1:]
}
