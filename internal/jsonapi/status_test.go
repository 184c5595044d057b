package jsonapi

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"

	"github.com/uplift-dev/uplift/internal/model"
)

// pgError stands for a PostgreSQL driver's error, which says what
// happened by its SQLSTATE.
type pgError struct{ state string }

func (e pgError) Error() string    { return "pg error " + e.state }
func (e pgError) SQLState() string { return e.state }

// A database that cannot be reached answers 503 unavailable; a fault of
// the code stays 500 and says nothing of itself.
func TestStatusOfAnUnreachableDatabase(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"connection refused", fmt.Errorf("read tenant: failed to connect: %w", refused), http.StatusServiceUnavailable},
		{"bad connection", fmt.Errorf("query: %w", driver.ErrBadConn), http.StatusServiceUnavailable},
		{"timeout", fmt.Errorf("query: %w", context.DeadlineExceeded), http.StatusServiceUnavailable},
		{"connection dropped", fmt.Errorf("receive: %w", io.ErrUnexpectedEOF), http.StatusServiceUnavailable},
		{"admin shutdown", fmt.Errorf("write: %w", pgError{"57P01"}), http.StatusServiceUnavailable},
		{"starting up", pgError{"57P03"}, http.StatusServiceUnavailable},
		{"connection failure", pgError{"08006"}, http.StatusServiceUnavailable},
		{"disk full", pgError{"53100"}, http.StatusServiceUnavailable},
		{"syntax error", pgError{"42601"}, http.StatusInternalServerError},
		{"empty state", pgError{""}, http.StatusInternalServerError},
		{"plain error", errors.New("boom"), http.StatusInternalServerError},
		{"a kind wins", model.Invalid("bad: %v", io.ErrUnexpectedEOF), http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, body := Status(tc.err)
			if got != tc.want {
				t.Fatalf("Status(%v) = %d, want %d", tc.err, got, tc.want)
			}
			if got == http.StatusServiceUnavailable && body.Error != "unavailable" {
				t.Errorf("Status(%v) error = %q, want unavailable", tc.err, body.Error)
			}
			if got == http.StatusInternalServerError && body.Error != "internal_error" {
				t.Errorf("Status(%v) error = %q, want internal_error", tc.err, body.Error)
			}
		})
	}
}
