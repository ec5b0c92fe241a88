package deliver

import (
	"github.com/kinsta-report/kinsta-report/report"
)

// The email's WordPress sites: a table per period below the apps', a row
// per site environment with each site metric's headline figure (the total
// of a flow, the average of disk space) and its change, and this month's
// usage under the flows.

// siteHeadlines are the site table's columns, in report order.
var siteHeadlines = []struct {
	key    report.SiteMetricKey
	title  string
	figure string
	pick   func(report.Figures) *float64
}{
	{report.SiteVisits, "Visits", "total", report.PickTotal},
	{report.SiteBandwidth, "Bandwidth", "total", report.PickTotal},
	{report.SiteCDNBandwidth, "CDN bandwidth", "total", report.PickTotal},
	{report.SiteDiskSpace, "Disk space", "avg", report.PickAverage},
}

// sitesViewOf fills the site rows of pv from p; it reports whether any
// cell carries a change.
func sitesViewOf(pv *periodView, p report.Period) (compared bool) {
	if len(p.Sites) == 0 {
		return false
	}
	pv.SiteDays = report.SitesDayZone
	for _, h := range siteHeadlines {
		pv.SiteColumns = append(pv.SiteColumns, columnView{Title: h.title, Figure: h.figure})
	}
	for _, s := range p.Sites {
		row := appView{Label: s.Label()}
		if s.Name != "" && s.Name != s.DisplayName {
			row.Name = s.Name
		}
		for _, h := range siteHeadlines {
			info, _ := report.SiteInfo(h.key)
			cell := cellView{Title: h.title, Figure: h.figure}
			m := s.Metrics[h.key]
			switch {
			case m == nil:
				cell.State, cell.Value = "na", "n/a"
				for _, ms := range s.Missing {
					if ms.Metric == h.key {
						cell.State, cell.Value = "missing", "missing"
					}
				}
			case h.pick(report.SummaryFigures(m.Summary)) == nil:
				cell.State, cell.Value = "nodata", "no data"
			default:
				cur := h.pick(report.SummaryFigures(m.Summary))
				cell.Value = report.FormatValue(info.Unit, *cur)
				if ch := m.Summary.Change; ch != nil {
					compared = true
					// Traffic rising is neither good nor bad news; disk
					// filling the plan is (MoreIsBad).
					cell.Change = changeOf(report.DescribeChange(report.MetricInfo{MoreIsBad: info.MoreIsBad}, h.pick(ch.Previous), cur))
				}
			}
			if used := usageOf(s.Usage, h.key); used != nil {
				cell.Detail = "this month " + report.FormatValue(info.Unit, *used)
			}
			row.Cells = append(row.Cells, cell)
		}
		for _, ms := range s.Missing {
			pv.Missing = append(pv.Missing, missingView{App: s.Label(), Metric: report.SiteMetricTitle(ms.Metric), Error: ms.Error})
		}
		pv.Sites = append(pv.Sites, row)
	}
	return compared
}

func usageOf(u *report.SiteUsage, k report.SiteMetricKey) *float64 {
	if u == nil {
		return nil
	}
	switch k {
	case report.SiteVisits:
		return u.Visits
	case report.SiteBandwidth:
		return u.Bandwidth
	case report.SiteCDNBandwidth:
		return u.CDNBandwidth
	}
	return nil
}

func siteTitle(k report.SiteMetricKey) string {
	if info, ok := report.SiteInfo(k); ok {
		return info.Title
	}
	return string(k)
}
