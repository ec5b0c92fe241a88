package report

import "time"

// SiteMetricKey names a WordPress site metric as reports.yaml and the JSON
// document spell it. Site metrics come from Kinsta's site analytics
// (GET /sites/environments/{env_id}/analytics/...), one value per day.
type SiteMetricKey string

// The site metric keys, in the order reports show them.
const (
	SiteVisits       SiteMetricKey = "visits"
	SiteBandwidth    SiteMetricKey = "bandwidth"
	SiteCDNBandwidth SiteMetricKey = "cdn_bandwidth"
	SiteDiskSpace    SiteMetricKey = "disk_space"
)

// UnitVisits counts visits: Kinsta counts the unique IP addresses seen in
// each day (bots filtered out).
const UnitVisits Unit = "visits"

// SiteMetricInfo describes a site metric: its title, unit, the API path
// segment that serves it and which summary figures it has.
type SiteMetricInfo struct {
	Key   SiteMetricKey
	Title string
	Unit  Unit
	// Segment is the analytics path segment (visits, bandwidth,
	// cdn-bandwidth, diskspace).
	Segment string
	// Level is true for a quantity that is a level (disk space: how much
	// is stored), false for a flow (visits, bytes served) whose days add up.
	Level bool
	// HasTotal, HasAverage and HasPeak say which summary figures the metric
	// has: flows have a total and a peak day, a level its average and peak.
	HasTotal, HasAverage, HasPeak bool
	// MoreIsBad is true when a rise is bad news (disk space fills the
	// plan); traffic rising is neutral or good.
	MoreIsBad bool
}

var siteMetricInfos = []SiteMetricInfo{
	{Key: SiteVisits, Title: "Visits", Unit: UnitVisits, Segment: "visits", HasTotal: true, HasPeak: true},
	{Key: SiteBandwidth, Title: "Bandwidth", Unit: UnitBytes, Segment: "bandwidth", HasTotal: true, HasPeak: true},
	{Key: SiteCDNBandwidth, Title: "CDN bandwidth", Unit: UnitBytes, Segment: "cdn-bandwidth", HasTotal: true, HasPeak: true},
	{Key: SiteDiskSpace, Title: "Disk space", Unit: UnitBytes, Segment: "diskspace", Level: true, HasAverage: true, HasPeak: true, MoreIsBad: true},
}

// AllSiteMetrics returns every site metric key in report order.
func AllSiteMetrics() []SiteMetricKey {
	keys := make([]SiteMetricKey, len(siteMetricInfos))
	for i, m := range siteMetricInfos {
		keys[i] = m.Key
	}
	return keys
}

// SiteInfo returns the description of a site metric; ok is false for an
// unknown key.
func SiteInfo(k SiteMetricKey) (SiteMetricInfo, bool) {
	for _, m := range siteMetricInfos {
		if m.Key == k {
			return m, true
		}
	}
	return SiteMetricInfo{}, false
}

// Site is one environment of one WordPress site with its metrics for one
// period. A report that asks for a site's live and staging environments
// holds two Sites with the same ID.
type Site struct {
	ID          string
	Name        string
	DisplayName string
	// Environment is the environment's name ("live", "staging", ...) and
	// EnvironmentID its id (the analytics are per environment).
	Environment   string
	EnvironmentID string
	// Metrics holds every metric that was fetched. Iterate in the order of
	// AllSiteMetrics, never over the map.
	Metrics map[SiteMetricKey]*SiteMetric
	// Missing lists the metrics that could not be fetched, with the reason,
	// in AllSiteMetrics order.
	Missing []SiteMissing
	// Usage is this month's usage of the whole site (Kinsta gives it per
	// site, not per environment); nil when it was not fetched.
	Usage *SiteUsage
}

// Label is the name to show for a site: its display name, else its name,
// followed by the environment when it is not the live one.
func (s Site) Label() string {
	l := s.DisplayName
	if l == "" {
		l = s.Name
	}
	if s.Environment != "" && s.Environment != "live" {
		l += " (" + s.Environment + ")"
	}
	return l
}

// SiteMissing is a site metric that could not be fetched.
type SiteMissing struct {
	Metric SiteMetricKey
	Error  string
}

// SiteMetric is the data of one site metric in one period: one point per
// day (the start of the day, see fetch's notes on the zone) and its
// summary.
type SiteMetric struct {
	Key    SiteMetricKey
	Unit   Unit
	Points []Point
	// APITotal is the analytics answer's own "total" when it gave one
	// (nil otherwise); Summary is computed from Points.
	APITotal *float64
	Summary  Summary
}

// SiteUsage is a site's usage in the current calendar month, as Kinsta's
// usage endpoints give it at fetch time. Kinsta's API gives no plan
// allowance, so there is nothing to set it against here; the allowance
// fields are for a value the report's config supplies.
type SiteUsage struct {
	// AsOf is when the usage was fetched.
	AsOf time.Time
	// Visits, Bandwidth and CDNBandwidth (bytes) are nil when the
	// endpoint failed (Errors says why).
	Visits, Bandwidth, CDNBandwidth *float64
	// Allowance per metric (same units), nil when unknown.
	VisitsAllowance, BandwidthAllowance, CDNBandwidthAllowance *float64
	// Errors lists the usage endpoints that failed.
	Errors []SiteMissing
}

// SummarizeSite computes a site metric's headline figures from its daily
// points: a flow's total and peak day, a level's average and peak. With no
// points every figure is nil.
func SummarizeSite(m *SiteMetric) {
	if m == nil {
		return
	}
	info, ok := SiteInfo(m.Key)
	m.Points = Normalize(m.Points)
	s := Summarize(m.Points)
	if !ok {
		m.Summary = s
		return
	}
	out := Summary{Change: m.Summary.Change}
	if info.HasTotal {
		out.Total = s.Total
	}
	if info.HasAverage {
		out.Average = s.Average
	}
	if info.HasPeak {
		out.Peak = s.Peak
	}
	m.Summary = out
}

// CompareSite sets m's Change against the previous period's metric prev
// (nil: no previous data), as apps' metrics are compared.
func CompareSite(m, prev *SiteMetric) {
	if m == nil {
		return
	}
	info, _ := SiteInfo(m.Key)
	var ps *Summary
	if prev != nil {
		ps = &prev.Summary
	}
	m.Summary.Change = compareSummary(MetricInfo{HasTotal: info.HasTotal, HasAverage: info.HasAverage, HasPeak: info.HasPeak}, m.Summary, ps)
}
