package report_test

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

// day returns local midnight of 2026-11-(16+i) in UTC: the buckets of the
// hand-built models.
func day(i int) time.Time { return time.Date(2026, 11, 16+i, 0, 0, 0, 0, time.UTC) }

func points(vals ...float64) []report.Point {
	ps := make([]report.Point, len(vals))
	for i, v := range vals {
		ps[i] = report.Point{Time: day(i), Value: v}
	}
	return ps
}

func seriesMetric(k report.MetricKey, vals ...float64) *report.Metric {
	return &report.Metric{Key: k, Points: points(vals...)}
}

func runMetric(seconds ...float64) *report.Metric {
	m := &report.Metric{Key: report.RunTime}
	for i, s := range seconds {
		m.Runs = append(m.Runs, report.Run{ProcessID: fmt.Sprintf("web-%d", i), Plan: "s1", Seconds: s, Start: day(i), End: day(i).Add(time.Hour)})
	}
	return m
}

// procMetric builds a per-process metric from name=values pairs.
func procMetric(k report.MetricKey, procs map[string][]float64) *report.Metric {
	m := &report.Metric{Key: k}
	for name, vals := range procs {
		m.Processes = append(m.Processes, report.Process{Name: name, Limit: 1, Points: points(vals...)})
	}
	return m // Finalize sorts the processes by name
}

func app(id, name, display string, ms ...*report.Metric) report.App {
	a := report.App{ID: id, Name: name, DisplayName: display, Metrics: map[report.MetricKey]*report.Metric{}}
	for _, m := range ms {
		a.Metrics[m.Key] = m
	}
	return a
}

func info(t *testing.T, k report.MetricKey) report.MetricInfo {
	t.Helper()
	i, ok := report.Info(k)
	if !ok {
		t.Fatalf("unknown metric %q", k)
	}
	return i
}

func fig(v *float64) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprintf("%g", *v)
}

func figs(f report.Figures) string {
	return fmt.Sprintf("total=%s average=%s peak=%s", fig(f.Total), fig(f.Average), fig(f.Peak))
}

func TestChangeLabel(t *testing.T) {
	t.Parallel()
	f := report.F
	tests := []struct {
		name      string
		metric    report.MetricKey
		prev, cur *float64
		text      string
		dir       report.Direction
		arrow     string
	}{
		{"p95 rise is worse", report.ResponseTimeP95, f(400), f(449.2), "+12.3%", report.Worse, "▲"},
		{"p95 fall is better", report.ResponseTimeP95, f(500), f(480), "−4.0%", report.Better, "▼"},
		{"p50 rise is worse", report.ResponseTimeP50, f(100), f(150), "+50.0%", report.Worse, "▲"},
		{"avg response fall is better", report.ResponseTimeAvg, f(200), f(100), "−50.0%", report.Better, "▼"},
		{"cpu rise is worse", report.CPUUsage, f(20), f(30), "+50.0%", report.Worse, "▲"},
		{"cpu fall is better", report.CPUUsage, f(30), f(20), "−33.3%", report.Better, "▼"},
		{"memory rise is worse", report.MemoryUsage, f(4e8), f(5e8), "+25.0%", report.Worse, "▲"},
		{"build time rise is worse", report.BuildTime, f(60), f(90), "+50.0%", report.Worse, "▲"},
		{"build time fall is better", report.BuildTime, f(90), f(60), "−33.3%", report.Better, "▼"},
		{"requests rise is better", report.HTTPRequests, f(300), f(340), "+13.3%", report.Better, "▲"},
		{"requests fall is worse", report.HTTPRequests, f(340), f(300), "−11.8%", report.Worse, "▼"},
		{"bandwidth rise is neutral", report.Bandwidth, f(2e9), f(3e9), "+50.0%", report.Neutral, "▲"},
		{"bandwidth fall is neutral", report.Bandwidth, f(3e9), f(2e9), "−33.3%", report.Neutral, "▼"},
		{"run time rise is neutral", report.RunTime, f(3600), f(7200), "+100.0%", report.Neutral, "▲"},
		{"fall to zero", report.ResponseTimeP95, f(100), f(0), "−100.0%", report.Better, "▼"},
		{"no change", report.CPUUsage, f(42), f(42), "0.0%", report.Neutral, "●"},
		{"change that rounds to zero", report.CPUUsage, f(1000), f(1000.4), "0.0%", report.Neutral, "●"},
		{"change that rounds to zero, down", report.CPUUsage, f(1000), f(999.6), "0.0%", report.Neutral, "●"},
		{"zero previous is new", report.ResponseTimeP95, f(0), f(120), "new", report.New, "▲"},
		{"zero previous requests is new", report.HTTPRequests, f(0), f(5), "new", report.New, "▲"},
		{"zero to zero", report.BuildTime, f(0), f(0), "0.0%", report.Neutral, "●"},
		{"missing previous", report.ResponseTimeP95, nil, f(120), "n/a", report.Unknown, ""},
		{"missing current", report.ResponseTimeP95, f(120), nil, "n/a", report.Unknown, ""},
		{"both missing", report.Bandwidth, nil, nil, "n/a", report.Unknown, ""},
		{"NaN previous", report.CPUUsage, f(math.NaN()), f(1), "n/a", report.Unknown, ""},
		{"Inf current", report.CPUUsage, f(1), f(math.Inf(1)), "n/a", report.Unknown, ""},
		{"overflowing change", report.Bandwidth, f(1e-300), f(1e300), "n/a", report.Unknown, ""},
		{"huge change", report.Bandwidth, f(1), f(1e6), "+99999900.0%", report.Neutral, "▲"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := info(t, tt.metric)
			text, dir := report.ChangeLabel(in, tt.prev, tt.cur)
			if text != tt.text || dir != tt.dir {
				t.Errorf("ChangeLabel(%s, %s) = %q, %v; want %q, %v", fig(tt.prev), fig(tt.cur), text, dir, tt.text, tt.dir)
			}
			if got := report.Arrow(tt.prev, tt.cur); got != tt.arrow {
				t.Errorf("Arrow(%s, %s) = %q; want %q", fig(tt.prev), fig(tt.cur), got, tt.arrow)
			}
			v := report.DescribeChange(in, tt.prev, tt.cur)
			want := tt.text
			if tt.arrow != "" {
				want = tt.arrow + " " + tt.text
			}
			if v.String() != want {
				t.Errorf("DescribeChange(...).String() = %q; want %q", v.String(), want)
			}
		})
	}
}

func TestChangeDirectionString(t *testing.T) {
	t.Parallel()
	want := map[report.Direction]string{
		report.Neutral: "neutral", report.Better: "better", report.Worse: "worse",
		report.New: "new", report.Unknown: "unknown",
	}
	for d, s := range want {
		if d.String() != s {
			t.Errorf("%d.String() = %q; want %q", int(d), d.String(), s)
		}
	}
}

// compareModel is a period with a previous period that exercises every
// case of CompareWithPrevious.
func compareModel() report.Report {
	cur := report.Period{
		Name: "previous_week", Start: day(0), End: day(7), Interval: 24 * time.Hour,
		Apps: []report.App{
			app("id-shop", "shop", "Shop",
				seriesMetric(report.ResponseTimeP95, 400, 600), // average 500, peak 600
				seriesMetric(report.Bandwidth, 10, 20),         // total 30, peak 20
				seriesMetric(report.HTTPRequests, 0, 0),        // average 0, peak 0
				runMetric(100, 50),                             // total 150
				procMetric(report.CPUUsage, map[string][]float64{"web": {30, 50}, "worker": {10, 10}}),
				&report.Metric{Key: report.SlowestRequests, Rows: []report.SlowRequest{{Path: "/a", AvgResponseTimeMS: 900, RequestCount: 3}}},
			),
			app("id-blog", "blog", "Blog", seriesMetric(report.ResponseTimeP95, 100)),
			app("id-api", "api", "", seriesMetric(report.ResponseTimeP95, 100), seriesMetric(report.BuildTime, 10)),
		},
	}
	prev := report.Period{
		Name: "previous_week", Start: day(-7), End: day(0), Interval: 24 * time.Hour,
		Apps: []report.App{
			// Listed in another order than the current period: matched by ID.
			app("id-api", "api", "", seriesMetric(report.ResponseTimeP95)), // no points: nil figures
			app("id-shop", "shop", "Shop",
				seriesMetric(report.ResponseTimeP95, 500, 500), // average 500, peak 500
				seriesMetric(report.Bandwidth, 0, 0),           // total 0, peak 0
				seriesMetric(report.HTTPRequests, 0, 0),
				runMetric(200),
				procMetric(report.CPUUsage, map[string][]float64{"web": {20, 40}}), // no worker
				&report.Metric{Key: report.SlowestRequests, Rows: []report.SlowRequest{{Path: "/a", AvgResponseTimeMS: 800, RequestCount: 3}}},
			),
			// id-blog is absent
		},
	}
	cur.Previous = &prev
	other := report.Period{
		Name: "last_30_days", Start: day(-23), End: day(7), Interval: 24 * time.Hour,
		Apps: []report.App{app("id-shop", "shop", "Shop", seriesMetric(report.ResponseTimeP95, 1))},
	}
	r := report.Report{Name: "t", Location: time.UTC, Metrics: report.AllMetrics(), Periods: []report.Period{cur, other}}
	report.Finalize(&r)
	return r
}

func TestChangeCompareWithPrevious(t *testing.T) {
	t.Parallel()
	r := compareModel()
	report.CompareWithPrevious(&r)
	apps := r.Periods[0].Apps
	shop, blog, api := apps[0], apps[1], apps[2]
	proc := func(m *report.Metric, name string) report.Summary {
		for _, p := range m.Processes {
			if p.Name == name {
				return p.Summary
			}
		}
		t.Fatalf("no process %q", name)
		return report.Summary{}
	}
	tests := []struct {
		name          string
		s             report.Summary
		prev, percent string
	}{
		// Previous figures only for the figures the metric has.
		{"p95 average and peak", shop.Metrics[report.ResponseTimeP95].Summary,
			"total=nil average=500 peak=500", "total=nil average=0 peak=20"},
		{"bandwidth from zero: new", shop.Metrics[report.Bandwidth].Summary,
			"total=0 average=nil peak=0", "total=nil average=nil peak=nil"},
		{"requests zero to zero", shop.Metrics[report.HTTPRequests].Summary,
			"total=nil average=0 peak=0", "total=nil average=0 peak=0"},
		{"run time total", shop.Metrics[report.RunTime].Summary,
			"total=200 average=nil peak=nil", "total=-25 average=nil peak=nil"},
		{"cpu web process", proc(shop.Metrics[report.CPUUsage], "web"),
			"total=nil average=30 peak=40", "total=nil average=33.33333333333333 peak=25"},
		{"cpu worker process absent before", proc(shop.Metrics[report.CPUUsage], "worker"),
			"total=nil average=nil peak=nil", "total=nil average=nil peak=nil"},
		{"app absent before", blog.Metrics[report.ResponseTimeP95].Summary,
			"total=nil average=nil peak=nil", "total=nil average=nil peak=nil"},
		{"figures nil before", api.Metrics[report.ResponseTimeP95].Summary,
			"total=nil average=nil peak=nil", "total=nil average=nil peak=nil"},
		{"metric absent before", api.Metrics[report.BuildTime].Summary,
			"total=nil average=nil peak=nil", "total=nil average=nil peak=nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.s.Change == nil {
				t.Fatal("Change is nil")
			}
			if got := figs(tt.s.Change.Previous); got != tt.prev {
				t.Errorf("Previous = %s; want %s", got, tt.prev)
			}
			if got := figs(tt.s.Change.Percent); got != tt.percent {
				t.Errorf("Percent = %s; want %s", got, tt.percent)
			}
		})
	}

	// What renderers show for these.
	bw := shop.Metrics[report.Bandwidth].Summary
	if text, dir := report.ChangeLabel(info(t, report.Bandwidth), bw.Change.Previous.Total, bw.Total); text != "new" || dir != report.New {
		t.Errorf("bandwidth label = %q, %v; want new", text, dir)
	}
	bs := blog.Metrics[report.ResponseTimeP95].Summary
	if text, dir := report.ChangeLabel(info(t, report.ResponseTimeP95), bs.Change.Previous.Peak, bs.Peak); text != "n/a" || dir != report.Unknown {
		t.Errorf("blog label = %q, %v; want n/a", text, dir)
	}

	if c := shop.Metrics[report.SlowestRequests].Summary.Change; c != nil {
		t.Errorf("slowest_requests got a change: %+v", c)
	}
	if c := shop.Metrics[report.CPUUsage].Summary.Change; c != nil {
		t.Errorf("per-process metric got a metric-level change: %+v", c)
	}
	if c := r.Periods[1].Apps[0].Metrics[report.ResponseTimeP95].Summary.Change; c != nil {
		t.Errorf("period without previous got a change: %+v", c)
	}
	if c := r.Periods[0].Previous.Apps[1].Metrics[report.ResponseTimeP95].Summary.Change; c != nil {
		t.Errorf("previous period got a change: %+v", c)
	}

	// The previous figures are copies, not pointers into the previous period.
	*shop.Metrics[report.ResponseTimeP95].Summary.Change.Previous.Peak = -1
	if p := *r.Periods[0].Previous.Apps[1].Metrics[report.ResponseTimeP95].Summary.Peak; p != 500 {
		t.Errorf("previous period's peak changed to %g", p)
	}
}

func TestChangeCompareWithPreviousIdempotent(t *testing.T) {
	t.Parallel()
	once := compareModel()
	report.CompareWithPrevious(&once)
	twice := compareModel()
	report.CompareWithPrevious(&twice)
	report.CompareWithPrevious(&twice)
	report.Finalize(&twice) // keeps the changes
	if !reflect.DeepEqual(once, twice) {
		t.Error("CompareWithPrevious (then Finalize) a second time changed the report")
	}
}

func TestInsightsOnFixture(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{WithPrevious: true, Apps: 2})
	report.CompareWithPrevious(&r)
	// The fixture's previous period is the current one scaled by 0.8: every
	// figure rose by 25 %.
	for _, a := range r.Periods[0].Apps {
		for _, k := range r.Metrics {
			m, in := a.Metrics[k], info(t, k)
			var sums []report.Summary
			switch in.Kind {
			case report.KindSeries, report.KindRuns:
				sums = []report.Summary{m.Summary}
			case report.KindProcesses:
				for _, p := range m.Processes {
					sums = append(sums, p.Summary)
				}
			default:
				continue
			}
			for _, s := range sums {
				if s.Change == nil {
					t.Fatalf("%s %s: no change", a.Name, k)
				}
				for _, pair := range [][2]*float64{{s.Change.Previous.Total, s.Total}, {s.Change.Previous.Average, s.Average}, {s.Change.Previous.Peak, s.Peak}} {
					if pair[1] == nil {
						continue
					}
					text, dir := report.ChangeLabel(in, pair[0], pair[1])
					if text != "+25.0%" {
						t.Errorf("%s %s: change %q; want +25.0%%", a.Name, k, text)
					}
					wantDir := report.Neutral
					switch {
					case in.MoreIsBad:
						wantDir = report.Worse
					case k == report.HTTPRequests:
						wantDir = report.Better
					}
					if dir != wantDir {
						t.Errorf("%s %s: direction %v; want %v", a.Name, k, dir, wantDir)
					}
				}
			}
		}
	}
	b, err := report.MarshalJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"change_percent"`) {
		t.Error("JSON document has no change_percent")
	}
}

// thresholdModel has two periods of two apps, and a previous period whose
// figures cross every limit (and must be ignored).
func thresholdModel() *report.Report {
	mk := func(name string, scale float64) report.Period {
		s := func(vals ...float64) []float64 {
			out := make([]float64, len(vals))
			for i, v := range vals {
				out[i] = v * scale
			}
			return out
		}
		return report.Period{
			Name: name, Start: day(0), End: day(4), Interval: 24 * time.Hour,
			Apps: []report.App{
				app("id-shop", "shop", "Shop Front",
					seriesMetric(report.ResponseTimeP95, s(700, 900, 500, 850)...), // average 737.5, peak 900
					seriesMetric(report.Bandwidth, s(2e9, 1e9, 1e9, 2e9)...),       // total 6e9, peak 2e9
					procMetric(report.CPUUsage, map[string][]float64{
						"worker": s(90, 10, 95, 10), // average 51.25, peak 95
						"web":    s(50, 85, 60, 60), // average 63.75, peak 85
					}),
					procMetric(report.MemoryUsage, map[string][]float64{"web": s(5e8, 6e8, 5e8, 5e8)}),
					runMetric(s(3000, 4000)...),
					&report.Metric{Key: report.SlowestRequests, Rows: []report.SlowRequest{{Path: "/a", AvgResponseTimeMS: 1500 * scale}, {Path: "/b", AvgResponseTimeMS: 1200 * scale}}},
				),
				app("id-blog", "blog", "",
					seriesMetric(report.ResponseTimeP95, s(100, 200, 801, 100)...), // peak 801, average 300.25
					seriesMetric(report.Bandwidth, s(1e8)...),
					procMetric(report.CPUUsage, map[string][]float64{"web": s(81)}),
				),
			},
		}
	}
	cur := mk("previous_week", 1)
	prev := mk("previous_week", 100)
	cur.Previous = &prev
	r := &report.Report{Name: "t", Location: time.UTC, Metrics: report.AllMetrics(), Periods: []report.Period{cur, mk("yesterday", 1)}}
	report.Finalize(r)
	return r
}

// alertLine is an alert in one line: period app(id) metric[process] on @time value>limit (raw).
func alertLine(a report.Alert) string {
	s := fmt.Sprintf("%s %s(%s) %s", a.Period, a.App, a.AppID, a.Metric)
	if a.Process != "" {
		s += "[" + a.Process + "]"
	}
	s += " " + a.On
	if a.HasTime {
		s += " @" + a.Time.Format("01-02")
	}
	return s + fmt.Sprintf(" %g>%g %s (%s)", a.Value, a.Limit, a.Unit, a.Threshold)
}

func TestThresholdEvaluate(t *testing.T) {
	t.Parallel()
	p95 := func(above float64, on string, apps ...string) report.Threshold {
		return report.Threshold{Metric: report.ResponseTimeP95, Above: above, On: on, Apps: apps, Raw: fmt.Sprintf("%gms", above)}
	}
	tests := []struct {
		name string
		ts   []report.Threshold
		want []string
	}{
		{"no thresholds", nil, nil},
		{"peak by default", []report.Threshold{p95(800, "")}, []string{
			"previous_week Shop Front(id-shop) response_time_p95 peak 900>800 ms (800ms)",
			"previous_week blog(id-blog) response_time_p95 peak 801>800 ms (800ms)",
			"yesterday Shop Front(id-shop) response_time_p95 peak 900>800 ms (800ms)",
			"yesterday blog(id-blog) response_time_p95 peak 801>800 ms (800ms)",
		}},
		{"strictly above", []report.Threshold{p95(900, "peak", "shop")}, nil},
		// A bucket exactly on the limit is not above it (900 and 95 are
		// bucket values of shop), while the bucket past it still alerts.
		{"any bucket strictly above", []report.Threshold{
			p95(900, "any_bucket", "shop"),
			{Metric: report.CPUUsage, Above: 95, On: "any_bucket", Apps: []string{"shop"}, Raw: "95%"},
			p95(849.5, "any_bucket", "shop"),
		}, []string{
			"previous_week Shop Front(id-shop) response_time_p95 any_bucket @11-17 900>849.5 ms (849.5ms)",
			"previous_week Shop Front(id-shop) response_time_p95 any_bucket @11-19 850>849.5 ms (849.5ms)",
			"yesterday Shop Front(id-shop) response_time_p95 any_bucket @11-17 900>849.5 ms (849.5ms)",
			"yesterday Shop Front(id-shop) response_time_p95 any_bucket @11-19 850>849.5 ms (849.5ms)",
		}},
		{"average", []report.Threshold{p95(700, "average")}, []string{
			"previous_week Shop Front(id-shop) response_time_p95 average 737.5>700 ms (700ms)",
			"yesterday Shop Front(id-shop) response_time_p95 average 737.5>700 ms (700ms)",
		}},
		{"total of a series", []report.Threshold{{Metric: report.Bandwidth, Above: 5e9, On: "total", Raw: "5GB"}}, []string{
			"previous_week Shop Front(id-shop) bandwidth total 6e+09>5e+09 bytes (5GB)",
			"yesterday Shop Front(id-shop) bandwidth total 6e+09>5e+09 bytes (5GB)",
		}},
		{"total computed for a metric without one", []report.Threshold{p95(2900, "total", "id-shop")}, []string{
			"previous_week Shop Front(id-shop) response_time_p95 total 2950>2900 ms (2900ms)",
			"yesterday Shop Front(id-shop) response_time_p95 total 2950>2900 ms (2900ms)",
		}},
		{"any bucket lists every bucket", []report.Threshold{p95(800, "any_bucket", "shop")}, []string{
			"previous_week Shop Front(id-shop) response_time_p95 any_bucket @11-17 900>800 ms (800ms)",
			"previous_week Shop Front(id-shop) response_time_p95 any_bucket @11-19 850>800 ms (800ms)",
			"yesterday Shop Front(id-shop) response_time_p95 any_bucket @11-17 900>800 ms (800ms)",
			"yesterday Shop Front(id-shop) response_time_p95 any_bucket @11-19 850>800 ms (800ms)",
		}},
		{"per app by display name", []report.Threshold{p95(800, "", "Shop Front")}, []string{
			"previous_week Shop Front(id-shop) response_time_p95 peak 900>800 ms (800ms)",
			"yesterday Shop Front(id-shop) response_time_p95 peak 900>800 ms (800ms)",
		}},
		{"per app by name", []report.Threshold{p95(800, "", "blog")}, []string{
			"previous_week blog(id-blog) response_time_p95 peak 801>800 ms (800ms)",
			"yesterday blog(id-blog) response_time_p95 peak 801>800 ms (800ms)",
		}},
		{"per app match is any case (issue 13 item 8)", []report.Threshold{p95(800, "", "SHOP", "BLOG")}, []string{
			"previous_week Shop Front(id-shop) response_time_p95 peak 900>800 ms (800ms)",
			"previous_week blog(id-blog) response_time_p95 peak 801>800 ms (800ms)",
			"yesterday Shop Front(id-shop) response_time_p95 peak 900>800 ms (800ms)",
			"yesterday blog(id-blog) response_time_p95 peak 801>800 ms (800ms)",
		}},
		{"per app match is whole", []report.Threshold{p95(800, "", "Sho", "shop ", "blo")}, nil},
		{"per app filter of an unknown app", []report.Threshold{p95(1, "", "nope")}, nil},
		{"per process peak, every process checked", []report.Threshold{{Metric: report.CPUUsage, Above: 80, Raw: "80%"}}, []string{
			"previous_week Shop Front(id-shop) cpu_usage[web] peak 85>80 percent (80%)",
			"previous_week Shop Front(id-shop) cpu_usage[worker] peak 95>80 percent (80%)",
			"previous_week blog(id-blog) cpu_usage[web] peak 81>80 percent (80%)",
			"yesterday Shop Front(id-shop) cpu_usage[web] peak 85>80 percent (80%)",
			"yesterday Shop Front(id-shop) cpu_usage[worker] peak 95>80 percent (80%)",
			"yesterday blog(id-blog) cpu_usage[web] peak 81>80 percent (80%)",
		}},
		{"per process average", []report.Threshold{{Metric: report.CPUUsage, Above: 60, On: "average", Apps: []string{"shop"}, Raw: "60%"}}, []string{
			"previous_week Shop Front(id-shop) cpu_usage[web] average 63.75>60 percent (60%)",
			"yesterday Shop Front(id-shop) cpu_usage[web] average 63.75>60 percent (60%)",
		}},
		{"per process any bucket", []report.Threshold{{Metric: report.CPUUsage, Above: 80, On: "any_bucket", Apps: []string{"shop"}, Raw: "80%"}}, []string{
			"previous_week Shop Front(id-shop) cpu_usage[web] any_bucket @11-17 85>80 percent (80%)",
			"previous_week Shop Front(id-shop) cpu_usage[worker] any_bucket @11-16 90>80 percent (80%)",
			"previous_week Shop Front(id-shop) cpu_usage[worker] any_bucket @11-18 95>80 percent (80%)",
			"yesterday Shop Front(id-shop) cpu_usage[web] any_bucket @11-17 85>80 percent (80%)",
			"yesterday Shop Front(id-shop) cpu_usage[worker] any_bucket @11-16 90>80 percent (80%)",
			"yesterday Shop Front(id-shop) cpu_usage[worker] any_bucket @11-18 95>80 percent (80%)",
		}},
		{"memory per process, limit written without raw", []report.Threshold{{Metric: report.MemoryUsage, Above: 5.5e8}}, []string{
			"previous_week Shop Front(id-shop) memory_usage[web] peak 6e+08>5.5e+08 bytes (550 MB)",
			"yesterday Shop Front(id-shop) memory_usage[web] peak 6e+08>5.5e+08 bytes (550 MB)",
		}},
		{"run time total", []report.Threshold{{Metric: report.RunTime, Above: 6000, On: "total", Raw: "100m"}}, []string{
			"previous_week Shop Front(id-shop) run_time total 7000>6000 seconds (100m)",
			"yesterday Shop Front(id-shop) run_time total 7000>6000 seconds (100m)",
		}},
		{"run time per run", []report.Threshold{{Metric: report.RunTime, Above: 3500, On: "any_bucket", Raw: "3500s"}}, []string{
			// each alert names its run's process, so two runs over the limit
			// can be told apart
			"previous_week Shop Front(id-shop) run_time[web-1] any_bucket @11-17 4000>3500 seconds (3500s)",
			"yesterday Shop Front(id-shop) run_time[web-1] any_bucket @11-17 4000>3500 seconds (3500s)",
		}},
		{"slowest request", []report.Threshold{{Metric: report.SlowestRequests, Above: 1000, Raw: "1s"}}, []string{
			"previous_week Shop Front(id-shop) slowest_requests peak 1500>1000 ms (1s)",
			"yesterday Shop Front(id-shop) slowest_requests peak 1500>1000 ms (1s)",
		}},
		{"slowest request, any mode checks the slowest", []report.Threshold{{Metric: report.SlowestRequests, Above: 1000, On: "any_bucket", Raw: "1s"}}, []string{
			"previous_week Shop Front(id-shop) slowest_requests peak 1500>1000 ms (1s)",
			"yesterday Shop Front(id-shop) slowest_requests peak 1500>1000 ms (1s)",
		}},
		{"metric the app lacks", []report.Threshold{{Metric: report.BuildTime, Above: 0}}, nil},
		{"unknown metric and mode raise nothing", []report.Threshold{{Metric: "nope", Above: 0}, p95(0, "median")}, nil},
		{"order: period, app, threshold", []report.Threshold{
			{Metric: report.CPUUsage, Above: 90, Raw: "90%"},
			p95(850, ""),
		}, []string{
			"previous_week Shop Front(id-shop) cpu_usage[worker] peak 95>90 percent (90%)",
			"previous_week Shop Front(id-shop) response_time_p95 peak 900>850 ms (850ms)",
			"yesterday Shop Front(id-shop) cpu_usage[worker] peak 95>90 percent (90%)",
			"yesterday Shop Front(id-shop) response_time_p95 peak 900>850 ms (850ms)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := thresholdModel()
			before := fmt.Sprintf("%+v", r.Alerts)
			var got []string
			for _, a := range report.EvaluateThresholds(r, tt.ts) {
				got = append(got, alertLine(a))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("alerts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if after := fmt.Sprintf("%+v", r.Alerts); after != before {
				t.Errorf("EvaluateThresholds changed r.Alerts")
			}
		})
	}
}

func TestThresholdAnyBucketTime(t *testing.T) {
	t.Parallel()
	r := thresholdModel()
	alerts := report.EvaluateThresholds(r, []report.Threshold{{Metric: report.ResponseTimeP95, Above: 880, On: "any_bucket", Apps: []string{"shop"}}})
	if len(alerts) != 2 {
		t.Fatalf("got %d alerts; want 2", len(alerts))
	}
	if a := alerts[0]; !a.HasTime || !a.Time.Equal(day(1)) {
		t.Errorf("any_bucket alert at %v (HasTime %v); want %v", a.Time, a.HasTime, day(1))
	}
	peak := report.EvaluateThresholds(r, []report.Threshold{{Metric: report.ResponseTimeP95, Above: 880, Apps: []string{"shop"}}})
	if a := peak[0]; a.HasTime || !a.Time.IsZero() {
		t.Errorf("peak alert has a time: %v", a.Time)
	}
}

func TestThresholdAlertedAppsAndSend(t *testing.T) {
	t.Parallel()
	r := thresholdModel()
	none := report.EvaluateThresholds(r, []report.Threshold{{Metric: report.ResponseTimeP95, Above: 1e6}})
	some := report.EvaluateThresholds(r, []report.Threshold{{Metric: report.ResponseTimeP95, Above: 880, On: "any_bucket"}})
	both := report.EvaluateThresholds(r, []report.Threshold{{Metric: report.ResponseTimeP95, Above: 800}})
	tests := []struct {
		name     string
		alerts   []report.Alert
		apps     int
		headline string
	}{
		{"no crossing", none, 0, ""},
		{"one app, several crossings", some, 1, "1 app crossed a threshold"},
		{"two apps in two periods", both, 2, "2 apps crossed a threshold"},
		{"apps without id count by label", []report.Alert{{App: "a"}, {App: "b"}, {App: "a"}}, 2, "2 apps crossed a threshold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := report.AlertedApps(tt.alerts); n != tt.apps {
				t.Errorf("AlertedApps = %d; want %d", n, tt.apps)
			}
			if h := report.AlertHeadline(tt.alerts); h != tt.headline {
				t.Errorf("AlertHeadline = %q; want %q", h, tt.headline)
			}
		})
	}
	sends := []struct {
		send   string
		alerts []report.Alert
		want   bool
	}{
		{"on_alert", none, false},
		{"on_alert", nil, false},
		{"on_alert", some, true},
		{"always", none, true},
		{"always", some, true},
		{"", none, true},
		{"", some, true},
	}
	for _, s := range sends {
		if got := report.ShouldSend(s.send, s.alerts); got != s.want {
			t.Errorf("ShouldSend(%q, %d alerts) = %v; want %v", s.send, len(s.alerts), got, s.want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		unit report.Unit
		v    float64
		want string
	}{
		{report.UnitBytes, 0, "0 B"},
		{report.UnitBytes, 512, "512 B"},
		{report.UnitBytes, 999, "999 B"},
		{report.UnitBytes, 1500, "1.50 kB"},
		{report.UnitBytes, 12345, "12.3 kB"},
		{report.UnitBytes, 456e6, "456 MB"},
		{report.UnitBytes, 1.4e9, "1.40 GB"},
		{report.UnitBytes, 2.5e9, "2.50 GB"},
		{report.UnitBytes, 27.44e9, "27.4 GB"},
		{report.UnitBytes, 1.234e12, "1.23 TB"},
		{report.UnitBytes, 4.56e15, "4,560 TB"},
		{report.UnitBytes, -1.5e9, "−1.50 GB"},
		{report.UnitSeconds, 0, "0 s"},
		{report.UnitSeconds, 2.5, "2.50 s"},
		{report.UnitSeconds, 45, "45.0 s"},
		{report.UnitSeconds, 750, "12.5 min"},
		{report.UnitSeconds, 1092, "18.2 min"},
		{report.UnitSeconds, 7380, "2.05 h"},
		{report.UnitSeconds, 604800, "168 h"},
		{report.UnitSeconds, -45, "−45.0 s"},
		{report.UnitMS, 0, "0 ms"},
		{report.UnitMS, 183.45, "183 ms"},
		{report.UnitMS, 1234, "1,234 ms"},
		{report.UnitMS, 2570, "2,570 ms"},
		{report.UnitMS, 12345, "12.3 s"},
		{report.UnitMS, 65000, "65.0 s"},
		{report.UnitPercent, 0, "0.0 %"},
		{report.UnitPercent, 35.25, "35.2 %"},
		{report.UnitPercent, 72, "72.0 %"},
		{report.UnitPercent, -0.01, "0.0 %"},
		{report.UnitRequestsPerMinute, 0, "0 req/min"},
		{report.UnitRequestsPerMinute, 1.5, "1.50 req/min"},
		{report.UnitRequestsPerMinute, 27.5, "27.5 req/min"},
		{report.UnitRequestsPerMinute, 340, "340 req/min"},
		{report.UnitRequestsPerMinute, 12345, "12,345 req/min"},
		{report.Unit(""), 1.5, "1.50"},
		{report.Unit("widgets"), 3, "3.00 widgets"},
		{report.UnitMS, math.Copysign(0, -1), "0 ms"},
		{report.UnitMS, math.NaN(), "—"},
		{report.UnitBytes, math.Inf(1), "—"},
		{report.UnitPercent, math.Inf(-1), "—"},
	}
	for _, tt := range tests {
		if got := report.FormatValue(tt.unit, tt.v); got != tt.want {
			t.Errorf("FormatValue(%s, %g) = %q; want %q", tt.unit, tt.v, got, tt.want)
		}
	}
}

func TestFormatNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    float64
		dec  int
		want string
	}{
		{0, 0, "0"},
		{999, 0, "999"},
		{1234, 0, "1,234"},
		{1234567.8, 1, "1,234,567.8"},
		{-1234, 0, "−1,234"},
		{-0.04, 1, "0.0"},
		{math.NaN(), 0, "—"},
	}
	for _, tt := range tests {
		if got := report.FormatNumber(tt.v, tt.dec); got != tt.want {
			t.Errorf("FormatNumber(%g, %d) = %q; want %q", tt.v, tt.dec, got, tt.want)
		}
	}
}

func TestFormatFigure(t *testing.T) {
	t.Parallel()
	if got := report.FormatFigure(report.UnitMS, nil); got != "—" {
		t.Errorf("FormatFigure(nil) = %q; want —", got)
	}
	if got := report.FormatFigure(report.UnitMS, report.F(0)); got != "0 ms" {
		t.Errorf("FormatFigure(0) = %q; want 0 ms", got)
	}
	if got := report.FormatFigure(report.UnitBytes, report.F(1.234e9)); got != "1.23 GB" {
		t.Errorf("FormatFigure(1.234e9) = %q; want 1.23 GB", got)
	}
}
