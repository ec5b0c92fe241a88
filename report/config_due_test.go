package report

import (
	"strings"
	"testing"
)

func TestParseConfigDue(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig("d.yaml", []byte(doc(
		"reports:",
		"  - name: weekly",
		"    periods: [previous_week]",
		"  - name: seven",
		"    periods: [last_7_days]",
		"    every: week",
		"    catch_up: 0",
		"  - name: many",
		"    periods: [yesterday]",
		"    catch_up: 30",
	)))
	if err != nil {
		t.Fatal(err)
	}
	got := []struct {
		every   string
		catchUp int
	}{{cfg.Reports[0].Every, cfg.Reports[0].CatchUp}, {cfg.Reports[1].Every, cfg.Reports[1].CatchUp}, {cfg.Reports[2].Every, cfg.Reports[2].CatchUp}}
	if got[0].every != "" || got[0].catchUp != DefaultCatchUp || got[1].every != EveryWeek || got[1].catchUp != 0 || got[2].catchUp != 30 {
		t.Errorf("every/catch_up %+v, want default 4, week/0, 30", got)
	}
}

func TestParseConfigDueErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, src, want string }{
		{"negative catch_up", doc("reports:", "  - name: a", "    periods: [yesterday]", "    catch_up: -1"),
			"d.yaml:4: reports[0].catch_up: -1 is negative (want 0 for no catch-up"},
		{"catch_up not a number", doc("reports:", "  - name: a", "    periods: [yesterday]", "    catch_up: lots"),
			"d.yaml:4: reports[0].catch_up: want a whole number, got \"lots\""},
		{"unknown cadence", doc("reports:", "  - name: a", "    periods: [yesterday]", "    every: fortnight"),
			"d.yaml:4: reports[0].every: unknown cadence \"fortnight\" (want one of: day, week, month"},
		{"every with a custom period", doc("reports:", "  - name: a", "    periods: [{name: april, start: 2026-04-01, end: 2026-04-30}]", "    every: week"),
			"d.yaml:4: reports[0].every: every: week with the custom period \"april\" first: a custom period is due once"},
		{"misspelt key", doc("reports:", "  - name: a", "    periods: [yesterday]", "    catchup: 2"),
			"did you mean \"catch_up\"?"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseConfig("d.yaml", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
