package chart

import (
	"bytes"
	"html"
	"strings"
	"testing"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

// TestChangeWithheldSaysWhy: a change withheld for coverage
// (report.GateChanges) shows its reason in the HTML report, not a
// percentage.
func TestChangeWithheldSaysWhy(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{WithPrevious: true, Apps: 1})
	const reason = "n/a: previous period 34 % covered"
	for _, m := range r.Periods[0].Apps[0].Metrics {
		if m.Summary.Change != nil {
			m.Summary.Change.Reason, m.Summary.Change.Percent = reason, report.Figures{}
		}
		for i := range m.Processes {
			if ch := m.Processes[i].Summary.Change; ch != nil {
				ch.Reason, ch.Percent = reason, report.Figures{}
			}
		}
	}
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := html.UnescapeString(buf.String())
	if !strings.Contains(page, reason) {
		t.Errorf("the HTML does not say %q", reason)
	}
	if strings.Contains(page, `class="word">better`) || strings.Contains(page, `class="word">worse`) {
		t.Error("a withheld change is still called better or worse")
	}
}
