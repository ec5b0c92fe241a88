package job

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
	"github.com/kinsta-report/kinsta-report/internal/state"
	"github.com/kinsta-report/kinsta-report/plan"
	"github.com/kinsta-report/kinsta-report/report"
)

// WordPress sites: a second client, on Kinsta's own host
// (api.sites_base_url) with its own key, lists the company's sites and
// their environments, then fetches every site metric of every chosen
// environment in every window (and its previous window) as calendar days,
// and this month's usage once per site. See fetch/sites.go for what the
// API documents and what is assumed.

// SiteSource serves WordPress sites; *fetch.Client is one.
type SiteSource interface {
	Sites(ctx context.Context, companyID string) ([]fetch.Site, error)
	Environments(ctx context.Context, siteID string) ([]fetch.Environment, error)
	SiteMetric(ctx context.Context, envID, companyID string, key report.SiteMetricKey, d fetch.Days) (*report.SiteMetric, error)
	Usage(ctx context.Context, siteID string, asOf time.Time) (*report.SiteUsage, error)
	Stats() report.APIStats
}

// siteTarget is one environment of one site a report shows.
type siteTarget struct {
	site fetch.Site
	env  fetch.Environment
}

func (t siteTarget) label() string {
	return report.Site{Name: t.site.Name, DisplayName: t.site.DisplayName, Environment: t.env.Name}.Label()
}

// siteTask is one site analytics request: one metric of one environment
// in one window.
type siteTask struct {
	w      *plan.Window
	target int
	key    report.SiteMetricKey
	metric *report.SiteMetric
	err    error
}

// sitesGathered is what one report fetched of its sites.
type sitesGathered struct {
	targets []siteTarget
	tasks   []*siteTask
	// usage is this month's usage per site id.
	usage map[string]*report.SiteUsage
	notes []string
}

// wantsApps and wantsSites say whether any of the selected reports needs
// the applications host or the sites host.
func wantsApps(selected []report.ReportConfig) bool {
	return slices.ContainsFunc(selected, report.ReportConfig.WantsApps)
}

func wantsSites(selected []report.ReportConfig) bool {
	return slices.ContainsFunc(selected, report.ReportConfig.WantsSites)
}

// appsBaseURL is the applications host: KINSTA_API_URL, else api.base_url.
func (r *run) appsBaseURL() string {
	if u := r.o.Getenv("KINSTA_API_URL"); u != "" {
		return u
	}
	return r.cfg.API.BaseURL
}

// sitesBaseURL is the sites host: KINSTA_SITES_API_URL, else
// api.sites_base_url.
func (r *run) sitesBaseURL() string {
	if u := r.o.Getenv(report.SitesAPIURLEnv); u != "" {
		return strings.TrimRight(u, "/")
	}
	return r.cfg.API.SitesBaseURL
}

// preflightSites checks, before any request, what the selected reports'
// sites need: the sites key (when no SiteSource was given) and a usable
// KINSTA_SITES_API_URL.
func (r *run) preflightSites(selected []report.ReportConfig) []string {
	if !wantsSites(selected) || r.o.Sites != nil {
		return nil
	}
	var lines []string
	if u := r.o.Getenv(report.SitesAPIURLEnv); u != "" && !usableURL(u) {
		lines = append(lines, report.SitesAPIURLEnv+" is not a usable base URL (want e.g. "+report.DefaultSitesBaseURL+", with no user info or query)")
	}
	var names []string
	for _, rc := range selected {
		if rc.WantsSites() {
			names = append(names, rc.Name)
		}
	}
	if _, _, err := r.cfg.SitesKey(r.o.Getenv, r.appsBaseURL(), r.sitesBaseURL()); err != nil {
		lines = append(lines, fmt.Sprintf("%s (needed by %s)", err, strings.Join(names, ", ")))
	}
	return lines
}

// connectSites builds the sites client unless one was given and lists the
// company's sites.
func (r *run) connectSites(ctx context.Context, selected []report.ReportConfig) error {
	if !wantsSites(selected) {
		return nil
	}
	r.sites = r.o.Sites
	if r.sites == nil {
		key, variable, err := r.cfg.SitesKey(r.o.Getenv, r.appsBaseURL(), r.sitesBaseURL())
		if err != nil {
			return &usageError{lines: []string{err.Error()}}
		}
		client, err := NewAPIClient(r.cfg, key, r.sitesBaseURL(), r.log)
		if err != nil {
			return err
		}
		r.log.Debug("sites api client", "base_url", r.sitesBaseURL(), "key_from", variable)
		r.sites = client
	}
	list, err := r.sites.Sites(ctx, r.company)
	if err != nil {
		return explainSitesError("list sites", err)
	}
	slices.SortStableFunc(list, func(a, b fetch.Site) int {
		return strings.Compare(strings.ToLower(siteLabel(a)), strings.ToLower(siteLabel(b)))
	})
	r.siteList = list
	r.log.Debug("sites", "company", r.company, "sites", len(list))
	return nil
}

func siteLabel(s fetch.Site) string {
	if s.DisplayName != "" {
		return s.DisplayName
	}
	return s.Name
}

func explainSitesError(step string, err error) error {
	if errors.Is(err, fetch.ErrUnauthorized) {
		return fmt.Errorf("%s: the sites host rejected the API key (401): check %s (or %s when the hosts are the same): %w",
			step, report.SitesAPIKeyEnv, report.APIKeyEnv, err)
	}
	return explainAPIError(step, err)
}

// environments returns a site's environments, asked once per run.
func (r *run) environments(ctx context.Context, s fetch.Site) ([]fetch.Environment, error) {
	if len(s.Environments) > 0 {
		return s.Environments, nil
	}
	r.envMu.Lock()
	defer r.envMu.Unlock()
	if r.envs == nil {
		r.envs = map[string][]fetch.Environment{}
	}
	if e, ok := r.envs[s.ID]; ok {
		return e, nil
	}
	e, err := r.sites.Environments(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	r.envs[s.ID] = e
	return e, nil
}

// selectSites resolves a report's sites and environments before anything
// is fetched: an entry that matches no site is a config error naming it;
// an environment a chosen site does not have is a note. Targets are sorted
// by site label, then in the config's environment order.
func (r *run) selectSites(ctx context.Context, rc report.ReportConfig) ([]siteTarget, []string, error) {
	sc := rc.Sites
	if sc == nil {
		return nil, nil, nil
	}
	var chosen []fetch.Site
	if sc.All {
		chosen = r.siteList
	} else {
		var problems []string
		for i, want := range sc.Names {
			found := false
			for _, s := range r.siteList {
				if report.MatchesSite(want, s.ID, s.Name, s.DisplayName) {
					found = true
					if !slices.ContainsFunc(chosen, func(c fetch.Site) bool { return c.ID == s.ID }) {
						chosen = append(chosen, s)
					}
				}
			}
			if !found {
				problems = append(problems, fmt.Sprintf("%s:%d: reports[%d].sites[%d]: no WordPress site matches %q (by id, name or display_name, ignoring case; have: %s)",
					r.cfg.File, sc.Line, r.reportIndex(rc), i, want, siteNames(r.siteList)))
			}
		}
		if len(problems) > 0 {
			return nil, nil, &usageError{lines: problems}
		}
		slices.SortStableFunc(chosen, func(a, b fetch.Site) int {
			return strings.Compare(strings.ToLower(siteLabel(a)), strings.ToLower(siteLabel(b)))
		})
	}
	var targets []siteTarget
	var notes []string
	for _, s := range chosen {
		envs, err := r.environments(ctx, s)
		if err != nil {
			return nil, nil, explainSitesError(fmt.Sprintf("list the environments of site %q", siteLabel(s)), err)
		}
		if sc.AllEnvironments {
			for _, e := range envs {
				targets = append(targets, siteTarget{site: s, env: e})
			}
			continue
		}
		for _, want := range sc.Environments {
			i := slices.IndexFunc(envs, func(e fetch.Environment) bool { return report.MatchesEnvironment(want, e.Name, e.DisplayName) })
			if i < 0 {
				notes = append(notes, fmt.Sprintf("The site %s has no %s environment: it is not shown.", siteLabel(s), want))
				continue
			}
			targets = append(targets, siteTarget{site: s, env: envs[i]})
		}
	}
	if len(targets) == 0 {
		return nil, notes, &usageError{lines: []string{fmt.Sprintf("%s:%d: reports[%d].sites: no site environment to report on (sites %s, environments %s)",
			r.cfg.File, sc.Line, r.reportIndex(rc), siteNames(chosen), envList(sc))}}
	}
	return targets, notes, nil
}

func envList(sc *report.SitesConfig) string {
	if sc.AllEnvironments {
		return "all"
	}
	return strings.Join(sc.Environments, ", ")
}

func siteNames(sites []fetch.Site) string {
	if len(sites) == 0 {
		return "none"
	}
	var names []string
	for _, s := range sites {
		names = append(names, strconv.Quote(s.Name)) // the API's text: quoted
	}
	if len(names) > 20 {
		names = append(names[:20], "…")
	}
	return strings.Join(names, ", ")
}

// gatherSites fetches every site metric of every target in every window of
// p (and its previous window), and this month's usage once per site. A
// window that has not begun has nothing to fetch. It fails only when every
// request failed or ctx ends.
func (r *run) gatherSites(ctx context.Context, rc report.ReportConfig, p plan.Plan) (*sitesGathered, error) {
	targets := r.siteTargets[rc.Name]
	if len(targets) == 0 {
		return nil, nil
	}
	g := &sitesGathered{targets: targets, usage: map[string]*report.SiteUsage{}, notes: slices.Clone(r.siteNotes[rc.Name])}
	oldest := p.Now.Add(-fetch.AnalyticsLookback)
	for _, w := range p.Windows {
		for _, win := range []*plan.Window{w, w.Previous} {
			if win == nil {
				continue
			}
			if !win.Empty() && win.Start.Before(oldest) {
				g.notes = append(g.notes, fmt.Sprintf("%s of the sites starts %s, before the %d days Kinsta's site analytics are assumed to reach back: its first days may be missing.",
					win.Period, win.Start.Format(time.DateOnly), int(fetch.AnalyticsLookback.Hours()/24)))
			}
			for ti := range targets {
				for _, k := range report.AllSiteMetrics() {
					g.tasks = append(g.tasks, &siteTask{w: win, target: ti, key: k})
				}
			}
		}
	}
	var fetchable []*siteTask
	for _, t := range g.tasks {
		if t.w.Empty() {
			t.metric = &report.SiteMetric{Key: t.key}
			continue
		}
		fetchable = append(fetchable, t)
	}
	r.log.Debug("plan sites", "report", rc.Name, "environments", len(targets), "requests", len(fetchable))
	fanOut(ctx, fetchable, func(t *siteTask) {
		tg := targets[t.target]
		info, _ := report.SiteInfo(t.key)
		t.metric, t.err = r.siteMetric(ctx, tg.env.ID, t.key, fetch.PeriodDays(t.w.Start, t.w.End))
		if t.err == nil && t.metric != nil {
			t.metric.Unit = info.Unit
		}
		if t.err != nil {
			r.log.Warn("site metric not fetched; the report lists it as missing", "report", rc.Name, "period", t.w.Period, "site", tg.site.Name, "environment", tg.env.Name, "metric", t.key, "err", t.err)
		}
	}, func(t *siteTask) { t.err = ctx.Err() })
	asOf := r.o.Clock()
	var siteIDs []string
	for _, tg := range targets {
		if !slices.Contains(siteIDs, tg.site.ID) {
			siteIDs = append(siteIDs, tg.site.ID)
		}
	}
	usage := make([]*report.SiteUsage, len(siteIDs))
	var wg sync.WaitGroup
	for i, id := range siteIDs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, err := r.sites.Usage(ctx, id, asOf)
			if err == nil { // err: only the context ending
				usage[i] = u
			}
		}()
	}
	wg.Wait()
	for i, id := range siteIDs {
		g.usage[id] = usage[i]
	}
	if err := ctx.Err(); err != nil {
		return g, err
	}
	if failed, first := allFailed(fetchable, func(t *siteTask) error { return t.err }); failed > 0 {
		return g, fmt.Errorf("no site metric could be fetched (%d requests failed): %w", failed, explainSitesError("fetch site metrics", first))
	}
	return g, nil
}

// foldSites puts what was gathered into the report's periods (and their
// previous periods): one report.Site per target, metrics in report order,
// failed metrics listed as missing. It returns whether a metric is missing.
// Summaries, changes and site thresholds are report.Build's.
func foldSites(rep *report.Report, p plan.Plan, g *sitesGathered) (missing bool) {
	if g == nil {
		return false
	}
	rep.Notes = append(rep.Notes, g.notes...)
	for i, w := range p.Windows {
		per := &rep.Periods[i]
		per.Sites = sitesOf(w, g, true)
		for _, s := range per.Sites {
			missing = missing || len(s.Missing) > 0
		}
		if w.Previous != nil && per.Previous != nil {
			per.Previous.Sites = sitesOf(w.Previous, g, false)
		}
	}
	return missing
}

func sitesOf(w *plan.Window, g *sitesGathered, withUsage bool) []report.Site {
	out := make([]report.Site, len(g.targets))
	for ti, tg := range g.targets {
		s := report.Site{ID: tg.site.ID, Name: tg.site.Name, DisplayName: tg.site.DisplayName,
			Environment: tg.env.Name, EnvironmentID: tg.env.ID, Metrics: map[report.SiteMetricKey]*report.SiteMetric{}}
		if withUsage {
			s.Usage = g.usage[tg.site.ID]
		}
		for _, k := range report.AllSiteMetrics() {
			for _, t := range g.tasks {
				if t.w != w || t.target != ti || t.key != k {
					continue
				}
				if t.err != nil {
					s.Missing = append(s.Missing, report.SiteMissing{Metric: k, Error: missingReason(t.err)})
					continue
				}
				s.Metrics[k] = t.metric
			}
		}
		out[ti] = s
	}
	return out
}

// sitesStats is the sites client's accounting (zero without sites).
func (r *run) sitesStats() report.APIStats {
	if r.sites == nil {
		return report.APIStats{}
	}
	return r.sites.Stats()
}

// siteMissingSummary says in a few words what sites lack in each period.
func siteMissingSummary(rep report.Report) []string {
	var parts []string
	for _, p := range rep.Periods {
		n, sites := 0, 0
		for _, s := range p.Sites {
			n += len(s.Missing)
			if len(s.Missing) > 0 {
				sites++
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s of %s in %s", plural(n, "site metric"), plural(sites, "site environment"), p.Name))
		}
	}
	return parts
}

// sitesOnlySource is the Source of a run whose reports name no apps: the
// sites client answers the company and the roster, and there are no
// applications (the applications host and its key are not needed).
type sitesOnlySource struct {
	*APISource
	shared bool // the client is also the run's sites client
}

func (sitesOnlySource) Applications(context.Context) ([]report.App, error) { return nil, nil }
func (sitesOnlySource) Metric(context.Context, plan.Request) (*report.Metric, error) {
	return nil, errors.New("no applications in this run")
}

// sitesOnlySource builds the run's Source when no report names apps: the
// sites client, answering the company (GET /validate) and the roster.
func (r *run) sitesOnlySource() (Source, error) {
	key, _, err := r.cfg.SitesKey(r.o.Getenv, r.appsBaseURL(), r.sitesBaseURL())
	if err != nil {
		return nil, &usageError{lines: []string{err.Error()}}
	}
	client, err := NewAPIClient(r.cfg, key, r.sitesBaseURL(), r.log)
	if err != nil {
		return nil, err
	}
	shared := r.o.Sites == nil
	if shared {
		r.o.Sites = client // one client for the one host
	}
	return sitesOnlySource{APISource: NewAPISource(client, r.cfg.API.CompanyID), shared: shared}, nil
}

// Stats is zero when the client is the run's sites client: its requests
// are counted once, by sitesStats.
func (s sitesOnlySource) Stats() report.APIStats {
	if s.shared {
		return report.APIStats{}
	}
	return s.APISource.Stats()
}

func addStats(a, b report.APIStats) report.APIStats {
	return report.APIStats{Requests: a.Requests + b.Requests, Retries: a.Retries + b.Retries,
		RateLimited: a.RateLimited + b.RateLimited, Wait: a.Wait + b.Wait}
}

// siteCount is ", N site environments" when the report shows sites.
func siteCount(rep report.Report) string {
	if len(rep.Periods) == 0 || len(rep.Periods[0].Sites) == 0 {
		return ""
	}
	return ", " + plural(len(rep.Periods[0].Sites), "site environment")
}

// siteMetric is one site metric of one environment over the calendar days
// d: through the history when the run has one, else straight from the API.
func (r *run) siteMetric(ctx context.Context, envID string, key report.SiteMetricKey, d fetch.Days) (*report.SiteMetric, error) {
	if r.hist == nil {
		return r.sites.SiteMetric(ctx, envID, r.company, key, d)
	}
	return r.hist.SiteMetric(ctx, r.sites, envID, r.company, key, d)
}

// siteStored returns the day the history holds for (envID, key) on the
// UTC day d (a dataset key's date), or nil. Each day's site lines are read
// once per run; days fetched in the run are served from memory.
func (h *History) siteStored(envID string, key report.SiteMetricKey, d time.Time) (*state.Day, error) {
	k := state.KeyOf(envID, state.SiteKey(key), d)
	h.cacheMu.Lock()
	if x := h.siteFresh[k]; x != nil {
		h.cacheMu.Unlock()
		return x, nil
	}
	if h.siteCache == nil {
		h.siteCache = map[time.Time]*cachedDay{}
	}
	c := h.siteCache[d]
	if c == nil {
		c = &cachedDay{}
		h.siteCache[d] = c
	}
	h.cacheMu.Unlock()
	c.once.Do(func() {
		days, err := h.store.ReadSites(state.SiteQuery{From: d, To: d.Add(utcDay)})
		if err != nil {
			c.err = err
			return
		}
		c.held = map[state.Key]*state.Day{}
		for i := range days {
			c.held[state.KeyOf(days[i].App, days[i].Metric, days[i].Day)] = &days[i]
		}
	})
	if c.err != nil {
		return nil, c.err
	}
	return c.held[k], nil
}

// SiteMetric serves one site metric of one environment over the calendar
// days d (inclusive; UTC midnights, as fetch.PeriodDays gives them) from
// the history where it can, and asks src for the rest in one request: from
// the first day the history lacks (or that is still open at now) to the
// last one. Days held between them are taken from the answer (the same
// closed data) and not stored again. Every closed day of the answer is
// kept, a day without a value only when the answer has a value on a later
// day (docs/STATE.md, "Site analytics").
//
// APITotal is the answer's own total when one answer covered exactly d,
// and the total the history kept for exactly d when none was needed; a
// window put together from the history and a shorter answer has none.
func (h *History) SiteMetric(ctx context.Context, src SiteSource, envID, companyID string, key report.SiteMetricKey, d fetch.Days) (*report.SiteMetric, error) {
	info, _ := report.SiteInfo(key)
	var dates []time.Time
	for x := d.From; !x.After(d.To); x = x.AddDate(0, 0, 1) {
		dates = append(dates, x)
	}
	held := map[time.Time]*state.Day{}
	var first, last time.Time // the days to ask for
	for _, x := range dates {
		if !x.Add(utcDay).After(h.now) { // closed
			st, err := h.siteStored(envID, key, x)
			if err != nil {
				h.log.Warn("history not read; fetching", "environment", envID, "metric", key, "err", err)
			}
			if st != nil {
				held[x] = st
				continue
			}
		}
		if first.IsZero() {
			first = x
		}
		last = x
	}
	out := &report.SiteMetric{Key: key, Unit: info.Unit, Points: []report.Point{}}
	if first.IsZero() {
		for _, x := range dates {
			out.Points = append(out.Points, held[x].Points...)
		}
		if t, ok, err := h.store.SiteTotal(envID, key, d.From, d.To); err == nil && ok {
			out.APITotal = &t
		}
		h.countSite(true, false)
		return out, nil
	}
	h.mu.Lock()
	h.siteFetched++
	h.mu.Unlock()
	m, err := src.SiteMetric(ctx, envID, companyID, key, fetch.Days{From: first, To: last})
	if err != nil {
		return nil, err
	}
	if m == nil {
		m = &report.SiteMetric{Key: key}
	}
	end := last.Add(utcDay)
	answer := clipPoints(m.Points, first, end)
	h.keepSite(envID, key, first, end, answer, held)
	for _, x := range dates {
		if x.Before(first) || x.After(last) {
			out.Points = append(out.Points, held[x].Points...)
		}
	}
	out.Points = sortPoints(append(out.Points, answer...))
	if m.Unit != "" {
		out.Unit = m.Unit
	}
	if first.Equal(d.From) && last.Equal(d.To) {
		out.APITotal = m.APITotal
		if m.APITotal != nil && !end.After(h.now) {
			total := *m.APITotal
			h.put(func(b *state.Batch) error { return b.PutSiteTotal(envID, key, first, last, total) })
		}
	}
	h.countSite(len(held) > 0, true)
	return out, nil
}

// keepSite adds to the batch every closed day of [from, to) that the
// history does not hold, with the answer's points of that day. A day
// without a value is kept (as covered, empty) only when the answer has a
// value on a later day: the API then evidently answered for it, whereas
// the last days of an answer may be missing because Kinsta has not
// computed them yet, and an answer with no value at all says nothing.
func (h *History) keepSite(envID string, key report.SiteMetricKey, from, to time.Time, answer []report.Point, held map[time.Time]*state.Day) {
	var latest time.Time
	for _, p := range answer {
		if p.Time.After(latest) {
			latest = p.Time
		}
	}
	for x := from; x.Before(to); x = x.Add(utcDay) {
		end := x.Add(utcDay)
		if end.After(h.now) || held[x] != nil {
			continue
		}
		pts := orEmpty(clipPoints(answer, x, end))
		if len(pts) == 0 && latest.Before(end) {
			continue
		}
		day := &state.Day{App: envID, Metric: state.SiteKey(key), Day: x, Points: pts}
		if h.put(func(b *state.Batch) error { return b.PutSiteDay(envID, key, x, pts) }) {
			h.cacheMu.Lock()
			if h.siteFresh == nil {
				h.siteFresh = map[state.Key]*state.Day{}
			}
			h.siteFresh[state.KeyOf(envID, state.SiteKey(key), x)] = day
			h.cacheMu.Unlock()
		}
	}
}

func (h *History) countSite(served, fetchedAny bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case served && !fetchedAny:
		h.siteServed++
	case served:
		h.sitePartial++
	}
}
