package server

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/uplift-dev/uplift/internal/jsonapi"
	"github.com/uplift-dev/uplift/internal/model"
)

// routeMethods are the methods a path's routes are looked up for when a
// request's method has none; HEAD comes with GET.
var routeMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// notRouted answers a request under /v1/ that no route of mux matches
// (catchAll is the pattern it reached instead): 405 with an Allow header
// when the path is served for other methods, else 404. Outside the
// Client API it runs behind the secret key, so that without a valid key
// every path answers the same 401 whether it exists or not.
func notRouted(mux *http.ServeMux, catchAll string) jsonapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if allow := allowedMethods(mux, r, catchAll); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			return jsonapi.Write(w, http.StatusMethodNotAllowed, jsonapi.ErrorBody{
				Error: "method_not_allowed", ErrorCode: "method_not_allowed",
				ErrorDescription: r.Method + " is not served at this path; it takes " + strings.Join(allow, ", "),
			})
		}
		return model.NotFound("no such endpoint for %s at this path", r.Method) // the path may hold a secret; logs never name it
	}
}

// allowedMethods lists the methods mux has a route for at r's path,
// other than its catch-all.
func allowedMethods(mux *http.ServeMux, r *http.Request, catchAll string) []string {
	var allow []string
	for _, m := range routeMethods {
		probe := r.WithContext(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != catchAll {
			allow = append(allow, m)
			if m == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
	}
	return allow
}

// checkPathSegments refuses a path with a segment that breaks the text
// rule of a path parameter, as jsonapi.CheckRequest refuses a route's
// parameters before any key is looked at: an unmatched path is refused
// for its text the same way, so the refusal says nothing of whether a
// route exists.
func checkPathSegments(log *slog.Logger, next http.Handler) http.Handler {
	return jsonapi.Adapt(log, func(w http.ResponseWriter, r *http.Request) error {
		for _, seg := range strings.Split(r.URL.EscapedPath(), "/") {
			s, err := url.PathUnescape(seg)
			if err != nil {
				return model.Errorf(model.ErrInvalid, jsonapi.TextErrorCode, "the path is not validly escaped")
			}
			if prob := (model.TextRule{}).Problem(s); prob != "" {
				return model.Errorf(model.ErrInvalid, jsonapi.TextErrorCode, "a path segment %s", prob)
			}
		}
		next.ServeHTTP(w, r)
		return nil
	})
}
