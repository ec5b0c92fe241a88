package state

import (
	"fmt"
	"strings"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// WordPress site analytics (docs/STATE.md, "Site analytics") share the
// history files with the applications' metrics. A site line's "app" holds
// the site environment's id and its "metric" the site metric prefixed with
// SitePrefix ("site.visits"), so no site line is ever taken for an app
// metric. Site lines carry no "interval" (Kinsta gives one value per
// calendar day), so a reader of the application metrics, which keeps only
// the lines of its interval, skips them; this one and the older one alike.

// SitePrefix starts the metric field of every site line.
const SitePrefix = "site."

// SiteKey is the metric field of a site metric's lines: "site.visits",
// "site.bandwidth", "site.cdn_bandwidth", "site.disk_space".
func SiteKey(k report.SiteMetricKey) report.MetricKey {
	return report.MetricKey(SitePrefix + string(k))
}

func isSite(metric string) bool { return strings.HasPrefix(metric, SitePrefix) }

// SiteQuery selects days of site analytics.
type SiteQuery struct {
	// Environments are the site environment ids to read; empty means all.
	Environments []string
	// Metrics are the site metrics to read; empty means all.
	Metrics []report.SiteMetricKey
	// From and To bound the read: every UTC day overlapping [From, To).
	From, To time.Time
}

func checkSiteMetric(what string, k report.SiteMetricKey) error {
	if _, ok := report.SiteInfo(k); !ok {
		return fmt.Errorf("state: %s: not a site metric", what)
	}
	return nil
}

// PutSiteDay records the value(s) the analytics of one site environment
// gave for one site metric on one closed calendar day (the dataset key's
// date, a UTC day). Empty points record that the day was asked for and had
// no value: the caller decides when that is known (docs/STATE.md).
func (b *Batch) PutSiteDay(envID string, key report.SiteMetricKey, d time.Time, points []report.Point) error {
	what := fmt.Sprintf("site environment %s %s", envID, key)
	if envID == "" {
		return fmt.Errorf("state: %s: empty environment id", what)
	}
	if err := checkSiteMetric(what, key); err != nil {
		return err
	}
	d, err := b.closedDay(what, d)
	if err != nil {
		return err
	}
	if err := checkPoints(what, d, points); err != nil {
		return err
	}
	b.days[d] = append(b.days[d], line{App: envID, Metric: string(SiteKey(key)), Day: d.Format(dayLayout),
		Points: ptr(toPoints(sortedPoints(points)))})
	return nil
}

// PutSiteTotal records the "total" one analytics answer gave for exactly
// the calendar days from..to (inclusive, UTC midnights) of one site
// environment and metric; only that range reads it back (SiteTotal). The
// range must be closed.
func (b *Batch) PutSiteTotal(envID string, key report.SiteMetricKey, from, to time.Time, total float64) error {
	what := fmt.Sprintf("site environment %s %s total", envID, key)
	if err := checkSiteMetric(what, key); err != nil {
		return err
	}
	from, err := b.closedDay(what, from)
	if err != nil {
		return err
	}
	if to, err = b.closedDay(what, to); err != nil {
		return err
	}
	if to.Before(from) {
		return fmt.Errorf("state: %s: to %s is before from %s", what, to.Format(dayLayout), from.Format(dayLayout))
	}
	b.days[from] = append(b.days[from], line{App: envID, Metric: string(SiteKey(key)),
		Start: from.Format(dayLayout), End: to.Format(dayLayout), Total: &total})
	return nil
}

// ReadSites returns the site days that match q, sorted by environment,
// metric and day; Day.App is the environment id and Day.Metric the
// SiteKey. For each (environment, metric, day) the line of the latest file
// wins. A returned Day is a covered day, even with no points.
func (s *Store) ReadSites(q SiteQuery) ([]Day, error) {
	envs := set(q.Environments)
	metrics := map[string]bool{}
	for _, k := range q.Metrics {
		metrics[string(SiteKey(k))] = true
	}
	want := func(app, metric string) bool {
		return isSite(metric) && (len(envs) == 0 || envs[app]) && (len(metrics) == 0 || metrics[metric])
	}
	var out []Day
	for _, d := range UTCDays(q.From, q.To) {
		held := map[dayKey]line{}
		order := []dayKey{}
		err := s.eachLine(d, want, func(l line) {
			if l.Day == "" || l.Points == nil { // a total, or not a day line
				return
			}
			k := dayKey{app: l.App, metric: l.Metric}
			if _, ok := held[k]; !ok {
				order = append(order, k)
			}
			held[k] = l
		})
		if err != nil {
			return nil, err
		}
		for _, k := range order {
			l := held[k]
			out = append(out, Day{App: l.App, Metric: report.MetricKey(l.Metric), Day: d, Points: l.Points.model()})
		}
	}
	sortDays(out)
	return out, nil
}

// SiteTotal returns the total stored for exactly the calendar days
// from..to of one environment and metric; ok is false when none is.
func (s *Store) SiteTotal(envID string, key report.SiteMetricKey, from, to time.Time) (total float64, ok bool, err error) {
	f, t := truncDay(from).Format(dayLayout), truncDay(to).Format(dayLayout)
	metric := string(SiteKey(key))
	err = s.eachLine(truncDay(from), func(a, m string) bool { return a == envID && m == metric }, func(l line) {
		if l.Start == f && l.End == t && l.Total != nil {
			total, ok = *l.Total, true
		}
	})
	return total, ok, err
}
