// Package devices reads what Uplift needs from a device's user agent: the
// parsed browser, operating system and device type that authenticator
// responses report, and a passkey name such as "Chrome on macOS" for when
// the passkey's provider is not known by its AAGUID.
//
// Parsing uses github.com/mileusna/useragent, a small dependency-free
// parser; this package only maps its answer onto model.UserAgent. It is
// pure: no I/O.
package devices

import (
	"strconv"
	"unicode/utf8"

	"github.com/mileusna/useragent"

	"github.com/uplift-dev/uplift/internal/model"
)

// MaxUserAgent is the longest user agent string kept; longer ones are cut.
const MaxUserAgent = 1024

// Truncate cuts a user agent string to at most MaxUserAgent bytes,
// never inside a character.
func Truncate(raw string) string {
	if len(raw) <= MaxUserAgent {
		return raw
	}
	cut := MaxUserAgent
	for cut > 0 && !utf8.RuneStart(raw[cut]) {
		cut--
	}
	return raw[:cut]
}

// ParseUserAgent parses a User-Agent header. An empty string gives a zero
// UserAgent.
func ParseUserAgent(raw string) model.UserAgent {
	raw = Truncate(raw)
	if raw == "" {
		return model.UserAgent{}
	}
	p := useragent.Parse(raw)
	ua := model.UserAgent{
		UA: raw, BrowserName: p.Name, BrowserVersion: p.Version, OSName: p.OS, OSVersion: p.OSVersion,
		DeviceModel: p.Device, IsBot: p.Bot, EngineName: engine(p),
	}
	if p.Version != "" {
		ua.BrowserMajor = strconv.Itoa(p.VersionNo.Major)
	}
	switch {
	case p.Tablet:
		ua.DeviceType = "tablet"
	case p.Mobile:
		ua.DeviceType = "mobile"
	case p.Desktop:
		ua.DeviceType = "desktop"
	}
	if p.OS == useragent.IOS || p.OS == useragent.MacOS {
		ua.DeviceVendor = "Apple"
	}
	return ua
}

// engine names the rendering engine the browser is built on, for the
// parsedUserAgent.engine field; "" when unsure.
func engine(p useragent.UserAgent) string {
	if p.OS == useragent.IOS {
		return "WebKit" // every iOS browser must use WebKit
	}
	switch p.Name {
	case useragent.Chrome, useragent.HeadlessChrome, useragent.Edge, useragent.Opera,
		useragent.Vivaldi, useragent.SamsungBrowser:
		return "Blink"
	case useragent.Safari, useragent.MobileSafari:
		return "WebKit"
	case useragent.Firefox:
		return "Gecko"
	}
	return ""
}

// PasskeyName names a passkey after the browser and operating system it
// was created with, such as "Chrome on macOS"; "Passkey" when neither is
// known.
func PasskeyName(ua model.UserAgent) string {
	browser := ua.BrowserName
	if browser == useragent.HeadlessChrome {
		browser = useragent.Chrome
	}
	switch {
	case browser != "" && ua.OSName != "":
		return browser + " on " + ua.OSName
	case browser != "":
		return browser
	case ua.OSName != "":
		return "Passkey on " + ua.OSName
	}
	return "Passkey"
}
