package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch"
	"github.com/kinsta-report/kinsta-report/report"
)

// plannedPeriod is a resolved period of a report and how to fetch it.
type plannedPeriod struct {
	period report.Period
	// fetchInterval is what is asked of the API; with fold, hourly buckets
	// are folded into local days of the report's zone.
	fetchInterval time.Duration
	fold          bool
	previous      *plannedPeriod
}

// task is one request of the plan: one metric of one app in one period.
type task struct {
	pp     *plannedPeriod
	appIdx int
	key    report.MetricKey
	metric *report.Metric
	err    error
}

// collect fetches everything one report needs and returns its finalized
// model. missingAny is true when a metric could not be fetched.
func (r *runner) collect(ctx context.Context, rc report.ReportConfig, apps []fetch.Application, loc *time.Location) (report.Report, bool, error) {
	rep := report.Report{
		Name: rc.Name,
		// When the report was made, not -now: a re-run for a past week is
		// generated (and its mail dated) today.
		GeneratedAt: r.clock(),
		Location:    loc,
		CompanyID:   r.company,
		Metrics:     rc.Metrics,
	}
	before := r.client.Stats()
	plan, notes, err := r.planPeriods(rc, loc)
	if err != nil {
		return rep, false, err
	}
	rep.Notes = notes

	// One task per app, metric and period (and previous period).
	var tasks []*task
	for _, pp := range plan {
		for _, p := range []*plannedPeriod{pp, pp.previous} {
			if p == nil {
				continue
			}
			for ai := range apps {
				for _, k := range rc.Metrics {
					tasks = append(tasks, &task{pp: p, appIdx: ai, key: k})
				}
			}
		}
	}
	r.log.Debug("plan", "report", rc.Name, "apps", len(apps), "periods", len(plan), "requests", len(tasks))
	// A period that has not begun (week_to_date at the first instant of its
	// week) has nothing to fetch: its metrics are empty, not missing.
	var fetchable []*task
	for _, t := range tasks {
		if !t.pp.period.End.After(t.pp.period.Start) {
			t.metric = &report.Metric{Key: t.key}
			continue
		}
		fetchable = append(fetchable, t)
	}
	r.runTasks(ctx, rc, apps, fetchable)
	if err := ctx.Err(); err != nil {
		return rep, false, err
	}

	// Nothing fetched at all (a bad key, no network): fail with one line
	// and write no empty report.
	failed := 0
	var firstErr error
	for _, t := range fetchable {
		if t.err != nil {
			failed++
			if firstErr == nil {
				firstErr = t.err
			}
		}
	}
	if len(fetchable) > 0 && failed == len(fetchable) {
		return rep, false, fmt.Errorf("nothing could be fetched (%d requests failed): %w", failed, explainAPIError("fetch metrics", firstErr))
	}

	if rc.Users {
		r.fetchUsers(ctx)
		if r.usersOK {
			rep.Users = r.users
		} else if r.usersErr != nil {
			rep.UsersMissing = r.usersErr.Error()
			rep.Notes = append(rep.Notes, "The user roster could not be fetched: "+r.usersErr.Error())
		}
	}

	missingAny := rep.UsersMissing != ""
	for _, pp := range plan {
		p := buildPeriod(pp, apps, tasks, loc)
		for _, a := range p.Apps {
			if len(a.Missing) > 0 {
				missingAny = true
			}
		}
		if pp.previous != nil {
			prev := buildPeriod(pp.previous, apps, tasks, loc)
			p.Previous = &prev
		}
		rep.Periods = append(rep.Periods, p)
	}
	for i, th := range rc.Thresholds {
		for _, want := range th.Apps {
			if !slices.ContainsFunc(apps, func(a fetch.Application) bool { return report.MatchesApp(want, a.ID, a.Name, a.DisplayName) }) {
				note := fmt.Sprintf("Threshold %d (%s) names app %q, which is not in this report: it is never checked for that app.", i+1, th.Metric, want)
				rep.Notes = append(rep.Notes, note)
				r.log.Warn("threshold names an app that is not in the report", "report", rc.Name, "threshold", i+1, "app", want)
			}
		}
	}
	report.Finalize(&rep)
	report.CompareWithPrevious(&rep)
	rep.Alerts = report.EvaluateThresholds(&rep, rc.Thresholds)
	// A threshold on a metric that could not be fetched was not checked:
	// say so, or a missing metric would read as "nothing crossed".
	for i, th := range rc.Thresholds {
		for _, p := range rep.Periods {
			for _, a := range p.Apps {
				admitted := len(th.Apps) == 0 || slices.ContainsFunc(th.Apps, func(want string) bool { return report.MatchesApp(want, a.ID, a.Name, a.DisplayName) })
				if a.Metrics[th.Metric] == nil && admitted {
					rep.Notes = append(rep.Notes, fmt.Sprintf("Threshold %d (%s above %s) was not checked for %s in %s: the metric could not be fetched.",
						i+1, th.Metric, th.Raw, a.Label(), p.Name))
				}
			}
		}
	}
	rep.API = statsSince(before, r.client.Stats())
	return rep, missingAny, nil
}

// selectApps resolves the report's apps: all of them, or each entry matched
// by id, name or display_name. An entry that matches nothing is an error
// naming it.
func (r *runner) selectApps(rc report.ReportConfig) ([]fetch.Application, error) {
	all := slices.Clone(r.apps)
	slices.SortStableFunc(all, func(a, b fetch.Application) int {
		return strings.Compare(strings.ToLower(appLabel(a)), strings.ToLower(appLabel(b)))
	})
	if rc.AllApps || len(rc.Apps) == 0 {
		if len(all) == 0 {
			return nil, fmt.Errorf("company %s has no applications", r.company)
		}
		return all, nil
	}
	var out []fetch.Application
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
func (r *runner) reportIndex(rc report.ReportConfig) int {
	for i, c := range r.cfg.Reports {
		if c.Name == rc.Name {
			return i
		}
	}
	return -1
}

func appLabel(a fetch.Application) string {
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return a.Name
}

func appNames(apps []fetch.Application) string {
	var names []string
	for _, a := range apps {
		names = append(names, strconv.Quote(a.Name)) // the API's text: quoted, never raw on stderr
	}
	if len(names) > 20 {
		names = append(names[:20], "…")
	}
	return strings.Join(names, ", ")
}

// planPeriods resolves the report's periods against -now in its zone.
func (r *runner) planPeriods(rc report.ReportConfig, loc *time.Location) ([]*plannedPeriod, []string, error) {
	var plan []*plannedPeriod
	var notes []string
	now := r.o.now
	for _, spec := range rc.Periods {
		name, start, end, err := report.ResolvePeriod(spec, now, loc)
		if err != nil {
			return nil, nil, &usageError{lines: []string{fmt.Sprintf("%s:%d: reports[%d].periods: %v", r.cfg.File, spec.Line, r.reportIndex(rc), err)}}
		}
		interval := report.IntervalFor(rc.Interval, start, end)
		pp := newPlanned(name, start, end, interval, loc)
		if interval == 24*time.Hour {
			pp.period.Notes = append(pp.period.Notes, "Daily buckets: each point is a local day (bandwidth and build time summed over its hours, "+
				"the other metrics averaged), so a peak here is the highest day, not the highest hour.")
		}
		if !end.After(start) {
			pp.period.Notes = append(pp.period.Notes, fmt.Sprintf("%s is empty: at %s it has not begun, so there is nothing to report yet.",
				name, now.In(loc).Format("2006-01-02 15:04 MST")))
		}
		if report.BeyondRetention(start, now) {
			note := fmt.Sprintf("%s starts %s, further back than the %d days Kinsta keeps analytics: its first days may be empty.",
				name, start.Format("2006-01-02"), report.RetentionDays)
			notes = append(notes, note)
			pp.period.Notes = append(pp.period.Notes, note)
			r.log.Warn("period reaches back past Kinsta's analytics retention", "report", rc.Name, "period", name, "start", start.Format(time.RFC3339), "retention_days", report.RetentionDays)
		}
		if rc.Compare && end.After(start) {
			ps, pe := report.PreviousRange(name, start, end, loc)
			switch {
			case report.BeyondRetention(report.LastDay(pe, loc), now):
				// Even its last instant is past retention: Kinsta has no data for it.
				pp.period.Notes = append(pp.period.Notes, fmt.Sprintf("No change against the previous period: %s to %s lies beyond Kinsta's %d-day retention.",
					ps.Format("2006-01-02"), report.LastDay(pe, loc).Format("2006-01-02"), report.RetentionDays))
			default:
				prev := newPlanned(name, ps, pe, interval, loc)
				pp.previous = prev
				if report.BeyondRetention(ps, now) {
					pp.period.Notes = append(pp.period.Notes, fmt.Sprintf("The previous period (%s to %s) reaches back past Kinsta's %d-day retention: its figures may be incomplete.",
						ps.Format("2006-01-02"), report.LastDay(pe, loc).Format("2006-01-02"), report.RetentionDays))
				}
			}
		}
		plan = append(plan, pp)
	}
	return plan, notes, nil
}

func newPlanned(name string, start, end time.Time, interval time.Duration, loc *time.Location) *plannedPeriod {
	pp := &plannedPeriod{
		period:        report.Period{Name: name, Start: start, End: end, Interval: interval},
		fetchInterval: interval,
	}
	// Daily figures are local days: where the zone is not UTC, fetch hourly
	// buckets and fold them.
	if interval == 24*time.Hour && !isUTC(loc) {
		pp.fetchInterval = time.Hour
		pp.fold = true
	}
	return pp
}

func isUTC(loc *time.Location) bool {
	switch loc.String() {
	case "UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Zulu", "Zulu", "Etc/GMT", "GMT":
		return true
	}
	return false
}

// runTasks runs every task concurrently; the client bounds what is in
// flight and paces it. A progress line per app goes to stderr on long runs.
func (r *runner) runTasks(ctx context.Context, rc report.ReportConfig, apps []fetch.Application, tasks []*task) {
	remaining := make([]int, len(apps))
	failedPer := make([]int, len(apps))
	for _, t := range tasks {
		remaining[t.appIdx]++
	}
	var mu sync.Mutex
	done := 0
	start := r.clock()
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for _, t := range tasks {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			t.err = ctx.Err()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			rg := fetch.Range{Start: t.pp.period.Start, End: t.pp.period.End, Interval: t.pp.fetchInterval}
			t.metric, t.err = r.client.Metric(ctx, apps[t.appIdx].ID, t.key, rg, rc.SlowestRequestsLimit)
			if t.err != nil {
				r.log.Warn("metric not fetched; the report lists it as missing", "report", rc.Name, "period", t.pp.period.Name, "app", apps[t.appIdx].Name, "metric", t.key, "err", t.err)
			}
			mu.Lock()
			defer mu.Unlock()
			remaining[t.appIdx]--
			if t.err != nil {
				failedPer[t.appIdx]++
			}
			if remaining[t.appIdx] == 0 {
				done++
				if r.o.verbose || r.clock().Sub(start) > 2*time.Second {
					// %q: an app name is the API's text and may hold terminal
					// escapes, line breaks or "::" workflow commands.
					fmt.Fprintf(r.stderr, "%s: [%d/%d] %q: %s\n", rc.Name, done, len(apps), appLabel(apps[t.appIdx]), progressNote(failedPer[t.appIdx]))
				}
			}
		}()
	}
	wg.Wait()
}

func progressNote(failed int) string {
	if failed == 0 {
		return "fetched"
	}
	return fmt.Sprintf("fetched, %d metric requests failed", failed)
}

// fetchUsers fetches the roster once per run.
func (r *runner) fetchUsers(ctx context.Context) {
	if r.usersOK || r.usersErr != nil {
		return
	}
	users, err := r.client.Users(ctx, r.company)
	if err != nil {
		r.usersErr = err
		r.log.Warn("user roster not fetched", "err", err)
		return
	}
	slices.SortStableFunc(users, func(a, b report.User) int {
		return strings.Compare(strings.ToLower(a.FullName), strings.ToLower(b.FullName))
	})
	r.users, r.usersOK = users, true
}

// buildPeriod turns the tasks of one planned period into the model: points
// in the report's zone, trimmed to the period, folded into local days
// where needed; failed metrics listed as missing.
func buildPeriod(pp *plannedPeriod, apps []fetch.Application, tasks []*task, loc *time.Location) report.Period {
	p := pp.period
	p.Apps = make([]report.App, len(apps))
	for i, a := range apps {
		p.Apps[i] = report.App{ID: a.ID, Name: a.Name, DisplayName: a.DisplayName, Metrics: map[report.MetricKey]*report.Metric{}}
	}
	byApp := make([][]*task, len(apps))
	for _, t := range tasks {
		if t.pp == pp {
			byApp[t.appIdx] = append(byApp[t.appIdx], t)
		}
	}
	for ai, ts := range byApp {
		// Contract order for missing, whatever order the requests finished in.
		for _, k := range report.AllMetrics() {
			for _, t := range ts {
				if t.key != k {
					continue
				}
				if t.err != nil {
					p.Apps[ai].Missing = append(p.Apps[ai].Missing, report.Missing{Metric: k, Error: missingReason(t.err)})
					continue
				}
				m := t.metric
				info, _ := report.Info(k)
				m.Key = k
				m.Points = shape(m.Points, pp, loc, info.Fold)
				for pi := range m.Processes {
					m.Processes[pi].Points = shape(m.Processes[pi].Points, pp, loc, info.Fold)
				}
				for ri := range m.Runs {
					m.Runs[ri].Start = m.Runs[ri].Start.In(loc)
					m.Runs[ri].End = m.Runs[ri].End.In(loc)
				}
				p.Apps[ai].Metrics[k] = m
			}
		}
	}
	if pp.fold {
		p.Interval = 24 * time.Hour
	}
	return p
}

// shape puts points in the report's zone, keeps those inside the period
// and folds hourly buckets into local days when the plan says so.
func shape(points []report.Point, pp *plannedPeriod, loc *time.Location, fold report.Fold) []report.Point {
	if len(points) == 0 {
		return []report.Point{}
	}
	out := make([]report.Point, 0, len(points))
	for _, pt := range points {
		if pt.Time.Before(pp.period.Start) || !pt.Time.Before(pp.period.End) {
			continue
		}
		out = append(out, report.Point{Time: pt.Time.In(loc), Value: pt.Value})
	}
	out = report.Normalize(out)
	if pp.fold {
		out = report.FoldDays(out, loc, fold)
	}
	return out
}

// missingReason is the error as the report shows it: the API's words,
// without our step prefixes.
func missingReason(err error) string {
	var ae *fetch.APIError
	if errors.As(err, &ae) {
		return ae.Error()
	}
	return err.Error()
}

// statsSince is the API accounting of one report: what the shared client
// counted since before.
func statsSince(before, now report.APIStats) report.APIStats {
	return report.APIStats{
		Requests:    now.Requests - before.Requests,
		Retries:     now.Retries - before.Retries,
		RateLimited: now.RateLimited - before.RateLimited,
		Wait:        now.Wait - before.Wait,
	}
}
