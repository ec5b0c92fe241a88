package plan_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/plan"
	"github.com/kinsta-report/kinsta-report/report"
)

func customAt(name, start, end string, line int) report.PeriodSpec {
	return report.PeriodSpec{Name: name, Start: start, End: end, Line: line}
}

// Issue 13 item 4: a custom period wholly in the future is refused; one
// that has begun but ends after now runs, with a note.
func TestForFuturePeriods(t *testing.T) {
	t.Parallel()
	berlin := zone(t, "Europe/Berlin")
	now := time.Date(2026, 11, 30, 7, 0, 0, 0, berlin)

	_, err := plan.For(rc(berlin, true, "auto", named("yesterday"), customAt("summer", "2027-06-01", "2027-06-07", 9)), now)
	var pe *plan.PeriodError
	if !errors.As(err, &pe) || pe.Line != 9 || pe.Index != 1 || !strings.Contains(err.Error(), `custom period "summer" starts 2027-06-01 00:00 CEST, after now (2026-11-30 07:00 CET): it has no data yet`) {
		t.Fatalf("err %v", err)
	}
	// Starting exactly now is not begun either.
	if _, err := plan.For(rc(berlin, false, "auto", customAt("later", "2026-11-30T07:00:00+01:00", "2026-12-01", 3)), now); err == nil {
		t.Errorf("a period starting at now was accepted")
	}

	p, err := plan.For(rc(berlin, true, "auto", customAt("december", "2026-11-28", "2026-12-06", 4), customAt("april", "2026-04-01", "2026-04-30", 5)), now)
	if err != nil {
		t.Fatal(err)
	}
	want := "december ends 2026-12-06, after this report was made (2026-11-30 07:00 CET): it covers only 2026-11-28 to 2026-11-30 07:00 so far, and its figures are not final."
	if notes := p.Windows[0].Notes; !contains(notes, want) {
		t.Errorf("notes %q, want %q", notes, want)
	}
	for _, n := range p.Windows[1].Notes {
		if strings.Contains(n, "after this report was made") {
			t.Errorf("a closed period got %q", n)
		}
	}
}

// Issue 13 item 4: -check says, with a clock, what a run would refuse and
// what it would only have in part.
func TestCheckPeriodsAtNow(t *testing.T) {
	t.Parallel()
	berlin := zone(t, "Europe/Berlin")
	now := time.Date(2026, 11, 30, 7, 0, 0, 0, berlin)
	r := rc(berlin, true, "auto", named("last_401_days"), customAt("summer", "2027-06-01", "2027-06-07", 9), customAt("december", "2026-11-28", "2026-12-06", 10), named("previous_week"))
	problems, warnings := plan.Check("r.yaml", 2, r, now)
	if len(problems) != 1 || !strings.HasPrefix(problems[0].Error(), `r.yaml:9: reports[2].periods[1]: custom period "summer" starts 2027-06-01`) {
		t.Errorf("problems %v", problems)
	}
	if len(warnings) != 2 ||
		!strings.HasPrefix(warnings[0].Error(), "r.yaml:7: reports[2].periods[0]: warning: last_401_days starts 2025-10-25, but Kinsta keeps analytics for 30 days: the API has data only from 2026-10-31 on") ||
		!strings.HasPrefix(warnings[1].Error(), "r.yaml:10: reports[2].periods[2]: warning: december ends 2026-12-06, after this report was made") {
		t.Errorf("warnings:\n%v", warnings)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
