package report_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

func utcDay(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }

func siteMetric(k report.SiteMetricKey, vals ...float64) *report.SiteMetric {
	info, _ := report.SiteInfo(k)
	m := &report.SiteMetric{Key: k, Unit: info.Unit}
	for i, v := range vals {
		m.Points = append(m.Points, report.Point{Time: utcDay(11, 16+i), Value: v})
	}
	report.SummarizeSite(m)
	return m
}

func TestSummarizeSite(t *testing.T) {
	t.Parallel()
	v := siteMetric(report.SiteVisits, 100, 300, 200)
	if v.Summary.Total == nil || *v.Summary.Total != 600 || *v.Summary.Peak != 300 || v.Summary.Average != nil {
		t.Errorf("visits summary = %+v", v.Summary)
	}
	d := siteMetric(report.SiteDiskSpace, 10, 20, 30)
	if d.Summary.Total != nil || d.Summary.Average == nil || *d.Summary.Average != 20 || *d.Summary.Peak != 30 {
		t.Errorf("disk space summary = %+v (a level has no total)", d.Summary)
	}
	e := siteMetric(report.SiteBandwidth)
	if e.Summary.Total != nil || e.Summary.Peak != nil {
		t.Errorf("no points must give no figures, got %+v", e.Summary)
	}
	prev := siteMetric(report.SiteVisits, 100, 100, 100)
	report.CompareSite(v, prev)
	if c := v.Summary.Change; c == nil || c.Percent.Total == nil || *c.Percent.Total != 100 || *c.Previous.Total != 300 || c.Percent.Average != nil {
		t.Errorf("change = %+v", v.Summary.Change)
	}
	for _, k := range report.AllSiteMetrics() {
		info, ok := report.SiteInfo(k)
		if !ok || info.Segment == "" || info.Unit == "" || info.HasTotal == info.Level {
			t.Errorf("%s: %+v", k, info)
		}
	}
	if l := (report.Site{Name: "blog", Environment: "staging"}).Label(); l != "blog (staging)" {
		t.Errorf("label = %q", l)
	}
}

func TestJSONSitesSection(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Apps: 1, Days: 7})
	before, err := report.MarshalJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(before, []byte(`"sites"`)) {
		t.Fatal("a report without sites must not carry a sites key (v1 documents stay as they were)")
	}

	visits := siteMetric(report.SiteVisits, 100, 300)
	report.CompareSite(visits, siteMetric(report.SiteVisits, 200, 200))
	r.Periods[0].Sites = []report.Site{{
		ID: "s1", Name: "blog", DisplayName: `=HYPERLINK("x")<script>`, Environment: "live", EnvironmentID: "e1",
		Metrics: map[report.SiteMetricKey]*report.SiteMetric{
			report.SiteDiskSpace: siteMetric(report.SiteDiskSpace, 1e9, 1.1e9),
			report.SiteVisits:    visits,
		},
		Missing: []report.SiteMissing{{Metric: report.SiteBandwidth, Error: "kinsta: 500"}},
		Usage: &report.SiteUsage{AsOf: time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC), Visits: report.F(5000), VisitsAllowance: report.F(25000),
			Bandwidth: report.F(2e9), Errors: []report.SiteMissing{{Metric: report.SiteCDNBandwidth, Error: "timeout"}}},
	}}
	r.Periods[0].Sites[0].Metrics[report.SiteVisits].APITotal = report.F(400)
	b, err := report.MarshalJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	// Everything v1 had is still there, byte for byte, before the new key.
	var docBefore, docAfter map[string]any
	_ = json.Unmarshal(before, &docBefore)
	if err := json.Unmarshal(b, &docAfter); err != nil {
		t.Fatal(err)
	}
	p := docAfter["periods"].([]any)[0].(map[string]any)
	pb := docBefore["periods"].([]any)[0].(map[string]any)
	ab, _ := json.Marshal(pb["apps"])
	aa, _ := json.Marshal(p["apps"])
	if !bytes.Equal(ab, aa) {
		t.Error("apps changed when sites were added")
	}

	sites := p["sites"].([]any)
	s := sites[0].(map[string]any)
	if s["id"] != "s1" || s["display_name"] != `=HYPERLINK("x")<script>` || s["environment"] != "live" || s["environment_id"] != "e1" || s["day_zone"] == "" {
		t.Errorf("site = %v", s)
	}
	// Metrics in report order (visits before disk_space), whatever the map.
	if iv, id := bytes.Index(b, []byte(`"visits": {`)), bytes.Index(b, []byte(`"disk_space": {`)); iv < 0 || id < 0 || iv > id {
		t.Errorf("metric order: visits at %d, disk_space at %d", iv, id)
	}
	m := s["metrics"].(map[string]any)
	v := m["visits"].(map[string]any)
	if v["unit"] != "visits" || v["total"] != 400.0 || v["peak"] != 300.0 || v["api_total"] != 400.0 {
		t.Errorf("visits = %v", v)
	}
	if _, ok := v["average"]; ok {
		t.Error("visits must have no average")
	}
	if v["change_percent"].(map[string]any)["total"] != 0.0 || v["previous"].(map[string]any)["total"] != 400.0 {
		t.Errorf("visits change = %v / %v", v["previous"], v["change_percent"])
	}
	pts := v["points"].([]any)
	if len(pts) != 2 || pts[0].(map[string]any)["date"] != "2026-11-16" || pts[1].(map[string]any)["value"] != 300.0 {
		t.Errorf("points = %v", pts)
	}
	d := m["disk_space"].(map[string]any)
	if d["unit"] != "bytes" || d["average"] != 1.05e9 || d["peak"] != 1.1e9 || d["api_total"] != nil {
		t.Errorf("disk space = %v", d)
	}
	if _, ok := d["total"]; ok {
		t.Error("disk space must have no total")
	}
	if miss := s["missing"].([]any); len(miss) != 1 || miss[0].(map[string]any)["metric"] != "bandwidth" {
		t.Errorf("missing = %v", miss)
	}
	u := s["usage"].(map[string]any)
	uv := u["visits"].(map[string]any)
	if u["as_of"] != "2026-11-23T05:00:00Z" || uv["used"] != 5000.0 || uv["allowance"] != 25000.0 || uv["percent"] != 20.0 || uv["unit"] != "visits" {
		t.Errorf("usage = %v", u)
	}
	if ub := u["bandwidth"].(map[string]any); ub["used"] != 2e9 || ub["allowance"] != nil || ub["percent"] != nil {
		t.Errorf("usage bandwidth = %v", ub)
	}
	if uc := u["cdn_bandwidth"].(map[string]any); uc["used"] != nil {
		t.Errorf("usage cdn = %v", uc)
	}
	if errs := u["errors"].([]any); len(errs) != 1 {
		t.Errorf("usage errors = %v", errs)
	}
}
