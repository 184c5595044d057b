package jsonapi_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
)

// wrapped is a generic wrapper like the Management API's optional fields:
// its Value has no json tag, so it adds nothing to a field's path.
type wrapped[T any] struct {
	Set   bool
	Value T
}

func (w *wrapped[T]) UnmarshalJSON(b []byte) error {
	w.Set = true
	return json.Unmarshal(b, &w.Value)
}

type inner struct {
	Label string `json:"label"`
}

type request struct {
	Name        string                     `json:"name"`
	Description string                     `json:"description" text:"free,20"`
	ID          string                     `json:"id" text:"uuid"`
	Short       string                     `json:"short" text:"3"`
	Nick        *string                    `json:"nick"`
	Tags        []string                   `json:"tags"`
	Custom      map[string]any             `json:"custom" text:"10"`
	Labels      map[string]string          `json:"labels"`
	Inner       inner                      `json:"inner"`
	Items       []inner                    `json:"items"`
	Title       wrapped[string]            `json:"title" text:"5"`
	Raw         json.RawMessage            `json:"raw"`
	FreeRaw     json.RawMessage            `json:"freeRaw" text:"free"`
	Caps        map[string]json.RawMessage `json:"caps"`
	Blob        []byte                     `json:"blob"`
	Ignored     string                     `json:"-"`
}

func TestDecodeAppliesTheTextRule(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string // words of the refusal, "" for none
	}{
		{"valid", `{"name":"Zoë","description":"two\nlines","id":"0190c6b2-7e5f-7a3c-9d41-2b8e6f1a0c3d",
			"short":"abc","nick":"n","tags":["a"],"custom":{"k":"v","n":1,"b":true,"z":null,"l":["x"]},
			"labels":{"a":"b"},"inner":{"label":"x"},"items":[{"label":"y"}],"title":"hello",
			"raw":{"a":"b\\\\n"},"freeRaw":"a\nb","caps":{"x":true},"blob":"AAE="}`, ""},
		{"NUL", `{"name":"a\u0000"}`, `field "name" holds a NUL character`},
		{"escape character", `{"name":"a\u001b"}`, `field "name" holds a control character (U+001B)`},
		{"C1 control", `{"name":"a\u0085"}`, `field "name" holds a control character (U+0085)`},
		{"newline in one line", `{"name":"a\nb"}`, `field "name" holds a line break`},
		{"newline in free text", `{"description":"a\r\n\tb"}`, ""},
		{"NUL in free text", `{"description":"a\u0000"}`, `field "description" holds a NUL`},
		{"past the default length", `{"name":"` + strings.Repeat("a", 257) + `"}`, `field "name" is longer than 256 characters`},
		{"past a tagged length", `{"short":"abcd"}`, `field "short" is longer than 3 characters`},
		{"past a free field's length", `{"description":"` + strings.Repeat("a", 21) + `"}`, `field "description" is longer than 20`},
		{"not a UUID", `{"id":"x' OR 1=1"}`, `field "id" must be a UUID`},
		{"pointer", `{"nick":"a\u0000"}`, `field "nick" holds a NUL`},
		{"slice element", `{"tags":["ok","a\u0000"]}`, `field "tags[1]" holds a NUL`},
		{"map value", `{"custom":{"plan":"a\u0000"}}`, `field "custom.plan" holds a NUL`},
		{"map value past the field's length", `{"custom":{"plan":"` + strings.Repeat("a", 11) + `"}}`, `field "custom.plan" is longer than 10`},
		{"nested map value", `{"custom":{"l":[{"m":"a\u0000"}]}}`, `field "custom.l[0].m" holds a NUL`},
		{"map key", `{"custom":{"a\u0000":"v"}}`, `field "custom" has a key that holds a NUL`},
		{"string map value", `{"labels":{"a":"b\u0007"}}`, `field "labels.a" holds a control character (U+0007)`},
		{"struct field", `{"inner":{"label":"a\u0000"}}`, `field "inner.label" holds a NUL`},
		{"struct in a slice", `{"items":[{"label":"x"},{"label":"a\u0000"}]}`, `field "items[1].label" holds a NUL`},
		{"wrapped value", `{"title":"toolong"}`, `field "title" is longer than 5`},
		{"raw NUL escape", `{"raw":{"a":"b\u0000"}}`, `field "raw" holds a NUL`},
		{"raw escaped backslash is no escape", `{"raw":{"a":"\\u0000"}}`, ""},
		{"raw line break", `{"raw":"a\nb"}`, `field "raw" holds a line break`},
		{"raw line break in free text", `{"freeRaw":"a\nb\u0009"}`, ""},
		{"raw DEL", "{\"raw\":\"a\x7f\"}", `field "raw" holds a control character (U+007F)`},
		{"raw DEL escaped", `{"raw":"a\u007F"}`, `field "raw" holds a control character (U+007F)`},
		{"raw C1 control", "{\"raw\":\"a\u0085\"}", `field "raw" holds a control character (U+0085)`},
		{"raw map value", `{"caps":{"x":"\u0001"}}`, `field "caps.x" holds a control character (U+0001)`},
		{"bytes are not text", `{"blob":"AAA="}`, ""},
		{"invalid UTF-8", "{\"name\":\"a\xff\"}", `field "name" is not valid UTF-8`},
		{"overlong UTF-8", "{\"name\":\"\xc0\xaf\"}", `field "name" is not valid UTF-8`},
		{"invalid UTF-8 deep down", "{\"custom\":{\"l\":[\"x\",{\"m\":\"\xed\xa0\x80\"}]}}", `field "custom.l[1].m" is not valid UTF-8`},
		{"invalid UTF-8 in a key", "{\"custom\":{\"a\xff\":1}}", `field "custom" has a key that is not valid UTF-8`},
		{"invalid UTF-8 after an array", "{\"tags\":[\"a\",\"b\"],\"name\":\"\xfe\"}", `field "name" is not valid UTF-8`},
		{"invalid UTF-8 in raw JSON", "{\"raw\":{\"a\":[1,\"\xff\"]}}", `field "raw.a[1]" is not valid UTF-8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got request
			err := jsonapi.DecodeBytes([]byte(tt.body), &got)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("DecodeBytes = %v, want nil", err)
				}
				return
			}
			var me *model.Error
			if !errors.As(err, &me) || !errors.Is(err, model.ErrInvalid) || me.Code != jsonapi.TextErrorCode {
				t.Fatalf("DecodeBytes = %v, want an %s error", err, jsonapi.TextErrorCode)
			}
			if !strings.Contains(me.Description, tt.want) {
				t.Errorf("description = %q, want it to contain %q", me.Description, tt.want)
			}
		})
	}
}

func TestCheckTextOfABody(t *testing.T) {
	var s string
	err := jsonapi.DecodeBytes([]byte(`"a\u0000"`), &s)
	if err == nil || !strings.Contains(err.Error(), "request body holds a NUL") {
		t.Errorf("a JSON string body with a NUL: %v", err)
	}
	var m map[string]any
	if err := jsonapi.DecodeBytes([]byte("\"\xff\""), &m); err == nil {
		t.Error("a body that is a string of invalid UTF-8 was accepted")
	}
}

// The check runs on every request of the sign-in path: it must not add
// allocations there.
func TestCheckTextDoesNotAllocate(t *testing.T) {
	nick := "Ada"
	v := &request{Name: "Ada Lovelace", Description: "x", ID: "0190c6b2-7e5f-7a3c-9d41-2b8e6f1a0c3d", Nick: &nick,
		Tags: []string{"a", "b"}, Custom: map[string]any{"plan": "pro", "n": 1.0}, Labels: map[string]string{"a": "b"},
		Items: []inner{{"x"}}, Title: wrapped[string]{true, "t"}, Raw: json.RawMessage(`{"a":"b"}`),
		Caps: map[string]json.RawMessage{"x": json.RawMessage("true")}}
	if err := jsonapi.CheckText(v); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = jsonapi.CheckText(v) }); n != 0 {
		t.Errorf("CheckText allocates %v times for valid text, want 0", n)
	}
}

func TestCheckRequest(t *testing.T) {
	mux := http.NewServeMux()
	var got error
	mux.HandleFunc("/things/{id}/{rest...}", func(w http.ResponseWriter, r *http.Request) { got = jsonapi.CheckRequest(r) })
	mux.HandleFunc("/end/{$}", func(w http.ResponseWriter, r *http.Request) { got = jsonapi.CheckRequest(r) })
	tests := []struct {
		name, target, ua, want string
	}{
		{"valid", "/things/abc/d/e?q=Zo%C3%AB&x=", "Mozilla/5.0 (X11; Linux x86_64)", ""},
		{"no wildcards", "/end/", "", ""},
		{"NUL in a path parameter", "/things/a%00/x", "", `path parameter "id" holds a NUL`},
		{"invalid UTF-8 in a path parameter", "/things/%ff%fe/x", "", `path parameter "id" is not valid UTF-8`},
		{"overlong UTF-8 in a path parameter", "/things/%c0%af/x", "", `path parameter "id" is not valid UTF-8`},
		{"NUL in a rest parameter", "/things/a/b%00", "", `path parameter "rest" holds a NUL`},
		{"long path parameter", "/things/" + strings.Repeat("a", 257) + "/x", "", `path parameter "id" is longer than 256`},
		{"NUL in a query value", "/things/a/b?email=a%00", "", `query parameter "email" holds a NUL`},
		{"line break in a query value", "/things/a/b?q=a%0Ab", "", `query parameter "q" holds a line break`},
		{"invalid UTF-8 in a query name", "/things/a/b?%ff=1", "", `query parameter name is not valid UTF-8`},
		{"long query value", "/things/a/b?q=" + strings.Repeat("a", 5000), "", ""},
		{"invalid UTF-8 in the user agent", "/things/a/b", "Mozilla\xff", `header "User-Agent" is not valid UTF-8`},
		{"long user agent", "/things/a/b", strings.Repeat("a", jsonapi.MaxUserAgent+1), `header "User-Agent" is longer than 1024 bytes`},
		{"longest user agent", "/things/a/b", strings.Repeat("a", jsonapi.MaxUserAgent), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = errors.New("the handler did not run")
			req := httptest.NewRequest("GET", tt.target, nil)
			req.Header.Set("User-Agent", tt.ua)
			mux.ServeHTTP(httptest.NewRecorder(), req)
			checkRefusal(t, got, tt.want)
		})
	}
}

func TestCheckForm(t *testing.T) {
	rule := func(field string) model.TextRule {
		if field == "description" {
			return model.TextRule{Free: true, Max: 10}
		}
		return model.TextRule{}
	}
	tests := []struct {
		name string
		form url.Values
		want string
	}{
		{"valid", url.Values{"name": {"Zoë"}, "description": {"a\r\nb"}, "methods": {"A", "B"}}, ""},
		{"NUL", url.Values{"name": {"a\x00"}}, `form field "name" holds a NUL`},
		{"line break in one line", url.Values{"name": {"a\nb"}}, `form field "name" holds a line break`},
		{"second value", url.Values{"methods": {"A", "B\xff"}}, `form field "methods" is not valid UTF-8`},
		{"past a field's length", url.Values{"description": {strings.Repeat("a", 11)}}, `form field "description" is longer than 10`},
		{"bad name", url.Values{"a\x00": {"x"}}, `form field name holds a NUL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/", strings.NewReader(tt.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if err := req.ParseForm(); err != nil {
				t.Fatal(err)
			}
			checkRefusal(t, jsonapi.CheckForm(req, rule), tt.want)
		})
	}
}

func checkRefusal(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("refused: %v", err)
		}
		return
	}
	status, body := jsonapi.Status(err)
	if status != http.StatusBadRequest || body.Error != jsonapi.TextErrorCode || !strings.Contains(body.ErrorDescription, want) {
		t.Errorf("answer %d %+v, want 400 %s mentioning %q", status, body, jsonapi.TextErrorCode, want)
	}
}

// BenchmarkTextRule measures what the text rule adds to a passkey
// sign-in's verify request: its body's check (a challenge id and a
// credential of about 1 KiB kept raw) and its path, query and User-Agent.
func BenchmarkTextRule(b *testing.B) {
	cred := json.RawMessage(`{"id":"` + strings.Repeat("A", 43) + `","rawId":"` + strings.Repeat("A", 43) +
		`","type":"public-key","response":{"clientDataJSON":"` + strings.Repeat("e", 300) +
		`","authenticatorData":"` + strings.Repeat("S", 50) + `","signature":"` + strings.Repeat("M", 96) +
		`","userHandle":"` + strings.Repeat("u", 43) + `"},"clientExtensionResults":{}}`)
	in := struct {
		ChallengeID              string          `json:"challengeId" text:"uuid"`
		AuthenticationCredential json.RawMessage `json:"authenticationCredential"`
		DeviceID                 string          `json:"deviceId"`
	}{"0190c6b2-7e5f-7a3c-9d41-2b8e6f1a0c3d", cred, "device-1"}
	req := httptest.NewRequest("POST", "/v1/client/verify/passkey", nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15")
	req.Pattern = "POST /v1/client/verify/passkey"
	b.ReportAllocs()
	for b.Loop() {
		if err := jsonapi.CheckText(&in); err != nil {
			b.Fatal(err)
		}
		if err := jsonapi.CheckRequest(req); err != nil {
			b.Fatal(err)
		}
	}
}
