package report

import (
	"fmt"
	"slices"
)

// Build finishes a gathered report: Finalize (normalized series and their
// summaries), then CompareWithPrevious (which compares those summaries),
// then EvaluateThresholds (which reads the same figures) into r.Alerts. The
// order matters; call Build rather than the three steps. A threshold on a
// metric that could not be fetched was not checked: Build notes it, or a
// missing metric would read as "nothing crossed".
func Build(r *Report, ts []Threshold) {
	Finalize(r)
	SetCoverage(r)
	CompareWithPrevious(r)
	GateChanges(r)
	r.Alerts = EvaluateThresholds(r, ts)
	siteAlerts, siteNotes := buildSites(r, ts) // insights_sites.go
	r.Alerts = append(r.Alerts, siteAlerts...)
	r.Notes = append(r.Notes, siteNotes...)
	for i, th := range ts {
		if th.Site != "" {
			continue // a site threshold: buildSites
		}
		for _, p := range r.Periods {
			for _, a := range p.Apps {
				admitted := len(th.Apps) == 0 || slices.ContainsFunc(th.Apps, func(want string) bool { return MatchesApp(want, a.ID, a.Name, a.DisplayName) })
				if a.Metrics[th.Metric] == nil && admitted {
					r.Notes = append(r.Notes, fmt.Sprintf("Threshold %d (%s above %s) was not checked for %s in %s: the metric could not be fetched.",
						i+1, th.Metric, th.Raw, a.Label(), p.Name))
				}
				if m := a.Metrics[th.Metric]; m != nil && admitted && th.OfLimit && th.Metric == MemoryUsage {
					for _, pr := range m.Processes {
						if _, ok := thresholdLimit(th, thresholdTarget{planLimit: pr.Limit}); !ok {
							r.Notes = append(r.Notes, fmt.Sprintf("Threshold %d (%s above %s) was not checked for %s process %s in %s: Kinsta gave no memory_limit.",
								i+1, th.Metric, th.Raw, a.Label(), pr.Name, p.Name))
						}
					}
				}
			}
		}
	}
}
