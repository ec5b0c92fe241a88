package notify_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

// hostile are app names from a hostile API: a Slack broadcast, a table
// pipe, a javascript: link, a mention, a spreadsheet formula, a code span,
// HTML and an Adaptive Card date substitution.
var hostile = []string{
	"<!channel> ping",
	"a|b|c",
	"[click](javascript:alert(1))",
	"@here now",
	"=cmd|'/c calc'!A1",
	"`code` *bold* _it_",
	`<img src=x onerror=alert(1)>`,
	"{{DATE(2017-02-14T06:00:00Z, SHORT)}}",
}

// fixture is a report of n apps compared with the previous week, with
// alerts on the first alerted apps (every app when alertAll).
func fixture(t testing.TB, n int, alertAll bool) report.Report {
	t.Helper()
	r := reporttest.Build(reporttest.Options{Apps: n, WithPrevious: true, WithAlerts: true, MissingMetric: report.CPUUsage})
	if alertAll {
		r.Alerts = report.EvaluateThresholds(&r, []report.Threshold{{Metric: report.ResponseTimeP95, Above: 300, On: "peak", Raw: "300ms"}})
	}
	return r
}

// hostileFixture is fixture with the hostile names as display names (and
// in the alerts, the missing-data errors and the notes).
func hostileFixture(t testing.TB) report.Report {
	t.Helper()
	r := reporttest.Build(reporttest.Options{Apps: len(hostile), WithPrevious: true, MissingMetric: report.CPUUsage})
	for i := range r.Periods[0].Apps {
		r.Periods[0].Apps[i].DisplayName = hostile[i]
		r.Periods[0].Previous.Apps[i].DisplayName = hostile[i]
	}
	r.Periods[0].Apps[0].Missing[0].Error = hostile[1]
	r.Notes = []string{hostile[2]}
	r.Alerts = report.EvaluateThresholds(&r, []report.Threshold{{Metric: report.ResponseTimeP95, Above: 300, On: "peak", Raw: "300ms"}})
	if len(r.Alerts) != len(hostile) {
		t.Fatalf("fixture: %d alerts, want one per app (%d)", len(r.Alerts), len(hostile))
	}
	return r
}

func decode[T any](t testing.TB, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("payload is not JSON: %v\n%s", err, b)
	}
	return v
}

func sprintf(format string, v any) string { return fmt.Sprintf(format, v, v, v, v) }
