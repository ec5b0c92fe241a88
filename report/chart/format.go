package chart

import (
	"math"
	"strconv"
	"time"
)

// Figures are formatted by report.FormatValue, the same as in the email and
// the workbook. Bytes use decimal units (1 GB = 10^9 bytes), as Kinsta's
// dashboard does; the page says so in "About this report".

// Date and time layouts of the page: unambiguous, in the report's zone.
const (
	layoutDate     = "Mon 2 Jan 2006"
	layoutDateTime = "2006-01-02 15:04 MST"
)

// formatRange formats the half-open range [start, end) as the days it
// covers: "Mon 16 Nov 2026 – Sun 22 Nov 2026". A range that does not end at
// a midnight shows times. An empty range (a week_to_date run on the
// week's first day) says so rather than naming a last day before its
// first: "empty: starts Mon 30 Nov 2026".
func formatRange(start, end time.Time, loc *time.Location) string {
	start, end = start.In(loc), end.In(loc)
	if !end.After(start) {
		if isMidnight(start) {
			return "empty: starts " + start.Format(layoutDate)
		}
		return "empty: starts " + start.Format(layoutDateTime)
	}
	if isMidnight(start) && isMidnight(end) {
		last := end.Add(-time.Nanosecond)
		if sameDay(start, last) {
			return start.Format(layoutDate)
		}
		return start.Format(layoutDate) + " – " + last.Format(layoutDate)
	}
	return start.Format(layoutDateTime) + " – " + end.Format(layoutDateTime) + " (end excluded)"
}

func isMidnight(t time.Time) bool {
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

func sameDay(a, b time.Time) bool {
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

// formatInterval names a bucket size: "daily", "hourly", "6-hourly".
func formatInterval(d time.Duration) string {
	switch {
	case d == 24*time.Hour:
		return "daily"
	case d == time.Hour:
		return "hourly"
	case d > 0 && d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "-hourly"
	case d > 0:
		return "every " + d.String()
	default:
		return "unknown"
	}
}

// bucketLabel is the x-axis label of a bucket starting at t.
func bucketLabel(t time.Time, interval time.Duration, loc *time.Location) string {
	t = t.In(loc)
	if interval >= 24*time.Hour && isMidnight(t) {
		return t.Format("Mon 2 Jan")
	}
	return t.Format("2 Jan 15:04")
}

// formatZone names a zone with its offset at t: "Europe/Berlin (UTC+01:00)".
func formatZone(loc *time.Location, t time.Time) string {
	_, off := t.In(loc).Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	return loc.String() + " (UTC" + sign + twoDigits(off/3600) + ":" + twoDigits(off%3600/60) + ")"
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// roundSig rounds v to n significant digits for chart data: the charts
// cannot show more, and shorter numbers keep the page small.
func roundSig(v float64, n int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	x, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', n, 64), 64)
	if err != nil {
		return v
	}
	return x
}
