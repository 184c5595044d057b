package hosted

import (
	"net/http"
	"slices"

	"github.com/uplift-dev/uplift/internal/model"
)

// enrollPage offers a user with no method to enrol one: an email address,
// which the action must permit and the server must be able to send to.
// Completing the enrolment completes the action's challenge (SPEC §2).
func (p *Pages) enrollPage(w http.ResponseWriter, r *http.Request, f *flow, a model.Action, mc methodChoice) error {
	if !slices.Contains(mc.Permitted, model.MethodEmailOTP) || !p.svc.MethodOffered(model.MethodEmailOTP) {
		return &pageError{err: model.Errorf(model.ErrForbidden, "no_method", "no method can be enrolled"),
			back: "/login/finish?" + f.query()}
	}
	u, err := p.svc.User(r.Context(), f.tenant().ID, a.UserID)
	if err != nil {
		return err
	}
	v := p.baseView(f, problem{Title: f.lang.T("page.title.enroll")})
	v.ReportCapabilities = true
	v.Enroll.Email = u.Email
	// The address the app gave is the one to confirm (see
	// codes.EnrollContact): it is shown, not offered for editing.
	v.Enroll.Fixed = u.Email != ""
	p.render(w, http.StatusOK, "enroll", v)
	return nil
}
