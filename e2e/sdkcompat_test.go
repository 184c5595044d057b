package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The compatibility matrix, docs/sdk-compatibility.md, answers for every
// call the official SDKs can make. TestSDKCompatibilityMatrix reads the
// SDKs' built code at the versions e2e/sdk and e2e/browser/js pin, lists
// every request their API clients build and every public method they
// declare, and checks the matrix against both and against routes.go.

// sdkPackage is one official SDK as npm installed it.
type sdkPackage struct {
	name     string // npm name, as the matrix's section heading gives it
	dir      string // its directory, from the module root
	pinnedIn string // the package.json that pins it, from the module root
	code     []string
	types    []string // declaration files of its public classes and functions
	// calls lists the requests its code builds.
	calls func(src string) []sdkCall
}

var sdkPackages = []sdkPackage{{
	name:     "@authsignal/node",
	dir:      "e2e/sdk/node_modules/@authsignal/node",
	pinnedIn: "e2e/sdk/package.json",
	code:     []string{"dist/index.js", "dist/index.mjs"},
	types:    []string{"dist/authsignal.d.ts", "dist/call-connect.d.ts", "dist/webhook.d.ts", "dist/integrations/auth0.d.ts"},
	calls:    nodeCalls,
}, {
	name:     "@authsignal/browser",
	dir:      "e2e/browser/js/node_modules/@authsignal/browser",
	pinnedIn: "e2e/browser/js/package.json",
	code:     []string{"dist/index.js"},
	types: []string{"dist/authsignal.d.ts", "dist/passkey.d.ts", "dist/totp.d.ts", "dist/email.d.ts", "dist/sms.d.ts",
		"dist/email-magic-link.d.ts", "dist/security-key.d.ts", "dist/qr-code.d.ts", "dist/push.d.ts", "dist/whatsapp.d.ts"},
	calls: browserCalls,
}}

// sdkCall is one request an SDK can make: its HTTP method and its path on
// Uplift's origin when the SDK's base URL is Uplift's /v1, with {} for
// each value the SDK fills in and no query.
type sdkCall struct{ method, path string }

func (c sdkCall) String() string { return c.method + " " + c.path }

// wildcard matches a path segment the caller fills in: ${...} in the node
// SDK's template literals, {name} in routes.go and the matrix.
var wildcard = regexp.MustCompile(`\$\{[^}]*\}|\{[^}]*\}`)

// normalCall returns the call of method and path, path relative to
// the SDK's base URL when base is set.
func normalCall(method, base, path string) sdkCall {
	path, _, _ = strings.Cut(path, "?")
	return sdkCall{strings.ToUpper(method), base + wildcard.ReplaceAllString(path, "{}")}
}

var (
	// `${this.apiUrl}/users/${userId}`, then the axios call that sends it.
	nodeURL    = regexp.MustCompile("`\\$\\{this\\.apiUrl\\}([^`]*)`")
	nodeMethod = regexp.MustCompile(`axios__default\["default"\]\.(get|post|patch|put|delete)\(|axios\.(get|post|patch|put|delete)\(`)
	// "".concat(this.baseUrl, "/client/..."), then the fetch's method.
	browserURL    = regexp.MustCompile(`concat\(this\.baseUrl, "([^"]*)"\)`)
	browserMethod = regexp.MustCompile(`method: "([A-Z]+)"`)
	// The WebSocket's URL: the base URL with "v1" replaced.
	browserSocket = regexp.MustCompile(`\.replace\("v1", "([^"]+)"\)`)
)

// nodeCalls lists the requests @authsignal/node builds: each method
// builds one URL from its apiUrl (Uplift's /v1) and sends it with axios.
func nodeCalls(src string) []sdkCall {
	var calls []sdkCall
	for _, m := range nodeURL.FindAllStringSubmatchIndex(src, -1) {
		verb := nodeMethod.FindStringSubmatch(src[m[1]:])
		if verb == nil {
			continue
		}
		calls = append(calls, normalCall(verb[1]+verb[2], "/v1", src[m[2]:m[3]]))
	}
	return calls
}

// browserCalls lists the requests @authsignal/browser builds: fetches of
// its baseUrl (Uplift's /v1) joined with a path, and the QR code's
// WebSocket, whose URL is the base URL with "v1" replaced.
func browserCalls(src string) []sdkCall {
	var calls []sdkCall
	for _, m := range browserURL.FindAllStringSubmatchIndex(src, -1) {
		verb := browserMethod.FindStringSubmatch(src[m[1]:])
		if verb == nil {
			continue
		}
		calls = append(calls, normalCall(verb[1], "/v1", src[m[2]:m[3]]))
	}
	for _, m := range browserSocket.FindAllStringSubmatch(src, -1) {
		calls = append(calls, normalCall("GET", "", "/"+m[1]))
	}
	return calls
}

// publicMethods lists the public methods a declaration file declares, as
// Class.method, and its exported functions by name.
func publicMethods(decl string) []string {
	var names []string
	class := ""
	for line := range strings.SplitSeq(decl, "\n") {
		if m := declClass.FindStringSubmatch(line); m != nil {
			class = m[1]
			continue
		}
		if line == "}" {
			class = ""
			continue
		}
		if m := declFunc.FindStringSubmatch(line); m != nil {
			names = append(names, m[1])
			continue
		}
		if m := declMethod.FindStringSubmatch(line); class != "" && m != nil && m[1] != "constructor" {
			names = append(names, class+"."+m[1])
		}
	}
	return names
}

var (
	declClass  = regexp.MustCompile(`^export declare class (\w+)`)
	declFunc   = regexp.MustCompile(`^export declare function (\w+)`)
	declMethod = regexp.MustCompile(`^    (\w+)(?:<[^>]*>)?\(`)
)

// matrixRow is one row of the matrix: the SDK methods it names, the
// request (if any) and Uplift's answer.
type matrixRow struct {
	line    int
	methods []string
	call    *sdkCall
	answer  string
}

var (
	rowCall  = regexp.MustCompile("`(GET|POST|PUT|PATCH|DELETE) (/[^`\\s]*)`")
	rowName  = regexp.MustCompile("`([A-Za-z0-9]+(?:\\.[A-Za-z0-9]+)?)`")
	rowCode  = regexp.MustCompile("`([a-z]+(?:_[a-z]+)+)`")
	routeDef = regexp.MustCompile(`\.Handle(?:Func)?\("((?:GET|POST|PUT|PATCH|DELETE|OPTIONS) /[^"]*)"`)
)

// matrixSections reads the matrix's tables, one per SDK, keyed by the
// npm name their section heading starts with.
func matrixSections(t *testing.T, doc string) map[string][]matrixRow {
	t.Helper()
	sections := map[string][]matrixRow{}
	section := ""
	for i, line := range strings.Split(doc, "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			section = ""
			for _, p := range sdkPackages {
				if strings.HasPrefix(h, "`"+p.name+"`") {
					section = p.name
				}
			}
			continue
		}
		if section == "" || !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "|---") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) != 3 || cells[0] == "SDK method" {
			continue
		}
		row := matrixRow{line: i + 1, answer: cells[2]}
		for _, m := range rowName.FindAllStringSubmatch(cells[0], -1) {
			row.methods = append(row.methods, m[1])
		}
		if m := rowCall.FindStringSubmatch(cells[1]); m != nil {
			c := normalCall(m[1], "", m[2])
			row.call = &c
		}
		sections[section] = append(sections[section], row)
	}
	return sections
}

func TestSDKCompatibilityMatrix(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	read := func(path string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(root, path))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, p := range sdkPackages {
		if _, err := os.Stat(filepath.Join(root, p.dir, "package.json")); err != nil {
			if os.Getenv("UPLIFT_REQUIRE_SDK") == "1" {
				t.Fatalf("%s is missing (UPLIFT_REQUIRE_SDK=1): run make npm", p.dir)
			}
			t.Skipf("%s is missing; run make npm to check the matrix against the SDKs", p.dir)
		}
	}
	doc := read("docs/sdk-compatibility.md")
	sections := matrixSections(t, doc)
	routes := map[string]bool{}
	for _, m := range routeDef.FindAllStringSubmatch(read("internal/server/routes.go"), -1) {
		routes[m[1]] = true
	}

	for _, p := range sdkPackages {
		t.Run(p.name, func(t *testing.T) {
			// The matrix is of the pinned version, which npm installed.
			pinned := packageVersion(t, read(p.pinnedIn), p.name)
			var installed struct{ Version string }
			if err := json.Unmarshal([]byte(read(filepath.Join(p.dir, "package.json"))), &installed); err != nil {
				t.Fatal(err)
			}
			if installed.Version != pinned {
				t.Fatalf("%s %s is installed but %s pins %s: run make npm", p.name, installed.Version, p.pinnedIn, pinned)
			}
			if want := "`" + p.name + "` " + pinned; !strings.Contains(doc, "## "+want) {
				t.Errorf("docs/sdk-compatibility.md has no section headed %q: the matrix is of another version", want)
			}
			rows := sections[p.name]

			var calls []sdkCall
			for _, f := range p.code {
				calls = append(calls, p.calls(read(filepath.Join(p.dir, f)))...)
			}
			slices.SortFunc(calls, func(a, b sdkCall) int { return strings.Compare(a.String(), b.String()) })
			calls = slices.Compact(calls)
			t.Logf("%s calls %d endpoints", p.name, len(calls))
			for _, c := range calls {
				if !slices.ContainsFunc(rows, func(r matrixRow) bool { return r.call != nil && *r.call == c }) {
					t.Errorf("%s calls %s, which docs/sdk-compatibility.md does not list", p.name, c)
				}
			}

			var methods []string
			for _, f := range p.types {
				methods = append(methods, publicMethods(read(filepath.Join(p.dir, f)))...)
			}
			for _, m := range methods {
				if !slices.ContainsFunc(rows, func(r matrixRow) bool { return slices.Contains(r.methods, m) }) {
					t.Errorf("%s has the public method %s, which docs/sdk-compatibility.md does not list", p.name, m)
				}
			}

			for _, r := range rows {
				checkAnswer(t, r, routes)
			}
		})
	}
}

// checkAnswer checks what a row says Uplift answers: "Served" by a route
// routes.go has, for the row's request; "Refused" with an error code (and
// by a route routes.go has, when it names one); or "No request" to
// Uplift at all.
func checkAnswer(t *testing.T, r matrixRow, routes map[string]bool) {
	t.Helper()
	where := fmt.Sprintf("docs/sdk-compatibility.md:%d", r.line)
	named := rowCall.FindAllStringSubmatch(r.answer, -1)
	for _, m := range named {
		if route := m[1] + " " + m[2]; !routes[route] {
			t.Errorf("%s: routes.go has no route %q", where, route)
		}
	}
	switch {
	case strings.HasPrefix(r.answer, "**Served**"):
		if r.call == nil {
			return // a method whose requests other rows answer
		}
		if !slices.ContainsFunc(named, func(m []string) bool { return normalCall(m[1], "", m[2]) == *r.call }) {
			t.Errorf("%s: %s is served, but the row names no route of routes.go for it", where, r.call)
		}
	case strings.HasPrefix(r.answer, "**Refused**"):
		if rowCode.FindString(r.answer) == "" {
			t.Errorf("%s: a refusal names its error code (such as `method_unavailable`)", where)
		}
	case strings.HasPrefix(r.answer, "**No request**"):
		if r.call != nil {
			t.Errorf("%s: a row with a request says no request", where)
		}
	default:
		t.Errorf("%s: the answer starts with **Served**, **Refused** or **No request**: %q", where, r.answer)
	}
}

// packageVersion returns the version package.json pins for name.
func packageVersion(t *testing.T, pkg, name string) string {
	t.Helper()
	var p struct{ Dependencies map[string]string }
	if err := json.Unmarshal([]byte(pkg), &p); err != nil {
		t.Fatal(err)
	}
	v, ok := p.Dependencies[name]
	if !ok {
		t.Fatalf("package.json pins no %s", name)
	}
	return v
}

// TestSDKCallParsers checks the parsers on the shapes the SDKs' builds
// have, so that a parser that finds nothing cannot pass the matrix test.
func TestSDKCallParsers(t *testing.T) {
	node := "async getAction(request) {\n" +
		"const url = `${this.apiUrl}/users/${userId}/actions/${action}/${idempotencyKey}`;\n" +
		"const response = await axios__default[\"default\"].get(url, config);\n}\n" +
		"async queryUsers(request) {\nconst url = new URL(`${this.apiUrl}/users`);\n" +
		"await axios__default[\"default\"].get(url.toString(), config);\n}\n" +
		"async claimChallenge(request) {\nconst url = `${this.apiUrl}/claim`;\n" +
		"await axios__default[\"default\"].post(url, request, config);\n}"
	browser := `url = useCookies
    ? "".concat(this.baseUrl, "/client/challenge/web") : "".concat(this.baseUrl, "/client/challenge");
return [4, fetch(url, { method: "POST", headers: h })];
fetch("".concat(this.baseUrl, "/client/user-authenticators/passkey?credentialIds=").concat(ids), { method: "GET" });
var wsUrl = baseUrl.replace("https://", "wss://").replace("v1", "ws-v1-challenge").replace("api", "api-ws");`
	for _, tc := range []struct {
		name string
		got  []sdkCall
		want []sdkCall
	}{
		{"node", nodeCalls(node), []sdkCall{{"GET", "/v1/users/{}/actions/{}/{}"}, {"GET", "/v1/users"}, {"POST", "/v1/claim"}}},
		{"browser", browserCalls(browser), []sdkCall{{"POST", "/v1/client/challenge/web"}, {"POST", "/v1/client/challenge"},
			{"GET", "/v1/client/user-authenticators/passkey"}, {"GET", "/ws-v1-challenge"}}},
	} {
		if !slices.Equal(tc.got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	decl := "export declare class Passkey {\n    api: PasskeyApiClient;\n    private cache;\n" +
		"    constructor({ baseUrl }: PasskeyOptions);\n    signUp({ token }: SignUpParams): Promise<R>;\n" +
		"    signIn(params?: SignInParams): Promise<R>;\n    private storeCredentialAgainstDevice;\n}\n" +
		"type X = {\n    notAMethod(): void;\n}\nexport declare function handleAuth0ExecutePostLogin(event: any): Promise<void>;\n"
	if got, want := publicMethods(decl), []string{"Passkey.signUp", "Passkey.signIn", "handleAuth0ExecutePostLogin"}; !slices.Equal(got, want) {
		t.Errorf("publicMethods: got %v, want %v", got, want)
	}
}
