package report

import (
	"testing"
	"time"
)

func hourly(from time.Time, n int, every int) []Point {
	var ps []Point
	for i := 0; i < n; i += every {
		ps = append(ps, Point{Time: from.Add(time.Duration(i) * time.Hour), Value: 1})
	}
	return ps
}

// TestCoverage counts the buckets with data against the whole buckets of
// the period: hours, local days across a DST change, processes together,
// runs by the time they cover.
func TestCoverage(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	week := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	hourWeek := Period{Start: week, End: week.AddDate(0, 0, 7), Interval: time.Hour}
	// October 24 to 26 in Berlin: 24 + 25 hours, two local days.
	dst := Period{Start: time.Date(2026, 10, 24, 0, 0, 0, 0, berlin), End: time.Date(2026, 10, 26, 0, 0, 0, 0, berlin), Interval: 24 * time.Hour}
	for _, tc := range []struct {
		name string
		p    Period
		m    *Metric
		want *float64
	}{
		{"every hour", hourWeek, &Metric{Key: Bandwidth, Points: hourly(week, 168, 1)}, F(1)},
		{"every other hour", hourWeek, &Metric{Key: Bandwidth, Points: hourly(week, 168, 2)}, F(0.5)},
		{"nothing", hourWeek, &Metric{Key: Bandwidth, Points: []Point{}}, F(0)},
		{"points outside the period do not count", hourWeek, &Metric{Key: Bandwidth, Points: hourly(week.AddDate(0, 0, -7), 168, 1)}, F(0)},
		{"processes together", hourWeek, &Metric{Key: CPUUsage, Processes: []Process{
			{Name: "web", Points: hourly(week, 84, 1)}, {Name: "worker", Points: hourly(week, 168, 2)}}}, F(0.75)},
		{"local days across DST", dst, &Metric{Key: HTTPRequests, Points: []Point{{Time: dst.Start, Value: 3}}}, F(0.5)},
		{"runs cover a day of the week", hourWeek, &Metric{Key: RunTime, Runs: []Run{
			{Start: week.Add(-time.Hour), End: week.Add(12 * time.Hour)}, {Start: week.Add(6 * time.Hour), End: week.Add(24 * time.Hour)}}}, F(1.0 / 7)},
		{"slowest requests have none", hourWeek, &Metric{Key: SlowestRequests}, nil},
		{"an empty period has none", Period{Start: week, End: week, Interval: time.Hour}, &Metric{Key: Bandwidth}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Coverage(tc.p, tc.m)
			if (got == nil) != (tc.want == nil) || (got != nil && (*got-*tc.want > 1e-12 || *tc.want-*got > 1e-12)) {
				t.Errorf("Coverage = %v, want %v", covVal(got), covVal(tc.want))
			}
		})
	}
}

func covVal(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

func TestCoverageReason(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cur, prev *float64
		want      string
	}{
		{F(1), F(1), ""},
		{F(0.9), F(0.9), ""},
		{F(1), F(0.3449), "n/a: previous period 34 % covered"},
		{F(0.899), F(1), "n/a: this period 89 % covered"},
		{F(0.5), F(0.25), "n/a: this period 50 %, previous period 25 % covered"},
		{nil, F(0.1), "n/a: previous period 10 % covered"},
		{nil, nil, ""},
	} {
		if got := CoverageReason(tc.cur, tc.prev); got != tc.want {
			t.Errorf("CoverageReason(%v, %v) = %q, want %q", covVal(tc.cur), covVal(tc.prev), got, tc.want)
		}
	}
}

// TestBuildWithholdsChangesOfPartlyCoveredPeriods: Build computes the
// change, then withholds its percentages where the previous week is 3/7
// covered, keeping the previous figures and saying why, for a series and
// for each process.
func TestBuildWithholdsChangesOfPartlyCoveredPeriods(t *testing.T) {
	t.Parallel()
	week := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	days := func(start time.Time, n int) []Point {
		var ps []Point
		for i := range n {
			ps = append(ps, Point{Time: start.AddDate(0, 0, i), Value: 10})
		}
		return ps
	}
	mk := func(start time.Time, n int) Period {
		return Period{Name: "previous_week", Start: start, End: start.AddDate(0, 0, 7), Interval: 24 * time.Hour, Apps: []App{{ID: "a", Metrics: map[MetricKey]*Metric{
			Bandwidth: {Key: Bandwidth, Points: days(start, n)},
			CPUUsage:  {Key: CPUUsage, Processes: []Process{{Name: "web", Points: days(start, n)}}},
		}}}}
	}
	for _, tc := range []struct {
		prevDays int
		reason   string
	}{
		{7, ""},
		{3, "n/a: previous period 42 % covered"},
	} {
		cur, prev := mk(week, 7), mk(week.AddDate(0, 0, -7), tc.prevDays)
		cur.Previous = &prev
		r := Report{Periods: []Period{cur}}
		Build(&r, nil)
		bw := r.Periods[0].Apps[0].Metrics[Bandwidth]
		cpu := r.Periods[0].Apps[0].Metrics[CPUUsage].Processes[0]
		for what, ch := range map[string]*Change{"bandwidth": bw.Summary.Change, "cpu web": cpu.Summary.Change} {
			if ch == nil || ch.Reason != tc.reason || ch.Previous.Peak == nil {
				t.Errorf("%d previous days, %s: change %+v, want reason %q and the previous figures", tc.prevDays, what, ch, tc.reason)
				continue
			}
			if shown := ch.Percent.Peak != nil; shown != (tc.reason == "") {
				t.Errorf("%d previous days, %s: percent shown %v with reason %q", tc.prevDays, what, shown, tc.reason)
			}
		}
		if bw.Coverage == nil || *bw.Coverage != 1 {
			t.Errorf("coverage %v, want 1", covVal(bw.Coverage))
		}
	}
}
