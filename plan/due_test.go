package plan_test

import (
	"slices"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/plan"
	"github.com/kinsta-report/kinsta-report/report"
)

func dueRC(loc *time.Location, every string, catchUp int, periods ...report.PeriodSpec) report.ReportConfig {
	return report.ReportConfig{Name: "weekly-ops", Location: loc, Every: every, CatchUp: catchUp, Periods: periods}
}

func custom(start, end string) report.PeriodSpec {
	return report.PeriodSpec{Name: "april", Start: start, End: end, Line: 9}
}

// TestDueDates walks cadences, catch-up, DST changes and month ends.
func TestDueDates(t *testing.T) {
	t.Parallel()
	berlin := zone(t, "Europe/Berlin")
	la := zone(t, "America/Los_Angeles")
	santiago := zone(t, "America/Santiago") // clocks skip midnight in September
	utc := time.UTC
	cases := []struct {
		name     string
		rc       report.ReportConfig
		now      time.Time
		last     string
		cadence  plan.Cadence
		dates    []string
		skipped  []string
		next     string
		firstAt  time.Time // zero: not checked
		latestAt time.Time // zero: not checked
	}{
		{"weekly, nothing sent: only the latest", dueRC(berlin, "", 4, named("previous_week")),
			time.Date(2026, 11, 25, 9, 0, 0, 0, berlin), "", plan.Weekly, []string{"2026-11-23"}, nil, "2026-11-30",
			time.Date(2026, 11, 23, 0, 0, 0, 0, berlin), time.Time{}},
		{"weekly, the latest sent: it again (the ledger says sent)", dueRC(berlin, "", 4, named("previous_week")),
			time.Date(2026, 11, 23, 7, 0, 0, 0, berlin), "2026-11-23", plan.Weekly, []string{"2026-11-23"}, nil, "2026-11-30", time.Time{}, time.Time{}},
		{"weekly, one week missed", dueRC(berlin, "", 4, named("previous_week")),
			time.Date(2026, 11, 23, 7, 0, 0, 0, berlin), "2026-11-09", plan.Weekly, []string{"2026-11-16", "2026-11-23"}, nil, "2026-11-30",
			time.Date(2026, 11, 16, 0, 0, 0, 0, berlin), time.Date(2026, 11, 23, 0, 0, 0, 0, berlin)},
		{"weekly, six missed, catch_up 2", dueRC(berlin, "", 2, named("previous_week")),
			time.Date(2026, 11, 23, 7, 0, 0, 0, berlin), "2026-10-12", plan.Weekly,
			[]string{"2026-11-09", "2026-11-16", "2026-11-23"}, []string{"2026-10-19", "2026-10-26", "2026-11-02"}, "2026-11-30", time.Time{}, time.Time{}},
		{"weekly, catch_up 0: only the latest", dueRC(berlin, "", 0, named("previous_week")),
			time.Date(2026, 11, 23, 7, 0, 0, 0, berlin), "2026-11-09", plan.Weekly, []string{"2026-11-23"}, []string{"2026-11-16"}, "2026-11-30", time.Time{}, time.Time{}},
		{"weekly in Los Angeles: Monday 06:17 UTC is still Sunday there", dueRC(la, "", 4, named("previous_week")),
			time.Date(2026, 11, 23, 6, 17, 0, 0, utc), "2026-11-09", plan.Weekly, []string{"2026-11-16"}, nil, "2026-11-23",
			time.Date(2026, 11, 16, 0, 0, 0, 0, la), time.Time{}},
		{"weekly across the end of summer time (Berlin, 2026-10-25)", dueRC(berlin, "", 4, named("previous_week")),
			time.Date(2026, 11, 2, 0, 30, 0, 0, berlin), "2026-10-19", plan.Weekly, []string{"2026-10-26", "2026-11-02"}, nil, "2026-11-09",
			time.Date(2026, 10, 26, 0, 0, 0, 0, berlin), time.Date(2026, 11, 2, 0, 0, 0, 0, berlin)},
		{"the first minute of a due date is due", dueRC(utc, "", 4, named("previous_week")),
			time.Date(2026, 11, 23, 0, 0, 0, 0, utc), "", plan.Weekly, []string{"2026-11-23"}, nil, "2026-11-30", time.Time{}, time.Time{}},
		{"the last instant before it is not", dueRC(utc, "", 4, named("previous_week")),
			time.Date(2026, 11, 22, 23, 59, 59, 0, utc), "", plan.Weekly, []string{"2026-11-16"}, nil, "2026-11-23", time.Time{}, time.Time{}},
		{"weekly across a year end", dueRC(utc, "", 4, named("previous_week")),
			time.Date(2027, 1, 5, 6, 0, 0, 0, utc), "2026-12-21", plan.Weekly, []string{"2026-12-28", "2027-01-04"}, nil, "2027-01-11", time.Time{}, time.Time{}},
		{"monthly across month ends of 31, 30 and 28 days", dueRC(berlin, "", 4, named("previous_month")),
			time.Date(2027, 3, 1, 6, 0, 0, 0, berlin), "2026-11-01", plan.Monthly, []string{"2026-12-01", "2027-01-01", "2027-02-01", "2027-03-01"}, nil, "2027-04-01",
			time.Date(2026, 12, 1, 0, 0, 0, 0, berlin), time.Date(2027, 3, 1, 0, 0, 0, 0, berlin)},
		{"monthly, the 31st belongs to its month", dueRC(utc, "", 4, named("previous_month")),
			time.Date(2026, 12, 31, 23, 0, 0, 0, utc), "", plan.Monthly, []string{"2026-12-01"}, nil, "2027-01-01", time.Time{}, time.Time{}},
		{"daily yesterday across the spring-forward day in LA (23 h)", dueRC(la, "", 4, named("yesterday")),
			time.Date(2027, 3, 15, 6, 0, 0, 0, la), "2027-03-12", plan.Daily, []string{"2027-03-13", "2027-03-14", "2027-03-15"}, nil, "2027-03-16",
			time.Date(2027, 3, 13, 0, 0, 0, 0, la), time.Date(2027, 3, 15, 0, 0, 0, 0, la)},
		{"daily last_N_days, nine missed, catch_up 4", dueRC(utc, "", 4, named("last_7_days")),
			time.Date(2026, 11, 23, 6, 0, 0, 0, utc), "2026-11-13", plan.Daily,
			[]string{"2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23"},
			[]string{"2026-11-14", "2026-11-15", "2026-11-16", "2026-11-17", "2026-11-18"}, "2026-11-24", time.Time{}, time.Time{}},
		{"a day whose midnight does not exist (Santiago, 2026-09-06) starts at 01:00", dueRC(santiago, "", 4, named("yesterday")),
			time.Date(2026, 9, 6, 12, 0, 0, 0, santiago), "", plan.Daily, []string{"2026-09-06"}, nil, "2026-09-07",
			time.Date(2026, 9, 6, 1, 0, 0, 0, santiago), time.Time{}},
		{"every: week overrides last_7_days", dueRC(utc, report.EveryWeek, 4, named("last_7_days")),
			time.Date(2026, 11, 26, 6, 0, 0, 0, utc), "2026-11-16", plan.Weekly, []string{"2026-11-23"}, nil, "2026-11-30", time.Time{}, time.Time{}},
		{"every: month overrides previous_week", dueRC(utc, report.EveryMonth, 4, named("previous_week")),
			time.Date(2026, 11, 26, 6, 0, 0, 0, utc), "", plan.Monthly, []string{"2026-11-01"}, nil, "2026-12-01", time.Time{}, time.Time{}},
		{"every: day overrides previous_month", dueRC(utc, report.EveryDay, 4, named("previous_month")),
			time.Date(2026, 11, 26, 6, 0, 0, 0, utc), "2026-11-24", plan.Daily, []string{"2026-11-25", "2026-11-26"}, nil, "2026-11-27", time.Time{}, time.Time{}},
		{"month_to_date: every run, at now", dueRC(berlin, "", 4, named("month_to_date"), named("yesterday")),
			time.Date(2026, 11, 26, 15, 4, 0, 0, berlin), "2026-11-26", plan.EachRun, []string{"2026-11-26"}, nil, "",
			time.Date(2026, 11, 26, 15, 4, 0, 0, berlin), time.Time{}},
		{"custom: due on the day it ended", dueRC(utc, "", 4, custom("2026-04-20", "2026-04-28")),
			time.Date(2026, 11, 26, 6, 0, 0, 0, utc), "", plan.Once, []string{"2026-04-29"}, nil, "",
			time.Date(2026, 4, 29, 0, 0, 0, 0, utc), time.Time{}},
		{"custom: sent, still that day", dueRC(utc, "", 4, custom("2026-04-20", "2026-04-28")),
			time.Date(2026, 11, 26, 6, 0, 0, 0, utc), "2026-04-29", plan.Once, []string{"2026-04-29"}, nil, "", time.Time{}, time.Time{}},
		{"custom: not ended yet, nothing due", dueRC(utc, "", 4, custom("2026-11-20", "2026-11-28")),
			time.Date(2026, 11, 26, 6, 0, 0, 0, utc), "", plan.Once, nil, nil, "2026-11-29", time.Time{}, time.Time{}},
		{"custom ending inside a day: resolved at its end", dueRC(utc, "", 4, custom("2026-11-20", "2026-11-25T12:00:00Z")),
			time.Date(2026, 11, 26, 6, 0, 0, 0, utc), "", plan.Once, []string{"2026-11-25"}, nil, "",
			time.Date(2026, 11, 25, 12, 0, 0, 0, utc), time.Time{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := plan.DueDates(tc.rc, tc.now, tc.last)
			if err != nil {
				t.Fatal(err)
			}
			var dates []string
			for _, d := range s.Due {
				dates = append(dates, d.Date)
			}
			if s.Cadence != tc.cadence || !slices.Equal(dates, tc.dates) || !slices.Equal(s.Skipped, tc.skipped) || s.Next != tc.next {
				t.Errorf("cadence %s, due %v, skipped %v, next %q; want %s, %v, %v, %q", s.Cadence, dates, s.Skipped, s.Next, tc.cadence, tc.dates, tc.skipped, tc.next)
			}
			if !tc.firstAt.IsZero() && (len(s.Due) == 0 || !s.Due[0].At.Equal(tc.firstAt)) {
				t.Errorf("first due %+v, want it resolved at %s", s.Due, tc.firstAt)
			}
			if !tc.latestAt.IsZero() && (len(s.Due) == 0 || !s.Due[len(s.Due)-1].At.Equal(tc.latestAt)) {
				t.Errorf("latest due %+v, want it resolved at %s", s.Due, tc.latestAt)
			}
		})
	}
}

// TestDueDatesResolveThePeriodThatClosed: each due date, resolved at its
// At, yields the period that closed on it: the week before each Monday,
// whatever the DST change in between.
func TestDueDatesResolveThePeriodThatClosed(t *testing.T) {
	t.Parallel()
	berlin := zone(t, "Europe/Berlin")
	r := dueRC(berlin, "", 4, named("previous_week"))
	s, err := plan.DueDates(r, time.Date(2026, 11, 2, 9, 0, 0, 0, berlin), "2026-10-12")
	if err != nil {
		t.Fatal(err)
	}
	wantStarts := []string{"2026-10-12", "2026-10-19", "2026-10-26"}
	if len(s.Due) != 3 {
		t.Fatalf("due %+v, want 3", s.Due)
	}
	for i, d := range s.Due {
		p, err := plan.For(r, d.At)
		if err != nil {
			t.Fatal(err)
		}
		w := p.Windows[0]
		if got := w.Start.Format(time.DateOnly); got != wantStarts[i] || w.End.In(berlin).Format(time.DateOnly) != d.Date || !w.Closed(d.At) {
			t.Errorf("due %s: window %s to %s, want the week from %s closing on the due date", d.Date, w.Start, w.End, wantStarts[i])
		}
	}
	// The week of the change has 169 hours.
	p, _ := plan.For(r, s.Due[1].At)
	if h := p.Windows[0].End.Sub(p.Windows[0].Start).Hours(); h != 169 {
		t.Errorf("the week across the end of summer time lasts %v h, want 169", h)
	}
}

func TestDueDatesRejectsABadLastSent(t *testing.T) {
	t.Parallel()
	if _, err := plan.DueDates(dueRC(time.UTC, "", 4, named("yesterday")), time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), "23.11.2026"); err == nil {
		t.Error("a last sent date that is not YYYY-MM-DD was accepted")
	}
}
