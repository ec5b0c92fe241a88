package plan

import (
	"fmt"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// Cadence is how often a report is due.
type Cadence string

// Cadences: the first period's (yesterday and last_N_days daily,
// previous_week weekly, previous_month monthly) or `every`'s; a custom
// period is due once, when it ends; a *_to_date period on every run.
const (
	Daily   Cadence = "day"
	Weekly  Cadence = "week"
	Monthly Cadence = "month"
	Once    Cadence = "once"
	EachRun Cadence = "run"
)

// Due is one due date of a report: the local date (in the report's zone)
// on which its period closed.
type Due struct {
	// Date is the due date, YYYY-MM-DD: the artifacts' base name and the
	// send ledger's key.
	Date string
	// At is the instant the report's periods are resolved against for this
	// due date: the first instant of Date in the report's zone; for a
	// *_to_date report on every run, the run's now; for a custom period
	// ending inside its last day, that end.
	At time.Time
}

// Schedule is what one run of a report has to produce.
type Schedule struct {
	Cadence Cadence
	// Due are the due dates to produce, oldest first: every due date after
	// the last one sent up to now, at most CatchUp of them before the
	// latest; the latest due date at now is always among them, even when
	// it is not after the last one sent (the ledger then says whether it
	// was sent). Empty when nothing has come due yet (a custom period that
	// has not ended).
	Due []Due
	// Skipped are the missed due dates left out for catch_up, oldest first.
	Skipped []string
	// Next is the next due date after now ("" for Once and EachRun once
	// due): what "nothing due" points to.
	Next string
}

// maxDueDates bounds the due dates a schedule walks from the last one sent
// (a daily report last sent ten years ago walks 3,660).
const maxDueDates = 3660

// DueDates resolves which due dates of rc a run at now produces, given the
// last due date sent (or written; "" when none, YYYY-MM-DD otherwise). With
// nothing sent yet only the latest due date is produced. See "State:
// history and the send ledger" in docs/reference.md.
func DueDates(rc report.ReportConfig, now time.Time, lastSent string) (Schedule, error) {
	loc := rc.Location
	if loc == nil {
		loc = time.UTC
	}
	now = now.In(loc)
	if len(rc.Periods) == 0 {
		return Schedule{}, fmt.Errorf("report %s has no periods", rc.Name)
	}
	var last civil
	if lastSent != "" {
		t, err := time.Parse(time.DateOnly, lastSent)
		if err != nil {
			return Schedule{}, fmt.Errorf("report %s: last sent due date %q: want YYYY-MM-DD", rc.Name, lastSent)
		}
		last = civilOf(t)
	}
	cad := CadenceOf(rc)
	s := Schedule{Cadence: cad}
	today := civilOf(now)
	switch cad {
	case EachRun:
		s.Due = []Due{{Date: today.String(), At: now}}
		return s, nil
	case Once:
		_, _, end, err := report.ResolvePeriod(rc.Periods[0], now, loc)
		if err != nil {
			return Schedule{}, &PeriodError{Line: rc.Periods[0].Line, Err: err}
		}
		d := civilOf(end.In(loc))
		if end.After(now) {
			s.Next = d.String()
			return s, nil
		}
		at := d.start(loc)
		if end.After(at) {
			at = end // a custom end inside its last day: resolve once it has passed
		}
		s.Due = []Due{{Date: d.String(), At: at}}
		return s, nil
	}

	latest := latestDue(cad, today)
	s.Next = step(cad, latest, 1).String()
	if lastSent == "" || !last.before(latest) {
		s.Due = []Due{{Date: latest.String(), At: latest.start(loc)}}
		return s, nil
	}
	// Every due date after the last one sent, newest first, then reversed.
	var missed []civil
	for d := step(cad, latest, -1); last.before(d) && len(missed) < maxDueDates; d = step(cad, d, -1) {
		missed = append(missed, d)
	}
	keep := min(len(missed), rc.CatchUp)
	for i := len(missed) - 1; i >= keep; i-- {
		s.Skipped = append(s.Skipped, missed[i].String())
	}
	for i := keep - 1; i >= 0; i-- {
		s.Due = append(s.Due, Due{Date: missed[i].String(), At: missed[i].start(loc)})
	}
	s.Due = append(s.Due, Due{Date: latest.String(), At: latest.start(loc)})
	return s, nil
}

// CadenceOf is how often rc is due: `every` when set, else its first
// period's cadence.
func CadenceOf(rc report.ReportConfig) Cadence {
	switch rc.Every {
	case report.EveryDay:
		return Daily
	case report.EveryWeek:
		return Weekly
	case report.EveryMonth:
		return Monthly
	}
	first := rc.Periods[0]
	if first.Start != "" || first.End != "" {
		return Once
	}
	switch first.Name {
	case report.PeriodPreviousWeek:
		return Weekly
	case report.PeriodPreviousMonth:
		return Monthly
	case report.PeriodWeekToDate, report.PeriodMonthToDate:
		return EachRun
	}
	return Daily // yesterday, last_N_days
}

// civil is a calendar date, free of any zone.
type civil struct {
	y int
	m time.Month
	d int
}

func civilOf(t time.Time) civil {
	y, m, d := t.Date()
	return civil{y, m, d}
}

// norm normalizes the date as time.Date does (day 0 is the last of the
// month before).
func (c civil) norm() civil {
	return civilOf(time.Date(c.y, c.m, c.d, 12, 0, 0, 0, time.UTC))
}

func (c civil) String() string { return fmt.Sprintf("%04d-%02d-%02d", c.y, c.m, c.d) }

func (c civil) before(o civil) bool {
	if c.y != o.y {
		return c.y < o.y
	}
	if c.m != o.m {
		return c.m < o.m
	}
	return c.d < o.d
}

// start is the first instant of the date in loc: its midnight, or the end
// of the gap where the clocks skip midnight.
func (c civil) start(loc *time.Location) time.Time {
	return report.LocalMidnight(time.Date(c.y, c.m, c.d, 12, 0, 0, 0, loc), loc)
}

// latestDue is the latest due date on or before today: today (daily), this
// week's Monday (weekly), the 1st of this month (monthly).
func latestDue(cad Cadence, today civil) civil {
	switch cad {
	case Weekly:
		wd := (int(time.Date(today.y, today.m, today.d, 12, 0, 0, 0, time.UTC).Weekday()) + 6) % 7
		return civil{today.y, today.m, today.d - wd}.norm()
	case Monthly:
		return civil{today.y, today.m, 1}
	}
	return today
}

// step moves a due date n cadences on (back when n < 0).
func step(cad Cadence, d civil, n int) civil {
	switch cad {
	case Weekly:
		return civil{d.y, d.m, d.d + 7*n}.norm()
	case Monthly:
		return civil{d.y, d.m + time.Month(n), 1}.norm()
	}
	return civil{d.y, d.m, d.d + n}.norm()
}
