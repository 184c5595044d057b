package clientapi

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"

	"github.com/uplift-dev/uplift/internal/devices"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/prompt"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/uplift"
)

// The prompt anywhere: the uplift decision and the prompt's outcomes for
// apps that show the prompt themselves, in the <uplift-passkey-prompt>
// web component or in their own UI. The decision is the hosted pages'
// one, recorded the same way with where it was shown.

// decisionRequest is what POST /v1/client/uplift/decision takes. All
// fields are optional: the device defaults to the token's, the
// capabilities to what the device reported last, the surface to "api".
type decisionRequest struct {
	DeviceID     string                     `json:"deviceId" text:"128"`
	Capabilities map[string]json.RawMessage `json:"capabilities"`
	Surface      model.PromptSurface        `json:"surface" text:"16"`
	Locale       string                     `json:"locale" text:"35"`
}

type decisionResponse struct {
	Show   bool          `json:"show"`
	Reason uplift.Reason `json:"reason"`
	// NextEligibleAt is when a dismissal stops holding the prompt back.
	NextEligibleAt string `json:"nextEligibleAt,omitempty"`
	Variant        string `json:"variant,omitempty"`
	// DeviceID is the device decided for, which the outcomes and the
	// registration name.
	DeviceID string `json:"deviceId"`
	// AllowOptOut says the prompt offers "Don't ask again".
	AllowOptOut bool           `json:"allowOptOut"`
	Copy        promptCopyJSON `json:"copy"`
}

// UpliftDecision answers POST /v1/client/uplift/decision: whether the app
// shows the passkey prompt now, for the token's user on the device the
// request names, after the capabilities the caller reports are stored
// for that device. The user must have completed the action's challenge,
// or the app must have tracked the action with scope add:authenticators
// (it vouches for its own sign-in); otherwise the answer is 403
// not_authenticated. The decision is stored as an evaluated event.
func (a *API) UpliftDecision(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	var in decisionRequest
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	surface, err := clientSurface(in.Surface)
	if err != nil {
		return err
	}
	if in.Locale != "" && !localePattern.MatchString(in.Locale) {
		return model.Invalid("locale must be a language tag such as en or pt-BR")
	}
	var caps map[string]any
	if in.Capabilities != nil {
		if caps, err = prompt.ParseCapabilities(in.Capabilities); err != nil {
			return err
		}
	}
	act, deviceID, err := a.promptAction(w, r, c, in.DeviceID)
	if err != nil {
		return err
	}
	if err := a.reportDevice(r, c.Tenant, deviceID, caps); err != nil {
		return err
	}
	dec, err := a.prompt.DecideForApp(r.Context(), c.Tenant, act, deviceID, surface, true)
	if err != nil {
		return err
	}
	a.log.InfoContext(r.Context(), "uplift decision", "tenant", c.Tenant.ID, "action", act.Code, "surface", surface,
		"show", dec.Show, "reason", dec.Reason)
	cp, err := a.promptCopy(r.Context(), a.promptLang(r, c, in.Locale, act), c.Tenant, act, deviceID, dec.Copy, dec.Show)
	if err != nil {
		return err
	}
	out := decisionResponse{Show: dec.Show, Reason: dec.Reason, Variant: dec.Variant, DeviceID: deviceID,
		AllowOptOut: c.Tenant.Passkey.EnrollmentPromptAllowOptOut, Copy: cp}
	if dec.Reason == uplift.ReasonFrequencyNotElapsed {
		out.NextEligibleAt = jsonapi.Time(dec.NextEligibleAt)
	}
	return jsonapi.Write(w, http.StatusOK, out)
}

// eventRequest is what POST /v1/client/uplift/events takes.
type eventRequest struct {
	Event    model.UpliftEventKind `json:"event" text:"16"`
	Cause    string                `json:"cause" text:"64"`
	DeviceID string                `json:"deviceId" text:"128"`
	Surface  model.PromptSurface   `json:"surface" text:"16"`
}

// causePattern is what a failure's cause may be: an error's name, such as
// a DOMException's (NotSupportedError) or a server error code.
var causePattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)

// ExistsCause is the failure cause that says the device's authenticator
// already holds one of the user's passkeys (WebAuthn's InvalidStateError
// for a credential in excludeCredentials): the device is marked so, and
// the prompt stops appearing there, as on the hosted pages.
const ExistsCause = "InvalidStateError"

// UpliftEvent answers POST /v1/client/uplift/events: what became of a
// prompt the app showed. shown, dismissed ("Not now", or the system's
// passkey dialog cancelled), opted_out ("Don't ask again", where the
// tenant offers it) and failed with its cause are recorded as the hosted
// pages record them; accepted is recorded by the passkey's registration.
// shown must follow a decision that said to show the prompt, and each
// answer a prompt shown (409 otherwise). It answers 204 once the event is
// stored, so a dismissal holds for the next decision.
func (a *API) UpliftEvent(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller) error {
	var in eventRequest
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	surface, err := clientSurface(in.Surface)
	if err != nil {
		return err
	}
	switch in.Event {
	case model.UpliftShown, model.UpliftDismissed, model.UpliftOptedOut:
		if in.Cause != "" {
			return model.Invalid("cause goes with the failed event only")
		}
	case model.UpliftFailed:
		if !causePattern.MatchString(in.Cause) {
			return model.Invalid("cause must name the error, 1 to 64 letters, digits or _.:- (e.g. NotSupportedError)")
		}
	case model.UpliftAccepted:
		return model.Invalid("accepted is recorded by the passkey's registration (POST /v1/client/user-authenticators/passkey)")
	case "":
		return model.Invalid("event is required: shown, dismissed, opted_out or failed")
	default:
		return model.Invalid("event must be shown, dismissed, opted_out or failed")
	}
	if in.Event == model.UpliftOptedOut && !c.Tenant.Passkey.EnrollmentPromptAllowOptOut {
		return model.Invalid("the passkey configuration does not offer Don't ask again (enrollmentPromptAllowOptOut)")
	}
	act, deviceID, err := a.promptAction(w, r, c, in.DeviceID)
	if err != nil {
		return err
	}
	if in.Event == model.UpliftFailed && in.Cause == ExistsCause {
		err = a.prompt.MarkDeviceHoldsPasskey(r.Context(), c.Tenant, act.UserID, deviceID)
	} else {
		err = a.prompt.RecordAppOutcome(r.Context(), c.Tenant, act, deviceID, surface, in.Event, in.Cause)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// clientSurface reads where the caller shows the prompt: the component,
// or by default the app's own UI.
func clientSurface(s model.PromptSurface) (model.PromptSurface, error) {
	s = cmp.Or(s, model.SurfaceAPI)
	if !model.ValidClientSurface(s) {
		return "", model.Invalid("surface must be component or api")
	}
	return s, nil
}

// promptAction loads the token's action for the prompt's endpoints and
// the device they are about: the one the request names, else the
// token's. A browser's request must come from one of the tenant's
// origins, and the user must have proven who they are in the action
// (its challenge succeeded) or the app must vouch for it (scope
// add:authenticators). A page refused for its origin may read why when
// some tenant expects that origin, so that a token of the wrong tenant
// reads as such, not as a network error.
func (a *API) promptAction(w http.ResponseWriter, r *http.Request, c tenancy.ClientCaller, requestedDevice string) (model.Action, string, error) {
	claims, err := c.RequireToken()
	if err != nil {
		return model.Action{}, "", err
	}
	if raw := r.Header.Get("Origin"); raw != "" {
		origin, ok := normalOrigin(raw)
		if !ok || !slices.Contains(c.Tenant.Origins, origin) {
			a.allowKnownOrigin(w, r)
			return model.Action{}, "", model.Errorf(model.ErrForbidden, "origin_not_allowed",
				"this token's tenant does not list the page's origin among its expected origins")
		}
	}
	act, err := a.svc.Action(r.Context(), c.Tenant.ID, claims.IdempotencyKey)
	if errors.Is(err, model.ErrNotFound) || (err == nil && (act.UserID != claims.UserID || act.Code != claims.ActionCode)) {
		return model.Action{}, "", model.Errorf(model.ErrUnauthenticated, "invalid_token", "the token's action no longer exists")
	}
	if err != nil {
		return model.Action{}, "", err
	}
	if act.State != model.StateChallengeSucceeded && !claims.HasScope(model.ScopeAddAuthenticators) {
		return model.Action{}, "", model.Errorf(model.ErrForbidden, string(uplift.ReasonNotAuthenticated),
			"the user has not completed a challenge in this action: complete one first, or track it with scope add:authenticators once your app has signed the user in")
	}
	deviceID := cmp.Or(requestedDevice, claims.DeviceID)
	if deviceID == "" {
		return model.Action{}, "", model.Invalid("deviceId is required: the browser SDK's anonymous id, or the id your app passes to track")
	}
	return act, deviceID, nil
}

// reportDevice notes that the device was seen with this user agent and,
// when the caller reported them, stores its capabilities in place of
// those it reported before.
func (a *API) reportDevice(r *http.Request, t model.Tenant, deviceID string, caps map[string]any) error {
	now := a.svc.Now()
	err := a.svc.TouchDevice(r.Context(), model.Device{TenantID: t.ID, ID: deviceID,
		UserAgent: devices.ParseUserAgent(r.UserAgent()).UA, CreatedAt: now, LastSeenAt: now})
	if err != nil || caps == nil {
		return err
	}
	return a.svc.SetDeviceCapabilities(r.Context(), t.ID, deviceID, caps)
}

// recordAccepted records a passkey registered after a prompt an app
// showed on the device as the prompt's acceptance. The passkey is stored
// whatever happens here, so a failure is logged, not returned.
func (a *API) recordAccepted(ctx context.Context, c tenancy.ClientCaller, deviceID string) {
	if c.Claims == nil {
		return
	}
	act := model.Action{TenantID: c.Tenant.ID, UserID: c.Claims.UserID, Code: c.Claims.ActionCode,
		IdempotencyKey: c.Claims.IdempotencyKey}
	if _, err := a.prompt.RecordAcceptedAfterPrompt(ctx, c.Tenant, act, cmp.Or(deviceID, c.Claims.DeviceID)); err != nil {
		a.log.WarnContext(ctx, "record the prompt's acceptance", "tenant", c.Tenant.ID, "err", err)
	}
}
