package report

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// ParseLimit parses a threshold limit (the `above:` value of reports.yaml)
// for metric into the metric's own unit. It also returns the limit as
// written, for showing in alerts.
//
// A plain number (80, 1.5, "80") is in the metric's unit. A string may carry
// a unit that fits the metric:
//
//   - bytes (bandwidth, memory_usage): B, KB, MB, GB, TB (powers of 1000) and
//     KiB, MiB, GiB, TiB (powers of 1024), e.g. "5GB" or "1.5 GiB";
//   - durations (the response times and slowest_requests in ms, build_time
//     and run_time in seconds): ms, s, m (minutes), h, e.g. "800ms", "2s";
//   - percent (cpu_usage): "80%";
//   - requests per minute (http_requests): plain numbers only.
//
// A unit that does not fit the metric, a negative or non-finite limit, and
// anything that is not a number are errors that say what would fit.
func ParseLimit(metric MetricKey, v any) (float64, string, error) {
	info, ok := Info(metric)
	if !ok {
		return 0, "", fmt.Errorf("unknown metric %q (want one of: %s)", metric, metricList())
	}
	return parseQuantity(info.Unit, string(metric), v)
}

// parseQuantity parses v into unit. what names the metric or setting in
// error messages.
func parseQuantity(unit Unit, what string, v any) (float64, string, error) {
	var (
		num    float64
		suffix string
		raw    string
	)
	switch x := v.(type) {
	case int:
		num, raw = float64(x), strconv.Itoa(x)
	case int64:
		num, raw = float64(x), strconv.FormatInt(x, 10)
	case uint64:
		num, raw = float64(x), strconv.FormatUint(x, 10)
	case float64:
		num, raw = x, strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		num, raw = float64(x), strconv.FormatFloat(float64(x), 'f', -1, 32)
	case string:
		raw = strings.TrimSpace(x)
		m := quantityRE.FindStringSubmatch(raw)
		if m == nil {
			return 0, raw, fmt.Errorf("%q is not a number (%s)", x, unitHint(unit))
		}
		f, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			return 0, raw, fmt.Errorf("%q is not a number (%s)", x, unitHint(unit))
		}
		num, suffix = f, m[2]
	case nil:
		return 0, "", fmt.Errorf("missing value (%s)", unitHint(unit))
	default:
		return 0, fmt.Sprint(v), fmt.Errorf("%v is not a number (%s)", v, unitHint(unit))
	}
	if math.IsNaN(num) || math.IsInf(num, 0) {
		return 0, raw, fmt.Errorf("%q is not a finite number (%s)", raw, unitHint(unit))
	}
	if num < 0 {
		return 0, raw, fmt.Errorf("%s is negative (want 0 or more)", raw)
	}
	if suffix == "" {
		return num, raw, nil
	}
	factor, ok := unitFactor(unit, suffix)
	if !ok {
		return 0, raw, fmt.Errorf("unit %q does not fit %s, which is in %s (%s)", suffix, what, unit, unitHint(unit))
	}
	return num * factor, raw, nil
}

// quantityRE is a decimal number with an optional unit after optional
// spaces: "5GB", "1.5 GiB", "800ms", "80%", ".5s".
var quantityRE = regexp.MustCompile(`^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z%]*)$`)

var byteUnits = map[string]float64{
	"b":   1,
	"kb":  1e3,
	"mb":  1e6,
	"gb":  1e9,
	"tb":  1e12,
	"kib": 1 << 10,
	"mib": 1 << 20,
	"gib": 1 << 30,
	"tib": 1 << 40,
}

// durationSeconds is the length of each duration unit in seconds. Units are
// case-sensitive: "m" is a minute, and "M" means nothing.
var durationSeconds = map[string]float64{
	"ms":  1e-3,
	"s":   1,
	"m":   60,
	"min": 60,
	"h":   3600,
}

// unitFactor returns what one suffix is worth in unit.
func unitFactor(unit Unit, suffix string) (float64, bool) {
	switch unit {
	case UnitBytes:
		f, ok := byteUnits[strings.ToLower(suffix)]
		return f, ok
	case UnitSeconds:
		f, ok := durationSeconds[suffix]
		return f, ok
	case UnitMS:
		f, ok := durationSeconds[suffix]
		return f * 1000, ok
	case UnitPercent:
		return 1, suffix == "%"
	}
	return 0, false
}

// unitHint says what values fit unit.
func unitHint(unit Unit) string {
	switch unit {
	case UnitBytes:
		return "want a number of bytes or a size such as 5GB or 1.5 GiB; units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB"
	case UnitSeconds:
		return "want a number of seconds or a duration such as 90s, 1.5m or 2h; units: ms, s, m, h"
	case UnitMS:
		return "want a number of milliseconds or a duration such as 800ms or 2s; units: ms, s, m, h"
	case UnitPercent:
		return "want a percentage such as 80 or 80%"
	case UnitRequestsPerMinute:
		return "want a plain number of requests per minute such as 600"
	}
	return "want a plain number"
}

// metricList is every metric key, comma-separated, in contract order.
func metricList() string {
	keys := AllMetrics()
	s := make([]string, len(keys))
	for i, k := range keys {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}
