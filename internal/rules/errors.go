package rules

import (
	"errors"
	"strconv"
)

// Limits that bound the size of a condition and so the work of evaluating it.
const (
	// MaxConditionSize is the largest condition, in bytes of JSON.
	MaxConditionSize = 64 << 10
	// MaxNodes is the most JSON values (operations, arrays and literals) a
	// condition may hold.
	MaxNodes = 1000
	// MaxDepth is the deepest nesting of JSON arrays and objects.
	MaxDepth = 32
	// MaxStringLength is the longest string literal, in bytes.
	MaxStringLength = 1024
	// MaxCustomKeyLength is the longest custom data key a var may name.
	MaxCustomKeyLength = 128
	// MaxListNameLength is the longest value list name.
	MaxListNameLength = 128
)

// Priority bounds: a rule's priority is a number from MinPriority to
// MaxPriority, and the lower number wins.
const (
	MinPriority = 0
	MaxPriority = 99
)

// Kinds of *Error, for errors.Is.
var (
	ErrSyntax    = errors.New("not valid JSON")            // empty, malformed or trailing data
	ErrOperator  = errors.New("unknown operator")          // an operation's key is not an operator
	ErrArity     = errors.New("wrong number of arguments") // too few or too many arguments
	ErrFact      = errors.New("unknown fact")              // a var names no fact, or a bad custom key
	ErrArgument  = errors.New("invalid argument")          // not one-key operations, non-literal names, huge numbers
	ErrLimit     = errors.New("limit exceeded")            // size, values, depth or a string's length
	ErrPriority  = errors.New("priority out of range")     // see ValidatePriority
	ErrListEntry = errors.New("invalid value list entry")  // see NewCIDRList
)

// Error explains why a condition, a priority or a value list entry was
// rejected. Its message is meant for the API client that sent it.
type Error struct {
	// Kind is one of the Err values of this package.
	Kind error
	// Path is the JSON Pointer (RFC 6901) of the offending value inside the
	// condition, such as "/and/1/var"; empty for the condition as a whole.
	Path string
	// Detail names the problem.
	Detail string
}

// Error returns the detail, prefixed with the path when there is one.
func (e *Error) Error() string {
	if e.Path == "" {
		return e.Detail
	}
	return "at " + e.Path + ": " + e.Detail
}

// Unwrap returns the kind, so errors.Is(err, rules.ErrFact) works.
func (e *Error) Unwrap() error { return e.Kind }

// ValidatePriority returns an *Error of kind ErrPriority unless p is between
// MinPriority and MaxPriority.
func ValidatePriority(p int) error {
	if p < MinPriority || p > MaxPriority {
		return &Error{
			Kind: ErrPriority,
			Detail: "priority " + strconv.Itoa(p) + " is out of range: it must be between " +
				strconv.Itoa(MinPriority) + " and " + strconv.Itoa(MaxPriority),
		}
	}
	return nil
}

// quote quotes s for a message, shortening it when it is long.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		cut := max
		for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		return strconv.Quote(s[:cut]) + "…"
	}
	return strconv.Quote(s)
}
