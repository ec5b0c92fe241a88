package sheet_test

import (
	"slices"
	"testing"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

// TestChangeWithheldSaysWhy: a change withheld for coverage
// (report.GateChanges) reads as its reason in the Summary's change column.
func TestChangeWithheldSaysWhy(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{WithPrevious: true})
	const reason = "n/a: previous period 34 % covered"
	ch := r.Periods[0].Apps[0].Metrics[report.Bandwidth].Summary.Change
	if ch == nil {
		t.Fatal("the test report has no change on bandwidth")
	}
	ch.Reason, ch.Percent = reason, report.Figures{}
	f, _ := render(t, "withheld", r)
	cells := allCells(t, f)
	if !slices.Contains(cells["Summary"], reason) {
		t.Errorf("Summary does not say %q", reason)
	}
}
