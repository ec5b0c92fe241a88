package report

import (
	"testing"
	"time"
)

func TestNormalizeSortsAndKeepsLastOfRepeatedTime(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	in := []Point{{t0.Add(2 * time.Hour), 3}, {t0, 1}, {t0.Add(time.Hour), 2}, {t0, 9}}
	got := Normalize(in)
	want := []Point{{t0, 9}, {t0.Add(time.Hour), 2}, {t0.Add(2 * time.Hour), 3}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if !got[i].Time.Equal(want[i].Time) || got[i].Value != want[i].Value {
			t.Errorf("[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if in[0].Value != 3 {
		t.Error("Normalize changed its input")
	}
}

func TestFoldDaysAcrossDST(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		day   time.Time
		hours int
	}{
		{"spring forward: 23 hours", time.Date(2026, 3, 29, 0, 0, 0, 0, berlin), 23},
		{"fall back: 25 hours", time.Date(2026, 10, 25, 0, 0, 0, 0, berlin), 25},
		{"ordinary day", time.Date(2026, 11, 16, 0, 0, 0, 0, berlin), 24},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			next := tc.day.AddDate(0, 0, 1)
			var pts []Point
			for h := tc.day.UTC(); h.Before(next); h = h.Add(time.Hour) {
				pts = append(pts, Point{Time: h, Value: 2})
			}
			if len(pts) != tc.hours {
				t.Fatalf("%d hours in the day, want %d", len(pts), tc.hours)
			}
			sum := FoldDays(pts, berlin, FoldSum)
			mean := FoldDays(pts, berlin, FoldMean)
			if len(sum) != 1 || len(mean) != 1 {
				t.Fatalf("folded into %d and %d days, want 1", len(sum), len(mean))
			}
			if !sum[0].Time.Equal(tc.day) || sum[0].Value != float64(2*tc.hours) || mean[0].Value != 2 {
				t.Errorf("sum %v, mean %v", sum[0], mean[0])
			}
		})
	}
}

func TestFinalizeFiguresPerMetric(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	pts := []Point{{t0, 4}, {t0.Add(time.Hour), 10}, {t0.Add(2 * time.Hour), 1}}
	r := Report{Periods: []Period{{Apps: []App{{Metrics: map[MetricKey]*Metric{
		Bandwidth:    {Key: Bandwidth, Points: pts},
		HTTPRequests: {Key: HTTPRequests, Points: pts},
		RunTime:      {Key: RunTime, Runs: []Run{{Seconds: 30}, {Seconds: 12}}},
		CPUUsage:     {Key: CPUUsage, Processes: []Process{{Name: "worker", Points: pts[:1]}, {Name: "web", Points: nil}}},
	}}}}}}
	Finalize(&r)
	m := r.Periods[0].Apps[0].Metrics
	check := func(name string, got *float64, want float64, present bool) {
		t.Helper()
		switch {
		case !present && got != nil:
			t.Errorf("%s = %v, want absent", name, *got)
		case present && (got == nil || *got != want):
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("bandwidth total", m[Bandwidth].Summary.Total, 15, true)
	check("bandwidth peak", m[Bandwidth].Summary.Peak, 10, true)
	check("bandwidth average", m[Bandwidth].Summary.Average, 0, false)
	check("requests average", m[HTTPRequests].Summary.Average, 5, true)
	check("requests total", m[HTTPRequests].Summary.Total, 0, false)
	check("run time total", m[RunTime].Summary.Total, 42, true)
	procs := m[CPUUsage].Processes
	if procs[0].Name != "web" || procs[1].Name != "worker" {
		t.Errorf("processes not sorted by name: %v, %v", procs[0].Name, procs[1].Name)
	}
	check("web (no data) peak", procs[0].Summary.Peak, 0, false)
	check("worker peak", procs[1].Summary.Peak, 4, true)
	if m[Bandwidth].Unit != UnitBytes || m[CPUUsage].Unit != UnitPercent {
		t.Errorf("units %q %q", m[Bandwidth].Unit, m[CPUUsage].Unit)
	}
}

func TestLocalMidnightWhereClocksSkipMidnight(t *testing.T) {
	t.Parallel()
	santiago, err := time.LoadLocation("America/Santiago")
	if err != nil {
		t.Fatal(err)
	}
	// 2026-09-06: Chile's clocks jump from 00:00 to 01:00.
	noon := time.Date(2026, 9, 6, 12, 0, 0, 0, santiago)
	got := LocalMidnight(noon, santiago)
	if y, m, d := got.Date(); y != 2026 || m != 9 || d != 6 || got.Hour() != 1 {
		t.Errorf("day start = %s, want 2026-09-06T01:00 local", got)
	}
}
