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
func runConfig(t *testing.T, config string, args ...string) (int, string) {
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
	code, stderr := runConfig(t, "api:\n  company_id: 0b1c2d3e-4f50-4617-8899-aabbccddeeff\nreports:\n  - name: r\n    apps: [shop]\n    periods: [yesterday]\n    metrics: [bandwidth]\n", "-demo")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}

// Issue 13 items 4 and 6: -check resolves periods at -now: a period not
// yet begun fails it; a running one, one past retention and a threshold
// app outside its report are warnings, and the config is ok.
func TestCheckSaysWhatTheClockAllows(t *testing.T) {
	t.Parallel()
	base := "reports:\n  - name: r\n    apps: [shop]\n    periods:\n      - last_401_days\n      - {name: december, start: 2026-11-28, end: 2026-12-06}\n    thresholds:\n      - {metric: bandwidth, above: 5GB, on: total, apps: [blog-api]}\n"
	code, stderr := runConfig(t, base, "-check", "-now", "2026-11-30T06:00:00Z")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		`reports.yaml:8: reports[0].thresholds[0].apps[0]: warning: app "blog-api" is not among the report's apps as written`,
		"reports.yaml:5: reports[0].periods[0]: warning: last_401_days starts 2025-10-25, but Kinsta keeps analytics for 30 days",
		"reports.yaml:6: reports[0].periods[1]: warning: december ends 2026-12-06, after this report was made",
		": ok (1 report: r)",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	code, stderr = runConfig(t, strings.Replace(base, "start: 2026-11-28, end: 2026-12-06", "start: 2027-06-01, end: 2027-06-07", 1), "-check", "-now", "2026-11-30T06:00:00Z")
	if code != exitUsage || !strings.Contains(stderr, `reports.yaml:6: reports[0].periods[1]: custom period "december" starts 2027-06-01`) || strings.Contains(stderr, ": ok") {
		t.Errorf("a period not yet begun: exit %d, stderr:\n%s", code, stderr)
	}
}
