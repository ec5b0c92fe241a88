package job_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
	"github.com/kinsta-report/kinsta-report/internal/peer"
	"github.com/kinsta-report/kinsta-report/internal/state"
	"github.com/kinsta-report/kinsta-report/job"
	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/deliver"
)

const weeklyMail = `
timezone: Europe/Berlin
smtp: {host: 127.0.0.1, port: 2525, tls: none, from: "Kinsta Reports <reports@example.com>"}
reports:
  - name: weekly-ops
    apps: [shop]
    periods: [previous_week]
    metrics: [bandwidth, http_requests]
    users: false
    compare_previous: false
    catch_up: 2
    email:
      to: [ops@example.com]
`

// mailbox is a fake SMTP sender: it records every message "delivered",
// or fails while fail is set.
type mailbox struct {
	mu   sync.Mutex
	sent []sentMail
	fail error
}

type sentMail struct{ id, subject string }

func (m *mailbox) send(_ context.Context, _ deliver.Settings, eml []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	msg, err := mail.ReadMessage(bytes.NewReader(eml))
	if err != nil {
		return err
	}
	m.sent = append(m.sent, sentMail{id: msg.Header.Get("Message-ID"), subject: msg.Header.Get("Subject")})
	return nil
}

func (m *mailbox) subjects() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, s := range m.sent {
		out = append(out, s.subject)
	}
	return out
}

// sequence runs one config again and again, as successive scheduled runs
// would: one state folder, one output folder, one simulated API, a fake
// clock a few minutes after each -now.
type sequence struct {
	t        *testing.T
	cfg      *report.Config
	src      *recording
	srv      *kinstatest.Server
	box      *mailbox
	out      string
	stateDir string
}

func newSequence(t *testing.T, config string) *sequence {
	cfg := loadConfig(t, config)
	src, srv := simSource(t, cfg, kinstatest.Options{})
	dir := t.TempDir()
	return &sequence{t: t, cfg: cfg, src: src, srv: srv, box: &mailbox{},
		out: filepath.Join(dir, "out"), stateDir: filepath.Join(dir, "state")}
}

// step is what one run did.
type step struct {
	res      job.Result
	stderr   string
	requests int // API requests served
	mails    int // messages delivered
}

func (s *sequence) run(now string, edit ...func(*job.Options)) step {
	s.t.Helper()
	at, err := time.Parse(time.RFC3339, now)
	if err != nil {
		s.t.Fatal(err)
	}
	var stderr strings.Builder
	o := job.Options{
		Now: at, Clock: func() time.Time { return at.Add(5 * time.Minute) },
		Getenv: func(string) string { return "" }, OutDir: s.out, StateDir: s.stateDir,
		Source: s.src, Stderr: &stderr, Logger: slog.New(slog.NewTextHandler(&stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	job.WithSender(&o, s.box.send)
	for _, e := range edit {
		e(&o)
	}
	reqs, mails := s.srv.Requests(), len(s.box.subjects())
	res := job.Run(s.t.Context(), s.cfg, o)
	return step{res: res, stderr: stderr.String(), requests: s.srv.Requests() - reqs, mails: len(s.box.subjects()) - mails}
}

func (s *sequence) entry(due string) state.Entry {
	s.t.Helper()
	st, err := state.OpenReadOnly(s.stateDir)
	if err != nil {
		s.t.Fatal(err)
	}
	e, err := st.Lookup("weekly-ops", due)
	if err != nil {
		s.t.Fatal(err)
	}
	return e
}

func subject(week string) string {
	start, _ := time.Parse(time.DateOnly, week)
	return fmt.Sprintf("Kinsta weekly-ops: %s to %s", start.AddDate(0, 0, -7).Format(time.DateOnly), start.AddDate(0, 0, -1).Format(time.DateOnly))
}

func mustContain(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s: %q is missing from:\n%s", what, w, got)
		}
	}
}

// TestTenWeeks runs a weekly report on ten Mondays (2026-09-21 to
// 2026-11-23, across the end of summer time) with weeks skipped, a re-run,
// a send that fails after its claim, a -resend and catch_up's cap: every
// week is mailed at most once, in order, each under its own Message-ID.
func TestTenWeeks(t *testing.T) {
	t.Parallel()
	s := newSequence(t, weeklyMail)
	monday := func(d string) string { return d + "T07:00:00+02:00" }
	mondayCET := func(d string) string { return d + "T07:00:00+01:00" }

	// Week 1: nothing sent yet, so only the latest due date.
	st := s.run(monday("2026-09-21"))
	if st.res.Status != job.OK || st.mails != 1 || st.requests == 0 {
		t.Fatalf("week 1: status %v, %d mails, %d requests; stderr:\n%s", st.res.Status, st.mails, st.requests, st.stderr)
	}
	t.Logf("week 1:\n%s", st.stderr)
	mustContain(t, "week 1", st.stderr, "weekly-ops: wrote "+filepath.Join(s.out, "weekly-ops", "weekly-ops_2026-09-21")+" {.json,.xlsx,.html}; emailed 1 recipients")

	// A re-run of week 1 sends nothing and asks the API nothing.
	st = s.run(monday("2026-09-21"))
	if st.res.Status != job.OK || st.mails != 0 || st.requests != 0 {
		t.Errorf("re-run: status %v, %d mails, %d requests; want OK, none, none; stderr:\n%s", st.res.Status, st.mails, st.requests, st.stderr)
	}
	t.Logf("re-run:\n%s", st.stderr)
	mustContain(t, "re-run", st.stderr, "weekly-ops 2026-09-21: already sent at 2026-09-21 07:05 CEST", "nothing due: every due date up to -now is done; no API request made")
	if len(st.res.Reports) != 1 || st.res.Reports[0].Held != "sent" || len(st.res.Reports[0].Files) != 0 {
		t.Errorf("re-run result %+v, want the due date held as sent and no file", st.res.Reports)
	}

	// Week 2 on time; week 3's run never happens; week 4 sends 3, then 4.
	if st = s.run(monday("2026-09-28")); st.mails != 1 {
		t.Errorf("week 2: %d mails; stderr:\n%s", st.mails, st.stderr)
	}
	st = s.run(monday("2026-10-12"))
	if st.res.Status != job.OK || st.mails != 2 {
		t.Errorf("week 4: status %v, %d mails, want the missed week and this one; stderr:\n%s", st.res.Status, st.mails, st.stderr)
	}
	t.Logf("week 4 (week 3 missed):\n%s", st.stderr)
	if got := []string{st.res.Reports[0].Due, st.res.Reports[1].Due}; !slices.Equal(got, []string{"2026-10-05", "2026-10-12"}) {
		t.Errorf("week 4 produced %v, want 2026-10-05 then 2026-10-12", got)
	}
	d := readDoc(t, filepath.Join(s.out, "weekly-ops", "weekly-ops_2026-10-05.json"))
	if len(d.Periods) != 1 || len(d.Periods[0].Apps) != 1 {
		t.Fatalf("the caught-up week's document: %+v", d)
	}

	// Week 5: the SMTP server fails after the claim. Exit 1, the claim
	// stands, the artifacts are written.
	s.box.fail = errors.New("dial tcp 127.0.0.1:2525: connect: connection refused")
	st = s.run(monday("2026-10-19"))
	s.box.fail = nil
	t.Logf("week 5 (send fails):\n%s", st.stderr)
	if st.res.Status != job.Failed || st.mails != 0 {
		t.Errorf("week 5: status %v, %d mails, want Failed and none; stderr:\n%s", st.res.Status, st.mails, st.stderr)
	}
	mustContain(t, "week 5", st.stderr, "report weekly-ops 2026-10-19: email: dial tcp", "the due date stays claimed, so later runs report it and do not send it (use -resend")
	e := s.entry("2026-10-19")
	if e.Status != state.Claimed || !strings.HasPrefix(e.MessageID, "<weekly-ops.2026-10-19.") || !strings.HasSuffix(e.MessageID, "@example.com>") {
		t.Errorf("week 5 ledger %+v, want claimed with the derived Message-ID at the From domain", e)
	}
	// Its re-run reports it and does not send it.
	st = s.run(monday("2026-10-19"))
	if st.res.Status != job.OK || st.mails != 0 || st.requests != 0 {
		t.Errorf("week 5 re-run: status %v, %d mails, %d requests; stderr:\n%s", st.res.Status, st.mails, st.requests, st.stderr)
	}
	t.Logf("week 5 re-run:\n%s", st.stderr)
	mustContain(t, "week 5 re-run", st.stderr, "weekly-ops 2026-10-19: begun at 2026-10-19 07:05 CEST and never confirmed; not resent", "use -resend to send it")
	// -resend sends it, under the Message-ID of the claim.
	st = s.run(monday("2026-10-19"), func(o *job.Options) { o.Resend = true })
	if st.res.Status != job.OK || st.mails != 1 || s.box.sent[len(s.box.sent)-1].id != e.MessageID {
		t.Errorf("-resend: status %v, %d mails, last id %q, want the claim's %q; stderr:\n%s", st.res.Status, st.mails, s.box.sent[len(s.box.sent)-1].id, e.MessageID, st.stderr)
	}
	t.Logf("week 5 -resend:\n%s", st.stderr)
	mustContain(t, "-resend", st.stderr, "emailed 1 recipients again (-resend; it was claimed; same Message-ID "+e.MessageID+")")
	if e := s.entry("2026-10-19"); e.Status != state.Sent {
		t.Errorf("after -resend the ledger holds %v, want sent", e.Status)
	}

	// Weeks 6 to 8 are missed; week 9's run catches up two (catch_up: 2),
	// skips week 6 and says so.
	st = s.run(mondayCET("2026-11-16"))
	if st.res.Status != job.OK || st.mails != 3 {
		t.Errorf("week 9: status %v, %d mails, want 3; stderr:\n%s", st.res.Status, st.mails, st.stderr)
	}
	t.Logf("week 9 (weeks 6-8 missed, catch_up 2):\n%s", st.stderr)
	mustContain(t, "week 9", st.stderr, "weekly-ops: skipped 1 missed due date (2026-10-26) past catch_up: 2; not produced")
	if got := st.res.Skipped["weekly-ops"]; !slices.Equal(got, []string{"2026-10-26"}) {
		t.Errorf("skipped %v", got)
	}
	// Week 10 on time, then a dry run of it: read, never written.
	if st = s.run(mondayCET("2026-11-23")); st.mails != 1 {
		t.Errorf("week 10: %d mails; stderr:\n%s", st.mails, st.stderr)
	}
	before := listFiles(t, s.stateDir)
	st = s.run(mondayCET("2026-11-23"), func(o *job.Options) { o.DryRun = true })
	mustContain(t, "dry run", st.stderr, "weekly-ops 2026-11-23: already sent at 2026-11-23 07:05 CET")
	st = s.run(mondayCET("2026-11-23"), func(o *job.Options) { o.DryRun = true; o.Resend = true })
	if st.mails != 0 || !slices.Contains(st.res.Reports[0].Files, filepath.Join(s.out, "weekly-ops", "weekly-ops_2026-11-23.eml")) {
		t.Errorf("dry -resend: %d mails, files %v, want the .eml only", st.mails, st.res.Reports[0].Files)
	}
	if after := listFiles(t, s.stateDir); !slices.Equal(before, after) {
		t.Errorf("a dry run changed the state folder:\n%v\n%v", before, after)
	}

	// Every week but the skipped one, in order, each once, each its own id.
	var want []string
	for _, w := range []string{"2026-09-21", "2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"} {
		want = append(want, subject(w))
	}
	if got := s.box.subjects(); !slices.Equal(got, want) {
		t.Errorf("mailed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	ids := map[string]bool{}
	for _, m := range s.box.sent {
		ids[m.id] = true
	}
	if len(ids) != len(s.box.sent) {
		t.Errorf("%d distinct Message-IDs for %d weeks", len(ids), len(s.box.sent))
	}
	if _, err := os.Stat(filepath.Join(s.out, "weekly-ops", "weekly-ops_2026-10-26.json")); err == nil {
		t.Error("the skipped week was written")
	}
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			info, _ := d.Info()
			out = append(out, fmt.Sprintf("%s %d %s", p, info.Size(), info.ModTime()))
		}
		return nil
	})
	return out
}

// TestKillBetweenSteps stops the first run of a week after each step (as a
// kill would), then runs the week again and the next week: no week is
// mailed twice, and one that may not have gone out is reported, not lost
// silently.
func TestKillBetweenSteps(t *testing.T) {
	t.Parallel()
	cases := []struct {
		step    string
		mails   int    // of the first week, over both runs
		again   string // what the second run says
		againOK bool
	}{
		{"written", 1, "weekly-ops: wrote ", true},
		{"claimed", 0, "begun at 2026-11-16 07:05 CET and never confirmed; not resent", true},
		{"sent", 1, "begun at 2026-11-16 07:05 CET and never confirmed; not resent", true},
		{"confirmed", 1, "already sent at 2026-11-16 07:05 CET", true},
	}
	for _, tc := range cases {
		t.Run(tc.step, func(t *testing.T) {
			t.Parallel()
			s := newSequence(t, weeklyMail)
			kill := func(o *job.Options) {
				job.WithCheckpoint(o, func(step string) error {
					if step == tc.step {
						return errors.New("killed")
					}
					return nil
				})
			}
			first := s.run("2026-11-16T07:00:00+01:00", kill)
			if first.res.Status != job.Failed {
				t.Errorf("the killed run: status %v; stderr:\n%s", first.res.Status, first.stderr)
			}
			mustContain(t, "killed run", first.stderr, "stopped after "+tc.step+": killed")
			again := s.run("2026-11-16T07:00:00+01:00")
			mustContain(t, "second run", again.stderr, tc.again)
			if first.mails+again.mails != tc.mails {
				t.Errorf("the week was mailed %d times, want %d; stderr:\n%s%s", first.mails+again.mails, tc.mails, first.stderr, again.stderr)
			}
			// The next week goes out once, whatever happened before.
			next := s.run("2026-11-23T07:00:00+01:00")
			if next.res.Status != job.OK || next.mails != 1 || !slices.Contains(s.box.subjects(), subject("2026-11-23")) {
				t.Errorf("next week: status %v, %d mails; stderr:\n%s", next.res.Status, next.mails, next.stderr)
			}
			for _, m := range s.box.subjects() {
				if n := countOf(s.box.subjects(), m); n > 1 {
					t.Errorf("%q mailed %d times", m, n)
				}
			}
			if tc.step == "written" {
				if _, err := os.Stat(filepath.Join(s.out, "weekly-ops", "weekly-ops_2026-11-16.json")); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func countOf(list []string, v string) int {
	n := 0
	for _, x := range list {
		if x == v {
			n++
		}
	}
	return n
}

// TestSendFailsOverSMTP: the real sender against a closed port, after the
// claim: exit 1, the next run does not send it, -resend does (to a real
// SMTP server when mailpit is here).
func TestSendFailsOverSMTP(t *testing.T) {
	t.Parallel()
	port := peer.FreePort(t) // nothing listens there
	s := newSequence(t, strings.Replace(weeklyMail, "port: 2525", fmt.Sprintf("port: %d", port), 1))
	once := func(o *job.Options) {
		job.WithSender(o, nil) // the real deliver.Send
		job.WithSendOptions(o, deliver.WithAttempts(1))
	}
	st := s.run("2026-11-23T07:00:00+01:00", once)
	if st.res.Status != job.Failed {
		t.Fatalf("status %v, want Failed; stderr:\n%s", st.res.Status, st.stderr)
	}
	mustContain(t, "failed send", st.stderr, "report weekly-ops 2026-11-23: email: send email via 127.0.0.1:", "the due date stays claimed")
	if e := s.entry("2026-11-23"); e.Status != state.Claimed {
		t.Errorf("ledger %v, want claimed", e.Status)
	}
	st = s.run("2026-11-23T07:00:00+01:00", once)
	if st.res.Status != job.OK || st.requests != 0 || !strings.Contains(st.stderr, "never confirmed; not resent") {
		t.Errorf("the next run: status %v, %d requests; stderr:\n%s", st.res.Status, st.requests, st.stderr)
	}
	st = s.run("2026-11-23T07:00:00+01:00", func(o *job.Options) { o.Resend = true })
	if st.res.Status != job.OK || st.mails != 1 {
		t.Errorf("-resend: status %v, %d mails; stderr:\n%s", st.res.Status, st.mails, st.stderr)
	}
}

// TestNoEmailRecordsWritten: a report without email records its due date
// when its artifacts are written: a re-run produces nothing and asks
// nothing; a dry run writes no record.
func TestNoEmailRecordsWritten(t *testing.T) {
	t.Parallel()
	config := strings.Replace(utcDaily, "periods: [{name: week, start: 2026-11-16, end: 2026-11-22}]", "periods: [yesterday]", 1)
	s := newSequence(t, config)
	dry := s.run(monday, func(o *job.Options) { o.DryRun = true })
	if dry.res.Status != job.OK {
		t.Fatalf("dry run: %v\n%s", dry.res.Status, dry.stderr)
	}
	if _, err := os.Stat(s.stateDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a dry run made the state folder: %v", err)
	}
	first := s.run(monday)
	if first.res.Status != job.OK || len(first.res.Reports[0].Files) != 3 {
		t.Fatalf("first: %+v\n%s", first.res, first.stderr)
	}
	again := s.run("2026-11-23T18:00:00Z")
	if again.requests != 0 || again.res.Reports[0].Held != "written" {
		t.Errorf("re-run: %d requests, %+v\n%s", again.requests, again.res.Reports, again.stderr)
	}
	mustContain(t, "re-run", again.stderr, "utc-daily 2026-11-23: already written at 2026-11-23 06:05 UTC")
	// Two days later: the missed day, then today.
	later := s.run("2026-11-25T06:00:00Z")
	var dues []string
	for _, r := range later.res.Reports {
		dues = append(dues, r.Due)
	}
	if !slices.Equal(dues, []string{"2026-11-24", "2026-11-25"}) {
		t.Errorf("two days later produced %v\n%s", dues, later.stderr)
	}
}

// TestToDateRunsEveryTime: a *_to_date report is due on every run; the
// ledger does not hold it back.
func TestToDateRunsEveryTime(t *testing.T) {
	t.Parallel()
	config := strings.Replace(weeklyMail, "periods: [previous_week]", "periods: [week_to_date]", 1)
	s := newSequence(t, config)
	for _, now := range []string{"2026-11-25T09:00:00Z", "2026-11-25T15:00:00Z"} {
		st := s.run(now)
		if st.res.Status != job.OK || st.mails != 1 {
			t.Errorf("run at %s: status %v, %d mails; stderr:\n%s", now, st.res.Status, st.mails, st.stderr)
		}
	}
	if e := s.entry("2026-11-25"); e.Status != state.None {
		t.Errorf("the ledger holds %v for a week_to_date report", e.Status)
	}
}

// TestNothingDueYet: a custom period that has not ended is not due: no
// request, exit 0, the date it will be due.
func TestNothingDueYet(t *testing.T) {
	t.Parallel()
	s := newSequence(t, strings.Replace(utcDaily, "end: 2026-11-22", "end: 2026-11-30", 1))
	st := s.run(monday)
	if st.res.Status != job.OK || st.requests != 0 {
		t.Errorf("status %v, %d requests", st.res.Status, st.requests)
	}
	mustContain(t, "not due", st.stderr, "utc-daily: nothing due yet: its first due date is 2026-12-01", "nothing due")
}

func TestMessageIDIsDerived(t *testing.T) {
	t.Parallel()
	a := job.MessageID("company-1", "weekly-ops", "2026-11-23")
	if a != job.MessageID("company-1", "weekly-ops", "2026-11-23") || !strings.HasPrefix(a, "weekly-ops.2026-11-23.") {
		t.Errorf("Message-ID %q is not stable or not readable", a)
	}
	for _, b := range []string{
		job.MessageID("company-2", "weekly-ops", "2026-11-23"),
		job.MessageID("company-1", "weekly-ops2", "2026-11-23"),
		job.MessageID("company-1", "weekly-ops", "2026-11-30"),
	} {
		if a == b {
			t.Errorf("%q for two different (company, report, due date)", b)
		}
	}
	if strings.Contains(a, "company-1") {
		t.Errorf("the company id shows in %q", a)
	}
}
