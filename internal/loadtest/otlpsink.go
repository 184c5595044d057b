package loadtest

import (
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpSink receives the traces of a server the tool starts (OTLP over
// HTTP, protobuf), counts their spans and drops them: tracing is then
// measured with its whole cost in the server, the export included,
// without a collector beside it on the machine.
type otlpSink struct {
	srv   *http.Server
	ln    net.Listener
	spans atomic.Int64
}

func startOTLPSink() (*otlpSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &otlpSink{ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/traces", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		var req collectortrace.ExportTraceServiceRequest
		if err != nil || proto.Unmarshal(body, &req) != nil {
			http.Error(w, "not an OTLP trace export", http.StatusBadRequest)
			return
		}
		n := 0
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				n += len(ss.Spans)
			}
		}
		s.spans.Add(int64(n))
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(nil) // an empty ExportTraceServiceResponse
	})
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// Endpoint is the base URL for OTEL_EXPORTER_OTLP_ENDPOINT.
func (s *otlpSink) Endpoint() string { return "http://" + s.ln.Addr().String() }

// Spans is how many spans arrived so far; 0 for a nil sink.
func (s *otlpSink) Spans() int64 {
	if s == nil {
		return 0
	}
	return s.spans.Load()
}

func (s *otlpSink) close() error { return s.srv.Close() }
