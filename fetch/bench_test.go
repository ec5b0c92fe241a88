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

// The benchmark: a full fetch plan (validate, list, then 40 apps x
// every metric) against the simulated API with 50 ms of latency.
//
//	go test -run '^$' -bench BenchmarkFetchPlan -benchtime 1x ./fetch/
//
// unlimited/one-at-a-time is the baseline; unlimited/concurrent reports
// speedup (baseline wall time / its own; the issue aims for >= 3.5).
// limit600 puts a 600-a-minute limit on the server and the client and
// reports of-bound (wall time / (requests / rate); aim <= 1.15), with the
// 429s and the metrics lost (aim 0).
const (
	benchApps    = 40
	benchLatency = 50 * time.Millisecond
	benchRate    = 600 // requests a minute
)

var benchRange = Range{
	Start:    time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC),
	End:      time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
	Interval: time.Hour,
}

// fetchPlan runs the plan; with parallel false it goes one request at a
// time. It returns the metrics that could not be fetched and the number of
// requests planned.
func fetchPlan(ctx context.Context, c *Client, parallel bool) (lost, planned int, err error) {
	v, err := c.Validate(ctx)
	if err != nil {
		return 0, 2, err
	}
	apps, err := c.Applications(ctx, v.Company)
	if err != nil {
		return 0, 2, err
	}
	keys := report.AllMetrics()
	planned = 2 + len(apps)*len(keys)
	var nLost atomic.Int64
	var wg sync.WaitGroup
	for _, a := range apps {
		for _, k := range keys {
			one := func() {
				if _, err := c.Metric(ctx, a.ID, k, benchRange, 10); err != nil {
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
	return int(nLost.Load()), planned, nil
}

type benchCase struct {
	concurrency int
	parallel    bool
	limit       int // server and client requests a minute; 0 = none
}

// runPlan runs the plan b.N times, each against a fresh server (the rate
// window starts anew), and returns the mean wall time of one plan.
func runPlan(b *testing.B, bc benchCase) (time.Duration, report.APIStats, int, int) {
	b.Helper()
	var wall time.Duration
	var stats report.APIStats
	var lost, planned int
	for b.Loop() {
		b.StopTimer()
		sim := kinstatest.New(kinstatest.Options{
			Apps:               kinstatest.ManyApps(benchApps),
			Latency:            benchLatency,
			RateLimitPerMinute: bc.limit,
		})
		srv := httptest.NewServer(sim)
		c, err := NewClient("bench-key", WithBaseURL(srv.URL+"/v2"), WithConcurrency(bc.concurrency), WithRate(float64(bc.limit)))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		before := b.Elapsed()
		l, p, err := fetchPlan(b.Context(), c, bc.parallel)
		wall += b.Elapsed() - before
		b.StopTimer()
		srv.Close()
		if err != nil {
			b.Fatal(err)
		}
		st := c.Stats()
		stats.Requests += st.Requests
		stats.Retries += st.Retries
		stats.RateLimited += st.RateLimited
		stats.Wait += st.Wait
		lost += l
		planned = p
		b.StartTimer()
	}
	n := time.Duration(max(b.N, 1))
	return wall / n, stats, lost, planned
}

func BenchmarkFetchPlan(b *testing.B) {
	var serial time.Duration
	b.Run("unlimited/one-at-a-time", func(b *testing.B) {
		d, st, lost, _ := runPlan(b, benchCase{concurrency: 1})
		serial = d
		b.ReportMetric(d.Seconds(), "wall-s/op")
		b.ReportMetric(float64(lost), "lost")
		b.ReportMetric(float64(st.Requests)/float64(b.N), "requests/op")
	})
	b.Run("unlimited/concurrent", func(b *testing.B) {
		d, st, lost, _ := runPlan(b, benchCase{concurrency: defaultConcurrency, parallel: true})
		b.ReportMetric(d.Seconds(), "wall-s/op")
		b.ReportMetric(float64(lost), "lost")
		b.ReportMetric(float64(st.Requests)/float64(b.N), "requests/op")
		if serial > 0 {
			b.ReportMetric(serial.Seconds()/d.Seconds(), "speedup")
		}
	})
	b.Run("limit600/concurrent", func(b *testing.B) {
		d, st, lost, planned := runPlan(b, benchCase{concurrency: defaultConcurrency, parallel: true, limit: benchRate})
		bound := time.Duration(float64(planned) / benchRate * float64(time.Minute))
		b.ReportMetric(d.Seconds(), "wall-s/op")
		b.ReportMetric(bound.Seconds(), "bound-s")
		b.ReportMetric(d.Seconds()/bound.Seconds(), "of-bound")
		b.ReportMetric(float64(st.RateLimited)/float64(b.N), "429s/op")
		b.ReportMetric(float64(lost), "lost")
		b.ReportMetric(float64(st.Requests)/float64(b.N), "requests/op")
	})
}
