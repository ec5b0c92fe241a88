package chart

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/kinsta-report/kinsta-report/report"
)

// The HTML report's WordPress sites: per period with sites, a table with a
// row per site environment (each metric's headline figure, its change and
// this month's usage) and a line chart per site metric with a series per
// site environment. Site points are calendar days that Kinsta gives
// without a zone (report.SitesDayZone): they are labelled by their UTC
// date and never converted into the report's zone.

// sitesView is a period's sites section.
type sitesView struct {
	ID      string // "p0-sites"
	DayZone string
	// Previous is the compared period's range; empty when not compared.
	Previous string
	Columns  []columnView
	Rows     []siteRow
	Charts   []chartView
}

type siteRow struct {
	Label, Name, ID string
	Cells           []siteCell
}

type siteCell struct {
	// Missing is the reason the metric could not be fetched; NoData marks
	// a metric with no figure.
	Missing string
	NoData  bool
	Value   string
	Change  *changeView
	// Usage is this month's usage of the whole site ("this month 1.2 GB").
	Usage string
}

// ShowApps says whether the period shows the app sections: a report of
// sites only has no apps to show.
func (p periodView) ShowApps() bool { return len(p.Apps) > 0 || p.Sites == nil }

// reportHasApps says whether a report is about apps at all: a report with
// sites and no apps (rep.Metrics nil) has no app metrics to default to.
func reportHasApps(r report.Report) bool {
	sites := false
	for _, p := range r.Periods {
		if len(p.Apps) > 0 {
			return true
		}
		sites = sites || len(p.Sites) > 0
	}
	return !sites
}

// buildSites builds the sites section of period pi and its charts; nil
// when the period has no sites.
func buildSites(pi int, per report.Period, previous string) (*sitesView, []chartSpec, []missingView) {
	if len(per.Sites) == 0 {
		return nil, nil, nil
	}
	per.Sites = displaySites(per.Sites)
	sv := &sitesView{ID: fmt.Sprintf("p%d-sites", pi), DayZone: report.SitesDayZone, Previous: previous}
	var missing []missingView
	for _, k := range report.AllSiteMetrics() {
		info, _ := report.SiteInfo(k)
		c := columnView{Title: info.Title, Unit: unitName(info.Unit), Figure: "total"}
		if !info.HasTotal {
			c.Figure = "average"
		}
		sv.Columns = append(sv.Columns, c)
	}
	for _, s := range per.Sites {
		row := siteRow{Label: s.Label(), ID: s.ID}
		if s.Name != "" && s.Name != s.DisplayName {
			row.Name = s.Name
		}
		for _, k := range report.AllSiteMetrics() {
			row.Cells = append(row.Cells, siteCellOf(s, k))
		}
		sv.Rows = append(sv.Rows, row)
		for _, m := range s.Missing {
			missing = append(missing, missingView{Period: per.Name, App: s.Label(), Metric: report.SiteMetricTitle(m.Metric), Error: m.Error})
		}
		if s.Usage != nil {
			for _, m := range s.Usage.Errors {
				missing = append(missing, missingView{Period: per.Name, App: s.Label(), Metric: report.SiteMetricTitle(m.Metric) + ", this month's usage", Error: m.Error})
			}
		}
	}
	specs, views := siteCharts(pi, per.Sites)
	sv.Charts = views
	return sv, specs, missing
}

// displaySites is sites with their API strings as people see them
// (report.DisplayText: no controls, bidi isolated, capped), as
// report.ForDisplay does for apps; the model is not changed.
func displaySites(sites []report.Site) []report.Site {
	out := make([]report.Site, len(sites))
	for i, s := range sites {
		s.ID, s.Name, s.DisplayName = report.DisplayText(s.ID), report.DisplayText(s.Name), report.DisplayText(s.DisplayName)
		s.Environment, s.EnvironmentID = report.DisplayText(s.Environment), report.DisplayText(s.EnvironmentID)
		if s.Missing != nil {
			s.Missing = slices.Clone(s.Missing)
			for j := range s.Missing {
				s.Missing[j].Error = report.DisplayText(s.Missing[j].Error)
			}
		}
		if s.Usage != nil && s.Usage.Errors != nil {
			u := *s.Usage
			u.Errors = slices.Clone(u.Errors)
			for j := range u.Errors {
				u.Errors[j].Error = report.DisplayText(u.Errors[j].Error)
			}
			s.Usage = &u
		}
		out[i] = s
	}
	return out
}

func siteCellOf(s report.Site, k report.SiteMetricKey) siteCell {
	info, _ := report.SiteInfo(k)
	var c siteCell
	if used := s.Usage.Of(k); used != nil {
		c.Usage = "this month " + report.FormatValue(info.Unit, *used)
	}
	f := siteHeadlineOf(k).Of(s)
	switch f.State {
	case report.HeadlineMissing:
		for _, m := range s.Missing {
			if m.Metric == k {
				c.Missing = cmp.Or(m.Error, "missing")
			}
		}
		return c
	case report.HeadlineNA, report.HeadlineNoData:
		c.NoData = true
		return c
	}
	c.Value = report.FormatValue(info.Unit, *f.Current)
	if f.Compared {
		// Traffic rising is neither good nor bad news; disk filling the
		// plan is (MoreIsBad).
		c.Change = change(report.MetricInfo{MoreIsBad: info.MoreIsBad, Unit: info.Unit}, *f.Current, f.Previous, nil)
		if f.Reason != "" { // a period too little covered: say why, no arrow
			c.Change.Arrow, c.Change.Percent, c.Change.Word, c.Change.Class = "", f.Reason, "", "neutral"
		}
	}
	return c
}

// siteHeadlineOf is the site headline (report.SiteHeadlines) of k.
func siteHeadlineOf(k report.SiteMetricKey) report.SiteHeadline {
	for _, h := range report.SiteHeadlines() {
		if h.Key == k {
			return h
		}
	}
	return report.SiteHeadline{Key: k, Pick: report.PickTotal}
}

// siteDay is a site point's calendar day: its UTC date.
func siteDay(t time.Time) time.Time {
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
}

// siteDayLayout labels a site day on the x axis and in the tooltip.
const siteDayLayout = "Mon 2 Jan"

// siteDays is the x axis of a period's site charts: every UTC day from the
// first to the last day any site has a point for (a day with no point is a
// gap in its line).
func siteDays(sites []report.Site) ([]string, map[time.Time]int) {
	var first, last time.Time
	for _, s := range sites {
		for _, k := range report.AllSiteMetrics() {
			m := s.Metrics[k]
			if m == nil {
				continue
			}
			for _, p := range m.Points {
				d := siteDay(p.Time)
				if first.IsZero() || d.Before(first) {
					first = d
				}
				if last.IsZero() || d.After(last) {
					last = d
				}
			}
		}
	}
	index := map[time.Time]int{}
	var labels []string
	if first.IsZero() {
		return nil, index
	}
	for d := first; !d.After(last) && len(labels) < 100000; d = d.AddDate(0, 0, 1) {
		index[d] = len(labels)
		labels = append(labels, d.Format(siteDayLayout))
	}
	return labels, index
}

// siteCharts builds a period's site charts: one line chart per site metric,
// one series per site environment, on the days of siteDays. The charts
// bring their own axis labels (chartSpec.Period -1): a site's days are not
// the period's buckets in the report's zone.
func siteCharts(pi int, sites []report.Site) ([]chartSpec, []chartView) {
	labels, index := siteDays(sites)
	var specs []chartSpec
	var views []chartView
	for _, k := range report.AllSiteMetrics() {
		info, _ := report.SiteInfo(k)
		v := chartView{Title: info.Title + " per day"}
		var series []lineSeries
		var missing []string
		for _, s := range sites {
			if slices.ContainsFunc(s.Missing, func(m report.SiteMissing) bool { return m.Metric == k }) {
				missing = append(missing, s.Label())
				continue
			}
			m := s.Metrics[k]
			if m == nil || len(m.Points) == 0 {
				continue
			}
			pts := make([]xy, 0, len(m.Points))
			for _, p := range m.Points {
				if i, ok := index[siteDay(p.Time)]; ok {
					pts = append(pts, xy{X: float64(i), Y: p.Value})
				}
			}
			slices.SortStableFunc(pts, func(a, b xy) int { return cmp.Compare(a.X, b.X) })
			series = append(series, lineSeries{Name: s.Label(), Points: pts})
		}
		if len(missing) > 0 {
			v.Note = "Missing for " + strings.Join(missing, ", ") + " (see About this report)."
		}
		if len(series) == 0 {
			if v.Note == "" {
				v.Note = "No data in this period."
			}
			views = append(views, v)
			continue
		}
		scale, unitLabel := chartScale(info.Unit, maxAbs(series))
		tc := timeChart{ID: fmt.Sprintf("c-p%d-sites-%s", pi, k), Period: -1, Scale: scale, UnitLabel: unitLabel, Series: series}
		spec, down := tc.build()
		spec.Period = -1
		spec.Option["xAxis"] = []opts.XAxis{{Type: "category", Data: labels}}
		specs = append(specs, spec)
		v.ID = spec.ID
		if len(series) > 3 {
			v.Size = "tall"
		}
		v.Desc = info.Title + " per day (UTC days), " + strings.Join(seriesNames(series), ", ") + ", " + unitLabel
		if down {
			v.Note = joinSemi([]string{"Downsampled to " + fmt.Sprint(MaxPoints) + " points (LTTB)", v.Note})
		}
		views = append(views, v)
	}
	return specs, views
}

func seriesNames(series []lineSeries) []string {
	out := make([]string, len(series))
	for i, s := range series {
		out[i] = s.Name
	}
	return out
}

// siteAlertView fills the metric and time of a site threshold's alert
// (metric "site.visits"): report.Info does not know it, and its day is a
// UTC calendar day, shown as the date. It reports whether a is a site's.
func siteAlertView(a report.Alert, v *alertView) bool {
	if !report.IsSiteThresholdMetric(string(a.Metric)) {
		return false
	}
	v.Metric = report.SiteMetricTitle(report.SiteMetricKey(strings.TrimPrefix(string(a.Metric), "site.")))
	v.When = ""
	if a.HasTime {
		v.When = a.Time.UTC().Format(layoutDate) + " (UTC day)"
	}
	return true
}
