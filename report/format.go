package report

import (
	"math"
	"strconv"
	"strings"
)

// This file holds the human formatting of values that every renderer
// shares, so the workbook, the HTML report, the email and the JSON
// document say the same.

// MissingFigure is how a missing figure is shown: never as 0.
const MissingFigure = "—"

// FormatFigure formats an optional figure: MissingFigure for nil, else
// FormatValue.
func FormatFigure(unit Unit, v *float64) string {
	if v == nil {
		return MissingFigure
	}
	return FormatValue(unit, *v)
}

// FormatValue formats v in unit for people, the same in every output (the
// HTML report, the email, the charts' captions and the workbook): about
// three significant digits, with thousands separators.
//
//   - bytes, decimal SI (1 GB = 10^9 bytes, as Kinsta's dashboard): "512 B",
//     "1.50 kB", "27.4 GB", "1.23 TB", "4,560 TB";
//   - seconds: "45.0 s", then minutes from 2 minutes: "12.5 min", then hours
//     from 2 hours: "2.05 h", "168 h";
//   - ms: "183 ms", "2,570 ms", then seconds from 10 s: "12.3 s";
//   - percent, one decimal: "35.2 %", "72.0 %";
//   - requests_per_minute: "340 req/min", "27.5 req/min", "1.50 req/min";
//   - any other unit: the number as above and the unit.
//
// A negative value gets a "−" (U+2212), unless it rounds to zero. NaN and
// ±Inf are shown as MissingFigure.
func FormatValue(unit Unit, v float64) string {
	if !finiteNum(v) {
		return MissingFigure
	}
	switch unit {
	case UnitBytes:
		return fmtBytes(v)
	case UnitSeconds:
		return fmtSeconds(v)
	case UnitMS:
		if math.Abs(v) >= 10000 {
			return FormatNumber(v/1000, 1) + " s"
		}
		return FormatNumber(v, 0) + " ms"
	case UnitPercent:
		return FormatNumber(v, 1) + " %"
	case UnitRequestsPerMinute:
		return FormatNumber(v, decimalsFor(v)) + " req/min"
	case UnitVisits:
		if v == math.Trunc(v) {
			return FormatNumber(v, 0) + " visits" // a count: "22 visits", not "22.0"
		}
		return FormatNumber(v, decimalsFor(v)) + " visits"
	default:
		s := FormatNumber(v, decimalsFor(v))
		if unit == "" {
			return s
		}
		return s + " " + string(unit)
	}
}

// byteScales are the decimal byte units, largest first.
var byteScales = []struct {
	div  float64
	name string
}{{1e12, "TB"}, {1e9, "GB"}, {1e6, "MB"}, {1e3, "kB"}, {1, "B"}}

// ByteUnit is the decimal unit every output shows a byte figure of
// magnitude v in: its divisor and name (B, kB, MB, GB or TB).
func ByteUnit(v float64) (div float64, name string) {
	for _, s := range byteScales {
		if math.Abs(v) >= s.div {
			return s.div, s.name
		}
	}
	return 1, "B"
}

func fmtBytes(v float64) string {
	div, name := ByteUnit(v)
	if div == 1 {
		return FormatNumber(v, 0) + " B"
	}
	x := v / div
	return FormatNumber(x, decimalsFor(x)) + " " + name
}

// fmtSeconds formats a duration in seconds: "45.0 s", "12.5 min", "168 h".
func fmtSeconds(v float64) string {
	a := math.Abs(v)
	switch {
	case a < 120:
		return FormatNumber(v, decimalsFor(v)) + " s"
	case a < 2*3600:
		x := v / 60
		return FormatNumber(x, decimalsFor(x)) + " min"
	default:
		x := v / 3600
		return FormatNumber(x, decimalsFor(x)) + " h"
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

// FormatNumber formats v with the given decimals and thousands separators:
// 1234567.8 -> "1,234,567.8". A negative value gets a "−" (U+2212), unless
// it rounds to zero. NaN and ±Inf are shown as MissingFigure.
func FormatNumber(v float64, decimals int) string {
	if !finiteNum(v) {
		return MissingFigure
	}
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg && strings.Trim(s, "0.") != "" {
		b.WriteString("−")
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
