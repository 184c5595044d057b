package console

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/uplift-dev/uplift/internal/admin"
	"github.com/uplift-dev/uplift/internal/experiments"
	"github.com/uplift-dev/uplift/internal/i18n"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/policy"
)

// selectOption is one entry of a select.
type selectOption struct {
	Value, Label string
	Selected     bool
}

// checkOption is one checkbox of a group.
type checkOption struct {
	Value, Label string
	Checked      bool
}

// fieldErrors are a refused form's messages by field name.
type fieldErrors map[string]string

// notSavedText is the summary a refused form shows above it.
const notSavedText = "Nothing was saved. Fix the fields marked below and try again."

// methodCheckboxes are checkboxes for the methods of all, checked where
// checked lists them.
func methodCheckboxes(all, checked []model.VerificationMethod) []checkOption {
	out := make([]checkOption, len(all))
	for i, m := range all {
		out[i] = checkOption{Value: string(m), Label: methodName(m), Checked: slices.Contains(checked, m)}
	}
	return out
}

// postedMethods reads the checked methods of a checkbox group.
func postedMethods(r *http.Request, name string) []model.VerificationMethod {
	var out []model.VerificationMethod
	for _, v := range r.PostForm[name] {
		out = append(out, model.VerificationMethod(v))
	}
	return out
}

// refusal returns the client-safe text of a refused change.
func refusal(err error) string {
	var me *model.Error
	if errors.As(err, &me) {
		return me.Description
	}
	return err.Error()
}

// fieldProbe sets one field of a known-good value to what a form submitted.
type fieldProbe[T any] struct {
	field string
	set   func(*T)
}

// placeRefusals finds which fields a refused form got wrong by checking,
// for each field, a known-good value with only that field taken from the
// form. The messages are those of the one check that policy applies, so
// the console and the Management API refuse the same input with the same
// words; this only places each message next to its field.
func placeRefusals[T any](good func() T, check func(*T) error, probes []fieldProbe[T]) fieldErrors {
	out := fieldErrors{}
	for _, p := range probes {
		v := good()
		p.set(&v)
		if err := check(&v); err != nil {
			out[p.field] = refusal(err)
		}
	}
	return out
}

// promptPresets are the prompt frequencies the console offers, in seconds.
var promptPresets = []struct {
	seconds int64
	label   string
}{
	{0, "Every challenge"},
	{86400, "Once a day"},
	{604800, "Once a week"},
	{2592000, "Once a month"},
	{7776000, "Once every 3 months"},
}

// userVerificationLabels are the user verification choices, in order.
var userVerificationLabels = []struct {
	value model.UserVerification
	label string
}{
	{model.UVRequired, "Required: always ask for the device's PIN, fingerprint or face"},
	{model.UVPreferred, "Preferred: ask when the device can"},
	{model.UVDiscouraged, "Discouraged: do not ask"},
}

// settingsForm is the passkey settings form as submitted or stored.
type settingsForm struct {
	Prompt   bool
	Interval int64
	Recovery []model.VerificationMethod
	RPID     string
	RPName   string
	// Origins is the textarea's text, one origin a line.
	Origins string
	// RelatedOrigins is the related origins' textarea, one a line.
	RelatedOrigins string
	UV             model.UserVerification
	// Rollout is the share of users ever prompted, in percent.
	Rollout       int
	Backoff       bool
	MaxDismissals int
	AllowOptOut   bool
	// PromptHeading and PromptExplanation are the prompt's copy; empty
	// shows the built-in text.
	PromptHeading, PromptExplanation string
	// DefaultLocale is the hosted pages' and messages' language when
	// nothing else names one; empty is English.
	DefaultLocale string
}

// settingsView is what settings.html shows.
type settingsView struct {
	Form      settingsForm
	Intervals []selectOption
	Recovery  []checkOption
	UV        []selectOption
	Problems  fieldErrors
	// Languages are the default languages to choose from.
	Languages []selectOption
}

func settingsFromTenant(t model.Tenant) settingsForm {
	return settingsForm{
		Prompt: !t.Passkey.DisableEnrollmentPrompt, Interval: t.Passkey.EnrollmentPromptInterval,
		Recovery: t.Passkey.RecoveryMethods, RPID: t.RPID, RPName: t.RPName,
		Origins: strings.Join(t.Origins, "\n"), UV: t.Passkey.UserVerification,
		RelatedOrigins: strings.Join(t.Passkey.RelatedOrigins, "\n"),
		Rollout:        t.Passkey.EnrollmentPromptRolloutPercent, Backoff: t.Passkey.EnrollmentPromptBackoff,
		MaxDismissals: t.Passkey.EnrollmentPromptMaxDismissals, AllowOptOut: t.Passkey.EnrollmentPromptAllowOptOut,
		DefaultLocale: t.Passkey.DefaultLocale,
	}
}

// readSettingsForm reads the posted form; a frequency that is not a
// number is a problem of its own.
func readSettingsForm(r *http.Request) (settingsForm, fieldErrors) {
	f := settingsForm{
		Prompt: r.PostFormValue("prompt") != "", Recovery: postedMethods(r, "recovery"),
		RPID: strings.TrimSpace(r.PostFormValue("rpId")), RPName: r.PostFormValue("rpName"),
		Origins: r.PostFormValue("origins"), UV: model.UserVerification(r.PostFormValue("uv")),
		RelatedOrigins: r.PostFormValue("relatedOrigins"), DefaultLocale: r.PostFormValue("defaultLocale"),
		Backoff: r.PostFormValue("backoff") != "", AllowOptOut: r.PostFormValue("allowOptOut") != "",
	}
	p := fieldErrors{}
	n, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("interval")), 10, 64)
	if err != nil {
		p["interval"] = "Choose how often the prompt may appear."
	}
	f.Interval = n
	if f.Rollout, err = formInt(r, "rollout", 100); err != nil {
		p["rollout"] = "Enter a whole number of percent, from 0 to 100."
	}
	if f.MaxDismissals, err = formInt(r, "maxDismissals", 0); err != nil {
		p["maxDismissals"] = "Enter a whole number; 0 means no limit."
	}
	f.PromptHeading, f.PromptExplanation = r.PostFormValue("promptHeading"), r.PostFormValue("promptExplanation")
	if msg := (model.TextRule{Max: experiments.MaxHeading}).Problem(f.PromptHeading); msg != "" {
		p["promptHeading"] = "The heading " + msg + "."
	}
	if msg := (model.TextRule{Max: experiments.MaxExplanation}).Problem(f.PromptExplanation); msg != "" {
		p["promptExplanation"] = "The explanation " + msg + "."
	}
	return f, p
}

// formInt reads a whole number field; a blank one is def, the setting's
// default.
func formInt(r *http.Request, name string, def int) (int, error) {
	v := strings.TrimSpace(r.PostFormValue(name))
	if v == "" {
		return def, nil
	}
	return strconv.Atoi(v)
}

// settings turns the form into policy's passkey settings.
func (f settingsForm) settings() policy.PasskeySettings {
	return policy.PasskeySettings{RPID: f.RPID, RPName: f.RPName, Origins: lines(f.Origins), Passkey: model.PasskeyConfig{
		DisableEnrollmentPrompt: !f.Prompt, EnrollmentPromptInterval: f.Interval,
		RecoveryMethods: slices.Clone(f.Recovery), UserVerification: f.UV,
		EnrollmentPromptRolloutPercent: f.Rollout, EnrollmentPromptBackoff: f.Backoff,
		EnrollmentPromptMaxDismissals: f.MaxDismissals, EnrollmentPromptAllowOptOut: f.AllowOptOut,
		RelatedOrigins: lines(f.RelatedOrigins), DefaultLocale: f.DefaultLocale,
	}}
}

// lines returns the non-blank lines of a textarea, trimmed.
func lines(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if o := strings.TrimSpace(line); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// Settings shows the tenant's passkey and prompt settings.
func (c *Console) Settings(w http.ResponseWriter, r *http.Request, s *Session) error {
	f := settingsFromTenant(s.Tenant)
	cp, err := c.experiments.TenantCopy(r.Context(), s.Tenant.ID)
	if err != nil {
		return err
	}
	f.PromptHeading, f.PromptExplanation = cp.Heading, cp.Explanation
	c.renderSettings(w, r, s, http.StatusOK, f, nil)
	return nil
}

// SaveSettings stores the passkey settings through the same validation
// as the Management API's PATCH of the passkey configuration.
func (c *Console) SaveSettings(w http.ResponseWriter, r *http.Request, s *Session) error {
	f, refused := readSettingsForm(r)
	in := f.settings()
	if len(refused) == 0 {
		_, err := c.policy.UpdatePasskeySettings(r.Context(), s.Tenant.ID, func(ps *policy.PasskeySettings) {
			ps.RPID, ps.RPName, ps.Origins = in.RPID, in.RPName, slices.Clone(in.Origins)
			ps.Passkey = in.Passkey
			ps.Passkey.RecoveryMethods = slices.Clone(in.Passkey.RecoveryMethods)
			ps.Passkey.RelatedOrigins = slices.Clone(in.Passkey.RelatedOrigins)
		})
		if err == nil {
			err = c.experiments.SetTenantCopy(r.Context(), s.Tenant.ID,
				model.PromptCopy{Heading: f.PromptHeading, Explanation: f.PromptExplanation})
		}
		if err == nil {
			redirect(w, r, admin.ConsolePath+"/settings", "settings-saved")
			return nil
		}
		if !errors.Is(err, model.ErrInvalid) {
			return err
		}
		refused = settingsProblems(in)
		if len(refused) == 0 {
			refused["form"] = refusal(err)
		}
	}
	c.renderSettings(w, r, s, http.StatusBadRequest, f, refused)
	return nil
}

// goodSettings are settings that pass every check.
func goodSettings() policy.PasskeySettings {
	return policy.PasskeySettings{RPID: "example.com", RPName: "Example", Origins: []string{"https://example.com"},
		Passkey: model.DefaultPasskeyConfig()}
}

// settingsProblems places the refusals of in next to their fields. The
// origins and the relying party ID are checked together, as they depend
// on each other; a refusal that the relying party check alone repeats is
// about the ID, any other about the origins.
func settingsProblems(in policy.PasskeySettings) fieldErrors {
	p := placeRefusals(goodSettings, policy.CheckPasskeySettings, []fieldProbe[policy.PasskeySettings]{
		{"interval", func(ps *policy.PasskeySettings) {
			ps.Passkey.EnrollmentPromptInterval = in.Passkey.EnrollmentPromptInterval
		}},
		{"recovery", func(ps *policy.PasskeySettings) {
			ps.Passkey.RecoveryMethods = slices.Clone(in.Passkey.RecoveryMethods)
		}},
		{"uv", func(ps *policy.PasskeySettings) { ps.Passkey.UserVerification = in.Passkey.UserVerification }},
		{"rollout", func(ps *policy.PasskeySettings) {
			ps.Passkey.EnrollmentPromptRolloutPercent = in.Passkey.EnrollmentPromptRolloutPercent
		}},
		{"maxDismissals", func(ps *policy.PasskeySettings) {
			ps.Passkey.EnrollmentPromptMaxDismissals = in.Passkey.EnrollmentPromptMaxDismissals
		}},
		{"rpName", func(ps *policy.PasskeySettings) { ps.RPName = in.RPName }},
		{"defaultLocale", func(ps *policy.PasskeySettings) { ps.Passkey.DefaultLocale = in.Passkey.DefaultLocale }},
		{"relatedOrigins", func(ps *policy.PasskeySettings) {
			ps.Passkey.RelatedOrigins = slices.Clone(in.Passkey.RelatedOrigins)
		}},
	})
	ps := goodSettings()
	ps.RPID, ps.Origins = in.RPID, slices.Clone(in.Origins)
	if err := policy.CheckPasskeySettings(&ps); err != nil {
		field := "origins"
		if rp := policy.CheckRelyingPartyID(in.RPID, ps.Origins); rp != nil && rp.Error() == err.Error() {
			field = "rpId"
		}
		p[field] = refusal(err)
	}
	return p
}

func (c *Console) renderSettings(w http.ResponseWriter, r *http.Request, s *Session, status int, f settingsForm, p fieldErrors) {
	v := settingsView{Form: f, Recovery: methodCheckboxes(policy.RecoveryMethodChoices(), f.Recovery), Problems: p}
	preset := false
	for _, ps := range promptPresets {
		v.Intervals = append(v.Intervals, selectOption{Value: strconv.FormatInt(ps.seconds, 10), Label: ps.label, Selected: ps.seconds == f.Interval})
		preset = preset || ps.seconds == f.Interval
	}
	if !preset {
		n := strconv.FormatInt(f.Interval, 10)
		label := "Every " + n + " seconds (set through the API)"
		if f.Interval < 0 {
			label = n + " seconds (not allowed)"
		}
		v.Intervals = append(v.Intervals, selectOption{Value: n, Label: label, Selected: true})
	}
	for _, uv := range userVerificationLabels {
		v.UV = append(v.UV, selectOption{Value: string(uv.value), Label: uv.label, Selected: uv.value == f.UV})
	}
	v.Languages = languageOptions(f.DefaultLocale)
	view := View{Title: "Settings", Section: "settings", Data: v}
	if len(p) > 0 {
		view.Error = notSavedText
		if msg, ok := p["form"]; ok {
			view.Error = notSavedText + " " + msg
		}
	}
	c.render(w, r, status, "settings", s, view)
}

// languageOptions lists the languages the hosted pages speak, each by
// its own name, the tenant's current choice (English when none) selected.
func languageOptions(current string) []selectOption {
	if current == "" {
		current = i18n.English
	}
	var out []selectOption
	for _, tag := range i18n.Languages() {
		l, _ := i18n.Get(tag)
		value := tag
		if tag == i18n.English {
			value = ""
		}
		out = append(out, selectOption{Value: value, Label: l.Name(), Selected: tag == current})
	}
	if !i18n.Supported(current) {
		out = append(out, selectOption{Value: current, Label: current + " (not available)", Selected: true})
	}
	return out
}
