package chart

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

func TestLTTB(t *testing.T) {
	t.Parallel()
	series := func(n int, f func(i int) float64) []xy {
		out := make([]xy, n)
		for i := range out {
			out[i] = xy{X: float64(i), Y: f(i)}
		}
		return out
	}
	wave := func(i int) float64 { return math.Sin(float64(i) / 24 * 2 * math.Pi) }
	spike := func(i int) float64 {
		if i == 377 {
			return 100
		}
		if i == 512 {
			return -50
		}
		return wave(i)
	}
	tests := []struct {
		name      string
		in        []xy
		threshold int
		wantLen   int
		mustKeep  []float64 // X values that must survive
	}{
		{"short stays", series(100, wave), 160, 100, nil},
		{"exact stays", series(160, wave), 160, 160, nil},
		{"threshold < 3 stays", series(10, wave), 2, 10, nil},
		{"hourly month", series(720, wave), 160, 160, []float64{0, 719}},
		{"spikes survive", series(720, spike), 160, 160, []float64{0, 377, 512, 719}},
		{"three points", series(720, wave), 3, 3, []float64{0, 719}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := lttb(tc.in, tc.threshold)
			if len(got) != tc.wantLen {
				t.Fatalf("len = %d, want %d", len(got), tc.wantLen)
			}
			seen := map[float64]bool{}
			for i, p := range got {
				if i > 0 && p.X <= got[i-1].X {
					t.Fatalf("points out of order at %d: %v after %v", i, p, got[i-1])
				}
				seen[p.X] = true
			}
			for _, x := range tc.mustKeep {
				if !seen[x] {
					t.Errorf("point at x=%v was dropped", x)
				}
			}
		})
	}
}

func TestSeriesDataJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    []xy
		scale float64
		want  string
	}{
		{"plain", []xy{{0, 1234}, {1, 2.5}, {2, 0}}, 1, `[1230,2.5,0]`},
		{"scaled", []xy{{0, 2.47e9}, {1, 3.756e9}}, 1e9, `[2.47,3.76]`},
		{"gappy is delta encoded", []xy{{0, 1}, {3, 2}, {7, 3}}, 1, `{"dx":[0,3,4],"y":[1,2,3]}`},
		{"not from zero", []xy{{2, 1}, {3, 2}}, 1, `{"dx":[2,1],"y":[1,2]}`},
		{"empty", nil, 1, `[]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(newSeriesData(tc.in, tc.scale))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("got %s, want %s", b, tc.want)
			}
		})
	}
}

func TestFormatRange(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	d := func(m time.Month, day, h int) time.Time { return time.Date(2026, m, day, h, 0, 0, 0, ny) }
	for _, tc := range []struct {
		start, end time.Time
		want       string
	}{
		{d(11, 1, 0), d(11, 8, 0), "Sun 1 Nov 2026 – Sat 7 Nov 2026"}, // across the DST end
		{d(11, 1, 0), d(11, 2, 0), "Sun 1 Nov 2026"},
		{d(11, 1, 6), d(11, 2, 6), "2026-11-01 06:00 EST – 2026-11-02 06:00 EST (end excluded)"},
		// An empty week_to_date on its first day: not "Mon 30 Nov – Sun 29 Nov".
		{d(11, 30, 0), d(11, 30, 0), "empty: starts Mon 30 Nov 2026"},
		{d(11, 30, 6), d(11, 30, 6), "empty: starts 2026-11-30 06:00 EST"},
	} {
		if got := formatRange(tc.start, tc.end, ny); got != tc.want {
			t.Errorf("formatRange(%v, %v) = %q, want %q", tc.start, tc.end, got, tc.want)
		}
	}
}

// A DST change makes a 25-hour local day: the daily axis still has one
// label per local day, and the hourly axis one per hour.
func TestBucketGridDST(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 10, 31, 0, 0, 0, 0, ny)
	end := time.Date(2026, 11, 3, 0, 0, 0, 0, ny)
	daily := newBucketGrid(report.Period{Start: start, End: end, Interval: 24 * time.Hour}, ny)
	if got := len(daily.labels); got != 3 {
		t.Errorf("daily grid has %d labels %q, want 3", got, daily.labels)
	}
	hourly := newBucketGrid(report.Period{Start: start, End: end, Interval: time.Hour}, ny)
	if got := len(hourly.labels); got != 73 {
		t.Errorf("hourly grid has %d labels, want 73 (one 25-hour day)", got)
	}
	// A point off the grid gets its own place instead of being dropped.
	off := report.Period{Start: start, End: end, Interval: 24 * time.Hour, Apps: []report.App{{
		Metrics: map[report.MetricKey]*report.Metric{report.Bandwidth: {Points: []report.Point{{Time: start.Add(90 * time.Minute), Value: 1}}}},
	}}}
	g := newBucketGrid(off, ny)
	if len(g.labels) != 4 || g.labels[1] != "31 Oct 01:30" {
		t.Errorf("grid with an off-grid point = %q", g.labels)
	}
}
