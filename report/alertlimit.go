package report

import (
	"regexp"
	"strconv"
	"strings"
)

// AlertLimit is an alert's limit as people read it: in the value's units,
// followed by the threshold as written in the config only where that reads
// differently ("1.61 GB (1.5 GiB)"). A bare number is in the metric's unit
// already, and "800ms" next to "800 ms" says nothing new, so neither is
// repeated. The threshold comes from the config, but passes DisplayText as
// every shown string does.
func AlertLimit(a Alert) string {
	limit := FormatValue(a.Unit, a.Limit)
	t := strings.TrimSpace(a.Threshold)
	if t == "" {
		return limit
	}
	if _, err := strconv.ParseFloat(t, 64); err == nil {
		return limit
	}
	if sameReading(t) == sameReading(limit) {
		return limit
	}
	return limit + " (" + DisplayText(t) + ")"
}

var decimalRe = regexp.MustCompile(`\d+\.\d+`)

// sameReading folds the spelling of a quantity: case, spaces, thousands
// separators and trailing zeros ("50.0 %" and "50%" read the same).
func sameReading(s string) string {
	s = strings.ToLower(strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", ",", "").Replace(s))
	return decimalRe.ReplaceAllStringFunc(s, func(n string) string {
		return strings.TrimSuffix(strings.TrimRight(n, "0"), ".")
	})
}
