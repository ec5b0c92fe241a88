package job

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kinsta-report/kinsta-report/plan"
	"github.com/kinsta-report/kinsta-report/report"
)

// task is one request of a plan: one metric of one app in one window.
type task struct {
	w      *plan.Window
	appIdx int
	key    report.MetricKey
	metric *report.Metric
	err    error
}

// gathered is what one report fetched: every task, done.
type gathered struct {
	tasks []*task
	sites *sitesGathered // sites.go; nil when the report names no sites
}

// gather fetches every metric of every app in every window of p (and its
// previous window) over the source. A window that has not begun has
// nothing to fetch: its metrics are empty, not missing. It fails only when
// nothing at all could be fetched (a bad key, no network) or ctx ends.
func (r *run) gather(ctx context.Context, rc report.ReportConfig, p plan.Plan, apps []report.App) (gathered, error) {
	var g gathered
	for _, w := range p.Windows {
		for _, win := range []*plan.Window{w, w.Previous} {
			if win == nil {
				continue
			}
			for ai := range apps {
				for _, k := range rc.Metrics {
					g.tasks = append(g.tasks, &task{w: win, appIdx: ai, key: k})
				}
			}
		}
	}
	r.log.Debug("plan", "report", rc.Name, "apps", len(apps), "periods", len(p.Windows), "requests", len(g.tasks))
	var fetchable []*task
	for _, t := range g.tasks {
		if t.w.Empty() {
			t.metric = &report.Metric{Key: t.key}
			continue
		}
		fetchable = append(fetchable, t)
	}
	r.fetchAll(ctx, rc, apps, fetchable)
	if err := ctx.Err(); err != nil {
		return g, err
	}
	if failed, first := allFailed(fetchable, func(t *task) error { return t.err }); failed > 0 {
		return g, fmt.Errorf("nothing could be fetched (%d requests failed): %w", failed, explainAPIError("fetch metrics", first))
	}
	sites, err := r.gatherSites(ctx, rc, p)
	g.sites = sites
	return g, err
}

// fetchAll runs every task concurrently; the source bounds what is in
// flight and paces it. A progress line per app goes to stderr on long runs.
func (r *run) fetchAll(ctx context.Context, rc report.ReportConfig, apps []report.App, tasks []*task) {
	remaining := make([]int, len(apps))
	failedPer := make([]int, len(apps))
	for _, t := range tasks {
		remaining[t.appIdx]++
	}
	var mu sync.Mutex
	done := 0
	start := r.o.Clock()
	fanOut(ctx, tasks, func(t *task) {
		app := apps[t.appIdx]
		t.metric, t.err = r.src.Metric(ctx, t.w.Request(app.ID, t.key, rc.SlowestRequestsLimit))
		if t.err != nil {
			r.log.Warn("metric not fetched; the report lists it as missing", "report", rc.Name, "period", t.w.Period, "app", app.Name, "metric", t.key, "err", t.err)
		}
		mu.Lock()
		defer mu.Unlock()
		remaining[t.appIdx]--
		if t.err != nil {
			failedPer[t.appIdx]++
		}
		if remaining[t.appIdx] == 0 {
			done++
			if r.o.Verbose || r.o.Clock().Sub(start) > 2*time.Second {
				// %q: an app name is the API's text and may hold terminal
				// escapes, line breaks or "::" workflow commands.
				fmt.Fprintf(r.stderr, "%s: [%d/%d] %q: %s\n", rc.Name, done, len(apps), app.Label(), progressNote(failedPer[t.appIdx]))
			}
		}
	}, func(t *task) { t.err = ctx.Err() })
}

func progressNote(failed int) string {
	if failed == 0 {
		return "fetched"
	}
	return fmt.Sprintf("fetched, %d metric requests failed", failed)
}

// roster is the user roster, fetched once per run and shared by reports.
type roster struct {
	once  sync.Once
	users []report.User
	err   error
}

func (r *run) users(ctx context.Context) ([]report.User, error) {
	r.roster.once.Do(func() {
		r.roster.users, r.roster.err = r.src.Users(ctx)
		if r.roster.err != nil {
			r.log.Warn("user roster not fetched", "err", r.roster.err)
		}
	})
	return r.roster.users, r.roster.err
}

// allFailed reports, when every one of tasks failed, how many there were
// and the first error; 0 and nil when any succeeded (or there were none).
func allFailed[T any](tasks []T, errOf func(T) error) (int, error) {
	var first error
	for _, t := range tasks {
		err := errOf(t)
		if err == nil {
			return 0, nil
		}
		if first == nil {
			first = err
		}
	}
	return len(tasks), first
}
