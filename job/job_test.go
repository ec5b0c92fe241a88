package job_test

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
	"github.com/kinsta-report/kinsta-report/job"
	"github.com/kinsta-report/kinsta-report/plan"
	"github.com/kinsta-report/kinsta-report/report"
)

const utcDaily = `
timezone: UTC
api:
  max_retries: 1
reports:
  - name: utc-daily
    apps: [shop]
    periods: [{name: week, start: 2026-11-16, end: 2026-11-22}]
    interval: 1d
    metrics: [bandwidth, http_requests, response_time_p95, cpu_usage]
    users: true
    compare_previous: false
`

const monday = "2026-11-23T06:00:00Z"

func TestRunDeliversEveryArtifact(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, utcDaily)
	src, _ := simSource(t, cfg, kinstatest.Options{})
	res, stderr, out := run(t, cfg, src, monday, nil)
	if res.Status != job.OK || len(res.Reports) != 1 {
		t.Fatalf("result %+v, stderr:\n%s", res, stderr)
	}
	rr := res.Reports[0]
	base := filepath.Join(out, "utc-daily", "utc-daily_2026-11-23")
	want := []string{base + ".json", base + ".xlsx", base + ".html"}
	if !slices.Equal(rr.Files, want) || rr.Email != "" || !slices.Equal(rr.Windows, []string{"utc-daily/week/2026-11-16"}) {
		t.Errorf("report result %+v, want files %v and window utc-daily/week/2026-11-16", rr, want)
	}
	for _, f := range want {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
	d := readDoc(t, base+".json")
	if d.GeneratedAt != "2026-11-23T06:30:00Z" {
		t.Errorf("generated_at %q, want the run's clock", d.GeneratedAt)
	}
	if len(d.Users) == 0 || d.Periods[0].IntervalSeconds != 86400 {
		t.Errorf("users %d, interval %d", len(d.Users), d.Periods[0].IntervalSeconds)
	}
	if !strings.Contains(stderr, "utc-daily: wrote "+base+" {.json,.xlsx,.html}; 1 app, 1 period; api: ") {
		t.Errorf("no line says what was written:\n%s", stderr)
	}
}

// TestRunUTCDailyAsksForDays: a UTC daily report fetches 86400-second
// buckets from the API, not hours to fold.
func TestRunUTCDailyAsksForDays(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, utcDaily)
	src, _ := simSource(t, cfg, kinstatest.Options{})
	res, stderr, _ := run(t, cfg, src, monday, nil)
	if res.Status != job.OK {
		t.Fatalf("status %v, stderr:\n%s", res.Status, stderr)
	}
	if len(src.requests) != 4 {
		t.Fatalf("%d metric requests, want 4", len(src.requests))
	}
	for _, q := range src.requests {
		if q.Interval != 24*time.Hour || !q.Start.Equal(time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)) || !q.End.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("request %+v, want the week at interval_in_seconds=86400", q)
		}
	}
}

func TestRunPartialDeliversTheRest(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, utcDaily)
	src, _ := simSource(t, cfg, kinstatest.Options{FailMetric: &kinstatest.FailMetric{App: "shop", Metric: "cpu-usage"}})
	res, stderr, out := run(t, cfg, src, monday, nil)
	if res.Status != job.Partial || res.Reports[0].Status != job.Partial {
		t.Fatalf("status %v, want Partial; stderr:\n%s", res.Status, stderr)
	}
	d := readDoc(t, filepath.Join(out, "utc-daily", "utc-daily_2026-11-23.json"))
	a := d.Periods[0].Apps[0]
	if _, ok := a.Metrics["cpu_usage"]; ok || len(a.Missing) != 1 || a.Missing[0].Metric != "cpu_usage" || !strings.Contains(a.Missing[0].Error, "500") {
		t.Errorf("metrics %v, missing %+v: want cpu_usage missing with the API's 500", slices.Sorted(maps.Keys(a.Metrics)), a.Missing)
	}
	for _, k := range []string{"bandwidth", "http_requests", "response_time_p95"} {
		if _, ok := a.Metrics[k]; !ok {
			t.Errorf("%s is absent although it was served", k)
		}
	}
	if !strings.Contains(stderr, "utc-daily: delivered with missing data: 1 metric of 1 app in week") || !strings.Contains(stderr, "metric=cpu_usage") {
		t.Errorf("stderr does not say what is missing:\n%s", stderr)
	}
}

func TestRunRosterNotFetchedIsPartial(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, utcDaily)
	src, _ := simSource(t, cfg, kinstatest.Options{FailUsers: true})
	res, stderr, out := run(t, cfg, src, monday, nil)
	if res.Status != job.Partial || !strings.Contains(stderr, "the user roster") {
		t.Fatalf("status %v, stderr:\n%s", res.Status, stderr)
	}
	d := readDoc(t, filepath.Join(out, "utc-daily", "utc-daily_2026-11-23.json"))
	if len(d.Users) != 0 || !strings.Contains(d.UsersMissing, "500") {
		t.Errorf("users %v, users_missing %q", d.Users, d.UsersMissing)
	}
}

func TestRunFetchesTheRosterOnce(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, strings.Replace(utcDaily, "reports:\n", "reports:\n  - name: second\n    apps: [shop]\n    periods: [yesterday]\n    metrics: [bandwidth]\n    users: true\n", 1))
	src, _ := simSource(t, cfg, kinstatest.Options{})
	res, stderr, _ := run(t, cfg, src, monday, nil)
	if res.Status != job.OK || len(res.Reports) != 2 {
		t.Fatalf("result %+v, stderr:\n%s", res, stderr)
	}
	if src.users != 1 {
		t.Errorf("the roster was fetched %d times for two reports, want once", src.users)
	}
}

func TestRunUnmatchedAppIsAConfigErrorBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, "reports:\n  - name: first\n    periods: [yesterday]\n  - name: second\n    apps: [shop, shpo]\n    periods: [yesterday]\n")
	src, srv := simSource(t, cfg, kinstatest.Options{})
	res, stderr, out := run(t, cfg, src, monday, nil)
	if res.Status != job.ConfigError || len(res.Reports) != 0 {
		t.Fatalf("result %+v, want a config error; stderr:\n%s", res, stderr)
	}
	if !strings.Contains(stderr, "reports.yaml:5: reports[1].apps[1]: no application matches \"shpo\"") {
		t.Errorf("stderr does not name the file, line and entry:\n%s", stderr)
	}
	// validate, the app list's one page and the empty page that ends it.
	if n := srv.Requests(); n > 3 || len(src.requests) != 0 {
		t.Errorf("%d requests (%d metric requests) before the config error, want validate and the app list only", n, len(src.requests))
	}
	if entries, _ := os.ReadDir(out); len(entries) > 0 {
		t.Errorf("the first report was written before the second's config error: %v", entries)
	}
}

const alerts = `
timezone: Europe/Berlin
smtp: {host: 127.0.0.1, port: 2525, tls: none, from: "Kinsta Reports <reports@example.com>"}
reports:
  - name: alerts
    apps: [shop, docs-site]
    periods: [previous_week]
    users: false
    send: on_alert
    thresholds:
      - metric: response_time_p95
        above: 800ms
        apps: [shop]
      - metric: cpu_usage
        above: 99.5%
    email:
      to: [ops@example.com]
`

func TestRunSendOnAlert(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, config string
		email        string
		eml          bool
		line         string
	}{
		{"a crossing sends", alerts, "eml", true, "alerts: wrote "},
		{"nothing crossed sends nothing", strings.Replace(alerts, "above: 800ms", "above: 80s", 1), "skipped", false, "; no email (send: on_alert and nothing crossed a threshold)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := loadConfig(t, tc.config)
			src, _ := simSource(t, cfg, kinstatest.Options{})
			res, stderr, out := run(t, cfg, src, "2026-11-23T07:00:00+01:00", nil, func(o *job.Options) { o.DryRun = true })
			if res.Status != job.OK {
				t.Fatalf("status %v, stderr:\n%s", res.Status, stderr)
			}
			rr := res.Reports[0]
			if rr.Email != tc.email {
				t.Errorf("email %q, want %q", rr.Email, tc.email)
			}
			_, err := os.Stat(filepath.Join(out, "alerts", "alerts_2026-11-23.eml"))
			if (err == nil) != tc.eml {
				t.Errorf(".eml written: %v, want %v", err == nil, tc.eml)
			}
			if tc.eml && rr.Alerts != 1 || !tc.eml && rr.Alerts != 0 {
				t.Errorf("%d alerts", rr.Alerts)
			}
			if !strings.Contains(stderr, tc.line) {
				t.Errorf("stderr lacks %q:\n%s", tc.line, stderr)
			}
		})
	}
}

func TestRunWithoutKeyIsAConfigError(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, utcDaily)
	res, stderr, out := run(t, cfg, nil, monday, map[string]string{"KINSTA_API_URL": "127.0.0.1:8089/v2?token=SECRET"})
	if res.Status != job.ConfigError || !strings.Contains(stderr, "KINSTA_API_KEY is not set") || !strings.Contains(stderr, "KINSTA_API_URL is not a usable base URL") {
		t.Errorf("status %v, stderr:\n%s", res.Status, stderr)
	}
	if strings.Contains(stderr, "SECRET") {
		t.Errorf("the URL's query reached stderr:\n%s", stderr)
	}
	if entries, _ := os.ReadDir(out); len(entries) > 0 {
		t.Errorf("a config error wrote %v", entries)
	}
}

func TestRunBadKeyFailsInOneLineWithoutIt(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, utcDaily)
	src, _ := simSource(t, cfg, kinstatest.Options{APIKey: "the-right-key"})
	res, stderr, _ := run(t, cfg, src, monday, nil, func(o *job.Options) { o.Logger = nil })
	if res.Status != job.Failed {
		t.Fatalf("status %v, stderr:\n%s", res.Status, stderr)
	}
	if lines := strings.Split(strings.TrimSpace(stderr), "\n"); len(lines) != 1 || !strings.Contains(stderr, "check KINSTA_API_KEY") || strings.Contains(stderr, testKey) {
		t.Errorf("want one line naming KINSTA_API_KEY and not its value:\n%s", stderr)
	}
}

func TestRunCancelledWritesNothing(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, utcDaily)
	src, _ := simSource(t, cfg, kinstatest.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	// Cancel once the run has the app list: during the first metric.
	cancelling := &cancelOnMetric{recording: src, cancel: cancel}
	var stderr strings.Builder
	out := filepath.Join(t.TempDir(), "out")
	res := job.Run(ctx, cfg, job.Options{Now: time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC), Clock: fixedClock,
		Getenv: func(string) string { return "" }, OutDir: out, Source: cancelling, Stderr: &stderr})
	if res.Status != job.Failed || !strings.Contains(stderr.String(), "report: cancelled") {
		t.Errorf("status %v, stderr:\n%s", res.Status, stderr.String())
	}
	filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("a cancelled run left %s", path)
		}
		return nil
	})
}

type cancelOnMetric struct {
	*recording
	cancel context.CancelFunc
}

func (c *cancelOnMetric) Metric(ctx context.Context, q plan.Request) (*report.Metric, error) {
	c.cancel()
	return c.recording.Metric(ctx, q)
}

// A threshold whose metric could not be fetched was not checked, and the
// report says so: otherwise a missing metric reads as "nothing crossed".
func TestRunThresholdOnMissingMetricIsNoted(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, strings.Replace(alerts, "    send: on_alert\n", "", 1))
	src, _ := simSource(t, cfg, kinstatest.Options{FailMetric: &kinstatest.FailMetric{App: "shop", Metric: "response-time"}})
	res, stderr, out := run(t, cfg, src, "2026-11-23T07:00:00+01:00", nil, func(o *job.Options) { o.DryRun = true })
	if res.Status != job.Partial {
		t.Fatalf("status %v, want Partial; stderr:\n%s", res.Status, stderr)
	}
	d := readDoc(t, filepath.Join(out, "alerts", "alerts_2026-11-23.json"))
	want := "Threshold 1 (response_time_p95 above 800ms) was not checked for Shop in previous_week: the metric could not be fetched."
	if len(d.Alerts) != 0 || !slices.Contains(d.Notes, want) {
		t.Errorf("alerts %v, notes %q: want no alert and the note %q", d.Alerts, d.Notes, want)
	}
}

// A threshold naming an app the company does not have (any more) in a
// report of apps: all is never checked for it: the report says so. (With
// the apps listed it is a config error: TestRunThresholdAppNotInAListedReportIsAConfigError.)
func TestRunThresholdOnAnAppNotInTheReportIsNoted(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, strings.Replace(strings.Replace(alerts, "apps: [shop, docs-site]", "apps: all", 1), "apps: [shop]", "apps: [retired-app]", 1))
	src, _ := simSource(t, cfg, kinstatest.Options{})
	res, stderr, out := run(t, cfg, src, "2026-11-23T07:00:00+01:00", nil, func(o *job.Options) { o.DryRun = true })
	if res.Status != job.OK {
		t.Fatalf("status %v; stderr:\n%s", res.Status, stderr)
	}
	d := readDoc(t, filepath.Join(out, "alerts", "alerts_2026-11-23.json"))
	want := `Threshold 1 (response_time_p95) names app "retired-app", which is not in this report: it is never checked for that app.`
	if !slices.Contains(d.Notes, want) || !strings.Contains(stderr, "threshold names an app that is not in the report") {
		t.Errorf("notes %q, stderr:\n%s", d.Notes, stderr)
	}
}

func TestRunWithoutClockFailsWithoutPanicking(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, utcDaily)
	var stderr strings.Builder
	res := job.Run(t.Context(), cfg, job.Options{Getenv: func(string) string { return "" }, OutDir: t.TempDir(), Stderr: &stderr})
	if res.Status != job.Failed || !strings.Contains(stderr.String(), "Clock") {
		t.Errorf("status %v, stderr %q", res.Status, stderr.String())
	}
}

// failing serves the company and apps but no metric: a run that fetches
// nothing writes no empty report.
type failing struct{ *recording }

func (f failing) Metric(context.Context, plan.Request) (*report.Metric, error) {
	return nil, errors.New("kinsta: 503 Service Unavailable")
}

func TestRunNothingFetchedFailsAndWritesNothing(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, utcDaily)
	src, _ := simSource(t, cfg, kinstatest.Options{})
	res, stderr, out := run(t, cfg, failing{src}, monday, nil)
	if res.Status != job.Failed || !strings.Contains(stderr, "report utc-daily: nothing could be fetched (4 requests failed): fetch metrics: kinsta: 503") {
		t.Errorf("status %v, stderr:\n%s", res.Status, stderr)
	}
	if entries, _ := os.ReadDir(filepath.Join(out, "utc-daily")); len(entries) > 0 {
		t.Errorf("a run that fetched nothing wrote %v", entries)
	}
}
