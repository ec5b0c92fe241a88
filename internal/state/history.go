package state

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

const (
	historyDir = "history"
	segmentExt = ".jsonl.gz"
	dayLayout  = "2006-01-02"
	day        = 24 * time.Hour
)

// UsersKey is the metric field of a roster line in the history files; it is
// not a metric of reports.yaml.
const UsersKey report.MetricKey = "users"

// segmentRE matches the files a read merges: <run-id>.jsonl.gz. Anything
// else in a day folder (a stray ".….tmp-*" of a killed run) is ignored.
var segmentRE = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}\.[0-9]{9}Z-[0-9a-f]{8}\.jsonl\.gz$`)

// Day is what the history holds for one app, one metric, one fetch interval
// and one UTC day: the whole day as it was fetched. A Day that exists is a
// covered day even when it has no points: the API was asked and had none.
// Which data field is set follows the metric's kind.
type Day struct {
	App    string
	Metric report.MetricKey
	// Interval is the bucket size the points were fetched at; 0 for run_time.
	Interval time.Duration
	// Day is the UTC midnight the day starts at.
	Day time.Time
	// Points (series metrics): sorted by time, in UTC.
	Points []report.Point
	// Processes (cpu_usage, memory_usage): every process the fetch returned,
	// sorted by name, points in UTC. Summary is not stored.
	Processes []report.Process
	// Runs (run_time): the runs as stored for the day, times in UTC.
	Runs []report.Run
}

// Query selects days of the history.
type Query struct {
	// Apps are the app ids to read; empty means every app.
	Apps []string
	// Metrics are the metrics to read (series, process metrics and
	// run_time); empty means every one of them.
	Metrics []report.MetricKey
	// Interval is the fetch interval of series and process metrics; days
	// fetched at another interval are not returned. It does not apply to
	// run_time.
	Interval time.Duration
	// From and To bound the read: every UTC day that overlaps [From, To) is
	// returned whole (points are not clipped to the range).
	From, To time.Time
}

// UTCDays returns the UTC midnights of the days that overlap [from, to),
// oldest first.
func UTCDays(from, to time.Time) []time.Time {
	var out []time.Time
	for d := truncDay(from); d.Before(to); d = d.Add(day) {
		out = append(out, d)
	}
	return out
}

// Key names one covered unit of the history: an app's metric on one UTC day
// (the interval is the Query's).
type Key struct {
	App    string
	Metric report.MetricKey
	Day    string // YYYY-MM-DD, UTC
}

// KeyOf returns the Key of (app, metric) on the UTC day that holds d.
func KeyOf(app string, metric report.MetricKey, d time.Time) Key {
	return Key{App: app, Metric: metric, Day: truncDay(d).Format(dayLayout)}
}

// Held indexes what a Read returned: Held(days)[KeyOf(app, metric, day)]
// is true when that day is covered (even with no points).
func Held(days []Day) map[Key]bool {
	m := make(map[Key]bool, len(days))
	for _, d := range days {
		m[KeyOf(d.App, d.Metric, d.Day)] = true
	}
	return m
}

func truncDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// line is one JSON line of a history file. Field order is the order on disk:
// app and metric first, so a read can skip other apps' lines without
// decoding them.
type line struct {
	App      string `json:"app"`
	Metric   string `json:"metric"`
	Interval int64  `json:"interval,omitempty"` // seconds
	Day      string `json:"day,omitempty"`      // YYYY-MM-DD (UTC)
	// Window of slowest_requests and users lines (RFC 3339, UTC).
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
	Limit int    `json:"limit,omitempty"`
	// Total of a site total line: the analytics answer's own total for
	// the days start..end (inclusive dates).
	Total *float64 `json:"total,omitempty"`

	// One of these is set, by the line's kind; a pointer so that an empty
	// day writes "points":[] (fetched, no data), not nothing.
	Points    *pointsJSON    `json:"points,omitempty"`
	Processes *[]processJSON `json:"processes,omitempty"`
	Runs      *[]runJSON     `json:"runs,omitempty"`
	Rows      *[]rowJSON     `json:"rows,omitempty"`
	Users     *[]userJSON    `json:"users,omitempty"`
}

type processJSON struct {
	Name   string     `json:"name"`
	Limit  float64    `json:"limit"`
	Points pointsJSON `json:"points"`
}

type runJSON struct {
	ProcessID string  `json:"process_id"`
	Plan      string  `json:"plan"`
	Seconds   float64 `json:"seconds"`
	Start     string  `json:"start"`
	End       string  `json:"end"`
}

type rowJSON struct {
	Path              string  `json:"path"`
	AvgResponseTimeMS float64 `json:"avg_response_time_ms"`
	RequestCount      float64 `json:"request_count"`
}

type userJSON struct {
	ID       string `json:"id"`
	FullName string `json:"full_name"`
	Email    string `json:"email"`
	Image    string `json:"image"`
}

// pointsJSON is a series on disk: [[unix_seconds, value], ...].
type pointsJSON [][2]float64

func toPoints(ps []report.Point) pointsJSON {
	out := make(pointsJSON, len(ps))
	for i, p := range ps {
		out[i] = [2]float64{float64(p.Time.Unix()), p.Value}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// deref returns *p, or the zero value when p is nil (a field the line lacks).
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func (p pointsJSON) model() []report.Point {
	out := make([]report.Point, len(p))
	for i, x := range p {
		out[i] = report.Point{Time: time.Unix(int64(x[0]), 0).UTC(), Value: x[1]}
	}
	return out
}

// Batch collects the closed days and windows one run fetched; Commit writes
// them as one new file per UTC day. A Batch is not safe for concurrent use.
type Batch struct {
	s     *Store
	now   time.Time
	runID string
	days  map[time.Time][]line // file day → lines, in Put order
}

// Begin starts a batch. now is the run's clock: only days and windows that
// ended at or before it are accepted, and it names the files (later runs
// win), so pass the real time of the run.
func (s *Store) Begin(now time.Time) *Batch {
	return &Batch{s: s, now: now, runID: newRunID(now), days: map[time.Time][]line{}}
}

// RunID is the name (without extension) of the files Commit writes.
func (b *Batch) RunID() string { return b.runID }

func (b *Batch) closedDay(what string, d time.Time) (time.Time, error) {
	if !d.Equal(truncDay(d)) {
		return time.Time{}, fmt.Errorf("state: %s: day %s is not a UTC midnight", what, d.Format(time.RFC3339))
	}
	d = truncDay(d)
	if d.Add(day).After(b.now) {
		return time.Time{}, fmt.Errorf("state: %s: day %s is not closed at %s", what, d.Format(dayLayout), b.now.UTC().Format(time.RFC3339))
	}
	return d, nil
}

func checkPoints(what string, d time.Time, ps []report.Point) error {
	for i, p := range ps {
		if p.Time.Before(d) || !p.Time.Before(d.Add(day)) {
			return fmt.Errorf("state: %s: point %d at %s is outside the day %s", what, i, p.Time.UTC().Format(time.RFC3339), d.Format(dayLayout))
		}
		if p.Time.Nanosecond() != 0 {
			return fmt.Errorf("state: %s: point %d at %s is not on a whole second", what, i, p.Time.UTC().Format(time.RFC3339Nano))
		}
		if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
			return fmt.Errorf("state: %s: point %d at %s has no finite value", what, i, p.Time.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

func sortedPoints(ps []report.Point) []report.Point {
	out := append([]report.Point(nil), ps...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

func kindOf(m report.MetricKey) (report.Kind, bool) {
	info, ok := report.Info(m)
	return info.Kind, ok
}

// PutSeries records the points of a series metric (bandwidth, build_time,
// http_requests, response_time_*) for one app and one closed UTC day,
// fetched at interval. An empty points records that the day was fetched
// and had no data.
func (b *Batch) PutSeries(app string, metric report.MetricKey, interval time.Duration, d time.Time, points []report.Point) error {
	what := fmt.Sprintf("app %s %s", app, metric)
	if k, ok := kindOf(metric); !ok || k != report.KindSeries {
		return fmt.Errorf("state: %s: not a series metric", what)
	}
	d, err := b.closedDay(what, d)
	if err != nil {
		return err
	}
	if err := checkInterval(what, interval); err != nil {
		return err
	}
	if err := checkPoints(what, d, points); err != nil {
		return err
	}
	b.days[d] = append(b.days[d], line{App: app, Metric: string(metric), Interval: int64(interval / time.Second),
		Day: d.Format(dayLayout), Points: ptr(toPoints(sortedPoints(points)))})
	return nil
}

// PutProcesses records every process of a per-process metric (cpu_usage,
// memory_usage) for one app and one closed UTC day: one fetch returns all
// processes, so the day is covered with whatever processes it holds (none
// is a covered, empty day).
func (b *Batch) PutProcesses(app string, metric report.MetricKey, interval time.Duration, d time.Time, procs []report.Process) error {
	what := fmt.Sprintf("app %s %s", app, metric)
	if k, ok := kindOf(metric); !ok || k != report.KindProcesses {
		return fmt.Errorf("state: %s: not a per-process metric", what)
	}
	d, err := b.closedDay(what, d)
	if err != nil {
		return err
	}
	if err := checkInterval(what, interval); err != nil {
		return err
	}
	ps := append([]report.Process(nil), procs...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	pj := make([]processJSON, 0, len(ps))
	for i, p := range ps {
		if i > 0 && ps[i-1].Name == p.Name {
			return fmt.Errorf("state: %s: process %q given twice", what, p.Name)
		}
		if err := checkPoints(what+" process "+p.Name, d, p.Points); err != nil {
			return err
		}
		pj = append(pj, processJSON{Name: p.Name, Limit: p.Limit, Points: toPoints(sortedPoints(p.Points))})
	}
	b.days[d] = append(b.days[d], line{App: app, Metric: string(metric), Interval: int64(interval / time.Second),
		Day: d.Format(dayLayout), Processes: &pj})
	return nil
}

// PutRuns records the run_time runs of one app for one closed UTC day.
func (b *Batch) PutRuns(app string, d time.Time, runs []report.Run) error {
	what := fmt.Sprintf("app %s %s", app, report.RunTime)
	d, err := b.closedDay(what, d)
	if err != nil {
		return err
	}
	rj := make([]runJSON, 0, len(runs))
	for _, r := range runs {
		rj = append(rj, runJSON{ProcessID: r.ProcessID, Plan: r.Plan, Seconds: r.Seconds,
			Start: fmtTime(r.Start), End: fmtTime(r.End)})
	}
	b.days[d] = append(b.days[d], line{App: app, Metric: string(report.RunTime), Day: d.Format(dayLayout), Runs: &rj})
	return nil
}

// PutSlowest records the slowest requests one app returned for the exact
// window [start, end) with limit rows; only that window reads them back.
// The window must have ended at or before the batch's now.
func (b *Batch) PutSlowest(app string, start, end time.Time, limit int, rows []report.SlowRequest) error {
	what := fmt.Sprintf("app %s %s", app, report.SlowestRequests)
	if err := b.closedWindow(what, start, end); err != nil {
		return err
	}
	if limit <= 0 {
		return fmt.Errorf("state: %s: limit %d is not positive", what, limit)
	}
	rj := make([]rowJSON, 0, len(rows))
	for _, r := range rows {
		rj = append(rj, rowJSON{Path: r.Path, AvgResponseTimeMS: r.AvgResponseTimeMS, RequestCount: r.RequestCount})
	}
	d := truncDay(start)
	b.days[d] = append(b.days[d], line{App: app, Metric: string(report.SlowestRequests), Start: fmtTime(start), End: fmtTime(end),
		Limit: limit, Rows: &rj})
	return nil
}

// PutUsers records the company roster fetched for the exact window
// [start, end); only that window reads it back.
func (b *Batch) PutUsers(start, end time.Time, users []report.User) error {
	what := "users"
	if err := b.closedWindow(what, start, end); err != nil {
		return err
	}
	uj := make([]userJSON, 0, len(users))
	for _, u := range users {
		uj = append(uj, userJSON{ID: u.ID, FullName: u.FullName, Email: u.Email, Image: u.Image})
	}
	d := truncDay(start)
	b.days[d] = append(b.days[d], line{App: "", Metric: string(UsersKey), Start: fmtTime(start), End: fmtTime(end), Users: &uj})
	return nil
}

func (b *Batch) closedWindow(what string, start, end time.Time) error {
	if !start.Before(end) {
		return fmt.Errorf("state: %s: window %s to %s is empty", what, fmtTime(start), fmtTime(end))
	}
	if end.After(b.now) {
		return fmt.Errorf("state: %s: window %s to %s is not closed at %s", what, fmtTime(start), fmtTime(end), fmtTime(b.now))
	}
	return nil
}

func checkInterval(what string, iv time.Duration) error {
	if iv <= 0 || iv%time.Second != 0 || iv > day {
		return fmt.Errorf("state: %s: interval %s is not a whole number of seconds up to a day", what, iv)
	}
	return nil
}

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// Commit writes the batch: one new file per UTC day,
// history/YYYY/MM/DD/<run-id>.jsonl.gz, each whole or absent. Days are
// written oldest first; on an error the days already written stay (each is
// complete on its own) and the error names the file that failed. An empty
// batch writes nothing.
func (b *Batch) Commit() error {
	if b.s.readOnly {
		return ErrReadOnly
	}
	days := make([]time.Time, 0, len(b.days))
	for d := range b.days {
		days = append(days, d)
	}
	sort.Slice(days, func(i, j int) bool { return days[i].Before(days[j]) })
	for _, d := range days {
		data, err := encodeLines(b.days[d])
		if err != nil {
			return fmt.Errorf("state: commit %s: %w", d.Format(dayLayout), err)
		}
		if err := b.s.writeFile(b.s.dayDir(d), b.runID+segmentExt, data); err != nil {
			return fmt.Errorf("state: commit: %w", err)
		}
		delete(b.days, d)
	}
	return nil
}

func encodeLines(ls []line) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	for _, l := range ls {
		if err := enc.Encode(l); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (s *Store) dayDir(d time.Time) string {
	return filepath.Join(s.dir, historyDir, d.Format("2006"), d.Format("01"), d.Format("02"))
}

type dayKey struct {
	app, metric string
	interval    int64
}

// Read returns the history's days that match q, sorted by app, metric and
// day. For each (app, metric, interval, day) the line of the latest file
// wins (files sort by run id, which sorts by the time of the run). Files
// that cannot be read are skipped and listed by Problems.
func (s *Store) Read(q Query) ([]Day, error) {
	apps := set(q.Apps)
	metrics := map[string]bool{}
	for _, m := range q.Metrics {
		metrics[string(m)] = true
	}
	want := func(app, metric string) bool {
		if metric == string(report.SlowestRequests) || metric == string(UsersKey) || isSite(metric) {
			return false
		}
		return (len(apps) == 0 || apps[app]) && (len(metrics) == 0 || metrics[metric])
	}
	iv := int64(q.Interval / time.Second)
	readDay := func(d time.Time) ([]Day, error) {
		held := map[dayKey]line{}
		err := s.eachLine(d, want, func(l line) {
			if l.Metric != string(report.RunTime) && l.Interval != iv {
				return
			}
			held[dayKey{l.App, l.Metric, l.Interval}] = l
		})
		if err != nil {
			return nil, err
		}
		out := make([]Day, 0, len(held))
		for _, l := range held {
			x, err := l.day(d)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	}
	// Days are independent: read them on every core (the result is sorted
	// below, so it does not depend on which finishes first).
	days := UTCDays(q.From, q.To)
	perDay := make([][]Day, len(days))
	errs := make([]error, len(days))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(days)) {
		wg.Go(func() {
			for i := range next {
				perDay[i], errs[i] = readDay(days[i])
			}
		})
	}
	for i := range days {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err // the first day's, oldest first
		}
	}
	var out []Day
	for _, x := range perDay {
		out = append(out, x...)
	}
	sortDays(out)
	return out, nil
}

// sortDays sorts by app, metric and day.
func sortDays(out []Day) {
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.App != b.App {
			return a.App < b.App
		}
		if a.Metric != b.Metric {
			return a.Metric < b.Metric
		}
		return a.Day.Before(b.Day)
	})
}

func (l line) day(d time.Time) (Day, error) {
	x := Day{App: l.App, Metric: report.MetricKey(l.Metric), Interval: time.Duration(l.Interval) * time.Second, Day: d}
	switch {
	case l.Metric == string(report.RunTime):
		runs := deref(l.Runs)
		x.Runs = make([]report.Run, 0, len(runs))
		for _, r := range runs {
			start, err1 := time.Parse(time.RFC3339Nano, r.Start)
			end, err2 := time.Parse(time.RFC3339Nano, r.End)
			if err := errors.Join(err1, err2); err != nil {
				return Day{}, fmt.Errorf("state: app %s run_time %s: %w", l.App, l.Day, err)
			}
			x.Runs = append(x.Runs, report.Run{ProcessID: r.ProcessID, Plan: r.Plan, Seconds: r.Seconds, Start: start.UTC(), End: end.UTC()})
		}
	case l.Processes != nil:
		x.Processes = make([]report.Process, 0, len(*l.Processes))
		for _, p := range *l.Processes {
			x.Processes = append(x.Processes, report.Process{Name: p.Name, Limit: p.Limit, Points: p.Points.model()})
		}
	default:
		if k, _ := kindOf(x.Metric); k == report.KindProcesses {
			x.Processes = []report.Process{}
		} else {
			x.Points = deref(l.Points).model()
		}
	}
	return x, nil
}

// Slowest returns the slowest requests stored for app and exactly the
// window [start, end) with limit rows; ok is false when none are stored.
func (s *Store) Slowest(app string, start, end time.Time, limit int) (rows []report.SlowRequest, ok bool, err error) {
	l, ok, err := s.window(app, string(report.SlowestRequests), start, end, limit)
	if !ok || err != nil {
		return nil, false, err
	}
	rows = make([]report.SlowRequest, 0, len(deref(l.Rows)))
	for _, r := range deref(l.Rows) {
		rows = append(rows, report.SlowRequest{Path: r.Path, AvgResponseTimeMS: r.AvgResponseTimeMS, RequestCount: r.RequestCount})
	}
	return rows, true, nil
}

// Users returns the roster stored for exactly the window [start, end); ok
// is false when none is stored.
func (s *Store) Users(start, end time.Time) (users []report.User, ok bool, err error) {
	l, ok, err := s.window("", string(UsersKey), start, end, 0)
	if !ok || err != nil {
		return nil, false, err
	}
	users = make([]report.User, 0, len(deref(l.Users)))
	for _, u := range deref(l.Users) {
		users = append(users, report.User{ID: u.ID, FullName: u.FullName, Email: u.Email, Image: u.Image})
	}
	return users, true, nil
}

func (s *Store) window(app, metric string, start, end time.Time, limit int) (line, bool, error) {
	var got line
	found := false
	s0, e0 := fmtTime(start), fmtTime(end)
	err := s.eachLine(truncDay(start), func(a, m string) bool { return a == app && m == metric }, func(l line) {
		if l.Start == s0 && l.End == e0 && l.Limit == limit {
			got, found = l, true
		}
	})
	return got, found, err
}

// eachLine calls fn with every line of the day's files, oldest file first,
// whose app and metric want accepts. A file that fails to read or parse is
// skipped whole (none of its lines reach fn) and recorded as a problem.
func (s *Store) eachLine(d time.Time, want func(app, metric string) bool, fn func(line)) error {
	dir := s.dayDir(d)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("state: read %s: %w", dir, err)
	}
	var names []string
	for _, e := range ents {
		if e.Type().IsRegular() && segmentRE.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(dir, name)
		ls, err := readSegment(path, want)
		if err != nil {
			s.problem(path, err)
			continue
		}
		for _, l := range ls {
			fn(l)
		}
	}
	return nil
}

// readSegment reads one history file whole, keeping the lines want accepts.
func readSegment(path string, want func(app, metric string) bool) ([]line, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("state: %s: %w", path, err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("state: %s: %w", path, err)
	}
	br := bufio.NewReaderSize(zr, 256<<10)
	var out []line
	for n := 1; ; n++ {
		raw, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A long line: gather it whole.
			buf := append([]byte(nil), raw...)
			for errors.Is(err, bufio.ErrBufferFull) {
				raw, err = br.ReadSlice('\n')
				buf = append(buf, raw...)
			}
			raw = buf
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("state: %s: line %d: %w", path, n, err)
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("state: %s: line %d: no newline at the end: the file is cut short", path, n)
			}
			app, metric, ok := peek(raw)
			if !ok || want(app, metric) {
				var l line
				if err := json.Unmarshal(raw, &l); err != nil {
					return nil, fmt.Errorf("state: %s: line %d: %w", path, n, err)
				}
				if l.Metric == "" {
					return nil, fmt.Errorf("state: %s: line %d: no metric", path, n)
				}
				if !ok && !want(l.App, l.Metric) {
					continue
				}
				out = append(out, l)
			}
		}
		if errors.Is(err, io.EOF) {
			return out, nil
		}
	}
}

// peek reads the app and metric of a line as this package writes it
// ({"app":"…","metric":"…",…}) without decoding the rest; ok is false when
// the line does not start that way (then it is decoded whole).
func peek(raw []byte) (app, metric string, ok bool) {
	const a, m = `{"app":"`, `","metric":"`
	if !bytes.HasPrefix(raw, []byte(a)) {
		return "", "", false
	}
	rest := raw[len(a):]
	i := bytes.IndexByte(rest, '"')
	if i < 0 || bytes.IndexByte(rest[:i], '\\') >= 0 {
		return "", "", false
	}
	app = string(rest[:i])
	rest = rest[i:]
	if !bytes.HasPrefix(rest, []byte(m)) {
		return "", "", false
	}
	rest = rest[len(m):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 || bytes.IndexByte(rest[:j], '\\') >= 0 {
		return "", "", false
	}
	return app, string(rest[:j]), true
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// UnmarshalJSON reads [[unix, value], ...] without reflection: the points
// are most of what a read decodes.
func (p *pointsJSON) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*p = nil
		return nil
	}
	bad := func(what string) error { return fmt.Errorf("points: %s", what) }
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return bad("not an array")
	}
	b = bytes.TrimSpace(b[1 : len(b)-1])
	out := make(pointsJSON, 0, bytes.Count(b, []byte{'['}))
	for len(b) > 0 {
		if b[0] != '[' {
			return bad("want [time, value]")
		}
		end := bytes.IndexByte(b, ']')
		if end < 0 {
			return bad("unclosed [time, value]")
		}
		t, v, ok := bytes.Cut(b[1:end], []byte{','})
		if !ok {
			return bad("want [time, value]")
		}
		tf, err := strconv.ParseFloat(string(bytes.TrimSpace(t)), 64)
		if err != nil {
			return bad(err.Error())
		}
		vf, err := strconv.ParseFloat(string(bytes.TrimSpace(v)), 64)
		if err != nil {
			return bad(err.Error())
		}
		out = append(out, [2]float64{tf, vf})
		b = bytes.TrimSpace(b[end+1:])
		if len(b) > 0 {
			if b[0] != ',' {
				return bad("want , between points")
			}
			b = bytes.TrimSpace(b[1:])
			if len(b) == 0 {
				return bad("trailing ,")
			}
		}
	}
	*p = out
	return nil
}
