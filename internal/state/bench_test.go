package state

import (
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// The benchmark's history: benchApps apps × every series metric (six series,
// cpu_usage and memory_usage with two processes each) × benchDays days of
// hourly points, written one batch per day as daily runs would.
// STATE_BENCH_APPS and STATE_BENCH_DAYS shrink it for a quick look.
var (
	benchApps  = envInt("STATE_BENCH_APPS", 200)
	benchDays  = envInt("STATE_BENCH_DAYS", 365)
	benchStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

var benchSeries = []report.MetricKey{report.Bandwidth, report.BuildTime, report.HTTPRequests,
	report.ResponseTimeAvg, report.ResponseTimeP50, report.ResponseTimeP95}

func benchAppID(i int) string {
	return fmt.Sprintf("%08x-576c-4fdc-ba4f-b596c83f15a1", 0x54fb0000+i)
}

// benchValue is a plausible value of metric at one hour: byte counts are
// whole numbers, times and percentages have two decimals, build time is
// mostly zero. Drawn at random, so it compresses worse than real traffic.
func benchValue(r *rand.Rand, m report.MetricKey) float64 {
	round2 := func(v float64) float64 { return math.Round(v*100) / 100 }
	switch m {
	case report.Bandwidth:
		return math.Round(r.Float64() * 5e8)
	case report.BuildTime:
		if r.IntN(24) == 0 {
			return float64(30 + r.IntN(300))
		}
		return 0
	case report.HTTPRequests:
		return round2(r.Float64() * 300)
	case report.ResponseTimeAvg, report.ResponseTimeP50:
		return round2(50 + r.Float64()*400)
	case report.ResponseTimeP95:
		return round2(200 + r.Float64()*2000)
	case report.CPUUsage:
		return round2(r.Float64() * 100)
	case report.MemoryUsage:
		return math.Round(1e8 + r.Float64()*4e8)
	}
	return 0
}

func benchPoints(r *rand.Rand, m report.MetricKey, d time.Time) []report.Point {
	ps := make([]report.Point, 24)
	for h := range ps {
		ps[h] = report.Point{Time: d.Add(time.Duration(h) * time.Hour), Value: benchValue(r, m)}
	}
	return ps
}

// writeBenchHistory writes the benchmark's history into dir, one batch (one
// run) per day, each committed an hour after its day closed.
func writeBenchHistory(tb testing.TB, dir string) {
	s, err := Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for di := range benchDays {
		d := benchStart.AddDate(0, 0, di)
		b := s.Begin(d.Add(25 * time.Hour))
		for a := range benchApps {
			app := benchAppID(a)
			for _, m := range benchSeries {
				if err := b.PutSeries(app, m, time.Hour, d, benchPoints(r, m, d)); err != nil {
					tb.Fatal(err)
				}
			}
			for _, m := range []report.MetricKey{report.CPUUsage, report.MemoryUsage} {
				procs := []report.Process{
					{Name: "web", Limit: 1, Points: benchPoints(r, m, d)},
					{Name: "worker", Limit: 2, Points: benchPoints(r, m, d)},
				}
				if err := b.PutProcesses(app, m, time.Hour, d, procs); err != nil {
					tb.Fatal(err)
				}
			}
		}
		if err := b.Commit(); err != nil {
			tb.Fatal(err)
		}
	}
}

// cpuTime is the CPU time (user and system) the process used so far: on a
// shared machine it says what a read costs better than the wall clock.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func diskUsage(tb testing.TB, dir string) (bytes int64, files int) {
	err := filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		bytes += fi.Size()
		files++
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return bytes, files
}

// BenchmarkWriteYear writes the whole history (one batch per day) and
// reports its size on disk and the size per app-year.
func BenchmarkWriteYear(b *testing.B) {
	for b.Loop() {
		dir := b.TempDir()
		cpu := cpuTime(b)
		writeBenchHistory(b, dir)
		b.StopTimer()
		b.ReportMetric(float64(cpuTime(b)-cpu)/1e6, "cpu-ms")
		size, files := diskUsage(b, dir)
		b.ReportMetric(float64(size), "bytes")
		b.ReportMetric(float64(files), "files")
		b.ReportMetric(float64(size)/float64(benchApps)*365/float64(benchDays), "bytes/app-year")
		b.StartTimer()
	}
}

var (
	benchOnce sync.Once
	benchDir  string
)

func benchHistory(b *testing.B) string {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "state-bench-")
		if err != nil {
			b.Fatal(err)
		}
		writeBenchHistory(b, dir)
		benchDir = dir
	})
	if benchDir == "" {
		b.Fatal("no benchmark history")
	}
	return benchDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		_ = os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// BenchmarkRead30DaysAllApps reads the last 30 days of every app and metric,
// as a monthly report over all apps would.
func BenchmarkRead30DaysAllApps(b *testing.B) {
	dir := benchHistory(b)
	end := benchStart.AddDate(0, 0, benchDays)
	q := Query{Interval: time.Hour, From: end.AddDate(0, 0, -30), To: end}
	b.ResetTimer()
	cpu := cpuTime(b)
	for b.Loop() {
		s, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		days, err := s.Read(q)
		if err != nil {
			b.Fatal(err)
		}
		if want := benchApps * 8 * min(30, benchDays); len(days) != want {
			b.Fatalf("read %d days, want %d", len(days), want)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-cpu)/1e6/float64(b.N), "cpu-ms/op")
}

// BenchmarkRead365DaysOneApp reads a whole year of one app's metrics.
func BenchmarkRead365DaysOneApp(b *testing.B) {
	dir := benchHistory(b)
	q := Query{Apps: []string{benchAppID(benchApps / 2)}, Interval: time.Hour, From: benchStart, To: benchStart.AddDate(0, 0, benchDays)}
	b.ResetTimer()
	cpu := cpuTime(b)
	for b.Loop() {
		s, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		days, err := s.Read(q)
		if err != nil {
			b.Fatal(err)
		}
		if want := 8 * benchDays; len(days) != want {
			b.Fatalf("read %d days, want %d", len(days), want)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-cpu)/1e6/float64(b.N), "cpu-ms/op")
}
