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

// report runs one due date of one report: plan (resolved at the due
// date), gather, assemble, emit; then the send ledger.
func (r *run) report(ctx context.Context, rc report.ReportConfig, apps []report.App, d due) ReportResult {
	res := ReportResult{Name: rc.Name, Due: d.Date, Status: Failed}
	start := r.o.Clock()
	before := addStats(r.src.Stats(), r.sitesStats())
	p, err := plan.For(rc, d.At)
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
	r.restorePrevious(rc, p, apps)
	g, err := r.gather(ctx, rc, p, apps)
	if err != nil {
		fmt.Fprintf(r.stderr, "report %s: %s\n", rc.Name, oneLine(err))
		return res
	}
	rep, missing := r.assemble(ctx, rc, p, apps, g, start)
	rep.API = statsSince(before, addStats(r.src.Stats(), r.sitesStats()))
	res.Alerts = len(rep.Alerts)

	base := rc.Name + "_" + d.Date
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

	if err := r.checkpoint(stepWritten); err != nil {
		fmt.Fprintf(r.stderr, "report %s %s: %v\n", rc.Name, d.Date, err)
		return res
	}

	sent := ""
	if rc.Email != nil {
		outcome, note, err := r.deliver(ctx, rc, d, rep, arts, dir, base)
		if err != nil {
			fmt.Fprintf(r.stderr, "report %s %s: email: %s (the artifacts are in %s)\n", rc.Name, d.Date, oneLine(err), dir)
			var files []string
			res.Notify, files, _ = r.notifyAll(ctx, rc, d, rep, dir, base) // the channels go out all the same
			res.Files = append(res.Files, files...)
			return res
		}
		res.Email = outcome
		if outcome == emailEML {
			written = append(written, ".eml")
			res.Files = append(res.Files, filepath.Join(dir, base+".eml"))
		}
		sent = note
	} else if err := r.markWritten(rc, d); err != nil {
		fmt.Fprintf(r.stderr, "report %s %s: %s (the artifacts are in %s)\n", rc.Name, d.Date, oneLine(err), dir)
		return res
	}
	notified, notifyFiles, notifyFailed := r.notifyAll(ctx, rc, d, rep, dir, base)
	res.Notify = notified
	for _, f := range notifyFiles {
		written = append(written, strings.TrimPrefix(filepath.Base(f), base))
		res.Files = append(res.Files, f)
	}
	sent += notifyNote(notified)

	st := rep.API
	fmt.Fprintf(r.stderr, "%s: wrote %s {%s}%s; %s, %s; api: %d requests, %d retries, %d rate-limited, waited %.1fs; took %.1fs\n",
		rc.Name, filepath.Join(dir, base), strings.Join(written, ","), sent,
		plural(appCount(rep), "app")+siteCount(rep), plural(len(rep.Periods), "period"),
		st.Requests, st.Retries, st.RateLimited, st.Wait.Seconds(), r.o.Clock().Sub(start).Seconds())
	if missing {
		fmt.Fprintf(r.stderr, "%s: delivered with missing data: %s (listed under \"missing\" in %s.json and in every output)\n",
			rc.Name, missingSummary(rep), base)
		res.Status = Partial
		if notifyFailed {
			res.Status = Failed
		}
		return res
	}
	if notifyFailed {
		return res // Failed, as for an email that could not be sent
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
	parts = append(parts, siteMissingSummary(rep)...)
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
