package job_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch"
	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
	"github.com/kinsta-report/kinsta-report/job"
	"github.com/kinsta-report/kinsta-report/plan"
	"github.com/kinsta-report/kinsta-report/report"
)

const testKey = "test-key-0123456789"

// wallClock is the fake wall clock of every test run: the report's
// generation time.
var wallClock = time.Date(2026, 11, 23, 6, 30, 0, 0, time.UTC)

func fixedClock() time.Time { return wallClock }

// loadConfig writes config as reports.yaml in a temporary folder and loads
// it.
func loadConfig(t *testing.T, config string) *report.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "reports.yaml")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := report.LoadConfig(path)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

// simSource is the simulated API, in-process, as the run's Source: the
// client waits no real time between retries.
func simSource(t *testing.T, cfg *report.Config, o kinstatest.Options) (*recording, *kinstatest.Server) {
	t.Helper()
	if o.APIKey == "" {
		o.APIKey = testKey
	}
	o.Now = fixedClock
	srv := kinstatest.New(o)
	client, err := job.NewAPIClient(cfg, testKey, "http://kinsta.test/v2", slog.New(slog.DiscardHandler),
		fetch.WithHTTPClient(srv.Client()),
		fetch.WithClock(fixedClock),
		fetch.WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
	if err != nil {
		t.Fatal(err)
	}
	return &recording{Source: job.NewAPISource(client, cfg.API.CompanyID)}, srv
}

// recording wraps a Source as a store would, and records what it was asked.
type recording struct {
	job.Source
	mu       sync.Mutex
	requests []plan.Request
	users    int
}

func (r *recording) Metric(ctx context.Context, q plan.Request) (*report.Metric, error) {
	r.mu.Lock()
	r.requests = append(r.requests, q)
	r.mu.Unlock()
	return r.Source.Metric(ctx, q)
}

func (r *recording) Users(ctx context.Context) ([]report.User, error) {
	r.mu.Lock()
	r.users++
	r.mu.Unlock()
	return r.Source.Users(ctx)
}

// run runs cfg in-process at now with src (nil: the API from env) and
// returns the result, what it printed and its output folder.
func run(t *testing.T, cfg *report.Config, src job.Source, now string, env map[string]string, edit ...func(*job.Options)) (job.Result, string, string) {
	t.Helper()
	at, err := time.Parse(time.RFC3339, now)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	o := job.Options{
		Now: at, Clock: fixedClock, Getenv: func(k string) string { return env[k] },
		OutDir: filepath.Join(t.TempDir(), "out"), Stderr: &stderr,
		Logger: slog.New(slog.NewTextHandler(&stderr, nil)),
	}
	if src != nil {
		o.Source = src
	}
	for _, e := range edit {
		e(&o)
	}
	res := job.Run(t.Context(), cfg, o)
	return res, stderr.String(), o.OutDir
}

// doc is the part of the JSON document the tests read.
type doc struct {
	GeneratedAt  string   `json:"generated_at"`
	Notes        []string `json:"notes"`
	UsersMissing string   `json:"users_missing"`
	Users        []any    `json:"users"`
	Alerts       []any    `json:"alerts"`
	Periods      []struct {
		Name            string
		IntervalSeconds int64 `json:"interval_seconds"`
		Apps            []struct {
			Name    string
			Metrics map[string]json.RawMessage
			Missing []struct{ Metric, Error string }
		}
	}
}

func readDoc(t *testing.T, path string) doc {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d doc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}
