package hosted

import (
	"net/http"
	"slices"
	"time"

	"github.com/uplift-dev/uplift/internal/model"
)

// challengeView is the challenge page: the method offered first and the
// others, or (Choosing) every method the user has.
type challengeView struct {
	Primary  model.VerificationMethod
	Others   []model.VerificationMethod
	Choosing bool
	// Email and Phone are the masked destinations of codes.
	Email, Phone string
	// Autofill offers the user's passkeys in an identifier field
	// (conditional mediation): the user has a passkey, wherever it is;
	// the browser lists it only if this device can use it.
	Autofill bool
}

// Login serves GET /login?token=...: the url that track returns. It shows
// the challenge with the user's methods, enrolment of a first method for a
// user with none, or, once the action has succeeded, what follows.
func (p *Pages) Login(w http.ResponseWriter, r *http.Request) error {
	return p.challengePage(w, r, false)
}

// Methods serves GET /login/methods?token=...: every method the user may
// sign in with, behind "Use another method".
func (p *Pages) Methods(w http.ResponseWriter, r *http.Request) error {
	return p.challengePage(w, r, true)
}

// PasskeyWithoutScript serves POST /login/passkey, where the passkey
// button's form goes only when the page's script did not run.
func (p *Pages) PasskeyWithoutScript(w http.ResponseWriter, r *http.Request) error {
	f, err := p.formFlow(r)
	if err != nil {
		return err
	}
	return seeOther(w, r, "/login?"+f.query()+"&problem=script")
}

// pageProblems are the messages a page can be sent back with; the query
// names one (never the text, so nothing can be injected into a page),
// and this its message id.
var pageProblems = map[string]string{
	"script": "challenge.needsScript",
}

func (p *Pages) challengePage(w http.ResponseWriter, r *http.Request, choosing bool) error {
	f, err := p.openFlow(w, r, r.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	a, err := p.action(r.Context(), f)
	if err != nil {
		return err
	}
	switch a.State {
	case model.StateChallengeSucceeded:
		return seeOther(w, r, "/login/done?"+f.query())
	case model.StateChallengeRequired, model.StateAllow:
	default:
		return p.closed(f)
	}
	mc, err := p.chooseMethods(r.Context(), f, a)
	if err != nil {
		return err
	}
	if !mc.Enrolled() {
		return p.enrollPage(w, r, f, a, mc)
	}
	l := f.lang
	v := p.baseView(f, problem{Title: l.T("page.title.signIn")})
	v.ReportCapabilities = true
	if id, ok := pageProblems[r.URL.Query().Get("problem")]; ok {
		v.Error = l.T(id)
	}
	if wait := queryWait(r, "wait"); wait > 0 {
		// A code went out a moment ago, in an earlier sign-in: it cannot
		// serve this one, so the page counts down to when a new one may
		// be sent, and the method's button waits for it.
		v.Notice = l.T("challenge.codeSentEarlier")
		v.Wait = int(wait / time.Second)
		if m, err := codeMethod(r.URL.Query().Get("waitMethod")); err == nil {
			v.WaitMethod = m
		}
	}
	if m, err := codeMethod(r.URL.Query().Get("lockedMethod")); err == nil {
		if wait := queryWait(r, "locked"); wait > 0 {
			v.Error = lockedText(l, m, wait)
		}
	}
	if wait := queryWait(r, "busy"); wait > 0 {
		v.Error = l.Join(l.T("challenge.busy"), l.TryAgainIn(wait))
	}
	v.Challenge = challengeView{Primary: mc.Primary, Others: mc.Others, Choosing: choosing,
		Email: maskEmail(mc.Email), Phone: maskPhone(mc.Phone),
		Autofill: mc.Primary == model.MethodPasskey || slices.Contains(mc.Others, model.MethodPasskey)}
	if choosing {
		v.Problem.Title = l.T("page.title.choose")
		v.Challenge.Others = append([]model.VerificationMethod{mc.Primary}, mc.Others...)
		v.Challenge.Primary = ""
	}
	p.render(w, http.StatusOK, "challenge", v)
	return nil
}

// closed is the page for an action that can no longer be completed here
// (blocked, failed, under review): it offers the way back to the app,
// which learns the state from validate.
func (p *Pages) closed(f *flow) error {
	return &pageError{err: model.Errorf(model.ErrForbidden, "action_closed", "the action cannot be completed"),
		back: "/login/finish?" + f.query()}
}
