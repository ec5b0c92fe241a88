package report

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// RetentionDays is how many days of analytics Kinsta keeps.
const RetentionDays = 30

// Named periods of the contract, besides last_N_days.
const (
	PeriodYesterday     = "yesterday"
	PeriodPreviousWeek  = "previous_week"
	PeriodPreviousMonth = "previous_month"
	PeriodWeekToDate    = "week_to_date"
	PeriodMonthToDate   = "month_to_date"
)

// Interval settings of reports.yaml.
const (
	IntervalAuto = "auto"
	Interval1h   = "1h"
	Interval6h   = "6h"
	Interval1d   = "1d"
)

// maxLastDays bounds last_N_days so that date arithmetic stays sane.
const maxLastDays = 3660

var lastNDaysRE = regexp.MustCompile(`^last_([0-9]+)_days$`)

// periodKind classifies a period name.
type periodKind int

const (
	kindCustom periodKind = iota
	kindYesterday
	kindLastNDays
	kindPreviousWeek
	kindPreviousMonth
	kindWeekToDate
	kindMonthToDate
)

// namedPeriod parses a named period; n is N of last_N_days. ok is false
// for a name that is not one of the contract's.
func namedPeriod(name string) (kind periodKind, n int, ok bool) {
	switch name {
	case PeriodYesterday:
		return kindYesterday, 1, true
	case PeriodPreviousWeek:
		return kindPreviousWeek, 7, true
	case PeriodPreviousMonth:
		return kindPreviousMonth, 0, true
	case PeriodWeekToDate:
		return kindWeekToDate, 0, true
	case PeriodMonthToDate:
		return kindMonthToDate, 0, true
	}
	if m := lastNDaysRE.FindStringSubmatch(name); m != nil {
		n, err := strconv.Atoi(m[1])
		if err == nil && n >= 1 && n <= maxLastDays && m[1][0] != '0' {
			return kindLastNDays, n, true
		}
	}
	return kindCustom, 0, false
}

// IsNamedPeriod reports whether name is one of the contract's named periods
// (yesterday, last_N_days, previous_week, previous_month, week_to_date,
// month_to_date).
func IsNamedPeriod(name string) bool {
	_, _, ok := namedPeriod(name)
	return ok
}

// periodNamesHint lists what a period may be, for error messages.
const periodNamesHint = "want one of: yesterday, last_N_days, previous_week, previous_month, week_to_date, month_to_date, or {name, start, end}"

// ResolvePeriod resolves a period of a report against now in loc (UTC when
// nil), as the half-open range [start, end) with both ends in loc. name is
// the period's name: the named period itself, or a custom period's name.
//
// Named periods count whole local days before today: yesterday, last_N_days
// (the N days before today), previous_week (the last complete ISO week,
// Monday 00:00 to Monday 00:00), previous_month; week_to_date and
// month_to_date run from the start of this week or month to now (an empty
// range exactly at that start). A custom period's start and end are dates
// (2006-01-02) or RFC 3339 instants: a date-only start is that day's local
// midnight, a date-only end includes that whole day, an RFC 3339 end is
// exclusive.
//
// Days are calendar days of loc, so a day across a DST change is 23 or 25
// hours long and still one day.
func ResolvePeriod(spec PeriodSpec, now time.Time, loc *time.Location) (name string, start, end time.Time, err error) {
	if loc == nil {
		loc = time.UTC
	}
	now = now.In(loc)
	if spec.Start != "" || spec.End != "" {
		return resolveCustom(spec, loc)
	}
	kind, n, ok := namedPeriod(spec.Name)
	if !ok {
		return spec.Name, time.Time{}, time.Time{}, fmt.Errorf("unknown period %q (%s)", spec.Name, periodNamesHint)
	}
	y, m, d := now.Date()
	today := dayStart(y, m, d, loc)
	monday := d - isoWeekday(now)
	switch kind {
	case kindYesterday, kindLastNDays:
		start, end = dayStart(y, m, d-n, loc), today
	case kindPreviousWeek:
		start, end = dayStart(y, m, monday-7, loc), dayStart(y, m, monday, loc)
	case kindPreviousMonth:
		start, end = dayStart(y, m-1, 1, loc), dayStart(y, m, 1, loc)
	case kindWeekToDate:
		start, end = dayStart(y, m, monday, loc), now
	case kindMonthToDate:
		start, end = dayStart(y, m, 1, loc), now
	}
	return spec.Name, start, end, nil
}

// dayStart is the first instant of the local day y-m-d in loc (the date is
// normalized as time.Date does): its midnight, or, in a zone whose clocks
// jump over midnight (America/Santiago, America/Havana), the instant of the
// jump, so that the day never starts on the day before.
func dayStart(y int, m time.Month, d int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if t.Hour() != 0 || t.Minute() != 0 {
		// Midnight does not exist: time.Date picked a time before the gap.
		if _, end := t.ZoneBounds(); !end.IsZero() {
			return end.In(loc)
		}
	}
	return t
}

// isDayStart reports whether t is the first instant of its local day.
func isDayStart(t time.Time) bool {
	y, m, d := t.Date()
	return t.Equal(dayStart(y, m, d, t.Location()))
}

// isoWeekday is the number of days since Monday: 0 on Monday, 6 on Sunday.
func isoWeekday(t time.Time) int {
	return (int(t.Weekday()) + 6) % 7
}

// resolveCustom resolves a custom {name, start, end} period.
func resolveCustom(spec PeriodSpec, loc *time.Location) (string, time.Time, time.Time, error) {
	if spec.Start == "" {
		return spec.Name, time.Time{}, time.Time{}, fmt.Errorf("custom period %q has no start (want a date such as 2024-04-20 or an RFC 3339 time)", spec.Name)
	}
	if spec.End == "" {
		return spec.Name, time.Time{}, time.Time{}, fmt.Errorf("custom period %q has no end (want a date such as 2024-04-28 or an RFC 3339 time)", spec.Name)
	}
	start, _, err := parsePeriodTime(spec.Start, loc)
	if err != nil {
		return spec.Name, time.Time{}, time.Time{}, fmt.Errorf("start: %w", err)
	}
	end, dateOnly, err := parsePeriodTime(spec.End, loc)
	if err != nil {
		return spec.Name, time.Time{}, time.Time{}, fmt.Errorf("end: %w", err)
	}
	if dateOnly {
		y, m, d := end.Date()
		end = dayStart(y, m, d+1, loc) // a date-only end includes its whole day
	}
	if !end.After(start) {
		return spec.Name, start, end, fmt.Errorf("end %s is not after start %s (want an end after the start; a date-only end includes that day)", spec.End, spec.Start)
	}
	return spec.Name, start, end, nil
}

// parsePeriodTime parses a date (local midnight in loc) or an RFC 3339
// instant (shown in loc).
func parsePeriodTime(s string, loc *time.Location) (t time.Time, dateOnly bool, err error) {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		y, m, dd := d.Date()
		return dayStart(y, m, dd, loc), true, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc), false, nil
	}
	return time.Time{}, false, fmt.Errorf("%q is neither a date nor an RFC 3339 time (want e.g. 2024-04-20 or 2024-04-20T00:00:00+02:00)", s)
}

// IntervalFor returns the bucket size for an interval setting (auto, 1h,
// 6h, 1d) and a period. auto (or empty) means 1h for periods of up to 7 local
// days and 1d beyond; 1d means local days of the period's zone. An unknown
// setting is treated as auto (the config rejects it before).
func IntervalFor(setting string, start, end time.Time) time.Duration {
	switch setting {
	case Interval1h:
		return time.Hour
	case Interval6h:
		return 6 * time.Hour
	case Interval1d:
		return 24 * time.Hour
	}
	// Compare in local days: a week across a DST change is 167 or 169 hours.
	if !end.After(start.AddDate(0, 0, 7)) {
		return time.Hour
	}
	return 24 * time.Hour
}

// PreviousRange returns the period before [start, end) for comparison: the
// same period shifted back. previous_month: the month before; month_to_date:
// the month before, over the same number of elapsed days (at most that whole
// month); previous_week and week_to_date: 7 days before; yesterday and
// last_N_days: the N days before; a custom period: the same number of local
// days before, so that the two do not overlap. Days are calendar days of loc
// (UTC when nil); a time of day stays the same wall-clock time.
func PreviousRange(name string, start, end time.Time, loc *time.Location) (time.Time, time.Time) {
	if loc == nil {
		loc = time.UTC
	}
	start, end = start.In(loc), end.In(loc)
	kind, n, _ := namedPeriod(name)
	switch kind {
	case kindPreviousMonth, kindMonthToDate:
		y, m, _ := start.Date()
		prevStart := dayStart(y, m-1, 1, loc)
		monthStart := dayStart(y, m, 1, loc)
		if kind == kindPreviousMonth {
			return prevStart, monthStart
		}
		prevEnd := shiftDays(prevStart, daysBetween(monthStart, end))
		if !isDayStart(end) {
			h, mi, s := end.Clock()
			ey, em, ed := prevEnd.Date()
			prevEnd = time.Date(ey, em, ed, h, mi, s, end.Nanosecond(), loc)
		}
		if prevEnd.After(monthStart) {
			prevEnd = monthStart
		}
		return prevStart, prevEnd
	case kindPreviousWeek, kindWeekToDate:
		return shiftDays(start, -7), shiftDays(end, -7)
	case kindYesterday, kindLastNDays:
		return shiftDays(start, -n), start
	}
	// Custom: the number of local days the range touches.
	n = daysBetween(start, end)
	if !isDayStart(end) && clock(end) > clock(start) {
		n++
	}
	if n < 1 {
		n = 1
	}
	return shiftDays(start, -n), shiftDays(end, -n)
}

// shiftDays moves t by n calendar days in its location, keeping its
// wall-clock time; the start of a day moves to the start of a day.
func shiftDays(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	if isDayStart(t) {
		return dayStart(y, m, d+n, t.Location())
	}
	h, mi, s := t.Clock()
	return time.Date(y, m, d+n, h, mi, s, t.Nanosecond(), t.Location())
}

// daysBetween is the number of calendar days from a's date to b's date, in
// a's location.
func daysBetween(a, b time.Time) int {
	b = b.In(a.Location())
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	// Dates at UTC noon are a whole number of 24 h days apart.
	da := time.Date(ay, am, ad, 12, 0, 0, 0, time.UTC)
	db := time.Date(by, bm, bd, 12, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// clock is the wall-clock time of day of t.
func clock(t time.Time) time.Duration {
	h, m, s := t.Clock()
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second + time.Duration(t.Nanosecond())
}

// BeyondRetention reports whether a period starting at start reaches back
// further than Kinsta keeps analytics. Retention counts whole days: the
// limit is the local midnight RetentionDays days before now's day, in
// start's location (the report's zone), so last_30_days is within it and
// last_31_days is not.
func BeyondRetention(start, now time.Time) bool {
	loc := start.Location()
	y, m, d := now.In(loc).Date()
	limit := dayStart(y, m, d-RetentionDays, loc)
	return start.Before(limit)
}

// LastDay is the last instant inside a half-open range ending at end, in
// loc: its date is the range's last day, as every output states ranges
// ("2026-11-16 to 2026-11-22" for a week ending Monday the 23rd).
func LastDay(end time.Time, loc *time.Location) time.Time {
	return end.Add(-time.Nanosecond).In(loc)
}
