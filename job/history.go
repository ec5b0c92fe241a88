package job

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kinsta-report/kinsta-report/internal/state"
	"github.com/kinsta-report/kinsta-report/plan"
	"github.com/kinsta-report/kinsta-report/report"
)

// History is a Source that serves closed UTC days from the history of a
// state folder (docs/STATE.md) and asks the Source it wraps only for what
// the history lacks: days it never stored and days still open at now.
// Contiguous missing days become one request. Every closed UTC day it
// fetched whole is kept in one batch, written by Commit once per run.
//
// Days are stored and served at the interval they were fetched at: a day
// fetched hourly never answers a daily request. Days that lie beyond
// Kinsta's retention (report.BeyondRetention) and are not in the history
// are not asked for: they are left empty, and the figures' coverage says
// so. Slowest requests are reused for exactly the same window and limit.
// Company, Applications, Users and Stats are the wrapped Source's.
type History struct {
	Source
	store *state.Store
	now   time.Time
	log   *slog.Logger

	cacheMu sync.Mutex
	cache   map[cacheKey]*cachedDay
	// fresh holds the days fetched in this run, so a later request of the
	// run (another report, the same days) is served from them.
	fresh map[freshKey]*state.Day

	mu      sync.Mutex
	batch   *state.Batch
	served  int // metric requests answered by the history alone
	partial int // metric requests answered partly by the history
	fetched int // requests made of the wrapped Source
	puts    int // days (and windows) added to the batch

	// Site analytics (sites.go): days read from the history once per run
	// (under cacheMu), days fetched in this run, and the requests.
	siteCache                            map[time.Time]*cachedDay
	siteFresh                            map[state.Key]*state.Day
	siteServed, sitePartial, siteFetched int
}

// NewHistory wraps inner with the history of store. now is the run's clock
// (the earlier of -now and the wall clock): a UTC day is closed when it
// ended at or before it. batchNow names the files Commit writes (the wall
// clock of the run; state.Store.Begin).
func NewHistory(inner Source, store *state.Store, now, batchNow time.Time, log *slog.Logger) *History {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &History{Source: inner, store: store, now: now, log: log,
		cache: map[cacheKey]*cachedDay{}, fresh: map[freshKey]*state.Day{}, batch: store.Begin(batchNow)}
}

// HistoryStats is what the history did in a run.
type HistoryStats struct {
	// Served counts the metric requests the history answered alone;
	// Partial those it answered in part.
	Served, Partial int
	// Fetched counts the requests made of the wrapped Source.
	Fetched int
	// Stored counts the days and windows added to the history.
	Stored int
	// SiteServed, SitePartial and SiteFetched are the same for WordPress
	// site analytics requests (one site metric of one environment in one
	// window).
	SiteServed, SitePartial, SiteFetched int
}

// Stats of the history so far (the wrapped Source's API accounting is
// Source.Stats).
func (h *History) HistoryStats() HistoryStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return HistoryStats{Served: h.served, Partial: h.partial, Fetched: h.fetched, Stored: h.puts,
		SiteServed: h.siteServed, SitePartial: h.sitePartial, SiteFetched: h.siteFetched}
}

// Commit writes the days fetched so far (one file per UTC day) and starts
// a new batch. A store opened read-only keeps nothing and is no error.
func (h *History) Commit() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	err := h.batch.Commit()
	if errors.Is(err, state.ErrReadOnly) {
		err = nil
	}
	for _, p := range h.store.Problems() {
		h.log.Warn("history file skipped; its days are fetched again", "problem", p)
	}
	return err
}

const utcDay = 24 * time.Hour

type freshKey struct {
	key      state.Key
	interval time.Duration
}

type cacheKey struct {
	interval time.Duration
	day      time.Time
}

// cachedDay is one UTC day of the history at one interval, every app and
// metric, read once per run.
type cachedDay struct {
	once sync.Once
	held map[state.Key]*state.Day
	err  error
}

// stored returns what the history holds for (app, metric) on day d at
// interval, or nil.
func (h *History) stored(app string, metric report.MetricKey, interval time.Duration, d time.Time) (*state.Day, error) {
	if metric == report.RunTime {
		interval = 0 // run_time days are stored without an interval; any read returns them
	}
	h.cacheMu.Lock()
	if x := h.fresh[freshKey{state.KeyOf(app, metric, d), interval}]; x != nil {
		h.cacheMu.Unlock()
		return x, nil
	}
	c := h.cache[cacheKey{interval, d}]
	if c == nil {
		c = &cachedDay{}
		h.cache[cacheKey{interval, d}] = c
	}
	h.cacheMu.Unlock()
	c.once.Do(func() {
		iv := interval
		if iv == 0 {
			iv = time.Hour
		}
		days, err := h.store.Read(state.Query{Interval: iv, From: d, To: d.Add(utcDay)})
		if err != nil {
			c.err = err
			return
		}
		c.held = map[state.Key]*state.Day{}
		for i := range days {
			if interval == 0 && days[i].Metric != report.RunTime {
				continue
			}
			c.held[state.KeyOf(days[i].App, days[i].Metric, days[i].Day)] = &days[i]
		}
	})
	if c.err != nil {
		return nil, c.err
	}
	return c.held[state.KeyOf(app, metric, d)], nil
}

// storedOrFolded is the stored day at interval, or, for a UTC day asked in
// one daily bucket, the day stored hourly folded into it (summed or
// averaged by the metric's fold, as Kinsta computes a daily bucket from
// its hours) when every one of its 24 hours is there.
func (h *History) storedOrFolded(app string, info report.MetricInfo, interval time.Duration, d time.Time) (*state.Day, error) {
	x, err := h.stored(app, info.Key, interval, d)
	if x != nil || err != nil || interval != utcDay || info.Kind == report.KindRuns {
		return x, err
	}
	hourly, err := h.stored(app, info.Key, time.Hour, d)
	if hourly == nil || err != nil {
		return nil, err
	}
	whole := func(ps []report.Point) bool { return len(ps) == 24 }
	folded := &state.Day{App: app, Metric: info.Key, Interval: utcDay, Day: d}
	switch info.Kind {
	case report.KindSeries:
		if !whole(hourly.Points) {
			return nil, nil
		}
		folded.Points = report.FoldDays(hourly.Points, time.UTC, info.Fold)
	case report.KindProcesses:
		folded.Processes = make([]report.Process, len(hourly.Processes))
		for i, p := range hourly.Processes {
			if !whole(p.Points) {
				return nil, nil
			}
			folded.Processes[i] = report.Process{Name: p.Name, Limit: p.Limit, Points: report.FoldDays(p.Points, time.UTC, info.Fold)}
		}
	}
	return folded, nil
}

// Metric serves r from the history where it can.
func (h *History) Metric(ctx context.Context, r plan.Request) (*report.Metric, error) {
	info, ok := report.Info(r.Metric)
	if !ok {
		return h.fetch(ctx, r)
	}
	if info.Kind == report.KindRows {
		return h.slowest(ctx, r)
	}
	return h.days(ctx, r, info)
}

func (h *History) fetch(ctx context.Context, r plan.Request) (*report.Metric, error) {
	h.mu.Lock()
	h.fetched++
	h.mu.Unlock()
	return h.Source.Metric(ctx, r)
}

func (h *History) count(served, fetchedAny bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case served && !fetchedAny:
		h.served++
	case served:
		h.partial++
	}
}

// slowest reuses the rows stored for exactly r's window and limit.
func (h *History) slowest(ctx context.Context, r plan.Request) (*report.Metric, error) {
	rows, ok, err := h.store.Slowest(r.App, r.Start, r.End, r.SlowestLimit)
	if err != nil {
		h.log.Warn("history not read; fetching", "app", r.App, "metric", r.Metric, "err", err)
	}
	if ok && err == nil {
		h.count(true, false)
		return &report.Metric{Key: r.Metric, Unit: report.UnitMS, Rows: rows}, nil
	}
	m, err := h.fetch(ctx, r)
	if err != nil {
		return nil, err
	}
	if !r.End.After(h.now) && r.End.After(r.Start) {
		h.put(func(b *state.Batch) error { return b.PutSlowest(r.App, r.Start, r.End, r.SlowestLimit, m.Rows) })
		// (Not kept in memory: one run asks for a window's rows once.)
	}
	return m, nil
}

// span is one request of the wrapped Source: [from, to).
type span struct{ from, to time.Time }

// days serves a series, per-process or run metric day by day.
func (h *History) days(ctx context.Context, r plan.Request, info report.MetricInfo) (*report.Metric, error) {
	var held []*state.Day
	var spans []span
	open := false // the last span can take the next day
	for _, d := range state.UTCDays(r.Start, r.End) {
		end := d.Add(utcDay)
		if !end.After(h.now) { // closed
			x, err := h.storedOrFolded(r.App, info, r.Interval, d)
			if err != nil {
				h.log.Warn("history not read; fetching", "app", r.App, "metric", r.Metric, "err", err)
			}
			if x != nil {
				held = append(held, x)
				open = false
				continue
			}
			if report.BeyondRetention(end.Add(-time.Nanosecond), h.now) {
				// Kinsta no longer has it, and the history never had it.
				open = false
				continue
			}
		}
		if open {
			spans[len(spans)-1].to = end
			continue
		}
		spans = append(spans, span{from: d, to: end})
		open = true
	}
	// Kinsta counts requests, not days: one request over the held days
	// between two missing stretches costs less than two. The held days in
	// it are taken from the answer (the same closed data) and not stored
	// again.
	inSpan := map[time.Time]bool{}
	if len(spans) > 1 {
		all := span{from: spans[0].from, to: spans[len(spans)-1].to}
		spans = []span{all}
		kept := held[:0]
		for _, x := range held {
			if !x.Day.Before(all.from) && x.Day.Before(all.to) {
				inSpan[x.Day] = true
				continue
			}
			kept = append(kept, x)
		}
		held = kept
	}
	for i := range spans {
		s := &spans[i]
		// A partial first day past retention: ask only for the window's part.
		if s.from.Before(r.Start) && report.BeyondRetention(s.from, h.now) {
			s.from = r.Start
		}
		// A day still open: ask up to the window's end, never the future.
		if s.to.After(h.now) {
			s.to = r.End
		}
	}

	out := &report.Metric{Key: r.Metric, Unit: info.Unit}
	add := func(m *report.Metric) {
		out.Points = append(out.Points, m.Points...)
		out.Processes = mergeProcesses(out.Processes, m.Processes)
		out.Runs = append(out.Runs, m.Runs...)
	}
	for _, d := range held {
		add(&report.Metric{Points: d.Points, Processes: d.Processes, Runs: d.Runs})
	}
	for _, s := range spans {
		q := r
		q.Start, q.End = s.from, s.to
		m, err := h.fetch(ctx, q)
		if err != nil {
			return nil, err
		}
		if m.Unit != "" {
			out.Unit = m.Unit
		}
		h.keep(r, info, s, m, inSpan)
		add(m)
	}
	h.count(len(held) > 0, len(spans) > 0)

	// Clip to the request: spans and stored days are whole UTC days.
	out.Points = sortPoints(clipPoints(out.Points, r.Start, r.End))
	for i := range out.Processes {
		out.Processes[i].Points = sortPoints(clipPoints(out.Processes[i].Points, r.Start, r.End))
	}
	out.Runs = mergeRuns(clipRuns(out.Runs, r.Start, r.End))
	switch info.Kind {
	case report.KindSeries:
		if out.Points == nil {
			out.Points = []report.Point{}
		}
	case report.KindProcesses:
		if out.Processes == nil {
			out.Processes = []report.Process{}
		}
	case report.KindRuns:
		if out.Runs == nil {
			out.Runs = []report.Run{}
		}
	}
	return out, nil
}

// keep adds to the batch every closed UTC day that span s covers whole,
// except those the history already holds.
func (h *History) keep(r plan.Request, info report.MetricInfo, s span, m *report.Metric, held map[time.Time]bool) {
	for _, d := range state.UTCDays(s.from, s.to) {
		end := d.Add(utcDay)
		if d.Before(s.from) || end.After(s.to) || end.After(h.now) || held[d] {
			continue
		}
		x := &state.Day{App: r.App, Metric: r.Metric, Interval: r.Interval, Day: d}
		var put func(*state.Batch) error
		switch info.Kind {
		case report.KindSeries:
			x.Points = orEmpty(clipPoints(m.Points, d, end))
			put = func(b *state.Batch) error { return b.PutSeries(r.App, r.Metric, r.Interval, d, x.Points) }
		case report.KindProcesses:
			x.Processes = make([]report.Process, len(m.Processes))
			for i, p := range m.Processes {
				x.Processes[i] = report.Process{Name: p.Name, Limit: p.Limit, Points: orEmpty(clipPoints(p.Points, d, end))}
			}
			put = func(b *state.Batch) error { return b.PutProcesses(r.App, r.Metric, r.Interval, d, x.Processes) }
		case report.KindRuns:
			x.Interval = 0
			x.Runs = clipRuns(m.Runs, d, end)
			put = func(b *state.Batch) error { return b.PutRuns(r.App, d, x.Runs) }
		default:
			continue
		}
		if h.put(put) {
			h.cacheMu.Lock()
			h.fresh[freshKey{state.KeyOf(r.App, r.Metric, d), x.Interval}] = x
			h.cacheMu.Unlock()
		}
	}
}

func (h *History) put(fn func(*state.Batch) error) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := fn(h.batch); err != nil {
		// The history is a cache: a day it cannot keep is fetched again.
		h.log.Warn("day not kept in the history", "err", err)
		return false
	}
	h.puts++
	return true
}

func orEmpty(ps []report.Point) []report.Point {
	if ps == nil {
		return []report.Point{}
	}
	return ps
}

// sortPoints sorts stored and fetched points together by time.
func sortPoints(ps []report.Point) []report.Point {
	slices.SortStableFunc(ps, func(a, b report.Point) int { return a.Time.Compare(b.Time) })
	return ps
}

// clipPoints returns the points in [from, to), in a new slice.
func clipPoints(ps []report.Point, from, to time.Time) []report.Point {
	var out []report.Point
	for _, p := range ps {
		if !p.Time.Before(from) && p.Time.Before(to) {
			out = append(out, p)
		}
	}
	return out
}

// clipRuns cuts runs to [from, to); a cut run keeps the share of its
// seconds that its part of the time holds.
func clipRuns(runs []report.Run, from, to time.Time) []report.Run {
	var out []report.Run
	for _, r := range runs {
		s, e := maxTime(r.Start, from), minTime(r.End, to)
		if !e.After(s) {
			if r.End.Equal(r.Start) && !r.Start.Before(from) && r.Start.Before(to) {
				out = append(out, r) // an instant run belongs to its day
			}
			continue
		}
		c := r
		c.Start, c.End = s, e
		if d := r.End.Sub(r.Start); d > 0 && (s != r.Start || e != r.End) {
			c.Seconds = r.Seconds * float64(e.Sub(s)) / float64(d)
		}
		out = append(out, c)
	}
	return out
}

// mergeRuns joins the parts of one run that days or spans cut (same
// process id and plan, one ending where the next begins), sorted by start.
func mergeRuns(runs []report.Run) []report.Run {
	slices.SortStableFunc(runs, func(a, b report.Run) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return compareStrings(a.ProcessID, b.ProcessID)
	})
	var out []report.Run
	last := map[string]int{} // process id → index in out of its latest run
	for _, r := range runs {
		if i, ok := last[r.ProcessID]; ok && out[i].Plan == r.Plan && out[i].End.Equal(r.Start) {
			out[i].End = r.End
			out[i].Seconds += r.Seconds
			continue
		}
		last[r.ProcessID] = len(out)
		out = append(out, r)
	}
	return out
}

// mergeProcesses adds the points of more to procs, by process name.
func mergeProcesses(procs, more []report.Process) []report.Process {
	for _, p := range more {
		i := slices.IndexFunc(procs, func(q report.Process) bool { return q.Name == p.Name })
		if i < 0 {
			procs = append(procs, report.Process{Name: p.Name, Limit: p.Limit, Points: slices.Clone(p.Points)})
			continue
		}
		procs[i].Points = append(procs[i].Points, p.Points...)
		if p.Limit != 0 {
			procs[i].Limit = p.Limit
		}
	}
	slices.SortStableFunc(procs, func(a, b report.Process) int { return compareStrings(a.Name, b.Name) })
	return procs
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// openHistory wraps the run's source with the history of the state folder
// (cfg.State; none when ""). A folder that cannot be opened is a warning:
// the history is a cache, and the run goes on asking the API for
// everything. -dry-run keeps the history too: it stores only closed days
// as the API gave them, which any later run would store the same way (the
// send ledger, which decides what is mailed, is another matter).
func (r *run) openHistory() {
	if r.cfg.State == "" {
		return
	}
	store, err := state.Open(r.cfg.State)
	if err != nil {
		r.log.Warn("state folder not opened; every day is fetched from the API", "state", r.cfg.State, "err", err)
		fmt.Fprintf(r.stderr, "history: not used (%v)\n", err)
		return
	}
	wall := r.o.Clock()
	r.hist = NewHistory(r.src, store, minTime(r.o.Now, wall), wall, r.log)
	r.src = r.hist
}

// closeHistory writes the days fetched in the run into the history, once,
// and prints what the history saved.
func (r *run) closeHistory() {
	if r.hist == nil {
		return
	}
	if err := r.hist.Commit(); err != nil {
		r.log.Warn("history not written; the next run fetches these days again", "err", err)
		fmt.Fprintf(r.stderr, "history: not written: %s\n", oneLine(err))
	}
	if s := r.hist.HistoryStats(); s.Served+s.Partial+s.Fetched+s.SiteServed+s.SitePartial+s.SiteFetched > 0 {
		fmt.Fprintln(r.stderr, historyLine(s, shownDir(r.cfg.State, r.workDir())))
	}
}

// Held is the share (0 to 1) of the (app, metric, UTC day) of window w
// that the history holds, over the day-based metrics among metrics (slowest
// requests are not counted).
func (h *History) Held(apps []report.App, metrics []report.MetricKey, w *plan.Window) float64 {
	n, held := 0, 0
	for _, k := range metrics {
		info, ok := report.Info(k)
		if !ok || info.Kind == report.KindRows {
			continue
		}
		for _, a := range apps {
			for _, d := range state.UTCDays(w.Start, w.End) {
				n++
				if x, err := h.storedOrFolded(a.ID, info, w.FetchInterval, d); x != nil && err == nil {
					held++
				}
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(held) / float64(n)
}

// restorePrevious gives back the previous windows plan dropped as lying
// past Kinsta's retention when the history holds any of them: the change
// is then computed, and the figures' coverage says how much was there.
func (r *run) restorePrevious(rc report.ReportConfig, p plan.Plan, apps []report.App) {
	if r.hist == nil {
		return
	}
	for _, w := range p.Windows {
		if w.PastRetention == nil {
			continue
		}
		if held := r.hist.Held(apps, rc.Metrics, w.PastRetention); held > 0 {
			r.log.Debug("previous period past retention served from the history", "report", rc.Name, "period", w.Period, "held", held)
			w.RestorePrevious()
		}
	}
}

// rosterFor is the roster of a report: the one the history kept for
// exactly its first window when there is one (a re-run of a closed week
// shows the roster it showed), else the run's, fetched once, which is
// then kept for that window when it is closed.
func (r *run) rosterFor(ctx context.Context, p plan.Plan) ([]report.User, error) {
	if r.hist == nil || len(p.Windows) == 0 {
		return r.users(ctx)
	}
	w := p.Windows[0]
	users, ok, err := r.hist.store.Users(w.Start, w.End)
	if err == nil && ok {
		return users, nil
	}
	users, err = r.users(ctx)
	if err == nil && w.End.After(w.Start) && !w.End.After(r.hist.now) {
		r.hist.put(func(b *state.Batch) error { return b.PutUsers(w.Start, w.End, users) })
	}
	return users, err
}

// historyLine is the line a run prints about the history; dir is the
// state folder as shown (shownDir).
func historyLine(s HistoryStats, dir string) string {
	line := fmt.Sprintf("history: %d metric requests served from %s, %d fetched", s.Served, dir, s.Fetched)
	if s.Partial > 0 {
		line += fmt.Sprintf(" (%d requests served in part)", s.Partial)
	}
	if s.SiteServed+s.SitePartial+s.SiteFetched > 0 {
		line += fmt.Sprintf("; site analytics: %d requests served from %s, %d fetched", s.SiteServed, dir, s.SiteFetched)
		if s.SitePartial > 0 {
			line += fmt.Sprintf(" (%d served in part)", s.SitePartial)
		}
	}
	return line
}

// shownDir is folder dir as a person running in wd recognises it, ending
// in a separator: relative to wd when dir is an absolute path under it
// ("state/", "out/state/"), else dir as given ("/var/lib/kinsta/state/",
// "out/state/" from a relative -out).
func shownDir(dir, wd string) string {
	sep := string(filepath.Separator)
	if filepath.IsAbs(dir) && filepath.IsAbs(wd) {
		if rel, err := filepath.Rel(wd, dir); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+sep) {
			dir = rel
		}
	}
	if strings.HasSuffix(dir, sep) {
		return dir
	}
	return dir + sep
}

// workDir is the folder paths are shown relative to: Options.WorkDir,
// else the process's working directory ("" when it cannot be read: paths
// are then shown as given).
func (r *run) workDir() string {
	if r.o.WorkDir != "" {
		return r.o.WorkDir
	}
	wd, _ := os.Getwd()
	return wd
}
