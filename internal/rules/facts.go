package rules

import "strings"

// Facts are what a condition can see when an action is tracked. The caller
// assembles them; empty strings mean unknown and evaluate to null.
type Facts struct {
	User   UserFacts
	Device DeviceFacts
	IP     IPFacts
	Action ActionFacts
	// Lists holds the tenant's value lists by name, for in_list and
	// in_cidr_list. A list that is absent matches nothing.
	Lists map[string]List
}

// UserFacts describe the user an action is tracked for.
type UserFacts struct {
	UserID      string
	Email       string
	EmailDomain string // lower case; see EmailDomain
	Username    string
	IsEnrolled  bool
	// EnrolledMethods lists the verification methods the user has
	// enrolled, such as "PASSKEY" or "EMAIL_OTP".
	EnrolledMethods []string
	HasPasskey      bool
	PasskeyCount    int
	// Custom is the user's custom data, as decoded from JSON.
	Custom map[string]any
}

// DeviceFacts describe the device an action is tracked from.
type DeviceFacts struct {
	ID string
	// IsNew reports that the user has not used this device before.
	IsNew           bool
	UserDeviceCount int
	Platform        string
	Browser         string
	IsBot           bool
}

// IPFacts describe the address an action is tracked from.
type IPFacts struct {
	Address string
}

// ActionFacts describe the tracked action itself.
type ActionFacts struct {
	Code string
	// Custom is the custom data passed to track, as decoded from JSON.
	Custom map[string]any
}

// EmailDomain returns the lower-cased part of email after its last "@", or
// "" when there is none.
func EmailDomain(email string) string {
	i := strings.LastIndexByte(email, '@')
	if i < 0 || i == len(email)-1 {
		return ""
	}
	return strings.ToLower(email[i+1:])
}

// fact identifies one fact a var can name.
type fact uint8

const (
	factNone fact = iota
	factUserID
	factUserEmail
	factUserEmailDomain
	factUserUsername
	factUserIsEnrolled
	factUserEnrolledMethods
	factUserHasPasskey
	factUserPasskeyCount
	factUserCustom
	factDeviceID
	factDeviceIsNew
	factDeviceUserDeviceCount
	factDevicePlatform
	factDeviceBrowser
	factDeviceIsBot
	factIPAddress
	factActionCode
	factActionCustom
)

const (
	userCustomPrefix   = "user.custom."
	actionCustomPrefix = "action.custom."
)

// FactNames returns the names a var may use, with custom data shown as
// "user.custom.<key>" and "action.custom.<key>".
func FactNames() []string {
	return []string{
		"user.userId", "user.email", "user.emailDomain", "user.username",
		"user.isEnrolled", "user.enrolledMethods", "user.hasPasskey",
		"user.passkeyCount", userCustomPrefix + "<key>",
		"device.id", "device.isNew", "device.userDeviceCount",
		"device.platform", "device.browser", "device.isBot",
		"ip.address",
		"action.code", actionCustomPrefix + "<key>",
	}
}

// lookupFact resolves a fixed fact name; custom data is resolved by the
// compiler.
func lookupFact(name string) fact {
	switch name {
	case "user.userId":
		return factUserID
	case "user.email":
		return factUserEmail
	case "user.emailDomain":
		return factUserEmailDomain
	case "user.username":
		return factUserUsername
	case "user.isEnrolled":
		return factUserIsEnrolled
	case "user.enrolledMethods":
		return factUserEnrolledMethods
	case "user.hasPasskey":
		return factUserHasPasskey
	case "user.passkeyCount":
		return factUserPasskeyCount
	case "device.id":
		return factDeviceID
	case "device.isNew":
		return factDeviceIsNew
	case "device.userDeviceCount":
		return factDeviceUserDeviceCount
	case "device.platform":
		return factDevicePlatform
	case "device.browser":
		return factDeviceBrowser
	case "device.isBot":
		return factDeviceIsBot
	case "ip.address":
		return factIPAddress
	case "action.code":
		return factActionCode
	}
	return factNone
}

// get returns the value of a fact; key is the custom data key.
func (f *Facts) get(id fact, key string) value {
	if f == nil {
		return emptyFact(id)
	}
	switch id {
	case factUserID:
		return stringFact(f.User.UserID)
	case factUserEmail:
		return stringFact(f.User.Email)
	case factUserEmailDomain:
		return stringFact(f.User.EmailDomain)
	case factUserUsername:
		return stringFact(f.User.Username)
	case factUserIsEnrolled:
		return boolValue(f.User.IsEnrolled)
	case factUserEnrolledMethods:
		return value{kind: kindArray, arr: &f.User.EnrolledMethods}
	case factUserHasPasskey:
		return boolValue(f.User.HasPasskey)
	case factUserPasskeyCount:
		return numberValue(float64(f.User.PasskeyCount))
	case factUserCustom:
		return anyValue(f.User.Custom[key])
	case factDeviceID:
		return stringFact(f.Device.ID)
	case factDeviceIsNew:
		return boolValue(f.Device.IsNew)
	case factDeviceUserDeviceCount:
		return numberValue(float64(f.Device.UserDeviceCount))
	case factDevicePlatform:
		return stringFact(f.Device.Platform)
	case factDeviceBrowser:
		return stringFact(f.Device.Browser)
	case factDeviceIsBot:
		return boolValue(f.Device.IsBot)
	case factIPAddress:
		return stringFact(f.IP.Address)
	case factActionCode:
		return stringFact(f.Action.Code)
	case factActionCustom:
		return anyValue(f.Action.Custom[key])
	}
	return value{}
}

// emptyFact returns the value a fact has in empty Facts, without taking the
// address of a Facts, which would allocate.
func emptyFact(id fact) value {
	switch id {
	case factUserIsEnrolled, factUserHasPasskey, factDeviceIsNew, factDeviceIsBot:
		return boolValue(false)
	case factUserPasskeyCount, factDeviceUserDeviceCount:
		return numberValue(0)
	case factUserEnrolledMethods:
		return value{kind: kindArray, arr: []string(nil)}
	}
	return value{}
}

// stringFact is the value of a string fact: null when empty.
func stringFact(s string) value {
	if s == "" {
		return value{}
	}
	return value{kind: kindString, s: s}
}
