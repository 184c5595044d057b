package model

import (
	"fmt"
	"unicode/utf8"
)

// MaxText is the most characters a text field may hold when its surface
// documents no limit of its own.
const MaxText = 256

// TextRule is what one text field may hold: valid UTF-8 without control
// characters, within a length. Both databases then store it as it is
// (PostgreSQL refuses NUL and invalid UTF-8 in text; SQLite would keep
// them). The zero rule is one line of at most MaxText characters.
type TextRule struct {
	// Free allows line breaks and tabs, in text people write at length
	// such as a description or a rule's condition.
	Free bool
	// Max is the most characters allowed: 0 means MaxText, a negative
	// number no limit.
	Max int
	// UUID asks for a canonical lower-case UUID, or nothing at all.
	UUID bool
}

// Problem says what is wrong with s under the rule, in words that follow
// the field's name ("holds a NUL character"), or returns "" when s keeps
// the rule. It does not allocate unless s breaks it.
func (r TextRule) Problem(s string) string {
	if r.UUID {
		if s != "" && !ValidUUID(s) {
			return "must be a UUID such as 0190c6b2-7e5f-7a3c-9d41-2b8e6f1a0c3d"
		}
		return ""
	}
	limit := r.Max
	if limit == 0 {
		limit = MaxText
	}
	n := 0
	for i := 0; i < len(s); n++ {
		if n == limit {
			return fmt.Sprintf("is longer than %d characters", limit)
		}
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if c >= 0x20 && c != 0x7f {
				continue
			}
			if c == '\n' || c == '\r' || c == '\t' {
				if r.Free {
					continue
				}
				return "holds a line break or tab, which this field does not take"
			}
			if c == 0 {
				return "holds a NUL character"
			}
			return fmt.Sprintf("holds a control character (U+%04X)", c)
		}
		ru, size := utf8.DecodeRuneInString(s[i:])
		if ru == utf8.RuneError && size == 1 {
			return "is not valid UTF-8"
		}
		if ru <= 0x9f { // C1 control characters, U+0080 to U+009F
			return fmt.Sprintf("holds a control character (U+%04X)", ru)
		}
		i += size
	}
	return ""
}

// ValidText reports whether s is text people wrote: valid UTF-8 without
// control characters, except line breaks and tabs when multiline, of any
// length.
func ValidText(s string, multiline bool) bool {
	return TextRule{Free: multiline, Max: -1}.Problem(s) == ""
}

// ValidUUID reports whether s is a lower-case canonical UUID, the form
// of every id Uplift makes.
func ValidUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return false
			}
		}
	}
	return true
}

// Excerpt returns s, or its first 40 bytes cut on a character boundary
// and followed by "…", for quoting what a caller sent in an error.
func Excerpt(s string) string {
	if len(s) <= 40 {
		return s
	}
	cut := 40
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
