package notify

import (
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// TestAlertTextOfSitesAndBareNumbers: a site alert is titled as the email
// titles it ("Site visits", not the key site.visits), its any_bucket day is
// a date, and a threshold written as a bare number is not repeated after
// the limit.
func TestAlertTextOfSitesAndBareNumbers(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		a    report.Alert
		want string
	}{
		{report.Alert{Period: "previous_week", Metric: "site.visits", On: "total", Value: 2113, Limit: 1, Unit: report.UnitVisits, Threshold: "1"},
			"Site visits total " + report.FormatValue(report.UnitVisits, 2113) + ", above " + report.FormatValue(report.UnitVisits, 1) + " (Previous week)"},
		{report.Alert{Period: "previous_week", Metric: "site.bandwidth", On: "any_bucket", Value: 6e9, Limit: 5e9, Unit: report.UnitBytes, Threshold: "5GB", Time: day, HasTime: true},
			"Site bandwidth in a bucket " + report.FormatValue(report.UnitBytes, 6e9) + " on 2026-11-17, above " + report.FormatValue(report.UnitBytes, 5e9) + " (Previous week)"},
		{report.Alert{Period: "previous_week", Metric: report.CPUUsage, Process: "web", On: "peak", Value: 90, Limit: 80, Unit: report.UnitPercent, Threshold: "80"},
			"CPU usage (web) peak " + report.FormatValue(report.UnitPercent, 90) + ", above " + report.FormatValue(report.UnitPercent, 80) + " (Previous week)"},
		{report.Alert{Period: "previous_week", Metric: report.MemoryUsage, Process: "web", On: "peak", Value: 3e9, Limit: 2.4e9, Unit: report.UnitBytes, Threshold: "90% of limit"},
			"Memory usage (web) peak " + report.FormatValue(report.UnitBytes, 3e9) + ", above " + report.FormatValue(report.UnitBytes, 2.4e9) + " (90% of limit) (Previous week)"},
	} {
		if got := report.AlertText(tc.a, time.UTC); got != tc.want {
			t.Errorf("alertText:\n got %q\nwant %q", got, tc.want)
		}
	}
}
