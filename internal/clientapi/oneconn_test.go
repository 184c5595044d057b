package clientapi_test

import (
	"testing"
	"time"

	"github.com/uplift-dev/uplift/internal/pgtest"
)

// TestFlowsOnOnePostgresConnection runs sign-ups, passkey and security key
// sign-ins, the prompt's decisions and events, the analytics that count
// them and tenant isolation with a pool of one PostgreSQL connection.
// Code inside a transaction that read or wrote through the pool instead
// of the transaction would wait forever for a second connection: under
// load every connection can be held that way, and sign-ins hang.
func TestFlowsOnOnePostgresConnection(t *testing.T) {
	watchdog := time.AfterFunc(2*time.Minute, func() {
		panic("the flows on one PostgreSQL connection did not finish: a query inside a transaction " +
			"waits for a second connection (see the goroutine holding it)")
	})
	defer watchdog.Stop()
	oneConn := func(t *testing.T) *harness { return newHarnessOn(t, pgtest.URL(t)+"&pool_max_conns=1", nil) }
	t.Run("uplift decision and acceptance", func(t *testing.T) { testUpliftDecisionAndAcceptance(t, oneConn(t)) })
	t.Run("uplift dismissal and frequency", func(t *testing.T) { testUpliftDismissalAndFrequency(t, oneConn(t)) })
	t.Run("security key", func(t *testing.T) { testSecurityKeyEnrolThenSignIn(t, oneConn(t)) })
	t.Run("tenant isolation", func(t *testing.T) { testTenantIsolation(t, oneConn(t)) })
}
