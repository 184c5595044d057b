package jsonapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/uplift-dev/uplift/internal/model"
)

// Text rules, the one rule for every string a request carries (see
// model.TextRule): Decode applies it to every string of the decoded value,
// CheckRequest to path parameters, query parameters and the User-Agent
// header, CheckForm to form fields. A struct field's rule comes from its
// `text` tag, a comma-separated list of:
//
//	free    line breaks and tabs are allowed (descriptions, conditions)
//	uuid    a canonical lower-case UUID, or nothing
//	N       at most N characters (default model.MaxText); -1 for no limit
//
// A rule holds for everything below its field (slice elements, map values,
// a generic wrapper's fields) until another tag says otherwise. Map keys
// are always one line of at most model.MaxText characters. Errors name a
// field by its JSON path; a field without a json tag (an embedded struct,
// the value inside a wrapper such as an optional field) adds nothing to it.

// MaxUserAgent is the longest User-Agent header accepted, in bytes: what
// Uplift keeps of one, so that none is cut in the middle of a character.
const MaxUserAgent = 1024

// CheckText checks every string that v, a decoded request, holds against
// its field's rule, and returns an ErrInvalid error naming the first
// field that breaks it by its JSON path (e.g. "custom.plan" or
// "hints[2]"). It does not allocate unless a field breaks its rule.
func CheckText(v any) error {
	if v == nil {
		return nil
	}
	if fe := walkText(reflect.ValueOf(v), model.TextRule{}); fe != nil {
		return fe.err()
	}
	return nil
}

// fieldError is a broken rule on the way back up from the field that
// broke it: path holds the field's segments, innermost first.
type fieldError struct {
	path    []string
	problem string
}

func (fe *fieldError) in(segment string) *fieldError {
	if segment != "" {
		fe.path = append(fe.path, segment)
	}
	return fe
}

func (fe *fieldError) err() error {
	var b strings.Builder
	for i := len(fe.path) - 1; i >= 0; i-- {
		s := fe.path[i]
		if b.Len() > 0 && s[0] != '[' {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return fieldTextError(b.String(), fe.problem)
}

// fieldTextError refuses a request for the text of the field at path
// (the body itself when path is empty).
func fieldTextError(path, problem string) error {
	if path == "" {
		return invalidText("request body %s", problem)
	}
	return invalidText("field %q %s", path, problem)
}

// TextErrorCode is the error code of a request refused for text that
// breaks its field's rule.
const TextErrorCode = "invalid_text"

// invalidText returns the ErrInvalid error, with TextErrorCode, that
// refuses a request for its text.
func invalidText(format string, args ...any) error {
	return model.Errorf(model.ErrInvalid, TextErrorCode, format, args...)
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// walkText checks the strings below v, each against rule unless a struct
// field's tag gives another.
func walkText(v reflect.Value, rule model.TextRule) *fieldError {
	switch v.Kind() {
	case reflect.String:
		if p := rule.Problem(v.String()); p != "" {
			return &fieldError{problem: p}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			return walkText(v.Elem(), rule)
		}
	case reflect.Interface:
		if !v.IsNil() && v.CanInterface() {
			return walkAny(v.Interface(), rule)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			fr := rule
			if tag, ok := f.Tag.Lookup("text"); ok {
				fr = parseRule(tag)
			}
			if fe := walkText(v.Field(i), fr); fe != nil {
				return fe.in(name)
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type() == rawMessageType {
			if p := rawProblem(v.Bytes(), rule); p != "" {
				return &fieldError{problem: p}
			}
			return nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // bytes, which JSON carries as base64
		}
		for i := range v.Len() {
			if fe := walkText(v.Index(i), rule); fe != nil {
				return fe.in("[" + strconv.Itoa(i) + "]")
			}
		}
	case reflect.Map:
		if v.IsNil() || v.Type().Key().Kind() != reflect.String {
			return nil
		}
		if v.CanInterface() {
			switch m := v.Interface().(type) {
			case map[string]any:
				return walkAny(m, rule)
			case map[string]string:
				for k, s := range m {
					if fe := checkEntry(k, s, rule); fe != nil {
						return fe
					}
				}
				return nil
			case map[string]json.RawMessage:
				for k, raw := range m {
					if p := (model.TextRule{}).Problem(k); p != "" {
						return &fieldError{problem: "has a key that " + p}
					}
					if p := rawProblem(raw, rule); p != "" {
						return &fieldError{path: []string{k}, problem: p}
					}
				}
				return nil
			}
		}
		it := v.MapRange()
		for it.Next() {
			k := it.Key().String()
			if p := (model.TextRule{}).Problem(k); p != "" {
				return &fieldError{problem: "has a key that " + p}
			}
			if fe := walkText(it.Value(), rule); fe != nil {
				return fe.in(k)
			}
		}
	}
	return nil
}

// walkAny checks the strings of a value decoded into an interface: JSON
// strings, arrays and objects (numbers, booleans and null hold none).
func walkAny(x any, rule model.TextRule) *fieldError {
	switch x := x.(type) {
	case string:
		if p := rule.Problem(x); p != "" {
			return &fieldError{problem: p}
		}
	case []any:
		for i, e := range x {
			if fe := walkAny(e, rule); fe != nil {
				return fe.in("[" + strconv.Itoa(i) + "]")
			}
		}
	case map[string]any:
		for k, e := range x {
			if p := (model.TextRule{}).Problem(k); p != "" {
				return &fieldError{problem: "has a key that " + p}
			}
			if fe := walkAny(e, rule); fe != nil {
				return fe.in(k)
			}
		}
	case json.RawMessage:
		if p := rawProblem(x, rule); p != "" {
			return &fieldError{problem: p}
		}
	default:
		if x != nil {
			return walkText(reflect.ValueOf(x), rule)
		}
	}
	return nil
}

func checkEntry(k, s string, rule model.TextRule) *fieldError {
	if p := (model.TextRule{}).Problem(k); p != "" {
		return &fieldError{problem: "has a key that " + p}
	}
	if p := rule.Problem(s); p != "" {
		return &fieldError{path: []string{k}, problem: p}
	}
	return nil
}

// parseRule reads a `text` tag.
func parseRule(tag string) model.TextRule {
	var r model.TextRule
	for tag != "" {
		var part string
		part, tag, _ = strings.Cut(tag, ",")
		switch part {
		case "free":
			r.Free = true
		case "uuid":
			r.UUID = true
		default:
			n, err := strconv.Atoi(part)
			if err != nil || n == 0 {
				panic("jsonapi: bad text tag " + strconv.Quote(part))
			}
			r.Max = n
		}
	}
	return r
}

// rawProblem checks JSON kept raw (a passkey response, a rule's
// condition, a value list's items) without decoding it: valid UTF-8, and
// no control character in its strings, written or escaped.
func rawProblem(raw []byte, rule model.TextRule) string {
	if !utf8.Valid(raw) {
		return "is not valid UTF-8"
	}
	if bytes.IndexByte(raw, 0x7f) >= 0 { // JSON lets DEL go unescaped
		return "holds a control character (U+007F)"
	}
	for rest := raw; ; { // C1 controls, U+0080 to U+009F: 0xc2 0x80 to 0xc2 0x9f
		i := bytes.IndexByte(rest, 0xc2)
		if i < 0 || i+1 >= len(rest) {
			break
		}
		if rest[i+1] <= 0x9f {
			return fmt.Sprintf("holds a control character (U+%04X)", rest[i+1])
		}
		rest = rest[i+1:]
	}
	for rest := raw; ; {
		i := bytes.IndexByte(rest, '\\')
		if i < 0 || i+1 >= len(rest) {
			return ""
		}
		esc := rest[i+1]
		rest = rest[i+2:]
		switch esc {
		case 'n', 'r', 't':
			if !rule.Free {
				return "holds a line break or tab, which this field does not take"
			}
		case 'b', 'f':
			return "holds a control character"
		case 'u':
			if len(rest) < 4 {
				return ""
			}
			c, ok := hex4(rest[:4])
			rest = rest[4:]
			switch {
			case !ok:
			case c == '\n' || c == '\r' || c == '\t':
				if !rule.Free {
					return "holds a line break or tab, which this field does not take"
				}
			case c == 0:
				return "holds a NUL character"
			case c < 0x20 || (c >= 0x7f && c <= 0x9f):
				return fmt.Sprintf("holds a control character (U+%04X)", c)
			}
		}
	}
}

// hex4 reads the four hex digits of a \u escape.
func hex4(b []byte) (rune, bool) {
	var c rune
	for _, d := range b {
		switch {
		case d >= '0' && d <= '9':
			c = c<<4 | rune(d-'0')
		case d >= 'a' && d <= 'f':
			c = c<<4 | rune(d-'a'+10)
		case d >= 'A' && d <= 'F':
			c = c<<4 | rune(d-'A'+10)
		default:
			return 0, false
		}
	}
	return c, true
}

// invalidUTF8Field names the field of a JSON body whose string holds the
// body's first invalid UTF-8, by its JSON path ("" for the body itself),
// and whether the bad string is one of that field's keys. Decoding turns
// invalid UTF-8 into U+FFFD silently, so Decode looks at the body again,
// on this slow path only, to say which field it was.
func invalidUTF8Field(body []byte) (name string, key bool) {
	type level struct {
		object  bool
		wantKey bool
		key     string
		index   int
	}
	var stack []level
	path := func(levels []level) string {
		var b strings.Builder
		for _, l := range levels {
			if l.object {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(l.key)
			} else {
				fmt.Fprintf(&b, "[%d]", l.index)
			}
		}
		return b.String()
	}
	valueDone := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].wantKey = true
			} else {
				stack[n-1].index++
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		end := dec.InputOffset()
		switch tok := tok.(type) {
		case json.Delim:
			switch tok {
			case '{':
				stack = append(stack, level{object: true, wantKey: true})
			case '[':
				stack = append(stack, level{})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			n := len(stack)
			bad := !utf8.Valid(body[start:end])
			if n > 0 && stack[n-1].object && stack[n-1].wantKey {
				if bad {
					return path(stack[:n-1]), true
				}
				stack[n-1].key, stack[n-1].wantKey = tok, false
				continue
			}
			if bad {
				return path(stack), false
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

// CheckRequest checks the text a request carries outside its body: every
// path parameter of its route (one line of at most model.MaxText
// characters), every query parameter (one line; endpoints set their
// lengths) and the User-Agent header (one line of at most MaxUserAgent
// bytes). It returns an ErrInvalid error naming the first that breaks
// its rule. Every surface calls it once, before anything else.
func CheckRequest(r *http.Request) error {
	for p := r.Pattern; ; {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(p[i:], '}')
		if j < 0 {
			break
		}
		name := strings.TrimSuffix(p[i+1:i+j], "...")
		p = p[i+j+1:]
		if name == "$" {
			continue
		}
		if prob := (model.TextRule{}).Problem(r.PathValue(name)); prob != "" {
			return invalidText("path parameter %q %s", name, prob)
		}
	}
	if r.URL.RawQuery != "" {
		for k, vs := range r.URL.Query() {
			if prob := (model.TextRule{}).Problem(k); prob != "" {
				return invalidText("query parameter name %s", prob)
			}
			for _, v := range vs {
				if prob := (model.TextRule{Max: -1}).Problem(v); prob != "" {
					return invalidText("query parameter %q %s", k, prob)
				}
			}
		}
	}
	if ua := r.Header.Get("User-Agent"); ua != "" {
		if len(ua) > MaxUserAgent {
			return invalidText("header \"User-Agent\" is longer than %d bytes", MaxUserAgent)
		}
		if prob := (model.TextRule{Max: -1}).Problem(ua); prob != "" {
			return invalidText("header \"User-Agent\" %s", prob)
		}
	}
	return nil
}

// CheckForm checks every field of r's parsed form body (r.PostForm)
// against the rule that rule gives for its name, and returns an
// ErrInvalid error naming the first that breaks it.
func CheckForm(r *http.Request, rule func(field string) model.TextRule) error {
	for k, vs := range r.PostForm {
		if prob := (model.TextRule{}).Problem(k); prob != "" {
			return invalidText("form field name %s", prob)
		}
		fr := rule(k)
		for _, v := range vs {
			if prob := fr.Problem(v); prob != "" {
				return invalidText("form field %q %s", k, prob)
			}
		}
	}
	return nil
}
