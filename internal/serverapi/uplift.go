package serverapi

import (
	"cmp"
	"net/http"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/uplift"
)

type upliftResponse struct {
	UserID                   string        `json:"userId"`
	DeviceID                 string        `json:"deviceId"`
	Action                   string        `json:"action,omitempty"`
	Show                     bool          `json:"show"`
	Reason                   uplift.Reason `json:"reason"`
	Explanation              string        `json:"explanation"`
	EnrollmentPromptInterval int64         `json:"enrollmentPromptInterval"`
	PromptFrequency          string        `json:"promptFrequency"`
	LastDismissedAt          string        `json:"lastDismissedAt,omitempty"`
	NextEligibleAt           string        `json:"nextEligibleAt,omitempty"`
	// Dismissals counts the user's "Not now" on the device.
	Dismissals                    int    `json:"dismissals"`
	EnrollmentPromptMaxDismissals int    `json:"enrollmentPromptMaxDismissals"`
	EnrollmentPromptBackoff       bool   `json:"enrollmentPromptBackoff"`
	RolloutPercent                int    `json:"enrollmentPromptRolloutPercent"`
	InRollout                     bool   `json:"inRollout"`
	OptedOutAt                    string `json:"optedOutAt,omitempty"`
	// PromptEnabled is the effective switch; PromptEnabledBy says whose it
	// is: "rule", "action" or "tenant".
	PromptEnabled   bool         `json:"promptEnabled"`
	PromptEnabledBy uplift.Level `json:"promptEnabledBy"`
	// Events are the user's latest uplift events on the device, newest
	// first, wherever the prompt was shown.
	Events []upliftEventJSON `json:"events"`
}

// upliftEventJSON is one uplift event in a diagnosis.
type upliftEventJSON struct {
	Kind           model.UpliftEventKind `json:"kind"`
	Reason         string                `json:"reason,omitempty"`
	Cause          string                `json:"cause,omitempty"`
	Surface        model.PromptSurface   `json:"surface"`
	ActionCode     string                `json:"actionCode,omitempty"`
	IdempotencyKey string                `json:"idempotencyKey,omitempty"`
	Variant        string                `json:"variant,omitempty"`
	At             string                `json:"at"`
}

func upliftEventsJSON(evs []model.UpliftEvent) []upliftEventJSON {
	out := make([]upliftEventJSON, 0, len(evs))
	for _, e := range evs {
		out = append(out, upliftEventJSON{Kind: e.Kind, Reason: e.Reason, Cause: e.Cause,
			Surface: cmp.Or(e.Surface, model.SurfaceHosted), ActionCode: e.ActionCode,
			IdempotencyKey: e.IdempotencyKey, Variant: e.Variant, At: jsonapi.Time(e.At)})
	}
	return out
}

// Uplift answers GET /v1/users/{userId}/uplift?deviceId=...&action=...: the
// uplift decision for the user on that device as it would be right after a
// successful challenge there, its reason, the last dismissal and when the
// prompt may next appear.
func (a *API) Uplift(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if err := checkQuery(r, "deviceId", "action"); err != nil {
		return err
	}
	q := r.URL.Query()
	deviceID, action := q.Get("deviceId"), q.Get("action")
	if deviceID == "" || len(deviceID) > 128 {
		return model.Invalid("deviceId is required (1 to 128 characters)")
	}
	if action != "" && !model.ValidActionCode(action) {
		return model.Invalid("action must match ^[a-zA-Z0-9_-]{1,64}$")
	}
	dg, err := a.prompt.DiagnoseUplift(r.Context(), t, id, deviceID, action)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, upliftResponse{
		UserID: id, DeviceID: deviceID, Action: action,
		Show: dg.Decision.Show, Reason: dg.Decision.Reason, Explanation: dg.Decision.Reason.Explain(),
		EnrollmentPromptInterval: t.Passkey.EnrollmentPromptInterval,
		PromptFrequency:          uplift.IntervalLabel(t.Passkey.EnrollmentPromptInterval),
		LastDismissedAt:          jsonapi.Time(dg.LastDismissal), NextEligibleAt: jsonapi.Time(dg.NextEligibleAt),
		Dismissals: dg.Dismissals, EnrollmentPromptMaxDismissals: dg.MaxDismissals,
		EnrollmentPromptBackoff: dg.Backoff, RolloutPercent: dg.RolloutPercent,
		InRollout:  uplift.InRollout(dg.RolloutPercent, dg.RolloutBucket),
		OptedOutAt: jsonapi.Time(dg.OptedOutAt), PromptEnabled: dg.PromptOn, PromptEnabledBy: dg.PromptFrom,
		Events: upliftEventsJSON(dg.Events),
	})
}
