package fetch

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// ms1 and ms2 are two bucket starts, 2026-11-21T00:00Z and 01:00Z.
const (
	ms1 = "1795219200000"
	ms2 = "1795222800000"
)

var (
	tm1 = time.UnixMilli(1795219200000).UTC()
	tm2 = time.UnixMilli(1795222800000).UTC()
)

const appID = "54fb80af-576c-4fdc-ba4f-b596c83f15a1"

// metricQuery is the query every metric request must carry for testRange.
var metricQuery = url.Values{
	"interval_in_seconds": {"3600"},
	"timeframe_start":     {"2026-11-16T00:00:00.000Z"},
	"timeframe_end":       {"2026-11-23T00:00:00.000Z"},
}

func withQuery(extra ...string) url.Values {
	q := url.Values{}
	for k, v := range metricQuery {
		q[k] = v
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return q
}

// seriesBody wraps points under app.metrics.<key>, with unknown fields
// around them.
func seriesBody(key, pts string) string {
	return `{"app":{"id":"` + appID + `","display_name":"my-app","extra":{"x":[1,2]},"metrics":{"timeframe":{"start":"` + ms1 + `","end":"` + ms2 + `"},"` + key + `":` + pts + `}}}`
}

func processBody(key, limitKey, limit, pts string) string {
	return `{"app":{"id":"` + appID + `","app_name":"my-app","processes":[` +
		`{"id":"p2","process_name":"worker","` + limitKey + `":` + limit + `,"metrics":{"timeframe":{"start":"` + ms1 + `","end":"` + ms2 + `"},"` + key + `":` + pts + `}},` +
		`{"id":"p1","process_name":null,"new_field":true,"metrics":{"` + key + `":[]}}]}}`
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tests := []struct {
		name  string
		path  string
		query url.Values // nil: no query
		body  string
		call  func(*Client) (any, error)
		want  any
	}{
		{
			name: "validate, expires_at as a string",
			path: "/validate",
			body: `{"name":"my-api-key","expires_at":"1704081600000","company":"c-1","status":"active","more":1}`,
			call: func(c *Client) (any, error) { return c.Validate(ctx) },
			want: Validation{Name: "my-api-key", Company: "c-1", Status: "active", ExpiresAt: time.Date(2024, 1, 1, 4, 0, 0, 0, time.UTC)},
		},
		{
			name: "validate, expires_at as a number",
			path: "/validate",
			body: `{"name":"k","expires_at":1704081600000,"company":"c-1","status":"active"}`,
			call: func(c *Client) (any, error) { return c.Validate(ctx) },
			want: Validation{Name: "k", Company: "c-1", Status: "active", ExpiresAt: time.Date(2024, 1, 1, 4, 0, 0, 0, time.UTC)},
		},
		{
			name: "validate, expires_at null and name null",
			path: "/validate",
			body: `{"name":null,"expires_at":null,"company":"c-1","status":"active"}`,
			call: func(c *Client) (any, error) { return c.Validate(ctx) },
			want: Validation{Company: "c-1", Status: "active"},
		},
		{
			name: "application by id",
			path: "/applications/" + appID,
			body: `{"app":{"id":"` + appID + `","name":"unique-name","display_name":"firstsite","status":"deploymentSuccess","hibernate_after_seconds":null,"deployments":[{"created_at":1667489138845}],"processes":[{"id":"x","key":"web"}]}}`,
			call: func(c *Client) (any, error) { return c.Application(ctx, appID) },
			want: Application{ID: appID, Name: "unique-name", DisplayName: "firstsite", Status: "deploymentSuccess"},
		},
		{
			name: "users, optional fields null",
			path: "/company/c-1/users",
			body: `{"company":{"users":[{"user":{"id":"u1","email":"a@example.com","image":"https://img/1","full_name":"Ann"}},{"user":{"id":"u2","email":null,"image":null,"full_name":"Bob","role":"x"}}]}}`,
			call: func(c *Client) (any, error) { return c.Users(ctx, "c-1") },
			want: []report.User{{ID: "u1", FullName: "Ann", Email: "a@example.com", Image: "https://img/1"}, {ID: "u2", FullName: "Bob"}},
		},
		{
			name:  "bandwidth, strings as in the spec",
			path:  "/applications/" + appID + "/metrics/bandwidth",
			query: metricQuery,
			body:  seriesBody("bandwidth", `[{"time":"`+ms1+`","value":"1048576"},{"time":"`+ms2+`","value":"2.5"}]`),
			call:  func(c *Client) (any, error) { return c.Bandwidth(ctx, appID, testRange) },
			want:  []report.Point{{Time: tm1, Value: 1048576}, {Time: tm2, Value: 2.5}},
		},
		{
			name:  "bandwidth, numbers, null and empty values are no data",
			path:  "/applications/" + appID + "/metrics/bandwidth",
			query: metricQuery,
			body:  seriesBody("bandwidth", `[{"time":`+ms1+`,"value":10},{"time":"`+ms2+`","value":null},{"time":"`+ms2+`","value":""},{"time":"`+ms2+`","value":" 7 ","note":"x"}]`),
			call:  func(c *Client) (any, error) { return c.Bandwidth(ctx, appID, testRange) },
			want:  []report.Point{{Time: tm1, Value: 10}, {Time: tm2, Value: 7}},
		},
		{
			name:  "bandwidth, null array",
			path:  "/applications/" + appID + "/metrics/bandwidth",
			query: metricQuery,
			body:  seriesBody("bandwidth", `null`),
			call:  func(c *Client) (any, error) { return c.Bandwidth(ctx, appID, testRange) },
			want:  []report.Point{},
		},
		{
			name:  "build time sums resource types per timestamp",
			path:  "/applications/" + appID + "/metrics/build-time",
			query: metricQuery,
			body: seriesBody("build_time", `[{"resource_type":"standard","data":[{"time":"`+ms2+`","value":127},{"time":"`+ms1+`","value":"3"}]},`+
				`{"resource_type":"large","data":[{"time":"`+ms2+`","value":3}]}]`),
			call: func(c *Client) (any, error) { return c.BuildTime(ctx, appID, testRange) },
			want: []report.Point{{Time: tm1, Value: 3}, {Time: tm2, Value: 130}},
		},
		{
			name:  "build time keeps the last value of a repeated timestamp, then sums resource types",
			path:  "/applications/" + appID + "/metrics/build-time",
			query: metricQuery,
			body: seriesBody("build_time", `[{"resource_type":"standard","data":[{"time":"`+ms1+`","value":50},{"time":"`+ms2+`","value":9},{"time":"`+ms1+`","value":7}]},`+
				`{"resource_type":"large","data":[{"time":"`+ms1+`","value":1},{"time":"`+ms1+`","value":2}]}]`),
			call: func(c *Client) (any, error) { return c.BuildTime(ctx, appID, testRange) },
			want: []report.Point{{Time: tm1, Value: 9}, {Time: tm2, Value: 9}},
		},
		{
			name:  "run time",
			path:  "/applications/" + appID + "/metrics/run-time",
			query: metricQuery,
			body:  seriesBody("runtime", `[{"process_id":"1679587045511","seconds":"43223","plan":"s1","start_time":"`+ms1+`","end_time":`+ms2+`},{"process_id":7,"seconds":5,"plan":null,"start_time":null,"end_time":null}]`),
			call:  func(c *Client) (any, error) { return c.RunTime(ctx, appID, testRange) },
			want:  []report.Run{{ProcessID: "1679587045511", Plan: "s1", Seconds: 43223, Start: tm1, End: tm2}, {ProcessID: "7", Seconds: 5}},
		},
		{
			name:  "http requests",
			path:  "/applications/" + appID + "/metrics/http-requests",
			query: metricQuery,
			body:  seriesBody("http_requests", `[{"time":"`+ms1+`","value":"12.5"}]`),
			call:  func(c *Client) (any, error) { return c.HTTPRequests(ctx, appID, testRange) },
			want:  []report.Point{{Time: tm1, Value: 12.5}},
		},
		{
			name:  "response time average: no percent",
			path:  "/applications/" + appID + "/metrics/response-time",
			query: metricQuery,
			body:  seriesBody("response_time", `[{"time":"`+ms1+`","value":"977"}]`),
			call:  func(c *Client) (any, error) { return c.ResponseTime(ctx, appID, testRange, 0) },
			want:  []report.Point{{Time: tm1, Value: 977}},
		},
		{
			name:  "response time p50",
			path:  "/applications/" + appID + "/metrics/response-time",
			query: withQuery("percent", "50"),
			body:  seriesBody("response_time", `[{"time":"`+ms1+`","value":"100"}]`),
			call:  func(c *Client) (any, error) { return c.ResponseTime(ctx, appID, testRange, 50) },
			want:  []report.Point{{Time: tm1, Value: 100}},
		},
		{
			name:  "response time p95",
			path:  "/applications/" + appID + "/metrics/response-time",
			query: withQuery("percent", "95"),
			body:  seriesBody("response_time", `[{"time":"`+ms1+`","value":950}]`),
			call:  func(c *Client) (any, error) { return c.ResponseTime(ctx, appID, testRange, 95) },
			want:  []report.Point{{Time: tm1, Value: 950}},
		},
		{
			name:  "slowest requests with a limit, response_time key tolerated",
			path:  "/applications/" + appID + "/metrics/slowest-requests",
			query: withQuery("limit", "3"),
			body:  seriesBody("slowest_requests", `[{"avg_response_time_ms":120,"client_request_path":"/api","request_count":100},{"avg_response_time_ms":"80.5","client_request_path":null,"request_count":"7"}],"response_time":[{"time":"1","value":"value"}]`),
			call:  func(c *Client) (any, error) { return c.SlowestRequests(ctx, appID, testRange, 3) },
			want:  []report.SlowRequest{{Path: "/api", AvgResponseTimeMS: 120, RequestCount: 100}, {AvgResponseTimeMS: 80.5, RequestCount: 7}},
		},
		{
			name:  "slowest requests without a limit",
			path:  "/applications/" + appID + "/metrics/slowest-requests",
			query: metricQuery,
			body:  seriesBody("slowest_requests", `[]`),
			call:  func(c *Client) (any, error) { return c.SlowestRequests(ctx, appID, testRange, 0) },
			want:  []report.SlowRequest{},
		},
		{
			name:  "cpu usage per process, name falls back to the id",
			path:  "/applications/" + appID + "/metrics/cpu-usage",
			query: metricQuery,
			body:  processBody("cpu_usage", "cpu_limit", "1", `[{"time":"`+ms1+`","value":"42.5"}]`),
			call:  func(c *Client) (any, error) { return c.CPUUsage(ctx, appID, testRange) },
			want:  []report.Process{{Name: "worker", Limit: 1, Points: []report.Point{{Time: tm1, Value: 42.5}}}, {Name: "p1", Points: []report.Point{}}},
		},
		{
			name:  "memory usage per process, limit as a string",
			path:  "/applications/" + appID + "/metrics/memory-usage",
			query: metricQuery,
			body:  processBody("memory_usage", "memory_limit", `"536870912"`, `[{"time":"`+ms1+`","value":268435456}]`),
			call:  func(c *Client) (any, error) { return c.MemoryUsage(ctx, appID, testRange) },
			want:  []report.Process{{Name: "worker", Limit: 536870912, Points: []report.Point{{Time: tm1, Value: 268435456}}}, {Name: "p1", Points: []report.Point{}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := mount(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodGet || r.URL.Path != tc.path {
					t.Errorf("request %s %s, want GET %s", r.Method, r.URL.Path, tc.path)
				}
				got := r.URL.Query()
				if tc.query == nil && len(got) > 0 || tc.query != nil && !reflect.DeepEqual(got, tc.query) {
					t.Errorf("query %v, want %v", got, tc.query)
				}
				respond(http.StatusOK, tc.body)(w, r)
			}))
			c, _ := newTestClient(t, srv)
			got, err := tc.call(c)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// appsServer serves n applications in pages of at most limit (and at most
// pageCap when set), recording the offsets asked.
type appsServer struct {
	t       *testing.T
	n       int
	pageCap int
	mu      sync.Mutex
	offsets []int
}

func (s *appsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("company") != "c-1" {
		s.t.Errorf("company %q", q.Get("company"))
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	s.mu.Lock()
	s.offsets = append(s.offsets, offset)
	s.mu.Unlock()
	if s.pageCap > 0 {
		limit = min(limit, s.pageCap)
	}
	var items []string
	for i := offset; i < min(offset+limit, s.n); i++ {
		items = append(items, fmt.Sprintf(`{"id":"app-%03d","name":"n%d","display_name":"App %d","status":"deploymentSuccess"}`, i, i, i))
	}
	respond(http.StatusOK, `{"company":{"apps":{"items":[`+strings.Join(items, ",")+`]}}}`)(w, r)
}

func TestApplicationsPagination(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n, pageCap  int
		wantOffsets []int
	}{
		{n: 0, wantOffsets: []int{0}},
		{n: 3, wantOffsets: []int{0, 3}},
		{n: 100, wantOffsets: []int{0, 100}},
		{n: 250, wantOffsets: []int{0, 100, 200, 250}},
		// A server that caps limit at 10 (the spec's default) without
		// saying so: a short page is not the last.
		{n: 40, pageCap: 10, wantOffsets: []int{0, 10, 20, 30, 40}},
		{n: 25, pageCap: 7, wantOffsets: []int{0, 7, 14, 21, 25}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d apps, cap %d", tc.n, tc.pageCap), func(t *testing.T) {
			t.Parallel()
			as := &appsServer{t: t, n: tc.n, pageCap: tc.pageCap}
			c, _ := newTestClient(t, mount(t, as))
			apps, err := c.Applications(t.Context(), "c-1")
			if err != nil {
				t.Fatal(err)
			}
			if len(apps) != tc.n {
				t.Fatalf("%d apps, want %d", len(apps), tc.n)
			}
			for i, a := range apps {
				if want := fmt.Sprintf("app-%03d", i); a.ID != want || a.DisplayName != fmt.Sprintf("App %d", i) {
					t.Fatalf("apps[%d] = %+v, want id %s", i, a, want)
				}
			}
			if !reflect.DeepEqual(as.offsets, tc.wantOffsets) {
				t.Errorf("offsets %v, want %v", as.offsets, tc.wantOffsets)
			}
		})
	}

	t.Run("a server that ignores offset is an error, not a loop", func(t *testing.T) {
		t.Parallel()
		items := make([]string, pageSize)
		for i := range items {
			items[i] = fmt.Sprintf(`{"id":"a%d"}`, i)
		}
		seq := &sequence{hs: []http.HandlerFunc{respond(200, `{"company":{"apps":{"items":[`+strings.Join(items, ",")+`]}}}`)}}
		c, _ := newTestClient(t, mount(t, seq))
		_, err := c.Applications(t.Context(), "c-1")
		if !errorsIs(err, ErrBadResponse) || !strings.Contains(err.Error(), "ignores offset") {
			t.Errorf("err = %v, want a bad response about offset", err)
		}
		if seq.count() != 2 {
			t.Errorf("%d requests, want 2", seq.count())
		}
	})
}

func TestMetricByKey(t *testing.T) {
	t.Parallel()
	bodies := map[string]string{
		"bandwidth":        seriesBody("bandwidth", `[{"time":"`+ms1+`","value":"1"}]`),
		"build-time":       seriesBody("build_time", `[{"resource_type":"standard","data":[{"time":"`+ms1+`","value":2}]}]`),
		"run-time":         seriesBody("runtime", `[{"process_id":"p","seconds":"3","plan":"s1","start_time":"`+ms1+`","end_time":"`+ms2+`"}]`),
		"http-requests":    seriesBody("http_requests", `[{"time":"`+ms1+`","value":"4"}]`),
		"response-time":    seriesBody("response_time", `[{"time":"`+ms1+`","value":"5"}]`),
		"slowest-requests": seriesBody("slowest_requests", `[{"avg_response_time_ms":6,"client_request_path":"/x","request_count":1}]`),
		"cpu-usage":        processBody("cpu_usage", "cpu_limit", "1", `[{"time":"`+ms1+`","value":"7"}]`),
		"memory-usage":     processBody("memory_usage", "memory_limit", "1", `[{"time":"`+ms1+`","value":"8"}]`),
	}
	var mu sync.Mutex
	var seen []string
	srv := mount(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seg := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		mu.Lock()
		seen = append(seen, seg+"?"+r.URL.Query().Get("percent")+r.URL.Query().Get("limit"))
		mu.Unlock()
		respond(200, bodies[seg])(w, r)
	}))
	c, _ := newTestClient(t, srv)
	for _, key := range report.AllMetrics() {
		m, err := c.Metric(t.Context(), appID, key, testRange, 5)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		info, _ := report.Info(key)
		if m.Key != key || m.Unit != info.Unit {
			t.Errorf("%s: key %q unit %q", key, m.Key, m.Unit)
		}
		var n int
		switch info.Kind {
		case report.KindSeries:
			n = len(m.Points)
		case report.KindRuns:
			n = len(m.Runs)
		case report.KindRows:
			n = len(m.Rows)
		case report.KindProcesses:
			n = len(m.Processes)
		}
		if n == 0 {
			t.Errorf("%s: no data in %+v", key, m)
		}
	}
	want := []string{"bandwidth?", "build-time?", "run-time?", "http-requests?", "response-time?", "response-time?50", "response-time?95", "slowest-requests?5", "cpu-usage?", "memory-usage?"}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("requests %v\nwant     %v", seen, want)
	}
	if _, err := c.Metric(t.Context(), appID, "nope", testRange, 0); err == nil {
		t.Error("unknown metric key: no error")
	}
}

// Ids are escaped as one path segment: no path or query injection.
func TestIDsAreEscaped(t *testing.T) {
	t.Parallel()
	var uri string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uri = r.RequestURI
		respond(200, `{"app":{"id":"x"}}`)(w, r)
	}))
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, srv)
	if _, err := c.Application(t.Context(), "a/../b?c=d#e f"); err != nil {
		t.Fatal(err)
	}
	if want := "/v2/applications/a%2F..%2Fb%3Fc=d%23e%20f"; uri != want {
		t.Errorf("request URI %q, want %q", uri, want)
	}
	_, _ = c.Users(t.Context(), "c 1") // the body is no roster; only the URI matters here
	if uri != "/v2/company/c%201/users" {
		t.Errorf("request URI %q", uri)
	}
}

func TestArgumentErrors(t *testing.T) {
	t.Parallel()
	srv := mount(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("no request expected, got %s", r.URL.Path)
	}))
	c, _ := newTestClient(t, srv)
	ctx := t.Context()
	tests := []struct {
		name string
		call func() error
	}{
		{"zero range", func() error { _, err := c.Bandwidth(ctx, appID, Range{}); return err }},
		{"end before start", func() error {
			_, err := c.Bandwidth(ctx, appID, Range{Start: testRange.End, End: testRange.Start, Interval: time.Hour})
			return err
		}},
		{"sub-second interval", func() error {
			_, err := c.Bandwidth(ctx, appID, Range{Start: testRange.Start, End: testRange.End, Interval: time.Millisecond})
			return err
		}},
		{"percent 90", func() error { _, err := c.ResponseTime(ctx, appID, testRange, 90); return err }},
		{"negative limit", func() error { _, err := c.SlowestRequests(ctx, appID, testRange, -1); return err }},
		{"empty app id", func() error { _, err := c.CPUUsage(ctx, "", testRange); return err }},
		{"empty company", func() error { _, err := c.Applications(ctx, ""); return err }},
		{"empty company users", func() error { _, err := c.Users(ctx, ""); return err }},
		{"empty application id", func() error { _, err := c.Application(ctx, ""); return err }},
	}
	for _, tc := range tests {
		if err := tc.call(); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestNewClient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		key  string
		opts []Option
		ok   bool
	}{
		{name: "defaults", key: testKey, ok: true},
		{name: "empty key", key: ""},
		{name: "key with a newline", key: testKey + "\r\nX-Evil: 1"},
		{name: "base with user info and password", key: testKey, opts: []Option{WithBaseURL("https://u:hunter2@api.kinsta.com/v2")}},
		{name: "base with path and slash", key: testKey, opts: []Option{WithBaseURL("http://127.0.0.1:1234/v2/")}, ok: true},
		{name: "sevalla", key: testKey, opts: []Option{WithBaseURL(SevallaBaseURL)}, ok: true},
		{name: "base without scheme", key: testKey, opts: []Option{WithBaseURL("api.kinsta.com/v2")}},
		{name: "base with query", key: testKey, opts: []Option{WithBaseURL("https://api.kinsta.com/v2?x=1")}},
		{name: "base with user info", key: testKey, opts: []Option{WithBaseURL("https://u:p@api.kinsta.com/v2")}},
	}
	for _, tc := range tests {
		c, err := NewClient(tc.key, tc.opts...)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok %v", tc.name, err, tc.ok)
		}
		if err != nil && (tc.key != "" && strings.Contains(err.Error(), testKey) || strings.Contains(err.Error(), "hunter2")) {
			t.Errorf("%s: error %q holds the key", tc.name, err)
		}
		if err == nil && c.base.Path != "/v2" {
			t.Errorf("%s: base path %q", tc.name, c.base.Path)
		}
	}
}

// errorsIs is errors.Is for tests without importing errors everywhere.
func errorsIs(err, target error) bool { return err != nil && isErr(err, target) }

var _ = context.Background
