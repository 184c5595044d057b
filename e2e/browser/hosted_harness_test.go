package browser_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uplift-dev/uplift/client"
	"github.com/uplift-dev/uplift/internal/actions"
	admins "github.com/uplift-dev/uplift/internal/admin"
	"github.com/uplift-dev/uplift/internal/app"
	"github.com/uplift-dev/uplift/internal/demo"
	"github.com/uplift-dev/uplift/internal/mailparse"
	"github.com/uplift-dev/uplift/internal/model"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/store"
	"github.com/uplift-dev/uplift/internal/tenancy"
	"github.com/uplift-dev/uplift/internal/testclock"
)

// hostedEnv is Uplift in process for the hosted-page scenarios: an inbox
// in place of the email sender, a clock the test moves (env.clock), and
// an app on a second origin (env.app) that the hosted pages send users
// back to. The embedded env gives the Server API helpers; it has no
// browser of its own, each device has one.
type hostedEnv struct {
	*env
	st    *store.Store
	svc   *actions.Service
	admin *admins.Service
	inbox *notify.Inbox
}

func newHostedEnv(t *testing.T) *hostedEnv {
	t.Helper()
	return startHostedEnv(t, false)
}

// startHostedEnv starts the environment; withDemo also serves the example
// app of `uplift demo` at /demo and the dev inbox, as development mode
// does.
func startHostedEnv(t *testing.T, withDemo bool, extra ...server.Option) *hostedEnv {
	t.Helper()
	requireBrowser(t)
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "uplift.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	apiLn, apiURL := listen(t)
	appLn, appURL := listen(t)
	clock := testclock.New(time.Now().UTC())
	inbox := notify.NewInbox(nil, 0, clock.Now)
	log := slog.New(slog.DiscardHandler)
	uplift := app.New(app.Options{Store: st, Log: log, PublicURL: apiURL, Now: clock.Now, Email: inbox})
	svc := uplift.Actions
	tn, secret, err := uplift.Tenancy.CreateTenant(ctx, tenancy.NewTenant{Name: "Hosted pages test", RPName: "Example app",
		RPID: "localhost", Origins: []string{apiURL}, RedirectPrefixes: []string{appURL + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	opts := []server.Option{server.WithPublicURL(apiURL)}
	if withDemo {
		dt, err := demo.EnsureTenant(ctx, uplift.Tenancy, apiURL)
		if err != nil {
			t.Fatal(err)
		}
		app := demo.New(client.New(apiURL+"/v1", dt.Secret), apiURL, log)
		opts = append(opts, server.WithDemo(app), server.WithDevInbox(inbox))
	}
	serve(t, apiLn, server.New(uplift, log, append(opts, extra...)...).Handler())
	app := http.NewServeMux()
	app.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><title>App</title><h1>Back in the app</h1></html>`)
	})
	serve(t, appLn, app)
	return &hostedEnv{env: &env{t: t, api: apiURL, app: appURL, tenant: tn, secret: secret, clock: clock},
		st: st, svc: svc, admin: uplift.Admin, inbox: inbox}
}

// emailUser enrols a verified email address for a user through the
// Server API and returns it.
func (e *hostedEnv) emailUser(userID string) string {
	e.t.Helper()
	email := userID + "@example.com"
	e.serverAPI("POST", "/v1/users/"+userID+"/authenticators",
		map[string]any{"verificationMethod": "EMAIL_OTP", "email": email})
	return email
}

// trackSignIn tracks an action for the user with the app's callback as
// the redirect URL and returns the hosted URL. A minute passes first, as
// between two real sign-ins (codes go out at most every 30 seconds).
func (e *hostedEnv) trackSignIn(userID, action string, extra map[string]any) string {
	e.t.Helper()
	e.clock.Advance(time.Minute)
	body := map[string]any{"redirectUrl": e.app + "/callback"}
	for k, v := range extra {
		body[k] = v
	}
	return e.serverAPI("POST", "/v1/users/"+userID+"/actions/"+action, body)["url"].(string)
}

// lastCode reads the code in the newest email to an address.
func (e *hostedEnv) lastCode(to string) string {
	e.t.Helper()
	d, ok := e.inbox.Last(to)
	if !ok {
		e.t.Fatalf("no email to %s", to)
	}
	code, err := mailparse.FindCode(d.Text)
	if err != nil {
		e.t.Fatalf("the email to %s holds no code", to)
	}
	return code
}

// lastReason is the reason of the newest uplift decision stored for the
// user on the device.
func (e *hostedEnv) lastReason(userID, deviceID string) string {
	e.t.Helper()
	evs, err := e.st.UpliftEvents(context.Background(), e.tenant.ID, userID, 200)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Kind == model.UpliftEvaluated && ev.DeviceID == deviceID {
			return ev.Reason
		}
	}
	e.t.Fatalf("no uplift decision stored for %s on %s", userID, deviceID)
	return ""
}

// eventKinds counts the user's uplift events on the device by kind.
func (e *hostedEnv) eventKinds(userID, deviceID string) map[model.UpliftEventKind]int {
	e.t.Helper()
	evs, err := e.st.UpliftEvents(context.Background(), e.tenant.ID, userID, 200)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[model.UpliftEventKind]int{}
	for _, ev := range evs {
		if ev.DeviceID == deviceID {
			out[ev.Kind]++
		}
	}
	return out
}

// diagnosis asks the Server API why the prompt would or would not show
// for the user on the device.
func (e *hostedEnv) diagnosis(userID, deviceID, action string) map[string]any {
	e.t.Helper()
	q := url.Values{"deviceId": {deviceID}, "action": {action}}
	return e.serverAPI("GET", "/v1/users/"+userID+"/uplift?"+q.Encode(), nil)
}

// checkReason logs the reason the hosted pages stored for the user's
// latest decision on the device and fails unless it is want; the Server
// API's diagnosis must agree unless the decision depended on the moment
// (a just-completed challenge).
func (e *hostedEnv) checkReason(scenario, userID, action string, d *device, want string) {
	e.t.Helper()
	got := e.lastReason(userID, d.deviceID())
	e.t.Logf("scenario %s: uplift reason %s", scenario, got)
	if got != want {
		e.t.Errorf("scenario %s: uplift reason %s, want %s", scenario, got, want)
	}
	if dg := e.diagnosis(userID, d.deviceID(), action); dg["reason"] != want {
		e.t.Errorf("scenario %s: GET /v1/users/%s/uplift says %v, want %s", scenario, userID, dg["reason"], want)
	}
}

// validateRedirect validates the token the app received and checks the
// action succeeded by the method.
func (e *hostedEnv) validateRedirect(callback string, method string) {
	e.t.Helper()
	u, err := url.Parse(callback)
	if err != nil || !strings.HasPrefix(callback, e.app+"/callback?") {
		e.t.Fatalf("landed on %s, want the app's callback", callback)
	}
	v := e.validate(u.Query().Get("token"))
	if v["isValid"] != true || v["state"] != "CHALLENGE_SUCCEEDED" || v["verificationMethod"] != method {
		e.t.Errorf("validate = %v; want a valid CHALLENGE_SUCCEEDED by %s", v, method)
	}
}

// passkeys lists the user's passkeys as the store has them.
func (e *hostedEnv) passkeys(userID string) []model.Passkey {
	e.t.Helper()
	ps, err := e.st.Passkeys(context.Background(), e.tenant.ID, userID)
	if err != nil {
		e.t.Fatal(err)
	}
	return ps
}

// setPasskeyConfig changes the tenant's passkey configuration through the
// Management API.
func (e *hostedEnv) setPasskeyConfig(change map[string]any) {
	e.t.Helper()
	e.serverAPI("PATCH", "/v1/management/authenticator-configurations/passkey", change)
}
