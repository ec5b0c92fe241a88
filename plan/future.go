package plan

import (
	"fmt"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// notYetBegun refuses a custom period that starts at or after now: it has
// no data at all, and reporting it would show zeros (or, from a simulator,
// invented figures) as if they were measured. Named periods never start
// after now (week_to_date at its first instant is empty, and noted).
func notYetBegun(spec report.PeriodSpec, start, now time.Time, loc *time.Location) error {
	if spec.Start == "" || start.Before(now) {
		return nil
	}
	return fmt.Errorf("custom period %q starts %s, after now (%s): it has no data yet (want a period that has begun, or remove it until then)",
		spec.Name, start.In(loc).Format("2006-01-02 15:04 MST"), now.In(loc).Format("2006-01-02 15:04 MST"))
}

// endsAfterNow is the note of a custom period that has begun but ends
// after now: its buckets after now are empty, not zero; "" otherwise.
func endsAfterNow(spec report.PeriodSpec, w *Window, now time.Time) string {
	if spec.Start == "" || !w.End.After(now) {
		return ""
	}
	loc := w.loc()
	return fmt.Sprintf("%s ends %s, after this report was made (%s): it covers only %s to %s so far, and its figures are not final.",
		w.Period, report.LastDay(w.End, loc).Format("2006-01-02"), now.In(loc).Format("2006-01-02 15:04 MST"),
		w.Start.Format("2006-01-02"), now.In(loc).Format("2006-01-02 15:04"))
}

// Check resolves the periods of rc (the index-th report of the config
// file) at now as a run would, for -check: problems stop a run (a custom
// period that has not begun); warnings do not (a period still running at
// now, a period reaching back past Kinsta's retention). Both print as
// FILE:LINE: reports[i].periods[j]: message.
func Check(file string, index int, rc report.ReportConfig, now time.Time) (problems, warnings []*report.FieldError) {
	loc := rc.Location
	if loc == nil {
		loc = time.UTC
	}
	for j, spec := range rc.Periods {
		fe := func(msg string) *report.FieldError {
			return &report.FieldError{File: file, Line: spec.Line, Path: fmt.Sprintf("reports[%d].periods[%d]", index, j), Msg: msg}
		}
		name, start, end, err := report.ResolvePeriod(spec, now, loc)
		if err == nil {
			err = notYetBegun(spec, start, now, loc)
		}
		if err != nil {
			problems = append(problems, fe(err.Error()))
			continue
		}
		w := newWindow(rc.Name, name, start, end, time.Hour, loc)
		if note := endsAfterNow(spec, w, now); note != "" {
			warnings = append(warnings, fe("warning: "+note))
		}
		if PastRetention(start, now) {
			y, m, d := now.In(loc).Date()
			kept := time.Date(y, m, d-report.RetentionDays, 0, 0, 0, 0, loc)
			warnings = append(warnings, fe(fmt.Sprintf("warning: %s starts %s, but Kinsta keeps analytics for %d days: the API has data only from %s on, so the days before read as empty (want a period within the last %d days for whole figures)",
				name, start.Format("2006-01-02"), report.RetentionDays, kept.Format("2006-01-02"), report.RetentionDays)))
		}
	}
	return problems, warnings
}
