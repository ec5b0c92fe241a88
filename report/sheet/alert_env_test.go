package sheet_test

import (
	"testing"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

// TestAlertsSheetEnvironmentID: a site alert's row names the site's id in
// App ID and its environment's in Environment ID (a site's live and
// staging environments share the site id); an app alert's is empty.
func TestAlertsSheetEnvironmentID(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{WithAlerts: true})
	r.Alerts = append(r.Alerts, report.Alert{
		App: "Blog (staging)", AppID: "s1", EnvironmentID: "env-staging", Period: r.Periods[0].Name, Metric: "site.visits",
		On: "total", Value: 1200, Limit: 1000, Unit: report.UnitVisits, Threshold: "1000",
	})
	f, _ := render(t, "alerts-env", r)
	hr, header := findRow(t, f, "Alerts", "App")
	appID, envID := colOf(t, header, "App ID"), colOf(t, header, "Environment ID")
	last := hr + len(r.Alerts)
	if v, _ := f.GetCellValue("Alerts", cellName(appID, last)); v != "s1" {
		t.Errorf("site alert's App ID %q, want s1", v)
	}
	if v, _ := f.GetCellValue("Alerts", cellName(envID, last)); v != "env-staging" {
		t.Errorf("site alert's Environment ID %q, want env-staging", v)
	}
	if v, _ := f.GetCellValue("Alerts", cellName(envID, hr+1)); v != "" {
		t.Errorf("app alert's Environment ID %q, want empty", v)
	}
}
