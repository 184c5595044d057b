package rules

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCompileErrors(t *testing.T) {
	nest := func(depth int) string {
		return strings.Repeat("[", depth) + strings.Repeat("]", depth)
	}
	manyTrues := func(n int) string {
		return `{"and":[` + strings.TrimSuffix(strings.Repeat("true,", n), ",") + `]}`
	}
	tests := []struct {
		name   string
		cond   string
		kind   error
		path   string
		detail string // a part of the message
	}{
		{"empty", ``, ErrSyntax, "", "condition is empty"},
		{"blank", " \n\t", ErrSyntax, "", "condition is empty"},
		{"truncated", `{"and":[true`, ErrSyntax, "", "ends too soon"},
		{"bad token", `{"and" true}`, ErrSyntax, "", "invalid character 't' after object key"},
		{"trailing comma", `{"and":[true,]}`, ErrSyntax, "", "not valid JSON"},
		{"trailing data", `{"and":[true]} x`, ErrSyntax, "", "more data after its end"},
		{"second value", `true true`, ErrSyntax, "", "more data after its end"},
		{"unknown operator", `{"foo":[1]}`, ErrOperator, "", `unknown operator "foo"; the operators are var, and`},
		{"unknown nested operator", `{"and":[true,{"missing":["a"]}]}`, ErrOperator, "/and/1", `unknown operator "missing"`},
		{"long unknown operator", `{"` + strings.Repeat("x", 100) + `":1}`, ErrOperator, "", `unknown operator "` + strings.Repeat("x", 64) + `"…`},
		{"empty object", `{}`, ErrArgument, "", "this object is empty"},
		{"empty object argument", `{"!":{}}`, ErrArgument, "/!", "this object is empty"},
		{"two keys", `{"==":[1,1],"!=":[1,2]}`, ErrArgument, "", `this one also has "!="`},
		{"== one argument", `{"==":[1]}`, ErrArity, "/==", `"==" takes 2 arguments, got 1`},
		{"=== shorthand", `{"===":1}`, ErrArity, "/===", `"===" takes 2 arguments, got 1`},
		{"!= three", `{"!=":[1,2,3]}`, ErrArity, "/!=", `"!=" takes 2 arguments, got 3`},
		{"< four", `{"<":[1,2,3,4]}`, ErrArity, "/<", `"<" takes 2 or 3 arguments, got 4`},
		{"> three", `{">":[1,2,3]}`, ErrArity, "/>", `">" takes 2 arguments, got 3`},
		{"and empty", `{"and":[]}`, ErrArity, "/and", `"and" takes at least 1 argument, got 0`},
		{"or empty", `{"or":[]}`, ErrArity, "/or", `"or" takes at least 1 argument, got 0`},
		{"! two", `{"!":[1,2]}`, ErrArity, "/!", `"!" takes 1 argument, got 2`},
		{"!! none", `{"!!":[]}`, ErrArity, "/!!", `"!!" takes 1 argument, got 0`},
		{"in one", `{"in":["a"]}`, ErrArity, "/in", `"in" takes 2 arguments, got 1`},
		{"var none", `{"var":[]}`, ErrArity, "/var", `"var" takes 1 or 2 arguments, got 0`},
		{"var three", `{"var":["device.id",1,2]}`, ErrArity, "/var", `"var" takes 1 or 2 arguments, got 3`},
		{"if one", `{"if":[true]}`, ErrArity, "/if", `"if" takes at least 2 arguments, got 1`},
		{"?: two", `{"?:":[true,1]}`, ErrArity, "/?:", `"?:" takes 3 arguments, got 2`},
		{"in_list one", `{"in_list":["a"]}`, ErrArity, "/in_list", `"in_list" takes 2 arguments, got 1`},
		{"nested arity", `{"and":[{"or":[true,{"<=":[1]}]}]}`, ErrArity, "/and/0/or/1/<=", `"<=" takes 2 or 3 arguments, got 1`},
		{"unknown fact", `{"var":"user.foo"}`, ErrFact, "/var", `unknown fact "user.foo"; the facts are user.userId, user.email`},
		{"unknown fact nested", `{"and":[{"==":[{"var":"ip.isAnonymous"},false]}]}`, ErrFact, "/and/0/==/0/var", `unknown fact "ip.isAnonymous"`},
		{"fact wrong case", `{"var":"device.isnew"}`, ErrFact, "/var", `did you mean "device.isNew"?`},
		{"custom prefix wrong case", `{"var":"User.Custom.tier"}`, ErrFact, "/var", `did you mean "user.custom.tier"?`},
		{"whole object", `{"var":"user"}`, ErrFact, "/var", `unknown fact "user"`},
		{"empty fact", `{"var":""}`, ErrFact, "/var", `unknown fact ""`},
		{"custom without key", `{"var":"action.custom."}`, ErrFact, "/var", `fact "action.custom." names no custom data key`},
		{"custom key too long", `{"var":"user.custom.` + strings.Repeat("k", 129) + `"}`, ErrFact, "/var", "is 129 bytes, more than the limit of 128"},
		{"custom key control", `{"var":"user.custom.a\u0007b"}`, ErrFact, "/var", "invalid or control characters"},
		{"var number", `{"var":1}`, ErrArgument, "/var", "var takes a fact name as a literal string"},
		{"var computed", `{"var":{"var":"user.email"}}`, ErrArgument, "/var", "var takes a fact name as a literal string"},
		{"list name number", `{"in_list":[{"var":"user.email"},3]}`, ErrArgument, "/in_list", `"in_list" takes a value list name as a literal, non-empty string second`},
		{"list name empty", `{"in_cidr_list":[{"var":"ip.address"},""]}`, ErrArgument, "/in_cidr_list", "value list name"},
		{"list name computed", `{"in_list":["a",{"var":"user.email"}]}`, ErrArgument, "/in_list", "value list name"},
		{"list name too long", `{"in_cidr_list":[{"var":"ip.address"},"` + strings.Repeat("n", 129) + `"]}`, ErrLimit, "/in_cidr_list", "value list name is 129 bytes, more than the limit of 128"},
		{"number out of range", `{"==":[1e400,1]}`, ErrArgument, "/==/0", `number "1e400" is out of range`},
		{"too deep", nest(MaxDepth + 1), ErrLimit, strings.Repeat("/0", MaxDepth), "nested more than 32 levels deep"},
		{"too many values", manyTrues(MaxNodes - 1), ErrLimit, "/and/998", "more than 1000 values"},
		{"string too long", `"` + strings.Repeat("s", MaxStringLength+1) + `"`, ErrLimit, "", "string is 1025 bytes, more than the limit of 1024"},
		{"too large", `"` + strings.Repeat(" ", MaxConditionSize) + `"`, ErrLimit, "", "more than the limit of 65536"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compile(json.RawMessage(tt.cond))
			if err == nil {
				t.Fatalf("Compile(%.80s) = %v, want an error", tt.cond, c)
			}
			var got *Error
			if !errors.As(err, &got) {
				t.Fatalf("Compile(%.80s) error %T %v, want *Error", tt.cond, err, err)
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("error %q has kind %v, want %v", err, got.Kind, tt.kind)
			}
			if got.Path != tt.path {
				t.Errorf("error %q has path %q, want %q", err, got.Path, tt.path)
			}
			if !strings.Contains(got.Detail, tt.detail) {
				t.Errorf("error detail %q, want it to contain %q", got.Detail, tt.detail)
			}
		})
	}
}

func TestCompileErrorMessage(t *testing.T) {
	_, err := Compile(json.RawMessage(`{"and":[{"==":[{"var":"device.isnew"},true]}]}`))
	got := err.Error()
	want := `at /and/0/==/0/var: unknown fact "device.isnew"; did you mean "device.isNew"?`
	if got != want {
		t.Errorf("Compile error = %q, want %q", got, want)
	}
}

func TestCompileLimitsAreInclusive(t *testing.T) {
	tests := []struct {
		name string
		cond string
	}{
		{"max depth", strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)},
		{"max values", `{"and":[` + strings.TrimSuffix(strings.Repeat("true,", MaxNodes-2), ",") + `]}`},
		{"max string", `"` + strings.Repeat("s", MaxStringLength) + `"`},
		{"max custom key", `{"var":"user.custom.` + strings.Repeat("k", MaxCustomKeyLength) + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Compile(json.RawMessage(tt.cond)); err != nil {
				t.Errorf("Compile(%.80s): %v, want no error", tt.cond, err)
			}
		})
	}
}

func TestConditionJSONAndLists(t *testing.T) {
	c := mustCompile(t, `{ "or": [
		{"in_cidr_list": [{"var": "ip.address"}, "office-ips"]},
		{"in_list": [{"var": "user.emailDomain"}, "blocked-domains"]},
		{"in_list": [{"var": "user.email"}, "office-ips"]}
	] }`)
	if diff := cmp.Diff([]string{"office-ips", "blocked-domains"}, c.Lists()); diff != "" {
		t.Errorf("Lists() mismatch (-want +got):\n%s", diff)
	}
	got, err := json.Marshal(struct{ Conditions *Condition }{c})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Conditions":{"or":[{"in_cidr_list":[{"var":"ip.address"},"office-ips"]},{"in_list":[{"var":"user.emailDomain"},"blocked-domains"]},{"in_list":[{"var":"user.email"},"office-ips"]}]}}`
	if string(got) != want {
		t.Errorf("json.Marshal = %s, want %s", got, want)
	}
	if got := c.String(); !strings.HasPrefix(got, `{"or":[`) {
		t.Errorf("String() = %s, want compact JSON", got)
	}
}

func TestValidatePriority(t *testing.T) {
	tests := []struct {
		priority int
		ok       bool
	}{
		{-1, false}, {0, true}, {50, true}, {99, true}, {100, false},
	}
	for _, tt := range tests {
		err := ValidatePriority(tt.priority)
		if got := err == nil; got != tt.ok {
			t.Errorf("ValidatePriority(%d) = %v, want ok %v", tt.priority, err, tt.ok)
		}
		if err != nil && (!errors.Is(err, ErrPriority) || !strings.Contains(err.Error(), "between 0 and 99")) {
			t.Errorf("ValidatePriority(%d) = %q, want ErrPriority naming the range", tt.priority, err)
		}
	}
}
