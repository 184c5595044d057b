package hosted

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/actions"
	"github.com/uplift-dev/uplift/internal/devices"
	"github.com/uplift-dev/uplift/internal/i18n"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/passkeys"
	"github.com/uplift-dev/uplift/internal/providers"
)

// The Passkeys page: where a track with redirectToSettings leads once the
// user has proved who they are in that action. It lists the user's
// passkeys (provider, where and when each was made and last used), lets
// them rename and remove them (never the last way in), and offers to add
// one when the uplift decision says this device is eligible. Every step
// checks again that the flow's action allows it (passkeys and actions
// check it once more inside their transactions); another user's passkey
// is never found.

// settingsPath is the Passkeys page.
const settingsPath = "/login/passkeys"

// settingsView is the Passkeys page.
type settingsView struct {
	Passkeys []passkeyRow
	// CanAdd offers "Add a passkey": the uplift decision says eligible.
	CanAdd bool
	// Done is the way back to the app.
	Done string
	// MaxName is the longest name a passkey may have.
	MaxName int
	// EditID and EditName keep what the user typed into a rename form
	// the server refused, so nothing is lost.
	EditID, EditName string
	// Signal is what the script tells the credential manager: the
	// passkeys the server accepts, and one it just forgot.
	Signal *settingsSignal
}

// settingsSignal feeds PublicKeyCredential.signalAllAcceptedCredentials
// and signalUnknownCredential.
type settingsSignal struct {
	RPID, UserID string
	// Accepted is the credential ids of the user's passkeys, base64url,
	// space-separated.
	Accepted string
	// Unknown is the credential id of the passkey just removed.
	Unknown string
	// Name and DisplayName are the user's current names, for
	// signalCurrentUserDetails.
	Name, DisplayName string
}

// passkeyRow is one passkey on the Passkeys page.
type passkeyRow struct {
	ID       string
	Name     string
	Provider *providerView
	// CreatedWhere and UsedWhere name a browser and system, or "this
	// device".
	CreatedWhere, UsedWhere string
	Created, LastUsed       timeView
	// CreatedText and UsedText say where and when, in the page's
	// language, each time in a <time> element.
	CreatedText, UsedText template.HTML
}

// timeView is a moment as the page shows it.
type timeView struct {
	Text, ISO string
}

func showTime(l i18n.Lang, t time.Time) timeView {
	if t.IsZero() {
		return timeView{}
	}
	return timeView{Text: l.DateTime(t), ISO: t.UTC().Format(time.RFC3339)}
}

// HTML is the moment as a <time> element.
func (tv timeView) HTML() template.HTML {
	return template.HTML(`<time datetime="` + template.HTMLEscapeString(tv.ISO) + `">` +
		template.HTMLEscapeString(tv.Text) + `</time>`)
}

// settingsNotices are the confirmations a step hands the page after it
// (the query names one; no text travels in the URL), by message id.
var settingsNotices = map[string]string{
	"renamed": "passkeys.renamed",
	"removed": "passkeys.removed",
	"added":   "passkeys.added",
}

// Passkeys serves GET /login/passkeys?token=...: the Passkeys page. A
// flow whose user has not proved who they are yet goes to the challenge.
// Without a token, ?tenant=... is the page password managers are sent
// to (see passkeysEntry).
func (p *Pages) Passkeys(w http.ResponseWriter, r *http.Request) error {
	if q := r.URL.Query(); q.Get("token") == "" && q.Has("tenant") {
		return p.passkeysEntry(w, r, q.Get("tenant"))
	}
	f, err := p.openFlow(w, r, r.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	a, err := p.settingsAction(r.Context(), f)
	if errors.Is(err, errProveFirst) {
		return seeOther(w, r, "/login?"+f.query())
	}
	if err != nil {
		return err
	}
	v, err := p.settingsPage(r.Context(), f, a)
	if err != nil {
		return err
	}
	if id, ok := settingsNotices[r.URL.Query().Get("done")]; ok {
		v.Notice = f.lang.T(id)
	}
	if v.Settings.Signal != nil {
		v.Settings.Signal.Unknown = forgotten(r.URL.Query().Get("forget"), v.Settings.Signal.Accepted)
	}
	p.render(w, http.StatusOK, "passkeys", v)
	return nil
}

// forgotten returns id, a credential id in base64url, when the user no
// longer has it, so the page may tell the credential manager to forget
// it; "" otherwise, so a crafted link cannot make it forget a passkey
// the server still accepts.
func forgotten(id, accepted string) string {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if id == "" || err != nil || len(raw) == 0 || len(raw) > 1023 {
		return ""
	}
	for _, a := range strings.Fields(accepted) {
		if a == id {
			return ""
		}
	}
	return id
}

// RenamePasskey serves POST /login/passkeys/rename (fields id, name). A
// name the server refuses shows the page again with the reason, what
// was typed still in the field.
func (p *Pages) RenamePasskey(w http.ResponseWriter, r *http.Request) error {
	f, a, err := p.settingsStep(r)
	if err != nil {
		return err
	}
	id, name := r.PostFormValue("id"), r.PostFormValue("name")
	_, err = p.keys.RenamePasskey(r.Context(), f.caller, id, name)
	if errors.Is(err, model.ErrInvalid) {
		v, verr := p.settingsPage(r.Context(), f, a)
		if verr != nil {
			return verr
		}
		v.Error = renameProblem(f.lang, err)
		v.Settings.EditID, v.Settings.EditName = id, name
		p.render(w, http.StatusBadRequest, "passkeys", v)
		return nil
	}
	if err != nil {
		return err
	}
	return p.backToSettings(w, r, f, "renamed", "")
}

// renameProblem says in a sentence, in l, why a name was refused: empty,
// too long, or holding characters a name cannot have.
func renameProblem(l i18n.Lang, err error) string {
	var me *model.Error
	switch {
	case errors.As(err, &me) && me.Description == "name is empty":
		return l.T("passkeys.nameEmpty")
	case errors.As(err, &me) && strings.HasPrefix(me.Description, "name is longer"):
		return l.T("passkeys.nameLong", "Max", passkeys.MaxPasskeyName)
	}
	return l.T("passkeys.nameBad")
}

// RemovePasskey serves POST /login/passkeys/remove (field id). Removing
// the user's only way in is refused, on the page, with what to do.
func (p *Pages) RemovePasskey(w http.ResponseWriter, r *http.Request) error {
	f, a, err := p.settingsStep(r)
	if err != nil {
		return err
	}
	pk, err := p.keys.RemovePasskey(r.Context(), f.caller, r.PostFormValue("id"))
	if errors.Is(err, model.ErrConflict) {
		v, verr := p.settingsPage(r.Context(), f, a)
		if verr != nil {
			return verr
		}
		v.Error = f.lang.T("passkeys.removeLast")
		p.render(w, http.StatusConflict, "passkeys", v)
		return nil
	}
	if err != nil {
		return err
	}
	return p.backToSettings(w, r, f, "removed", base64.RawURLEncoding.EncodeToString(pk.CredentialID))
}

// AddPasskeyWithoutScript serves POST /login/passkeys/add, where "Add a
// passkey" posts when the page's script did not run.
func (p *Pages) AddPasskeyWithoutScript(w http.ResponseWriter, r *http.Request) error {
	f, a, err := p.settingsStep(r)
	if err != nil {
		return err
	}
	v, err := p.settingsPage(r.Context(), f, a)
	if err != nil {
		return err
	}
	v.Error = f.lang.T("passkeys.needsScript")
	p.render(w, http.StatusOK, "passkeys", v)
	return nil
}

// AddPasskeyOptions serves POST /login/passkeys/add/options: the options
// to create a passkey on this device, its user's passkeys excluded.
func (p *Pages) AddPasskeyOptions(w http.ResponseWriter, r *http.Request) error {
	return p.platformOptions(w, r, p.settingsAction)
}

// AddPasskey serves POST /login/passkeys/add/verify: it verifies and
// stores the new passkey, bound to this device, and answers with the
// Passkeys page to go back to.
func (p *Pages) AddPasskey(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Token       string          `json:"token" text:"4096"`
		ChallengeID string          `json:"challengeId" text:"uuid"`
		Credential  json.RawMessage `json:"credential"`
	}
	f, err := p.jsonFlow(r, &in, &in.Token)
	if err != nil {
		return err
	}
	if _, err := p.settingsAction(r.Context(), f); err != nil {
		return err
	}
	if _, err := p.keys.AddPasskey(r.Context(), f.caller, passkeys.AddPasskeyInput{ChallengeID: in.ChallengeID,
		Response: in.Credential, DeviceID: f.deviceID, UserAgent: r.UserAgent()}); err != nil {
		return err
	}
	next, err := p.settingsLink(f, "added", "")
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, nextJSON{Next: next})
}

// errProveFirst is a flow whose user has not completed its challenge yet.
var errProveFirst = model.Errorf(model.ErrForbidden, "not_verified", "the user has not proved who they are in this action")

// settingsAction loads the flow's action and checks that it opens the
// Passkeys page (actions.ManageableAction) in this browser; an action
// still waiting for its challenge is errProveFirst.
func (p *Pages) settingsAction(ctx context.Context, f *flow) (model.Action, error) {
	a, err := p.action(ctx, f)
	if err != nil {
		return a, err
	}
	if a.RedirectToSettings && (a.State == model.StateChallengeRequired || a.State == model.StateAllow) {
		return a, errProveFirst
	}
	if err := actions.ManageableAction(a); err != nil {
		return a, &pageError{err: model.Errorf(model.ErrForbidden, "action_closed", "%v", err)}
	}
	if f.claims().DeviceID == "" || f.claims().DeviceID != f.deviceID {
		// The page's steps hand on tokens bound to the browser the user
		// proved themselves in; any other token of the action (the
		// track url's, or one copied into another browser) does not
		// open the page.
		return a, &pageError{err: model.Errorf(model.ErrForbidden, "action_closed",
			"the token is not bound to this browser")}
	}
	return a, nil
}

// settingsStep resumes the flow of a post from the Passkeys page and
// checks that its action still opens the page.
func (p *Pages) settingsStep(r *http.Request) (*flow, model.Action, error) {
	f, err := p.formFlow(r)
	if err != nil {
		return nil, model.Action{}, err
	}
	a, err := p.settingsAction(r.Context(), f)
	return f, a, err
}

// settingsPage builds the Passkeys page of flow f: the user's passkeys,
// and "Add a passkey" when the uplift decision for this device says
// eligible (the decision is stored, like every other).
func (p *Pages) settingsPage(ctx context.Context, f *flow, a model.Action) (view, error) {
	t := f.tenant()
	views, err := p.keys.PasskeyViews(ctx, t.ID, a.UserID)
	if err != nil {
		return view{}, err
	}
	dec, err := p.prompt.EvaluateUplift(ctx, t, a, f.deviceID)
	if err != nil {
		return view{}, err
	}
	v := p.baseView(f, problem{Title: f.lang.T("page.title.passkeys")})
	s := settingsView{CanAdd: dec.Show, Done: "/login/finish?" + f.query(), MaxName: passkeys.MaxPasskeyName}
	uses, err := p.keys.LastUses(ctx, t.ID, a.UserID)
	if err != nil {
		return view{}, err
	}
	var accepted []string
	for _, pv := range views {
		s.Passkeys = append(s.Passkeys, rowOf(f, pv, uses[pv.Passkey.AuthenticatorID]))
		accepted = append(accepted, base64.RawURLEncoding.EncodeToString(pv.Passkey.CredentialID))
	}
	handle, err := p.keys.UserHandle(ctx, t.ID, a.UserID)
	switch {
	case err == nil:
		u, err := p.svc.User(ctx, t.ID, a.UserID)
		if err != nil {
			return view{}, err
		}
		s.Signal = &settingsSignal{RPID: t.RPID, UserID: base64.RawURLEncoding.EncodeToString(handle),
			Accepted: strings.Join(accepted, " ")}
		s.Signal.Name, s.Signal.DisplayName = passkeys.CredentialNames(u)
	case !errors.Is(err, model.ErrNotFound):
		return view{}, err
	}
	v.Settings = s
	return v, nil
}

// rowOf describes one passkey: its provider when the AAGUID names
// one, where and when it was created and last used.
func rowOf(f *flow, pv passkeys.PasskeyView, use model.PasskeyUse) passkeyRow {
	pk := pv.Passkey
	l := f.lang
	row := passkeyRow{ID: pk.AuthenticatorID, Name: pk.Name, Created: showTime(l, pk.CreatedAt),
		CreatedWhere: where(f, pk.DeviceID, pk.ParsedUserAgent)}
	if row.Name == "" {
		row.Name = l.T("passkeys.defaultName")
	}
	if pv.Provider != nil {
		row.Provider = &providerView{Name: pv.Provider.Name, Icon: providers.IconURL(pv.Provider.SVGIconLight)}
	}
	if !pk.LastVerifiedAt.Equal(pk.CreatedAt) {
		row.LastUsed = showTime(l, pk.LastVerifiedAt)
		if use.DeviceID != "" || use.UserAgent != "" {
			row.UsedWhere = where(f, use.DeviceID, devices.ParseUserAgent(use.UserAgent))
		}
	}
	row.CreatedText = l.HTML("passkeys.created", "When", row.Created.HTML())
	if row.CreatedWhere != "" {
		row.CreatedText = l.HTML("passkeys.createdOn", "Where", row.CreatedWhere, "When", row.Created.HTML())
	}
	switch {
	case row.LastUsed.Text == "":
		row.UsedText = l.HTML("passkeys.notUsed")
	case row.UsedWhere != "":
		row.UsedText = l.HTML("passkeys.lastUsedOn", "Where", row.UsedWhere, "When", row.LastUsed.HTML())
	default:
		row.UsedText = l.HTML("passkeys.lastUsed", "When", row.LastUsed.HTML())
	}
	return row
}

// where names a device for the page: "this device" when it is the
// browser in front of it, else its browser and system, when known.
func where(f *flow, deviceID string, ua model.UserAgent) string {
	if deviceID != "" && deviceID == f.deviceID {
		return f.lang.T("passkeys.thisDevice")
	}
	browser := ua.BrowserName
	if browser == "Headless Chrome" { // as devices.PasskeyName names it
		browser = "Chrome"
	}
	switch {
	case browser != "" && ua.OSName != "":
		return f.lang.T("passkeys.browserOn", "Browser", browser, "System", ua.OSName)
	case browser != "":
		return browser
	}
	return ua.OSName // "" when nothing is known about it
}

// backToSettings redirects a form post back to the Passkeys page with a
// confirmation (and a credential to forget), and a fresh token.
func (p *Pages) backToSettings(w http.ResponseWriter, r *http.Request, f *flow, done, forget string) error {
	target, err := p.settingsLink(f, done, forget)
	if err != nil {
		return err
	}
	return seeOther(w, r, target)
}

// settingsLink is the Passkeys page of flow f with a fresh token, after a
// step that ended with done.
func (p *Pages) settingsLink(f *flow, done, forget string) (string, error) {
	tok, err := p.freshToken(f)
	if err != nil {
		return "", err
	}
	link := settingsPath + "?" + f.queryWith(tok) + "&done=" + done
	if forget != "" {
		link += "&forget=" + forget
	}
	return link, nil
}
