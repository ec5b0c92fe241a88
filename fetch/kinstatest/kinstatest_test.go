package kinstatest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
)

// A Monday: 2026-11-16T00:00:00Z, and the week after it.
var (
	weekStart = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	weekEnd   = weekStart.AddDate(0, 0, 7)
)

const company = kinstatest.DefaultCompanyID

// serve mounts the handler under /v2 on a loopback test server and returns
// its base URL (ending in /v2).
func serve(t *testing.T, o kinstatest.Options) (*kinstatest.Server, string) {
	t.Helper()
	s := kinstatest.New(o)
	mux := http.NewServeMux()
	mux.Handle("/v2/", s)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return s, ts.URL + "/v2"
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func get(t *testing.T, base, path, token string) response {
	t.Helper()
	return do(t, http.MethodGet, base, path, token)
}

func do(t *testing.T, method, base, path, token string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q, want application/json", method, path, ct)
	}
	return response{res.StatusCode, res.Header, b}
}

func timeframe(interval time.Duration, start, end time.Time) string {
	v := url.Values{}
	v.Set("interval_in_seconds", strconv.Itoa(int(interval/time.Second)))
	v.Set("timeframe_start", start.Format("2006-01-02T15:04:05.000Z07:00"))
	v.Set("timeframe_end", end.Format("2006-01-02T15:04:05.000Z07:00"))
	return v.Encode()
}

func metricPath(appID, seg, extra string, interval time.Duration, start, end time.Time) string {
	p := "/applications/" + appID + "/metrics/" + seg + "?" + timeframe(interval, start, end)
	if extra != "" {
		p += "&" + extra
	}
	return p
}

// checkTypes walks v along each dotted path ("a.b[].c": [] visits every
// element of a non-empty array) and checks the JSON type at the end:
// string, number, bool, null, object, array, ms (a string of epoch
// milliseconds) or numstr (a string holding a decimal number).
func checkTypes(t *testing.T, v any, want map[string]string) {
	t.Helper()
	for path, typ := range want {
		walk(t, v, strings.Split(path, "."), path, typ)
	}
}

func walk(t *testing.T, v any, segs []string, path, typ string) {
	t.Helper()
	if len(segs) == 0 {
		checkType(t, v, path, typ)
		return
	}
	name, each := strings.CutSuffix(segs[0], "[]")
	m, ok := v.(map[string]any)
	if !ok {
		t.Errorf("%s: at %q got %T, want an object", path, name, v)
		return
	}
	child, ok := m[name]
	if !ok {
		t.Errorf("%s: key %q missing", path, name)
		return
	}
	if !each {
		walk(t, child, segs[1:], path, typ)
		return
	}
	arr, ok := child.([]any)
	if !ok || len(arr) == 0 {
		t.Errorf("%s: %q is %T (len %d), want a non-empty array", path, name, child, len(arr))
		return
	}
	for _, el := range arr {
		walk(t, el, segs[1:], path, typ)
	}
}

func checkType(t *testing.T, v any, path, typ string) {
	t.Helper()
	ok := false
	switch typ {
	case "string":
		_, ok = v.(string)
	case "number":
		_, ok = v.(float64)
	case "bool":
		_, ok = v.(bool)
	case "null":
		ok = v == nil
	case "object":
		_, ok = v.(map[string]any)
	case "array":
		_, ok = v.([]any)
	case "ms":
		s, isStr := v.(string)
		n, err := strconv.ParseInt(s, 10, 64)
		ok = isStr && err == nil && n > 1_600_000_000_000
	case "numstr":
		s, isStr := v.(string)
		_, err := strconv.ParseFloat(s, 64)
		ok = isStr && err == nil
	default:
		t.Fatalf("unknown type %q", typ)
	}
	if !ok {
		t.Errorf("%s: got %T %v, want %s", path, v, v, typ)
	}
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

func TestEndpointShapes(t *testing.T) {
	t.Parallel()
	_, base := serve(t, kinstatest.Options{APIKey: "secret"})
	shop := kinstatest.DefaultApps()[0]
	series := func(key string) map[string]string {
		return map[string]string{
			"app.id":                          "string",
			"app.display_name":                "string",
			"app.metrics.timeframe.start":     "ms",
			"app.metrics.timeframe.end":       "ms",
			"app.metrics." + key + "[].time":  "ms",
			"app.metrics." + key + "[].value": "numstr",
		}
	}
	process := func(key, limit string) map[string]string {
		return map[string]string{
			"app.id":                                      "string",
			"app.app_name":                                "string",
			"app.processes[].id":                          "string",
			"app.processes[].process_name":                "string",
			"app.processes[]." + limit:                    "number",
			"app.processes[].metrics.timeframe.start":     "ms",
			"app.processes[].metrics.timeframe.end":       "ms",
			"app.processes[].metrics." + key + "[].time":  "ms",
			"app.processes[].metrics." + key + "[].value": "numstr",
		}
	}
	m := func(seg, extra string) string {
		return metricPath(shop.ID, seg, extra, time.Hour, weekStart, weekStart.Add(6*time.Hour))
	}
	tests := []struct {
		name string
		path string
		want map[string]string
	}{
		{"validate", "/validate", map[string]string{
			"name": "string", "expires_at": "ms", "company": "string", "status": "string",
		}},
		{"users", "/company/" + company + "/users", map[string]string{
			"company.users[].user.id":        "string",
			"company.users[].user.email":     "string",
			"company.users[].user.image":     "string",
			"company.users[].user.full_name": "string",
		}},
		{"applications", "/applications?company=" + company, map[string]string{
			"company.apps.items[].id":           "string",
			"company.apps.items[].name":         "string",
			"company.apps.items[].display_name": "string",
			"company.apps.items[].status":       "string",
		}},
		{"application", "/applications/" + shop.ID, map[string]string{
			"app.id":                           "string",
			"app.name":                         "string",
			"app.display_name":                 "string",
			"app.hibernation_enabled":          "bool",
			"app.hibernate_after_seconds":      "null",
			"app.status":                       "string",
			"app.deployments[].id":             "string",
			"app.deployments[].branch":         "string",
			"app.deployments[].repo_url":       "string",
			"app.deployments[].commit_message": "string",
			"app.deployments[].created_at":     "number",
			"app.processes[].id":               "string",
			"app.processes[].key":              "string",
			"app.internal_connections":         "array",
		}},
		{"bandwidth", m("bandwidth", ""), series("bandwidth")},
		{"http-requests", m("http-requests", ""), series("http_requests")},
		{"response-time", m("response-time", ""), series("response_time")},
		{"response-time p50", m("response-time", "percent=50"), series("response_time")},
		{"response-time p95", m("response-time", "percent=95"), series("response_time")},
		{"build-time", m("build-time", ""), map[string]string{
			"app.id":                                 "string",
			"app.display_name":                       "string",
			"app.metrics.timeframe.start":            "ms",
			"app.metrics.timeframe.end":              "ms",
			"app.metrics.build_time[].resource_type": "string",
			"app.metrics.build_time[].data[].time":   "ms",
			"app.metrics.build_time[].data[].value":  "number",
		}},
		{"run-time", m("run-time", ""), map[string]string{
			"app.id":                           "string",
			"app.display_name":                 "string",
			"app.metrics.timeframe.start":      "ms",
			"app.metrics.timeframe.end":        "ms",
			"app.metrics.runtime[].process_id": "string",
			"app.metrics.runtime[].seconds":    "numstr",
			"app.metrics.runtime[].plan":       "string",
			"app.metrics.runtime[].start_time": "ms",
			"app.metrics.runtime[].end_time":   "ms",
		}},
		{"slowest-requests", m("slowest-requests", ""), map[string]string{
			"app.id":                      "string",
			"app.display_name":            "string",
			"app.metrics.timeframe.start": "ms",
			"app.metrics.timeframe.end":   "ms",
			"app.metrics.slowest_requests[].avg_response_time_ms": "number",
			"app.metrics.slowest_requests[].client_request_path":  "string",
			"app.metrics.slowest_requests[].request_count":        "number",
		}},
		{"cpu-usage", m("cpu-usage", ""), process("cpu_usage", "cpu_limit")},
		{"memory-usage", m("memory-usage", ""), process("memory_usage", "memory_limit")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := get(t, base, tc.path, "secret")
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			checkTypes(t, decode(t, r.body), tc.want)
		})
	}
}

func TestApplicationDetail(t *testing.T) {
	t.Parallel()
	_, base := serve(t, kinstatest.Options{})
	for _, a := range kinstatest.DefaultApps() {
		var body struct {
			App struct {
				ID, Name, DisplayName string
				Processes             []struct{ ID, Key string }
			}
		}
		r := get(t, base, "/applications/"+a.ID, "k")
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, p := range body.App.Processes {
			keys = append(keys, p.Key)
		}
		if body.App.ID != a.ID || body.App.Name != a.Name || strings.Join(keys, ",") != strings.Join(a.ProcessKeys(), ",") {
			t.Errorf("%s: got %+v", a.Name, body.App)
		}
	}
}

func TestPagination(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		apps  []kinstatest.App
		limit string
		pages []int
	}{
		{"default apps, default limit", nil, "", []int{5}},
		{"default apps, limit 2", nil, "2", []int{2, 2, 1}},
		{"default apps, limit 5", nil, "5", []int{5, 0}},
		{"23 apps, default limit", kinstatest.ManyApps(23), "", []int{10, 10, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, base := serve(t, kinstatest.Options{Apps: tc.apps})
			want := tc.apps
			if want == nil {
				want = kinstatest.DefaultApps()
			}
			limit := 10
			if tc.limit != "" {
				limit, _ = strconv.Atoi(tc.limit)
			}
			var got []string
			for page, offset := 0, 0; ; page, offset = page+1, offset+limit {
				q := "/applications?company=" + company + "&offset=" + strconv.Itoa(offset)
				if tc.limit != "" {
					q += "&limit=" + tc.limit
				}
				r := get(t, base, q, "k")
				var body struct {
					Company struct {
						Apps struct {
							Items []struct{ ID, Name string }
						}
					}
				}
				if err := json.Unmarshal(r.body, &body); err != nil {
					t.Fatal(err)
				}
				if !bytes.Contains(r.body, []byte(`"items":[`)) {
					t.Errorf("page %d: items is not an array: %s", page, r.body)
				}
				items := body.Company.Apps.Items
				if page >= len(tc.pages) || len(items) != tc.pages[page] {
					t.Fatalf("page %d has %d items, want pages %v", page, len(items), tc.pages)
				}
				for _, it := range items {
					got = append(got, it.ID)
				}
				if len(items) < limit {
					break
				}
			}
			if len(got) != len(want) {
				t.Fatalf("got %d apps, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i].ID {
					t.Errorf("app %d: %s, want %s", i, got[i], want[i].ID)
				}
			}
		})
	}
}

func TestManyAppsDeterministicAndUnique(t *testing.T) {
	t.Parallel()
	a, b := kinstatest.ManyApps(40), kinstatest.ManyApps(40)
	seen := map[string]bool{}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Name != b[i].Name {
			t.Fatalf("app %d differs between calls", i)
		}
		if seen[a[i].ID] {
			t.Fatalf("duplicate id %s", a[i].ID)
		}
		seen[a[i].ID] = true
	}
}

const (
	body400 = `{"message":"Bad request format","status":400,"data":null}`
	body401 = `{"message":"No or invalid API key provided to the request","status":401,"data":null}`
)

func TestAuth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		key    string // server's APIKey
		header string // Authorization header; "-" for none
		want   int
	}{
		{"no header", "secret", "-", 401},
		{"wrong key", "secret", "Bearer nope", 401},
		{"empty bearer", "", "Bearer ", 401},
		{"basic scheme", "", "Basic c2VjcmV0", 401},
		{"key in wrong case scheme", "secret", "bearer secret", 401},
		{"right key", "secret", "Bearer secret", 200},
		{"any key accepted", "", "Bearer whatever", 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, base := serve(t, kinstatest.Options{APIKey: tc.key})
			for _, path := range []string{"/validate", "/applications?company=" + company} {
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+path, nil)
				if tc.header != "-" {
					req.Header.Set("Authorization", tc.header)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != tc.want {
					t.Errorf("%s: status %d, want %d", path, res.StatusCode, tc.want)
				}
				if tc.want == 401 && string(b) != body401 {
					t.Errorf("%s: body %s, want %s", path, b, body401)
				}
			}
		})
	}
}

func TestValidationAndNotFound(t *testing.T) {
	t.Parallel()
	_, base := serve(t, kinstatest.Options{})
	id := kinstatest.DefaultApps()[1].ID
	tf := timeframe(time.Hour, weekStart, weekStart.Add(3*time.Hour))
	mp := "/applications/" + id + "/metrics/"
	const (
		start = "timeframe_start=2026-11-16T00:00:00.000Z"
		end   = "timeframe_end=2026-11-17T00:00:00.000Z"
		iv    = "interval_in_seconds=3600"
	)
	tests := []struct {
		name   string
		path   string
		status int
		body   string // exact body; "" to skip
	}{
		{"no interval", mp + "bandwidth?" + start + "&" + end, 400, body400},
		{"no start", mp + "bandwidth?" + iv + "&" + end, 400, body400},
		{"no end", mp + "cpu-usage?" + iv + "&" + start, 400, body400},
		{"no params", mp + "run-time", 400, body400},
		{"zero interval", mp + "bandwidth?interval_in_seconds=0&" + start + "&" + end, 400, body400},
		{"interval not an integer", mp + "bandwidth?interval_in_seconds=1h&" + start + "&" + end, 400, body400},
		{"date-only start", mp + "bandwidth?" + iv + "&timeframe_start=2026-11-16&" + end, 400, body400},
		{"epoch start", mp + "bandwidth?" + iv + "&timeframe_start=1794787200000&" + end, 400, body400},
		{"end before start", mp + "bandwidth?" + iv + "&timeframe_start=2026-11-18T00:00:00Z&" + end, 400, body400},
		{"percent 99", mp + "response-time?percent=99&" + tf, 400, body400},
		{"slowest limit 0", mp + "slowest-requests?limit=0&" + tf, 400, body400},
		{"slowest limit text", mp + "slowest-requests?limit=ten&" + tf, 400, body400},
		{"apps without company", "/applications", 400, body400},
		{"apps limit 0", "/applications?company=" + company + "&limit=0", 400, body400},
		{"apps negative offset", "/applications?company=" + company + "&offset=-1", 400, body400},
		{"offset start accepted", mp + "bandwidth?" + iv + "&timeframe_start=2026-11-16T01:00:00.000%2B01:00&" + end, 200, ""},
		{"unknown app metric", "/applications/00000000-0000-4000-8000-000000000000/metrics/bandwidth?" + tf, 404,
			`{"message":"No application or database found with the provided unique ID.","status":404,"data":null}`},
		{"unknown app detail", "/applications/00000000-0000-4000-8000-000000000000", 404,
			`{"message":"Could not find the application or the user does not have permissions to retrieve data","status":404,"data":null}`},
		{"app by name is not an id", "/applications/shop", 404, ""},
		{"wrong company users", "/company/00000000-0000-4000-8000-000000000000/users", 404,
			`{"message":"Could not find the company or the user does not have permissions to retrieve data","status":404,"data":null}`},
		{"wrong company apps", "/applications?company=00000000-0000-4000-8000-000000000000", 404, ""},
		{"unknown metric", mp + "disk-usage?" + tf, 404, ""},
		{"unknown path", "/databases", 404, `{"message":"Not Found","status":404,"data":null}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := get(t, base, tc.path, "k")
			if r.status != tc.status {
				t.Errorf("status %d, want %d (%s)", r.status, tc.status, r.body)
			}
			if tc.body != "" && string(r.body) != tc.body {
				t.Errorf("body %s, want %s", r.body, tc.body)
			}
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	_, base := serve(t, kinstatest.Options{})
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		r := do(t, m, base, "/validate", "k")
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET" {
			t.Errorf("%s: status %d Allow %q", m, r.status, r.header.Get("Allow"))
		}
	}
}

func TestServedWithoutPrefix(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(kinstatest.New(kinstatest.Options{}))
	t.Cleanup(ts.Close)
	for _, base := range []string{ts.URL, ts.URL + "/v2"} {
		if r := get(t, base, "/validate", "k"); r.status != 200 {
			t.Errorf("%s/validate: %d", base, r.status)
		}
	}
}

// fakeClock is a settable clock for the rate limiter.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: weekStart}
	_, base := serve(t, kinstatest.Options{RateLimitPerMinute: 3, Now: clock.now})
	for i, wantRemaining := range []string{"2", "1", "0"} {
		r := get(t, base, "/validate", "k")
		if r.status != 200 {
			t.Fatalf("request %d: %d", i, r.status)
		}
		if r.header.Get("x-ratelimit-limit") != "3" || r.header.Get("x-ratelimit-remaining") != wantRemaining || r.header.Get("x-ratelimit-reset") != "60" {
			t.Errorf("request %d headers: %v", i, r.header)
		}
	}
	clock.add(15 * time.Second)
	r := get(t, base, "/validate", "k")
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("4th request: %d", r.status)
	}
	if want := `{"status":429,"message":"Too many requests, please try again later."}`; string(r.body) != want {
		t.Errorf("429 body %s, want %s", r.body, want)
	}
	if r.header.Get("Retry-After") != "45" || r.header.Get("x-ratelimit-reset") != "45" || r.header.Get("x-ratelimit-remaining") != "0" {
		t.Errorf("429 headers: %v", r.header)
	}
	// Unauthorised requests count too and carry the headers.
	if r := get(t, base, "/validate", ""); r.status != 429 {
		t.Errorf("unauthorised over the limit: %d", r.status)
	}
	clock.add(45 * time.Second)
	if r := get(t, base, "/validate", "k"); r.status != 200 || r.header.Get("x-ratelimit-remaining") != "2" {
		t.Errorf("new window: %d %v", r.status, r.header)
	}
	if r := get(t, base, "/validate", ""); r.status != 401 || r.header.Get("x-ratelimit-limit") != "3" {
		t.Errorf("401 in window: %d %v", r.status, r.header)
	}
}

func TestNoRateLimitHeadersByDefault(t *testing.T) {
	t.Parallel()
	_, base := serve(t, kinstatest.Options{})
	if r := get(t, base, "/validate", "k"); r.header.Get("x-ratelimit-limit") != "" {
		t.Errorf("unexpected headers %v", r.header)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	apps := kinstatest.DefaultApps()
	shop, blog := apps[0], apps[1]
	m := func(a kinstatest.App, seg string) string {
		return metricPath(a.ID, seg, "", time.Hour, weekStart, weekStart.Add(2*time.Hour))
	}
	type step struct {
		path   string
		status int
		body   string // exact body, "" to skip; "!json" for an invalid JSON body
	}
	tests := []struct {
		name  string
		opts  kinstatest.Options
		steps []step
	}{
		{"fail first", kinstatest.Options{FailFirst: 2}, []step{
			{"/validate", 503, `{"message":"Service Unavailable","status":503,"data":null}`},
			{"/validate", 503, ""},
			{"/validate", 200, ""},
			{"/validate", 200, ""},
		}},
		{"server error every 3rd", kinstatest.Options{ServerErrorEvery: 3}, []step{
			{"/validate", 200, ""},
			{"/validate", 200, ""},
			{"/validate", 500, `{"message":"Error occurred while processing your request","status":500,"data":null}`},
			{"/validate", 200, ""},
			{"/validate", 200, ""},
			{"/validate", 500, ""},
		}},
		{"malformed bandwidth", kinstatest.Options{Malformed: map[string]bool{"bandwidth": true}}, []step{
			{m(shop, "bandwidth"), 200, "!json"},
			{m(blog, "bandwidth"), 200, "!json"},
			{m(shop, "http-requests"), 200, ""},
		}},
		{"malformed cpu", kinstatest.Options{Malformed: map[string]bool{"cpu-usage": true}}, []step{
			{m(shop, "cpu-usage"), 200, "!json"},
			{m(shop, "memory-usage"), 200, ""},
		}},
		{"fail metric by name", kinstatest.Options{FailMetric: &kinstatest.FailMetric{App: "shop", Metric: "memory-usage"}}, []step{
			{m(shop, "memory-usage"), 500, `{"message":"Error occurred while retrieving application memory usage","status":500,"data":null}`},
			{m(shop, "memory-usage"), 500, ""},
			{m(shop, "cpu-usage"), 200, ""},
			{m(blog, "memory-usage"), 200, ""},
		}},
		{"fail metric by id", kinstatest.Options{FailMetric: &kinstatest.FailMetric{App: blog.ID, Metric: "bandwidth"}}, []step{
			{m(blog, "bandwidth"), 500, `{"message":"Error occurred while retrieving application bandwidth","status":500,"data":null}`},
			{m(shop, "bandwidth"), 200, ""},
		}},
		{"moved applications", kinstatest.Options{MovedApplications: true}, []step{
			{"/applications?company=" + company, 404, `{"message":"Not Found","status":404,"data":null}`},
			{"/applications/" + shop.ID, 404, ""},
			{m(shop, "bandwidth"), 404, ""},
			{"/validate", 200, ""},
			{"/company/" + company + "/users", 200, ""},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, base := serve(t, tc.opts)
			for i, st := range tc.steps {
				r := get(t, base, st.path, "k")
				if r.status != st.status {
					t.Errorf("step %d %s: status %d, want %d (%s)", i, st.path, r.status, st.status, r.body)
				}
				switch st.body {
				case "":
					if st.status == 200 && !json.Valid(r.body) {
						t.Errorf("step %d: invalid JSON %s", i, r.body)
					}
				case "!json":
					if json.Valid(r.body) {
						t.Errorf("step %d: body is valid JSON: %s", i, r.body)
					}
				default:
					if string(r.body) != st.body {
						t.Errorf("step %d: body %s, want %s", i, r.body, st.body)
					}
				}
			}
			if s.Requests() != len(tc.steps) {
				t.Errorf("Requests() = %d, want %d", s.Requests(), len(tc.steps))
			}
		})
	}
}

func TestLatencyEndsWithContext(t *testing.T) {
	t.Parallel()
	s := kinstatest.New(kinstatest.Options{Latency: time.Hour})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/v2/validate", nil)
	req.Header.Set("Authorization", "Bearer k")
	done := make(chan struct{})
	go func() {
		s.ServeHTTP(httptest.NewRecorder(), req)
		close(done)
	}()
	select {
	case <-done:
	case <-t.Context().Done():
		t.Fatal("handler did not return when the request context ended")
	}
	if s.Requests() != 1 {
		t.Errorf("Requests() = %d", s.Requests())
	}
}

func TestRequestsConcurrent(t *testing.T) {
	t.Parallel()
	s := kinstatest.New(kinstatest.Options{RateLimitPerMinute: 1000})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				req := httptest.NewRequest(http.MethodGet, "/v2/validate", nil)
				req.Header.Set("Authorization", "Bearer k")
				s.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
	wg.Wait()
	if s.Requests() != 80 {
		t.Errorf("Requests() = %d, want 80", s.Requests())
	}
}

// allPaths lists a request for every endpoint and metric variant.
func allPaths(apps []kinstatest.App) []string {
	paths := []string{"/validate", "/company/" + company + "/users", "/applications?company=" + company + "&limit=3"}
	for _, a := range apps {
		paths = append(paths, "/applications/"+a.ID)
		for _, seg := range []string{"bandwidth", "build-time", "run-time", "http-requests", "response-time", "slowest-requests", "cpu-usage", "memory-usage"} {
			paths = append(paths, metricPath(a.ID, seg, "", 24*time.Hour, weekStart, weekEnd))
		}
		paths = append(paths,
			metricPath(a.ID, "response-time", "percent=50", time.Hour, weekStart, weekEnd),
			metricPath(a.ID, "response-time", "percent=95", time.Hour, weekStart, weekEnd))
	}
	return paths
}

func TestDeterminism(t *testing.T) {
	t.Parallel()
	_, a := serve(t, kinstatest.Options{})
	_, b := serve(t, kinstatest.Options{})
	for _, p := range allPaths(kinstatest.DefaultApps()) {
		ra, rb := get(t, a, p, "one"), get(t, b, p, "two")
		if ra.status != 200 || !bytes.Equal(ra.body, rb.body) {
			t.Errorf("%s: status %d, bodies differ:\n%s\n%s", p, ra.status, ra.body, rb.body)
		}
	}
}

type point struct {
	Time  string `json:"time"`
	Value string `json:"value"`
}

// seriesOf fetches one metric and returns its points; process picks the
// process for cpu and memory.
func seriesOf(t *testing.T, base string, a kinstatest.App, metric string, interval time.Duration, start, end time.Time) []point {
	t.Helper()
	seg, extra, key, proc := "", "", "", ""
	switch {
	case metric == "bandwidth", metric == "http_requests", metric == "build_time":
		seg, key = strings.ReplaceAll(metric, "_", "-"), metric
	case metric == "response_time_avg":
		seg, key = "response-time", "response_time"
	case metric == "response_time_p50":
		seg, key, extra = "response-time", "response_time", "percent=50"
	case metric == "response_time_p95":
		seg, key, extra = "response-time", "response_time", "percent=95"
	case strings.HasPrefix(metric, "cpu_usage:"):
		seg, key, proc = "cpu-usage", "cpu_usage", strings.TrimPrefix(metric, "cpu_usage:")
	case strings.HasPrefix(metric, "memory_usage:"):
		seg, key, proc = "memory-usage", "memory_usage", strings.TrimPrefix(metric, "memory_usage:")
	default:
		t.Fatalf("unknown metric %s", metric)
	}
	r := get(t, base, metricPath(a.ID, seg, extra, interval, start, end), "k")
	if r.status != 200 {
		t.Fatalf("%s: %d %s", metric, r.status, r.body)
	}
	var body struct {
		App struct {
			Metrics   map[string]json.RawMessage
			Processes []struct {
				ProcessName string `json:"process_name"`
				Metrics     map[string]json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	raw := body.App.Metrics[key]
	for _, p := range body.App.Processes {
		if p.ProcessName == proc {
			raw = p.Metrics[key]
		}
	}
	if key == "build_time" {
		var bt []struct {
			Data []struct {
				Time  string
				Value float64
			}
		}
		if err := json.Unmarshal(raw, &bt); err != nil || len(bt) != 1 {
			t.Fatalf("build_time %s: %v", raw, err)
		}
		var pts []point
		for _, d := range bt[0].Data {
			pts = append(pts, point{d.Time, kinstatest.FormatValue(d.Value)})
		}
		return pts
	}
	var pts []point
	if err := json.Unmarshal(raw, &pts); err != nil {
		t.Fatalf("%s %s: %v", metric, raw, err)
	}
	return pts
}

func metricsOf(a kinstatest.App) []string {
	ms := []string{"bandwidth", "build_time", "http_requests", "response_time_avg", "response_time_p50", "response_time_p95"}
	for _, p := range a.ProcessKeys() {
		ms = append(ms, "cpu_usage:"+p, "memory_usage:"+p)
	}
	return ms
}

func msTime(t *testing.T, s string) time.Time {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return time.UnixMilli(n).UTC()
}

// TestBucketsFoldHourly checks the wire against Hourly computed here:
// hourly buckets equal Hourly exactly; daily ones are the sum (bandwidth,
// build time) or the mean (the rest) of the day's 24 Hourly values, added
// in time order: bit for bit.
func TestBucketsFoldHourly(t *testing.T) {
	t.Parallel()
	_, base := serve(t, kinstatest.Options{})
	for _, a := range kinstatest.DefaultApps() {
		for _, metric := range metricsOf(a) {
			t.Run(a.Name+"/"+metric, func(t *testing.T) {
				hourly := seriesOf(t, base, a, metric, time.Hour, weekStart, weekStart.Add(48*time.Hour))
				if len(hourly) != 48 {
					t.Fatalf("%d hourly points, want 48", len(hourly))
				}
				for i, p := range hourly {
					h := weekStart.Add(time.Duration(i) * time.Hour)
					if !msTime(t, p.Time).Equal(h) || p.Value != kinstatest.FormatValue(kinstatest.Hourly(a.ID, metric, h)) {
						t.Errorf("hour %d: %+v, want %v at %v", i, p, kinstatest.Hourly(a.ID, metric, h), h)
					}
				}
				daily := seriesOf(t, base, a, metric, 24*time.Hour, weekStart, weekEnd)
				if len(daily) != 7 {
					t.Fatalf("%d daily points, want 7", len(daily))
				}
				for i, p := range daily {
					day := weekStart.AddDate(0, 0, i)
					var sum float64
					for h := range 24 {
						sum += kinstatest.Hourly(a.ID, metric, day.Add(time.Duration(h)*time.Hour))
					}
					want := sum
					if metric != "bandwidth" && metric != "build_time" {
						want = sum / 24
					}
					got, err := strconv.ParseFloat(p.Value, 64)
					if err != nil || !msTime(t, p.Time).Equal(day) || got != want {
						t.Errorf("day %d: %+v, want %v at %v", i, p, want, day)
					}
				}
			})
		}
	}
}

func TestBucketAlignment(t *testing.T) {
	t.Parallel()
	_, base := serve(t, kinstatest.Options{})
	a := kinstatest.DefaultApps()[2]
	tests := []struct {
		name       string
		interval   time.Duration
		start, end time.Time
		want       []time.Time // bucket starts
		hourOf     func(time.Time) time.Time
	}{
		{"unaligned hourly start floors", time.Hour, weekStart.Add(90 * time.Minute), weekStart.Add(3 * time.Hour),
			[]time.Time{weekStart.Add(time.Hour), weekStart.Add(2 * time.Hour)}, nil},
		{"end is exclusive", time.Hour, weekStart, weekStart.Add(2 * time.Hour),
			[]time.Time{weekStart, weekStart.Add(time.Hour)}, nil},
		{"unaligned end includes partial bucket", time.Hour, weekStart, weekStart.Add(61 * time.Minute),
			[]time.Time{weekStart, weekStart.Add(time.Hour)}, nil},
		{"five minutes repeat the hour", 5 * time.Minute, weekStart.Add(50 * time.Minute), weekStart.Add(70 * time.Minute),
			[]time.Time{weekStart.Add(50 * time.Minute), weekStart.Add(55 * time.Minute), weekStart.Add(60 * time.Minute), weekStart.Add(65 * time.Minute)}, nil},
		{"daily from local midnight floors to UTC midnight", 24 * time.Hour, weekStart.Add(-time.Hour), weekStart.Add(23 * time.Hour),
			[]time.Time{weekStart.Add(-24 * time.Hour), weekStart}, nil},
		{"empty timeframe", time.Hour, weekStart, weekStart, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pts := seriesOf(t, base, a, "http_requests", tc.interval, tc.start, tc.end)
			if len(pts) != len(tc.want) {
				t.Fatalf("%d points %+v, want %v", len(pts), pts, tc.want)
			}
			for i, p := range pts {
				if !msTime(t, p.Time).Equal(tc.want[i]) {
					t.Errorf("point %d at %v, want %v", i, msTime(t, p.Time), tc.want[i])
				}
				want := kinstatest.BucketValue(a.ID, "http_requests", tc.want[i], tc.interval)
				if p.Value != kinstatest.FormatValue(want) {
					t.Errorf("point %d = %s, want %v", i, p.Value, want)
				}
				if tc.interval < time.Hour && p.Value != kinstatest.FormatValue(kinstatest.Hourly(a.ID, "http_requests", tc.want[i])) {
					t.Errorf("sub-hour point %d is not its hour's value", i)
				}
			}
		})
	}
}

// TestPatterns checks the data is plausible: ordered percentiles, bounded
// CPU and memory, busier weekday afternoons than nights and weekends, and a
// few builds a week.
func TestPatterns(t *testing.T) {
	t.Parallel()
	for _, a := range kinstatest.DefaultApps() {
		var weekday, weekend, builds, buildHours float64
		for h := weekStart; h.Before(weekEnd); h = h.Add(time.Hour) {
			avg := kinstatest.Hourly(a.ID, "response_time_avg", h)
			p50 := kinstatest.Hourly(a.ID, "response_time_p50", h)
			p95 := kinstatest.Hourly(a.ID, "response_time_p95", h)
			if !(0 < p50 && p50 < avg && avg < p95) {
				t.Fatalf("%s %v: p50 %v avg %v p95 %v", a.Name, h, p50, avg, p95)
			}
			for _, p := range a.ProcessKeys() {
				cpu := kinstatest.Hourly(a.ID, "cpu_usage:"+p, h)
				mem := kinstatest.Hourly(a.ID, "memory_usage:"+p, h)
				_, _, limit := kinstatest.Limits(a.ID, p)
				if cpu <= 0 || cpu >= 100 || mem <= 0 || mem >= float64(limit) {
					t.Fatalf("%s/%s %v: cpu %v mem %v limit %d", a.Name, p, h, cpu, mem, limit)
				}
			}
			rpm := kinstatest.Hourly(a.ID, "http_requests", h)
			if bw := kinstatest.Hourly(a.ID, "bandwidth", h); rpm <= 0 || bw < 1e5 || bw != math.Trunc(bw) {
				t.Fatalf("%s %v: rpm %v bandwidth %v", a.Name, h, rpm, bw)
			}
			if wd := h.Weekday(); wd == time.Saturday || wd == time.Sunday {
				weekend += rpm
			} else {
				weekday += rpm
			}
			if b := kinstatest.Hourly(a.ID, "build_time", h); b > 0 {
				builds++
				buildHours += b
			}
		}
		if weekday/5 <= weekend/2*1.3 {
			t.Errorf("%s: weekday traffic %v/day not above weekend %v/day", a.Name, weekday/5, weekend/2)
		}
		if builds < 3 || builds > 40 {
			t.Errorf("%s: %v builds in a week", a.Name, builds)
		}
		if math.IsNaN(kinstatest.Hourly(a.ID, "nope", weekStart)) == false {
			t.Errorf("unknown metric is not NaN")
		}
	}
}

func TestScale(t *testing.T) {
	t.Parallel()
	a := kinstatest.DefaultApps()[0]
	big := a
	big.Scale = 10
	_, base := serve(t, kinstatest.Options{Apps: []kinstatest.App{big}})
	pts := seriesOf(t, base, big, "http_requests", time.Hour, weekStart, weekStart.Add(time.Hour))
	if len(pts) != 1 || pts[0].Value != kinstatest.FormatValue(big.Hourly("http_requests", weekStart)) {
		t.Fatalf("%+v, want %v", pts, big.Hourly("http_requests", weekStart))
	}
	if r := big.Hourly("http_requests", weekStart) / a.Hourly("http_requests", weekStart); math.Abs(r-10) > 0.01 {
		t.Errorf("scale 10 gives ratio %v", r)
	}
}

func TestRunTime(t *testing.T) {
	t.Parallel()
	_, base := serve(t, kinstatest.Options{})
	for _, a := range kinstatest.DefaultApps() {
		start, end := weekStart.Add(30*time.Minute), weekEnd
		r := get(t, base, metricPath(a.ID, "run-time", "", time.Hour, start, end), "k")
		var body struct {
			App struct {
				Metrics struct {
					Runtime []struct {
						ProcessID string `json:"process_id"`
						Seconds   string
						Plan      string
						StartTime string `json:"start_time"`
						EndTime   string `json:"end_time"`
					}
				}
			}
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatal(err)
		}
		deploys := a.Deploys(start, end)
		runs := body.App.Metrics.Runtime
		if want := len(a.ProcessKeys()) * (len(deploys) + 1); len(runs) != want {
			t.Fatalf("%s: %d runs, want %d", a.Name, len(runs), want)
		}
		perProc := len(deploys) + 1
		for p := range a.ProcessKeys() {
			var total float64
			at := start
			for _, run := range runs[p*perProc : (p+1)*perProc] {
				s, err := strconv.ParseFloat(run.Seconds, 64)
				if err != nil || !msTime(t, run.StartTime).Equal(at) {
					t.Fatalf("%s: run %+v does not start at %v", a.Name, run, at)
				}
				at = msTime(t, run.EndTime)
				if at.Sub(msTime(t, run.StartTime)).Seconds() != s {
					t.Errorf("%s: run %+v seconds disagree with its times", a.Name, run)
				}
				total += s
			}
			if !at.Equal(end) || total != end.Sub(start).Seconds() {
				t.Errorf("%s process %d: runs end %v total %v, want %v and %v", a.Name, p, at, total, end, end.Sub(start).Seconds())
			}
		}
	}
}

func TestSlowestRequests(t *testing.T) {
	t.Parallel()
	_, base := serve(t, kinstatest.Options{})
	a := kinstatest.DefaultApps()[0]
	for _, tc := range []struct {
		extra string
		want  int
	}{{"", 10}, {"limit=3", 3}, {"limit=1000", 20}} {
		r := get(t, base, metricPath(a.ID, "slowest-requests", tc.extra, time.Hour, weekStart, weekEnd), "k")
		var body struct {
			App struct {
				Metrics struct {
					SlowestRequests []struct {
						Avg   float64 `json:"avg_response_time_ms"`
						Path  string  `json:"client_request_path"`
						Count float64 `json:"request_count"`
					} `json:"slowest_requests"`
				}
			}
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatal(err)
		}
		rows := body.App.Metrics.SlowestRequests
		if len(rows) != tc.want {
			t.Errorf("%q: %d rows, want %d", tc.extra, len(rows), tc.want)
		}
		for i := 1; i < len(rows); i++ {
			if rows[i].Avg > rows[i-1].Avg || rows[i].Count < 1 || !strings.HasPrefix(rows[i].Path, "/") {
				t.Errorf("%q: row %d %+v after %+v", tc.extra, i, rows[i], rows[i-1])
			}
		}
	}
}

func TestInProcessClient(t *testing.T) {
	t.Parallel()
	s := kinstatest.New(kinstatest.Options{APIKey: "k"})
	c := s.Client()
	call := func(ctx context.Context, path, key string) (*http.Response, []byte, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://kinsta.demo/v2"+path, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := c.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return res, b, err
	}
	res, b, err := call(t.Context(), "/validate", "k")
	if err != nil || res.StatusCode != 200 || !bytes.Contains(b, []byte(company)) || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("validate: %v %v %s", err, res, b)
	}
	if res, _, err := call(t.Context(), "/validate", "bad"); err != nil || res.StatusCode != 401 {
		t.Fatalf("bad key: %v %v", err, res)
	}
	// The in-process client answers exactly what the network server does.
	_, base := serve(t, kinstatest.Options{APIKey: "k"})
	p := metricPath(kinstatest.DefaultApps()[0].ID, "cpu-usage", "", time.Hour, weekStart, weekStart.Add(5*time.Hour))
	if _, b, err := call(t.Context(), p, "k"); err != nil || !bytes.Equal(b, get(t, base, p, "k").body) {
		t.Errorf("in-process body differs: %v %s", err, b)
	}

	// A context that ends during the latency ends the request.
	slow := kinstatest.New(kinstatest.Options{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://kinsta.demo/v2/validate", nil)
	if _, err := slow.Client().Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("request ending during latency: %v", err)
	}
	if slow.Requests() != 1 {
		t.Errorf("Requests() = %d", slow.Requests())
	}
}
