// Package state keeps what a run must remember for the next one: the history
// of closed UTC days (every point fetched, so later runs read it instead of
// asking the API again) and the send ledger (which report was sent for which
// due date). Everything is plain files under one folder, written atomically
// (a file is whole or absent) and never rewritten once written, so the folder
// can live in git. The format is documented in docs/STATE.md.
//
// The package never reads the clock: callers pass "now".
package state

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"time"
)

// ErrReadOnly is returned by every write of a store opened with OpenReadOnly.
var ErrReadOnly = errors.New("state: opened read-only")

// Store is a state folder: history and ledger. It is safe for concurrent use,
// and two processes may use the same folder at once (see docs/STATE.md).
type Store struct {
	dir      string
	readOnly bool

	mu       sync.Mutex
	problems map[string]error // path → why it was skipped

	// fail, when set by tests, is called at each step of a file write; a
	// non-nil error stops the write right there, without cleaning up, as a
	// kill would.
	fail func(step string) error
}

// Open opens the state folder dir for reading and writing, creating it (and
// its history and ledger folders) when absent. It also writes
// dir/.gitignore, when absent, so that the temporary file of a killed run is
// never committed with the state.
func Open(dir string) (*Store, error) {
	for _, d := range []string{dir, filepath.Join(dir, historyDir), filepath.Join(dir, ledgerDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("open state: %w", err)
		}
	}
	s := &Store{dir: dir, problems: map[string]error{}}
	if _, err := os.Stat(filepath.Join(dir, ".gitignore")); errors.Is(err, fs.ErrNotExist) {
		err := s.writeFile(dir, ".gitignore", []byte(gitignore))
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("open state: %w", err)
		}
	}
	return s, nil
}

// gitignore keeps temporary files (".<name>.tmp-<random>") out of git.
const gitignore = "# Temporary files of interrupted writes (see docs/STATE.md in kinsta-report).\n.*.tmp-*\n"

// OpenReadOnly opens the state folder dir for reading only: every write
// returns ErrReadOnly and nothing on disk is created or changed (for
// -dry-run). A folder that does not exist reads as empty.
func OpenReadOnly(dir string) (*Store, error) {
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("open state: %s is not a folder", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open state: %w", err)
	}
	return &Store{dir: dir, readOnly: true, problems: map[string]error{}}, nil
}

// Dir is the folder the store lives in.
func (s *Store) Dir() string { return s.dir }

// ReadOnly reports whether the store was opened with OpenReadOnly.
func (s *Store) ReadOnly() bool { return s.readOnly }

// Problems lists the files that reads skipped because they could not be
// read or parsed (a truncated gzip, a broken line), one error per file
// naming it, sorted by path. A skipped file counts as absent: its days are
// not covered, so the caller fetches them again while the API still has
// them. The file itself is left in place for a human to look at.
func (s *Store) Problems() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	paths := make([]string, 0, len(s.problems))
	for p := range s.problems {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	out := make([]error, len(paths))
	for i, p := range paths {
		out[i] = s.problems[p]
	}
	return out
}

func (s *Store) problem(path string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems[path] = err
}

func (s *Store) step(name string) error {
	if s.fail != nil {
		return s.fail(name)
	}
	return nil
}

// errExist is returned by writeFile with exclusive set when the file is
// already there.
var errExist = fs.ErrExist

// writeFile writes data to dir/name whole or not at all: a temporary file in
// the same folder (named ".<name>.tmp-*", which readers ignore) is written
// and fsynced, then hard-linked to its name, which fails when the name
// exists: a written file is never replaced. The folder is fsynced after.
// It returns an error wrapping fs.ErrExist when the name was taken.
func (s *Store) writeFile(dir, name string, data []byte) error {
	if s.readOnly {
		return ErrReadOnly
	}
	path := filepath.Join(dir, name)
	if err := mkdirAllSync(dir); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := s.step("temp-written"); err != nil {
		return err // a kill: the temp stays, unsynced
	}
	if err := tmp.Chmod(0o644); err != nil && runtime.GOOS != "windows" {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := s.step("before-rename"); err != nil {
		return err
	}
	// A hard link publishes the whole file under its name atomically and,
	// unlike rename, fails when the name exists: the O_EXCL of a file that
	// already has its content.
	if err := os.Link(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("write %s: %w", path, errExist)
		}
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := s.step("after-rename"); err != nil {
		return err // the file is published; the temp and the folder sync are left
	}
	if err := os.Remove(tmp.Name()); err != nil {
		return fmt.Errorf("write %s: remove temp: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("write %s: sync folder: %w", path, err)
	}
	return nil
}

// mkdirAllSync creates dir and its missing parents, fsyncing each parent
// that got a new entry, so a new folder survives a crash with its file.
func mkdirAllSync(dir string) error {
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := mkdirAllSync(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(parent)
}

func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	serr := d.Sync()
	cerr := d.Close()
	if serr != nil {
		return serr
	}
	return cerr
}

// lastRunID is the time of the latest run id of this process.
var lastRunID struct {
	sync.Mutex
	t time.Time
}

// newRunID returns a name that sorts by now (UTC, to the nanosecond) and is
// unique across processes: 20261130T013500.123456789Z-1a2b3c4d. Within a
// process ids only grow, whatever now says (a fake clock that stands still
// or goes back in a simulation): an id is at least a nanosecond after the
// last one, so a later batch always wins over an earlier one.
func newRunID(now time.Time) string {
	now = now.UTC()
	lastRunID.Lock()
	if !now.After(lastRunID.t) {
		now = lastRunID.t.Add(time.Nanosecond)
	}
	lastRunID.t = now
	lastRunID.Unlock()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("state: random run id: %v", err)) // crypto/rand never fails on supported systems
	}
	return now.Format(runIDTime) + "-" + hex.EncodeToString(b[:])
}

const runIDTime = "20060102T150405.000000000Z"
