package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/uplift-dev/uplift/internal/pgtest"
)

// vector is a malformed string an attacker sends.
type vector struct{ name, raw string }

// vectors are sent in every path parameter, query parameter, JSON string
// and form field.
var vectors = []vector{
	{"NUL", "a\x00b"},
	{"invalid UTF-8", "\xff\xfe"},
	{"overlong slash", "\xc0\xaf"},
	{"surrogate half", "\xed\xa0\x80"},
	{"cut character", "é"[:1]},
	{"escape sequence", "\x1b[31mred"},
	{"C1 control", "\u0085"},
	{"DEL", "a\x7f"},
	{"line break", "a\r\nb"},
	{"huge", strings.Repeat("A", 10_000)},
	{"long unicode", strings.Repeat("𝕏", 300)},
	{"SQL", "' OR 1=1 --"},
	{"traversal", "../../../etc/passwd"},
	{"markup", "<script>alert(1)</script>"},
	{"percent", "%00%ff%c0%af"},
	{"empty", ""},
	{"bad base64url", "!!!*/="},
	{"upper-case UUID", "0190C6B2-7E5F-7A3C-9D41-2B8E6F1A0C3D"},
}

// jsonString writes s as a JSON string, leaving invalid UTF-8 as it is
// (encoding/json would replace it).
func jsonString(s string) []byte {
	var b bytes.Buffer
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.Bytes()
}

// jsonValues stand for a JSON string where only some value would be
// taken: wrong types, escapes encoding/json decodes oddly, absurd numbers.
var jsonValues = []string{`12345`, `-1`, `1e999`, `true`, `null`, `[]`, `{}`, `{"$ne":1}`, `"\ud800"`, `"\u0000"`, `[[[[[[[[]]]]]]]]`}

// bodies are whole request bodies, sent to every route that reads one.
var bodies = []struct{ name, body string }{
	{"empty", ""},
	{"not JSON", "%zz=&a=%00"},
	{"truncated", `{"a":`},
	{"array", `[1,2]`},
	{"null", `null`},
	{"string", `"x"`},
	{"trailing data", `{} {}`},
	{"NUL key", `{"\u0000":1}`},
	{"invalid UTF-8", "{\"a\xff\":\"\xff\"}"},
	{"absurd nesting", strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)},
	{"absurd object nesting", strings.Repeat(`{"a":`, 20_000) + "1" + strings.Repeat("}", 20_000)},
	{"over the size limit", `{"a":"` + strings.Repeat("a", 300<<10) + `"}`},
	{"form with NUL", "token=%00&csrf=%ff&code=%c0%af"},
}

// userAgents are sent as the User-Agent header.
var userAgents = []string{"\xff\xfe", "a\x00b", strings.Repeat("M", 2000), "a" + strings.Repeat("é", 600)}

// leaves lists the paths to every value in a decoded JSON document.
func leaves(v any, path []any, out *[][]any) {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			leaves(v[k], append(slices.Clip(path), k), out)
		}
	case []any:
		for i, e := range v {
			leaves(e, append(slices.Clip(path), i), out)
		}
	default:
		*out = append(*out, path)
	}
}

// leafMarker stands, while a document is re-encoded, where withLeaf then
// splices a raw JSON literal (which may not be valid JSON on its own, such
// as invalid UTF-8): a string no request body holds.
const leafMarker = "\u2603leaf\u2603"

// withLeaf returns doc as JSON with the value at path replaced by the raw
// JSON literal.
func withLeaf(t testing.TB, doc map[string]any, path []any, literal []byte) []byte {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var c any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	cur := c
	for i, p := range path {
		last := i == len(path)-1
		switch p := p.(type) {
		case string:
			if last {
				cur.(map[string]any)[p] = leafMarker
			} else {
				cur = cur.(map[string]any)[p]
			}
		case int:
			if last {
				cur.([]any)[p] = leafMarker
			} else {
				cur = cur.([]any)[p]
			}
		}
	}
	out, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Replace(out, []byte(`"`+leafMarker+`"`), literal, 1)
}

// corpusRequest is one malformed request and what it tries.
type corpusRequest struct {
	what string
	req  *http.Request
}

// corpus builds the malformed requests of one route: every wildcard
// filled with every vector, every query parameter and field of its sample
// body (JSON or form) given every vector and wrong type, whole malformed
// bodies, and malformed User-Agent headers.
func (s *surface) corpus(r route, sm sample) []corpusRequest {
	var out []corpusRequest
	add := func(what string, req *http.Request) { out = append(out, corpusRequest{what, req}) }
	for _, method := range r.methods() {
		add("its sample", s.build(r, method, sm, s.values, sm.query, nil))
		for _, w := range r.wildcards() {
			for _, v := range vectors {
				values := maps.Clone(s.values)
				values[w] = v.raw
				add(fmt.Sprintf("{%s}: %s", w, v.name), s.build(r, method, sm, values, sm.query, nil))
			}
		}
		params := slices.Sorted(maps.Keys(sm.query))
		if len(params) == 0 {
			params = []string{"q"}
		}
		for _, p := range params {
			for _, v := range vectors {
				q := url.Values{}
				for k, vs := range sm.query {
					q[k] = vs
				}
				q.Set(p, v.raw)
				add(fmt.Sprintf("?%s: %s", p, v.name), s.build(r, method, sm, s.values, q, nil))
			}
		}
		for _, ua := range userAgents {
			req := s.build(r, method, sm, s.values, sm.query, nil)
			req.Header.Set("User-Agent", ua)
			add(fmt.Sprintf("User-Agent %.20q", ua), req)
		}
		if method == "GET" || method == "DELETE" {
			continue
		}
		for _, b := range bodies {
			add("body: "+b.name, s.build(r, method, sm, s.values, sm.query, []byte(b.body)))
		}
		if sm.json != nil {
			var paths [][]any
			leaves(sm.json, nil, &paths)
			for _, p := range paths {
				for _, v := range vectors {
					add(fmt.Sprintf("%v: %s", p, v.name), s.build(r, method, sm, s.values, sm.query, withLeaf(s.t, sm.json, p, jsonString(v.raw))))
				}
				for _, lit := range jsonValues {
					add(fmt.Sprintf("%v: %.20s", p, lit), s.build(r, method, sm, s.values, sm.query, withLeaf(s.t, sm.json, p, []byte(lit))))
				}
			}
		}
		for _, field := range slices.Sorted(maps.Keys(sm.form)) {
			for _, v := range vectors {
				f := url.Values{}
				for k, vs := range sm.form {
					f[k] = vs
				}
				f.Set(field, v.raw)
				add(fmt.Sprintf("form %s: %s", field, v.name), s.build(r, method, sm, s.values, sm.query, []byte(f.Encode())))
			}
		}
	}
	return out
}

// TestMalformedRequestsOnEveryRoute replays the malformed-request corpus
// against every route of routes.go with credentials that get it past
// authentication, on SQLite and on PostgreSQL: no answer is a 5xx, nothing
// is logged at ERROR, and every route was reached.
func TestMalformedRequestsOnEveryRoute(t *testing.T) {
	if testing.Short() {
		t.Skip("the corpus takes a while")
	}
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			s := newSurface(t, db.url(t), slog.LevelDebug)
			routes := readRoutes(t)
			samples := s.samples()
			sent := 0
			for _, r := range routes {
				for _, c := range s.corpus(r, samples[r.pattern]) {
					a := s.send(c.req)
					sent++
					if a.status >= 500 {
						t.Errorf("%s %s (%s): %d %.300s", c.req.Method, r.pattern, c.what, a.status, a.body)
					}
				}
			}
			t.Logf("%d requests to %d routes", sent, len(routes))
			logged := s.logs.String()
			for _, r := range routes {
				if !strings.Contains(logged, "path=\""+r.pattern+"\"") && !strings.Contains(logged, "path="+r.pattern+" ") {
					t.Errorf("no request reached %s", r.pattern)
				}
			}
			if lines := s.logs.errorLines(); len(lines) > 0 {
				t.Errorf("logged at ERROR:\n%s", strings.Join(lines[:min(len(lines), 20)], "\n"))
			}
		})
	}
}

// FuzzRoutes sends fuzzed text to the routes of routes.go, on SQLite and,
// when UPLIFT_TEST_POSTGRES names a server, on PostgreSQL: the text fills
// every wildcard and the first query parameter of the route's sample, and
// the body replaces the sample's when there is one. No answer is a 5xx
// and nothing is logged at ERROR.
func FuzzRoutes(f *testing.F) {
	surfaces := []*surface{newSurface(f, "", slog.LevelWarn)}
	if os.Getenv("UPLIFT_TEST_POSTGRES") != "" || os.Getenv("UPLIFT_REQUIRE_POSTGRES") == "1" {
		surfaces = append(surfaces, newSurface(f, pgtest.URL(f), slog.LevelWarn))
	}
	samples := make([]map[string]sample, len(surfaces))
	for i, s := range surfaces {
		samples[i] = s.samples()
	}
	routes := readRoutes(f)
	for i, v := range vectors {
		f.Add(uint16(i*13), v.raw, []byte(nil))
	}
	for i, b := range bodies {
		if len(b.body) < 1000 {
			f.Add(uint16(i*29+1), "x", []byte(b.body))
		}
	}
	f.Fuzz(func(t *testing.T, which uint16, text string, body []byte) {
		r := routes[int(which)%len(routes)]
		methods := r.methods()
		method := methods[int(which>>8)%len(methods)]
		if len(body) == 0 || method == "GET" || method == "DELETE" {
			body = nil
		}
		for i, s := range surfaces {
			sm := samples[i][r.pattern]
			values := maps.Clone(s.values)
			for _, w := range r.wildcards() {
				values[w] = text
			}
			q := url.Values{}
			for k, vs := range sm.query {
				q[k] = vs
			}
			p := "q"
			if keys := slices.Sorted(maps.Keys(sm.query)); len(keys) > 0 {
				p = keys[0]
			}
			q.Set(p, text)
			a := s.send(s.build(r, method, sm, values, q, body))
			if a.status >= 500 {
				t.Fatalf("%s %s with %q and body %q: %d %.300s", method, r.pattern, text, body, a.status, a.body)
			}
			if lines := s.logs.takeErrorLines(); len(lines) > 0 {
				t.Fatalf("%s %s with %q and body %q logged at ERROR:\n%s", method, r.pattern, text, body, strings.Join(lines, "\n"))
			}
		}
	})
}
