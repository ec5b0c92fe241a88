//go:build unix

package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/internal/peer"
	"github.com/kinsta-report/kinsta-report/report"
)

// The contract test runs Prism (@stoplight/prism-cli 5.14.2) in mock mode on
// Kinsta's own OpenAPI spec, then on Sevalla's v2 spec, and drives every
// client method against each.
// Prism rejects any request that breaks the spec (400 with the spec's own
// error example, or 422), so every request must come back 2xx; the client
// must decode each example answer or, where the example holds the literal
// string "value" as a number, fail with an error that names the element.
//
// Prism is found as $PRISM_BIN, then prism on PATH, then the repository's
// .ci/tools (where .ci/run installs it); missing, it skips the test, or fails
// it under KINSTA_REPORT_REQUIRE_PEERS=1. The spec is the repository's own
// copy, testdata/openapi (see SOURCE.md there for where they come from).

// The specs: Kinsta's, and Sevalla's v2 (the host that serves the
// application endpoints since Kinsta retired them), which declares the same
// operations.
var specFiles = []string{
	"testdata/openapi/kinsta-api-1.87.0.swagger.json",
	"testdata/openapi/sevalla-api-1.80.0.openapi.json",
}

func findSpec(t *testing.T, specFile string) string {
	t.Helper()
	p, err := filepath.Abs(specFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the spec is part of the repository: %v", err)
	}
	return p
}

// exchange is one request Prism answered.
type exchange struct {
	path   string
	status int
	body   string
}

// recorder records every answer and can ask Prism for a given status
// (Prefer: code=N) through the request context.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	log  []exchange
}

type preferKey struct{}

func (rc *recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if code, ok := r.Context().Value(preferKey{}).(int); ok {
		r = r.Clone(r.Context())
		r.Header.Set("Prefer", "code="+strconv.Itoa(code))
	}
	resp, err := rc.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	// A Prism mock ignores offset and would serve its example page
	// forever; past the first page, Prism still checks the request, and
	// the answer is the empty page a real server sends past the end.
	if r.URL.Path == "/applications" && r.URL.Query().Get("offset") != "0" && resp.StatusCode == http.StatusOK {
		body = []byte(`{"company":{"apps":{"items":[]}}}`)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	rc.mu.Lock()
	rc.log = append(rc.log, exchange{path: r.URL.Path + "?" + r.URL.RawQuery, status: resp.StatusCode, body: string(body)})
	rc.mu.Unlock()
	return resp, nil
}

func (rc *recorder) take() []exchange {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.log
	rc.log = nil
	return out
}

// startPrism runs Prism in mock mode on spec (startPrismArgs: a free
// loopback port, its own process group, killed at cleanup) and waits until
// it answers.
func startPrism(t *testing.T, bin, spec string) string {
	t.Helper()
	return startPrismArgs(t, bin, []string{"mock", spec})
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func TestContractPrism(t *testing.T) {
	for _, f := range specFiles {
		t.Run(filepath.Base(f), func(t *testing.T) { contractPrism(t, f) })
	}
}

func contractPrism(t *testing.T, specFile string) {
	bin := peer.Require(t, "prism")
	spec := findSpec(t, specFile)
	if bin == "" || spec == "" {
		return
	}
	base := startPrism(t, bin, spec)

	rec := &recorder{base: http.DefaultTransport}
	c, err := NewClient(testKey, WithBaseURL(base), WithHTTPClient(&http.Client{Transport: rec}), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	const id = "54fb80af-576c-4fdc-ba4f-b596c83f15a1" // Prism checks format: uuid
	r := Range{Start: time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), Interval: time.Hour}

	// badElement is "" when the call must decode, else the element whose
	// spec example is the string "value".
	calls := []struct {
		name       string
		call       func() (any, error)
		badElement string
	}{
		{"Validate", func() (any, error) { return c.Validate(ctx) }, ""},
		{"Applications", func() (any, error) { return c.Applications(ctx, id) }, ""},
		{"Application", func() (any, error) { return c.Application(ctx, id) }, ""},
		{"Users", func() (any, error) { return c.Users(ctx, id) }, ""},
		{"Bandwidth", func() (any, error) { return c.Bandwidth(ctx, id, r) }, "bandwidth[0].value"},
		{"BuildTime", func() (any, error) { return c.BuildTime(ctx, id, r) }, ""},
		{"RunTime", func() (any, error) { return c.RunTime(ctx, id, r) }, ""},
		{"HTTPRequests", func() (any, error) { return c.HTTPRequests(ctx, id, r) }, "http_requests[0].value"},
		{"ResponseTime avg", func() (any, error) { return c.ResponseTime(ctx, id, r, 0) }, ""},
		{"ResponseTime p50", func() (any, error) { return c.ResponseTime(ctx, id, r, 50) }, ""},
		{"ResponseTime p95", func() (any, error) { return c.ResponseTime(ctx, id, r, 95) }, ""},
		{"SlowestRequests", func() (any, error) { return c.SlowestRequests(ctx, id, r, 5) }, ""},
		{"SlowestRequests default limit", func() (any, error) { return c.SlowestRequests(ctx, id, r, 0) }, ""},
		{"CPUUsage", func() (any, error) { return c.CPUUsage(ctx, id, r) }, "processes[0].metrics.cpu_usage[0].value"},
		{"MemoryUsage", func() (any, error) { return c.MemoryUsage(ctx, id, r) }, "processes[0].metrics.memory_usage[0].value"},
	}
	for _, k := range report.AllMetrics() {
		calls = append(calls, struct {
			name       string
			call       func() (any, error)
			badElement string
		}{"Metric " + string(k), func() (any, error) { return c.Metric(ctx, id, k, r, 10) }, "?"})
	}
	for _, tc := range calls {
		got, err := tc.call()
		exs := rec.take()
		if len(exs) == 0 {
			t.Errorf("%s: no request reached Prism (err %v)", tc.name, err)
		}
		for _, ex := range exs {
			if ex.status < 200 || ex.status > 299 {
				t.Errorf("%s: Prism answered %d to %s: %s", tc.name, ex.status, ex.path, tail(ex.body, 500))
			}
		}
		switch {
		case tc.badElement == "?": // Metric: decodes, or names an element holding "value"
			if err != nil && !(errors.Is(err, ErrBadResponse) && strings.Contains(err.Error(), `].value "value": not a number`)) {
				t.Errorf("%s: %v", tc.name, err)
			}
		case tc.badElement == "":
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			} else if fmt.Sprint(got) == "" {
				t.Errorf("%s: empty result", tc.name)
			}
		default:
			want := tc.badElement + ` "value": not a number`
			if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: err = %v, want ErrBadResponse naming %s", tc.name, err, want)
			}
		}
		t.Logf("%s: %+v %v", tc.name, got, err)
	}

	// The spec's error answers map to the error classes.
	for _, tc := range []struct {
		code int
		want error
	}{{401, ErrUnauthorized}, {404, ErrNotFound}, {400, ErrBadRequest}, {500, ErrServer}} {
		_, err := c.RunTime(context.WithValue(ctx, preferKey{}, tc.code), id, r)
		rec.take()
		var ae *APIError
		if !errors.Is(err, tc.want) || !errors.As(err, &ae) || ae.Message == "" {
			t.Errorf("Prefer code=%d: err = %v, want %v with the spec's message", tc.code, err, tc.want)
		}
	}

	// Control: Prism does reject a request that breaks the spec, so the
	// 2xx answers above mean something.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/applications/"+id+"/metrics/bandwidth?interval_in_seconds=3600", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 400 && resp.StatusCode != 422 {
		t.Errorf("Prism answered %d to a request without timeframe_start/end, want 400 or 422", resp.StatusCode)
	}
}
