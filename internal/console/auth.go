package console

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
)

// signInView is the sign-in page and the invitation page.
type signInView struct {
	// Next is the console path to continue to after signing in.
	Next string
	// Tenant names the tenant an invitation is for.
	Tenant string
	// Token is the invitation's token, for its JSON steps.
	Token string
}

// SignIn shows the passkey sign-in page; an admin already signed in goes
// straight on.
func (c *Console) SignIn(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if ck, err := r.Cookie(SessionCookie); err == nil {
		if _, err := c.admins.AdminSession(r.Context(), ck.Value); err == nil {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return nil
		}
	}
	c.render(w, r, http.StatusOK, "signin", nil, View{Title: "Sign in to the console", Data: signInView{Next: next}})
	return nil
}

// ceremonyStart is what the JSON steps that begin a ceremony answer.
type ceremonyStart struct {
	CeremonyID string          `json:"ceremonyId"`
	Options    json.RawMessage `json:"options"`
}

// ceremonyFinish is what the browser sends back.
type ceremonyFinish struct {
	CeremonyID string          `json:"ceremonyId" text:"uuid"`
	Response   json.RawMessage `json:"response"`
	Next       string          `json:"next,omitempty" text:"2048"`
}

// signedIn tells the page where to go after a ceremony signed in.
type signedIn struct {
	Next string `json:"next"`
}

// SignInOptions begins a username-less passkey sign-in.
func (c *Console) SignInOptions(w http.ResponseWriter, r *http.Request) error {
	if err := jsonapi.Decode(r, &struct{}{}); err != nil {
		return err
	}
	options, id, err := c.admins.BeginAdminSignIn(r.Context())
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, ceremonyStart{CeremonyID: id, Options: options})
}

// SignInVerify finishes a passkey sign-in and sets the session cookie.
func (c *Console) SignInVerify(w http.ResponseWriter, r *http.Request) error {
	var in ceremonyFinish
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	if in.CeremonyID == "" || len(in.Response) == 0 {
		return model.Invalid("ceremonyId and response are required")
	}
	signIn, err := c.admins.FinishAdminSignIn(r.Context(), in.CeremonyID, in.Response)
	if err != nil {
		return err
	}
	c.setSession(w, r, signIn)
	return jsonapi.Write(w, http.StatusOK, signedIn{Next: safeNext(in.Next)})
}

// Invite shows the page where the holder of an invitation link creates
// the passkey that makes them an admin.
func (c *Console) Invite(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	t, err := c.admins.AdminInviteTenant(r.Context(), token)
	if err != nil {
		if errors.Is(err, model.ErrNotFound) {
			return model.Errorf(model.ErrNotFound, "invalid_invitation",
				"This invitation link is not valid: it was used already, it expired, or it was mistyped. Ask for a new one with `uplift tenant invite`.")
		}
		return err
	}
	c.render(w, r, http.StatusOK, "invite", nil, View{Title: "Become an admin of " + t.Name,
		Data: signInView{Tenant: t.Name, Token: token}})
	return nil
}

// InviteOptions begins the registration of an invited admin's passkey.
func (c *Console) InviteOptions(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name string `json:"name" text:"100"`
	}
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	options, id, err := c.admins.BeginAdminEnrollment(r.Context(), r.PathValue("token"), in.Name)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, ceremonyStart{CeremonyID: id, Options: options})
}

// InviteRegister finishes an invited admin's registration and signs them in.
func (c *Console) InviteRegister(w http.ResponseWriter, r *http.Request) error {
	var in ceremonyFinish
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	if in.CeremonyID == "" || len(in.Response) == 0 {
		return model.Invalid("ceremonyId and response are required")
	}
	signIn, err := c.admins.FinishAdminEnrollment(r.Context(), r.PathValue("token"), in.CeremonyID, in.Response)
	if err != nil {
		return err
	}
	c.setSession(w, r, signIn)
	return jsonapi.Write(w, http.StatusOK, signedIn{Next: safeNext("")})
}

// SignOut ends the session and returns to the sign-in page.
func (c *Console) SignOut(w http.ResponseWriter, r *http.Request, s *Session) error {
	if err := c.admins.EndAdminSession(r.Context(), s.token); err != nil {
		return err
	}
	c.clearSession(w)
	http.Redirect(w, r, SignInPath, http.StatusSeeOther)
	return nil
}
