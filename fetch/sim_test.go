package fetch

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
	"github.com/kinsta-report/kinsta-report/report"
)

// simClient serves a simulated API on loopback and returns a client of its
// /v2 with a fake clock (shared with the simulator's rate limiter).
func simClient(t *testing.T, o kinstatest.Options, opts ...Option) (*Client, *kinstatest.Server, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	if o.Now == nil {
		o.Now = clk.Now
	}
	if o.APIKey == "" {
		o.APIKey = testKey
	}
	sim := kinstatest.New(o)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return clientOf(t, srv, clk, opts...), sim, clk
}

var simRange = Range{
	Start:    time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC),
	End:      time.Date(2026, 11, 18, 0, 0, 0, 0, time.UTC),
	Interval: time.Hour,
}

func TestSimulatedDirectory(t *testing.T) {
	t.Parallel()
	c, sim, _ := simClient(t, kinstatest.Options{Apps: kinstatest.ManyApps(230)})
	ctx := t.Context()
	v, err := c.Validate(ctx)
	if err != nil || v.Company != sim.CompanyID() || v.ExpiresAt.IsZero() {
		t.Fatalf("validate %+v, %v", v, err)
	}
	apps, err := c.Applications(ctx, v.Company)
	if err != nil {
		t.Fatal(err)
	}
	want := sim.Apps()
	if len(apps) != len(want) {
		t.Fatalf("%d apps, want %d", len(apps), len(want))
	}
	byID := map[string]Application{}
	for _, a := range apps {
		byID[a.ID] = a
	}
	for _, w := range want {
		if a := byID[w.ID]; a.Name != w.Name || a.DisplayName != w.DisplayName || a.Status == "" {
			t.Errorf("app %s = %+v, want %+v", w.ID, a, w)
		}
	}
	one, err := c.Application(ctx, want[7].ID)
	if err != nil || one.ID != want[7].ID || one.Name != want[7].Name {
		t.Errorf("application %+v, %v", one, err)
	}
	users, err := c.Users(ctx, v.Company)
	if err != nil {
		t.Fatal(err)
	}
	du := kinstatest.DefaultUsers()
	if len(users) != len(du) {
		t.Fatalf("%d users, want %d", len(users), len(du))
	}
	for i, u := range du {
		if users[i] != (report.User{ID: u.ID, FullName: u.FullName, Email: u.Email, Image: u.Image}) {
			t.Errorf("user %d = %+v, want %+v", i, users[i], u)
		}
	}
	if _, err := c.Users(ctx, "00000000-0000-4000-8000-000000000000"); !errors.Is(err, ErrNotFound) {
		t.Errorf("users of another company: %v", err)
	}
	if _, err := c.Application(ctx, "00000000-0000-4000-8000-000000000000"); !errors.Is(err, ErrNotFound) || errors.Is(err, ErrMoved) {
		t.Errorf("unknown application: %v", err)
	}
}

// Every metric of every default app matches the simulator's own figures
// bit for bit, hourly and daily.
func TestSimulatedMetrics(t *testing.T) {
	t.Parallel()
	c, sim, _ := simClient(t, kinstatest.Options{})
	ctx := t.Context()
	daily := Range{Start: simRange.Start, End: simRange.Start.AddDate(0, 0, 7), Interval: 24 * time.Hour}
	for _, r := range []Range{simRange, daily} {
		for _, app := range sim.Apps() {
			for _, key := range report.AllMetrics() {
				m, err := c.Metric(ctx, app.ID, key, r, 4)
				if err != nil {
					t.Fatalf("%s %s: %v", app.Name, key, err)
				}
				info, _ := report.Info(key)
				nBuckets := int(r.End.Sub(r.Start) / r.Interval)
				switch info.Kind {
				case report.KindSeries:
					if len(m.Points) != nBuckets {
						t.Fatalf("%s %s: %d points, want %d", app.Name, key, len(m.Points), nBuckets)
					}
					for i, p := range m.Points {
						want := r.Start.Add(time.Duration(i) * r.Interval)
						if !p.Time.Equal(want) || p.Time.Location() != time.UTC || p.Value != app.Bucket(string(key), want, r.Interval) {
							t.Fatalf("%s %s[%d] = %v %v, want %v %v", app.Name, key, i, p.Time, p.Value, want, app.Bucket(string(key), want, r.Interval))
						}
					}
				case report.KindProcesses:
					var names []string
					for _, pr := range m.Processes {
						names = append(names, pr.Name)
						_, cpuLimit, memLimit := kinstatest.Limits(app.ID, pr.Name)
						limit := float64(cpuLimit)
						if key == report.MemoryUsage {
							limit = float64(memLimit)
						}
						if pr.Limit != limit || len(pr.Points) != nBuckets {
							t.Fatalf("%s %s %s: limit %v (want %v), %d points", app.Name, key, pr.Name, pr.Limit, limit, len(pr.Points))
						}
						for i, p := range pr.Points {
							want := app.Bucket(string(key)+":"+pr.Name, p.Time, r.Interval)
							if p.Value != want {
								t.Fatalf("%s %s %s[%d] = %v, want %v", app.Name, key, pr.Name, i, p.Value, want)
							}
						}
					}
					sort.Strings(names)
					wantNames := app.ProcessKeys()
					sort.Strings(wantNames)
					if !reflect.DeepEqual(names, wantNames) {
						t.Errorf("%s %s: processes %v, want %v", app.Name, key, names, wantNames)
					}
				case report.KindRuns:
					// Runs split at deploys; together they cover the
					// timeframe once per process.
					var total float64
					for _, run := range m.Runs {
						total += run.Seconds
						if run.Start.Before(r.Start) || run.End.After(r.End) || run.Plan == "" || run.ProcessID == "" {
							t.Fatalf("%s run %+v outside %v", app.Name, run, r)
						}
					}
					if want := r.End.Sub(r.Start).Seconds() * float64(len(app.ProcessKeys())); total != want {
						t.Errorf("%s runs add up to %vs, want %vs", app.Name, total, want)
					}
				case report.KindRows:
					if len(m.Rows) == 0 || len(m.Rows) > 4 {
						t.Errorf("%s slowest: %d rows for limit 4", app.Name, len(m.Rows))
					}
					for i := 1; i < len(m.Rows); i++ {
						if m.Rows[i].AvgResponseTimeMS > m.Rows[i-1].AvgResponseTimeMS {
							t.Errorf("%s slowest not slowest first: %+v", app.Name, m.Rows)
						}
					}
				}
			}
		}
	}
	if st := c.Stats(); st.Retries != 0 || st.RateLimited != 0 {
		t.Errorf("stats %+v on a healthy server", st)
	}
}

func TestSimulatedFaults(t *testing.T) {
	t.Parallel()
	apps := kinstatest.DefaultApps()
	shop := apps[0]
	tests := []struct {
		name    string
		o       kinstatest.Options
		opts    []Option
		call    func(*Client) error
		want    error // nil: success
		retries int   // at least
	}{
		{name: "5xx burst is retried away", o: kinstatest.Options{FailFirst: 3},
			call: func(c *Client) error { _, err := c.Bandwidth(t.Context(), shop.ID, simRange); return err }, retries: 3},
		{name: "every 2nd request fails", o: kinstatest.Options{ServerErrorEvery: 2},
			call: func(c *Client) error {
				for range 4 {
					if _, err := c.CPUUsage(t.Context(), shop.ID, simRange); err != nil {
						return err
					}
				}
				return nil
			}, retries: 3},
		{name: "burst longer than the retries", o: kinstatest.Options{FailFirst: 10}, opts: []Option{WithMaxRetries(2)},
			call: func(c *Client) error { _, err := c.Validate(t.Context()); return err }, want: ErrServer, retries: 2},
		{name: "malformed body", o: kinstatest.Options{Malformed: map[string]bool{"memory-usage": true}},
			call: func(c *Client) error { _, err := c.MemoryUsage(t.Context(), shop.ID, simRange); return err }, want: ErrBadResponse},
		{name: "failing metric", o: kinstatest.Options{FailMetric: &kinstatest.FailMetric{App: shop.Name, Metric: "run-time"}},
			call: func(c *Client) error { _, err := c.RunTime(t.Context(), shop.ID, simRange); return err }, want: ErrServer, retries: 4},
		{name: "failing metric spares the other apps", o: kinstatest.Options{FailMetric: &kinstatest.FailMetric{App: shop.Name, Metric: "run-time"}},
			call: func(c *Client) error { _, err := c.RunTime(t.Context(), apps[1].ID, simRange); return err }},
		{name: "wrong key", o: kinstatest.Options{APIKey: "another-key-entirely"},
			call: func(c *Client) error { _, err := c.Validate(t.Context()); return err }, want: ErrUnauthorized},
		{name: "unknown app", call: func(c *Client) error {
			_, err := c.HTTPRequests(t.Context(), "00000000-0000-4000-8000-000000000000", simRange)
			return err
		}, want: ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _, _ := simClient(t, tc.o, tc.opts...)
			err := tc.call(c)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if st := c.Stats(); st.Retries < tc.retries {
				t.Errorf("stats %+v, want at least %d retries", st, tc.retries)
			}
		})
	}
}

// The simulator's retired-host mode behind Kinsta's host name gives the
// Sevalla hint.
func TestSimulatedMovedHost(t *testing.T) {
	t.Parallel()
	sim := kinstatest.New(kinstatest.Options{MovedApplications: true})
	c, err := NewClient(testKey, WithHTTPClient(sim.Client()), WithSleep(newFakeClock().Sleep))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Applications(t.Context(), kinstatest.DefaultCompanyID)
	if !errors.Is(err, ErrMoved) || !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrMoved", err)
	}
	if _, err := c.Validate(t.Context()); err != nil {
		t.Errorf("validate is not an application endpoint: %v", err)
	}
}

// Against a 5-a-minute limit the client reads x-ratelimit-remaining and
// waits for the reset instead of drawing 429s; with more in flight than the
// window has left, the 429s it does get pause everyone and nothing is lost.
func TestSimulatedRateLimit(t *testing.T) {
	t.Parallel()
	for _, conc := range []int{1, 4} {
		c, sim, clk := simClient(t, kinstatest.Options{RateLimitPerMinute: 5}, WithConcurrency(conc), WithMaxRetries(8))
		app := sim.Apps()[0]
		var wg sync.WaitGroup
		errs := make([]error, 12)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = c.HTTPRequests(t.Context(), app.ID, simRange)
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("concurrency %d: request %d: %v", conc, i, err)
			}
		}
		st := c.Stats()
		t.Logf("concurrency %d: %+v, fake clock moved %v", conc, st, clk.Now().Sub(t0))
		if conc == 1 && st.RateLimited != 0 {
			t.Errorf("concurrency 1: %d 429s, want none (stats %+v)", st.RateLimited, st)
		}
		if st.Wait < 2*time.Minute || clk.Now().Sub(t0) < 2*time.Minute {
			t.Errorf("concurrency %d: waited %v for 12 requests at 5 a minute", conc, st.Wait)
		}
		if st.Requests != 12+st.RateLimited || sim.Requests() != st.Requests {
			t.Errorf("concurrency %d: stats %+v, server saw %d", conc, st, sim.Requests())
		}
	}
}

var _ http.Handler = (*kinstatest.Server)(nil)

// A server that caps limit at 10 without saying so still yields all 40
// apps, one request per page plus the empty one.
func TestSimulatedPageCap(t *testing.T) {
	t.Parallel()
	c, sim, _ := simClient(t, kinstatest.Options{Apps: kinstatest.ManyApps(40), PageCap: 10})
	apps, err := c.Applications(t.Context(), sim.CompanyID())
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 40 {
		t.Fatalf("%d apps, want 40", len(apps))
	}
	for i, a := range sim.Apps() {
		if apps[i].ID != a.ID {
			t.Fatalf("apps[%d] = %s, want %s", i, apps[i].ID, a.ID)
		}
	}
	if sim.Requests() != 5 {
		t.Errorf("%d requests, want 5 (4 pages and the empty one)", sim.Requests())
	}
}

// A connection dropped twice, then answered, yields the data: over
// loopback (the server closes the connection) and in-process (a reset).
func TestSimulatedDroppedConnections(t *testing.T) {
	t.Parallel()
	app := kinstatest.DefaultApps()[0]
	want := app.Bucket(string(report.Bandwidth), simRange.Start, time.Hour)
	check := func(t *testing.T, c *Client, sim *kinstatest.Server) {
		t.Helper()
		pts, err := c.Bandwidth(t.Context(), app.ID, simRange)
		if err != nil {
			t.Fatal(err)
		}
		if len(pts) != 48 || pts[0].Value != want {
			t.Fatalf("%d points, first %v, want 48 from %v", len(pts), pts, want)
		}
		if sim.Requests() != 3 {
			t.Errorf("the server saw %d requests, want 3", sim.Requests())
		}
	}
	t.Run("loopback", func(t *testing.T) {
		t.Parallel()
		clk := newFakeClock()
		sim := kinstatest.New(kinstatest.Options{APIKey: testKey, DropConnections: 2, Now: clk.Now})
		srv := httptest.NewServer(sim)
		t.Cleanup(srv.Close)
		c := clientOf(t, srv, clk)
		check(t, c, sim)
		if st := c.Stats(); st.Retries < 1 {
			// Go's transport may replay a GET once on a reused
			// connection; the client retries the rest.
			t.Errorf("stats %+v, want a retry", st)
		}
	})
	t.Run("in-process", func(t *testing.T) {
		t.Parallel()
		clk := newFakeClock()
		sim := kinstatest.New(kinstatest.Options{APIKey: testKey, DropConnections: 2, Now: clk.Now})
		c, err := NewClient(testKey, WithHTTPClient(sim.Client()), WithBaseURL("http://kinsta.demo/v2"),
			WithSleep(clk.Sleep), WithClock(clk.Now), WithJitter(func() float64 { return 0.5 }))
		if err != nil {
			t.Fatal(err)
		}
		check(t, c, sim)
		if st := c.Stats(); st.Retries != 2 || st.Requests != 3 {
			t.Errorf("stats %+v, want 2 retries", st)
		}
		if got := clk.Sleeps(); !equalDurations(got, []time.Duration{375 * time.Millisecond, 750 * time.Millisecond}) {
			t.Errorf("backoff %v", got)
		}
	})
}

// With every timestamp repeated (a stale value first), build-time keeps the
// last value per resource type and sums the types; the other series keep
// the last value once normalized, as the report does.
func TestSimulatedRepeatedTimestamps(t *testing.T) {
	t.Parallel()
	c, sim, _ := simClient(t, kinstatest.Options{RepeatTimestamps: true})
	for _, app := range sim.Apps() {
		for _, key := range []report.MetricKey{report.BuildTime, report.Bandwidth, report.HTTPRequests, report.ResponseTimeP95} {
			m, err := c.Metric(t.Context(), app.ID, key, simRange, 0)
			if err != nil {
				t.Fatal(err)
			}
			pts := m.Points
			if key != report.BuildTime {
				pts = report.Normalize(pts)
			}
			if len(pts) != 48 {
				t.Fatalf("%s %s: %d points, want 48", app.Name, key, len(pts))
			}
			for i, p := range pts {
				if w := app.Bucket(string(key), p.Time, time.Hour); p.Value != w {
					t.Fatalf("%s %s[%d] = %v, want the last value %v", app.Name, key, i, p.Value, w)
				}
			}
		}
	}
}
