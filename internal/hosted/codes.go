package hosted

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/uplift-dev/uplift/internal/codes"
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
	secs := "&wait=" + after
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
	_, err = p.codes.EnrollContact(r.Context(), f.caller, model.MethodEmailOTP, email)
	if wait, ok := codes.RetryAfter(err); ok {
		return p.throttled(w, r, f, model.MethodEmailOTP, wait, err)
	}
	var me *model.Error
	if errors.As(err, &me) && me.Code == "invalid_request" {
		v := p.baseView(f, problem{Title: "Confirm your email"})
		v.ReportCapabilities = true
		v.Enroll.Email = email
		v.Error = "Enter an email address such as name@example.com."
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
		return p.codePage(w, r, f, m, "Enter the code we sent you.", http.StatusBadRequest)
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
		return p.codePage(w, r, f, m, lockedText(m, res.RetryAfter), http.StatusTooManyRequests)
	}
	return p.codePage(w, r, f, m, "That code isn't right, or it has expired. Check it and try again, or send a new code.",
		http.StatusBadRequest)
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
// names one, never the text.
var codeNotices = map[string]string{
	"sent": "We sent you a new code. Use the newest one.",
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
	v := p.baseView(f, problem{Title: "Enter your code"})
	v.ReportCapabilities = true
	v.Error = problemText
	v.Notice = codeNotices[r.URL.Query().Get("notice")]
	if wait := waitSeconds(r); wait != "" {
		v.Notice = "A code was sent a moment ago, so use that one. You can ask for a new code in " + wait + "."
	}
	v.Code = codeView{Method: m, Resend: m != model.MethodAuthenticatorApp,
		Others: last.Kind == model.CodeSignIn && len(mc.Others) > 0}
	switch m {
	case model.MethodEmailOTP:
		v.Code.Destination = maskEmail(last.Email)
	case model.MethodSMS:
		v.Code.Destination = "the number ending " + maskPhone(last.PhoneNumber)
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

// lockedText says, in words, that method m is locked after too many wrong
// codes and when to try again.
func lockedText(m model.VerificationMethod, wait time.Duration) string {
	what := "Email codes are"
	switch m {
	case model.MethodSMS:
		what = "Text message codes are"
	case model.MethodAuthenticatorApp:
		what = "Authenticator app codes are"
	}
	return "Too many wrong codes were entered. For your security, " + strings.ToLower(what[:1]) + what[1:] +
		" paused for your account. Try again in " + codes.Roughly(wait) + ", or use another method."
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

// waitSeconds reads how long a throttled send must wait from the query,
// as words; empty when there is nothing to wait for.
func waitSeconds(r *http.Request) string {
	s, err := strconv.Atoi(r.URL.Query().Get("wait"))
	switch {
	case err != nil || s <= 0 || s > 24*3600:
		return ""
	case s == 1:
		return "1 second"
	}
	return strconv.Itoa(s) + " seconds"
}

// enrollMismatch shows the enrolment page again with the address the app
// gave, after a post that changed it.
func (p *Pages) enrollMismatch(w http.ResponseWriter, r *http.Request, f *flow) error {
	u, err := p.svc.User(r.Context(), f.tenant().ID, f.claims().UserID)
	if err != nil {
		return err
	}
	v := p.baseView(f, problem{Title: "Confirm your email"})
	v.ReportCapabilities = true
	v.Enroll.Email, v.Enroll.Fixed = u.Email, true
	v.Error = "Confirm the address your account has. To use another, change it in the app first."
	p.render(w, http.StatusForbidden, "enroll", v)
	return nil
}
