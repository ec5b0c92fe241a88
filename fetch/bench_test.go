package fetch

import (
	"context"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
	"github.com/kinsta-report/kinsta-report/report"
)

// The benchmarks: a full fetch plan (validate, list, then 40 apps x
// every metric, one period) against the simulated API on loopback with
// 50 ms of latency and 4 requests in flight, in real time:
//
//	go test -run '^$' -bench BenchmarkFetchPlan -benchtime 1x ./fetch/
//
// The client is never told the limit (no WithRate): it must find it.
//
//	no-limit         speedup = one-at-a-time wall / concurrent wall (aim >= 3.5)
//	bucket600        token bucket 600/min, burst 10, no x-ratelimit-*:
//	                 of-bound = wall / (requests / rate) (aim <= 1.10),
//	                 429-share = 429s / requests (aim <= 0.05)
//	window400-headers  Sevalla's documented limit: 400 a minute, with
//	                 x-ratelimit-* (aim: of-bound <= 1.10, no 429)
//	bucket400-headers  the harsher reading: a token bucket of 400/min,
//	                 burst 10, with x-ratelimit-* (remaining: whole tokens,
//	                 reset: seconds until full); reported, no aim
//	sporadic15       no limit, 1 request in 15 answered 429 + Retry-After: 1:
//	                 of-clean = wall / the no-fault wall (aim <= 1.4)
//
// Every case reports figures-present (metrics fetched / metrics planned;
// aim 1) and requests/op.
const (
	benchApps    = 40
	benchLatency = 50 * time.Millisecond
)

var benchRange = Range{
	Start:    time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC),
	End:      time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
	Interval: time.Hour,
}

// fetchPlan runs the plan; with parallel false it goes one request at a
// time. It returns the metrics that could not be fetched and the number of
// metrics and of requests planned.
func fetchPlan(ctx context.Context, c *Client, parallel bool) (lost, metrics, planned int, err error) {
	v, err := c.Validate(ctx)
	if err != nil {
		return 0, 0, 0, err
	}
	apps, err := c.Applications(ctx, v.Company)
	if err != nil {
		return 0, 0, 0, err
	}
	keys := report.AllMetrics()
	metrics = len(apps) * len(keys)
	planned = 3 + metrics // validate, two pages (the second empty), metrics
	var nLost atomic.Int64
	var wg sync.WaitGroup
	for _, a := range apps {
		for _, k := range keys {
			one := func() {
				m, err := c.Metric(ctx, a.ID, k, benchRange, 10)
				if err != nil || (len(m.Points) == 0 && len(m.Processes) == 0 && len(m.Runs) == 0 && len(m.Rows) == 0) {
					nLost.Add(1)
				}
			}
			if parallel {
				wg.Go(one)
			} else {
				one()
			}
		}
	}
	wg.Wait()
	return int(nLost.Load()), metrics, planned, nil
}

type planRun struct {
	wall           time.Duration
	stats          report.APIStats
	lost, metrics  int
	planned        int
	serverRequests int
}

// runOnce runs the plan against a fresh simulated API.
func runOnce(b *testing.B, o kinstatest.Options, concurrency int, parallel bool) planRun {
	b.Helper()
	o.Apps = kinstatest.ManyApps(benchApps)
	o.Latency = benchLatency
	sim := kinstatest.New(o)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := NewClient("bench-key", WithBaseURL(srv.URL+"/v2"), WithConcurrency(concurrency))
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	lost, metrics, planned, err := fetchPlan(b.Context(), c, parallel)
	wall := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	return planRun{wall: wall, stats: c.Stats(), lost: lost, metrics: metrics, planned: planned, serverRequests: sim.Requests()}
}

// measure runs the plan b.N times (use -benchtime 1x) and returns the mean.
func measure(b *testing.B, o kinstatest.Options, concurrency int, parallel bool) planRun {
	b.Helper()
	var sum planRun
	n := 0
	for b.Loop() {
		r := runOnce(b, o, concurrency, parallel)
		sum.wall += r.wall
		sum.stats.Requests += r.stats.Requests
		sum.stats.RateLimited += r.stats.RateLimited
		sum.lost += r.lost
		sum.metrics, sum.planned = r.metrics, r.planned
		n++
	}
	n = max(n, 1)
	sum.wall /= time.Duration(n)
	sum.stats.Requests /= n
	sum.stats.RateLimited /= n
	sum.lost /= n
	return sum
}

func reportRun(b *testing.B, r planRun) {
	b.ReportMetric(r.wall.Seconds(), "wall-s/op")
	b.ReportMetric(float64(r.stats.Requests), "requests/op")
	b.ReportMetric(float64(r.stats.RateLimited), "429s/op")
	b.ReportMetric(float64(r.stats.RateLimited)/float64(max(r.stats.Requests, 1)), "429-share")
	b.ReportMetric(float64(r.metrics-r.lost)/float64(max(r.metrics, 1)), "figures-present")
}

// ofBound reports wall / (requests / rate).
func ofBound(b *testing.B, r planRun, perMinute float64) {
	bound := time.Duration(float64(r.stats.Requests-r.stats.RateLimited) / perMinute * float64(time.Minute))
	b.ReportMetric(bound.Seconds(), "bound-s")
	b.ReportMetric(r.wall.Seconds()/bound.Seconds(), "of-bound")
}

func BenchmarkFetchPlan(b *testing.B) {
	b.Run("no-limit", func(b *testing.B) {
		serial := runOnce(b, kinstatest.Options{}, 1, false)
		r := measure(b, kinstatest.Options{}, defaultConcurrency, true)
		reportRun(b, r)
		b.ReportMetric(serial.wall.Seconds(), "one-at-a-time-s")
		b.ReportMetric(serial.wall.Seconds()/r.wall.Seconds(), "speedup")
	})
	b.Run("bucket600", func(b *testing.B) {
		r := measure(b, kinstatest.Options{TokenBucket: &kinstatest.TokenBucket{PerMinute: 600, Burst: 10}}, defaultConcurrency, true)
		reportRun(b, r)
		ofBound(b, r, 600)
	})
	b.Run("window400-headers", func(b *testing.B) {
		r := measure(b, kinstatest.Options{RateLimitPerMinute: 400}, defaultConcurrency, true)
		reportRun(b, r)
		ofBound(b, r, 400)
	})
	b.Run("bucket400-headers", func(b *testing.B) {
		r := measure(b, kinstatest.Options{TokenBucket: &kinstatest.TokenBucket{PerMinute: 400, Burst: 10, Headers: true}}, defaultConcurrency, true)
		reportRun(b, r)
		ofBound(b, r, 400)
	})
	b.Run("sporadic15", func(b *testing.B) {
		clean := runOnce(b, kinstatest.Options{}, defaultConcurrency, true)
		r := measure(b, kinstatest.Options{Sporadic429Every: 15}, defaultConcurrency, true)
		reportRun(b, r)
		b.ReportMetric(clean.wall.Seconds(), "no-fault-s")
		b.ReportMetric(r.wall.Seconds()/clean.wall.Seconds(), "of-clean")
	})
}
