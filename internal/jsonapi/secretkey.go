package jsonapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/uplift-dev/uplift/internal/model"
)

// TenantFunc is a handler of an API called with a tenant's secret key; it
// runs with the caller's tenant.
type TenantFunc func(w http.ResponseWriter, r *http.Request, t model.Tenant) error

// TenantLookup finds the tenant a secret key belongs to. An unknown,
// revoked or malformed key is an ErrUnauthenticated error.
type TenantLookup func(ctx context.Context, secret string) (model.Tenant, error)

// ErrSecretRefused is the one answer to a request without a valid secret
// key, missing, unknown or revoked alike. Its description is word for word
// Authsignal's, which the official SDKs' own test suites compare.
var ErrSecretRefused = &model.Error{Kind: model.ErrUnauthenticated, Code: "unauthorized",
	Description: "The request is unauthorized. Check that your API key and region base URL are correctly configured."}

// SecretKey returns the wrapper of the APIs called with a secret key (HTTP
// Basic, the key as user name): it refuses a request without one with 401
// and a WWW-Authenticate challenge, looks the key up, and runs the wrapped
// handler for the key's tenant. As with Adapt, text that breaks its rule
// is refused before the key is looked at, and every error is written as
// JSON.
func SecretKey(log *slog.Logger, lookup TenantLookup) func(TenantFunc) http.Handler {
	return func(fn TenantFunc) http.Handler {
		return Adapt(log, func(w http.ResponseWriter, r *http.Request) error {
			secret, err := BasicUser(w, r)
			if err != nil {
				return ErrSecretRefused
			}
			t, err := lookup(r.Context(), secret)
			if errors.Is(err, model.ErrUnauthenticated) {
				return ErrSecretRefused
			}
			if err != nil {
				return err
			}
			return fn(w, r, t)
		})
	}
}
