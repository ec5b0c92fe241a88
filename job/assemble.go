package job

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kinsta-report/kinsta-report/plan"
	"github.com/kinsta-report/kinsta-report/report"
)

// assemble turns what was gathered into the finished model: the roster,
// one period per window (with its previous), the notes, then report.Build.
// generated is when the run began the report; missing says whether a metric or the roster could not be fetched.
func (r *run) assemble(ctx context.Context, rc report.ReportConfig, p plan.Plan, apps []report.App, g gathered, generated time.Time) (rep report.Report, missing bool) {
	rep = report.Report{
		Name: rc.Name,
		// When the report was made, not Now: a re-run for a past week is
		// generated (and its mail dated) today.
		GeneratedAt: generated,
		Location:    p.Location,
		CompanyID:   r.company,
		Metrics:     rc.Metrics,
		Notes:       slices.Clone(p.Notes),
	}
	if rc.Users {
		users, err := r.rosterFor(ctx, p)
		if err == nil {
			rep.Users = users
		} else {
			rep.UsersMissing = err.Error()
			rep.Notes = append(rep.Notes, "The user roster could not be fetched: "+err.Error())
		}
	}
	missing = rep.UsersMissing != ""
	for _, w := range p.Windows {
		per := period(w, apps, g.tasks)
		for _, a := range per.Apps {
			missing = missing || len(a.Missing) > 0
		}
		if w.Previous != nil {
			prev := period(w.Previous, apps, g.tasks)
			per.Previous = &prev
		}
		rep.Periods = append(rep.Periods, per)
	}
	missing = foldSites(&rep, p, g.sites) || missing // sites.go
	if rc.NoApps {
		rep.Metrics = nil // a sites-only report: no application sheets, columns or charts
	}
	for i, th := range rc.Thresholds {
		for _, want := range th.Apps {
			if !slices.ContainsFunc(apps, func(a report.App) bool { return report.MatchesApp(want, a.ID, a.Name, a.DisplayName) }) {
				note := fmt.Sprintf("Threshold %d (%s) names app %q, which is not in this report: it is never checked for that app.", i+1, th.Metric, want)
				rep.Notes = append(rep.Notes, note)
				r.log.Warn("threshold names an app that is not in the report", "report", rc.Name, "threshold", i+1, "app", want)
			}
		}
	}
	report.Build(&rep, rc.Thresholds)
	return rep, missing
}

// period turns the tasks of one window into the model: points shaped into
// the window (plan.Window.ShapeMetric), failed metrics listed as missing in
// contract order whatever order the requests finished in.
func period(w *plan.Window, apps []report.App, tasks []*task) report.Period {
	p := w.Model()
	p.Apps = make([]report.App, len(apps))
	for i, a := range apps {
		p.Apps[i] = report.App{ID: a.ID, Name: a.Name, DisplayName: a.DisplayName, Metrics: map[report.MetricKey]*report.Metric{}}
	}
	byApp := make([][]*task, len(apps))
	for _, t := range tasks {
		if t.w == w {
			byApp[t.appIdx] = append(byApp[t.appIdx], t)
		}
	}
	for ai, ts := range byApp {
		for _, k := range report.AllMetrics() {
			for _, t := range ts {
				if t.key != k {
					continue
				}
				if t.err != nil {
					p.Apps[ai].Missing = append(p.Apps[ai].Missing, report.Missing{Metric: k, Error: missingReason(t.err)})
					continue
				}
				w.ShapeMetric(t.metric, k)
				p.Apps[ai].Metrics[k] = t.metric
			}
		}
	}
	return p
}
