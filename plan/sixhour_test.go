package plan_test

import (
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/plan"
	"github.com/kinsta-report/kinsta-report/report"
)

// Issue 13 item 11: 6-hour buckets outside UTC follow the local clock:
// fetched hourly and folded into 00:00, 06:00, 12:00 and 18:00 local
// blocks, so the window's total is the hourly total (the API's own 6h
// buckets start at 01:00 in Berlin and straddle the window's edges).
func TestSixHourBucketsAlignWithLocalMidnight(t *testing.T) {
	t.Parallel()
	berlin := zone(t, "Europe/Berlin")
	now := time.Date(2026, 11, 23, 7, 0, 0, 0, berlin)
	p, err := plan.For(rc(berlin, false, "6h", named("previous_week")), now)
	if err != nil {
		t.Fatal(err)
	}
	w := p.Windows[0]
	if w.Interval != 6*time.Hour || w.FetchInterval != time.Hour || !w.Fold || w.Model().Interval != 6*time.Hour {
		t.Fatalf("interval %v fetch %v fold %v model %v; want 6h shown, 1h fetched, folded", w.Interval, w.FetchInterval, w.Fold, w.Model().Interval)
	}
	// Hourly points from a day before to a day after the window, each
	// worth its UTC hour.
	var pts []report.Point
	var inside float64
	for t0 := w.Start.Add(-24 * time.Hour); t0.Before(w.End.Add(24 * time.Hour)); t0 = t0.Add(time.Hour) {
		v := float64(t0.UTC().Hour() + 1)
		pts = append(pts, report.Point{Time: t0.UTC(), Value: v})
		if !t0.Before(w.Start) && t0.Before(w.End) {
			inside += v
		}
	}
	got := w.Shape(pts, report.FoldSum)
	if len(got) != 28 {
		t.Fatalf("%d buckets, want 28 (7 days × 4)", len(got))
	}
	var total float64
	for i, pt := range got {
		if h := pt.Time.In(berlin).Hour(); h != i%4*6 || pt.Time.In(berlin).Minute() != 0 {
			t.Errorf("bucket %d starts %s, want %02d:00 local", i, pt.Time.In(berlin).Format("Mon 15:04"), i%4*6)
		}
		total += pt.Value
	}
	if total != inside || !got[0].Time.Equal(w.Start) {
		t.Errorf("total %v from %s, want the hourly total %v from %s", total, got[0].Time, inside, w.Start)
	}

	// In UTC the API's buckets are the local ones: no fold.
	p, _ = plan.For(rc(time.UTC, false, "6h", named("previous_week")), now)
	if w := p.Windows[0]; w.FetchInterval != 6*time.Hour || w.Fold {
		t.Errorf("UTC: fetch %v fold %v, want 6h unfolded", w.FetchInterval, w.Fold)
	}
}
