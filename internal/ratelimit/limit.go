package ratelimit

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limit is a request rate: Rate requests a second sustained, up to Burst
// at once. The zero Limit is off.
type Limit struct {
	Rate  float64
	Burst int
}

// Off reports whether the limit allows everything.
func (l Limit) Off() bool { return l.Rate <= 0 || l.Burst <= 0 }

// units are the periods a limit may be written per.
var units = []struct {
	name string
	d    time.Duration
}{{"s", time.Second}, {"min", time.Minute}, {"h", time.Hour}}

// maxCount bounds the numbers a limit may be written with.
const maxCount = 1_000_000_000

// ParseLimit reads a limit written "N/UNIT" (N requests per second, minute
// or hour, up to N at once), "N/UNIT,burst=B" (up to B at once instead) or
// "off". For example "60/min" allows 60 requests at once and then one a
// second; "20/s,burst=100" allows 100 at once and then 20 a second.
func ParseLimit(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "off") {
		return Limit{}, nil
	}
	bad := func() (Limit, error) {
		return Limit{}, fmt.Errorf(`%q is not a rate limit: write N/s, N/min or N/h (N a whole number from 1), optionally followed by ",burst=B", or "off"`, s)
	}
	spec, burstSpec, hasBurst := strings.Cut(s, ",")
	count, unit, ok := strings.Cut(strings.TrimSpace(spec), "/")
	if !ok {
		return bad()
	}
	n, err := strconv.Atoi(strings.TrimSpace(count))
	if err != nil || n < 1 || n > maxCount {
		return bad()
	}
	var per time.Duration
	for _, u := range units {
		if strings.TrimSpace(unit) == u.name {
			per = u.d
		}
	}
	if per == 0 {
		return bad()
	}
	l := Limit{Rate: float64(n) / per.Seconds(), Burst: n}
	if hasBurst {
		k, v, ok := strings.Cut(strings.TrimSpace(burstSpec), "=")
		b, err := strconv.Atoi(strings.TrimSpace(v))
		if !ok || strings.TrimSpace(k) != "burst" || err != nil || b < 1 || b > maxCount {
			return bad()
		}
		l.Burst = b
	}
	return l, nil
}

// String writes the limit as ParseLimit reads it.
func (l Limit) String() string {
	if l.Off() {
		return "off"
	}
	for _, u := range units { // the unit in which the burst is the count, if any
		if n := l.Rate * u.d.Seconds(); n == float64(l.Burst) {
			return strconv.Itoa(l.Burst) + "/" + u.name
		}
	}
	for _, u := range units {
		if n := l.Rate * u.d.Seconds(); n >= 1 && n == float64(int64(n)) || u.d == time.Hour {
			return strconv.FormatFloat(n, 'f', -1, 64) + "/" + u.name + ",burst=" + strconv.Itoa(l.Burst)
		}
	}
	return "off"
}
