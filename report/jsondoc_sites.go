package report

import "time"

// SitesDayZone says which days the site points are: Kinsta's analytics give
// dates without a zone and document none; they are taken as UTC days.
const SitesDayZone = "UTC (assumed: Kinsta's site analytics give dates without a zone)"

// The "sites" section of a period (additive to kinsta-report/v1: a document
// without sites has no "sites" key, and readers that do not know it keep
// working). Points are calendar days ("date": "2006-01-02"), not instants,
// since Kinsta gives days without a zone.
type (
	jsonSite struct {
		ID            string         `json:"id"`
		Name          string         `json:"name"`
		DisplayName   string         `json:"display_name"`
		Environment   string         `json:"environment"`
		EnvironmentID string         `json:"environment_id"`
		DayZone       string         `json:"day_zone"`
		Metrics       orderedFields  `json:"metrics"`
		Missing       []jsonSiteMiss `json:"missing"`
		Usage         *jsonSiteUsage `json:"usage"`
	}
	jsonSiteMiss struct {
		Metric SiteMetricKey `json:"metric"`
		Error  string        `json:"error"`
	}
	jsonSitePoint struct {
		Date  string   `json:"date"`
		Value *float64 `json:"value"`
	}
	jsonSiteUsage struct {
		AsOf         string          `json:"as_of"`
		Visits       jsonUsageFigure `json:"visits"`
		Bandwidth    jsonUsageFigure `json:"bandwidth"`
		CDNBandwidth jsonUsageFigure `json:"cdn_bandwidth"`
		Errors       []jsonSiteMiss  `json:"errors"`
	}
	jsonUsageFigure struct {
		Unit      Unit     `json:"unit"`
		Used      *float64 `json:"used"`
		Allowance *float64 `json:"allowance"`
		// Percent is used / allowance × 100 (two decimals); null without an
		// allowance.
		Percent *float64 `json:"percent"`
	}
)

// sitesJSON returns the "sites" array of a period; nil when the period has
// no sites (the key is then left out).
func sitesJSON(sites []Site) []jsonSite {
	if len(sites) == 0 {
		return nil
	}
	out := make([]jsonSite, 0, len(sites))
	for _, s := range sites {
		js := jsonSite{ID: s.ID, Name: s.Name, DisplayName: s.DisplayName, Environment: s.Environment,
			EnvironmentID: s.EnvironmentID, DayZone: SitesDayZone, Metrics: orderedFields{}, Missing: []jsonSiteMiss{}}
		for _, k := range AllSiteMetrics() {
			m, ok := s.Metrics[k]
			if !ok || m == nil {
				continue
			}
			js.Metrics = append(js.Metrics, field{string(k), siteMetricJSON(m)})
		}
		for _, m := range s.Missing {
			js.Missing = append(js.Missing, jsonSiteMiss(m))
		}
		js.Usage = usageJSON(s.Usage)
		out = append(out, js)
	}
	return out
}

func siteMetricJSON(m *SiteMetric) orderedFields {
	info, _ := SiteInfo(m.Key)
	o := orderedFields{{"unit", info.Unit}}
	o = appendFigures(o, MetricInfo{HasTotal: info.HasTotal, HasAverage: info.HasAverage, HasPeak: info.HasPeak}, m.Summary)
	o = append(o, field{"api_total", numPtr(m.APITotal)})
	pts := make([]jsonSitePoint, 0, len(m.Points))
	for _, p := range m.Points {
		pts = append(pts, jsonSitePoint{Date: p.Time.UTC().Format(time.DateOnly), Value: num(p.Value)})
	}
	return append(o, field{"points", pts})
}

func usageJSON(u *SiteUsage) *jsonSiteUsage {
	if u == nil {
		return nil
	}
	fig := func(used, allowance *float64, unit Unit) jsonUsageFigure {
		f := jsonUsageFigure{Unit: unit, Used: numPtr(used), Allowance: numPtr(allowance)}
		if used != nil && allowance != nil && *allowance > 0 {
			f.Percent = round2(F(*used / *allowance * 100))
		}
		return f
	}
	ju := &jsonSiteUsage{
		Visits:       fig(u.Visits, u.VisitsAllowance, UnitVisits),
		Bandwidth:    fig(u.Bandwidth, u.BandwidthAllowance, UnitBytes),
		CDNBandwidth: fig(u.CDNBandwidth, u.CDNBandwidthAllowance, UnitBytes),
		Errors:       []jsonSiteMiss{},
	}
	if !u.AsOf.IsZero() {
		ju.AsOf = u.AsOf.UTC().Format(time.RFC3339)
	}
	for _, e := range u.Errors {
		ju.Errors = append(ju.Errors, jsonSiteMiss(e))
	}
	return ju
}
