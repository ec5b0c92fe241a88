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
	idx := r.reportIndex(rc)
	var problems []string
	unmatched := 0
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
		if found {
			continue
		}
		unmatched++
		if unmatched <= maxUnmatched {
			problems = append(problems, fmt.Sprintf("%s:%d: reports[%d].apps[%d]: no application matches %q (by id, name or display_name, in any case)",
				r.cfg.File, lineOf(rc.AppLines, i, rc.Line), idx, i, want))
		}
	}
	if unmatched > 0 {
		// The company's apps once per report, however many entries missed.
		appsLine := lineOf(rc.AppLines, 0, rc.Line)
		if unmatched > maxUnmatched {
			problems = append(problems, fmt.Sprintf("%s:%d: reports[%d].apps: %d more entries match no application",
				r.cfg.File, appsLine, idx, unmatched-maxUnmatched))
		}
		problems = append(problems, fmt.Sprintf("%s:%d: reports[%d].apps: the company's applications: %s",
			r.cfg.File, appsLine, idx, appNames(all)))
		return nil, &usageError{lines: problems}
	}
	return out, nil
}

// maxUnmatched is how many unmatched app entries of one report are named;
// the rest are counted.
const maxUnmatched = 10

// lineOf is lines[i], or fallback when the line is unknown.
func lineOf(lines []int, i, fallback int) int {
	if i < len(lines) && lines[i] > 0 {
		return lines[i]
	}
	return fallback
}

// checkThresholdApps refuses a threshold app that matches none of the
// apps of a report that lists its apps: the threshold would never run for
// it. (With apps: all an app may come and go; assemble notes it.)
func (r *run) checkThresholdApps(rc report.ReportConfig, apps []report.App) []string {
	if rc.AllApps || len(rc.Apps) == 0 {
		return nil
	}
	var problems []string
	for k, th := range rc.Thresholds {
		for j, want := range th.Apps {
			if slices.ContainsFunc(apps, func(a report.App) bool { return report.MatchesApp(want, a.ID, a.Name, a.DisplayName) }) {
				continue
			}
			problems = append(problems, fmt.Sprintf("%s:%d: reports[%d].thresholds[%d].apps[%d]: app %q is not one of this report's apps (%s), so the threshold would never run for it (want one of them, or remove it)",
				r.cfg.File, lineOf(th.AppLines, j, th.Line), r.reportIndex(rc), k, j, want, appNames(apps)))
		}
	}
	return problems
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

// appNames lists apps as people know them: the name, and the display name
// when it differs, e.g. "shop" ("Shop"). At most 20.
func appNames(apps []report.App) string {
	var names []string
	for _, a := range apps {
		n := strconv.Quote(a.Name) // the API's text: quoted, never raw on stderr
		if a.DisplayName != "" && a.DisplayName != a.Name {
			n += " (" + strconv.Quote(a.DisplayName) + ")"
		}
		names = append(names, n)
	}
	if len(names) > 20 {
		names = append(names[:20], fmt.Sprintf("… %d more", len(apps)-20))
	}
	return strings.Join(names, ", ")
}
