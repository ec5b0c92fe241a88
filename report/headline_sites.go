package report

// SiteHeadline is one figure of a site metric that the people-facing
// summaries (the email's and the HTML report's site tables, the chat
// messages) show per site environment: the total of a flow, the average
// of disk space.
type SiteHeadline struct {
	Key    SiteMetricKey
	Title  string // the column's title, e.g. "CDN bandwidth"
	Figure string // which figure, e.g. "total"
	Pick   func(Figures) *float64
}

var siteHeadlines = []SiteHeadline{
	{SiteVisits, "Visits", "total", PickTotal},
	{SiteBandwidth, "Bandwidth", "total", PickTotal},
	{SiteCDNBandwidth, "CDN bandwidth", "total", PickTotal},
	{SiteDiskSpace, "Disk space", "avg", PickAverage},
}

// SiteHeadlines returns the site headline columns in report order.
func SiteHeadlines() []SiteHeadline { return append([]SiteHeadline(nil), siteHeadlines...) }

// Of is the site environment's figure for h, as Headline.Of is an app's:
// missing when the metric could not be fetched, no data when it holds no
// figure, and with a comparison its previous figure and, when the change
// is withheld (a period too thinly covered), the reason.
func (h SiteHeadline) Of(s Site) HeadlineFigure {
	for _, ms := range s.Missing {
		if ms.Metric == h.Key {
			return HeadlineFigure{State: HeadlineMissing}
		}
	}
	m := s.Metrics[h.Key]
	if m == nil {
		return HeadlineFigure{State: HeadlineNA}
	}
	f := HeadlineFigure{Current: h.Pick(SummaryFigures(m.Summary))}
	if ch := m.Summary.Change; ch != nil {
		f.Compared, f.Reason, f.Previous = true, ch.Reason, h.Pick(ch.Previous)
	}
	if f.Current == nil {
		f.State = HeadlineNoData
	}
	return f
}

// Of is the whole site's usage this month of a flow metric (visits,
// bandwidth, CDN bandwidth); nil for disk space, when the usage was not
// fetched, or when its endpoint failed.
func (u *SiteUsage) Of(k SiteMetricKey) *float64 {
	if u == nil {
		return nil
	}
	switch k {
	case SiteVisits:
		return u.Visits
	case SiteBandwidth:
		return u.Bandwidth
	case SiteCDNBandwidth:
		return u.CDNBandwidth
	}
	return nil
}
