package plan_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/plan"
	"github.com/kinsta-report/kinsta-report/report"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func rc(loc *time.Location, compare bool, interval string, periods ...report.PeriodSpec) report.ReportConfig {
	return report.ReportConfig{Name: "weekly-ops", Location: loc, Compare: compare, Interval: interval, Periods: periods}
}

func named(n string) report.PeriodSpec { return report.PeriodSpec{Name: n, Line: 7} }

// day is local midnight of y-m-d in loc.
func day(loc *time.Location, y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// TestForEveryPeriodKind resolves each period kind, its previous window,
// bucket, fetch interval and fold, and its key, at one instant.
func TestForEveryPeriodKind(t *testing.T) {
	t.Parallel()
	berlin := zone(t, "Europe/Berlin")
	utc := time.UTC
	now := time.Date(2026, 11, 23, 7, 0, 0, 0, berlin) // a Monday morning
	cases := []struct {
		name            string
		loc             *time.Location
		spec            report.PeriodSpec
		interval        string
		start, end      time.Time
		prevStart       time.Time // zero: no previous window
		prevEnd         time.Time
		bucket, fetchIv time.Duration
		fold            bool
		key             string
	}{
		{"yesterday", berlin, named("yesterday"), "", day(berlin, 2026, 11, 22), day(berlin, 2026, 11, 23),
			day(berlin, 2026, 11, 21), day(berlin, 2026, 11, 22), time.Hour, time.Hour, false, "weekly-ops/yesterday/2026-11-22"},
		{"last_7_days", berlin, named("last_7_days"), "", day(berlin, 2026, 11, 16), day(berlin, 2026, 11, 23),
			day(berlin, 2026, 11, 9), day(berlin, 2026, 11, 16), time.Hour, time.Hour, false, "weekly-ops/last_7_days/2026-11-16"},
		{"last_14_days daily folds in Berlin", berlin, named("last_14_days"), "", day(berlin, 2026, 11, 9), day(berlin, 2026, 11, 23),
			day(berlin, 2026, 10, 26), day(berlin, 2026, 11, 9), 24 * time.Hour, time.Hour, true, "weekly-ops/last_14_days/2026-11-09"},
		{"previous_week", berlin, named("previous_week"), "", day(berlin, 2026, 11, 16), day(berlin, 2026, 11, 23),
			day(berlin, 2026, 11, 9), day(berlin, 2026, 11, 16), time.Hour, time.Hour, false, "weekly-ops/previous_week/2026-11-16"},
		{"previous_month", berlin, named("previous_month"), "", day(berlin, 2026, 10, 1), day(berlin, 2026, 11, 1),
			// September lies wholly past retention: nothing to compare against.
			time.Time{}, time.Time{}, 24 * time.Hour, time.Hour, true, "weekly-ops/previous_month/2026-10-01"},
		{"week_to_date", berlin, named("week_to_date"), "", day(berlin, 2026, 11, 23), now,
			day(berlin, 2026, 11, 16), now.AddDate(0, 0, -7), time.Hour, time.Hour, false, "weekly-ops/week_to_date/2026-11-23"},
		{"month_to_date", berlin, named("month_to_date"), "", day(berlin, 2026, 11, 1), now,
			time.Time{}, time.Time{}, 24 * time.Hour, time.Hour, true, "weekly-ops/month_to_date/2026-11-01"},
		{"custom", berlin, report.PeriodSpec{Name: "launch", Start: "2026-11-10", End: "2026-11-12"}, "", day(berlin, 2026, 11, 10), day(berlin, 2026, 11, 13),
			day(berlin, 2026, 11, 7), day(berlin, 2026, 11, 10), time.Hour, time.Hour, false, "weekly-ops/launch/2026-11-10"},
		{"custom starting mid-day", berlin, report.PeriodSpec{Name: "incident", Start: "2026-11-20T06:00:00+01:00", End: "2026-11-20T18:00:00+01:00"}, "",
			time.Date(2026, 11, 20, 6, 0, 0, 0, berlin), time.Date(2026, 11, 20, 18, 0, 0, 0, berlin),
			time.Date(2026, 11, 19, 6, 0, 0, 0, berlin), time.Date(2026, 11, 19, 18, 0, 0, 0, berlin), time.Hour, time.Hour, false, "weekly-ops/incident/2026-11-20T06:00"},
		// A UTC daily report asks the API for days (86400 s), not hours to fold.
		{"UTC daily fetches days", utc, named("previous_week"), "1d", day(utc, 2026, 11, 16), day(utc, 2026, 11, 23),
			day(utc, 2026, 11, 9), day(utc, 2026, 11, 16), 24 * time.Hour, 24 * time.Hour, false, "weekly-ops/previous_week/2026-11-16"},
		{"Berlin daily fetches hours and folds", berlin, named("previous_week"), "1d", day(berlin, 2026, 11, 16), day(berlin, 2026, 11, 23),
			day(berlin, 2026, 11, 9), day(berlin, 2026, 11, 16), 24 * time.Hour, time.Hour, true, "weekly-ops/previous_week/2026-11-16"},
		{"6h buckets", utc, named("previous_week"), "6h", day(utc, 2026, 11, 16), day(utc, 2026, 11, 23),
			day(utc, 2026, 11, 9), day(utc, 2026, 11, 16), 6 * time.Hour, 6 * time.Hour, false, "weekly-ops/previous_week/2026-11-16"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := plan.For(rc(tc.loc, true, tc.interval, tc.spec), now)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Windows) != 1 {
				t.Fatalf("%d windows", len(p.Windows))
			}
			w := p.Windows[0]
			if !w.Start.Equal(tc.start) || !w.End.Equal(tc.end) {
				t.Errorf("window %s..%s, want %s..%s", w.Start, w.End, tc.start, tc.end)
			}
			if w.Start.Location() != tc.loc || w.Location != tc.loc {
				t.Errorf("window in %s/%s, want %s", w.Start.Location(), w.Location, tc.loc)
			}
			if w.Interval != tc.bucket || w.FetchInterval != tc.fetchIv || w.Fold != tc.fold {
				t.Errorf("bucket %s fetch %s fold %v, want %s %s %v", w.Interval, w.FetchInterval, w.Fold, tc.bucket, tc.fetchIv, tc.fold)
			}
			// Folded from hours, the peak is the highest hour (issue 13
			// item 10); fetched daily (UTC), the highest day.
			peakNote := "a peak here is the highest day, not the highest hour"
			if tc.fold {
				peakNote = "Peaks are the highest hour, fetched hourly"
			}
			daily := slices.ContainsFunc(w.Notes, func(n string) bool { return strings.Contains(n, peakNote) })
			if daily != (tc.bucket == 24*time.Hour) {
				t.Errorf("notes %q: a daily window says what its peak is, others do not", w.Notes)
			}
			if got := w.Key(); got != tc.key {
				t.Errorf("Key() = %q, want %q", got, tc.key)
			}
			if m := w.Model(); m.Name != w.Period || !m.Start.Equal(w.Start) || m.Interval != tc.bucket {
				t.Errorf("Model() = %+v", m)
			}
			if tc.prevStart.IsZero() {
				if w.Previous != nil {
					t.Errorf("previous window %s..%s, want none", w.Previous.Start, w.Previous.End)
				}
				return
			}
			if w.Previous == nil {
				t.Fatal("no previous window")
			}
			pw := w.Previous
			if !pw.Start.Equal(tc.prevStart) || !pw.End.Equal(tc.prevEnd) {
				t.Errorf("previous %s..%s, want %s..%s", pw.Start, pw.End, tc.prevStart, tc.prevEnd)
			}
			if pw.Interval != w.Interval || pw.FetchInterval != w.FetchInterval || pw.Fold != w.Fold || pw.Period != w.Period || pw.Previous != nil {
				t.Errorf("previous window is fetched differently: %+v", pw)
			}
		})
	}
}

func TestRequestAsksForTheFetchInterval(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	p, err := plan.For(rc(time.UTC, false, "1d", named("previous_week")), now)
	if err != nil {
		t.Fatal(err)
	}
	r := p.Windows[0].Request("app-1", report.Bandwidth, 10)
	if r.Interval != 24*time.Hour || r.App != "app-1" || r.Metric != report.Bandwidth || r.SlowestLimit != 10 ||
		!r.Start.Equal(day(time.UTC, 2026, 11, 16)) || !r.End.Equal(day(time.UTC, 2026, 11, 23)) {
		t.Errorf("request = %+v, want bandwidth of app-1 over the week at 86400 s", r)
	}
}

// TestForAcrossDST: local days across the changes are 23 and 25 hours
// long and still start at local midnight; the previous window of a week
// across a change keeps its wall-clock bounds.
func TestForAcrossDST(t *testing.T) {
	t.Parallel()
	berlin := zone(t, "Europe/Berlin")
	ny := zone(t, "America/New_York")
	cases := []struct {
		name      string
		loc       *time.Location
		now       time.Time
		period    string
		hours     float64 // length of the window
		prevHours float64
	}{
		{"Berlin yesterday is 25 h when summer time ends", berlin, time.Date(2026, 10, 26, 7, 0, 0, 0, berlin), "yesterday", 25, 24},
		{"Berlin yesterday is 23 h when summer time starts", berlin, time.Date(2026, 3, 30, 7, 0, 0, 0, berlin), "yesterday", 23, 24},
		{"Berlin previous_week across the autumn change", berlin, time.Date(2026, 10, 26, 7, 0, 0, 0, berlin), "previous_week", 169, 168},
		{"New York previous_week across the spring change", ny, time.Date(2026, 3, 9, 7, 0, 0, 0, ny), "previous_week", 167, 168},
		{"New York day after the change compares to the 23 h day", ny, time.Date(2026, 3, 10, 7, 0, 0, 0, ny), "yesterday", 24, 23},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := plan.For(rc(tc.loc, true, "", named(tc.period)), tc.now)
			if err != nil {
				t.Fatal(err)
			}
			w := p.Windows[0]
			if h := w.End.Sub(w.Start).Hours(); h != tc.hours {
				t.Errorf("window %s..%s is %v h, want %v", w.Start, w.End, h, tc.hours)
			}
			if h := w.Previous.End.Sub(w.Previous.Start).Hours(); h != tc.prevHours {
				t.Errorf("previous %s..%s is %v h, want %v", w.Previous.Start, w.Previous.End, h, tc.prevHours)
			}
			for _, at := range []time.Time{w.Start, w.End, w.Previous.Start, w.Previous.End} {
				if h, m, s := at.In(tc.loc).Clock(); h+m+s != 0 {
					t.Errorf("bound %s is not a local midnight", at)
				}
			}
			if !w.Previous.End.Equal(w.Start) {
				t.Errorf("previous ends %s, want the window's start %s", w.Previous.End, w.Start)
			}
		})
	}
}

func TestClosedAndEmpty(t *testing.T) {
	t.Parallel()
	berlin := zone(t, "Europe/Berlin")
	monday := day(berlin, 2026, 11, 23)
	p, err := plan.For(rc(berlin, true, "", named("week_to_date"), named("previous_week")), monday)
	if err != nil {
		t.Fatal(err)
	}
	wtd, pw := p.Windows[0], p.Windows[1]
	if !wtd.Empty() || wtd.Previous != nil {
		t.Errorf("week_to_date at its first instant: empty %v, previous %v; want empty and none", wtd.Empty(), wtd.Previous)
	}
	if len(wtd.Notes) != 1 || !strings.Contains(wtd.Notes[0], "week_to_date is empty") {
		t.Errorf("notes = %q", wtd.Notes)
	}
	if pw.Empty() {
		t.Error("previous_week is empty")
	}
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{monday.Add(-time.Nanosecond), false},
		{monday, true},
		{monday.Add(time.Hour), true},
	} {
		if got := pw.Closed(tc.at); got != tc.want {
			t.Errorf("Closed(%s) = %v, want %v", tc.at, got, tc.want)
		}
	}
}

// TestRetentionNotes pins the three wordings and when each applies.
func TestRetentionNotes(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	cases := []struct {
		period      string
		reportNote  string // "" when none
		windowNotes []string
		previous    bool
	}{
		{"previous_week", "", nil, true},
		{"last_20_days", "", []string{"The previous period (2026-10-14 to 2026-11-02) reaches back past Kinsta's 30-day retention: its figures may be incomplete."}, true},
		{"last_30_days", "", []string{"No change against the previous period: 2026-09-24 to 2026-10-23 lies beyond Kinsta's 30-day retention."}, false},
		{"last_40_days", "last_40_days starts 2026-10-14, further back than the 30 days Kinsta keeps analytics: its first days may be empty.",
			[]string{"last_40_days starts 2026-10-14, further back than the 30 days Kinsta keeps analytics: its first days may be empty.",
				"No change against the previous period: 2026-09-04 to 2026-10-13 lies beyond Kinsta's 30-day retention."}, false},
	}
	for _, tc := range cases {
		t.Run(tc.period, func(t *testing.T) {
			t.Parallel()
			p, err := plan.For(rc(time.UTC, true, "1h", named(tc.period)), now)
			if err != nil {
				t.Fatal(err)
			}
			w := p.Windows[0]
			if (tc.reportNote == "") != (len(p.Notes) == 0) || (tc.reportNote != "" && p.Notes[0] != tc.reportNote) {
				t.Errorf("report notes = %q, want %q", p.Notes, tc.reportNote)
			}
			if strings.Join(w.Notes, "|") != strings.Join(tc.windowNotes, "|") {
				t.Errorf("window notes =\n%q\nwant\n%q", w.Notes, tc.windowNotes)
			}
			if (w.Previous != nil) != tc.previous {
				t.Errorf("previous window %v, want one: %v", w.Previous, tc.previous)
			}
		})
	}
}

func TestForWithoutCompareHasNoPrevious(t *testing.T) {
	t.Parallel()
	p, err := plan.For(rc(nil, false, "", named("previous_week")), time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if p.Windows[0].Previous != nil || p.Location != time.UTC {
		t.Errorf("previous %v, location %v", p.Windows[0].Previous, p.Location)
	}
}

func TestForUnknownPeriodNamesItsLine(t *testing.T) {
	t.Parallel()
	_, err := plan.For(rc(time.UTC, true, "", report.PeriodSpec{Name: "last_quater", Line: 12}), time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC))
	var pe *plan.PeriodError
	if !errors.As(err, &pe) || pe.Line != 12 || !strings.Contains(err.Error(), "last_quater") {
		t.Errorf("err = %v", err)
	}
}

// TestRestorePreviousPastRetention: plan drops a previous window wholly
// past retention but keeps it aside; a run whose history holds it restores
// it, and the note saying "no change" gives way to one naming the history.
func TestRestorePreviousPastRetention(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	p, err := plan.For(rc(time.UTC, true, "", named("previous_month")), now)
	if err != nil {
		t.Fatal(err)
	}
	w := p.Windows[0]
	if w.Previous != nil || w.PastRetention == nil || !w.PastRetention.Start.Equal(day(time.UTC, 2026, 10, 1)) {
		t.Fatalf("previous %v, past retention %v; want none and October", w.Previous, w.PastRetention)
	}
	if len(w.Notes) != 2 || !strings.HasPrefix(w.Notes[1], "No change against the previous period") {
		t.Fatalf("notes %q", w.Notes)
	}
	w.RestorePrevious()
	if w.Previous == nil || w.PastRetention != nil || !w.Previous.End.Equal(day(time.UTC, 2026, 11, 1)) {
		t.Errorf("after restore: previous %v, past retention %v", w.Previous, w.PastRetention)
	}
	if got := strings.Join(w.Notes, "|"); strings.Contains(got, "No change") || !strings.Contains(got, "2026-10-01 to 2026-10-31) lies beyond Kinsta's 30-day retention: it is served from the history") {
		t.Errorf("notes after restore: %q", w.Notes)
	}
	w.RestorePrevious() // idempotent
	if n := len(w.Notes); n != 2 {
		t.Errorf("%d notes after a second restore, want 2", n)
	}
}

// In a zone that is not whole hours from UTC, days and 6-hour buckets are
// folded from hourly buckets that start on the UTC hour: the window says
// where its days really begin. Whole-hour zones and hourly reports say
// nothing.
func TestForPartHourZonesSayWhereDaysBegin(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	cases := []struct {
		zone, interval, period string
		want                   string // "" for no note
	}{
		{"Asia/Kolkata", "1d", "previous_week", "each local day runs from 00:30 to 00:30 local time"},
		{"Asia/Kathmandu", "", "yesterday", ""}, // a day in hours: nothing folded
		{"Asia/Kathmandu", "6h", "previous_week", "each 6-hour bucket starts at 00:45, 06:45, 12:45 or 18:45 local time"},
		{"America/St_Johns", "1d", "previous_week", "each local day runs from 00:30 to 00:30"},
		{"Europe/Berlin", "1d", "previous_week", ""},
		{"Asia/Kolkata", "1h", "previous_week", ""},
		{"UTC", "1d", "previous_week", ""},
	}
	for _, tc := range cases {
		t.Run(tc.zone+"/"+tc.interval+"/"+tc.period, func(t *testing.T) {
			t.Parallel()
			p, err := plan.For(rc(zone(t, tc.zone), false, tc.interval, named(tc.period)), now)
			if err != nil {
				t.Fatal(err)
			}
			var got string
			for _, n := range p.Windows[0].Notes {
				if strings.Contains(n, "not a whole number of hours") {
					got = n
				}
			}
			switch {
			case tc.want == "" && got != "":
				t.Errorf("note %q, want none", got)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Errorf("note %q, want one saying %q", got, tc.want)
			case tc.want != "" && !strings.Contains(got, tc.zone):
				t.Errorf("note %q does not name the zone %s", got, tc.zone)
			}
		})
	}
}
