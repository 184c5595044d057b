// Package tracing sends OpenTelemetry traces of Uplift's work when the
// standard OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT) variable is
// set: a span for each request, with child spans for its database
// transactions and the email and text messages it sends. Off, nothing is
// built, and the callers' only cost is checking for a nil *Tracer.
package tracing

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Tracer makes Uplift's spans and exports them. A nil *Tracer traces
// nothing.
type Tracer struct {
	provider *sdktrace.TracerProvider
	tracer   trace.Tracer
	prop     propagation.TextMapPropagator
}

// Enabled reports whether getenv asks for traces: an OTLP endpoint is set
// and OTEL_SDK_DISABLED is not true.
func Enabled(getenv func(string) string) bool {
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") {
		return false
	}
	return getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != ""
}

// FromEnv returns a Tracer exporting over OTLP/HTTP (protobuf) to the
// endpoint the standard variables name, or nil when they name none. The
// exporter reads the other standard variables (OTEL_EXPORTER_OTLP_HEADERS,
// _TIMEOUT, _COMPRESSION, ...) itself; OTEL_SERVICE_NAME names the
// service, "uplift" by default.
func FromEnv(ctx context.Context, getenv func(string) string) (*Tracer, error) {
	if !Enabled(getenv) {
		return nil, nil
	}
	endpoint := getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	if endpoint == "" {
		endpoint = strings.TrimRight(getenv("OTEL_EXPORTER_OTLP_ENDPOINT"), "/") + "/v1/traces"
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint))
	if err != nil {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)
	}
	name := getenv("OTEL_SERVICE_NAME")
	if name == "" {
		name = "uplift"
	}
	return New(sdktrace.NewBatchSpanProcessor(exp), name), nil
}

// New returns a Tracer whose spans go to sp; tests pass an in-memory
// exporter's processor.
func New(sp sdktrace.SpanProcessor, service string) *Tracer {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", service))))
	return &Tracer{provider: tp, tracer: tp.Tracer("github.com/uplift-dev/uplift"),
		prop: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})}
}

// Shutdown exports the spans still buffered, within ctx.
func (t *Tracer) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.provider.Shutdown(ctx)
}

// StartRequest begins the span of a request, continuing the trace its
// traceparent header names. The returned function ends it with the route
// pattern that served it ("" when none did) and the status written.
func (t *Tracer) StartRequest(r *http.Request) (context.Context, func(route string, status int)) {
	ctx := t.prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	ctx, span := t.tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("http.request.method", r.Method)))
	return ctx, func(route string, status int) {
		if route != "" {
			span.SetName(route) // the pattern names its method: "POST /v1/track"
			span.SetAttributes(attribute.String("http.route", route))
		}
		span.SetAttributes(attribute.Int("http.response.status_code", status))
		if status >= 500 {
			span.SetStatus(codes.Error, strconv.Itoa(status))
		}
		span.End()
	}
}

// Transaction returns the hook that gives each database transaction a
// span (see store.Store.SetTxHook); system is "sqlite" or "postgresql".
func (t *Tracer) Transaction(system string) func(ctx context.Context) (context.Context, func(error)) {
	return func(ctx context.Context) (context.Context, func(error)) {
		ctx, span := t.tracer.Start(ctx, "db transaction", trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("db.system.name", system)))
		return ctx, func(err error) { end(span, err) }
	}
}

// Outbound begins the span of a call to another service (an SMTP server,
// an SMS provider, a webhook); the returned function ends it with the
// call's error.
func (t *Tracer) Outbound(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, func(error)) {
	ctx, span := t.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx, func(err error) { end(span, err) }
}

// Transport wraps rt so that each request it sends gets a client span and
// carries the trace in its traceparent header, for outbound HTTP calls
// such as webhooks. A nil Tracer returns rt as it is.
func (t *Tracer) Transport(rt http.RoundTripper) http.RoundTripper {
	if t == nil {
		return rt
	}
	if rt == nil {
		rt = http.DefaultTransport
	}
	return roundTripper{t: t, next: rt}
}

type roundTripper struct {
	t    *Tracer
	next http.RoundTripper
}

func (rt roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx, span := rt.t.tracer.Start(r.Context(), r.Method, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("server.address", r.URL.Host)))
	defer span.End()
	r = r.Clone(ctx)
	rt.t.prop.Inject(ctx, propagation.HeaderCarrier(r.Header))
	res, err := rt.next.RoundTrip(r)
	if err != nil {
		span.SetStatus(codes.Error, "request failed")
		return res, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", res.StatusCode))
	if res.StatusCode >= 500 {
		span.SetStatus(codes.Error, strconv.Itoa(res.StatusCode))
	}
	return res, nil
}

// end ends span, marking it failed with err's kind of failure. The
// error's text is not recorded: it may name an address or a user.
func end(span trace.Span, err error) {
	if err != nil {
		span.SetStatus(codes.Error, "failed")
	}
	span.End()
}
