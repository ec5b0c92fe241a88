package notify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// digest is what every format says, already formatted: the period, the
// alerts, the headline figures per app with their change, missing data
// and the API accounting. Strings from the API went through
// report.DisplayText (control characters, bidi overrides, length); each
// format escapes them for its own syntax.
type digest struct {
	Report        string
	Generated     string // "2026-11-23 06:00 UTC"; empty without a time
	AlertHeadline string // "2 apps crossed a threshold"; empty without alerts
	Alerts        []alertLine
	Periods       []periodDigest
	Notes         []string
	API           report.APIStats
}

type alertLine struct {
	App, Text string
}

type periodDigest struct {
	Title    string // "Previous week"
	Range    string // "2026-11-16 to 2026-11-22 (7 days)"
	Previous string // the range compared against; empty without comparison
	Columns  []report.Headline
	// Apps are in the report's order, except that apps with an alert come
	// first: when a message has room for only some, those are the ones.
	Apps []appRow
	// Sites are the WordPress site environments, alerted first as apps
	// are; their cells are the site metrics' headline figures.
	Sites   []appRow
	Missing []missingLine
	Notes   []string
}

// rows are the apps, then the sites: the one-line formats (Slack, Teams)
// show both as lines, each cell titled.
func (p periodDigest) rows() []appRow {
	return append(slices.Clip(p.Apps), p.Sites...)
}

type appRow struct {
	Label   string
	Name    string // the unique name when it differs from the label
	Alerted bool
	Cells   []cell
}

type cell struct {
	Title, Figure string // the column's
	Value         string // "27.4 GB", "missing", "no data", "n/a"
	Change        string // "▲ +25.0%"; empty without comparison
	Dir           report.Direction
	HasChange     bool
}

type missingLine struct {
	App, Metric, Error string
}

// maxColumns keeps a line per app short enough to read in a chat window.
const maxColumns = 6

func newDigest(r report.Report) digest {
	r = report.ForDisplay(r)
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	d := digest{Report: report.DisplayText(r.Name), API: r.API}
	for _, n := range r.Notes {
		d.Notes = append(d.Notes, report.DisplayText(n))
	}
	if !r.GeneratedAt.IsZero() {
		d.Generated = r.GeneratedAt.In(loc).Format("2006-01-02 15:04 MST")
	}
	metrics := r.Metrics
	if len(metrics) == 0 {
		metrics = report.AllMetrics()
	}
	var cols []report.Headline
	for _, c := range report.Headlines() {
		if slices.Contains(metrics, c.Key) && len(cols) < maxColumns {
			cols = append(cols, c)
		}
	}
	d.AlertHeadline = report.AlertHeadline(r.Alerts)
	alerted := map[string]bool{}
	for _, a := range r.Alerts {
		d.Alerts = append(d.Alerts, alertLine{App: a.App, Text: report.AlertText(a, loc)})
		alerted[a.Period+"\x00"+report.AlertKey(a)] = true // a site environment by its site and environment ids
	}
	for _, p := range r.Periods {
		d.Periods = append(d.Periods, periodOf(p, cols, loc, alerted))
	}
	return d
}

func periodOf(p report.Period, cols []report.Headline, loc *time.Location, alerted map[string]bool) periodDigest {
	pd := periodDigest{Title: report.PeriodTitle(p.Name), Range: report.PeriodRange(p, loc), Columns: cols}
	for _, n := range p.Notes {
		pd.Notes = append(pd.Notes, report.DisplayText(n))
	}
	compared := false
	var first, rest []appRow
	for _, a := range p.Apps {
		row := appRow{Label: a.Label(), Alerted: alerted[p.Name+"\x00"+report.AppKey(a.ID)]}
		if a.Name != "" && a.Name != row.Label {
			row.Name = a.Name
		}
		for _, c := range cols {
			ce := cellOf(a, c)
			compared = compared || ce.HasChange
			row.Cells = append(row.Cells, ce)
		}
		for _, m := range a.Missing {
			title := string(m.Metric)
			if info, ok := report.Info(m.Metric); ok {
				title = info.Title
			}
			pd.Missing = append(pd.Missing, missingLine{App: a.Label(), Metric: title, Error: m.Error})
		}
		if row.Alerted {
			first = append(first, row)
		} else {
			rest = append(rest, row)
		}
	}
	pd.Apps = append(first, rest...)
	compared = sitesOf(&pd, p, alerted) || compared
	if compared && p.Previous != nil {
		pd.Previous = report.PeriodRange(*p.Previous, loc)
	} else if compared {
		pd.Previous = "the previous period"
	}
	return pd
}

// cellOf is one headline figure of an app, as the email shows it: for CPU
// and memory the highest of any process, compared with the highest of the
// previous period; a change withheld for coverage says why instead.
func cellOf(a report.App, c report.Headline) cell {
	info, _ := report.Info(c.Key)
	return figureCell(c.Title, c.Figure, info, c.Of(a))
}

// figureCell is a headline figure (an app's or a site environment's) as
// the messages show it: its value and change, a withheld change's reason,
// or why there is no value.
func figureCell(title, figure string, info report.MetricInfo, f report.HeadlineFigure) cell {
	ce := cell{Title: title, Figure: figure}
	switch f.State {
	case report.HeadlineMissing:
		ce.Value = "missing"
		return ce
	case report.HeadlineNA:
		ce.Value = "n/a"
		return ce
	case report.HeadlineNoData:
		ce.Value = "no data"
		return ce
	}
	ce.Value = report.FormatValue(info.Unit, *f.Current)
	switch {
	case f.Compared && f.Reason != "":
		ce.Change, ce.Dir, ce.HasChange = f.Reason, report.Unknown, true
	case f.Compared:
		v := report.DescribeChange(info, f.Previous, f.Current)
		ce.Change, ce.Dir, ce.HasChange = v.String(), v.Dir, true
	}
	return ce
}

// line is the cell for a one-line summary: "Bandwidth 27.4 GB ▲ +25.0%".
func (c cell) line() string {
	s := c.Title + " " + c.Value
	if c.Change != "" {
		s += " " + c.Change
	}
	return s
}

// moreApps is the line that ends a list cut for a message's limits.
func moreApps(n int) string {
	if n == 1 {
		return "…and 1 more app (see the full report)"
	}
	return fmt.Sprintf("…and %d more apps (see the full report)", n)
}

func moreAlerts(n int) string {
	if n == 1 {
		return "…and 1 more alert (see the full report)"
	}
	return fmt.Sprintf("…and %d more alerts (see the full report)", n)
}

// missingSummary is "3 metrics could not be fetched (2 apps)".
func missingSummary(ms []missingLine) string {
	apps := map[string]bool{}
	for _, m := range ms {
		apps[m.App] = true
	}
	unit := "metrics"
	if len(ms) == 1 {
		unit = "metric"
	}
	appUnit := "apps"
	if len(apps) == 1 {
		appUnit = "app"
	}
	return fmt.Sprintf("%d %s could not be fetched (%d %s)", len(ms), unit, len(apps), appUnit)
}

// apiLine is the API accounting: "42 API requests, 2 retries, 1 rate
// limited, 1.5s waited".
func apiLine(s report.APIStats) string {
	return fmt.Sprintf("%d API requests, %d retries, %d rate limited, %s waited", s.Requests, s.Retries, s.RateLimited, s.Wait.Round(100*time.Millisecond))
}

// httpLink returns link when it is an absolute http(s) URL a message may
// link to; "" otherwise (the caller shows it as text).
func httpLink(link string) string {
	l := strings.ToLower(link)
	if (strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://")) && !strings.ContainsAny(link, " \t\r\n<>\"|") {
		return link
	}
	return ""
}

// sitesOf fills the site rows and the sites' missing data of pd; it
// reports whether any cell carries a change.
func sitesOf(pd *periodDigest, p report.Period, alerted map[string]bool) (compared bool) {
	var first, rest []appRow
	for _, st := range p.Sites {
		row := appRow{Label: st.Label(), Alerted: alerted[p.Name+"\x00"+report.SiteKey(st.ID, st.EnvironmentID)]}
		if st.Name != "" && st.Name != st.DisplayName {
			row.Name = st.Name
		}
		for _, h := range report.SiteHeadlines() {
			info, _ := report.SiteInfo(h.Key)
			title := h.Title
			if h.Key == report.SiteBandwidth {
				title = "Site bandwidth" // beside the apps' bandwidth in one message
			}
			// Traffic rising is neither good nor bad news; disk filling
			// the plan is (MoreIsBad).
			ce := figureCell(title, h.Figure, report.MetricInfo{MoreIsBad: info.MoreIsBad, Unit: info.Unit}, h.Of(st))
			compared = compared || ce.HasChange
			row.Cells = append(row.Cells, ce)
		}
		for _, ms := range st.Missing {
			pd.Missing = append(pd.Missing, missingLine{App: st.Label(), Metric: report.SiteMetricTitle(ms.Metric), Error: ms.Error})
		}
		if row.Alerted {
			first = append(first, row)
		} else {
			rest = append(rest, row)
		}
	}
	pd.Sites = append(first, rest...)
	return compared
}
