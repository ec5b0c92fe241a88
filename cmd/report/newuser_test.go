package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runIn runs the command in-process with config written to a temporary
// folder; it returns the exit code and stderr.
func runIn(t *testing.T, config string, args ...string) (int, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "reports.yaml")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	clock := func() time.Time { return time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC) }
	code := run(t.Context(), append([]string{"-config", path, "-out", filepath.Join(dir, "out")}, args...), &stderr, func(string) string { return "" }, clock)
	return code, stderr.String()
}

// Issue 13 item 9: -demo runs against its own simulated company whatever
// api.company_id the file names.
func TestRunDemoIgnoresTheFilesCompanyID(t *testing.T) {
	t.Parallel()
	code, stderr := runIn(t, "api:\n  company_id: 0b1c2d3e-4f50-4617-8899-aabbccddeeff\nreports:\n  - name: r\n    apps: [shop]\n    periods: [yesterday]\n    metrics: [bandwidth]\n", "-demo")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}
