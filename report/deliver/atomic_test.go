package deliver

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "weekly-ops_2026-11-23.json")
	onlyFile := func(t *testing.T) {
		t.Helper()
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Name() != filepath.Base(path) {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Fatalf("folder holds %v, want only %s (no temp files)", names, filepath.Base(path))
		}
	}
	content := func(t *testing.T) string {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	long := strings.Repeat("first run, long content\n", 10000)
	if err := WriteFileBytes(path, []byte(long)); err != nil {
		t.Fatal(err)
	}
	if content(t) != long {
		t.Fatal("first write: content differs")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}

	// A repeated run replaces the file whole, even when shorter.
	if err := WriteFileBytes(path, []byte("second")); err != nil {
		t.Fatal(err)
	}
	if got := content(t); got != "second" {
		t.Fatalf("after the repeated run: %q", got)
	}
	onlyFile(t)

	// A failing writer leaves the old file and no temp.
	boom := errors.New("render failed")
	err := WriteFileAtomic(path, func(w io.Writer) error {
		_, _ = io.WriteString(w, strings.Repeat("half written ", 100000))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want the writer's", err)
	}
	if got := content(t); got != "second" {
		t.Fatalf("after a failed write: %q", got)
	}
	onlyFile(t)

	// A panicking writer too.
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic was swallowed")
			}
		}()
		_ = WriteFileAtomic(path, func(w io.Writer) error {
			_, _ = io.WriteString(w, "partial")
			panic("renderer bug")
		})
	}()
	if got := content(t); got != "second" {
		t.Fatalf("after a panic: %q", got)
	}
	onlyFile(t)

	// A new file that fails never appears.
	other := filepath.Join(dir, "new.xlsx")
	if err := WriteFileAtomic(other, func(io.Writer) error { return boom }); err == nil {
		t.Fatal("no error")
	}
	if _, err := os.Stat(other); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed new file exists: %v", err)
	}
	onlyFile(t)

	if err := WriteFileBytes(filepath.Join(dir, "no-such-dir", "x"), nil); err == nil {
		t.Fatal("writing into a missing folder: no error")
	}
}
