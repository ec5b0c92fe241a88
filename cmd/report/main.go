// Command report runs the reports of reports.yaml once: it fetches every
// application metric from the Kinsta API, renders the workbook, the HTML
// report and the JSON document, and emails them (or, with -dry-run, writes
// the email as a .eml file). See README.md and docs/reference.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// Exit codes of the contract.
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

// options are the command-line flags of the contract.
type options struct {
	config  string
	out     string
	now     time.Time
	reports []string
	dryRun  bool
	demo    bool
	check   bool
	verbose bool
}

// flagError is a usage problem found after the flag package parsed the
// flags (which prints its own errors).
type flagError struct{ msg string }

func (e *flagError) Error() string { return e.msg }

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func parseFlags(args []string, stderr io.Writer, clock func() time.Time) (options, error) {
	var o options
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: report [flags]   run every report in the config (or those named by -report)")
		fs.PrintDefaults()
	}
	var now string
	fs.StringVar(&o.config, "config", "reports.yaml", "config `file`")
	fs.StringVar(&o.out, "out", "out", "artifact `folder`")
	fs.StringVar(&now, "now", "", "RFC 3339 `instant` that periods are resolved against (default: the clock)")
	fs.Var((*stringList)(&o.reports), "report", "run only this report (`name`); repeatable")
	fs.BoolVar(&o.dryRun, "dry-run", false, "fetch, render and write every artifact, the email as a .eml file; send nothing")
	fs.BoolVar(&o.demo, "demo", false, "use the built-in simulated Kinsta API (no key, no network); implies -dry-run")
	fs.BoolVar(&o.check, "check", false, "validate the config (and templates) and exit; no network")
	fs.BoolVar(&o.verbose, "v", false, "verbose progress and API accounting on stderr")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, &flagError{fmt.Sprintf("unexpected argument %q (flags only; see -h)", fs.Arg(0))}
	}
	if now != "" {
		t, err := time.Parse(time.RFC3339, now)
		if err != nil {
			return o, &flagError{fmt.Sprintf("-now: %q is not an RFC 3339 instant (e.g. 2026-11-23T06:00:00Z)", now)}
		}
		o.now = t
	} else {
		o.now = clock()
	}
	if o.demo {
		o.dryRun = true
	}
	return o, nil
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
	r := newRunner(o, stderr, getenv, clock)
	return r.run(ctx)
}
