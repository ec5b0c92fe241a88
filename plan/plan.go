// Package plan resolves a report's periods against an instant: the windows
// a run reports on, their previous windows, how each is fetched (bucket,
// fetch interval, fold) and how fetched points are shaped into them. It is
// pure: no I/O, no clock, no environment (docs/ARCHITECTURE.md).
package plan

import (
	"fmt"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// Window is one period of one report resolved against now: the half-open
// range [Start, End) in the report's zone, the bucket it is shown in and
// how it is fetched.
type Window struct {
	// Report is the report's name; Period the period's name (a named
	// period such as previous_week, or a custom period's name).
	Report, Period string
	// Start and End bound the window, [Start, End), in Location.
	Start, End time.Time
	Location   *time.Location
	// Interval is the bucket the report shows (1h, 6h or 24h).
	Interval time.Duration
	// FetchInterval is what is asked of the API: Interval, or an hour where
	// daily or 6-hour buckets are of the local clock of a zone other than
	// UTC (Fold): the API's buckets are UTC-aligned.
	FetchInterval time.Duration
	// Fold says to fold hourly points into local buckets of Interval
	// (report.FoldLocal).
	Fold bool
	// Previous is the window compared against, or nil (compare_previous
	// off, an empty window, or a previous window wholly past retention).
	Previous *Window
	// PastRetention is the previous window when it lies wholly past
	// Kinsta's retention and Previous is nil for that reason: a run that
	// keeps a history may still compare against it (RestorePrevious).
	PastRetention *Window
	// dropNote is the note saying there is no change for that reason.
	dropNote string
	// Notes are remarks shown with the period (daily buckets, an empty
	// window, retention).
	Notes []string
}

// Key names the window stably across runs: report, period and the local
// date of its start, e.g. "weekly-ops/previous_week/2026-11-16"; a start
// that is not a local midnight adds its clock time ("…/2026-11-16T06:00").
// A send ledger or a history of windows keys on it.
func (w *Window) Key() string {
	start := w.Start.In(w.loc())
	day := start.Format("2006-01-02")
	if report.LocalMidnight(start, w.loc()) != start {
		day = start.Format("2006-01-02T15:04")
	}
	return w.Report + "/" + w.Period + "/" + day
}

// Closed says whether the window has ended at now: every bucket in it is
// final.
func (w *Window) Closed(now time.Time) bool { return !now.Before(w.End) }

// Empty says whether the window has nothing to fetch (week_to_date at the
// first instant of its week): its metrics are empty, not missing.
func (w *Window) Empty() bool { return !w.End.After(w.Start) }

// Model is the window as the report model's period, without apps: the
// shown interval is a day when the window folds hours into days.
func (w *Window) Model() report.Period {
	return report.Period{Name: w.Period, Start: w.Start, End: w.End, Interval: w.Interval, Notes: append([]string(nil), w.Notes...)}
}

func (w *Window) loc() *time.Location {
	if w.Location == nil {
		return time.UTC
	}
	return w.Location
}

// Plan is every window of one report at one instant.
type Plan struct {
	Report   string
	Now      time.Time
	Location *time.Location
	Windows  []*Window
	// Notes are report-wide remarks (a window reaching past retention).
	Notes []string
}

// PeriodError is a period of the config that cannot be resolved at now;
// Line is the period's line in the config file.
type PeriodError struct {
	Line int
	// Index is the period's position in the report's periods.
	Index int
	Err   error
}

func (e *PeriodError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *PeriodError) Unwrap() error { return e.Err }

// For resolves the periods of rc against now in rc's zone (UTC when it has
// none), in config order, each with its previous window when rc compares.
func For(rc report.ReportConfig, now time.Time) (Plan, error) {
	loc := rc.Location
	if loc == nil {
		loc = time.UTC
	}
	p := Plan{Report: rc.Name, Now: now, Location: loc}
	for i, spec := range rc.Periods {
		name, start, end, err := report.ResolvePeriod(spec, now, loc)
		if err == nil {
			err = notYetBegun(spec, start, now, loc)
		}
		if err != nil {
			return Plan{}, &PeriodError{Line: spec.Line, Index: i, Err: err}
		}
		interval := report.IntervalFor(rc.Interval, start, end)
		w := newWindow(rc.Name, name, start, end, interval, loc)
		switch {
		case interval == 24*time.Hour && w.Fold:
			w.Notes = append(w.Notes, dailyFoldedNote)
		case interval == 24*time.Hour:
			w.Notes = append(w.Notes, dailyNote)
		}
		if note := partHourNote(w); note != "" {
			w.Notes = append(w.Notes, note)
		}
		if w.Empty() {
			w.Notes = append(w.Notes, fmt.Sprintf("%s is empty: at %s it has not begun, so there is nothing to report yet.",
				name, now.In(loc).Format("2006-01-02 15:04 MST")))
		}
		if note := endsAfterNow(spec, w, now); note != "" {
			w.Notes = append(w.Notes, note)
		}
		var prev *Window
		if rc.Compare && !w.Empty() {
			ps, pe := report.PreviousRange(name, start, end, loc)
			prev = newWindow(rc.Name, name, ps, pe, interval, loc)
		}
		r := retention(w, prev, now)
		p.Notes = append(p.Notes, r.report...)
		w.Notes = append(w.Notes, r.window...)
		if r.keepPrevious {
			w.Previous = prev
		} else if prev != nil {
			w.PastRetention, w.dropNote = prev, r.dropNote
		}
		p.Windows = append(p.Windows, w)
	}
	return p, nil
}

// dailyFoldedNote is the note of daily buckets folded from hourly points:
// the peaks of the averaged metrics are the highest hour (Metric.FinePeak).
const dailyFoldedNote = "Daily buckets: each point is a local day (bandwidth and build time summed over its hours, " +
	"the other metrics averaged). Peaks are the highest hour, fetched hourly; for bandwidth and build time, the highest day."

const dailyNote = "Daily buckets: each point is a local day (bandwidth and build time summed over its hours, " +
	"the other metrics averaged), so a peak here is the highest day, not the highest hour."

func newWindow(reportName, period string, start, end time.Time, interval time.Duration, loc *time.Location) *Window {
	w := &Window{Report: reportName, Period: period, Start: start, End: end, Location: loc, Interval: interval, FetchInterval: interval}
	// Daily and 6-hour figures follow the local clock: where the zone is
	// not UTC, fetch hourly buckets and fold them (the API's 6-hour buckets
	// start at 00:00 UTC, 01:00 in Berlin).
	if (interval == 24*time.Hour || interval == 6*time.Hour) && !isUTC(loc) {
		w.FetchInterval = time.Hour
		w.Fold = true
	}
	return w
}

// partHourNote says where local days and 6-hour buckets really begin in a
// zone whose offset from UTC is not whole hours (India +5:30, Nepal +5:45,
// Newfoundland -3:30). They are folded from the API's hourly buckets,
// which start on the UTC hour, so each bucket goes to the local day or
// quarter its start falls in: an India day runs from 00:30 to 00:30.
// "" for whole-hour zones and for hourly reports.
func partHourNote(w *Window) string {
	if !w.Fold {
		return ""
	}
	_, off := w.Start.In(w.loc()).Zone()
	m := ((off/60)%60 + 60) % 60
	if m == 0 {
		return ""
	}
	what := "each local day runs from 00:%02[2]d to 00:%02[2]d"
	if w.Interval == 6*time.Hour {
		what = "each 6-hour bucket starts at 00:%02[2]d, 06:%02[2]d, 12:%02[2]d or 18:%02[2]d"
	}
	return fmt.Sprintf("%[1]s is not a whole number of hours from UTC, and Kinsta's hourly buckets start on the UTC hour: "+what+" local time.",
		w.loc().String(), m)
}

func isUTC(loc *time.Location) bool {
	switch loc.String() {
	case "UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Zulu", "Zulu", "Etc/GMT", "GMT":
		return true
	}
	return false
}
