package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

const ledgerDir = "ledger"

// Status is where a (report, due date) stands in the ledger.
type Status int

const (
	// None: nothing recorded; the due date has not been produced.
	None Status = iota
	// Claimed: a run claimed the due date to send it and never confirmed
	// (it crashed mid-send, or is sending right now). Not sent again unless
	// the user asks.
	Claimed
	// Sent: the email was confirmed sent.
	Sent
	// Written: a report without email wrote its artifacts for the due date.
	Written
)

func (s Status) String() string {
	switch s {
	case Claimed:
		return "claimed"
	case Sent:
		return "sent"
	case Written:
		return "written"
	}
	return "none"
}

// Entry is what the ledger holds for one (report, due date).
type Entry struct {
	Report string
	Due    string // YYYY-MM-DD, the report's local due date
	Status Status
	// At is when the status was reached (the claim, the confirmation or the
	// artifacts' write); zero for None.
	At time.Time
	// ClaimedAt is when the send was claimed; zero when it never was.
	ClaimedAt time.Time
	// MessageID is the Message-ID the claim recorded.
	MessageID string
	// Resent lists the times of -resend sends, oldest first.
	Resent []time.Time
}

// ErrTaken is what a ConflictError matches with errors.Is: the due date
// already has a claim, a confirmation or a written record.
var ErrTaken = errors.New("already taken")

// ErrNotClaimed is returned by Confirm when the due date was never claimed.
var ErrNotClaimed = errors.New("not claimed")

// ConflictError says why a claim or record was refused: what the ledger
// already holds for the due date.
type ConflictError struct {
	Entry Entry
}

func (e *ConflictError) Error() string {
	what := "already " + e.Entry.Status.String()
	if e.Entry.Status == Claimed {
		what = "already claimed (begun, never confirmed)"
	}
	return fmt.Sprintf("state: ledger: %s %s: %s at %s", e.Entry.Report, e.Entry.Due, what, fmtTime(e.Entry.At))
}

// Is makes errors.Is(err, ErrTaken) true.
func (e *ConflictError) Is(target error) bool { return target == ErrTaken }

// record is one ledger file.
type record struct {
	Report    string `json:"report"`
	Due       string `json:"due"`
	Status    string `json:"status"`
	At        string `json:"at"`
	MessageID string `json:"message_id,omitempty"`
}

var reportNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

func checkKey(report, due string) error {
	if !reportNameRE.MatchString(report) {
		return fmt.Errorf("state: ledger: report name %q: want lowercase letters, digits and dashes", report)
	}
	if t, err := time.Parse(dayLayout, due); err != nil || t.Format(dayLayout) != due {
		return fmt.Errorf("state: ledger: %s: due date %q: want YYYY-MM-DD", report, due)
	}
	return nil
}

func (s *Store) reportDir(report string) string { return filepath.Join(s.dir, ledgerDir, report) }

func (s *Store) writeRecord(name string, r record) error {
	if s.readOnly {
		return ErrReadOnly
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // Message-IDs keep their <…> readable
	if err := enc.Encode(r); err != nil {
		return err
	}
	return s.writeFile(s.reportDir(r.Report), name, buf.Bytes())
}

// Claim records, before sending, that this run sends (report, due) with
// messageID. It fails with a *ConflictError (errors.Is ErrTaken) when the
// due date is already claimed, sent or written. The claim file is created
// exclusively, so of two overlapping runs exactly one wins.
func (s *Store) Claim(report, due string, at time.Time, messageID string) (Entry, error) {
	if err := checkKey(report, due); err != nil {
		return Entry{}, err
	}
	if s.readOnly {
		return Entry{}, ErrReadOnly
	}
	e, err := s.Lookup(report, due)
	if err != nil {
		return Entry{}, err
	}
	if e.Status != None {
		return Entry{}, &ConflictError{Entry: e}
	}
	if err := s.writeOnce("claim", due+".claimed.json", record{Report: report, Due: due, Status: Claimed.String(), At: fmtTime(at), MessageID: messageID}); err != nil {
		return Entry{}, err
	}
	return s.Lookup(report, due)
}

// Confirm records, after sending, that the claimed (report, due) was sent.
// It fails with ErrNotClaimed when there is no claim and with a
// *ConflictError when it was already confirmed.
func (s *Store) Confirm(report, due string, at time.Time) error {
	if err := checkKey(report, due); err != nil {
		return err
	}
	if s.readOnly {
		return ErrReadOnly
	}
	e, err := s.Lookup(report, due)
	if err != nil {
		return err
	}
	switch e.Status {
	case None:
		return fmt.Errorf("state: ledger: %s %s: confirm: %w", report, due, ErrNotClaimed)
	case Sent, Written:
		return &ConflictError{Entry: e}
	}
	return s.writeOnce("confirm", due+".sent.json", record{Report: report, Due: due, Status: Sent.String(), At: fmtTime(at), MessageID: e.MessageID})
}

// writeOnce writes a ledger record of (rec.Report, rec.Due) that must not
// exist yet. When another run wrote it first, the error is a
// *ConflictError with what the ledger holds now; step names the operation
// in any other error.
func (s *Store) writeOnce(step, name string, rec record) error {
	err := s.writeRecord(name, rec)
	if errors.Is(err, fs.ErrExist) {
		e, lerr := s.Lookup(rec.Report, rec.Due)
		if lerr != nil {
			return lerr
		}
		return &ConflictError{Entry: e}
	}
	if err != nil {
		return fmt.Errorf("state: ledger: %s: %w", step, err)
	}
	return nil
}

// MarkWritten records that a report without email wrote its artifacts for
// due, so catch-up and "already done" work for it. It fails with a
// *ConflictError when the due date already has a record.
func (s *Store) MarkWritten(report, due string, at time.Time) error {
	if err := checkKey(report, due); err != nil {
		return err
	}
	if s.readOnly {
		return ErrReadOnly
	}
	e, err := s.Lookup(report, due)
	if err != nil {
		return err
	}
	if e.Status != None {
		return &ConflictError{Entry: e}
	}
	return s.writeOnce("written", due+".written.json", record{Report: report, Due: due, Status: Written.String(), At: fmtTime(at)})
}

// Resent records a -resend of (report, due): sent again whatever the ledger
// held. Each resend is its own file; nothing is replaced.
func (s *Store) Resent(report, due string, at time.Time, messageID string) error {
	if err := checkKey(report, due); err != nil {
		return err
	}
	if s.readOnly {
		return ErrReadOnly
	}
	name := due + ".resent." + newRunID(at) + ".json"
	if err := s.writeRecord(name, record{Report: report, Due: due, Status: "resent", At: fmtTime(at), MessageID: messageID}); err != nil {
		return fmt.Errorf("state: ledger: resent: %w", err)
	}
	return nil
}

// Lookup returns what the ledger holds for (report, due); Status None when
// nothing. A ledger file that cannot be read is an error naming it: the
// ledger decides whether to send, so it is never guessed.
func (s *Store) Lookup(report, due string) (Entry, error) {
	if err := checkKey(report, due); err != nil {
		return Entry{}, err
	}
	all, err := s.entries(report, due)
	if err != nil {
		return Entry{}, err
	}
	if e, ok := all[due]; ok {
		return *e, nil
	}
	return Entry{Report: report, Due: due}, nil
}

// Entries returns every due date of report that has a record, oldest first.
func (s *Store) Entries(report string) ([]Entry, error) {
	if !reportNameRE.MatchString(report) {
		return nil, fmt.Errorf("state: ledger: report name %q: want lowercase letters, digits and dashes", report)
	}
	all, err := s.entries(report, "")
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(all))
	for _, e := range all {
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Due < out[j].Due })
	return out, nil
}

// LastSent returns the latest due date of report that was sent or written;
// ok is false when there is none.
func (s *Store) LastSent(report string) (e Entry, ok bool, err error) {
	all, err := s.Entries(report)
	if err != nil {
		return Entry{}, false, err
	}
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Status == Sent || all[i].Status == Written {
			return all[i], true, nil
		}
	}
	return Entry{}, false, nil
}

var ledgerFileRE = regexp.MustCompile(`^([0-9]{4}-[0-9]{2}-[0-9]{2})\.(claimed|sent|written|resent\.[0-9]{8}T[0-9]{6}\.[0-9]{9}Z-[0-9a-f]{8})\.json$`)

// entries reads the ledger files of report (only those of due, when set).
func (s *Store) entries(report, due string) (map[string]*Entry, error) {
	dir := s.reportDir(report)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]*Entry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state: ledger: %w", err)
	}
	out := map[string]*Entry{}
	for _, de := range ents {
		m := ledgerFileRE.FindStringSubmatch(de.Name())
		if m == nil || !de.Type().IsRegular() || (due != "" && m[1] != due) {
			continue // a stray temp or a foreign file
		}
		path := filepath.Join(dir, de.Name())
		r, err := readRecord(path)
		if err != nil {
			return nil, err
		}
		kind := m[2]
		if strings.HasPrefix(kind, "resent.") {
			kind = "resent"
		}
		if r.Report != report || r.Due != m[1] || r.Status != kind {
			return nil, fmt.Errorf("state: ledger: %s: holds %s %s %s, not what its name says", path, r.Report, r.Due, r.Status)
		}
		at, err := time.Parse(time.RFC3339Nano, r.At)
		if err != nil {
			return nil, fmt.Errorf("state: ledger: %s: at: %w", path, err)
		}
		e := out[m[1]]
		if e == nil {
			e = &Entry{Report: report, Due: m[1]}
			out[m[1]] = e
		}
		switch kind {
		case "claimed":
			e.ClaimedAt, e.MessageID = at, r.MessageID
		case "sent":
			e.Status, e.At = Sent, at
		case "written":
			if e.Status != Sent {
				e.Status, e.At = Written, at
			}
		case "resent":
			e.Resent = append(e.Resent, at)
		}
	}
	for _, e := range out {
		if e.Status == None && !e.ClaimedAt.IsZero() {
			e.Status, e.At = Claimed, e.ClaimedAt
		}
		if e.Status == None && len(e.Resent) > 0 {
			// A resend with no earlier record still means sent.
			e.Status = Sent
		}
		sort.Slice(e.Resent, func(i, j int) bool { return e.Resent[i].Before(e.Resent[j]) })
		if e.Status == Sent && e.At.IsZero() && len(e.Resent) > 0 {
			e.At = e.Resent[0]
		}
	}
	return out, nil
}

func readRecord(path string) (record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return record{}, fmt.Errorf("state: ledger: %w", err)
	}
	var r record
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return record{}, fmt.Errorf("state: ledger: %s: %w", path, err)
	}
	return r, nil
}
