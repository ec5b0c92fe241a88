package report

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigState resolves the state key against the config file's folder:
// absent is "state" beside it, none is "", an absolute folder stays.
func TestConfigState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "reports.yaml")
	abs := filepath.Join(t.TempDir(), "elsewhere")
	for _, tc := range []struct {
		name, line, want string
	}{
		{"absent", "", filepath.Join(dir, "state")},
		{"relative", "state: data/history", filepath.Join(dir, "data", "history")},
		{"absolute", "state: " + abs, abs},
		{"none", "state: none", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := ParseConfig(file, []byte(doc(tc.line, "reports:", "  - name: weekly", "    periods: [previous_week]")))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.State != tc.want {
				t.Errorf("State = %q, want %q", cfg.State, tc.want)
			}
		})
	}
	_, err := ParseConfig("t.yaml", []byte(doc(`state: "  "`, "reports:", "  - name: weekly", "    periods: [previous_week]")))
	if err == nil || !strings.Contains(err.Error(), "t.yaml:1: state: empty") {
		t.Errorf("empty state: err = %v, want t.yaml:1: state: empty …", err)
	}
}
