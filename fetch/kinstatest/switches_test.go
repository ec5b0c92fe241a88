package kinstatest_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
)

func TestTokenBucket(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: weekStart}
	_, base := serve(t, kinstatest.Options{Now: clock.now,
		TokenBucket: &kinstatest.TokenBucket{PerMinute: 120, Burst: 3, Headers: true}})
	// A full bucket of 3, then 429 until a token is back (0.5 s at 2/s).
	for i, wantRemaining := range []string{"2", "1", "0"} {
		r := get(t, base, "/validate", "k")
		if r.status != 200 || r.header.Get("x-ratelimit-remaining") != wantRemaining || r.header.Get("x-ratelimit-limit") != "120" {
			t.Fatalf("request %d: %d %v", i, r.status, r.header)
		}
	}
	r := get(t, base, "/validate", "k")
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" || r.header.Get("x-ratelimit-reset") != "2" {
		t.Fatalf("empty bucket: %d %v", r.status, r.header)
	}
	clock.add(500 * time.Millisecond)
	if r := get(t, base, "/validate", "k"); r.status != 200 {
		t.Errorf("after one refill: %d", r.status)
	}
	if r := get(t, base, "/validate", "k"); r.status != 429 {
		t.Errorf("one token refilled, two taken: %d", r.status)
	}
	// Never more than the burst, however long the wait.
	clock.add(time.Hour)
	for i := range 4 {
		r := get(t, base, "/validate", "k")
		if (i < 3) != (r.status == 200) {
			t.Errorf("after an hour, request %d: %d", i, r.status)
		}
	}

	// Without Headers: no x-ratelimit-*, still Retry-After on a 429.
	_, base = serve(t, kinstatest.Options{Now: clock.now, TokenBucket: &kinstatest.TokenBucket{PerMinute: 6}})
	if r := get(t, base, "/validate", "k"); r.status != 200 || r.header.Get("x-ratelimit-remaining") != "" {
		t.Errorf("burst default 1: %d %v", r.status, r.header)
	}
	if r := get(t, base, "/validate", "k"); r.status != 429 || r.header.Get("Retry-After") != "10" || r.header.Get("x-ratelimit-reset") != "" {
		t.Errorf("6 a minute: %d %v", r.status, r.header)
	}
}

func TestSporadic429(t *testing.T) {
	t.Parallel()
	sim, base := serve(t, kinstatest.Options{Sporadic429Every: 3, Sporadic429RetryAfter: 2500 * time.Millisecond})
	var got []int
	for range 9 {
		r := get(t, base, "/validate", "k")
		got = append(got, r.status)
		if r.status == 429 && r.header.Get("Retry-After") != "3" {
			t.Errorf("Retry-After %q, want 3", r.header.Get("Retry-After"))
		}
	}
	if want := []int{200, 200, 429, 200, 200, 429, 200, 200, 429}; !equalInts(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	if sim.Requests() != 9 {
		t.Errorf("%d requests", sim.Requests())
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPageCap(t *testing.T) {
	t.Parallel()
	_, base := serve(t, kinstatest.Options{Apps: kinstatest.ManyApps(40), PageCap: 10})
	var body struct {
		Company struct {
			Apps struct{ Items []struct{ ID string } }
		}
	}
	r := get(t, base, "/applications?company="+company+"&limit=100&offset=35", "k")
	if err := json.Unmarshal(r.body, &body); err != nil || len(body.Company.Apps.Items) != 5 {
		t.Fatalf("offset 35: %v %s", err, r.body)
	}
	r = get(t, base, "/applications?company="+company+"&limit=100&offset=0", "k")
	if err := json.Unmarshal(r.body, &body); err != nil || len(body.Company.Apps.Items) != 10 {
		t.Fatalf("limit 100 capped at 10: %v %d items", err, len(body.Company.Apps.Items))
	}
}

// Every series repeats each timestamp, the true value last; build-time has
// a second resource type of zeros.
func TestRepeatTimestamps(t *testing.T) {
	t.Parallel()
	_, base := serve(t, kinstatest.Options{RepeatTimestamps: true})
	a := kinstatest.DefaultApps()[0]
	end := weekStart.Add(6 * time.Hour)
	for _, m := range metricsOf(a) {
		if m == "build_time" {
			continue
		}
		pts := seriesOf(t, base, a, m, time.Hour, weekStart, end)
		if len(pts) != 12 {
			t.Fatalf("%s: %d points, want 12", m, len(pts))
		}
		for i := 0; i < len(pts); i += 2 {
			at := msTime(t, pts[i].Time)
			want := kinstatest.FormatValue(a.Bucket(m, at, time.Hour))
			if pts[i].Time != pts[i+1].Time || pts[i+1].Value != want || pts[i].Value == want {
				t.Fatalf("%s %v: %v then %v, want a stale value then %s", m, at, pts[i], pts[i+1], want)
			}
		}
	}
	r := get(t, base, metricPath(a.ID, "build-time", "", time.Hour, weekStart, end), "k")
	var body struct {
		App struct {
			Metrics struct {
				BuildTime []struct {
					ResourceType string `json:"resource_type"`
					Data         []struct {
						Time  string
						Value float64
					}
				} `json:"build_time"`
			}
		}
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	bt := body.App.Metrics.BuildTime
	if len(bt) != 2 || len(bt[0].Data) != 12 || len(bt[1].Data) != 12 {
		t.Fatalf("build_time %s", r.body)
	}
	for i := 1; i < 12; i += 2 {
		at := msTime(t, bt[0].Data[i].Time)
		if bt[0].Data[i].Value != a.Bucket("build_time", at, time.Hour) || bt[0].Data[i-1].Time != bt[0].Data[i].Time ||
			bt[1].Data[i].Value != 0 || bt[1].Data[i-1].Value != 1 {
			t.Fatalf("build_time point %d: %+v / %+v", i, bt[0].Data[i-1:i+1], bt[1].Data[i-1:i+1])
		}
	}
}

// Dropped connections: a real server closes the connection; the in-process
// transport fails with a reset.
func TestDropConnections(t *testing.T) {
	t.Parallel()
	sim, base := serve(t, kinstatest.Options{DropConnections: 1})
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}} // no transparent retry on a reused connection
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/validate", nil)
	req.Header.Set("Authorization", "Bearer k")
	if resp, err := c.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("first request answered %d", resp.StatusCode)
	}
	if r := get(t, base, "/validate", "k"); r.status != 200 {
		t.Errorf("second request: %d", r.status)
	}
	if sim.Requests() != 2 {
		t.Errorf("%d requests", sim.Requests())
	}

	sim = kinstatest.New(kinstatest.Options{DropConnections: 2})
	hc := sim.Client()
	for i := range 3 {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://kinsta.demo/v2/validate", nil)
		req.Header.Set("Authorization", "Bearer k")
		resp, err := hc.Do(req)
		if i < 2 {
			if !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("in-process request %d: %v, want a reset", i, err)
			}
			continue
		}
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("in-process request 3: %v", err)
		}
		resp.Body.Close()
	}
}

// OutsideWindow serves the bucket before the first asked and the bucket at
// timeframe_end.
func TestOutsideWindow(t *testing.T) {
	t.Parallel()
	_, base := serve(t, kinstatest.Options{OutsideWindow: true})
	a := kinstatest.DefaultApps()[0]
	for _, m := range metricsOf(a) {
		pts := seriesOf(t, base, a, m, time.Hour, weekStart, weekStart.Add(3*time.Hour))
		var times []time.Time
		for _, p := range pts {
			at := msTime(t, p.Time)
			times = append(times, at)
			if p.Value != kinstatest.FormatValue(a.Bucket(m, at, time.Hour)) {
				t.Errorf("%s %v = %s", m, at, p.Value)
			}
		}
		if len(times) != 5 || !times[0].Equal(weekStart.Add(-time.Hour)) || !times[4].Equal(weekStart.Add(3*time.Hour)) {
			t.Errorf("%s: buckets %v, want one before the start and one at the end", m, times)
		}
	}
}

// Retention: nothing older than the cut-off; the shape stays, 200.
func TestRetention(t *testing.T) {
	t.Parallel()
	now := weekStart.AddDate(0, 0, 30).Add(2 * time.Hour) // the cut-off is weekStart + 2h
	_, base := serve(t, kinstatest.Options{RetentionDays: kinstatest.DefaultRetentionDays, Now: func() time.Time { return now }})
	a := kinstatest.DefaultApps()[0]
	for _, m := range metricsOf(a) {
		pts := seriesOf(t, base, a, m, time.Hour, weekStart, weekStart.Add(5*time.Hour))
		if len(pts) != 3 || !msTime(t, pts[0].Time).Equal(weekStart.Add(2*time.Hour)) {
			t.Errorf("%s: %v, want the 3 buckets from the cut-off", m, pts)
		}
		if pts := seriesOf(t, base, a, m, time.Hour, weekStart.AddDate(0, 0, -7), weekStart); len(pts) != 0 {
			t.Errorf("%s beyond retention: %d points, want none", m, len(pts))
		}
	}
	r := get(t, base, metricPath(a.ID, "run-time", "", time.Hour, weekStart, weekStart.Add(5*time.Hour)), "k")
	if r.status != 200 || strings.Contains(string(r.body), `"start_time":"`+msString(weekStart)+`"`) {
		t.Errorf("run-time %d %s", r.status, r.body)
	}
	if !strings.Contains(string(r.body), `"start_time":"`+msString(weekStart.Add(2*time.Hour))+`"`) {
		t.Errorf("run-time not clipped to the cut-off: %s", r.body)
	}
	for _, seg := range []string{"run-time", "slowest-requests"} {
		r := get(t, base, metricPath(a.ID, seg, "", time.Hour, weekStart.AddDate(0, 0, -7), weekStart), "k")
		if r.status != 200 || !strings.Contains(string(r.body), `:[]`) {
			t.Errorf("%s beyond retention: %d %s", seg, r.status, r.body)
		}
	}
}

func msString(t time.Time) string {
	b, _ := json.Marshal(t.UnixMilli())
	return string(b)
}
