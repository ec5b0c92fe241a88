package report

import (
	"strings"
	"testing"
	"time"
)

func sitePoints(vals ...float64) []Point {
	pts := make([]Point, len(vals))
	for i, v := range vals {
		pts[i] = Point{Time: time.Date(2026, 11, 16+i, 0, 0, 0, 0, time.UTC), Value: v}
	}
	return pts
}

func TestBuildSites(t *testing.T) {
	t.Parallel()
	site := func(env string, visits, disk []float64, missing bool) Site {
		s := Site{ID: "s1", Name: "blog", DisplayName: "Blog", Environment: env, EnvironmentID: "e-" + env,
			Metrics: map[SiteMetricKey]*SiteMetric{
				SiteVisits:    {Key: SiteVisits, Unit: UnitVisits, Points: sitePoints(visits...)},
				SiteDiskSpace: {Key: SiteDiskSpace, Unit: UnitBytes, Points: sitePoints(disk...)},
			}}
		if missing {
			s.Missing = []SiteMissing{{Metric: SiteBandwidth, Error: "boom"}}
		}
		return s
	}
	prev := Period{Name: "week", Sites: []Site{site("live", []float64{100, 100}, []float64{1e9, 1e9}, false)}}
	r := Report{Periods: []Period{{Name: "week", Previous: &prev, Sites: []Site{
		site("live", []float64{100, 200}, []float64{1e9, 3e9}, true),
		site("staging", []float64{1, 2}, []float64{1, 1}, false),
	}}}}
	ts := []Threshold{
		{Metric: "site.visits", Site: SiteVisits, Above: 150, On: OnAnyBucket, Raw: "150"},
		{Metric: "site.disk_space", Site: SiteDiskSpace, Above: 1.5e9, On: OnAverage, Sites: []string{"BLOG"}, Raw: "1.5GB"},
		{Metric: "site.bandwidth", Site: SiteBandwidth, Above: 1, Raw: "1"},
		{Metric: Bandwidth, Above: 1, Raw: "1"}, // an app threshold: no site is checked
	}
	Build(&r, ts)
	live := r.Periods[0].Sites[0]
	v := live.Metrics[SiteVisits].Summary
	if v.Total == nil || *v.Total != 300 || v.Peak == nil || *v.Peak != 200 || v.Average != nil {
		t.Errorf("visits summary %+v", v)
	}
	if v.Change == nil || v.Change.Percent.Total == nil || *v.Change.Percent.Total != 50 {
		t.Errorf("visits change %+v, want +50%% against 200", v.Change)
	}
	d := live.Metrics[SiteDiskSpace].Summary
	if d.Average == nil || *d.Average != 2e9 || d.Total != nil {
		t.Errorf("disk summary %+v", d)
	}
	if st := r.Periods[0].Sites[1].Metrics[SiteVisits].Summary.Change; st == nil || st.Previous.Total != nil {
		t.Errorf("staging has no previous environment, change %+v", st)
	}
	var got []string
	for _, a := range r.Alerts {
		got = append(got, string(a.Metric)+" "+a.App+" "+a.On)
		if a.Metric == "site.visits" && (!a.HasTime || !a.Time.Equal(time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC)) || a.Value != 200) {
			t.Errorf("visits alert %+v, want the 17th's 200", a)
		}
	}
	// Visits on the live 17th, the live disk average; staging's disk is
	// below the limit though the filter admits it (same site).
	if want := "site.visits Blog any_bucket|site.disk_space Blog average"; strings.Join(got, "|") != want {
		t.Errorf("alerts %q, want %q", got, want)
	}
	notes := strings.Join(r.Notes, "\n")
	if !strings.Contains(notes, "Threshold 3 (site.bandwidth above 1) was not checked for the site Blog in week") {
		t.Errorf("no note for the unchecked site threshold:\n%s", notes)
	}
	if strings.Contains(notes, "Threshold 4") {
		t.Errorf("an app threshold noted for sites:\n%s", notes)
	}
	if h := AlertHeadline(r.Alerts); h != "1 site crossed a threshold" {
		t.Errorf("headline %q", h)
	}
	if h := AlertHeadline(append(r.Alerts, Alert{App: "Shop", AppID: "a1", Metric: Bandwidth})); h != "1 app and 1 site crossed a threshold" {
		t.Errorf("headline %q", h)
	}
	if ShouldSend(SendOnAlert, r.Alerts) != true {
		t.Error("on_alert does not send for a site crossing")
	}
}
