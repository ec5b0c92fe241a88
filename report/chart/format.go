package chart

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// Human formatting of figures. Bytes use decimal units (1 GB = 10^9 bytes),
// as Kinsta's dashboard does; the page says so in "About this report".

// formatValue formats v, a value in unit u, for people: "2.47 GB",
// "183 ms", "35.2 %", "340 req/min", "2.1 h".
func formatValue(u report.Unit, v float64) string {
	switch u {
	case report.UnitBytes:
		return formatBytes(v)
	case report.UnitSeconds:
		return formatSeconds(v)
	case report.UnitMS:
		if math.Abs(v) >= 10000 {
			return formatNumber(v/1000, 1) + " s"
		}
		return formatNumber(v, 0) + " ms"
	case report.UnitPercent:
		return formatNumber(v, 1) + " %"
	case report.UnitRequestsPerMinute:
		return formatNumber(v, decimalsFor(v)) + " req/min"
	default:
		return formatNumber(v, decimalsFor(v)) + " " + string(u)
	}
}

// byteScale is a decimal byte unit.
type byteScale struct {
	div  float64
	name string
}

var byteScales = []byteScale{{1e12, "TB"}, {1e9, "GB"}, {1e6, "MB"}, {1e3, "kB"}, {1, "B"}}

// bytesScale picks the unit for values up to max (in bytes).
func bytesScale(max float64) byteScale {
	for _, s := range byteScales {
		if math.Abs(max) >= s.div {
			return s
		}
	}
	return byteScales[len(byteScales)-1]
}

func formatBytes(v float64) string {
	s := bytesScale(v)
	if s.div == 1 {
		return formatNumber(v, 0) + " B"
	}
	x := v / s.div
	return formatNumber(x, decimalsFor(x)) + " " + s.name
}

// formatSeconds formats a duration in seconds: "45 s", "12.5 min", "168 h".
func formatSeconds(v float64) string {
	a := math.Abs(v)
	switch {
	case a < 120:
		return formatNumber(v, decimalsFor(v)) + " s"
	case a < 2*3600:
		x := v / 60
		return formatNumber(x, decimalsFor(x)) + " min"
	default:
		x := v / 3600
		return formatNumber(x, decimalsFor(x)) + " h"
	}
}

// decimalsFor gives about three significant digits: 2.47, 24.7, 247, 2,470.
func decimalsFor(v float64) int {
	a := math.Abs(v)
	switch {
	case a == 0 || a >= 100:
		return 0
	case a >= 10:
		return 1
	default:
		return 2
	}
}

// formatNumber formats v with the given decimals and thousands separators:
// 1234567.8 -> "1,234,567.8".
func formatNumber(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg && strings.Trim(s, "0.") != "" {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// Date and time layouts of the page: unambiguous, in the report's zone.
const (
	layoutDate     = "Mon 2 Jan 2006"
	layoutDateTime = "2006-01-02 15:04 MST"
)

// formatRange formats the half-open range [start, end) as the days it
// covers: "Mon 16 Nov 2026 – Sun 22 Nov 2026". A range that does not end at
// a midnight shows times.
func formatRange(start, end time.Time, loc *time.Location) string {
	start, end = start.In(loc), end.In(loc)
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
