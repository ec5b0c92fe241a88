package plan_test

import (
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/plan"
	"github.com/kinsta-report/kinsta-report/report"
)

// Issue 13 item 10: a daily window fetched hourly gives the highest hour
// as the peak of an averaged metric (CPU 69 %, not the highest daily
// average), so `on: peak` fires on monthly reports; a summed metric keeps
// the highest day.
func TestDailyPeakIsTheHighestHourWhereHoursWereFetched(t *testing.T) {
	t.Parallel()
	berlin := zone(t, "Europe/Berlin")
	now := time.Date(2026, 11, 23, 7, 0, 0, 0, berlin)
	p, err := plan.For(rc(berlin, false, "auto", named("last_30_days")), now)
	if err != nil {
		t.Fatal(err)
	}
	w := p.Windows[0]
	if !w.Fold {
		t.Fatalf("last_30_days in Berlin does not fold hours")
	}
	var hourly []report.Point
	for at := w.Start; at.Before(w.End); at = at.Add(time.Hour) {
		v := 30.0
		if at.Equal(w.Start.Add(10*24*time.Hour + 14*time.Hour)) {
			v = 69 // one busy hour
		}
		hourly = append(hourly, report.Point{Time: at.UTC(), Value: v})
	}
	cpu := &report.Metric{Processes: []report.Process{{Name: "web", Limit: 1000, Points: hourly}}}
	w.ShapeMetric(cpu, report.CPUUsage)
	bw := &report.Metric{Points: hourly}
	w.ShapeMetric(bw, report.Bandwidth)

	r := &report.Report{Periods: []report.Period{w.Model()}}
	r.Periods[0].Apps = []report.App{{ID: "a", Name: "shop", Metrics: map[report.MetricKey]*report.Metric{report.CPUUsage: cpu, report.Bandwidth: bw}}}
	report.Build(r, []report.Threshold{{Metric: report.CPUUsage, Above: 60, On: report.OnPeak, Raw: "60%"}})

	pr := cpu.Processes[0]
	if len(pr.Points) != 30 {
		t.Fatalf("%d daily points, want 30", len(pr.Points))
	}
	if pr.Summary.Peak == nil || *pr.Summary.Peak != 69 {
		t.Errorf("CPU peak %v, want the highest hour 69 (the highest day averages %.2f)", pr.Summary.Peak, 30+39.0/24)
	}
	if len(r.Alerts) != 1 || r.Alerts[0].Value != 69 {
		t.Errorf("alerts %+v, want the 69 %% hour above 60 %%", r.Alerts)
	}
	if bw.Summary.Peak == nil || *bw.Summary.Peak != 24*30+39 {
		t.Errorf("bandwidth peak %v, want the highest day %v", bw.Summary.Peak, 24*30+39)
	}
}
