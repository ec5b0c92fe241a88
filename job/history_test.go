package job_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
	"github.com/kinsta-report/kinsta-report/internal/state"
	"github.com/kinsta-report/kinsta-report/job"
	"github.com/kinsta-report/kinsta-report/plan"
	"github.com/kinsta-report/kinsta-report/report"
)

// keeps30Days refuses, as Kinsta does, a request starting further back
// than its 30-day retention at now.
type keeps30Days struct {
	job.Source
	now time.Time
}

func (s *keeps30Days) Metric(ctx context.Context, q plan.Request) (*report.Metric, error) {
	if report.BeyondRetention(q.Start.UTC(), s.now) {
		return nil, fmt.Errorf("kinsta: 400 Bad Request: the timeframe starts %s, further back than 30 days", q.Start.UTC().Format(time.RFC3339))
	}
	return s.Source.Metric(ctx, q)
}

// histRun runs the reports named in only (all when none) of cfg at now,
// with the wall clock at now too (so the days before it are closed),
// against the simulated API keeping 30 days, and returns the metric
// requests it made. It runs in the config's folder, so the history line
// names the state folder as "state/".
func histRun(t *testing.T, cfg *report.Config, now string, only ...string) (job.Result, string, string, []plan.Request) {
	t.Helper()
	at, err := time.Parse(time.RFC3339, now)
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := simSource(t, cfg, kinstatest.Options{})
	rec.Source = &keeps30Days{Source: rec.Source, now: at}
	res, stderr, out := run(t, cfg, rec, now, nil, func(o *job.Options) {
		o.Clock = func() time.Time { return at }
		o.Reports = only
		o.WorkDir = filepath.Dir(cfg.File)
	})
	if res.Status != job.OK {
		t.Fatalf("run at %s: status %v, stderr:\n%s", now, res.Status, stderr)
	}
	return res, stderr, out, rec.requests
}

const weeklyCompare = `
timezone: UTC
reports:
  - name: weekly
    periods: [previous_week]
    users: false
`

// TestHistoryWeeklyFetchesOnlyTheNewWeek: a weekly report comparing with
// the week before asks for both weeks the first time, only the new week
// the week after, and nothing at all when the closed week is run again.
func TestHistoryWeeklyFetchesOnlyTheNewWeek(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, weeklyCompare)
	_, stderr1, _, first := histRun(t, cfg, "2026-11-23T06:00:00Z")
	_, stderr2, out2, second := histRun(t, cfg, "2026-11-30T06:00:00Z")
	_, stderr3, out3, rerun := histRun(t, cfg, "2026-11-30T06:00:00Z")
	t.Logf("metric requests: first week %d, next week %d, re-run %d", len(first), len(second), len(rerun))

	apps, metrics := len(kinstatest.DefaultApps()), len(report.AllMetrics())
	if len(first) != 2*apps*metrics {
		t.Errorf("first run: %d metric requests, want %d (two weeks, one request each)", len(first), 2*apps*metrics)
	}
	if 2*len(second) != len(first) {
		t.Errorf("next week: %d metric requests, want half of %d", len(second), len(first))
	}
	newWeek := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for _, q := range second {
		if q.Start.Before(newWeek) {
			t.Errorf("next week asked again for %s %s from %s", q.App, q.Metric, q.Start)
		}
	}
	if len(rerun) != 0 {
		t.Errorf("re-run of a closed week: %d metric requests, want 0: %+v", len(rerun), rerun[0])
	}
	if want := fmt.Sprintf("history: 0 metric requests served from state/, %d fetched", 2*apps*metrics); !strings.Contains(stderr1, want) {
		t.Errorf("first run says:\n%s", stderr1)
	}
	if want := fmt.Sprintf("history: %d metric requests served from state/, %d fetched", apps*metrics, apps*metrics); !strings.Contains(stderr2, want) {
		t.Errorf("second run does not say %q:\n%s", want, stderr2)
	}
	if want := fmt.Sprintf("history: %d metric requests served from state/, 0 fetched", 2*apps*metrics); !strings.Contains(stderr3, want) {
		t.Errorf("re-run does not say %q:\n%s", want, stderr3)
	}

	// What the store served is what the API gave: the re-run's figures
	// are the second run's.
	a := readDoc(t, filepath.Join(out2, "weekly", "weekly_2026-11-30.json"))
	b := readDoc(t, filepath.Join(out3, "weekly", "weekly_2026-11-30.json"))
	for ai := range a.Periods[0].Apps {
		for k, raw := range a.Periods[0].Apps[ai].Metrics {
			if got := b.Periods[0].Apps[ai].Metrics[k]; string(got) != string(raw) {
				t.Errorf("%s %s served from state differs from fetched:\n got %.300s\nwant %.300s", a.Periods[0].Apps[ai].Name, k, got, raw)
			}
		}
	}
}

const weeklyAndMonthly = `
timezone: UTC
reports:
  - name: weekly
    periods: [previous_week]
    users: false
  - name: monthly
    periods: [previous_month]
    metrics: [bandwidth, http_requests, cpu_usage, run_time]
    users: false
`

type figures struct {
	Total    *float64 `json:"total"`
	Average  *float64 `json:"average"`
	Previous struct {
		Total   *float64 `json:"total"`
		Average *float64 `json:"average"`
	} `json:"previous"`
	ChangePercent struct {
		Total   *float64 `json:"total"`
		Average *float64 `json:"average"`
	} `json:"change_percent"`
	Coverage         *float64 `json:"coverage"`
	PreviousCoverage *float64 `json:"previous_coverage"`
	ChangeNote       string   `json:"change_note"`
}

func figuresOf(t *testing.T, raw json.RawMessage) figures {
	t.Helper()
	var f figures
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestHistoryPreviousMonthFromTheStore: after six weekly runs, a
// previous_month report on December 1st compares November with an October
// that Kinsta no longer keeps, served from the store, and its figures are
// the simulator's hours summed independently.
func TestHistoryPreviousMonthFromTheStore(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, weeklyAndMonthly)
	for _, monday := range []string{"2026-10-12", "2026-10-19", "2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16"} {
		histRun(t, cfg, monday+"T06:00:00Z", "weekly")
	}
	_, stderr, out, reqs := histRun(t, cfg, "2026-12-01T06:00:00Z", "monthly")
	nov, oct := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for _, q := range reqs {
		if q.Start.Before(nov.AddDate(0, 0, 15)) {
			t.Errorf("asked for %s %s from %s, which the store holds", q.App, q.Metric, q.Start.Format(time.RFC3339))
		}
	}
	d := readDoc(t, filepath.Join(out, "monthly", "monthly_2026-12-01.json"))
	for _, n := range d.Notes {
		if strings.Contains(n, "No change") {
			t.Errorf("report note %q", n)
		}
	}
	id := appID(t, "shop")
	var shop int
	for i, a := range d.Periods[0].Apps {
		if a.Name == "shop" {
			shop = i
		}
	}
	bw := figuresOf(t, d.Periods[0].Apps[shop].Metrics["bandwidth"])
	rq := figuresOf(t, d.Periods[0].Apps[shop].Metrics["http_requests"])
	wantBW, wantPrevBW := expectDay(id, "bandwidth", nov, nov.AddDate(0, 1, 0), true), expectDay(id, "bandwidth", oct, nov, true)
	if bw.Total == nil || !near(*bw.Total, wantBW) || bw.Previous.Total == nil || !near(*bw.Previous.Total, wantPrevBW) {
		t.Fatalf("bandwidth total %v previous %v, want %v and %v; stderr:\n%s", bw.Total, bw.Previous.Total, wantBW, wantPrevBW, stderr)
	}
	if want := (wantBW - wantPrevBW) / wantPrevBW * 100; bw.ChangePercent.Total == nil || math.Abs(*bw.ChangePercent.Total-want) > 0.006 {
		t.Errorf("change_percent %v, want %.2f", bw.ChangePercent.Total, want)
	}
	// The monthly mean of daily means is the mean of the days' hourly means.
	var sum float64
	for day := oct; day.Before(nov); day = day.AddDate(0, 0, 1) {
		sum += expectDay(id, "http_requests", day, day.AddDate(0, 0, 1), false)
	}
	if rq.Previous.Average == nil || !near(*rq.Previous.Average, sum/31) {
		t.Errorf("http_requests previous average %v, want %v", rq.Previous.Average, sum/31)
	}
	if bw.PreviousCoverage == nil || *bw.PreviousCoverage != 1 || bw.ChangeNote != "" {
		t.Errorf("previous coverage %v, note %q; want 1 and none", bw.PreviousCoverage, bw.ChangeNote)
	}
}

// TestHistoryPartlyCoveredPreviousSaysWhy: with only the last weeks of
// October in the store, the monthly change is not shown, and the JSON
// says why.
func TestHistoryPartlyCoveredPreviousSaysWhy(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, weeklyAndMonthly)
	histRun(t, cfg, "2026-11-02T06:00:00Z", "weekly") // Oct 19 to Nov 2
	_, _, out, _ := histRun(t, cfg, "2026-12-01T06:00:00Z", "monthly")
	d := readDoc(t, filepath.Join(out, "monthly", "monthly_2026-12-01.json"))
	bw := figuresOf(t, d.Periods[0].Apps[0].Metrics["bandwidth"])
	// October 19 to 31: 13 of 31 days.
	if want := "n/a: previous period 41 % covered"; bw.ChangeNote != want {
		t.Errorf("change note %q, want %q", bw.ChangeNote, want)
	}
	if bw.ChangePercent.Total != nil {
		t.Errorf("change_percent %v shown against a previous period 41 %% covered", *bw.ChangePercent.Total)
	}
	if bw.PreviousCoverage == nil || math.Abs(*bw.PreviousCoverage-13.0/31) > 1e-4 || bw.Coverage == nil || *bw.Coverage != 1 {
		t.Errorf("coverage %v, previous %v; want 1 and 13/31", bw.Coverage, bw.PreviousCoverage)
	}
}

// TestHistoryCrashBeforeCommitLosesNothingCommitted: a run that fetched
// and died before its commit leaves the store as the last commit left it:
// those days are served, the lost ones are fetched again.
func TestHistoryCrashBeforeCommitLosesNothingCommitted(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, weeklyCompare)
	dir := t.TempDir()
	now := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	week := func(start time.Time) plan.Request {
		return plan.Request{App: kinstatest.DefaultApps()[0].ID, Metric: report.Bandwidth, Start: start, End: start.AddDate(0, 0, 7), Interval: time.Hour}
	}
	w1, w2 := week(time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)), week(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	open := func() (*job.History, *recording) {
		store, err := state.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		rec, _ := simSource(t, cfg, kinstatest.Options{})
		return job.NewHistory(rec, store, now, now, nil), rec
	}
	h1, _ := open()
	want, err := h1.Metric(t.Context(), w1)
	if err != nil {
		t.Fatal(err)
	}
	if err := h1.Commit(); err != nil {
		t.Fatal(err)
	}
	h2, _ := open()
	if _, err := h2.Metric(t.Context(), w2); err != nil {
		t.Fatal(err)
	}
	// h2 dies here: no Commit.

	h3, rec := open()
	got, err := h3.Metric(t.Context(), w1)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.requests) != 0 || len(got.Points) != len(want.Points) || len(got.Points) != 7*24 {
		t.Fatalf("committed week: %d requests, %d points (want 0 and %d)", len(rec.requests), len(got.Points), len(want.Points))
	}
	for i := range want.Points {
		if !got.Points[i].Time.Equal(want.Points[i].Time) || got.Points[i].Value != want.Points[i].Value {
			t.Fatalf("point %d = %v, want %v", i, got.Points[i], want.Points[i])
		}
	}
	if _, err := h3.Metric(t.Context(), w2); err != nil {
		t.Fatal(err)
	}
	if len(rec.requests) != 1 || !rec.requests[0].Start.Equal(w2.Start) {
		t.Errorf("the week lost in the crash: requests %+v, want one from %s", rec.requests, w2.Start)
	}
}

// TestHistoryCoalescesMissingDays: missing days make one request, from a
// UTC midnight (a closed day is asked for whole) to the window's end (the
// open day); a stored day between two missing stretches does not split it
// (Kinsta counts requests, not days), and what is stored is not stored
// again.
func TestHistoryCoalescesMissingDays(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, weeklyCompare)
	store, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	app := kinstatest.DefaultApps()[0].ID
	mid := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	rec, _ := simSource(t, cfg, kinstatest.Options{})
	h := job.NewHistory(rec, store, now, now, nil)
	if _, err := h.Metric(t.Context(), plan.Request{App: app, Metric: report.Bandwidth, Start: mid, End: mid.AddDate(0, 0, 1), Interval: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := h.Commit(); err != nil {
		t.Fatal(err)
	}
	rec.requests = nil
	start := time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC)
	m, err := h.Metric(t.Context(), plan.Request{App: app, Metric: report.Bandwidth, Start: start, End: now, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.requests) != 1 || !rec.requests[0].Start.Equal(start) || !rec.requests[0].End.Equal(now) {
		t.Errorf("requests %+v, want one: [17, now)", rec.requests)
	}
	// 17, 18, 19, 21, 22 are closed and new; 20 was stored; 23 is open.
	if got := h.HistoryStats().Stored; got != 1+5 {
		t.Errorf("%d days stored in the run, want 1 then 5", got)
	}
	if want := int(now.Sub(start) / time.Hour); len(m.Points) != want {
		t.Errorf("%d points, want %d hours", len(m.Points), want)
	}
	rec.requests = nil
	midDay := time.Date(2026, 11, 18, 12, 0, 0, 0, time.UTC) // clipped to the request
	m, err = h.Metric(t.Context(), plan.Request{App: app, Metric: report.Bandwidth, Start: midDay, End: mid.AddDate(0, 0, 1), Interval: time.Hour})
	if err != nil || len(m.Points) != 60 || !m.Points[0].Time.Equal(midDay) {
		t.Fatalf("err %v, %d points; want the 60 hours from the 18th 12:00 to the 21st", err, len(m.Points))
	}
	if len(rec.requests) != 0 {
		t.Errorf("days fetched earlier in the run asked again: %+v", rec.requests)
	}
}

// TestHistoryRosterReusedForTheSameWindow: the roster fetched for a closed
// week is kept, and a re-run of that week shows it without asking again.
func TestHistoryRosterReusedForTheSameWindow(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, "timezone: UTC\nreports:\n  - name: weekly\n    apps: [shop]\n    periods: [previous_week]\n    metrics: [bandwidth]\n")
	count := func() (int, doc) {
		at, _ := time.Parse(time.RFC3339, monday)
		rec, _ := simSource(t, cfg, kinstatest.Options{})
		res, stderr, out := run(t, cfg, rec, monday, nil, func(o *job.Options) { o.Clock = func() time.Time { return at } })
		if res.Status != job.OK {
			t.Fatalf("status %v:\n%s", res.Status, stderr)
		}
		return rec.users, readDoc(t, filepath.Join(out, "weekly", "weekly_2026-11-23.json"))
	}
	first, d1 := count()
	second, d2 := count()
	if first != 1 || second != 0 {
		t.Errorf("roster requests: %d then %d, want 1 then 0", first, second)
	}
	if len(d2.Users) == 0 || len(d2.Users) != len(d1.Users) {
		t.Errorf("re-run shows %d users, first run %d", len(d2.Users), len(d1.Users))
	}
}

// TestShownDir: the history line names the state folder as the person who
// ran the command recognises it: relative to the working directory when it
// is under it, else as given.
func TestShownDir(t *testing.T) {
	t.Parallel()
	wd := filepath.FromSlash("/home/ops/reports")
	for _, c := range []struct{ dir, want string }{
		{"/home/ops/reports/state", "state/"},
		{"/home/ops/reports/out/state", "out/state/"},
		{"/home/ops/reports", "./"},
		{"/home/ops/reports-old/state", "/home/ops/reports-old/state/"},
		{"/var/lib/kinsta/state", "/var/lib/kinsta/state/"},
		{"out/state", "out/state/"},                   // -demo with a relative -out: as given
		{"../elsewhere/state", "../elsewhere/state/"}, // relative: as given
	} {
		if got := job.ShownDir(filepath.FromSlash(c.dir), wd); got != filepath.FromSlash(c.want) {
			t.Errorf("ShownDir(%q, %q) = %q, want %q", c.dir, wd, got, c.want)
		}
	}
	if got := job.ShownDir("/srv/state", ""); got != filepath.FromSlash("/srv/state/") {
		t.Errorf("without a working directory: %q, want the folder as given", got)
	}
}
