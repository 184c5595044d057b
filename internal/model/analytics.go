package model

import "time"

// The shapes of the adoption analytics' queries. Each counts one tenant's
// rows of one period; docs/analytics.md defines every figure.

// UpliftEventGroup counts a tenant's uplift events that share a kind, a
// reason, a platform, an action, an experiment variant and the browser of
// the device they happened on.
type UpliftEventGroup struct {
	Kind UpliftEventKind
	// Reason is the decision's reason code on evaluated events, else empty.
	Reason string
	// Platform is the device's operating system as the event recorded
	// it, empty when unknown.
	Platform   string
	ActionCode string
	// Variant is the id of the prompt experiment's variant, empty outside
	// experiments.
	Variant string
	// Browser is the browser of the device's user agent when the event
	// was recorded, empty when the device or its browser was not known.
	Browser string
	Count   int
}

// PromptAttemptCount counts the uplift events of one kind that happened
// at one prompt attempt: the number of times the user had been shown the
// prompt on that device by then, 1 to MaxPromptAttempt (which stands for
// that many or more).
type PromptAttemptCount struct {
	Kind    UpliftEventKind
	Attempt int
	Count   int
}

// MaxPromptAttempt is the last attempt counted apart: later ones count as
// this one ("4th or later").
const MaxPromptAttempt = 4

// PasskeyGroup counts the passkeys of one provider (by AAGUID) and one
// kind (synced: backup eligible, or device-bound) created in a period,
// and the period's sign-ins with passkeys of that group.
type PasskeyGroup struct {
	// AAGUID is the authenticator's model id in its canonical UUID form;
	// empty when it reported none (all zeros).
	AAGUID  string
	Synced  bool
	Created int
	SignIns int
}

// DeviceCoverage counts a period's active users and active devices and
// how many of them hold a passkey.
type DeviceCoverage struct {
	// ActiveUsers counts the users with an action in the period, and
	// ActiveUsersWithPasskey those of them with a passkey created before
	// the period's end.
	ActiveUsers, ActiveUsersWithPasskey int
	// ActiveDevices counts the (user, device) pairs of the period's actions
	// that name a device, and ActiveDevicesWithPasskey those where one of
	// the user's passkeys is known on the device.
	ActiveDevices, ActiveDevicesWithPasskey int
}

// MethodDayCount counts one UTC day's sign-ins with one verification
// method.
type MethodDayCount struct {
	// Day is midnight UTC of the day.
	Day    time.Time
	Method VerificationMethod
	Count  int
}

// Fallbacks counts the sign-ins without a passkey of users who had one.
type Fallbacks struct {
	// PasskeyUsers counts the users with a sign-in in the period made
	// after they had a passkey, and FallbackUsers those of them with at
	// least one such sign-in made with another method than a passkey or
	// a security key.
	PasskeyUsers, FallbackUsers int
	// Devices counts those fallback sign-ins by the operating system and
	// browser of the device (its user agent, else the action's), the
	// method, and whether one of the user's passkeys was known on the
	// device.
	Devices []FallbackDevice
}

// FallbackDevice counts the fallback sign-ins of one operating system and
// browser (empty when not known), method and passkey presence.
type FallbackDevice struct {
	OS, Browser     string
	Method          VerificationMethod
	PasskeyOnDevice bool
	SignIns         int
}

// SavedMessages counts a period's passkey sign-ins by users who could
// have received a code instead, by the message they would have received.
type SavedMessages struct {
	TextMessages, Emails int
}

// MessagePrices is what a tenant pays per message sent, in minor units
// (cents) of Currency, an ISO 4217 code; both zero and Currency empty
// when not set.
type MessagePrices struct {
	Currency    string
	TextMessage int64
	Email       int64
}

// VariantLabel names a prompt experiment's variant.
type VariantLabel struct {
	ID, Experiment, Label string
}
