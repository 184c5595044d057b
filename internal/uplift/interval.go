package uplift

import (
	"strconv"
	"time"
)

// Preset is one of the prompt frequencies the console offers for
// enrollmentPromptInterval.
type Preset struct {
	// Label is the text the console shows, e.g. "Once a week".
	Label string
	// Seconds is the enrollmentPromptInterval value the preset stores.
	Seconds int64
}

// Interval returns the preset as a duration, ready for Input.Interval.
func (p Preset) Interval() time.Duration {
	return time.Duration(p.Seconds) * time.Second
}

// presetTable is the single list of presets, returned by value so that no
// caller can change it.
func presetTable() [5]Preset {
	return [...]Preset{
		{Label: "Every challenge", Seconds: 0},
		{Label: "Once a day", Seconds: 86400},
		{Label: "Once a week", Seconds: 604800},
		{Label: "Once a month", Seconds: 2592000},
		{Label: "Once every 3 months", Seconds: 7776000},
	}
}

// Presets returns the console's frequency presets, shortest first. The slice
// is new on every call and the caller may keep or change it.
func Presets() []Preset {
	table := presetTable()
	return table[:]
}

// IntervalLabel returns the label of the preset whose value is seconds, or
// text such as "Every 2 hours" or "Every 90 seconds" for any other positive
// value, using the largest of weeks, days, hours, minutes and seconds that
// divides it exactly. A negative value is labelled "Every challenge", since
// Decide treats it as 0.
func IntervalLabel(seconds int64) string {
	if seconds < 0 {
		seconds = 0
	}
	for _, p := range presetTable() {
		if p.Seconds == seconds {
			return p.Label
		}
	}
	units := [...]struct {
		seconds int64
		name    string
	}{
		{604800, "week"},
		{86400, "day"},
		{3600, "hour"},
		{60, "minute"},
	}
	for _, u := range units {
		if seconds%u.seconds == 0 {
			return every(seconds/u.seconds, u.name)
		}
	}
	return every(seconds, "second")
}

// every returns "Every <unit>" for n == 1 and "Every <n> <unit>s" otherwise.
func every(n int64, unit string) string {
	if n == 1 {
		return "Every " + unit
	}
	return "Every " + strconv.FormatInt(n, 10) + " " + unit + "s"
}
