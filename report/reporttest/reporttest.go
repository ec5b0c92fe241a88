// Package reporttest builds deterministic report models for the renderers'
// tests and benchmarks, with no network and no clock.
package reporttest

import (
	"fmt"
	"math"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// Hostile names that must show literally in every output.
var Hostile = []string{
	`</script><script>document.body.setAttribute("data-pwned","1")</script>`,
	`__f__(function(){document.body.setAttribute("data-pwned","2")})()__f__`,
	`<img src=x onerror="document.body.setAttribute('data-pwned','3')">`,
	`=HYPERLINK("http://x","y")`,
	`+1+1`,
	`@SUM(1)`,
}

// Options shape the model.
type Options struct {
	Apps     int           // number of apps (default 3)
	Days     int           // days per period (default 7)
	Interval time.Duration // bucket size (default 24h)
	Location *time.Location
	// Start is the first instant of the period (default 2026-11-16 local midnight).
	Start time.Time
	// HostileNames gives the first apps hostile display names and request paths.
	HostileNames bool
	// MissingMetric, when set, is left out of the first app and listed in its Missing.
	MissingMetric report.MetricKey
	// WithPrevious adds a previous period with figures to compare against.
	WithPrevious bool
	// WithAlerts adds an alert on the first app.
	WithAlerts bool
}

// Build returns a finalized report; equal options give an equal report.
func Build(o Options) report.Report {
	if o.Apps == 0 {
		o.Apps = 3
	}
	if o.Days == 0 {
		o.Days = 7
	}
	if o.Interval == 0 {
		o.Interval = 24 * time.Hour
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 11, 16, 0, 0, 0, 0, o.Location)
	}
	end := o.Start.AddDate(0, 0, o.Days)
	r := report.Report{
		Name:        "weekly-ops",
		GeneratedAt: end.Add(6 * time.Hour),
		Location:    o.Location,
		CompanyID:   "54fb80af-576c-4fdc-ba4f-b596c83f15a1",
		Metrics:     report.AllMetrics(),
		API:         report.APIStats{Requests: 42, Retries: 2, RateLimited: 1, Wait: 1500 * time.Millisecond},
		Users: []report.User{
			{ID: "u1", FullName: "Ada Lovelace", Email: "ada@example.com", Image: "https://www.gravatar.com/avatar/205e460b479e2e5b48aec07710c08d50"},
			{ID: "u2", FullName: "Grace Hopper", Email: "grace@example.com", Image: "https://www.gravatar.com/avatar/0bc83cb571cd1c50ba6f3e8a78ef1346"},
		},
	}
	if o.HostileNames {
		r.Users = append(r.Users, report.User{ID: "u3", FullName: Hostile[2], Email: "evil@example.com"})
	}
	p := period(o, "previous_week", o.Start, end, 1.0)
	if o.WithPrevious {
		prev := period(o, "previous_week", o.Start.AddDate(0, 0, -o.Days), o.Start, 0.8)
		p.Previous = &prev
	}
	r.Periods = []report.Period{p}
	report.Finalize(&r)
	report.CompareWithPrevious(&r)
	if o.WithAlerts {
		// The alert is what the real evaluation finds: the P95 peak of the
		// first app that has one is above 300 ms.
		for _, a := range r.Periods[0].Apps {
			if a.Metrics[report.ResponseTimeP95] == nil {
				continue // missing for this app
			}
			r.Alerts = report.EvaluateThresholds(&r, []report.Threshold{{
				Metric: report.ResponseTimeP95, Above: 300, On: "peak", Raw: "300ms", Apps: []string{a.ID},
			}})
			break
		}
	}
	return r
}

func period(o Options, name string, start, end time.Time, scale float64) report.Period {
	p := report.Period{Name: name, Start: start, End: end, Interval: o.Interval}
	for i := 0; i < o.Apps; i++ {
		p.Apps = append(p.Apps, app(o, i, start, end, scale))
	}
	return p
}

func app(o Options, i int, start, end time.Time, scale float64) report.App {
	a := report.App{
		ID:          fmt.Sprintf("app-%04d-0000-4000-8000-000000000000", i),
		Name:        fmt.Sprintf("app-%d", i),
		DisplayName: fmt.Sprintf("App %d", i),
		Metrics:     map[report.MetricKey]*report.Metric{},
	}
	if o.HostileNames && i < len(Hostile) {
		a.DisplayName = Hostile[i]
	}
	var times []time.Time
	for t := start; t.Before(end); {
		times = append(times, t)
		if o.Interval == 24*time.Hour {
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, t.Location())
		} else {
			t = t.Add(o.Interval)
		}
	}
	series := func(base, amp float64, phase int) []report.Point {
		pts := make([]report.Point, len(times))
		for k, t := range times {
			h := float64(t.Hour()) + float64(k*phase%7)
			v := base * scale * (1 + float64(i)*0.1) * (1 + amp*math.Sin(h/24*2*math.Pi))
			pts[k] = report.Point{Time: t, Value: math.Round(v*100) / 100}
		}
		return pts
	}
	for _, k := range report.AllMetrics() {
		if o.MissingMetric != "" && k == o.MissingMetric && i == 0 {
			a.Missing = append(a.Missing, report.Missing{Metric: k, Error: "kinsta: 500 Internal Server Error: Error occurred while retrieving application metrics"})
			continue
		}
		m := &report.Metric{Key: k}
		switch k {
		case report.Bandwidth:
			m.Points = series(2.5e9, 0.5, 1)
		case report.BuildTime:
			m.Points = series(120, 0.3, 2)
		case report.HTTPRequests:
			m.Points = series(340, 0.6, 3)
		case report.ResponseTimeAvg:
			m.Points = series(180, 0.2, 1)
		case report.ResponseTimeP50:
			m.Points = series(120, 0.2, 2)
		case report.ResponseTimeP95:
			m.Points = series(450, 0.3, 3)
		case report.RunTime:
			m.Runs = []report.Run{{ProcessID: "web-1", Plan: "s1", Seconds: 604800 * scale, Start: start, End: end}}
		case report.SlowestRequests:
			path := "/api/orders"
			if o.HostileNames && i < len(Hostile) {
				path = "/search?q=" + Hostile[(i+1)%len(Hostile)]
			}
			m.Rows = []report.SlowRequest{
				{Path: path, AvgResponseTimeMS: 1200 * scale, RequestCount: 87},
				{Path: "/checkout", AvgResponseTimeMS: 950 * scale, RequestCount: 310},
			}
		case report.CPUUsage:
			m.Processes = []report.Process{
				{Name: "web", Limit: 1, Points: series(35, 0.5, 1)},
				{Name: "worker", Limit: 1, Points: series(12, 0.4, 2)},
			}
		case report.MemoryUsage:
			m.Processes = []report.Process{
				{Name: "web", Limit: 1, Points: series(420e6, 0.1, 1)},
				{Name: "worker", Limit: 1, Points: series(210e6, 0.1, 2)},
			}
		}
		a.Metrics[k] = m
	}
	return a
}

// SiteEnvironment is the environment env ("live", "staging") of the
// WordPress site Blog (id s1, name blog, environment id "env-"+env) with
// one visits point per UTC day from 2026-11-16, summarized: a site whose
// live and staging environments share their site id.
func SiteEnvironment(env string, visits ...float64) report.Site {
	m := &report.SiteMetric{Key: report.SiteVisits, Unit: report.UnitVisits}
	for i, v := range visits {
		m.Points = append(m.Points, report.Point{Time: time.Date(2026, 11, 16+i, 0, 0, 0, 0, time.UTC), Value: v})
	}
	report.SummarizeSite(m)
	return report.Site{ID: "s1", Name: "blog", DisplayName: "Blog", Environment: env, EnvironmentID: "env-" + env,
		Metrics: map[report.SiteMetricKey]*report.SiteMetric{report.SiteVisits: m}}
}
