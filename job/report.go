package job

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kinsta-report/kinsta-report/plan"
	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/deliver"
)

// report runs one report: plan, gather, assemble, emit.
func (r *run) report(ctx context.Context, rc report.ReportConfig, apps []report.App) ReportResult {
	res := ReportResult{Name: rc.Name, Status: Failed}
	start := r.o.Clock()
	before := r.src.Stats()
	p, err := plan.For(rc, r.o.Now)
	if err != nil {
		var pe *plan.PeriodError
		if errors.As(err, &pe) {
			r.printLines(fmt.Errorf("%s:%d: reports[%d].periods[%d]: %w", r.cfg.File, pe.Line, r.reportIndex(rc), pe.Index, pe.Err))
			res.Status = ConfigError
			return res
		}
		fmt.Fprintf(r.stderr, "report %s: %s\n", rc.Name, oneLine(err))
		return res
	}
	for _, w := range p.Windows {
		res.Windows = append(res.Windows, w.Key())
		if plan.PastRetention(w.Start, p.Now) {
			r.log.Warn("period reaches back past Kinsta's analytics retention", "report", rc.Name, "period", w.Period,
				"start", w.Start.Format(time.RFC3339), "retention_days", report.RetentionDays)
		}
	}
	g, err := r.gather(ctx, rc, p, apps)
	if err != nil {
		fmt.Fprintf(r.stderr, "report %s: %s\n", rc.Name, oneLine(err))
		return res
	}
	rep, missing := r.assemble(ctx, rc, p, apps, g, start)
	rep.API = statsSince(before, r.src.Stats())
	res.Alerts = len(rep.Alerts)

	base := fmt.Sprintf("%s_%s", rc.Name, r.o.Now.In(p.Location).Format("2006-01-02"))
	dir := filepath.Join(r.o.OutDir, rc.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(r.stderr, "report %s: %v\n", rc.Name, err)
		return res
	}
	arts, err := render(rep, rc.Email != nil)
	if err != nil {
		fmt.Fprintf(r.stderr, "report %s: render: %v\n", rc.Name, err)
		return res
	}
	var written []string
	for _, a := range arts.files {
		path := filepath.Join(dir, base+a.ext)
		if err := deliver.WriteFileBytes(path, a.data); err != nil {
			fmt.Fprintf(r.stderr, "report %s: write %s: %v\n", rc.Name, path, err)
			return res
		}
		written = append(written, a.ext)
		res.Files = append(res.Files, path)
	}

	sent := ""
	if rc.Email != nil {
		outcome, note, err := r.deliver(ctx, rc, rep, arts, dir, base)
		if err != nil {
			fmt.Fprintf(r.stderr, "report %s: email: %s (the artifacts are in %s)\n", rc.Name, oneLine(err), dir)
			return res
		}
		res.Email = outcome
		if outcome == emailEML {
			written = append(written, ".eml")
			res.Files = append(res.Files, filepath.Join(dir, base+".eml"))
		}
		sent = note
	}

	st := rep.API
	fmt.Fprintf(r.stderr, "%s: wrote %s {%s}%s; %s, %s; api: %d requests, %d retries, %d rate-limited, waited %.1fs; took %.1fs\n",
		rc.Name, filepath.Join(dir, base), strings.Join(written, ","), sent,
		plural(appCount(rep), "app"), plural(len(rep.Periods), "period"),
		st.Requests, st.Retries, st.RateLimited, st.Wait.Seconds(), r.o.Clock().Sub(start).Seconds())
	if missing {
		fmt.Fprintf(r.stderr, "%s: delivered with missing data: %s (listed under \"missing\" in %s.json and in every output)\n",
			rc.Name, missingSummary(rep), base)
		res.Status = Partial
		return res
	}
	res.Status = OK
	return res
}

// missingSummary says in a few words what a report lacks.
func missingSummary(rep report.Report) string {
	var parts []string
	if rep.UsersMissing != "" {
		parts = append(parts, "the user roster")
	}
	for _, p := range rep.Periods {
		n, apps := 0, 0
		for _, a := range p.Apps {
			n += len(a.Missing)
			if len(a.Missing) > 0 {
				apps++
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s of %s in %s", plural(n, "metric"), plural(apps, "app"), p.Name))
		}
	}
	return strings.Join(parts, "; ")
}

// statsSince is the API accounting of one report: what the shared source
// counted since before.
func statsSince(before, now report.APIStats) report.APIStats {
	return report.APIStats{
		Requests:    now.Requests - before.Requests,
		Retries:     now.Retries - before.Retries,
		RateLimited: now.RateLimited - before.RateLimited,
		Wait:        now.Wait - before.Wait,
	}
}

// appCount is the number of apps the report shows.
func appCount(rep report.Report) int {
	if len(rep.Periods) == 0 {
		return 0
	}
	return len(rep.Periods[0].Apps)
}
