package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
)

// binary is the report command, built once for every test that runs it as
// a user would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "report-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "report")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build report:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// sim starts the simulated Kinsta API on loopback under /v2.
func sim(t *testing.T, o kinstatest.Options) string {
	t.Helper()
	if o.APIKey == "" {
		o.APIKey = "test-key-0123456789"
	}
	mux := http.NewServeMux()
	mux.Handle("/v2/", http.StripPrefix("/v2", kinstatest.New(o)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/v2"
}

// repoConfig is the repository's reports.yaml: the documented example
// that -demo runs.
func repoConfig(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "reports.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type result struct {
	code   int
	stderr string
	out    string
}

// runReport runs the binary with a config and environment; the environment
// is only what is given (plus PATH and HOME), as on a cron host.
func runReport(t *testing.T, config string, env map[string]string, args ...string) result {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "reports.yaml")
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	return runBinary(t, "", dir, env, append([]string{"-config", cfg, "-out", out}, args...)...).withOut(out)
}

// runBinary runs the binary with args in the folder cwd (the test's own
// when ""), with HOME=home and only env besides PATH, as on a cron host.
func runBinary(t *testing.T, cwd, home string, env map[string]string, args ...string) result {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), binary, args...)
	cmd.Dir = cwd
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code: code, stderr: stderr.String()}
}

func (r result) withOut(out string) result { r.out = out; return r }

// doc is the part of the JSON document the tests read.
type doc struct {
	Schema   string `json:"schema"`
	Timezone string `json:"timezone"`
	Periods  []struct {
		Name            string `json:"name"`
		Start, End      string
		IntervalSeconds int64 `json:"interval_seconds"`
		Apps            []struct {
			ID      string                     `json:"id"`
			Name    string                     `json:"name"`
			Metrics map[string]json.RawMessage `json:"metrics"`
			Missing []struct{ Metric, Error string }
		} `json:"apps"`
	} `json:"periods"`
	Users []struct {
		FullName string `json:"full_name"`
	} `json:"users"`
	API struct {
		Requests int `json:"requests"`
	} `json:"api"`
}

type series struct {
	Unit    string   `json:"unit"`
	Total   *float64 `json:"total"`
	Average *float64 `json:"average"`
	Peak    *float64 `json:"peak"`
	Points  []struct {
		Time  string  `json:"time"`
		Value float64 `json:"value"`
	} `json:"points"`
}

func readDoc(t *testing.T, out, report, date string) doc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, report, report+"_"+date+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var d doc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func metric(t *testing.T, raw json.RawMessage) series {
	t.Helper()
	var s series
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

const utcDaily = `
timezone: UTC
reports:
  - name: utc-daily
    apps: [shop]
    periods: [{name: week, start: 2026-11-16, end: 2026-11-22}]
    interval: 1d
    metrics: [bandwidth, http_requests, response_time_p95, cpu_usage]
    users: true
    compare_previous: false
`

func TestRunBadConfigExits2WithFieldPath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, config, want string
	}{
		{"unknown key", "reports:\n  - name: a\n    periodz: [yesterday]\n", "periodz"},
		{"unknown period", "reports:\n  - name: a\n    periods: [last_quater]\n", "reports[0].periods[0]"},
		{"unsafe name", "reports:\n  - name: ../etc\n    periods: [yesterday]\n", "reports[0].name"},
		{"unknown zone", "timezone: Mars/Olympus\nreports:\n  - name: a\n    periods: [yesterday]\n", "timezone"},
		{"email without smtp", "reports:\n  - name: a\n    periods: [yesterday]\n    email: {to: [ops@example.com]}\n", "smtp"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := runReport(t, tc.config, map[string]string{"KINSTA_API_KEY": "k"}, "-now", "2026-11-23T06:00:00Z")
			if res.code != 2 {
				t.Fatalf("exit %d, want 2; stderr:\n%s", res.code, res.stderr)
			}
			if !strings.Contains(res.stderr, "reports.yaml:") || !strings.Contains(res.stderr, tc.want) {
				t.Errorf("stderr does not name the file, line and %q:\n%s", tc.want, res.stderr)
			}
			if entries, _ := os.ReadDir(res.out); len(entries) > 0 {
				t.Errorf("a config error wrote artifacts: %v", entries)
			}
		})
	}
}

func TestRunBadKeyExits1WithoutPrintingIt(t *testing.T) {
	t.Parallel()
	url := sim(t, kinstatest.Options{APIKey: "the-right-key"})
	const secret = "wrong-key-s3cr3t-value"
	res := runReport(t, utcDaily, map[string]string{"KINSTA_API_KEY": secret, "KINSTA_API_URL": url}, "-now", "2026-11-23T06:00:00Z")
	if res.code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "KINSTA_API_KEY") {
		t.Errorf("the message does not name KINSTA_API_KEY:\n%s", res.stderr)
	}
	if strings.Contains(res.stderr, secret) {
		t.Errorf("the key's value reached stderr:\n%s", res.stderr)
	}
	if lines := strings.Split(strings.TrimSpace(res.stderr), "\n"); len(lines) != 1 {
		t.Errorf("want one clear line, got %d:\n%s", len(lines), res.stderr)
	}
	if entries, _ := os.ReadDir(res.out); len(entries) > 0 {
		t.Errorf("a failed run left artifacts: %v", entries)
	}
}

func TestRunNoKeyExits2(t *testing.T) {
	t.Parallel()
	res := runReport(t, utcDaily, nil, "-now", "2026-11-23T06:00:00Z")
	if res.code != 2 || !strings.Contains(res.stderr, "KINSTA_API_KEY") {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
}

func TestRunFailingMetricExits3WithMissing(t *testing.T) {
	t.Parallel()
	url := sim(t, kinstatest.Options{FailMetric: &kinstatest.FailMetric{App: "shop", Metric: "cpu-usage"}})
	cfg := strings.Replace(utcDaily, "timezone: UTC\n", "timezone: UTC\napi:\n  max_retries: 1\n", 1)
	res := runReport(t, cfg, map[string]string{"KINSTA_API_KEY": "test-key-0123456789", "KINSTA_API_URL": url}, "-now", "2026-11-23T06:00:00Z")
	if res.code != 3 {
		t.Fatalf("exit %d, want 3; stderr:\n%s", res.code, res.stderr)
	}
	d := readDoc(t, res.out, "utc-daily", "2026-11-23")
	a := d.Periods[0].Apps[0]
	if _, ok := a.Metrics["cpu_usage"]; ok {
		t.Error("the failed metric is in metrics")
	}
	if len(a.Missing) != 1 || a.Missing[0].Metric != "cpu_usage" || !strings.Contains(a.Missing[0].Error, "500") {
		t.Errorf("missing = %+v", a.Missing)
	}
	for _, k := range []string{"bandwidth", "http_requests", "response_time_p95"} {
		if _, ok := a.Metrics[k]; !ok {
			t.Errorf("%s is absent although it was served", k)
		}
	}
}

func TestRunDemo(t *testing.T) {
	t.Parallel()
	cfg := repoConfig(t)
	res := runReport(t, cfg, nil, "-demo", "-now", "2026-11-23T06:00:00Z")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	entries, err := os.ReadDir(res.out)
	if err != nil || len(entries) == 0 {
		t.Fatalf("demo wrote nothing: %v", err)
	}
	for _, e := range entries {
		if e.Name() == "state" {
			continue // -demo keeps its history under -out
		}
		files, _ := os.ReadDir(filepath.Join(res.out, e.Name()))
		exts := map[string]bool{}
		for _, f := range files {
			exts[filepath.Ext(f.Name())] = true
		}
		for _, ext := range []string{".json", ".xlsx", ".html"} {
			if !exts[ext] {
				t.Errorf("report %s: no %s artifact (have %v)", e.Name(), ext, files)
			}
		}
	}
}

// TestRunDemoTwiceServesFromState: -demo keeps its history in <out>/state,
// so the second run with the same -out says what the history saved.
func TestRunDemoTwiceServesFromState(t *testing.T) {
	t.Parallel()
	cfg := repoConfig(t)
	out := filepath.Join(t.TempDir(), "out")
	first := runReport(t, cfg, nil, "-demo", "-now", "2026-11-23T06:00:00Z", "-out", out)
	second := runReport(t, cfg, nil, "-demo", "-now", "2026-11-23T06:00:00Z", "-out", out)
	if first.code != 0 || second.code != 0 {
		t.Fatalf("exit %d and %d, stderr:\n%s\n%s", first.code, second.code, first.stderr, second.stderr)
	}
	// The line names the state folder: <out>/state, here an absolute path
	// outside the working directory.
	re := regexp.MustCompile(`history: (\d+) metric requests served from ` + regexp.QuoteMeta(filepath.Join(out, "state")+"/") + `, (\d+) fetched`)
	m1, m2 := re.FindStringSubmatch(first.stderr), re.FindStringSubmatch(second.stderr)
	if m1 == nil || m2 == nil {
		t.Fatalf("no history line:\n%s\n%s", first.stderr, second.stderr)
	}
	t.Logf("first run: %s; second run: %s", m1[0], m2[0])
	n := func(s string) int { v, _ := strconv.Atoi(s); return v }
	// The first run serves only what one report fetched for another; the
	// second asks only for days still open at -now (daily-shop's New York
	// yesterday ends in a UTC day that has not ended).
	if n(m2[1]) <= n(m1[1]) || n(m2[2])*10 > n(m1[2]) {
		t.Errorf("first run %q, second run %q: want the second to serve more and fetch a tenth or less", m1[0], m2[0])
	}
	if _, err := os.Stat(filepath.Join(out, "state", "history")); err != nil {
		t.Errorf("no history under -out: %v", err)
	}
}

func TestRunSignalCancelsCleanly(t *testing.T) {
	t.Parallel()
	srv := kinstatest.New(kinstatest.Options{APIKey: "k", Latency: 5 * time.Second})
	mux := http.NewServeMux()
	mux.Handle("/v2/", http.StripPrefix("/v2", srv))
	hs := httptest.NewServer(mux)
	defer hs.Close()

	dir := t.TempDir()
	cfg := filepath.Join(dir, "reports.yaml")
	if err := os.WriteFile(cfg, []byte(utcDaily), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	cmd := exec.CommandContext(t.Context(), binary, "-config", cfg, "-out", out, "-now", "2026-11-23T06:00:00Z")
	cmd.Env = []string{"KINSTA_API_KEY=k", "KINSTA_API_URL=" + hs.URL + "/v2", "HOME=" + dir}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Interrupt once the run is waiting on its first requests; a process
	// that exits first, or never asks, fails the test instead of hanging it.
	giveUp := time.NewTimer(time.Minute)
	defer giveUp.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for srv.Requests() == 0 {
		select {
		case err := <-exited:
			t.Fatalf("the process exited (%v) before its first request; stderr:\n%s", err, stderr.String())
		case <-giveUp.C:
			cmd.Process.Kill()
			<-exited
			t.Fatalf("no request reached the simulated API within a minute; stderr:\n%s", stderr.String())
		case <-tick.C:
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := <-exited
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1; stderr:\n%s", err, stderr.String())
	}
	// Nothing half-written: no artifact and no temporary file.
	filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("a cancelled run left %s", path)
		}
		return nil
	})
}

func TestRunCheckNeedsNoKeyAndNoNetwork(t *testing.T) {
	t.Parallel()
	cfg := repoConfig(t)
	res := runReport(t, cfg, map[string]string{"KINSTA_API_URL": "http://127.0.0.1:1/v2"}, "-check")
	if res.code != 0 || !strings.Contains(res.stderr, "ok") {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	res = runReport(t, cfg, nil, "-check", "-report", "no-such-report")
	if res.code != 2 || !strings.Contains(res.stderr, "no-such-report") {
		t.Fatalf("-report with an unknown name: exit %d, stderr:\n%s", res.code, res.stderr)
	}
}

func TestRunUnmatchedAppExits2NamingIt(t *testing.T) {
	t.Parallel()
	url := sim(t, kinstatest.Options{})
	cfg := strings.Replace(utcDaily, "apps: [shop]", "apps: [shop, shpo]", 1)
	res := runReport(t, cfg, map[string]string{"KINSTA_API_KEY": "test-key-0123456789", "KINSTA_API_URL": url}, "-now", "2026-11-23T06:00:00Z")
	if res.code != 2 || !strings.Contains(res.stderr, `"shpo"`) || !strings.Contains(res.stderr, "apps[1]") {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
}

func TestRunAtTheFirstInstantOfTheMonth(t *testing.T) {
	t.Parallel()
	url := sim(t, kinstatest.Options{})
	cfg := "timezone: Europe/Berlin\nreports:\n  - name: mtd\n    apps: [shop]\n    periods: [month_to_date, yesterday]\n    users: false\n"
	res := runReport(t, cfg, map[string]string{"KINSTA_API_KEY": "test-key-0123456789", "KINSTA_API_URL": url}, "-now", "2026-11-01T00:00:00+01:00")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0 (an empty period is not missing data); stderr:\n%s", res.code, res.stderr)
	}
	d := readDoc(t, res.out, "mtd", "2026-11-01")
	mtd := d.Periods[0].Apps[0]
	if len(mtd.Missing) != 0 {
		t.Errorf("month_to_date lists missing metrics: %+v", mtd.Missing)
	}
	if bw := metric(t, mtd.Metrics["bandwidth"]); len(bw.Points) != 0 || bw.Total != nil {
		t.Errorf("month_to_date bandwidth = %+v, want no points and a null total", bw)
	}
	if y := metric(t, d.Periods[1].Apps[0].Metrics["bandwidth"]); len(y.Points) != 24 {
		t.Errorf("yesterday has %d hourly points, want 24", len(y.Points))
	}
}
