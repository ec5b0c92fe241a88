package main

import (
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// Issue 13 item 3: -version says which build ran.
func TestVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"module version", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.4.0"}},
			"kinsta-report v1.4.0 (go1.26.0)"},
		{"vcs revision", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "9680960abcdef0123456789abcdef0123456789a"}, {Key: "vcs.time", Value: "2026-11-30T01:02:03Z"}, {Key: "vcs.modified", Value: "true"}}},
			"kinsta-report devel 9680960abcde 2026-11-30T01:02:03Z dirty (go1.26.0)"},
		{"clean revision", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "false"}}},
			"kinsta-report devel abc"},
		{"nothing stamped", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}},
			"kinsta-report devel (no VCS revision: built outside a git checkout or with -buildvcs=false) (go1.26.0)"},
		{"no build info", nil, "kinsta-report (no build information)"},
	}
	for _, tc := range tests {
		if got := version(tc.info, tc.info != nil); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// -version prints the build and exits 0 without reading a config.
func TestRunVersionFlag(t *testing.T) {
	t.Parallel()
	var stderr strings.Builder
	code := run(t.Context(), []string{"-version", "-config", "/nonexistent/reports.yaml"}, &stderr, func(string) string { return "" }, func() time.Time { return time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC) })
	if code != exitOK || !strings.HasPrefix(stderr.String(), "kinsta-report ") || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}
