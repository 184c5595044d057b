package hosted

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/passkeys"
)

// Done serves GET /login/done?token=...: the step after a successful
// challenge or enrolment. The uplift decision is made (and stored with its
// reason) here; the prompt is shown when it says so, and otherwise the
// user goes straight back to the app.
func (p *Pages) Done(w http.ResponseWriter, r *http.Request) error {
	f, err := p.openFlow(w, r, r.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	a, err := p.action(r.Context(), f)
	if err != nil {
		return err
	}
	if a.State != model.StateChallengeSucceeded {
		return seeOther(w, r, "/login?"+f.query())
	}
	if a.RedirectToSettings {
		// The app sent the user to their passkeys: the Passkeys page
		// offers to add one instead of the prompt.
		return seeOther(w, r, settingsPath+"?"+f.query())
	}
	t := f.tenant()
	dec, err := p.prompt.EvaluateUplift(r.Context(), t, a, f.deviceID)
	if err != nil {
		return err
	}
	p.log.InfoContext(r.Context(), "uplift decision", "tenant", t.ID, "action", a.Code, "show", dec.Show, "reason", dec.Reason)
	if !dec.Show {
		return p.finish(w, r, f, a)
	}
	if err := p.prompt.RecordUplift(r.Context(), t, a, f.deviceID, model.UpliftShown, ""); err != nil {
		return err
	}
	v, err := p.promptView(r.Context(), f, a)
	if err != nil {
		return err
	}
	p.render(w, http.StatusOK, "prompt", v)
	return nil
}

// promptView is the uplift prompt's page, with the copy the tenant's
// settings or the user's experiment variant give, and "Don't ask again"
// when the tenant offers it.
func (p *Pages) promptView(ctx context.Context, f *flow, a model.Action) (view, error) {
	cp, _, err := p.prompt.PromptCopy(ctx, f.tenant().ID, a.UserID)
	if err != nil {
		return view{}, err
	}
	// The built-in copy speaks the page's language; a tenant's own copy,
	// or an experiment's, is shown as the tenant wrote it.
	l := f.lang
	if cp.Heading == model.DefaultPromptHeading {
		cp.Heading = l.T("prompt.heading")
	}
	if cp.Explanation == model.DefaultPromptExplanation {
		cp.Explanation = l.T("prompt.explanation")
	}
	v := p.baseView(f, problem{Title: cp.Heading})
	v.Explanation = cp.Explanation
	v.OfferOptOut = f.tenant().Passkey.EnrollmentPromptAllowOptOut
	never, wait, err := p.prompt.AfterNotNow(ctx, f.tenant(), a.UserID, f.deviceID)
	if err != nil {
		return view{}, err
	}
	v.Later = l.NotNow(never, wait)
	return v, nil
}

// Prompt serves POST /login/prompt, the prompt's form. "Not now" records
// the dismissal and "Don't ask again" the opt-out before answering, so
// they are in force for the next sign-in; "Create passkey" comes here
// only when the page's script did not run.
func (p *Pages) Prompt(w http.ResponseWriter, r *http.Request) error {
	f, err := p.formFlow(r)
	if err != nil {
		return err
	}
	a, err := p.action(r.Context(), f)
	if err != nil {
		return err
	}
	if a.State != model.StateChallengeSucceeded {
		return seeOther(w, r, "/login?"+f.query())
	}
	kind := model.UpliftDismissed
	switch r.PostFormValue("choice") {
	case "dismiss":
	case "optout":
		kind = model.UpliftOptedOut
	default:
		v, err := p.promptView(r.Context(), f, a)
		if err != nil {
			return err
		}
		v.Error = f.lang.T("prompt.needsScript")
		p.render(w, http.StatusOK, "prompt", v)
		return nil
	}
	if err := p.prompt.RecordUplift(r.Context(), f.tenant(), a, f.deviceID, kind, ""); err != nil {
		return err
	}
	return p.finishLink(w, r, f)
}

// PromptResult serves POST /login/prompt/result: the script reports how
// the system's passkey dialog ended when no passkey came of it.
// "dismissed" (the person cancelled: NotAllowedError) counts as "Not now";
// "opted_out" records "Don't ask again" where the tenant offers it;
// "exists" (InvalidStateError: this authenticator already holds one of the
// user's passkeys) marks the device so the prompt stops appearing here;
// "failed" records the cause. The answer says where to go next.
func (p *Pages) PromptResult(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Token   string `json:"token" text:"4096"`
		Outcome string `json:"outcome"`
		Cause   string `json:"cause"`
	}
	f, err := p.jsonFlow(r, &in, &in.Token)
	if err != nil {
		return err
	}
	a, err := p.succeededAction(r.Context(), f)
	if err != nil {
		return err
	}
	t := f.tenant()
	switch in.Outcome {
	case "dismissed":
		err = p.prompt.RecordUplift(r.Context(), t, a, f.deviceID, model.UpliftDismissed, "")
	case "opted_out":
		err = p.prompt.RecordUplift(r.Context(), t, a, f.deviceID, model.UpliftOptedOut, "")
	case "exists":
		err = p.prompt.MarkDeviceHoldsPasskey(r.Context(), t, a.UserID, f.deviceID)
	case "failed":
		err = p.prompt.RecordUplift(r.Context(), t, a, f.deviceID, model.UpliftFailed, errorName(in.Cause))
	default:
		return model.Invalid("outcome must be dismissed, opted_out, exists or failed")
	}
	if err != nil {
		return err
	}
	return p.writeNext(w, f, "/login/finish")
}

// RegistrationOptions serves POST /login/passkey/register/options: the
// options to create a passkey on this device (platform authenticator,
// the user's passkeys excluded), through the same flow the Client API
// uses.
func (p *Pages) RegistrationOptions(w http.ResponseWriter, r *http.Request) error {
	return p.platformOptions(w, r, p.succeededAction)
}

// platformOptions answers a page's request for the options to create a
// passkey on this device (platform authenticator, the user's passkeys
// excluded), once allowed says the flow's action lets it.
func (p *Pages) platformOptions(w http.ResponseWriter, r *http.Request,
	allowed func(context.Context, *flow) (model.Action, error)) error {
	var in struct {
		Token string `json:"token" text:"4096"`
	}
	f, err := p.jsonFlow(r, &in, &in.Token)
	if err != nil {
		return err
	}
	if _, err := allowed(r.Context(), f); err != nil {
		return err
	}
	o, err := p.keys.PasskeyRegistrationOptions(r.Context(), f.caller, passkeys.PasskeyRegistrationInput{
		Attachment: "platform", Hints: []string{"client-device"},
	})
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, optionsJSON{ChallengeID: o.ChallengeID, Options: o.Options})
}

// Register serves POST /login/passkey/register: it verifies and stores
// the new passkey, bound to this device, and records the prompt as
// accepted. A registration the server refuses is recorded as failed, and
// the answer still says where to go next.
func (p *Pages) Register(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Token       string          `json:"token" text:"4096"`
		ChallengeID string          `json:"challengeId" text:"uuid"`
		Credential  json.RawMessage `json:"credential"`
	}
	f, err := p.jsonFlow(r, &in, &in.Token)
	if err != nil {
		return err
	}
	a, err := p.succeededAction(r.Context(), f)
	if err != nil {
		return err
	}
	t := f.tenant()
	_, err = p.keys.AddPasskey(r.Context(), f.caller, passkeys.AddPasskeyInput{ChallengeID: in.ChallengeID,
		Response: in.Credential, DeviceID: f.deviceID, UserAgent: r.UserAgent()})
	if err != nil {
		p.log.InfoContext(r.Context(), "uplift registration failed", "tenant", t.ID, "err", err)
		_, body := jsonapi.Status(err)
		if rerr := p.prompt.RecordUplift(r.Context(), t, a, f.deviceID, model.UpliftFailed, body.Error); rerr != nil {
			return rerr
		}
		return p.writeFailure(w, f, err)
	}
	if err := p.prompt.RecordUplift(r.Context(), t, a, f.deviceID, model.UpliftAccepted, ""); err != nil {
		return err
	}
	return p.writeNext(w, f, "/login/created")
}

// Created serves GET /login/created?token=...: the short confirmation
// after a passkey was made, with the way on to the app.
func (p *Pages) Created(w http.ResponseWriter, r *http.Request) error {
	f, err := p.openFlow(w, r, r.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	if _, err := p.succeededAction(r.Context(), f); err != nil {
		return err
	}
	v := p.baseView(f, problem{Title: f.lang.T("page.title.created")})
	v.Saved = p.savedIn(r.Context(), f)
	v.Next = "/login/finish?" + f.query()
	v.ContinueAfterMS = p.confirmFor.Milliseconds()
	p.render(w, http.StatusOK, "created", v)
	return nil
}

// succeededAction loads the flow's action and refuses one whose challenge
// has not succeeded: the prompt's steps belong after a sign-in.
func (p *Pages) succeededAction(ctx context.Context, f *flow) (model.Action, error) {
	a, err := p.action(ctx, f)
	if err == nil && a.State != model.StateChallengeSucceeded {
		return a, model.Errorf(model.ErrForbidden, "action_closed", "the action's challenge has not succeeded")
	}
	return a, err
}

// errorNamePattern keeps a reported DOMException name short and plain.
var errorNamePattern = regexp.MustCompile(`^[A-Za-z]{1,40}$`)

func errorName(s string) string {
	if errorNamePattern.MatchString(s) {
		return s
	}
	return "UnknownError"
}
