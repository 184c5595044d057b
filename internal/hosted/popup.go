package hosted

import (
	"context"
	"net"
	"net/http"
	"strings"
)

// The browser SDK's launch(url, {mode: "popup"}) loads the hosted url with
// mode=popup in an iframe of the app's page; launch(url, {mode: "window"})
// opens it, with the same mode=popup, in a window of its own. Either way
// the SDK waits for a message from the pages carrying the token, which it
// hands to the app (SPEC §10). In that mode the pages:
//
//   - may be framed, but only by the tenant's expected origins (frame
//     ancestors in the Content-Security-Policy; no X-Frame-Options, which
//     cannot name them; no Cross-Origin-Opener-Policy, which would cut the
//     window off from its opener);
//   - set cookies a third-party frame keeps (see Cookies.attributes);
//   - render without the full page's chrome and tell the frame's parent
//     their height;
//   - end, instead of redirecting to the app, on a page whose script posts
//     the close message with a fresh token to the parent (iframe) or the
//     opener (window).
//
// The mode rides along every step: links and redirects carry mode=popup
// in their query, forms a hidden mode field, the script's JSON steps
// mode=popup in their URL.

// popupMode is the value of the mode parameter the SDK appends.
const popupMode = "popup"

// inPopup reports whether a request belongs to a flow in popup mode.
func inPopup(r *http.Request) bool {
	if r.URL.Query().Get("mode") == popupMode {
		return true
	}
	return r.Method == http.MethodPost && isForm(r) && r.PostFormValue("mode") == popupMode
}

// popupOrigins are the origins a page in popup mode may be framed by and
// posts its messages to: the tenant's expected origins, those a policy
// cannot misread.
//
// Where the token goes: the pages post the close message once to each of
// these origins, with that origin as the target. The browser delivers a
// message only when the receiving window is at the target origin, so the
// token reaches the parent or opener exactly when it is one of the
// tenant's origins, and nowhere else (never "*"). Guessing the one origin
// instead would need document.referrer, which the first in-frame
// navigation loses, or location.ancestorOrigins, which not every browser
// has and which a window opened by the app lacks.
func popupOrigins(origins []string) []string {
	var out []string
	for _, o := range origins {
		if validCSPSource(o) {
			out = append(out, o)
		}
	}
	return out
}

// loopbackHost reports whether a request's host is this machine, which
// browsers treat as a secure origin even over plain http.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// pageFlowKey keys, in a page request's context, the slot where openFlow
// leaves the flow it opened, so that an error page after it knows the
// flow's mode and tenant.
type pageFlowKey struct{}

type pageFlow struct{ f *flow }

func withPageFlow(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), pageFlowKey{}, &pageFlow{}))
}

// noteFlow remembers f as the flow of the page request r.
func noteFlow(r *http.Request, f *flow) {
	if s, ok := r.Context().Value(pageFlowKey{}).(*pageFlow); ok {
		s.f = f
	}
}

// requestFlow is the flow a page request opened or posted, if any.
func requestFlow(r *http.Request) *flow {
	if s, ok := r.Context().Value(pageFlowKey{}).(*pageFlow); ok && s.f != nil {
		return s.f
	}
	if f, ok := r.Context().Value(flowKey{}).(*flow); ok {
		return f
	}
	return nil
}

// closeApp ends a flow in popup mode: a page whose script posts the close
// message with a fresh token for the action to the app, which learns the
// action's state from validate.
func (p *Pages) closeApp(w http.ResponseWriter, f *flow) error {
	tok, err := p.freshToken(f)
	if err != nil {
		return err
	}
	v := p.baseView(f, problem{Title: f.lang.T("page.title.returning")})
	v.CloseToken = tok
	p.render(w, http.StatusOK, "close", v)
	return nil
}
