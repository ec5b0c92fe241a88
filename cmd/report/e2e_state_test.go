package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
)

// runReportIn runs the binary in dir, as a user would from there: the
// config is dir/reports.yaml, and args name paths relative to dir.
func runReportIn(t *testing.T, dir, config string, env map[string]string, args ...string) result {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "reports.yaml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return runBinary(t, dir, dir, env, append([]string{"-config", "reports.yaml"}, args...)...).withOut(filepath.Join(dir, "out"))
}

// TestHistoryLineNamesTheStateFolder: the history line names the state
// folder the run used, as seen from where it ran: the config's state/
// beside it, or <out>/state under -demo.
func TestHistoryLineNamesTheStateFolder(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`(?m)^history: \d+ metric requests served from (\S+), \d+ fetched`)
	shown := func(r result) string {
		t.Helper()
		m := re.FindStringSubmatch(r.stderr)
		if r.code != exitOK || m == nil {
			t.Fatalf("exit %d, no history line:\n%s", r.code, r.stderr)
		}
		return m[1]
	}

	dir := t.TempDir()
	beside := runReportIn(t, dir, utcDaily, map[string]string{"KINSTA_API_KEY": "k", "KINSTA_API_URL": sim(t, kinstatest.Options{APIKey: "k"})},
		"-out", "out", "-now", "2026-11-23T06:00:00Z", "-dry-run")
	if got := shown(beside); got != "state/" {
		t.Errorf("a run beside its config names %q, want state/", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "state", "history")); err != nil {
		t.Errorf("the state folder named is not the one written: %v", err)
	}

	demo := runReportIn(t, t.TempDir(), utcDaily, nil, "-demo", "-out", "out", "-now", "2026-11-23T06:00:00Z")
	if got := shown(demo); got != "out/state/" {
		t.Errorf("-demo -out out names %q, want out/state/", got)
	}
}
