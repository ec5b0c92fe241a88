// Package deliver writes the artifacts (atomically: whole or not at all),
// builds the report email (go-mail) and sends it over SMTP with capped
// retries. It never reads the clock or the environment: the caller passes
// everything in.
package deliver

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// WriteFileAtomic writes a file whole or not at all: write fills a temporary
// file in the same folder, which is flushed, fsynced and renamed over path.
// On an error (or a panic in write) the temporary file is removed and an
// existing file at path is left as it was. A repeated run replaces the file
// whole. The file is created with mode 0644.
func WriteFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	committed := false
	defer func() {
		// Runs on errors and while a panic unwinds: never leave the temp.
		if !committed {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 64<<10)
	if err := write(bw); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	committed = true
	if runtime.GOOS != "windows" {
		// Make the rename itself durable.
		if d, err := os.Open(dir); err == nil {
			serr := d.Sync()
			_ = d.Close()
			if serr != nil {
				return fmt.Errorf("write %s: sync folder: %w", path, serr)
			}
		}
	}
	return nil
}

// WriteFileBytes writes b to path atomically (see WriteFileAtomic).
func WriteFileBytes(path string, b []byte) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}
