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
	"sync"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch"
	"github.com/kinsta-report/kinsta-report/internal/state"
	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/deliver"
	"github.com/kinsta-report/kinsta-report/report/notify"
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
	// WorkDir is the folder the lines for people show paths relative to
	// (the history line names the state folder so); "": the process's
	// working directory.
	WorkDir string
	// Reports names the reports to run; empty runs every report.
	Reports []string
	// DryRun writes the email as a .eml file instead of sending it.
	DryRun bool
	// Verbose prints a progress line per app however fast the run.
	Verbose bool
	// Source serves the data. Nil: the Kinsta API, with the key and base
	// URL from Getenv (KINSTA_API_KEY is then required).
	Source Source
	// Sites serves WordPress sites. Nil: a client of api.sites_base_url
	// with the key from KINSTA_SITES_API_KEY (or KINSTA_API_KEY when the
	// hosts are the same), built only when a report names sites (sites.go).
	Sites SiteSource
	// Logger receives warnings and debug lines; nil discards them.
	Logger *slog.Logger
	// Stderr receives the run's lines for people: config errors, one line
	// per report written, what is missing. Nil discards them.
	Stderr io.Writer
	// StateDir is the state folder holding the send ledger; "" means no
	// state: every run produces the latest due date and nothing is
	// recorded. A dry run reads it and never writes it.
	StateDir string
	// Resend also produces and sends the latest due date at Now of each
	// report, with the same Message-ID, whatever the ledger holds for it.
	Resend bool

	// Test seams (export_test.go): send replaces deliver.Send (it gets the
	// message as it would go on the wire); sendOptions are added to
	// deliver.Send's; checkpoint is called between the steps of a due
	// date, and an error stops the run there as a kill would.
	send        func(ctx context.Context, s deliver.Settings, eml []byte) error
	sendOptions []deliver.SendOption
	checkpoint  func(step string) error
	// Poster posts the reports' Slack, Teams and webhook messages; nil: a
	// notify.Poster of its own.
	Poster *notify.Poster
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
	// Reports are the reports' due dates: first those the send ledger
	// already held (not produced), then those produced, each in config
	// order and oldest first.
	Reports []ReportResult
	// Skipped are, per report, the missed due dates catch_up left out.
	Skipped map[string][]string
}

// ReportResult is what one report did for one due date.
type ReportResult struct {
	Name string
	// Due is the due date (YYYY-MM-DD): the artifacts' base name is
	// <Name>_<Due>.
	Due    string
	Status Status
	// Held is what the send ledger already held for the due date when the
	// run did not produce it: "sent", "written" or "claimed" (begun, never
	// confirmed); "" when it was produced.
	Held string
	// Windows are the keys of the report's windows (plan.Window.Key).
	Windows []string
	// Files are the artifacts written (the .eml of a dry run included).
	Files []string
	// Email is what became of the email: "" (the report has none), "sent",
	// "resent" (-resend of a due date the ledger held), "eml" (written on a
	// dry run), "skipped" (send: on_alert, nothing crossed) or "taken"
	// (another run claimed it first).
	Email string
	// Alerts is the number of threshold crossings.
	Alerts int
	// Notify is what became of each notify target, in config order.
	Notify []NotifyResult
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
	// ledger is the state folder's send ledger (nil without one);
	// writeLedger is false on a dry run.
	ledger      *state.Store
	writeLedger bool
	// stopped is set when a checkpoint stopped the run (as a kill would).
	stopped bool

	apps   []report.App
	roster roster
	hist   *History // nil without a state folder

	// WordPress sites (sites.go): the client, the company's sites, the
	// environments asked so far, and each report's targets and notes.
	sites       SiteSource
	siteList    []fetch.Site
	envMu       sync.Mutex
	envs        map[string][]fetch.Environment
	siteTargets map[string][]siteTarget
	siteNotes   map[string][]string
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
	if err := r.openLedger(); err != nil {
		fmt.Fprintln(r.stderr, "report:", oneLine(err))
		return Result{Status: Failed}
	}
	var res Result
	schedules, err := r.schedules(selected, &res)
	if err != nil {
		return r.stopWith(err)
	}
	selected = selected[:0]
	for _, s := range schedules {
		if len(s.dues) > 0 {
			selected = append(selected, s.rc)
		}
	}
	if len(selected) == 0 {
		// Nothing to produce: not even the company or the app list is
		// asked for, so running more often than the cadence is free.
		fmt.Fprintln(r.stderr, "nothing due: every due date up to -now is done; no API request made")
		return res
	}
	defer r.closeHistory()
	if err := r.connect(ctx, selected); err != nil {
		return r.stopWith(err)
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
	r.siteTargets, r.siteNotes = map[string][]siteTarget{}, map[string][]string{}
	for _, rc := range selected {
		t, notes, err := r.selectSites(ctx, rc)
		var ue *usageError
		switch {
		case errors.As(err, &ue):
			problems = append(problems, ue.lines...)
		case err != nil:
			fmt.Fprintf(r.stderr, "report %s: %s\n", rc.Name, oneLine(err))
			return Result{Status: Failed}
		}
		r.siteTargets[rc.Name], r.siteNotes[rc.Name] = t, notes
	}
	if len(problems) > 0 {
		r.printLines(&usageError{lines: problems})
		return Result{Status: ConfigError}
	}

	for _, s := range schedules {
		for _, d := range s.dues {
			rr := r.report(ctx, s.rc, apps[s.rc.Name], d)
			res.Reports = append(res.Reports, rr)
			res.Status = max(res.Status, rr.Status)
			if r.stopped {
				res.Status = Failed
				return res
			}
			if ctx.Err() != nil {
				fmt.Fprintln(r.stderr, "report: cancelled; artifacts already written are whole, nothing half-written remains")
				res.Status = Failed
				return res
			}
		}
	}
	return res
}

// preflight checks what a real run needs before any request: the API key
// (when the run talks to the API) and, for reports that will send, the
// SMTP password.
func (r *run) preflight(selected []report.ReportConfig) error {
	var lines []string
	if r.o.Source == nil && wantsApps(selected) {
		if r.o.Getenv("KINSTA_API_KEY") == "" {
			lines = append(lines, "KINSTA_API_KEY is not set: create an API key in MyKinsta (Company settings > API Keys) and export it, or run with -demo")
		}
		if u := r.o.Getenv("KINSTA_API_URL"); u != "" {
			if !usableURL(u) {
				lines = append(lines, "KINSTA_API_URL is not a usable base URL (want e.g. https://api.sevalla.com/v2, with no user info or query)")
			}
		}
	}
	lines = append(lines, r.preflightSites(selected)...)
	if err := os.MkdirAll(r.o.OutDir, 0o755); err != nil {
		lines = append(lines, fmt.Sprintf("-out %s: %v", r.o.OutDir, errors.Unwrap(err)))
	}
	lines = append(lines, r.notifyPreflight(selected)...)
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

// usableURL says whether u can be a base URL: http(s), a host, no user
// info or query.
func usableURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != "" && p.User == nil && p.RawQuery == ""
}

// connect builds the API source unless one was given, and lists the
// company's applications, then its sites when a report names sites.
func (r *run) connect(ctx context.Context, selected []report.ReportConfig) error {
	r.src = r.o.Source
	if r.src == nil && !wantsApps(selected) {
		src, err := r.sitesOnlySource() // sites.go: no applications host needed
		if err != nil {
			return err
		}
		r.src = src
	}
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
	r.openHistory()
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
	return r.connectSites(ctx, selected)
}

// printLines prints an error one problem per line (config errors come
// joined, each as FILE:LINE: field.path: message).
// stopWith prints why the run stops before producing anything and gives
// its result: a usage error (config, environment) is printed line by line
// and is a ConfigError; anything else is one line and Failed.
func (r *run) stopWith(err error) Result {
	var ue *usageError
	if errors.As(err, &ue) {
		r.printLines(err)
		return Result{Status: ConfigError}
	}
	fmt.Fprintln(r.stderr, "report:", oneLine(err))
	return Result{Status: Failed}
}

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
