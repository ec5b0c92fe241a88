package report

import (
	"fmt"
	"strings"
	"time"
)

// The labels the email and the chat messages share: a period's heading
// and days, a metric's title (an app's or a site threshold's), and an
// alert as one line of text.

// PeriodTitle turns a named period into a heading (previous_week →
// Previous week, last_30_days → Last 30 days) and keeps a custom period's
// name as written (black-friday stays black-friday).
func PeriodTitle(name string) string {
	if !IsNamedPeriod(name) {
		return name
	}
	r := []rune(strings.ReplaceAll(name, "_", " "))
	r[0] = []rune(strings.ToUpper(string(r[0])))[0]
	return string(r)
}

const dateLayout = "2006-01-02"

// PeriodRange shows a period's days, inclusive: 2026-11-16 to 2026-11-22
// (7 days). A period that does not end at local midnight shows its end
// time.
func PeriodRange(p Period, loc *time.Location) string {
	start, end := p.Start.In(loc), p.End.In(loc)
	if !end.Equal(LocalMidnight(end, loc)) {
		return fmt.Sprintf("%s to %s", start.Format("2006-01-02 15:04"), end.Format("2006-01-02 15:04"))
	}
	last := LastDay(p.End, loc)
	if start.Format(dateLayout) == last.Format(dateLayout) {
		return start.Format(dateLayout) + " (1 day)"
	}
	days := 0
	for d := LocalMidnight(start, loc); d.Before(end); d = d.AddDate(0, 0, 1) {
		days++
	}
	return fmt.Sprintf("%s to %s (%d days)", start.Format(dateLayout), last.Format(dateLayout), days)
}

// MetricTitle is the title of an app metric ("P95 response time") or of a
// site threshold's metric ("site.visits": "Site visits"); an unknown key
// as written.
func MetricTitle(k MetricKey) string {
	if info, ok := Info(k); ok {
		return info.Title
	}
	if s, ok := strings.CutPrefix(string(k), siteThresholdPrefix); ok {
		return SiteMetricTitle(SiteMetricKey(s))
	}
	return string(k)
}

// AlertText is an alert without its app, as one line: "P95 response time
// peak 412 ms at 2026-11-18 14:00, above 300 ms (Previous week)". A site's
// bucket is one of Kinsta's (UTC) days: "… on 2026-11-18, …".
func AlertText(a Alert, loc *time.Location) string {
	title := MetricTitle(a.Metric)
	if a.Process != "" {
		title += " (" + a.Process + ")"
	}
	on := a.On
	if on == OnAnyBucket {
		on = "in a bucket"
	}
	value := FormatValue(a.Unit, a.Value)
	if a.HasTime {
		if IsSiteThresholdMetric(string(a.Metric)) {
			value += " on " + a.Time.UTC().Format(time.DateOnly)
		} else {
			value += " at " + a.Time.In(loc).Format("2006-01-02 15:04")
		}
	}
	// Value and limit in the same units (the threshold as written, e.g.
	// 1.5 GiB, follows in brackets where it reads differently).
	return fmt.Sprintf("%s %s %s, above %s (%s)", title, on, value, AlertLimit(a), PeriodTitle(a.Period))
}
