package job

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/kinsta-report/kinsta-report/internal/state"
	"github.com/kinsta-report/kinsta-report/plan"
	"github.com/kinsta-report/kinsta-report/report"
)

// The send ledger in a run: which due dates each report owes (plan.DueDates
// from the last one sent), which of them the ledger already holds, and the
// claim before a send and the confirmation after it. See "State: history
// and the send ledger" in docs/reference.md and docs/STATE.md.

// due is one due date a run produces for a report.
type due struct {
	plan.Due
	// gated says the ledger decides: Claim before the send, Confirm after
	// (MarkWritten without email). False for a *_to_date report (due on
	// every run) and without a state folder.
	gated bool
	// held is what the ledger held for it when -resend produces it anyway
	// (state.None otherwise).
	held state.Status
}

// schedule is what one report owes this run.
type schedule struct {
	rc   report.ReportConfig
	dues []due
}

// openLedger opens the state folder of Options.StateDir: read-only on a
// dry run (which never writes it), not at all when there is none.
func (r *run) openLedger() error {
	if r.o.StateDir == "" {
		return nil
	}
	var err error
	if r.o.DryRun {
		r.ledger, err = state.OpenReadOnly(r.o.StateDir)
	} else {
		r.ledger, err = state.Open(r.o.StateDir)
	}
	if err != nil {
		return fmt.Errorf("open the state folder %s: %w", r.o.StateDir, err)
	}
	r.writeLedger = !r.o.DryRun
	return nil
}

// schedules resolves the due dates of every selected report against the
// ledger, before any request: it prints what is already sent, what was
// begun and never confirmed, and what catch_up skipped. res receives a
// result for each due date the ledger already holds.
func (r *run) schedules(selected []report.ReportConfig, res *Result) ([]schedule, error) {
	var out []schedule
	for _, rc := range selected {
		last := ""
		if r.ledger != nil {
			e, ok, err := r.ledger.LastSent(rc.Name)
			if err != nil {
				return nil, fmt.Errorf("report %s: read the send ledger: %w", rc.Name, err)
			}
			if ok {
				last = e.Due
			}
		}
		s, err := plan.DueDates(rc, r.o.Now, last)
		if err != nil {
			var pe *plan.PeriodError
			if errors.As(err, &pe) {
				return nil, &usageError{lines: []string{fmt.Sprintf("%s:%d: reports[%d].periods: %v", r.cfg.File, pe.Line, r.reportIndex(rc), pe.Err)}}
			}
			return nil, fmt.Errorf("report %s: due dates: %w", rc.Name, err)
		}
		r.log.Debug("due dates", "report", rc.Name, "cadence", string(s.Cadence), "last_sent", last, "due", len(s.Due), "skipped", len(s.Skipped), "next", s.Next)
		if n := len(s.Skipped); n > 0 {
			fmt.Fprintf(r.stderr, "%s: skipped %s (%s) past catch_up: %d; not produced (run with -now in one of them to produce it)\n",
				rc.Name, plural(n, "missed due date"), dateRange(s.Skipped), rc.CatchUp)
			if res.Skipped == nil {
				res.Skipped = map[string][]string{}
			}
			res.Skipped[rc.Name] = s.Skipped
		}
		sc := schedule{rc: rc}
		for i, d := range s.Due {
			dd := due{Due: d, gated: r.ledger != nil && s.Cadence != plan.EachRun}
			if !dd.gated {
				sc.dues = append(sc.dues, dd)
				continue
			}
			e, err := r.ledger.Lookup(rc.Name, d.Date)
			if err != nil {
				return nil, fmt.Errorf("report %s: read the send ledger: %w", rc.Name, err)
			}
			latest := i == len(s.Due)-1
			switch {
			case e.Status == state.None:
				sc.dues = append(sc.dues, dd)
				continue
			case r.o.Resend && latest:
				dd.held = e.Status
				sc.dues = append(sc.dues, dd)
				continue
			}
			r.printHeld(rc, d, e, latest)
			res.Reports = append(res.Reports, ReportResult{Name: rc.Name, Due: d.Date, Status: OK, Held: e.Status.String()})
		}
		if len(sc.dues) == 0 && s.Next != "" && len(s.Due) == 0 {
			fmt.Fprintf(r.stderr, "%s: nothing due yet: its first due date is %s\n", rc.Name, s.Next)
		}
		out = append(out, sc)
	}
	return out, nil
}

// printHeld says why a due date the ledger holds is not produced.
func (r *run) printHeld(rc report.ReportConfig, d plan.Due, e state.Entry, latest bool) {
	at := e.At.In(d.At.Location()).Format("2006-01-02 15:04 MST")
	switch e.Status {
	case state.Sent:
		fmt.Fprintf(r.stderr, "%s %s: already sent at %s\n", rc.Name, d.Date, at)
	case state.Written:
		fmt.Fprintf(r.stderr, "%s %s: already written at %s\n", rc.Name, d.Date, at)
	case state.Claimed:
		how := "-resend"
		if !latest {
			how = "-resend -now " + d.At.Format(time.RFC3339)
		}
		fmt.Fprintf(r.stderr, "%s %s: begun at %s and never confirmed; not resent (the email may or may not have gone out); use %s to send it\n",
			rc.Name, d.Date, at, how)
	}
}

// dateRange is "2026-10-19" or "2026-10-19 to 2026-11-02" for sorted dates.
func dateRange(dates []string) string {
	if len(dates) == 1 {
		return dates[0]
	}
	return dates[0] + " to " + dates[len(dates)-1]
}

// MessageID is the left part of the Message-ID of (company, report, due
// date): the same due date always gets the same one, so a duplicate that
// slips through (a -resend, a crash between send and confirmation) is
// recognised by mail clients. The company id enters only through a hash.
func MessageID(company, reportName, dueDate string) string {
	h := sha256.Sum256([]byte("kinsta-report\x00" + company + "\x00" + reportName + "\x00" + dueDate))
	return reportName + "." + dueDate + "." + hex.EncodeToString(h[:8])
}

// Steps of a due date between which a run can be stopped (a kill, or an
// injected failure in tests): after the artifacts are written, after the
// claim, after the send, after the confirmation.
const (
	stepWritten   = "written"
	stepClaimed   = "claimed"
	stepSent      = "sent"
	stepConfirmed = "confirmed"
)

// errStopped is a run stopped between steps (Options.checkpoint): nothing
// after the step happens, as when the process is killed there.
var errStopped = errors.New("stopped")

// checkpoint calls the test seam between steps.
func (r *run) checkpoint(step string) error {
	if r.o.checkpoint == nil {
		return nil
	}
	if err := r.o.checkpoint(step); err != nil {
		r.stopped = true
		return fmt.Errorf("%w after %s: %w", errStopped, step, err)
	}
	return nil
}

// markWritten records a due date produced without an email (no email, or
// send: on_alert with nothing crossed).
func (r *run) markWritten(rc report.ReportConfig, d due) error {
	if !d.gated || !r.writeLedger || d.held != state.None {
		return nil
	}
	if err := r.ledger.MarkWritten(rc.Name, d.Date, r.o.Clock()); err != nil {
		return fmt.Errorf("record it in the send ledger: %w", err)
	}
	return nil
}
