package managementapi

import (
	"net/http"

	"github.com/uplift-dev/uplift/internal/experiments"
	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/policy"
)

// passkeyConfigJSON is the passkey authenticator configuration, the uplift
// prompt's settings included.
type passkeyConfigJSON struct {
	AuthenticatorID             string                     `json:"authenticatorId"`
	VerificationMethod          model.VerificationMethod   `json:"verificationMethod"`
	IsActive                    bool                       `json:"isActive"`
	RelyingParty                string                     `json:"relyingParty"`
	RelyingPartyName            string                     `json:"relyingPartyName"`
	ExpectedOrigins             []string                   `json:"expectedOrigins"`
	RelatedOrigins              []string                   `json:"relatedOrigins"`
	UserVerificationRequirement model.UserVerification     `json:"userVerificationRequirement"`
	RecoveryMethods             []model.VerificationMethod `json:"recoveryMethods"`
	DisableEnrollmentPrompt     bool                       `json:"disableEnrollmentPrompt"`
	EnrollmentPromptInterval    int64                      `json:"enrollmentPromptInterval"`
	// The prompt's adoption settings (docs/uplift-decision.md).
	EnrollmentPromptRolloutPercent int  `json:"enrollmentPromptRolloutPercent"`
	EnrollmentPromptBackoff        bool `json:"enrollmentPromptBackoff"`
	EnrollmentPromptMaxDismissals  int  `json:"enrollmentPromptMaxDismissals"`
	EnrollmentPromptAllowOptOut    bool `json:"enrollmentPromptAllowOptOut"`
	// DefaultLocale is the language of the hosted pages and messages
	// when neither the action, the user nor the browser names one Uplift
	// speaks ("" is English).
	DefaultLocale string `json:"defaultLocale"`
	// The prompt's copy when no experiment runs; "" shows the built-in text.
	EnrollmentPromptHeading     string `json:"enrollmentPromptHeading"`
	EnrollmentPromptExplanation string `json:"enrollmentPromptExplanation"`
}

func toPasskeyConfigJSON(t model.Tenant, cp model.PromptCopy) passkeyConfigJSON {
	return passkeyConfigJSON{
		AuthenticatorID: t.ID + ":PASSKEY", VerificationMethod: model.MethodPasskey, IsActive: true,
		RelyingParty: t.RPID, RelyingPartyName: t.RPName, ExpectedOrigins: nonNil(t.Origins),
		RelatedOrigins:              nonNil(t.Passkey.RelatedOrigins),
		UserVerificationRequirement: t.Passkey.UserVerification, RecoveryMethods: nonNil(t.Passkey.RecoveryMethods),
		DisableEnrollmentPrompt: t.Passkey.DisableEnrollmentPrompt, EnrollmentPromptInterval: t.Passkey.EnrollmentPromptInterval,
		EnrollmentPromptRolloutPercent: t.Passkey.EnrollmentPromptRolloutPercent,
		EnrollmentPromptBackoff:        t.Passkey.EnrollmentPromptBackoff,
		EnrollmentPromptMaxDismissals:  t.Passkey.EnrollmentPromptMaxDismissals,
		EnrollmentPromptAllowOptOut:    t.Passkey.EnrollmentPromptAllowOptOut,
		DefaultLocale:                  t.Passkey.DefaultLocale,
		EnrollmentPromptHeading:        cp.Heading,
		EnrollmentPromptExplanation:    cp.Explanation,
	}
}

type passkeyConfigInput struct {
	RelyingParty                optional[string]                     `json:"relyingParty"`
	RelyingPartyName            optional[string]                     `json:"relyingPartyName" text:"100"`
	ExpectedOrigins             optional[[]string]                   `json:"expectedOrigins"`
	RelatedOrigins              optional[[]string]                   `json:"relatedOrigins"`
	UserVerificationRequirement optional[model.UserVerification]     `json:"userVerificationRequirement"`
	RecoveryMethods             optional[[]model.VerificationMethod] `json:"recoveryMethods"`
	DisableEnrollmentPrompt     optional[bool]                       `json:"disableEnrollmentPrompt"`
	EnrollmentPromptInterval    optional[int64]                      `json:"enrollmentPromptInterval"`
	IsActive                    optional[bool]                       `json:"isActive"`
	// The adoption settings; null puts a setting back to its default.
	EnrollmentPromptRolloutPercent optional[*int]  `json:"enrollmentPromptRolloutPercent"`
	EnrollmentPromptBackoff        optional[*bool] `json:"enrollmentPromptBackoff"`
	EnrollmentPromptMaxDismissals  optional[*int]  `json:"enrollmentPromptMaxDismissals"`
	EnrollmentPromptAllowOptOut    optional[*bool] `json:"enrollmentPromptAllowOptOut"`
	// DefaultLocale is a language tag of i18n.Languages; "" or null is
	// English.
	DefaultLocale optional[*string] `json:"defaultLocale" text:"35"`
	// The prompt's copy; "" or null puts the built-in text back.
	EnrollmentPromptHeading     optional[string] `json:"enrollmentPromptHeading" text:"100"`
	EnrollmentPromptExplanation optional[string] `json:"enrollmentPromptExplanation" text:"300"`
}

// applyOrDefault sets *dst from a field that was present: its value, or
// def when it was null.
func applyOrDefault[T any](o optional[*T], dst *T, def T) {
	switch {
	case !o.Set:
	case o.Value == nil:
		*dst = def
	default:
		*dst = *o.Value
	}
}

// GetPasskeyConfig answers GET /v1/management/authenticator-configurations/passkey.
func (a *API) GetPasskeyConfig(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	cp, err := a.experiments.TenantCopy(r.Context(), t.ID)
	if err != nil {
		return err
	}
	return jsonapi.Write(w, http.StatusOK, toPasskeyConfigJSON(t, cp))
}

// UpdatePasskeyConfig answers PATCH /v1/management/authenticator-configurations/passkey.
func (a *API) UpdatePasskeyConfig(w http.ResponseWriter, r *http.Request, t model.Tenant) error {
	var in passkeyConfigInput
	if err := jsonapi.Decode(r, &in); err != nil {
		return err
	}
	if in.IsActive.Set && !in.IsActive.Value {
		return model.Invalid("passkeys cannot be switched off; set disableEnrollmentPrompt to stop the uplift prompt")
	}
	cp, err := a.experiments.TenantCopy(r.Context(), t.ID)
	if err != nil {
		return err
	}
	copyChanged := in.EnrollmentPromptHeading.Set || in.EnrollmentPromptExplanation.Set
	in.EnrollmentPromptHeading.apply(&cp.Heading)
	in.EnrollmentPromptExplanation.apply(&cp.Explanation)
	if err := experiments.CheckCopy(cp); err != nil {
		return err
	}
	t, err = a.policy.UpdatePasskeySettings(r.Context(), t.ID, func(ps *policy.PasskeySettings) {
		in.RelyingParty.apply(&ps.RPID)
		in.RelyingPartyName.apply(&ps.RPName)
		in.ExpectedOrigins.apply(&ps.Origins)
		in.RelatedOrigins.apply(&ps.Passkey.RelatedOrigins)
		in.UserVerificationRequirement.apply(&ps.Passkey.UserVerification)
		in.RecoveryMethods.apply(&ps.Passkey.RecoveryMethods)
		in.DisableEnrollmentPrompt.apply(&ps.Passkey.DisableEnrollmentPrompt)
		in.EnrollmentPromptInterval.apply(&ps.Passkey.EnrollmentPromptInterval)
		def := model.DefaultPasskeyConfig()
		applyOrDefault(in.EnrollmentPromptRolloutPercent, &ps.Passkey.EnrollmentPromptRolloutPercent, def.EnrollmentPromptRolloutPercent)
		applyOrDefault(in.EnrollmentPromptBackoff, &ps.Passkey.EnrollmentPromptBackoff, def.EnrollmentPromptBackoff)
		applyOrDefault(in.EnrollmentPromptMaxDismissals, &ps.Passkey.EnrollmentPromptMaxDismissals, def.EnrollmentPromptMaxDismissals)
		applyOrDefault(in.EnrollmentPromptAllowOptOut, &ps.Passkey.EnrollmentPromptAllowOptOut, def.EnrollmentPromptAllowOptOut)
		applyOrDefault(in.DefaultLocale, &ps.Passkey.DefaultLocale, def.DefaultLocale)
	})
	if err != nil {
		return err
	}
	if copyChanged {
		if err := a.experiments.SetTenantCopy(r.Context(), t.ID, cp); err != nil {
			return err
		}
	}
	return jsonapi.Write(w, http.StatusOK, toPasskeyConfigJSON(t, cp))
}
