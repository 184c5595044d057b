package hosted

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/uplift-dev/uplift/internal/codes"
	"github.com/uplift-dev/uplift/internal/i18n"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/otp"
)

// SendEmailCode serves POST /login/email ("Email me a code").
func (p *Pages) SendEmailCode(w http.ResponseWriter, r *http.Request) error {
	return p.sendCode(w, r, model.MethodEmailOTP)
}

// SendTextCode serves POST /login/sms ("Text me a code").
func (p *Pages) SendTextCode(w http.ResponseWriter, r *http.Request) error {
	return p.sendCode(w, r, model.MethodSMS)
}

// sendCode sends a sign-in code to the user's address for m and shows the
// code entry page. Asking again too soon leads to the same page, since
// the code already sent still works.
func (p *Pages) sendCode(w http.ResponseWriter, r *http.Request, m model.VerificationMethod) error {
	f, err := p.formFlow(r)
	if err != nil {
		return err
	}
	if err := p.requireOffered(r.Context(), f, m); err != nil {
		return err
	}
	r = withLang(r, f)
	_, err = p.codes.ChallengeContact(r.Context(), f.caller, m)
	if wait, ok := codes.RetryAfter(err); ok {
		return p.throttled(w, r, f, m, wait, err)
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, codePage(f, m))
}

// throttled answers a send refused by a limit. While the method is locked
// after too many wrong codes, or when the app has sent all the codes it
// may this hour, the challenge page says so and when to try again.
// Otherwise the send came too soon after the last: the code page, when
// this sign-in already has a code, else the challenge page saying how
// long to wait.
func (p *Pages) throttled(w http.ResponseWriter, r *http.Request, f *flow, m model.VerificationMethod, wait time.Duration, refusal error) error {
	after := strconv.Itoa(int(wait.Seconds()))
	if _, ok := codes.AsLocked(refusal); ok {
		return seeOther(w, r, "/login?"+f.query()+"&locked="+after+"&lockedMethod="+string(m))
	}
	if codes.CeilingReached(refusal) {
		return seeOther(w, r, "/login?"+f.query()+"&busy="+after)
	}
	secs := "&wait=" + after + "&waitMethod=" + string(m)
	_, err := p.codes.LatestCodeChallenge(r.Context(), f.tenant().ID, f.claims().UserID,
		f.claims().IdempotencyKey, m, model.CodeEnrol, model.CodeSignIn)
	if errors.Is(err, model.ErrNotFound) {
		return seeOther(w, r, "/login?"+f.query()+secs)
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, codePage(f, m)+secs)
}

// Resend serves POST /login/resend: a new code for the code page's
// enrolment or sign-in, sent the same way as the last one.
func (p *Pages) Resend(w http.ResponseWriter, r *http.Request) error {
	f, err := p.formFlow(r)
	if err != nil {
		return err
	}
	m, err := codeMethod(r.PostFormValue("method"))
	if err != nil {
		return err
	}
	if m == model.MethodAuthenticatorApp {
		return model.Invalid("an authenticator app's codes are not sent")
	}
	r = withLang(r, f)
	last, err := p.codes.LatestCodeChallenge(r.Context(), f.tenant().ID, f.claims().UserID,
		f.claims().IdempotencyKey, m, model.CodeEnrol, model.CodeSignIn)
	if err != nil {
		return err
	}
	if last.Kind == model.CodeEnrol {
		_, err = p.codes.EnrollContact(r.Context(), f.caller, m, last.Address())
	} else {
		_, err = p.codes.ChallengeContact(r.Context(), f.caller, m)
	}
	if wait, ok := codes.RetryAfter(err); ok {
		return p.throttled(w, r, f, m, wait, err)
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, codePage(f, m)+"&notice=sent")
}

// EnrollEmail serves POST /login/enroll/email: a user with no method
// gives an email address and is sent a code; entering it enrols the
// address, which completes the action's challenge.
func (p *Pages) EnrollEmail(w http.ResponseWriter, r *http.Request) error {
	f, err := p.formFlow(r)
	if err != nil {
		return err
	}
	email := r.PostFormValue("email")
	r = withLang(r, f)
	_, err = p.codes.EnrollContact(r.Context(), f.caller, model.MethodEmailOTP, email)
	if wait, ok := codes.RetryAfter(err); ok {
		return p.throttled(w, r, f, model.MethodEmailOTP, wait, err)
	}
	var me *model.Error
	if errors.As(err, &me) && me.Code == "invalid_request" {
		v := p.baseView(f, problem{Title: f.lang.T("page.title.enroll")})
		v.ReportCapabilities = true
		v.Enroll.Email = email
		v.Error = f.lang.T("enroll.invalid")
		p.render(w, http.StatusBadRequest, "enroll", v)
		return nil
	}
	if errors.As(err, &me) && me.Code == "address_mismatch" {
		return p.enrollMismatch(w, r, f)
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, codePage(f, model.MethodEmailOTP))
}

// Verify serves POST /login/verify: the code the user entered. A right
// code completes the action (and an enrolment) and leads to the uplift
// decision; a wrong one shows the page again; the last wrong one allowed
// fails the action's challenge.
func (p *Pages) Verify(w http.ResponseWriter, r *http.Request) error {
	f, err := p.formFlow(r)
	if err != nil {
		return err
	}
	m, err := codeMethod(r.PostFormValue("method"))
	if err != nil {
		return err
	}
	code := r.PostFormValue("code")
	if code == "" {
		return p.codePage(w, r, f, m, f.lang.T("code.empty"), http.StatusBadRequest)
	}
	var res codes.CodeVerification
	if m == model.MethodAuthenticatorApp {
		if err := p.requireOffered(r.Context(), f, m); err != nil {
			return err
		}
		res, err = p.codes.VerifyApp(r.Context(), f.caller, code)
	} else {
		res, err = p.codes.VerifyContact(r.Context(), f.caller, m, code)
	}
	if err != nil {
		return err
	}
	switch {
	case res.IsVerified:
		tok, err := p.freshToken(f)
		if err != nil {
			return err
		}
		f.raw = tok
		return seeOther(w, r, "/login/done?"+f.query())
	case res.FailureReason == otp.ReasonMaxAttemptsExceeded:
		return &pageError{err: model.Errorf(model.ErrForbidden, "too_many_attempts", "too many wrong codes"),
			back: "/login/finish?" + f.query()}
	case res.FailureReason == otp.ReasonTooManyAttempts:
		return p.codePage(w, r, f, m, lockedText(f.lang, m, res.RetryAfter), http.StatusTooManyRequests)
	}
	return p.codePage(w, r, f, m, f.lang.T("code.wrong"), http.StatusBadRequest)
}

// CodeEntry serves GET /login/code?token=...&method=...: the page to enter
// the code just sent (or, for an authenticator app, shown by the app).
func (p *Pages) CodeEntry(w http.ResponseWriter, r *http.Request) error {
	f, err := p.openFlow(w, r, r.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	m, err := codeMethod(r.URL.Query().Get("method"))
	if err != nil {
		return err
	}
	return p.codePage(w, r, f, m, "", http.StatusOK)
}

// codeNotices are the messages the code page can be sent with; the query
// names one (never the text), and this its message id.
var codeNotices = map[string]string{
	"sent": "code.sentAgain",
}

// codePage renders code entry for the action's latest code of method m.
func (p *Pages) codePage(w http.ResponseWriter, r *http.Request, f *flow, m model.VerificationMethod, problemText string, status int) error {
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
	last := model.CodeChallenge{Kind: model.CodeSignIn, Method: m}
	if m != model.MethodAuthenticatorApp {
		last, err = p.codes.LatestCodeChallenge(r.Context(), f.tenant().ID, a.UserID, a.IdempotencyKey, m,
			model.CodeEnrol, model.CodeSignIn)
		if errors.Is(err, model.ErrNotFound) {
			return seeOther(w, r, "/login?"+f.query())
		}
		if err != nil {
			return err
		}
	}
	l := f.lang
	v := p.baseView(f, problem{Title: l.T("page.title.code")})
	v.ReportCapabilities = true
	v.Error = problemText
	if id, ok := codeNotices[r.URL.Query().Get("notice")]; ok {
		v.Notice = l.T(id)
	}
	if queryWait(r, "wait") > 0 {
		v.Notice = l.T("code.useEarlier")
	}
	v.Code = codeView{Method: m, Resend: m != model.MethodAuthenticatorApp,
		Others: last.Kind == model.CodeSignIn && len(mc.Others) > 0}
	switch m {
	case model.MethodEmailOTP:
		v.Code.Email = maskEmail(last.Email)
	case model.MethodSMS:
		v.Code.PhoneEnding = maskPhone(last.PhoneNumber)
	}
	if v.Code.Resend {
		v.Wait = resendWait(r, last, p.svc.Now())
	}
	p.render(w, status, "code", v)
	return nil
}

func codePage(f *flow, m model.VerificationMethod) string {
	return "/login/code?" + f.query() + "&method=" + string(m)
}

// codeMethod accepts the methods signed in with a code.
func codeMethod(s string) (model.VerificationMethod, error) {
	switch m := model.VerificationMethod(s); m {
	case model.MethodEmailOTP, model.MethodSMS, model.MethodAuthenticatorApp:
		return m, nil
	}
	return "", model.Invalid("method must be EMAIL_OTP, SMS or AUTHENTICATOR_APP")
}

// lockedText says, in l, that method m is locked after too many wrong
// codes and when to try again.
func lockedText(l i18n.Lang, m model.VerificationMethod, wait time.Duration) string {
	id := "code.lockedEmail"
	switch m {
	case model.MethodSMS:
		id = "code.lockedSMS"
	case model.MethodAuthenticatorApp:
		id = "code.lockedApp"
	}
	return l.Join(l.T(id), l.TryAgainIn(wait))
}

// resendWait is how many seconds are left before a new code may follow
// the last one: the wait a refused send reported (the query's wait), or
// else the rest of the minimum interval since the last code went out.
// The page counts it down; the server still refuses a send too soon.
func resendWait(r *http.Request, last model.CodeChallenge, now time.Time) int {
	if wait := queryWait(r, "wait"); wait > 0 {
		return int(wait / time.Second)
	}
	if last.CreatedAt.IsZero() {
		return 0
	}
	left := last.CreatedAt.Add(otp.MinInterval).Sub(now)
	if left <= 0 {
		return 0
	}
	return int((left + time.Second - 1) / time.Second)
}

// queryWait reads a wait in seconds from the query parameter name; zero
// when there is none or it makes no sense.
func queryWait(r *http.Request, name string) time.Duration {
	s, err := strconv.Atoi(r.URL.Query().Get(name))
	if err != nil || s <= 0 || s > 24*3600 {
		return 0
	}
	return time.Duration(s) * time.Second
}

// enrollMismatch shows the enrolment page again with the address the app
// gave, after a post that changed it.
func (p *Pages) enrollMismatch(w http.ResponseWriter, r *http.Request, f *flow) error {
	u, err := p.svc.User(r.Context(), f.tenant().ID, f.claims().UserID)
	if err != nil {
		return err
	}
	v := p.baseView(f, problem{Title: f.lang.T("page.title.enroll")})
	v.ReportCapabilities = true
	v.Enroll.Email, v.Enroll.Fixed = u.Email, true
	v.Error = f.lang.T("enroll.mismatch")
	p.render(w, http.StatusForbidden, "enroll", v)
	return nil
}
