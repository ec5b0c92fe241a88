package state

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

func TestLedgerLifecycle(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir)
	const r, due = "weekly-ops", "2026-11-23"
	if e, err := s.Lookup(r, due); err != nil || e.Status != None {
		t.Fatalf("fresh lookup = %+v, %v", e, err)
	}
	if err := s.Confirm(r, due, now0); !errors.Is(err, ErrNotClaimed) {
		t.Errorf("confirm without claim: %v, want ErrNotClaimed", err)
	}
	claimAt := now0
	e, err := s.Claim(r, due, claimAt, "<weekly-ops.2026-11-23@acme>")
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != Claimed || !e.At.Equal(claimAt) || e.MessageID != "<weekly-ops.2026-11-23@acme>" {
		t.Errorf("claim entry = %+v", e)
	}
	_, err = s.Claim(r, due, claimAt.Add(time.Minute), "<other>")
	var ce *ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, ErrTaken) || ce.Entry.Status != Claimed {
		t.Fatalf("second claim: %v, want a ConflictError for a claimed entry", err)
	}
	if !strings.Contains(err.Error(), "weekly-ops 2026-11-23: already claimed") {
		t.Errorf("conflict message %q", err)
	}
	sentAt := now0.Add(3 * time.Second)
	must(t, s.Confirm(r, due, sentAt))
	e, err = s.Lookup(r, due)
	must(t, err)
	if e.Status != Sent || !e.At.Equal(sentAt) || !e.ClaimedAt.Equal(claimAt) || e.MessageID == "" {
		t.Errorf("after confirm: %+v", e)
	}
	if err := s.Confirm(r, due, sentAt); !errors.Is(err, ErrTaken) {
		t.Errorf("second confirm: %v, want ErrTaken", err)
	}
	_, err = s.Claim(r, due, sentAt, "<x>")
	if !errors.Is(err, ErrTaken) || !strings.Contains(err.Error(), "already sent at 2026-11-23T06:17:03Z") {
		t.Errorf("claim of a sent date: %v", err)
	}

	// An older due date claimed and never confirmed; a resend of the sent one.
	_, err = s.Claim(r, "2026-11-16", now0, "<a>")
	must(t, err)
	must(t, s.Resent(r, due, now0.Add(time.Hour), "<weekly-ops.2026-11-23@acme>"))
	must(t, s.Resent(r, due, now0.Add(2*time.Hour), "<weekly-ops.2026-11-23@acme>"))
	all, err := s.Entries(r)
	must(t, err)
	if len(all) != 2 || all[0].Due != "2026-11-16" || all[0].Status != Claimed || all[1].Status != Sent || len(all[1].Resent) != 2 {
		t.Errorf("entries = %+v", all)
	}
	last, ok, err := s.LastSent(r)
	if err != nil || !ok || last.Due != due {
		t.Errorf("LastSent = %+v, %v, %v", last, ok, err)
	}

	// A report without email records its written due dates.
	must(t, s.MarkWritten("daily-json", "2026-11-22", now0))
	if err := s.MarkWritten("daily-json", "2026-11-22", now0); !errors.Is(err, ErrTaken) {
		t.Errorf("second MarkWritten: %v", err)
	}
	if last, ok, _ := s.LastSent("daily-json"); !ok || last.Status != Written {
		t.Errorf("LastSent(daily-json) = %+v, %v", last, ok)
	}
	if _, ok, _ := s.LastSent("never"); ok {
		t.Error("LastSent of a report with no record is ok")
	}

	for _, bad := range [][2]string{{"../x", due}, {"Weekly", due}, {r, "2026-11-31"}, {r, "23.11.2026"}, {"", due}} {
		if _, err := s.Claim(bad[0], bad[1], now0, ""); err == nil || errors.Is(err, ErrTaken) {
			t.Errorf("claim %q %q: %v, want a validation error", bad[0], bad[1], err)
		}
	}

	// A stray temp file is ignored; a broken ledger file is an error naming it.
	must(t, os.WriteFile(filepath.Join(dir, "ledger", r, ".2026-11-30.claimed.json.tmp-123"), []byte("{"), 0o644))
	if e, err := s.Lookup(r, "2026-11-30"); err != nil || e.Status != None {
		t.Errorf("lookup beside a stray temp = %+v, %v", e, err)
	}
	broken := filepath.Join(dir, "ledger", r, "2026-12-07.sent.json")
	must(t, os.WriteFile(broken, []byte(`{"report":"weekly-ops"`), 0o644))
	if _, err := s.Lookup(r, "2026-12-07"); err == nil || !strings.Contains(err.Error(), broken) {
		t.Errorf("broken ledger file: %v, want an error naming %s", err, broken)
	}
}

// Two runs claiming the same due date at once: exactly one wins.
func TestClaimRaceGoroutines(t *testing.T) {
	dir := t.TempDir()
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		s := mustOpen(t, dir)
		wg.Go(func() {
			<-start
			_, errs[i] = s.Claim("weekly-ops", "2026-11-23", now0.Add(time.Duration(i)*time.Millisecond), fmt.Sprint("<", i, ">"))
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ErrTaken):
			t.Errorf("claimer %d: %v, want ErrTaken", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d claims won, want exactly 1", won)
	}
}

// The same across processes: the test binary re-runs itself as claimers.
func TestClaimRaceProcesses(t *testing.T) {
	if dir := os.Getenv("STATE_TEST_CLAIM_DIR"); dir != "" {
		s, err := Open(dir)
		if err == nil {
			_, err = s.Claim("weekly-ops", "2026-11-23", now0, "<"+os.Getenv("STATE_TEST_CLAIMER")+">")
		}
		switch {
		case err == nil:
			fmt.Println("RESULT won")
		case errors.Is(err, ErrTaken):
			fmt.Println("RESULT lost")
		default:
			fmt.Println("RESULT error", err)
		}
		return
	}
	dir := t.TempDir()
	const n = 6
	cmds := make([]*exec.Cmd, n)
	outs := make([]strings.Builder, n)
	for i := range cmds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestClaimRaceProcesses$", "-test.count=1")
		cmd.Env = append(os.Environ(), "STATE_TEST_CLAIM_DIR="+dir, fmt.Sprint("STATE_TEST_CLAIMER=", i))
		cmd.Stdout = &outs[i]
		cmd.Stderr = &outs[i]
		cmds[i] = cmd
	}
	for _, c := range cmds {
		must(t, c.Start())
	}
	won := 0
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("claimer %d: %v\n%s", i, err, outs[i].String())
		}
		out := outs[i].String()
		switch {
		case strings.Contains(out, "RESULT won"):
			won++
		case strings.Contains(out, "RESULT lost"):
		default:
			t.Errorf("claimer %d: %s", i, out)
		}
	}
	if won != 1 {
		t.Fatalf("%d processes won the claim, want exactly 1", won)
	}
	e, err := mustOpen(t, dir).Lookup("weekly-ops", "2026-11-23")
	if err != nil || e.Status != Claimed {
		t.Errorf("after the race: %+v, %v", e, err)
	}
}

var killSteps = []string{"temp-written", "before-rename", "after-rename"}

// killAt makes the store stop at the nth time (from 1) it reaches step, as a
// kill there would: nothing after that point runs, nothing is cleaned up.
func killAt(s *Store, step string, nth int) {
	seen := 0
	s.fail = func(name string) error {
		if name != step {
			return nil
		}
		seen++
		if seen == nth {
			return fmt.Errorf("killed at %s #%d", step, nth)
		}
		return nil
	}
}

// A run killed at any step of a commit loses nothing already stored, leaves
// every file whole or absent, and a re-run of the same fetch completes it.
func TestHistoryKillAtAnyStep(t *testing.T) {
	day1 := day0.Add(day)
	for _, step := range killSteps {
		for nth := 1; nth <= 2; nth++ { // the first or the second day's file
			t.Run(fmt.Sprint(step, "#", nth), func(t *testing.T) {
				dir := t.TempDir()
				s := mustOpen(t, dir)
				old := s.Begin(now0)
				must(t, old.PutSeries("a", report.Bandwidth, time.Hour, day0, hourly(day0, 24, 1)))
				must(t, old.Commit())

				put := func(b *Batch) {
					must(t, b.PutSeries("a", report.Bandwidth, time.Hour, day0, hourly(day0, 24, 500)))
					must(t, b.PutSeries("a", report.Bandwidth, time.Hour, day1, hourly(day1, 24, 600)))
				}
				k := mustOpen(t, dir)
				killAt(k, step, nth)
				b := k.Begin(now0.Add(time.Hour))
				put(b)
				if err := b.Commit(); err == nil || !strings.Contains(err.Error(), "killed") {
					t.Fatalf("commit: %v, want the kill", err)
				}

				// After the kill: readable, no problems, old data intact.
				after := mustOpen(t, dir)
				days := mustRead(t, after, Query{Interval: time.Hour, From: day0, To: day1.Add(day)})
				if p := after.Problems(); len(p) != 0 {
					t.Fatalf("problems after a kill: %v", p)
				}
				got := map[time.Time]float64{}
				for _, d := range days {
					if len(d.Points) != 24 {
						t.Fatalf("a partial day: %+v", d)
					}
					got[d.Day] = d.Points[0].Value
				}
				// Day 0: the old or the new run's whole day; day 1: the new
				// run's or absent (to be fetched again).
				published := nth == 1 && step == "after-rename" || nth == 2
				wantDay0 := map[bool]float64{true: 500, false: 1}[published]
				if got[day0] != wantDay0 {
					t.Errorf("day 0 = %v, want %v", got[day0], wantDay0)
				}
				if v, ok := got[day1]; ok != (nth == 2 && step == "after-rename") || ok && v != 600 {
					t.Errorf("day 1 = %v (held %v)", v, ok)
				}

				// The re-run completes it.
				re := after.Begin(now0.Add(2 * time.Hour))
				put(re)
				must(t, re.Commit())
				days = mustRead(t, mustOpen(t, dir), Query{Interval: time.Hour, From: day0, To: day1.Add(day)})
				if len(days) != 2 || days[0].Points[0].Value != 500 || days[1].Points[0].Value != 600 {
					t.Errorf("after the re-run: %+v", days)
				}
			})
		}
	}
}

// A run killed at any step of a claim or a confirmation never leads to a
// second send: either nothing was claimed (the next run claims and sends) or
// the claim stands (the next run reports it and does not send).
func TestLedgerKillAtAnyStep(t *testing.T) {
	const r, due = "weekly-ops", "2026-11-23"
	for _, step := range killSteps {
		t.Run("claim/"+step, func(t *testing.T) {
			dir := t.TempDir()
			k := mustOpen(t, dir)
			killAt(k, step, 1)
			_, err := k.Claim(r, due, now0, "<m>")
			if err == nil {
				t.Fatal("claim survived its kill")
			}
			next := mustOpen(t, dir)
			e, err := next.Lookup(r, due)
			must(t, err)
			published := step == "after-rename"
			if (e.Status == Claimed) != published || !published && e.Status != None {
				t.Fatalf("after a kill at %s: %+v", step, e)
			}
			// The next run: claims (and would send) only when nothing stood.
			_, err = next.Claim(r, due, now0.Add(time.Hour), "<m>")
			if published != errors.Is(err, ErrTaken) || !published && err != nil {
				t.Errorf("next claim: %v (claim published: %v)", err, published)
			}
		})
		t.Run("confirm/"+step, func(t *testing.T) {
			dir := t.TempDir()
			k := mustOpen(t, dir)
			_, err := k.Claim(r, due, now0, "<m>")
			must(t, err)
			killAt(k, step, 1)
			if err := k.Confirm(r, due, now0.Add(time.Second)); err == nil {
				t.Fatal("confirm survived its kill")
			}
			next := mustOpen(t, dir)
			e, err := next.Lookup(r, due)
			must(t, err)
			want := map[bool]Status{true: Sent, false: Claimed}[step == "after-rename"]
			if e.Status != want {
				t.Errorf("after a kill at %s: %v, want %v", step, e.Status, want)
			}
			if _, err := next.Claim(r, due, now0.Add(time.Hour), "<m>"); !errors.Is(err, ErrTaken) {
				t.Errorf("a claim after the kill: %v, want ErrTaken (no second send)", err)
			}
		})
	}
	// Leftover temps never read as records.
	dir := t.TempDir()
	k := mustOpen(t, dir)
	killAt(k, "before-rename", 1)
	_, _ = k.Claim(r, due, now0, "<m>")
	ents, err := os.ReadDir(filepath.Join(dir, "ledger", r))
	must(t, err)
	if len(ents) != 1 || !strings.HasPrefix(ents[0].Name(), "."+due+".claimed.json.tmp-") {
		t.Fatalf("ledger folder after a kill before rename: %v", ents)
	}
	all, err := mustOpen(t, dir).Entries(r)
	if err != nil || !reflect.DeepEqual(all, []Entry{}) {
		t.Errorf("entries with only a temp = %+v, %v", all, err)
	}
}
