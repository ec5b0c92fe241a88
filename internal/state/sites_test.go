package state

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

func siteDay(d time.Time, v float64) []report.Point {
	return []report.Point{{Time: d, Value: v}}
}

// TestSiteRoundTrip: site days and totals come back as put, beside the
// app lines of the same file; app reads never see them, and a later run's
// day wins.
func TestSiteRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir)
	b := s.Begin(now0)
	day1 := day0.Add(day)
	for _, err := range []error{
		b.PutSeries("app-1", report.Bandwidth, time.Hour, day0, hourly(day0, 24, 1)),
		b.PutSiteDay("env-1", report.SiteVisits, day0, siteDay(day0, 1000)),
		b.PutSiteDay("env-1", report.SiteVisits, day1, nil), // asked, no value
		b.PutSiteDay("env-1", report.SiteDiskSpace, day0, siteDay(day0, 3.4e9)),
		b.PutSiteDay("env-2", report.SiteVisits, day0, siteDay(day0, 7)),
		b.PutSiteTotal("env-1", report.SiteVisits, day0, day1, 1000),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}

	days, err := s.ReadSites(SiteQuery{Environments: []string{"env-1"}, Metrics: []report.SiteMetricKey{report.SiteVisits}, From: day0, To: day0.Add(2 * day)})
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 2 {
		t.Fatalf("%d site days, want 2: %+v", len(days), days)
	}
	if d := days[0]; d.App != "env-1" || d.Metric != "site.visits" || !d.Day.Equal(day0) || len(d.Points) != 1 || d.Points[0].Value != 1000 || !d.Points[0].Time.Equal(day0) {
		t.Errorf("first day %+v", d)
	}
	if d := days[1]; !d.Day.Equal(day1) || d.Points == nil || len(d.Points) != 0 {
		t.Errorf("empty day %+v, want covered with no points", d)
	}
	held := Held(days)
	if !held[KeyOf("env-1", SiteKey(report.SiteVisits), day1)] || held[KeyOf("env-1", SiteKey(report.SiteDiskSpace), day0)] {
		t.Errorf("held %v", held)
	}
	all, err := s.ReadSites(SiteQuery{From: day0, To: day0.Add(day)})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Errorf("every site day of %s: %d, want 3", day0.Format(dayLayout), len(all))
	}

	// The app reads see only the app line.
	for _, iv := range []time.Duration{time.Hour, day} {
		for _, d := range mustRead(t, s, Query{Interval: iv, From: day0, To: day0.Add(2 * day)}) {
			if d.App != "app-1" {
				t.Errorf("an app read at %s returned %s %s", iv, d.App, d.Metric)
			}
		}
	}

	if v, ok, err := s.SiteTotal("env-1", report.SiteVisits, day0, day1); err != nil || !ok || v != 1000 {
		t.Errorf("total of the exact range = %v %v %v, want 1000", v, ok, err)
	}
	if _, ok, _ := s.SiteTotal("env-1", report.SiteVisits, day0, day0); ok {
		t.Error("a total was served for another range")
	}
	if _, ok, _ := s.SiteTotal("env-1", report.SiteBandwidth, day0, day1); ok {
		t.Error("a total was served for another metric")
	}

	// A later run's day wins, whole.
	b2 := s.Begin(now0.Add(time.Hour))
	if err := b2.PutSiteDay("env-1", report.SiteVisits, day0, siteDay(day0, 1001)); err != nil {
		t.Fatal(err)
	}
	if err := b2.Commit(); err != nil {
		t.Fatal(err)
	}
	days, err = mustOpen(t, dir).ReadSites(SiteQuery{Environments: []string{"env-1"}, Metrics: []report.SiteMetricKey{report.SiteVisits}, From: day0, To: day0.Add(day)})
	if err != nil || len(days) != 1 || days[0].Points[0].Value != 1001 {
		t.Errorf("after a later run: %+v %v, want the value 1001", days, err)
	}
}

// TestSiteLinesOnDisk: the lines are as docs/STATE.md shows them: "app"
// then "metric" first, no "interval" (so a reader of today's app lines,
// which keeps only lines of its interval, skips them).
func TestSiteLinesOnDisk(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir)
	b := s.Begin(now0)
	if err := b.PutSiteDay("env-1", report.SiteCDNBandwidth, day0, siteDay(day0, 5e8)); err != nil {
		t.Fatal(err)
	}
	if err := b.PutSiteTotal("env-1", report.SiteCDNBandwidth, day0, day0.Add(6*day), 3.5e9); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "history", "2026", "11", "16", "*.jsonl.gz"))
	if len(files) != 1 {
		t.Fatalf("files %v", files)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"app":"env-1","metric":"site.cdn_bandwidth","day":"2026-11-16","points":[[1794787200,500000000]]}
{"app":"env-1","metric":"site.cdn_bandwidth","start":"2026-11-16","end":"2026-11-22","total":3500000000}
`
	if string(raw) != want {
		t.Errorf("file holds\n%s\nwant\n%s", raw, want)
	}
	for _, l := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatal(err)
		}
		if _, ok := m["interval"]; ok {
			t.Errorf("a site line has an interval: %s", l)
		}
	}
}

// TestSiteRefusals: open days, unknown metrics, points outside the day and
// ranges that end open are refused.
func TestSiteRefusals(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	b := s.Begin(now0)
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for name, err := range map[string]error{
		"open day":      b.PutSiteDay("env-1", report.SiteVisits, today, nil),
		"unknown":       b.PutSiteDay("env-1", "pageviews", day0, nil),
		"outside":       b.PutSiteDay("env-1", report.SiteVisits, day0, siteDay(day0.Add(day), 1)),
		"no env":        b.PutSiteDay("", report.SiteVisits, day0, nil),
		"open total":    b.PutSiteTotal("env-1", report.SiteVisits, day0, today, 1),
		"reverse total": b.PutSiteTotal("env-1", report.SiteVisits, day0.Add(day), day0, 1),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.HasPrefix(err.Error(), "state: ") {
			t.Errorf("%s: error %q does not name the step", name, err)
		}
	}
}

// TestSiteReadsTodaysFiles: a folder written before site lines existed
// reads as before, and as holding no site days.
func TestSiteReadsTodaysFiles(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir)
	old := `{"app":"app-1","metric":"bandwidth","interval":3600,"day":"2026-11-16","points":[[1794787200,1200]]}
{"app":"app-1","metric":"run_time","day":"2026-11-16","runs":[]}
`
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(old))
	zw.Close()
	folder := filepath.Join(dir, "history", "2026", "11", "16")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(folder, "20261117T060012.123456789Z-1a2b3c4d.jsonl.gz"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if days := mustRead(t, s, Query{Interval: time.Hour, From: day0, To: day0.Add(day)}); len(days) != 2 {
		t.Errorf("app days %d, want 2", len(days))
	}
	days, err := s.ReadSites(SiteQuery{From: day0, To: day0.Add(day)})
	if err != nil || len(days) != 0 {
		t.Errorf("site days %+v %v, want none", days, err)
	}
	if p := s.Problems(); len(p) != 0 {
		t.Errorf("problems %v", p)
	}
}
