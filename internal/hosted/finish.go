package hosted

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/tenancy"
)

// Finish serves GET /login/finish?token=...: back to the app with a fresh
// token for the action, or, when the app named nowhere to return to, a
// page saying the person is signed in. An action still waiting for its
// challenge goes back to the challenge.
func (p *Pages) Finish(w http.ResponseWriter, r *http.Request) error {
	f, err := p.openFlow(w, r, r.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	a, err := p.action(r.Context(), f)
	if err != nil {
		return err
	}
	if a.State == model.StateChallengeRequired || a.State == model.StateAllow {
		return seeOther(w, r, "/login?"+f.query())
	}
	// Coming here after the uplift prompt is the user reaching the app:
	// the guardrail of the prompt's experiments.
	if err := p.prompt.RecordReturn(r.Context(), f.tenant(), a, f.deviceID); err != nil {
		return err
	}
	return p.finish(w, r, f, a)
}

// finish sends the browser to the app's redirect URL with a fresh token,
// only if the tenant allows that URL. In popup mode the token goes to the
// app's page by message instead, whatever the action's state.
func (p *Pages) finish(w http.ResponseWriter, r *http.Request, f *flow, a model.Action) error {
	if f.popup {
		return p.closeApp(w, f)
	}
	target, err := p.redirectTarget(r.Context(), f.tenant(), a)
	if err != nil {
		return err
	}
	if target == "" {
		if a.State != model.StateChallengeSucceeded {
			return &pageError{err: model.Errorf(model.ErrForbidden, "action_closed", "the action cannot be completed")}
		}
		p.render(w, http.StatusOK, "signedin", p.baseView(f, problem{Title: f.lang.T("page.title.signedIn")}))
		return nil
	}
	tok, err := p.freshToken(f)
	if err != nil {
		return err
	}
	return seeOther(w, r, withToken(target, tok))
}

// redirectTarget is where the app asked the user to come back to: the
// action's redirectUrl from track, else the action configuration's; empty
// when neither is set or the tenant does not allow it (any more).
func (p *Pages) redirectTarget(ctx context.Context, t model.Tenant, a model.Action) (string, error) {
	if a.RedirectURL != "" {
		if tenancy.RedirectAllowed(t, a.RedirectURL) {
			return a.RedirectURL, nil
		}
		p.log.WarnContext(ctx, "redirect URL no longer allowed; not redirecting", "tenant", t.ID, "action", a.Code)
		return "", nil
	}
	cfg, err := p.policy.ActionConfig(ctx, t.ID, a.Code)
	if errors.Is(err, model.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if cfg.RedirectURL != "" && tenancy.RedirectAllowed(t, cfg.RedirectURL) {
		return cfg.RedirectURL, nil
	}
	return "", nil
}

// withToken returns target with its token query parameter set to tok.
func withToken(target, tok string) string {
	u, err := url.Parse(target)
	if err != nil {
		return target // checked by RedirectAllowed before; unreachable
	}
	q := u.Query()
	q.Set("token", tok)
	u.RawQuery = q.Encode()
	return u.String()
}

// finishLink redirects a form post to the finish step with a fresh token.
func (p *Pages) finishLink(w http.ResponseWriter, r *http.Request, f *flow) error {
	tok, err := p.freshToken(f)
	if err != nil {
		return err
	}
	return seeOther(w, r, "/login/finish?"+f.queryWith(tok))
}

// jsonFlow decodes a JSON request into in and returns its flow, which
// the CSRF guard resumed from the body's token and checked; tok points
// at the token field of in, which must name that same flow.
func (p *Pages) jsonFlow(r *http.Request, in any, tok *string) (*flow, error) {
	if err := jsonapi.Decode(r, in); err != nil {
		return nil, err
	}
	f, err := postedFlow(r)
	if err == nil && *tok != f.raw {
		err = errCSRF
	}
	return f, err
}

// nextJSON tells the script where to go next.
type nextJSON struct {
	Next string `json:"next"`
}

// optionsJSON carries a ceremony's options to the script.
type optionsJSON struct {
	ChallengeID string          `json:"challengeId"`
	Options     json.RawMessage `json:"options"`
}

// writeNext answers a JSON step with the page to go to next, carrying a
// fresh token.
func (p *Pages) writeNext(w http.ResponseWriter, f *flow, path string) error {
	tok, err := p.freshToken(f)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, nextJSON{Next: path + "?" + f.queryWith(tok)})
}

// writeFailure answers a JSON step that failed with its error and the way
// on to the app, so the page can say so gently and continue.
func (p *Pages) writeFailure(w http.ResponseWriter, f *flow, err error) error {
	tok, terr := p.freshToken(f)
	if terr != nil {
		return terr
	}
	status, body := jsonapi.Status(err)
	return jsonapi.Write(w, status, struct {
		jsonapi.ErrorBody
		Next string `json:"next"`
	}{body, "/login/finish?" + f.queryWith(tok)})
}
