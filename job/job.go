// Package job is one run of the reports: for each report, gather its data
// over a Source, assemble the model (report.Build), and emit it (render,
// write the artifacts, decide and deliver the email). It takes its clock,
// environment, output folder, logger and Source as Options, so a test runs
// it in-process (docs/ARCHITECTURE.md).
package job

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// Options are what a run takes from its surroundings.
type Options struct {
	// Now is the instant periods are resolved against (-now, else the clock).
	Now time.Time
	// Clock is the wall clock: the report's generation time and the run's
	// durations. Required.
	Clock func() time.Time
	// Getenv reads the environment (KINSTA_API_KEY, KINSTA_API_URL, the SMTP
	// password). Required.
	Getenv func(string) string
	// OutDir is the artifact folder; each report writes into OutDir/<name>.
	OutDir string
	// Reports names the reports to run; empty runs every report.
	Reports []string
	// DryRun writes the email as a .eml file instead of sending it.
	DryRun bool
	// Verbose prints a progress line per app however fast the run.
	Verbose bool
	// Source serves the data. Nil: the Kinsta API, with the key and base
	// URL from Getenv (KINSTA_API_KEY is then required).
	Source Source
	// Logger receives warnings and debug lines; nil discards them.
	Logger *slog.Logger
	// Stderr receives the run's lines for people: config errors, one line
	// per report written, what is missing. Nil discards them.
	Stderr io.Writer
}

// Status is the outcome of a run or of one report, ordered from best to
// worst: a run's status is its worst report's.
type Status int

const (
	// OK: every report delivered whole.
	OK Status = iota
	// Partial: delivered, with missing data the report marks.
	Partial
	// ConfigError: a usage or config problem; nothing fetched, nothing written.
	ConfigError
	// Failed: a report (or the run) could not be delivered.
	Failed
)

// String is "ok", "partial", "config error" or "failed".
func (s Status) String() string {
	switch s {
	case OK:
		return "ok"
	case Partial:
		return "partial"
	case ConfigError:
		return "config error"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Result is what a run did.
type Result struct {
	Status Status
	// Reports are the reports that ran, in config order.
	Reports []ReportResult
}

// ReportResult is what one report did.
type ReportResult struct {
	Name   string
	Status Status
	// Windows are the keys of the report's windows (plan.Window.Key).
	Windows []string
	// Files are the artifacts written (the .eml of a dry run included).
	Files []string
	// Email is what became of the email: "" (the report has none), "sent",
	// "eml" (written on a dry run) or "skipped" (send: on_alert, nothing
	// crossed).
	Email string
	// Alerts is the number of threshold crossings.
	Alerts int
}

// usageError is a config or usage problem: ConfigError, nothing fetched.
type usageError struct{ lines []string }

func (e *usageError) Error() string { return strings.Join(e.lines, "\n") }

// Run runs the selected reports of cfg, one after the other.
func Run(ctx context.Context, cfg *report.Config, o Options) Result {
	r := &run{cfg: cfg, o: o, log: o.Logger, stderr: o.Stderr}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.stderr == nil {
		r.stderr = io.Discard
	}
	if o.Clock == nil || o.Getenv == nil {
		fmt.Fprintln(r.stderr, "report: job options need a Clock and a Getenv")
		return Result{Status: Failed}
	}
	return r.all(ctx)
}

// run is one run: the options and what reports share (the source, the app
// list, the roster).
type run struct {
	cfg    *report.Config
	o      Options
	log    *slog.Logger
	stderr io.Writer

	src     Source
	company string
	apps    []report.App
	roster  roster
}

func (r *run) all(ctx context.Context) Result {
	selected, err := r.cfg.Select(r.o.Reports)
	if err != nil {
		r.printLines(err)
		return Result{Status: ConfigError}
	}
	if err := r.preflight(selected); err != nil {
		r.printLines(err)
		return Result{Status: ConfigError}
	}
	if err := r.connect(ctx); err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			r.printLines(err)
			return Result{Status: ConfigError}
		}
		fmt.Fprintln(r.stderr, "report:", oneLine(err))
		return Result{Status: Failed}
	}

	// Every report's apps are resolved before the first metric is fetched:
	// an entry that matches nothing is a config error, and must not surface
	// after earlier reports were already written and sent.
	apps := make(map[string][]report.App, len(selected))
	var problems []string
	for _, rc := range selected {
		a, err := r.selectApps(rc)
		var ue *usageError
		switch {
		case errors.As(err, &ue):
			problems = append(problems, ue.lines...)
		case err != nil:
			fmt.Fprintf(r.stderr, "report %s: %s\n", rc.Name, oneLine(err))
			return Result{Status: Failed}
		default:
			problems = append(problems, r.checkThresholdApps(rc, a)...)
		}
		apps[rc.Name] = a
	}
	if len(problems) > 0 {
		r.printLines(&usageError{lines: problems})
		return Result{Status: ConfigError}
	}

	var res Result
	for _, rc := range selected {
		rr := r.report(ctx, rc, apps[rc.Name])
		res.Reports = append(res.Reports, rr)
		res.Status = max(res.Status, rr.Status)
		if ctx.Err() != nil {
			fmt.Fprintln(r.stderr, "report: cancelled; artifacts already written are whole, nothing half-written remains")
			res.Status = Failed
			return res
		}
	}
	return res
}

// preflight checks what a real run needs before any request: the API key
// (when the run talks to the API) and, for reports that will send, the
// SMTP password.
func (r *run) preflight(selected []report.ReportConfig) error {
	var lines []string
	if r.o.Source == nil {
		if r.o.Getenv("KINSTA_API_KEY") == "" {
			lines = append(lines, "KINSTA_API_KEY is not set: create an API key in MyKinsta (Company settings > API Keys) and export it, or run with -demo")
		}
		if u := r.o.Getenv("KINSTA_API_URL"); u != "" {
			if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil || p.RawQuery != "" {
				lines = append(lines, "KINSTA_API_URL is not a usable base URL (want e.g. https://api.sevalla.com/v2, with no user info or query)")
			}
		}
	}
	if err := os.MkdirAll(r.o.OutDir, 0o755); err != nil {
		lines = append(lines, fmt.Sprintf("-out %s: %v", r.o.OutDir, errors.Unwrap(err)))
	}
	if !r.o.DryRun {
		for _, rc := range selected {
			if rc.Email == nil {
				continue
			}
			if _, err := r.cfg.SMTPPassword(r.o.Getenv); err != nil {
				lines = append(lines, fmt.Sprintf("%s: %v", r.cfg.File, err))
			}
			break
		}
	}
	if len(lines) > 0 {
		return &usageError{lines: lines}
	}
	return nil
}

// connect builds the API source unless one was given, and lists the
// company's applications.
func (r *run) connect(ctx context.Context) error {
	r.src = r.o.Source
	if r.src == nil {
		base := r.cfg.API.BaseURL
		if u := r.o.Getenv("KINSTA_API_URL"); u != "" {
			base = u
		}
		client, err := NewAPIClient(r.cfg, r.o.Getenv("KINSTA_API_KEY"), base, r.log)
		if err != nil {
			return err
		}
		r.log.Debug("api client", "base_url", base)
		r.src = NewAPISource(client, r.cfg.API.CompanyID)
	}
	company, err := r.src.Company(ctx)
	if err != nil {
		return err
	}
	apps, err := r.src.Applications(ctx)
	if err != nil {
		return err
	}
	r.company, r.apps = company, apps
	r.log.Debug("connected", "company", company, "apps", len(apps))
	return nil
}

// printLines prints an error one problem per line (config errors come
// joined, each as FILE:LINE: field.path: message).
func (r *run) printLines(err error) { PrintLines(r.stderr, err) }

// PrintLines prints err one line per problem, as config errors come joined.
func PrintLines(w io.Writer, err error) {
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			fmt.Fprintln(w, l)
		}
	}
}

func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
