package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

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
	resend  bool
	version bool
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
	fs.BoolVar(&o.resend, "resend", false, "also produce and send the latest due date at -now of each selected report, whatever the ledger says")
	fs.BoolVar(&o.version, "version", false, "print which build this is (module version or VCS revision) and exit")
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
