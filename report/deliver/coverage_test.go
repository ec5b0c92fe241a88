package deliver

import (
	"html"
	"strings"
	"testing"

	"github.com/kinsta-report/kinsta-report/report"
)

// TestChangeWithheldSaysWhy: a change withheld for coverage
// (report.GateChanges) shows its reason in both parts of the email, not a
// percentage.
func TestChangeWithheldSaysWhy(t *testing.T) {
	t.Parallel()
	r := handReport(t)
	const reason = "n/a: previous period 34 % covered"
	ch := r.Periods[0].Apps[0].Metrics[report.HTTPRequests].Summary.Change
	ch.Reason, ch.Percent = reason, report.Figures{}
	text, htmlBody := bodies(t, r)
	plain := strings.ReplaceAll(html.UnescapeString(htmlBody), "\u00a0", " ")
	for part, body := range map[string]string{"text": text, "html": plain} {
		if !strings.Contains(body, reason) {
			t.Errorf("%s part does not say %q", part, reason)
		}
		if strings.Contains(body, "+50.0%") {
			t.Errorf("%s part still shows the withheld +50.0%%", part)
		}
	}
	if !strings.Contains(plain, "+20.0%") {
		t.Error("the other changes are gone too")
	}
}
