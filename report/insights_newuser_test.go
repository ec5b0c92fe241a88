package report_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

func hours(vals ...float64) []report.Point {
	var pts []report.Point
	for i, v := range vals {
		pts = append(pts, report.Point{Time: time.Date(2026, 11, 29, i, 0, 0, 0, time.UTC), Value: v})
	}
	return pts
}

// Issue 13 item 12: `above: 90% of limit` is relative to each process's
// plan limit: memory_limit (bytes) for memory_usage; cpu_usage is a share
// of the process's CPU already. A process without a limit is noted.
func TestThresholdOfPlanLimit(t *testing.T) {
	t.Parallel()
	r := &report.Report{Name: "r", Periods: []report.Period{{Name: "yesterday", Apps: []report.App{{
		ID: "id-shop", Name: "shop", DisplayName: "Shop",
		Metrics: map[report.MetricKey]*report.Metric{
			report.MemoryUsage: {Key: report.MemoryUsage, Processes: []report.Process{
				{Name: "web", Limit: 1e9, Points: hours(5e8, 9.5e8)},
				{Name: "worker", Limit: 4e9, Points: hours(3.5e9, 3.55e9)},
				{Name: "cron", Points: hours(1e9)},
			}},
			report.CPUUsage: {Key: report.CPUUsage, Processes: []report.Process{
				{Name: "web", Limit: 500, Points: hours(50, 92)},
				{Name: "worker", Limit: 500, Points: hours(10, 89)},
			}},
		},
	}}}}}
	ts := []report.Threshold{
		{Metric: report.MemoryUsage, Above: 90, OfLimit: true, On: report.OnPeak, Raw: "90% of limit"},
		{Metric: report.CPUUsage, Above: 90, OfLimit: true, On: report.OnPeak, Raw: "90% of limit"},
	}
	report.Build(r, ts)
	var got []string
	for _, a := range r.Alerts {
		got = append(got, a.Process+" "+string(a.Metric)+" "+a.Threshold+" "+report.FormatValue(a.Unit, a.Value)+" > "+report.FormatValue(a.Unit, a.Limit))
	}
	want := []string{
		"web memory_usage 90% of limit " + report.FormatValue(report.UnitBytes, 9.5e8) + " > " + report.FormatValue(report.UnitBytes, 9e8),
		"web cpu_usage 90% of limit " + report.FormatValue(report.UnitPercent, 92) + " > " + report.FormatValue(report.UnitPercent, 90),
	}
	if !slices.Equal(got, want) {
		t.Errorf("alerts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !slices.ContainsFunc(r.Notes, func(n string) bool {
		return strings.Contains(n, "was not checked for Shop process cron in yesterday: Kinsta gave no memory_limit")
	}) {
		t.Errorf("notes %q lack the process without a limit", r.Notes)
	}
}
