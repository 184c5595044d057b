package rules

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
)

// kind is the type of a value during evaluation.
type kind uint8

const (
	kindNull   kind = iota
	kindBool        // b
	kindNumber      // n
	kindString      // s
	kindArray       // arr
	kindObject      // an object from custom data; equals nothing
)

// value is the result of evaluating a node. It is passed by value and never
// allocates: arrays refer to the condition's nodes or to the facts.
type value struct {
	kind kind
	b    bool
	n    float64
	s    string
	// arr is a literal array (*node, its elements evaluated on demand), an
	// array fact (*[]string) or an array of custom data as stored in the
	// custom map ([]any or []string).
	arr any
}

func boolValue(b bool) value      { return value{kind: kindBool, b: b} }
func numberValue(n float64) value { return value{kind: kindNumber, n: n} }

// anyValue converts custom data, as decoded from JSON or set by Go code.
func anyValue(x any) value {
	switch x := x.(type) {
	case nil:
		return value{}
	case bool:
		return boolValue(x)
	case string:
		return value{kind: kindString, s: x}
	case float64:
		return numberValue(x)
	case float32:
		return numberValue(float64(x))
	case int:
		return numberValue(float64(x))
	case int64:
		return numberValue(float64(x))
	case int32:
		return numberValue(float64(x))
	case uint:
		return numberValue(float64(x))
	case uint64:
		return numberValue(float64(x))
	case uint32:
		return numberValue(float64(x))
	case json.Number:
		n, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return value{kind: kindObject}
		}
		return numberValue(n)
	case []any, []string:
		return value{kind: kindArray, arr: x}
	}
	return value{kind: kindObject}
}

// truthy applies JSONLogic's truthiness.
func (v value) truthy() bool {
	switch v.kind {
	case kindBool:
		return v.b
	case kindNumber:
		return v.n != 0 && !math.IsNaN(v.n)
	case kindString:
		return v.s != ""
	case kindArray:
		switch a := v.arr.(type) {
		case *node:
			return len(a.args) > 0
		case *[]string:
			return len(*a) > 0
		case []string:
			return len(a) > 0
		case []any:
			return len(a) > 0
		}
	case kindObject:
		return true
	}
	return false
}

// equal is strict equality: same kind and same scalar value.
func equal(a, b value) bool {
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case kindNull:
		return true
	case kindBool:
		return a.b == b.b
	case kindNumber:
		return a.n == b.n
	case kindString:
		return a.s == b.s
	}
	return false
}

// compare orders two numbers or two strings; ok is false for any other pair
// and for NaN.
func compare(a, b value) (c int, ok bool) {
	if a.kind != b.kind {
		return 0, false
	}
	switch a.kind {
	case kindNumber:
		switch {
		case a.n < b.n:
			return -1, true
		case a.n > b.n:
			return 1, true
		case a.n == b.n:
			return 0, true
		}
	case kindString:
		return strings.Compare(a.s, b.s), true
	}
	return 0, false
}

// contains implements "in": a substring test in a string, strict membership
// in an array.
func contains(f *Facts, needle, haystack value) bool {
	switch haystack.kind {
	case kindString:
		return needle.kind == kindString && strings.Contains(haystack.s, needle.s)
	case kindArray:
		switch a := haystack.arr.(type) {
		case *node:
			for i := range a.args {
				if equal(needle, a.args[i].eval(f)) {
					return true
				}
			}
		case *[]string:
			return needle.kind == kindString && slices.Contains(*a, needle.s)
		case []string:
			return needle.kind == kindString && slices.Contains(a, needle.s)
		case []any:
			for _, x := range a {
				if equal(needle, anyValue(x)) {
					return true
				}
			}
		}
	}
	return false
}
