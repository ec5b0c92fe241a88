package state

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

var (
	day0 = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	now0 = time.Date(2026, 11, 23, 6, 17, 0, 0, time.UTC)
)

func hourly(d time.Time, n int, base float64) []report.Point {
	ps := make([]report.Point, n)
	for i := range ps {
		ps[i] = report.Point{Time: d.Add(time.Duration(i) * time.Hour), Value: base + float64(i)*0.5}
	}
	return ps
}

func mustOpen(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustRead(t *testing.T, s *Store, q Query) []Day {
	t.Helper()
	days, err := s.Read(q)
	if err != nil {
		t.Fatal(err)
	}
	return days
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir)
	b := s.Begin(now0)
	pts := hourly(day0, 24, 10)
	// Given out of order: stored sorted.
	shuffled := append([]report.Point{pts[5]}, append(append([]report.Point{}, pts[:5]...), pts[6:]...)...)
	if err := b.PutSeries("app-1", report.Bandwidth, time.Hour, day0, shuffled); err != nil {
		t.Fatal(err)
	}
	procs := []report.Process{
		{Name: "worker", Limit: 2, Points: hourly(day0, 3, 1)},
		{Name: "web", Limit: 1.5, Points: hourly(day0, 24, 40)},
	}
	if err := b.PutProcesses("app-1", report.CPUUsage, time.Hour, day0, procs); err != nil {
		t.Fatal(err)
	}
	runs := []report.Run{{ProcessID: "p1", Plan: "s1", Seconds: 3600, Start: day0.Add(time.Hour), End: day0.Add(2 * time.Hour)}}
	if err := b.PutRuns("app-1", day0, runs); err != nil {
		t.Fatal(err)
	}
	berlin := time.FixedZone("CET", 3600)
	ws, we := time.Date(2026, 11, 16, 0, 0, 0, 0, berlin), time.Date(2026, 11, 23, 0, 0, 0, 0, berlin)
	rows := []report.SlowRequest{{Path: "/api/<script>", AvgResponseTimeMS: 812.5, RequestCount: 12}}
	if err := b.PutSlowest("app-1", ws, we, 10, rows); err != nil {
		t.Fatal(err)
	}
	users := []report.User{{ID: "u1", FullName: "=HYPERLINK(\"x\")", Email: "a@b.c"}}
	if err := b.PutUsers(ws, we, users); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}

	// A fresh store on the same folder reads it back.
	s2 := mustOpen(t, dir)
	days := mustRead(t, s2, Query{Interval: time.Hour, From: day0, To: day0.Add(day)})
	if len(days) != 3 {
		t.Fatalf("got %d days, want 3: %+v", len(days), days)
	}
	byMetric := map[report.MetricKey]Day{}
	for _, d := range days {
		byMetric[d.Metric] = d
		if !d.Day.Equal(day0) || d.App != "app-1" {
			t.Errorf("day %+v: wrong key", d)
		}
	}
	if got := byMetric[report.Bandwidth].Points; !reflect.DeepEqual(got, pts) {
		t.Errorf("bandwidth points:\n got %v\nwant %v", got, pts)
	}
	wantProcs := []report.Process{procs[1], procs[0]} // sorted by name
	if got := byMetric[report.CPUUsage].Processes; !reflect.DeepEqual(got, wantProcs) {
		t.Errorf("cpu processes:\n got %+v\nwant %+v", got, wantProcs)
	}
	if got := byMetric[report.RunTime].Runs; !reflect.DeepEqual(got, runs) {
		t.Errorf("runs:\n got %+v\nwant %+v", got, runs)
	}
	gotRows, ok, err := s2.Slowest("app-1", ws, we, 10)
	if err != nil || !ok || !reflect.DeepEqual(gotRows, rows) {
		t.Errorf("slowest = %+v, %v, %v; want %+v", gotRows, ok, err, rows)
	}
	// Only the exact window (and limit) is reused.
	if _, ok, _ := s2.Slowest("app-1", ws, we, 5); ok {
		t.Error("slowest with another limit was served from the store")
	}
	if _, ok, _ := s2.Slowest("app-1", ws, we.Add(-time.Hour), 10); ok {
		t.Error("slowest for another window was served from the store")
	}
	gotUsers, ok, err := s2.Users(ws, we)
	if err != nil || !ok || !reflect.DeepEqual(gotUsers, users) {
		t.Errorf("users = %+v, %v, %v; want %+v", gotUsers, ok, err, users)
	}
	if _, ok, _ := s2.Users(ws.Add(day), we); ok {
		t.Error("users for another window was served from the store")
	}
	// Another interval is another series.
	if got := mustRead(t, s2, Query{Metrics: []report.MetricKey{report.Bandwidth}, Interval: day, From: day0, To: day0.Add(day)}); len(got) != 0 {
		t.Errorf("daily read returned hourly data: %+v", got)
	}
	if p := s2.Problems(); len(p) != 0 {
		t.Errorf("problems: %v", p)
	}
}

func TestEmptyDaysAreCovered(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	b := s.Begin(now0)
	if err := b.PutSeries("a", report.BuildTime, time.Hour, day0, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.PutProcesses("a", report.MemoryUsage, time.Hour, day0, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.PutRuns("a", day0.Add(day), nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	days := mustRead(t, s, Query{Apps: []string{"a"}, Interval: time.Hour, From: day0, To: day0.Add(3 * day)})
	held := Held(days)
	for _, c := range []struct {
		m    report.MetricKey
		d    time.Time
		want bool
	}{
		{report.BuildTime, day0, true},
		{report.MemoryUsage, day0, true},
		{report.RunTime, day0.Add(day), true},
		{report.BuildTime, day0.Add(day), false}, // never fetched
		{report.RunTime, day0, false},
		{report.CPUUsage, day0, false},
	} {
		if got := held[KeyOf("a", c.m, c.d.Add(time.Hour))]; got != c.want {
			t.Errorf("held(%s, %s) = %v, want %v", c.m, c.d.Format(dayLayout), got, c.want)
		}
	}
	for _, d := range days {
		switch d.Metric {
		case report.BuildTime:
			if len(d.Points) != 0 {
				t.Errorf("empty build_time day has points %v", d.Points)
			}
		case report.MemoryUsage:
			if d.Processes == nil || len(d.Processes) != 0 {
				t.Errorf("empty memory day: processes %#v, want empty non-nil", d.Processes)
			}
		}
	}
	if got := UTCDays(day0.Add(-time.Hour), day0.Add(day+time.Minute)); len(got) != 3 || !got[0].Equal(day0.Add(-day)) {
		t.Errorf("UTCDays = %v", got)
	}
}

func TestLaterSegmentWins(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir)
	first := s.Begin(now0)
	must(t, first.PutSeries("a", report.HTTPRequests, time.Hour, day0, hourly(day0, 24, 1)))
	must(t, first.PutSeries("b", report.HTTPRequests, time.Hour, day0, hourly(day0, 24, 7)))
	must(t, first.PutProcesses("a", report.CPUUsage, time.Hour, day0, []report.Process{
		{Name: "web", Points: hourly(day0, 24, 1)}, {Name: "worker", Points: hourly(day0, 24, 2)}}))
	must(t, first.Commit())
	// A later run refetched app a: its lines replace the first run's whole,
	// including the set of processes; app b's line stays.
	second := s.Begin(now0.Add(time.Minute))
	must(t, second.PutSeries("a", report.HTTPRequests, time.Hour, day0, hourly(day0, 2, 100)))
	must(t, second.PutProcesses("a", report.CPUUsage, time.Hour, day0, []report.Process{{Name: "web", Points: hourly(day0, 1, 9)}}))
	must(t, second.Commit())
	if first.RunID() >= second.RunID() {
		t.Fatalf("run ids do not sort by time: %s >= %s", first.RunID(), second.RunID())
	}
	days := mustRead(t, mustOpen(t, dir), Query{Interval: time.Hour, From: day0, To: day0.Add(day)})
	if len(days) != 3 {
		t.Fatalf("got %d days: %+v", len(days), days)
	}
	for _, d := range days {
		switch {
		case d.App == "a" && d.Metric == report.HTTPRequests:
			if !reflect.DeepEqual(d.Points, hourly(day0, 2, 100)) {
				t.Errorf("a: got %v, want the later run's points", d.Points)
			}
		case d.App == "a" && d.Metric == report.CPUUsage:
			if len(d.Processes) != 1 || d.Processes[0].Name != "web" || d.Processes[0].Points[0].Value != 9 {
				t.Errorf("a cpu: got %+v, want the later run's one process", d.Processes)
			}
		case d.App == "b":
			if !reflect.DeepEqual(d.Points, hourly(day0, 24, 7)) {
				t.Errorf("b: got %v, want the first run's points", d.Points)
			}
		}
	}
}

func TestPutRejects(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	b := s.Begin(day0.Add(day + time.Hour)) // day0 closed, day0+1 open
	for name, err := range map[string]error{
		"open day":          b.PutSeries("a", report.Bandwidth, time.Hour, day0.Add(day), nil),
		"not midnight":      b.PutSeries("a", report.Bandwidth, time.Hour, day0.Add(time.Hour), nil),
		"local midnight":    b.PutSeries("a", report.Bandwidth, time.Hour, time.Date(2026, 11, 16, 0, 0, 0, 0, time.FixedZone("CET", 3600)), nil),
		"point outside":     b.PutSeries("a", report.Bandwidth, time.Hour, day0, hourly(day0, 25, 1)),
		"process as series": b.PutSeries("a", report.CPUUsage, time.Hour, day0, nil),
		"series as process": b.PutProcesses("a", report.Bandwidth, time.Hour, day0, nil),
		"zero interval":     b.PutSeries("a", report.Bandwidth, 0, day0, nil),
		"open window":       b.PutUsers(day0, day0.Add(2*day), nil),
		"zero limit":        b.PutSlowest("a", day0, day0.Add(day), 0, nil),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := b.PutSeries("a", report.Bandwidth, time.Hour, day0, hourly(day0, 24, 1)); err != nil {
		t.Errorf("closed day rejected: %v", err)
	}
}

// A cut-short file (a truncated gzip, say from a broken checkout) is skipped
// whole and named: its days read as not covered, so the caller fetches them
// again; the other files of the day still count, and nothing is deleted.
func TestCorruptFileIsSkippedAndNamed(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir)
	b1 := s.Begin(now0)
	must(t, b1.PutSeries("a", report.Bandwidth, time.Hour, day0, hourly(day0, 24, 1)))
	must(t, b1.Commit())
	b2 := s.Begin(now0.Add(time.Hour))
	must(t, b2.PutSeries("a", report.Bandwidth, time.Hour, day0, hourly(day0, 24, 50)))
	must(t, b2.PutSeries("b", report.Bandwidth, time.Hour, day0, hourly(day0, 24, 2)))
	must(t, b2.Commit())
	path := filepath.Join(dir, "history", "2026", "11", "16", b2.RunID()+".jsonl.gz")
	data, err := os.ReadFile(path)
	must(t, err)
	must(t, os.WriteFile(path, data[:len(data)-9], 0o644))

	s2 := mustOpen(t, dir)
	days := mustRead(t, s2, Query{Interval: time.Hour, From: day0, To: day0.Add(day)})
	if len(days) != 1 || days[0].App != "a" || days[0].Points[0].Value != 1 {
		t.Fatalf("got %+v, want only the first run's app a", days)
	}
	probs := s2.Problems()
	if len(probs) != 1 || !strings.Contains(probs[0].Error(), path) {
		t.Fatalf("problems = %v, want one naming %s", probs, path)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the corrupt file was removed: %v", err)
	}

	// A line cut before its newline (a gzip that closed early) is named too.
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(`{"app":"c","metric":"bandwidth","interval":3600,"day":"2026-11-16","points":[[1763251200,1]]}` + "\n" + `{"app":"c","metric":"bandw`))
	must(t, zw.Close())
	cut := filepath.Join(dir, "history", "2026", "11", "16", "20261124T000000.000000000Z-00000000.jsonl.gz")
	must(t, os.WriteFile(cut, buf.Bytes(), 0o644))
	s3 := mustOpen(t, dir)
	days = mustRead(t, s3, Query{Apps: []string{"c"}, Interval: time.Hour, From: day0, To: day0.Add(day)})
	if len(days) != 0 {
		t.Errorf("lines of a cut-short file were used: %+v", days)
	}
	found := false
	for _, p := range s3.Problems() {
		found = found || strings.Contains(p.Error(), cut) && strings.Contains(p.Error(), "line 2")
	}
	if !found {
		t.Errorf("problems %v do not name %s line 2", s3.Problems(), cut)
	}
}

func TestReadOnlyNeverWrites(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir)
	b := s.Begin(now0)
	must(t, b.PutSeries("a", report.Bandwidth, time.Hour, day0, hourly(day0, 24, 1)))
	must(t, b.Commit())
	_, err := s.Claim("weekly-ops", "2026-11-16", now0, "<id@x>")
	must(t, err)
	before := snapshot(t, dir)

	ro, err := OpenReadOnly(dir)
	must(t, err)
	if days := mustRead(t, ro, Query{Interval: time.Hour, From: day0, To: day0.Add(day)}); len(days) != 1 {
		t.Errorf("read-only read: %d days, want 1", len(days))
	}
	if e, err := ro.Lookup("weekly-ops", "2026-11-16"); err != nil || e.Status != Claimed {
		t.Errorf("read-only lookup = %+v, %v", e, err)
	}
	rb := ro.Begin(now0)
	must(t, rb.PutSeries("a", report.Bandwidth, time.Hour, day0.Add(day), nil))
	for name, err := range map[string]error{
		"commit":  rb.Commit(),
		"claim":   second(ro.Claim("weekly-ops", "2026-11-23", now0, "<id@x>")),
		"confirm": ro.Confirm("weekly-ops", "2026-11-16", now0),
		"written": ro.MarkWritten("daily", "2026-11-16", now0),
		"resent":  ro.Resent("weekly-ops", "2026-11-16", now0, "<id@x>"),
	} {
		if !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s: err = %v, want ErrReadOnly", name, err)
		}
	}
	if after := snapshot(t, dir); !reflect.DeepEqual(before, after) {
		t.Errorf("read-only store changed the folder:\nbefore %v\nafter  %v", before, after)
	}
	// A folder that does not exist reads as empty and is not created.
	missing := filepath.Join(t.TempDir(), "none")
	ro2, err := OpenReadOnly(missing)
	must(t, err)
	if days := mustRead(t, ro2, Query{From: day0, To: now0}); len(days) != 0 {
		t.Errorf("missing folder read %d days", len(days))
	}
	if e, err := ro2.Lookup("weekly-ops", "2026-11-16"); err != nil || e.Status != None {
		t.Errorf("missing folder lookup = %+v, %v", e, err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenReadOnly created %s", missing)
	}
}

func second[T any](_ T, err error) error { return err }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// snapshot lists every file and folder under dir with its size, mode and
// modification time.
func snapshot(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		out = append(out, fmt.Sprint(p, " ", fi.Mode(), " ", fi.ModTime(), " ", fi.Size()))
		return nil
	})
	must(t, err)
	return out
}

// A line written by another tool (keys in another order, escapes) is read
// all the same: the fast app/metric peek falls back to a full decode.
func TestForeignLines(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(`{"metric":"bandwidth","day":"2026-11-16","interval":3600,"app":"x","points":[[1794787200,5]]}` + "\n" +
		`{"app":"y\u002d1","metric":"bandwidth","interval":3600,"day":"2026-11-16","points":[[1794787200,6]]}` + "\n"))
	must(t, zw.Close())
	d := filepath.Join(dir, "history", "2026", "11", "16")
	must(t, os.MkdirAll(d, 0o755))
	must(t, os.WriteFile(filepath.Join(d, "20261117T000000.000000000Z-00000000.jsonl.gz"), buf.Bytes(), 0o644))
	s := mustOpen(t, dir)
	for _, app := range []string{"x", "y-1"} {
		days := mustRead(t, s, Query{Apps: []string{app}, Interval: time.Hour, From: day0, To: day0.Add(day)})
		if len(days) != 1 || days[0].App != app || len(days[0].Points) != 1 {
			t.Errorf("app %s: %+v", app, days)
		}
	}
	if days := mustRead(t, s, Query{Apps: []string{"z"}, Interval: time.Hour, From: day0, To: day0.Add(day)}); len(days) != 0 {
		t.Errorf("app z: %+v", days)
	}
}

// Open leaves a .gitignore that keeps a killed run's temporary files out of
// git while the history and ledger files go in.
func TestGitignoreKeepsTempsOut(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	k := mustOpen(t, dir)
	killAt(k, "after-rename", 1) // leaves a temp beside the published file
	b := k.Begin(now0)
	must(t, b.PutSeries("a", report.Bandwidth, time.Hour, day0, nil))
	if err := b.Commit(); err == nil {
		t.Fatal("commit survived its kill")
	}
	run := func(args ...string) string {
		cmd := exec.Command(git, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run("init", "-q")
	run("add", "-A")
	files := strings.Fields(run("ls-files"))
	want := []string{".gitignore", "history/2026/11/16/" + b.RunID() + ".jsonl.gz"}
	if !reflect.DeepEqual(files, want) {
		t.Errorf("git added %v, want %v", files, want)
	}
}

// Two batches on the same (fake) clock: the second still wins.
func TestSameNowLaterBatchWins(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	for _, v := range []float64{1, 2, 3} {
		b := s.Begin(now0)
		must(t, b.PutSeries("a", report.Bandwidth, time.Hour, day0, hourly(day0, 1, v)))
		must(t, b.Commit())
	}
	days := mustRead(t, s, Query{Interval: time.Hour, From: day0, To: day0.Add(day)})
	if len(days) != 1 || days[0].Points[0].Value != 3 {
		t.Errorf("got %+v, want the third batch's value 3", days)
	}
}

func TestPointsDecoder(t *testing.T) {
	for in, want := range map[string]pointsJSON{
		`[]`:                                     {},
		`[[1794787200,1]]`:                       {{1794787200, 1}},
		` [ [1, 2.5e3] , [2,-0.25] ] `:           {{1, 2500}, {2, -0.25}},
		`[[1794787200,1200],[1794790800,980.5]]`: {{1794787200, 1200}, {1794790800, 980.5}},
	} {
		var got pointsJSON
		if err := json.Unmarshal([]byte(in), &got); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{`{}`, `[1,2]`, `[[1]]`, `[["a",1]]`, `[[1,2],]`, `[[1,2] [3,4]]`, `[[[1],2]]`, `[[1,2,3]]`} {
		var got pointsJSON
		if err := json.Unmarshal([]byte(in), &got); err == nil {
			t.Errorf("%s: accepted as %v", in, got)
		}
	}
}
