package plan_test

import (
	"slices"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/plan"
	"github.com/kinsta-report/kinsta-report/report"
)

func hours(from time.Time, n int, value func(i int) float64) []report.Point {
	var ps []report.Point
	for i := range n {
		ps = append(ps, report.Point{Time: from.Add(time.Duration(i) * time.Hour).UTC(), Value: value(i)})
	}
	return ps
}

// TestShapeKeepsExactlyTheWindow: an API that answers with a bucket before
// the window and one at its end must not leak either into the report.
func TestShapeKeepsExactlyTheWindow(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	w := &plan.Window{Report: "r", Period: "yesterday", Start: start, End: start.Add(24 * time.Hour), Location: time.UTC, Interval: time.Hour, FetchInterval: time.Hour}
	// 26 hourly points: one before the start, the 24 of the day, one at the end.
	in := hours(start.Add(-time.Hour), 26, func(i int) float64 { return float64(i) })
	got := w.Shape(in, report.FoldSum)
	if len(got) != 24 {
		t.Fatalf("%d points, want the 24 in [start, end)", len(got))
	}
	if !got[0].Time.Equal(start) || got[0].Value != 1 {
		t.Errorf("first point %s = %v, want the start (value 1): the start-side trim let an earlier bucket in", got[0].Time, got[0].Value)
	}
	if last := got[len(got)-1]; !last.Time.Equal(w.End.Add(-time.Hour)) || last.Value != 24 {
		t.Errorf("last point %s = %v, want the last hour before the end (value 24): a point at the end was kept", last.Time, last.Value)
	}
	for _, p := range got {
		if p.Time.Before(w.Start) || !p.Time.Before(w.End) {
			t.Errorf("point %s outside [%s, %s)", p.Time, w.Start, w.End)
		}
	}
}

func TestShapePutsPointsInTheZoneAndSorts(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 22, 0, 0, 0, 0, berlin)
	w := &plan.Window{Start: start, End: start.Add(3 * time.Hour), Location: berlin, Interval: time.Hour, FetchInterval: time.Hour}
	in := hours(start, 3, func(i int) float64 { return float64(i) })
	slices.Reverse(in)
	got := w.Shape(in, report.FoldMean)
	if len(got) != 3 {
		t.Fatalf("%d points", len(got))
	}
	for i, p := range got {
		if p.Time.Location() != berlin || !p.Time.Equal(start.Add(time.Duration(i)*time.Hour)) || p.Value != float64(i) {
			t.Errorf("point %d = %s %v, want %s in Berlin", i, p.Time, p.Value, start.Add(time.Duration(i)*time.Hour))
		}
	}
	if got := w.Shape(nil, report.FoldMean); got == nil || len(got) != 0 {
		t.Errorf("Shape(nil) = %#v, want an empty, non-nil slice", got)
	}
}

// TestShapeFoldsLocalDaysAcrossDST folds the 25 hours of the day summer
// time ends into one local day: summed or averaged by the metric's fold.
func TestShapeFoldsLocalDaysAcrossDST(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.For(report.ReportConfig{Name: "r", Location: berlin, Interval: "1d",
		Periods: []report.PeriodSpec{{Name: "dst", Start: "2026-10-24", End: "2026-10-26"}}}, time.Date(2026, 10, 27, 7, 0, 0, 0, berlin))
	if err != nil {
		t.Fatal(err)
	}
	w := p.Windows[0]
	if !w.Fold || w.FetchInterval != time.Hour {
		t.Fatalf("fold %v fetch %s, want hourly folded", w.Fold, w.FetchInterval)
	}
	in := hours(w.Start, 24+25+24, func(int) float64 { return 2 })
	sum := w.Shape(in, report.FoldSum)
	mean := w.Shape(in, report.FoldMean)
	wantSums := []float64{48, 50, 48}
	if len(sum) != 3 || len(mean) != 3 {
		t.Fatalf("%d and %d days, want 3", len(sum), len(mean))
	}
	for i := range 3 {
		midnight := time.Date(2026, 10, 24+i, 0, 0, 0, 0, berlin)
		if !sum[i].Time.Equal(midnight) || sum[i].Value != wantSums[i] {
			t.Errorf("sum day %d = %s %v, want %s %v", i, sum[i].Time, sum[i].Value, midnight, wantSums[i])
		}
		if mean[i].Value != 2 {
			t.Errorf("mean day %d = %v, want 2", i, mean[i].Value)
		}
	}
	if m := w.Model(); m.Interval != 24*time.Hour {
		t.Errorf("model interval %s, want a day", m.Interval)
	}
}

func TestShapeMetricShapesProcessesAndRuns(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 22, 0, 0, 0, 0, berlin)
	w := &plan.Window{Start: start, End: start.Add(2 * time.Hour), Location: berlin, Interval: time.Hour, FetchInterval: time.Hour}
	m := &report.Metric{
		Processes: []report.Process{{Name: "web", Points: hours(start.Add(-time.Hour), 4, func(i int) float64 { return float64(i) })}},
		Runs:      []report.Run{{Start: start.UTC(), End: start.Add(time.Hour).UTC()}},
	}
	w.ShapeMetric(m, report.CPUUsage)
	if m.Key != report.CPUUsage || m.Points == nil || len(m.Points) != 0 {
		t.Errorf("key %q points %#v", m.Key, m.Points)
	}
	if ps := m.Processes[0].Points; len(ps) != 2 || ps[0].Value != 1 || ps[1].Value != 2 {
		t.Errorf("process points = %+v, want the two hours of the window", ps)
	}
	if m.Runs[0].Start.Location() != berlin || m.Runs[0].End.Location() != berlin {
		t.Errorf("runs not in the window's zone: %+v", m.Runs[0])
	}
}
