package tracing_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/uplift-dev/uplift/internal/apitest"
	"github.com/uplift-dev/uplift/internal/notify"
	"github.com/uplift-dev/uplift/internal/server"
	"github.com/uplift-dev/uplift/internal/tracing"
)

// TestRequestSpanWithTransactionChild: a request gets a span named by its
// route pattern, continuing the caller's trace, and each database
// transaction it runs is a child of it.
func TestRequestSpanWithTransactionChild(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tr := tracing.New(spans, "uplift-test")
	e := apitest.NewWith(t, apitest.Options{Server: []server.Option{server.WithTracer(tr)}, TxHook: tr.Transaction("sqlite")})
	_, key := e.Tenant("Acme")
	ended := len(spans.Ended())

	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	req := httptest.NewRequest("POST", "/v1/users/ada/actions/signIn", nil)
	req.SetBasicAuth(key, "")
	req.Header.Set("Traceparent", parent)
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("track = %d %s", rec.Code, rec.Body)
	}

	var request trace.ReadOnlySpan
	var txs []trace.ReadOnlySpan
	for _, s := range spans.Ended()[ended:] {
		switch s.Name() {
		case "POST /v1/users/{userId}/actions/{action}":
			request = s
		case "db transaction":
			txs = append(txs, s)
		}
	}
	if request == nil {
		t.Fatalf("no span named by the route among %v", names(spans.Ended()[ended:]))
	}
	if got := request.SpanContext().TraceID().String(); got != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("trace id = %s, want the caller's", got)
	}
	if len(txs) == 0 {
		t.Fatal("the request's transaction has no span")
	}
	for _, tx := range txs {
		if tx.Parent().SpanID() != request.SpanContext().SpanID() {
			t.Errorf("transaction span's parent = %s, want the request's span %s", tx.Parent().SpanID(), request.SpanContext().SpanID())
		}
	}
	for _, a := range request.Attributes() {
		if a.Value.String() == "ada" {
			t.Errorf("the request's span names the user: %s", a.Key)
		}
	}
}

func names(spans []trace.ReadOnlySpan) []string {
	var n []string
	for _, s := range spans {
		n = append(n, s.Name())
	}
	return n
}

// TestOffWithoutEndpoint: without an endpoint there is no tracer, and a
// nil one leaves senders and transports as they are.
func TestOffWithoutEndpoint(t *testing.T) {
	for _, env := range []map[string]string{
		nil,
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_SDK_DISABLED": "true"},
	} {
		tr, err := tracing.FromEnv(context.Background(), func(k string) string { return env[k] })
		if err != nil || tr != nil {
			t.Errorf("FromEnv(%v) = %v, %v; want no tracer", env, tr, err)
		}
	}
	var tr *tracing.Tracer
	inbox := notify.NewInbox(nil, 0, nil)
	if tr.Email(inbox) != notify.EmailSender(inbox) || tr.SMS(inbox) != notify.SMSSender(inbox) {
		t.Error("a nil tracer wraps the senders")
	}
	if tr.Transport(http.DefaultTransport) != http.DefaultTransport {
		t.Error("a nil tracer wraps the transport")
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}

// TestExportsOverOTLP: with OTEL_EXPORTER_OTLP_ENDPOINT set, spans leave
// as OTLP/HTTP protobuf for /v1/traces, an email's span inside its
// request's trace.
func TestExportsOverOTLP(t *testing.T) {
	var mu sync.Mutex
	var got []string
	traces := map[string]bool{}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req collectortrace.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" || proto.Unmarshal(body, &req) != nil {
			t.Errorf("export to %s as %s", r.URL.Path, r.Header.Get("Content-Type"))
			http.Error(w, "bad export", http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					got = append(got, s.Name)
					traces[string(s.TraceId)] = true
				}
			}
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(nil)
	}))
	defer receiver.Close()
	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.URL}
	tr, err := tracing.FromEnv(context.Background(), func(k string) string { return env[k] })
	if err != nil || tr == nil {
		t.Fatalf("FromEnv = %v, %v", tr, err)
	}
	email := tr.Email(notify.NewInbox(nil, 0, nil))
	ctx, end := tr.StartRequest(httptest.NewRequest("POST", "/login/email", nil))
	if err := email.SendEmail(ctx, notify.Message{To: "ada@example.com", Subject: "Code", Text: "123456"}); err != nil {
		t.Fatal(err)
	}
	end("POST /login/email", 200)
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0] != "send email" || got[1] != "POST /login/email" {
		t.Errorf("spans received = %q, want the email's and the request's", got)
	}
	if len(traces) != 1 {
		t.Errorf("the spans belong to %d traces, want 1", len(traces))
	}
}

// TestTransportCarriesTheTrace: an outbound HTTP call (a webhook
// delivery) gets a client span, child of the caller's, and carries the
// trace to the receiver in its traceparent header.
func TestTransportCarriesTheTrace(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tr := tracing.New(spans, "uplift-test")
	var got string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Traceparent")
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	client := &http.Client{Transport: tr.Transport(nil)}
	ctx, end := tr.Outbound(context.Background(), "deliver")
	req, _ := http.NewRequestWithContext(ctx, "POST", receiver.URL, nil)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	end(nil)
	ended := spans.Ended()
	if len(ended) != 2 || ended[0].Name() != "POST" || ended[1].Name() != "deliver" {
		t.Fatalf("spans = %v, want the call's and its parent's", names(ended))
	}
	call, parent := ended[0], ended[1]
	if call.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Error("the call's span is not its caller's child")
	}
	if want := "00-" + call.SpanContext().TraceID().String() + "-" + call.SpanContext().SpanID().String() + "-01"; got != want {
		t.Errorf("traceparent = %q, want %q", got, want)
	}
}
