// Command report runs the reports of reports.yaml once: it fetches every
// application metric from the Kinsta API, renders the workbook, the HTML
// report and the JSON document, and emails them (or, with -dry-run, writes
// the email as a .eml file). See README.md, docs/reference.md and
// docs/ARCHITECTURE.md.
//
// This package is the thin edge: flags, environment, the signal context,
// logging, one call of job.Run, and the exit code.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch"
	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
	"github.com/kinsta-report/kinsta-report/job"
	"github.com/kinsta-report/kinsta-report/report"
)

// Exit codes of the contract (docs/reference.md).
const (
	exitOK      = 0
	exitFailure = 1 // nothing delivered
	exitUsage   = 2 // usage or config error; nothing fetched
	exitPartial = 3 // delivered, with missing data the report marks
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stderr, os.Getenv, time.Now)
	stop()
	os.Exit(code)
}

// run is the whole command; it returns the exit code.
func run(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string, clock func() time.Time) int {
	o, err := parseFlags(args, stderr, clock)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		var own *flagError
		if errors.As(err, &own) {
			fmt.Fprintln(stderr, "report:", err) // the flag package printed its own errors already
		}
		return exitUsage
	}
	if o.version {
		fmt.Fprintln(stderr, buildVersion())
		return exitOK
	}
	cfg, err := report.LoadConfig(o.config)
	if err != nil {
		job.PrintLines(stderr, err)
		return exitUsage
	}
	if o.check {
		selected, err := cfg.Select(o.reports)
		if err != nil {
			job.PrintLines(stderr, err)
			return exitUsage
		}
		if !job.Check(stderr, cfg, selected, o.now) {
			return exitUsage
		}
		var names []string
		for _, rc := range selected {
			names = append(names, rc.Name)
		}
		fmt.Fprintf(stderr, "%s: ok (%s: %s)\n", cfg.File, plural(len(selected), "report"), strings.Join(names, ", "))
		return exitOK
	}
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	log.Debug("build", "version", buildVersion()) // with -v the log says which build ran; -version prints it alone
	opts := job.Options{
		Now: o.now, Clock: clock, Getenv: getenv, OutDir: o.out, Reports: o.reports,
		DryRun: o.dryRun, Verbose: o.verbose, Logger: log, Stderr: stderr, Resend: o.resend,
	}
	if o.demo {
		src, sites, err := demoSource(cfg, log)
		if err != nil {
			fmt.Fprintln(stderr, "report:", err)
			return exitFailure
		}
		opts.Source, opts.Sites = src, sites
		// -demo keeps its history under -out, never in the real state
		// folder: a second -demo run shows what the history saves.
		// It reads that folder's ledger and never writes it (-demo implies
		// -dry-run).
		if cfg.State != "" {
			cfg.State = filepath.Join(o.out, "state")
		}
	}
	// The send ledger and the history share the state folder ("" for
	// `state: none`: neither).
	opts.StateDir = cfg.State
	return exitCode(job.Run(ctx, cfg, opts).Status)
}

// demoSource is the simulated Kinsta API, in-process: no key, no network.
// Sites get their own client, as a real run's second host does.
func demoSource(cfg *report.Config, log *slog.Logger) (job.Source, job.SiteSource, error) {
	const key = "demo"
	sim := kinstatest.New(kinstatest.Options{APIKey: key})
	hc := &http.Client{Transport: sim.Transport()}
	client, err := job.NewAPIClient(cfg, key, "http://kinsta.demo/v2", log, fetch.WithHTTPClient(hc))
	if err != nil {
		return nil, nil, err
	}
	sites, err := job.NewAPIClient(cfg, key, "http://kinsta.demo/v2", log, fetch.WithHTTPClient(hc))
	if err != nil {
		return nil, nil, err
	}
	// The simulated API has its own company: a company_id in the file is
	// the real one, which the simulation does not know (it would 404).
	return job.NewAPISource(client, ""), sites, nil
}

// exitCode maps a run's status to the contract's exit code.
func exitCode(s job.Status) int {
	switch s {
	case job.OK:
		return exitOK
	case job.Partial:
		return exitPartial
	case job.ConfigError:
		return exitUsage
	}
	return exitFailure
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
