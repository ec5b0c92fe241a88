package job

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kinsta-report/kinsta-report/report"
)

// selectApps resolves the report's apps: all of them, or each entry matched
// by id, name or display_name, sorted by label. An entry that matches
// nothing is a config error naming it.
func (r *run) selectApps(rc report.ReportConfig) ([]report.App, error) {
	if rc.NoApps {
		return nil, nil // a report of WordPress sites only (sites.go)
	}
	all := slices.Clone(r.apps)
	slices.SortStableFunc(all, func(a, b report.App) int {
		return strings.Compare(strings.ToLower(a.Label()), strings.ToLower(b.Label()))
	})
	if rc.AllApps || len(rc.Apps) == 0 {
		if len(all) == 0 {
			return nil, fmt.Errorf("company %s has no applications", r.company)
		}
		return all, nil
	}
	var out []report.App
	seen := map[string]bool{}
	var problems []string
	for i, want := range rc.Apps {
		found := false
		for _, a := range all {
			if report.MatchesApp(want, a.ID, a.Name, a.DisplayName) {
				found = true
				if !seen[a.ID] {
					seen[a.ID] = true
					out = append(out, a)
				}
			}
		}
		if !found {
			problems = append(problems, fmt.Sprintf("%s:%d: reports[%d].apps[%d]: no application matches %q (by id, name or display_name; have: %s)",
				r.cfg.File, rc.Line, r.reportIndex(rc), i, want, appNames(all)))
		}
	}
	if len(problems) > 0 {
		return nil, &usageError{lines: problems}
	}
	return out, nil
}

// reportIndex is the report's position in the config, for field paths.
func (r *run) reportIndex(rc report.ReportConfig) int {
	for i, c := range r.cfg.Reports {
		if c.Name == rc.Name {
			return i
		}
	}
	return -1
}

func appNames(apps []report.App) string {
	var names []string
	for _, a := range apps {
		names = append(names, strconv.Quote(a.Name)) // the API's text: quoted, never raw on stderr
	}
	if len(names) > 20 {
		names = append(names[:20], "…")
	}
	return strings.Join(names, ", ")
}
