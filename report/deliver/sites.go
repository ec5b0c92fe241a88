package deliver

import (
	"github.com/kinsta-report/kinsta-report/report"
)

// The email's WordPress sites: a table per period below the apps', a row
// per site environment with each site metric's headline figure (the total
// of a flow, the average of disk space) and its change, and this month's
// usage under the flows.

// sitesViewOf fills the site rows of pv from p; it reports whether any
// cell carries a change.
func sitesViewOf(pv *periodView, p report.Period) (compared bool) {
	if len(p.Sites) == 0 {
		return false
	}
	pv.SiteDays = report.SitesDayZone
	for _, h := range report.SiteHeadlines() {
		pv.SiteColumns = append(pv.SiteColumns, columnView{Title: h.Title, Figure: h.Figure})
	}
	for _, s := range p.Sites {
		row := appView{Label: s.Label()}
		if s.Name != "" && s.Name != s.DisplayName {
			row.Name = s.Name
		}
		for _, h := range report.SiteHeadlines() {
			info, _ := report.SiteInfo(h.Key)
			// Traffic rising is neither good nor bad news; disk filling
			// the plan is (MoreIsBad).
			cell := figureCell(h.Title, h.Figure, report.MetricInfo{MoreIsBad: info.MoreIsBad, Unit: info.Unit}, h.Of(s))
			if cell.Change != nil {
				compared = true
			}
			if used := s.Usage.Of(h.Key); used != nil {
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
