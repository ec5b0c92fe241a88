package job_test

import (
	"encoding/json"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
	"github.com/kinsta-report/kinsta-report/job"
)

type series struct {
	Total   *float64 `json:"total"`
	Average *float64 `json:"average"`
	Peak    *float64 `json:"peak"`
	Points  []struct {
		Time  string  `json:"time"`
		Value float64 `json:"value"`
	} `json:"points"`
}

func metricOf(t *testing.T, raw json.RawMessage) series {
	t.Helper()
	var s series
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func appID(t *testing.T, name string) string {
	t.Helper()
	for _, a := range kinstatest.DefaultApps() {
		if a.Name == name {
			return a.ID
		}
	}
	t.Fatalf("no simulated app %q", name)
	return ""
}

// expectDay computes a local day's figure independently from the simulated
// hourly data: the sum or the mean of the hours in [from, to).
func expectDay(id, metric string, from, to time.Time, sum bool) float64 {
	var total float64
	n := 0
	for h := from.UTC(); h.Before(to); h = h.Add(time.Hour) {
		total += kinstatest.Hourly(id, metric, h)
		n++
	}
	if sum {
		return total
	}
	return total / float64(n)
}

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-6*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// TestRunUTCDailyMatchesSimulatedData computes each day of the week from
// the simulator's hours and finds it, its total and its peak in the
// document.
func TestRunUTCDailyMatchesSimulatedData(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, utcDaily)
	src, _ := simSource(t, cfg, kinstatest.Options{})
	res, stderr, out := run(t, cfg, src, monday, nil)
	if res.Status != job.OK {
		t.Fatalf("status %v, stderr:\n%s", res.Status, stderr)
	}
	d := readDoc(t, filepath.Join(out, "utc-daily", "utc-daily_2026-11-23.json"))
	p := d.Periods[0]
	if len(p.Apps) != 1 || p.Apps[0].Name != "shop" || p.IntervalSeconds != 86400 {
		t.Fatalf("period %+v", p)
	}
	id := appID(t, "shop")
	bw := metricOf(t, p.Apps[0].Metrics["bandwidth"])
	rq := metricOf(t, p.Apps[0].Metrics["http_requests"])
	if len(bw.Points) != 7 || len(rq.Points) != 7 {
		t.Fatalf("points: bandwidth %d, http_requests %d, want 7 days", len(bw.Points), len(rq.Points))
	}
	var total, peak, reqSum float64
	for i := range 7 {
		day := time.Date(2026, 11, 16+i, 0, 0, 0, 0, time.UTC)
		wantBW := expectDay(id, "bandwidth", day, day.AddDate(0, 0, 1), true)
		wantRQ := expectDay(id, "http_requests", day, day.AddDate(0, 0, 1), false)
		if bw.Points[i].Time != day.Format(time.RFC3339) || !near(bw.Points[i].Value, wantBW) {
			t.Errorf("bandwidth[%d] = %s %v, want %s %v", i, bw.Points[i].Time, bw.Points[i].Value, day.Format(time.RFC3339), wantBW)
		}
		if !near(rq.Points[i].Value, wantRQ) {
			t.Errorf("http_requests[%d] = %v, want %v", i, rq.Points[i].Value, wantRQ)
		}
		total += wantBW
		peak = max(peak, wantBW)
		reqSum += wantRQ
	}
	if bw.Total == nil || !near(*bw.Total, total) || bw.Peak == nil || !near(*bw.Peak, peak) {
		t.Errorf("bandwidth total/peak = %v/%v, want %v/%v", bw.Total, bw.Peak, total, peak)
	}
	if rq.Average == nil || !near(*rq.Average, reqSum/7) {
		t.Errorf("http_requests average = %v, want %v", rq.Average, reqSum/7)
	}
}

const berlinDST = `
timezone: Europe/Berlin
reports:
  - name: berlin-hourly
    apps: [shop]
    periods: [{name: dst, start: 2026-10-24, end: 2026-10-26}]
    interval: 1h
    metrics: [bandwidth, http_requests]
    users: false
    compare_previous: false
  - name: berlin-daily
    apps: [shop]
    periods: [{name: dst, start: 2026-10-24, end: 2026-10-26}]
    interval: 1d
    metrics: [bandwidth, http_requests]
    users: false
    compare_previous: false
`

// TestRunBerlinAcrossDSTChange: hourly points across the 25-hour day, and
// daily points folded from them into local days.
func TestRunBerlinAcrossDSTChange(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, berlinDST)
	src, _ := simSource(t, cfg, kinstatest.Options{})
	res, stderr, out := run(t, cfg, src, "2026-10-27T07:00:00+01:00", nil)
	if res.Status != job.OK {
		t.Fatalf("status %v, stderr:\n%s", res.Status, stderr)
	}
	for _, q := range src.requests {
		if q.Interval != time.Hour {
			t.Errorf("request %+v: a Berlin report fetches hours (and folds them into local days)", q)
		}
	}
	id := appID(t, "shop")
	days := []time.Time{
		time.Date(2026, 10, 24, 0, 0, 0, 0, berlin),
		time.Date(2026, 10, 25, 0, 0, 0, 0, berlin), // 25 hours: summer time ends
		time.Date(2026, 10, 26, 0, 0, 0, 0, berlin),
		time.Date(2026, 10, 27, 0, 0, 0, 0, berlin),
	}
	h := readDoc(t, filepath.Join(out, "berlin-hourly", "berlin-hourly_2026-10-27.json"))
	bw := metricOf(t, h.Periods[0].Apps[0].Metrics["bandwidth"])
	if want := 24 + 25 + 24; len(bw.Points) != want {
		t.Fatalf("hourly points = %d, want %d across the DST change", len(bw.Points), want)
	}
	for i, pt := range bw.Points {
		at := days[0].Add(time.Duration(i) * time.Hour)
		if got, err := time.Parse(time.RFC3339, pt.Time); err != nil || !got.Equal(at) {
			t.Fatalf("point %d at %s, want %s", i, pt.Time, at.Format(time.RFC3339))
		}
		if want := kinstatest.Hourly(id, "bandwidth", at.UTC()); !near(pt.Value, want) {
			t.Errorf("hour %s = %v, want %v", pt.Time, pt.Value, want)
		}
	}
	d := readDoc(t, filepath.Join(out, "berlin-daily", "berlin-daily_2026-10-27.json"))
	if d.Periods[0].IntervalSeconds != 86400 {
		t.Errorf("interval = %d", d.Periods[0].IntervalSeconds)
	}
	bw = metricOf(t, d.Periods[0].Apps[0].Metrics["bandwidth"])
	rq := metricOf(t, d.Periods[0].Apps[0].Metrics["http_requests"])
	if len(bw.Points) != 3 || len(rq.Points) != 3 {
		t.Fatalf("daily points = %d, %d, want 3 local days", len(bw.Points), len(rq.Points))
	}
	for i := range 3 {
		if bw.Points[i].Time != days[i].Format(time.RFC3339) {
			t.Errorf("day %d at %s, want %s", i, bw.Points[i].Time, days[i].Format(time.RFC3339))
		}
		if want := expectDay(id, "bandwidth", days[i], days[i+1], true); !near(bw.Points[i].Value, want) {
			t.Errorf("bandwidth day %d = %v, want %v", i, bw.Points[i].Value, want)
		}
		if want := expectDay(id, "http_requests", days[i], days[i+1], false); !near(rq.Points[i].Value, want) {
			t.Errorf("http_requests day %d = %v, want %v", i, rq.Points[i].Value, want)
		}
	}
}

// TestRunComparesWithThePreviousWeek fetches both weeks and shows the
// previous week's total, computed here from the simulator's hours.
func TestRunComparesWithThePreviousWeek(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, "timezone: UTC\nreports:\n  - name: weekly\n    apps: [shop]\n    periods: [previous_week]\n    metrics: [bandwidth]\n    users: false\n")
	src, _ := simSource(t, cfg, kinstatest.Options{})
	res, stderr, out := run(t, cfg, src, monday, nil)
	if res.Status != job.OK {
		t.Fatalf("status %v, stderr:\n%s", res.Status, stderr)
	}
	week := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	prev := week.AddDate(0, 0, -7)
	if len(src.requests) != 2 {
		t.Fatalf("%d metric requests, want the week and the week before", len(src.requests))
	}
	d := readDoc(t, filepath.Join(out, "weekly", "weekly_2026-11-23.json"))
	var bw struct {
		Total    *float64 `json:"total"`
		Previous struct {
			Total *float64 `json:"total"`
		} `json:"previous"`
		ChangePercent struct {
			Total *float64 `json:"total"`
		} `json:"change_percent"`
	}
	if err := json.Unmarshal(d.Periods[0].Apps[0].Metrics["bandwidth"], &bw); err != nil {
		t.Fatal(err)
	}
	id := appID(t, "shop")
	wantCur := expectDay(id, "bandwidth", week, week.AddDate(0, 0, 7), true)
	wantPrev := expectDay(id, "bandwidth", prev, week, true)
	if bw.Total == nil || !near(*bw.Total, wantCur) || bw.Previous.Total == nil || !near(*bw.Previous.Total, wantPrev) {
		t.Fatalf("bandwidth total %v, previous %v; want %v and %v", bw.Total, bw.Previous.Total, wantCur, wantPrev)
	}
	if want := (wantCur - wantPrev) / wantPrev * 100; bw.ChangePercent.Total == nil || math.Abs(*bw.ChangePercent.Total-want) > 0.006 {
		t.Errorf("change_percent %v, want %.2f", bw.ChangePercent.Total, want)
	}
}
