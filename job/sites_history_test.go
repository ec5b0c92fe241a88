package job_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch"
	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
	"github.com/kinsta-report/kinsta-report/internal/state"
	"github.com/kinsta-report/kinsta-report/job"
	"github.com/kinsta-report/kinsta-report/report"
)

// countingSites records the site analytics requests of a SiteSource.
type countingSites struct {
	job.SiteSource
	mu   sync.Mutex
	asks []siteAsk
}

type siteAsk struct {
	env  string
	key  report.SiteMetricKey
	days fetch.Days
}

func (c *countingSites) SiteMetric(ctx context.Context, envID, company string, key report.SiteMetricKey, d fetch.Days) (*report.SiteMetric, error) {
	c.mu.Lock()
	c.asks = append(c.asks, siteAsk{envID, key, d})
	c.mu.Unlock()
	return c.SiteSource.SiteMetric(ctx, envID, company, key, d)
}

const weeklySites = `
timezone: UTC
reports:
  - name: weekly-sites
    sites: all
    environments: [live, staging]
    periods: [previous_week]
    users: false
`

// sitesRun runs cfg at now (the wall clock too) with the simulator's
// sites and returns what it printed, its output folder and the site
// analytics requests it made. It runs in a folder of its own, apart from
// the config's.
func sitesRun(t *testing.T, cfg *report.Config, now string) (string, string, []siteAsk) {
	t.Helper()
	at, err := time.Parse(time.RFC3339, now)
	if err != nil {
		t.Fatal(err)
	}
	src, srv := simSource(t, cfg, kinstatest.Options{})
	sites := &countingSites{SiteSource: simSites(t, cfg, srv)}
	res, stderr, out := run(t, cfg, src, now, nil, func(o *job.Options) {
		o.Clock = func() time.Time { return at }
		o.Sites = sites
		o.WorkDir = t.TempDir()
	})
	if res.Status != job.OK {
		t.Fatalf("run at %s: status %v, stderr:\n%s", now, res.Status, stderr)
	}
	return stderr, out, sites.asks
}

// siteDoc is the sites part of the JSON document.
type siteDoc struct {
	Periods []struct {
		Sites []struct {
			EnvironmentID string                     `json:"environment_id"`
			Metrics       map[string]json.RawMessage `json:"metrics"`
		} `json:"sites"`
	} `json:"periods"`
}

func readSiteDoc(t *testing.T, path string) (siteDoc, []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d siteDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d, b
}

// TestHistorySitesWeekly: a weekly sites report comparing with the week
// before asks for both weeks the first time; a re-run of the closed week
// asks for no site analytics and gives the same site figures; the week
// after asks only for the new week's days; and the figures are the
// simulator's.
func TestHistorySitesWeekly(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, weeklySites)
	stderr1, out1, first := sitesRun(t, cfg, "2026-11-23T06:00:00Z")
	stderr2, out2, rerun := sitesRun(t, cfg, "2026-11-23T06:00:00Z")
	stderr3, out3, next := sitesRun(t, cfg, "2026-11-30T06:00:00Z")
	t.Logf("site analytics requests: first week %d, re-run %d, next week %d", len(first), len(rerun), len(next))

	envs := 2 * len(kinstatest.DefaultSites())
	metrics := len(report.AllSiteMetrics())
	perWeek := envs * metrics
	if len(first) != 2*perWeek {
		t.Errorf("first run: %d site analytics requests, want %d (two weeks, one request each)", len(first), 2*perWeek)
	}
	if len(rerun) != 0 {
		t.Errorf("re-run of a closed week: %d site analytics requests, want 0: %+v", len(rerun), rerun[0])
	}
	if len(next) != perWeek {
		t.Errorf("next week: %d site analytics requests, want %d", len(next), perWeek)
	}
	newFrom, newTo := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	for _, a := range next {
		if !a.days.From.Equal(newFrom) || !a.days.To.Equal(newTo) {
			t.Errorf("next week asked %s %s for %s to %s, want only the new week's days", a.env, a.key,
				a.days.From.Format(time.DateOnly), a.days.To.Format(time.DateOnly))
		}
	}
	// The run's working directory is another folder: the line names the
	// state folder by its absolute path, as the config resolved it.
	dir := cfg.State + string(filepath.Separator)
	for i, c := range []struct{ stderr, want string }{
		{stderr1, fmt.Sprintf("site analytics: 0 requests served from %s, %d fetched", dir, 2*perWeek)},
		{stderr2, fmt.Sprintf("site analytics: %d requests served from %s, 0 fetched", 2*perWeek, dir)},
		{stderr3, fmt.Sprintf("site analytics: %d requests served from %s, %d fetched", perWeek, dir, perWeek)},
	} {
		if !strings.Contains(c.stderr, c.want) {
			t.Errorf("run %d does not say %q:\n%s", i+1, c.want, c.stderr)
		}
	}

	// The re-run's site figures are the first run's, byte for byte
	// (points, totals, the API's own totals, changes).
	a, _ := readSiteDoc(t, filepath.Join(out1, "weekly-sites", "weekly-sites_2026-11-23.json"))
	b, _ := readSiteDoc(t, filepath.Join(out2, "weekly-sites", "weekly-sites_2026-11-23.json"))
	if len(a.Periods) == 0 || len(a.Periods[0].Sites) != envs || len(b.Periods) != len(a.Periods) || len(b.Periods[0].Sites) != envs {
		t.Fatalf("want %d site environments in both runs' documents", envs)
	}
	for si, s := range a.Periods[0].Sites {
		for _, k := range report.AllSiteMetrics() {
			got, want := b.Periods[0].Sites[si].Metrics[string(k)], s.Metrics[string(k)]
			if len(want) == 0 || string(got) != string(want) {
				t.Errorf("%s %s served from state differs from fetched:\n got %.400s\nwant %.400s", s.EnvironmentID, k, got, want)
			}
		}
	}

	// The next week's figures, half fetched and half served, are the
	// simulator's days: the week and the previous week.
	c, _ := readSiteDoc(t, filepath.Join(out3, "weekly-sites", "weekly-sites_2026-11-30.json"))
	daily := map[string]kinstatest.Site{}
	for _, st := range kinstatest.DefaultSites() {
		for _, e := range kinstatest.SiteEnvironments(st.Name) {
			daily[e.ID] = st
		}
	}
	segs := map[report.SiteMetricKey]string{report.SiteVisits: kinstatest.SegVisits, report.SiteBandwidth: kinstatest.SegBandwidth,
		report.SiteCDNBandwidth: kinstatest.SegCDNBandwidth, report.SiteDiskSpace: kinstatest.SegDiskSpace}
	for _, s := range c.Periods[0].Sites {
		st, ok := daily[s.EnvironmentID]
		if !ok {
			t.Fatalf("unknown environment %s", s.EnvironmentID)
		}
		for k, seg := range segs {
			var m struct {
				Points []struct {
					Date  string
					Value float64
				}
				Previous struct {
					Total, Average *float64
				}
			}
			if err := json.Unmarshal(s.Metrics[string(k)], &m); err != nil {
				t.Fatal(err)
			}
			if len(m.Points) != 7 {
				t.Fatalf("%s %s: %d points, want 7", s.EnvironmentID, k, len(m.Points))
			}
			prevSum := 0.0
			for i := range 7 {
				d := newFrom.AddDate(0, 0, i)
				if p := m.Points[i]; p.Date != d.Format(time.DateOnly) || !nearly(p.Value, st.Daily(s.EnvironmentID, seg, d)) {
					t.Errorf("%s %s point %d = %s %v, want %s %v", s.EnvironmentID, k, i, p.Date, p.Value, d.Format(time.DateOnly), st.Daily(s.EnvironmentID, seg, d))
				}
				prevSum += st.Daily(s.EnvironmentID, seg, d.AddDate(0, 0, -7))
			}
			prev := m.Previous.Total
			want := prevSum
			if k == report.SiteDiskSpace {
				prev, want = m.Previous.Average, prevSum/7
			}
			if prev == nil || !nearly(*prev, want) {
				t.Errorf("%s %s: previous week (served from state) = %v, want %v", s.EnvironmentID, k, prev, want)
			}
		}
	}
}

// fakeSites answers site analytics with the values it holds for each
// day; a day it has no value for is left out of the answer.
type fakeSites struct {
	job.SiteSource
	values map[time.Time]float64
	asks   []fetch.Days
}

func (f *fakeSites) SiteMetric(_ context.Context, _, _ string, key report.SiteMetricKey, d fetch.Days) (*report.SiteMetric, error) {
	f.asks = append(f.asks, d)
	m := &report.SiteMetric{Key: key, Unit: report.UnitVisits, Points: []report.Point{}}
	for x := d.From; !x.After(d.To); x = x.AddDate(0, 0, 1) {
		if v, ok := f.values[x]; ok {
			m.Points = append(m.Points, report.Point{Time: x, Value: v})
		}
	}
	return m, nil
}

// TestHistorySitesEmptyDays: a day the answer has no value for is kept as
// covered and empty when a later day has one; the days at the end of the
// answer without a value (Kinsta may not have them yet) are asked again.
func TestHistorySitesEmptyDays(t *testing.T) {
	t.Parallel()
	store, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	day := func(n int) time.Time { return time.Date(2026, 11, n, 0, 0, 0, 0, time.UTC) }
	week := fetch.Days{From: day(16), To: day(22)}
	// No value on the 18th (a gap) nor on the 21st and 22nd (not yet there).
	src := &fakeSites{values: map[time.Time]float64{day(16): 5, day(17): 6, day(19): 7, day(20): 8}}

	h := job.NewHistory(nil, store, now, now, nil)
	m, err := h.SiteMetric(t.Context(), src, "env-1", "co", report.SiteVisits, week)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Points) != 4 {
		t.Errorf("first run: %d points, want 4", len(m.Points))
	}
	if err := h.Commit(); err != nil {
		t.Fatal(err)
	}
	days, err := store.ReadSites(state.SiteQuery{From: day(16), To: day(23)})
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, d := range days {
		kept = append(kept, fmt.Sprintf("%s:%d", d.Day.Format("02"), len(d.Points)))
	}
	if got, want := strings.Join(kept, " "), "16:1 17:1 18:0 19:1 20:1"; got != want {
		t.Errorf("kept days (day:points) %q, want %q", got, want)
	}

	// The values arrive; a later run asks only for the days it lacks.
	src.values[day(21)], src.values[day(22)] = 9, 10
	src.asks = nil
	h2 := job.NewHistory(nil, store, now, now, nil)
	m, err = h2.SiteMetric(t.Context(), src, "env-1", "co", report.SiteVisits, week)
	if err != nil {
		t.Fatal(err)
	}
	if len(src.asks) != 1 || !src.asks[0].From.Equal(day(21)) || !src.asks[0].To.Equal(day(22)) {
		t.Errorf("second run asked %+v, want one request for the 21st to the 22nd", src.asks)
	}
	var vals []float64
	for _, p := range m.Points {
		vals = append(vals, p.Value)
	}
	if fmt.Sprint(vals) != "[5 6 7 8 9 10]" {
		t.Errorf("second run points %v, want [5 6 7 8 9 10]", vals)
	}
	if s := h2.HistoryStats(); s.SitePartial != 1 || s.SiteFetched != 1 || s.SiteServed != 0 {
		t.Errorf("stats %+v, want one request served in part and fetched", s)
	}

	// A gap between held days is asked for in one range with the days
	// after it: held days inside the range come from the answer.
	src.asks = nil
	h3 := job.NewHistory(nil, store, now, now, nil)
	if _, err := h3.SiteMetric(t.Context(), src, "env-2", "co", report.SiteVisits, fetch.Days{From: day(16), To: day(16)}); err != nil {
		t.Fatal(err)
	}
	if err := h3.Commit(); err != nil {
		t.Fatal(err)
	}
	src.asks = nil
	h4 := job.NewHistory(nil, store, now, now, nil)
	if _, err := h4.SiteMetric(t.Context(), src, "env-2", "co", report.SiteVisits, fetch.Days{From: day(15), To: day(23)}); err != nil {
		t.Fatal(err)
	}
	// 15th missing, 16th held, 17th..22nd missing, 23rd open: one request.
	if len(src.asks) != 1 || !src.asks[0].From.Equal(day(15)) || !src.asks[0].To.Equal(day(23)) {
		t.Errorf("asked %+v, want one request for the 15th to the 23rd", src.asks)
	}
}
