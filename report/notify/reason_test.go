package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/notify"
)

// A change withheld for coverage reads as its reason in the chat messages,
// as in the email, never as a percentage computed from a thin previous
// period.
func TestWithheldChangeShowsItsReason(t *testing.T) {
	t.Parallel()
	const reason = "n/a: previous period 34 % covered"
	start := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	r := report.Report{
		Name: "weekly", Location: time.UTC, Metrics: []report.MetricKey{report.Bandwidth},
		Periods: []report.Period{{
			Name: "previous_week", Start: start, End: start.AddDate(0, 0, 7), Interval: time.Hour,
			Apps: []report.App{{ID: "a", Name: "shop", Metrics: map[report.MetricKey]*report.Metric{
				report.Bandwidth: {Key: report.Bandwidth, Unit: report.UnitBytes, Summary: report.Summary{
					Total: report.F(2e9), Peak: report.F(1e8),
					Change: &report.Change{Previous: report.Figures{Total: report.F(1e9)}, Reason: reason},
				}},
			}}},
		}},
	}
	md := notify.JobSummary(r, "")
	if !strings.Contains(md, "covered") || !strings.Contains(md, "34") {
		t.Errorf("job summary lacks the reason:\n%s", md)
	}
	if strings.Contains(md, "100.0") || strings.Contains(md, "+100") {
		t.Errorf("job summary shows a change the coverage withholds:\n%s", md)
	}
	slack, err := notify.SlackPayload(r, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(slack), "covered") || strings.Contains(string(slack), "+100") {
		t.Errorf("slack payload: want the reason, no change:\n%s", slack)
	}
}

// The webhook's figure carries the reason and no change_percent.
func TestWebhookWithheldChange(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	r := report.Report{
		Name: "weekly", Location: time.UTC, Metrics: []report.MetricKey{report.Bandwidth},
		Periods: []report.Period{{Name: "previous_week", Start: start, End: start.AddDate(0, 0, 7), Interval: time.Hour,
			Apps: []report.App{{ID: "a", Name: "shop", Metrics: map[report.MetricKey]*report.Metric{
				report.Bandwidth: {Key: report.Bandwidth, Unit: report.UnitBytes, Summary: report.Summary{
					Total:  report.F(2e9),
					Change: &report.Change{Previous: report.Figures{Total: report.F(1e9)}, Reason: "n/a: previous period 34 % covered"},
				}},
			}}}}},
	}
	body, err := notify.WebhookPayload(r, "")
	if err != nil {
		t.Fatal(err)
	}
	s := string(body)
	if !strings.Contains(s, `"change_note":"n/a: previous period 34 % covered"`) || !strings.Contains(s, `"change_percent":null`) {
		t.Errorf("webhook figure: want the note and a null change_percent:\n%s", s)
	}
}
