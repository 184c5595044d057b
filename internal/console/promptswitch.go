package console

import (
	"net/http"

	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/policy"
	"github.com/uplift-dev/uplift/internal/uplift"
)

// promptSwitchChoices are the positions of an action's or a rule's prompt
// switch, as the select offers them.
var promptSwitchChoices = []struct {
	sw    uplift.Switch
	label string
}{
	{uplift.Inherit, "Inherit"},
	{uplift.On, "On"},
	{uplift.Off, "Off"},
}

// promptSwitchSelect is the select of a prompt switch with sw chosen.
func promptSwitchSelect(sw uplift.Switch) []selectOption {
	out := make([]selectOption, len(promptSwitchChoices))
	for i, c := range promptSwitchChoices {
		out[i] = selectOption{Value: c.sw.String(), Label: c.label, Selected: c.sw == sw}
	}
	return out
}

// postedSwitch reads a prompt switch from a form: "on" (a checkbox's
// value too) and "off"; anything else inherits.
func postedSwitch(r *http.Request, name string) uplift.Switch {
	switch r.PostFormValue(name) {
	case "on":
		return uplift.On
	case "off":
		return uplift.Off
	}
	return uplift.Inherit
}

// switchFields are the stored fields of a prompt switch: Off sets
// disablePromptToEnroll, On lists PASSKEY to prompt for, Inherit neither.
func switchFields(sw uplift.Switch) (disable bool, methods []model.VerificationMethod) {
	switch sw {
	case uplift.On:
		return false, []model.VerificationMethod{model.MethodPasskey}
	case uplift.Off:
		return true, nil
	}
	return false, nil
}

// switchWord names a stored switch for tables: Inherit, On or Off.
func switchWord(sw uplift.Switch) string {
	for _, c := range promptSwitchChoices {
		if c.sw == sw {
			return c.label
		}
	}
	return "Inherit"
}

// effectiveWords says the prompt's effective state and where it comes
// from, such as "On — from the tenant setting"; self is the level of the
// page that shows it.
func effectiveWords(on bool, from, self uplift.Level) string {
	state := "Off"
	if on {
		state = "On"
	}
	where := map[uplift.Level]string{
		uplift.LevelTenant: "the tenant setting",
		uplift.LevelAction: "the action's switch",
		uplift.LevelRule:   "the rule's switch",
	}[from]
	if from == self {
		where = "this " + string(self) + "'s switch"
	}
	return state + " — from " + where
}

// actionEffective is the prompt's state for an action when no rule wins.
func actionEffective(t model.Tenant, cfg model.ActionConfig) string {
	on, from := uplift.Effective(!t.Passkey.DisableEnrollmentPrompt, policy.ActionSwitch(cfg), uplift.Inherit)
	return effectiveWords(on, from, uplift.LevelAction)
}

// actionPromptOn is whether the prompt is on for an action when no rule
// wins.
func actionPromptOn(t model.Tenant, cfg model.ActionConfig) bool {
	on, _ := uplift.Effective(!t.Passkey.DisableEnrollmentPrompt, policy.ActionSwitch(cfg), uplift.Inherit)
	return on
}
