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
	"strconv"
	"time"
)

// The channel ledger: like the send ledger, but per notify channel (a Slack
// channel, a Teams channel, a webhook) of a report, so each channel gets each
// due date once. Files, append-only like the rest of the ledger, under
// ledger/<report>/notify/ (a folder the report's own ledger ignores):
//
//	<due>.<channel>.claimed.<n>.json   attempt n claimed (exclusive)
//	<due>.<channel>.failed.<n>.json    attempt n failed: the receiver did not take it
//	<due>.<channel>.sent.json          confirmed posted
//
// A claim that was neither confirmed nor failed (a run killed mid-post) is
// not posted again; a failed attempt lets a later run claim attempt n+1.

const channelDir = "notify"

// channelNameRE: a channel key as job makes it, kind-name
// ("slack-ops-channel", "github_summary").
var channelNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

const maxChannelName = 100

// ChannelEntry is what the channel ledger holds for (report, due, channel).
type ChannelEntry struct {
	Report, Due, Channel string
	// Status is None (never claimed, or every attempt failed), Claimed (an
	// attempt begun and never settled) or Sent.
	Status Status
	// At is when the status was reached; zero for None.
	At time.Time
	// Attempts is how many attempts were claimed; Failures how many of them
	// failed.
	Attempts, Failures int
}

// ChannelTakenError is a channel claim refused: the channel already has
// the due date claimed or sent. errors.Is(err, ErrTaken) is true.
type ChannelTakenError struct{ Entry ChannelEntry }

func (e *ChannelTakenError) Error() string {
	what := "already sent"
	if e.Entry.Status == Claimed {
		what = "already claimed (begun, never confirmed)"
	}
	return fmt.Sprintf("state: ledger: %s %s %s: %s at %s", e.Entry.Report, e.Entry.Due, e.Entry.Channel, what, fmtTime(e.Entry.At))
}

// Is makes errors.Is(err, ErrTaken) true.
func (e *ChannelTakenError) Is(target error) bool { return target == ErrTaken }

type channelRecord struct {
	Report  string `json:"report"`
	Due     string `json:"due"`
	Channel string `json:"channel"`
	Status  string `json:"status"`
	At      string `json:"at"`
	Attempt int    `json:"attempt,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

func checkChannelKey(report, due, channel string) error {
	if err := checkKey(report, due); err != nil {
		return err
	}
	if !channelNameRE.MatchString(channel) || len(channel) > maxChannelName {
		return fmt.Errorf("state: ledger: %s %s: channel %q: want lowercase letters, digits, dashes and underscores", report, due, channel)
	}
	return nil
}

func (s *Store) channelDir(report string) string {
	return filepath.Join(s.reportDir(report), channelDir)
}

func (s *Store) writeChannel(name string, r channelRecord) error {
	if s.readOnly {
		return ErrReadOnly
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(r); err != nil {
		return err
	}
	return s.writeFile(s.channelDir(r.Report), name, buf.Bytes())
}

// ClaimChannel records, before posting, that this run posts (report, due)
// to channel. It fails with a *ChannelTakenError (errors.Is ErrTaken) when
// the channel has the due date sent, or claimed by an attempt that neither
// succeeded nor failed. Of two overlapping runs exactly one wins.
func (s *Store) ClaimChannel(report, due, channel string, at time.Time) (ChannelEntry, error) {
	if err := checkChannelKey(report, due, channel); err != nil {
		return ChannelEntry{}, err
	}
	if s.readOnly {
		return ChannelEntry{}, ErrReadOnly
	}
	e, err := s.LookupChannel(report, due, channel)
	if err != nil {
		return ChannelEntry{}, err
	}
	if e.Status != None {
		return ChannelEntry{}, &ChannelTakenError{Entry: e}
	}
	n := e.Attempts + 1
	err = s.writeChannel(fmt.Sprintf("%s.%s.claimed.%d.json", due, channel, n),
		channelRecord{Report: report, Due: due, Channel: channel, Status: "claimed", At: fmtTime(at), Attempt: n})
	if errors.Is(err, fs.ErrExist) {
		e, lerr := s.LookupChannel(report, due, channel)
		if lerr != nil {
			return ChannelEntry{}, lerr
		}
		return ChannelEntry{}, &ChannelTakenError{Entry: e}
	}
	if err != nil {
		return ChannelEntry{}, fmt.Errorf("state: ledger: claim %s: %w", channel, err)
	}
	return s.LookupChannel(report, due, channel)
}

// ConfirmChannel records, after posting, that the claimed channel was sent.
func (s *Store) ConfirmChannel(report, due, channel string, at time.Time) error {
	e, err := s.settleCheck(report, due, channel)
	if err != nil {
		return err
	}
	err = s.writeChannel(fmt.Sprintf("%s.%s.sent.json", due, channel),
		channelRecord{Report: report, Due: due, Channel: channel, Status: "sent", At: fmtTime(at), Attempt: e.Attempts})
	if err != nil {
		return fmt.Errorf("state: ledger: confirm %s: %w", channel, err)
	}
	return nil
}

// FailChannel records that the claimed attempt failed (the receiver did
// not take the message), so a later run may claim the channel again.
// reason must hold no secret (notify's errors never do).
func (s *Store) FailChannel(report, due, channel string, at time.Time, reason string) error {
	e, err := s.settleCheck(report, due, channel)
	if err != nil {
		return err
	}
	err = s.writeChannel(fmt.Sprintf("%s.%s.failed.%d.json", due, channel, e.Attempts),
		channelRecord{Report: report, Due: due, Channel: channel, Status: "failed", At: fmtTime(at), Attempt: e.Attempts, Reason: reason})
	if err != nil {
		return fmt.Errorf("state: ledger: fail %s: %w", channel, err)
	}
	return nil
}

// settleCheck returns the entry of a claim that may be settled.
func (s *Store) settleCheck(report, due, channel string) (ChannelEntry, error) {
	if err := checkChannelKey(report, due, channel); err != nil {
		return ChannelEntry{}, err
	}
	if s.readOnly {
		return ChannelEntry{}, ErrReadOnly
	}
	e, err := s.LookupChannel(report, due, channel)
	if err != nil {
		return ChannelEntry{}, err
	}
	switch e.Status {
	case None:
		return e, fmt.Errorf("state: ledger: %s %s %s: %w", report, due, channel, ErrNotClaimed)
	case Sent:
		return e, &ChannelTakenError{Entry: e}
	}
	return e, nil
}

var channelFileRE = regexp.MustCompile(`^([0-9]{4}-[0-9]{2}-[0-9]{2})\.([a-z0-9][a-z0-9_-]*)\.(claimed\.[0-9]+|failed\.[0-9]+|sent)\.json$`)

// LookupChannel returns what the channel ledger holds for (report, due,
// channel). A file that cannot be read is an error naming it.
func (s *Store) LookupChannel(report, due, channel string) (ChannelEntry, error) {
	if err := checkChannelKey(report, due, channel); err != nil {
		return ChannelEntry{}, err
	}
	e := ChannelEntry{Report: report, Due: due, Channel: channel}
	dir := s.channelDir(report)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return e, nil
	}
	if err != nil {
		return e, fmt.Errorf("state: ledger: %w", err)
	}
	claims := map[int]time.Time{}
	failed := map[int]bool{}
	var sentAt time.Time
	sent := false
	for _, de := range ents {
		m := channelFileRE.FindStringSubmatch(de.Name())
		if m == nil || !de.Type().IsRegular() || m[1] != due || m[2] != channel {
			continue
		}
		path := filepath.Join(dir, de.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			return e, fmt.Errorf("state: ledger: %w", err)
		}
		var r channelRecord
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return e, fmt.Errorf("state: ledger: %s: %w", path, err)
		}
		at, err := time.Parse(time.RFC3339Nano, r.At)
		kind, num, _ := cutNum(m[3])
		if err != nil || r.Report != report || r.Due != due || r.Channel != channel || r.Status != kind || (kind != "sent" && r.Attempt != num) {
			return e, fmt.Errorf("state: ledger: %s: holds %s %s %s %s, not what its name says", path, r.Report, r.Due, r.Channel, r.Status)
		}
		switch kind {
		case "claimed":
			claims[num] = at
		case "failed":
			failed[num] = true
		case "sent":
			sent, sentAt = true, at
		}
	}
	for n, at := range claims {
		e.Attempts = max(e.Attempts, n)
		if failed[n] {
			e.Failures++
		} else if !sent && (e.Status == None || at.After(e.At)) {
			e.Status, e.At = Claimed, at
		}
	}
	if sent {
		e.Status, e.At = Sent, sentAt
	}
	return e, nil
}

// cutNum splits "claimed.3" into "claimed" and 3.
func cutNum(s string) (string, int, bool) {
	for i := range len(s) {
		if s[i] == '.' {
			n, err := strconv.Atoi(s[i+1:])
			return s[:i], n, err == nil
		}
	}
	return s, 0, false
}
