package state

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestChannelLedger(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := mustOpen(t, dir)
	const r, due, ch = "weekly-ops", "2026-11-23", "slack-ops-channel"
	if err := s.ConfirmChannel(r, due, ch, now0); !errors.Is(err, ErrNotClaimed) {
		t.Errorf("confirm without claim: %v, want ErrNotClaimed", err)
	}
	e, err := s.ClaimChannel(r, due, ch, now0)
	if err != nil || e.Status != Claimed || e.Attempts != 1 {
		t.Fatalf("claim = %+v, %v", e, err)
	}
	if _, err := s.ClaimChannel(r, due, ch, now0); !errors.Is(err, ErrTaken) {
		t.Fatalf("second claim of an unsettled attempt: %v, want ErrTaken", err)
	}
	// The attempt failed: a later run may try again, as attempt 2.
	if err := s.FailChannel(r, due, ch, now0.Add(time.Second), "notify slack \"ops-channel\": post: 500"); err != nil {
		t.Fatal(err)
	}
	if e, _ := s.LookupChannel(r, due, ch); e.Status != None || e.Attempts != 1 || e.Failures != 1 {
		t.Errorf("after a failure = %+v, want None with 1 failed attempt", e)
	}
	if e, err := s.ClaimChannel(r, due, ch, now0.Add(time.Hour)); err != nil || e.Attempts != 2 || e.Status != Claimed {
		t.Fatalf("claim after a failure = %+v, %v", e, err)
	}
	if err := s.ConfirmChannel(r, due, ch, now0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	e, err = s.LookupChannel(r, due, ch)
	if err != nil || e.Status != Sent || !e.At.Equal(now0.Add(time.Hour)) {
		t.Errorf("after confirm = %+v, %v", e, err)
	}
	var te *ChannelTakenError
	if _, err := s.ClaimChannel(r, due, ch, now0.Add(2*time.Hour)); !errors.As(err, &te) || te.Entry.Status != Sent {
		t.Errorf("claim of a sent channel: %v", err)
	}
	// Other channels, other due dates and the report's own ledger are apart.
	if e, _ := s.LookupChannel(r, due, "teams-ops"); e.Status != None {
		t.Errorf("teams-ops = %+v", e)
	}
	if e, _ := s.LookupChannel(r, "2026-11-30", ch); e.Status != None {
		t.Errorf("next week = %+v", e)
	}
	if e, err := s.Lookup(r, due); err != nil || e.Status != None {
		t.Errorf("the report's ledger sees the channel files: %+v, %v", e, err)
	}
	if es, err := s.Entries(r); err != nil || len(es) != 0 {
		t.Errorf("entries %+v, %v", es, err)
	}
}

func TestChannelLedgerRejectsBadKeys(t *testing.T) {
	t.Parallel()
	s := mustOpen(t, t.TempDir())
	for _, c := range []struct{ r, due, ch string }{
		{"weekly-ops", "2026-11-23", "../x"},
		{"weekly-ops", "2026-11-23", "Slack.ops"},
		{"weekly-ops", "2026-11-23+slack", "slack-ops"},
		{"Weekly", "2026-11-23", "slack-ops"},
	} {
		if _, err := s.ClaimChannel(c.r, c.due, c.ch, now0); err == nil {
			t.Errorf("claim %q %q %q accepted", c.r, c.due, c.ch)
		}
	}
}

func TestChannelLedgerOneWinner(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const r, due, ch = "weekly-ops", "2026-11-23", "webhook-pager"
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(dir)
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := s.ClaimChannel(r, due, ch, now0); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !errors.Is(err, ErrTaken) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d claims won, want exactly 1", wins)
	}
}

func TestChannelLedgerBadFileIsAnError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := mustOpen(t, dir)
	const r, due, ch = "weekly-ops", "2026-11-23", "slack-ops"
	p := filepath.Join(dir, "ledger", r, "notify")
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p, due+"."+ch+".sent.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimChannel(r, due, ch, now0); err == nil || errors.Is(err, ErrTaken) {
		t.Errorf("claim over an unreadable record: %v, want an error naming the file", err)
	}
}
