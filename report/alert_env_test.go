package report_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

// envSite is an environment of the site s1 ("Blog") with its daily visits.
// liveAndStaging is a report with one app (and no app thresholds) and the
// site Blog's live and staging environments, checked against a site.visits
// total of 1000: live has 1500 visits; staging 1200 when stagingCrosses,
// else 15.
func liveAndStaging(t *testing.T, stagingCrosses bool) report.Report {
	t.Helper()
	r := reporttest.Build(reporttest.Options{Apps: 1, Days: 7})
	staging := reporttest.SiteEnvironment("staging", 5, 10)
	if stagingCrosses {
		staging = reporttest.SiteEnvironment("staging", 600, 600)
	}
	r.Periods = r.Periods[:1]
	r.Periods[0].Previous = nil
	r.Periods[0].Sites = []report.Site{reporttest.SiteEnvironment("live", 700, 800), staging}
	report.Build(&r, []report.Threshold{{Metric: "site.visits", Site: report.SiteVisits, Above: 1000, On: report.OnTotal, Raw: "1000"}})
	return r
}

// TestSiteAlertIsPerEnvironment: a site's environments share its id, so a
// site alert is the environment that crossed (site id and environment
// id): the alert and the JSON carry the environment's id, and the counts
// and headlines count site environments, never merging live and staging.
func TestSiteAlertIsPerEnvironment(t *testing.T) {
	t.Parallel()
	r := liveAndStaging(t, false)
	if len(r.Alerts) != 1 {
		t.Fatalf("alerts %+v, want live's only", r.Alerts)
	}
	a := r.Alerts[0]
	if a.AppID != "s1" || a.EnvironmentID != "env-live" || a.App != "Blog" {
		t.Errorf("alert %+v, want app_id s1, environment env-live, app Blog", a)
	}
	if got := report.AlertKey(a); got != report.SiteKey("s1", "env-live") || got == report.SiteKey("s1", "env-staging") {
		t.Errorf("AlertKey %q is not live's site key", got)
	}
	if report.AlertKey(a) == report.AppKey("s1") {
		t.Error("a site alert keyed as the app of the same id")
	}
	if n := report.AlertedApps(r.Alerts); n != 1 {
		t.Errorf("AlertedApps %d, want 1", n)
	}
	if h := report.AlertHeadline(r.Alerts); h != "1 site crossed a threshold" {
		t.Errorf("headline %q, want 1 site (staging exists but did not cross)", h)
	}

	b, err := report.MarshalJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Alerts []map[string]any `json:"alerts"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Alerts) != 1 || doc.Alerts[0]["environment_id"] != "env-live" || doc.Alerts[0]["app_id"] != "s1" ||
		doc.Alerts[0]["app"] != "Blog" || doc.Alerts[0]["metric"] != "site.visits" {
		t.Errorf("JSON alerts %v, want Blog's with app_id s1 and environment_id env-live", doc.Alerts)
	}

	// Both environments cross: two rows, counted as two site environments.
	both := liveAndStaging(t, true)
	if len(both.Alerts) != 2 || both.Alerts[1].EnvironmentID != "env-staging" || both.Alerts[1].App != "Blog (staging)" {
		t.Fatalf("alerts %+v, want live's then staging's", both.Alerts)
	}
	if n := report.AlertedApps(both.Alerts); n != 2 {
		t.Errorf("AlertedApps %d, want 2 (live and staging are two rows)", n)
	}
	if h := report.AlertHeadline(both.Alerts); h != "2 site environments crossed a threshold" {
		t.Errorf("headline %q", h)
	}
	app := report.Alert{App: "Shop", AppID: "s1", Metric: report.Bandwidth, Period: "previous_week"}
	if h := report.AlertHeadline(append(both.Alerts, app)); h != "1 app and 2 site environments crossed a threshold" {
		t.Errorf("headline %q (an app of the same id is an app, not a third site row)", h)
	}
	other := a
	other.AppID, other.EnvironmentID, other.App = "s2", "env-live-2", "Shop blog"
	if h := report.AlertHeadline([]report.Alert{a, other}); h != "2 sites crossed a threshold" {
		t.Errorf("two sites' live environments: headline %q", h)
	}
	if h := report.AlertHeadline([]report.Alert{a, a}); h != "1 site crossed a threshold" {
		t.Errorf("two crossings of one environment: headline %q", h)
	}
}

// TestAppAlertJSONUnchanged: an app alert's JSON has no environment_id
// (the field is additive and for site alerts only).
func TestAppAlertJSONUnchanged(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{WithAlerts: true})
	if len(r.Alerts) == 0 {
		t.Fatal("fixture without alerts")
	}
	b, err := report.MarshalJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(`"environment_id": ""`)) || bytes.Contains(b, []byte(`"environment_id":""`)) {
		t.Errorf("an app alert carries an empty environment_id:\n%s", b)
	}
	var doc struct {
		Alerts []map[string]any `json:"alerts"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, a := range doc.Alerts {
		if _, ok := a["environment_id"]; ok {
			t.Errorf("app alert %v has environment_id", a)
		}
		if _, ok := a["app_id"]; !ok {
			t.Errorf("app alert %v lost app_id", a)
		}
	}
}
