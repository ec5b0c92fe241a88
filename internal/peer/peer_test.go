package peer

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTB records Skipf and Fatalf instead of stopping the goroutine.
type fakeTB struct {
	testing.TB
	skipped, failed string
	args            string // the failure's formatted message
}

func (f *fakeTB) Helper()                          {}
func (f *fakeTB) Skipf(format string, args ...any) { f.skipped = format }
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed, f.args = format, fmt.Sprintf(format, args...)
}

func TestEnvName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"prism":            "PRISM_BIN",
		"chromium-browser": "CHROMIUM_BROWSER_BIN",
		"soffice":          "SOFFICE_BIN",
		"pdf2.x":           "PDF2_X_BIN",
	} {
		if got := EnvName(in); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLookupAndRequire(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "tool")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	const name = "kr-peer-test-nonexistent"
	env := EnvName(name)
	t.Setenv("PATH", dir) // only our temp dir: the real PATH cannot interfere

	tests := []struct {
		name      string
		envValue  string
		require   string
		fallbacks []string
		want      string
		skipped   bool
		failed    bool
	}{
		{name: "env wins", envValue: exe, want: exe},
		{name: "fallback", fallbacks: []string{plain, exe}, want: exe},
		{name: "missing skips", skipped: true},
		{name: "missing fails when required", require: "1", failed: true},
		{name: "env not executable skips", envValue: plain, skipped: true},
		{name: "env not executable fails when required", envValue: plain, require: "1", failed: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(env, tc.envValue)
			t.Setenv(RequireEnv, tc.require)
			f := &fakeTB{TB: t}
			got := RequireAt(f, name, tc.fallbacks...)
			if got != tc.want {
				t.Errorf("path = %q, want %q", got, tc.want)
			}
			if (f.skipped != "") != tc.skipped || (f.failed != "") != tc.failed {
				t.Errorf("skipped=%q failed=%q, want skip %v fail %v", f.skipped, f.failed, tc.skipped, tc.failed)
			}
		})
	}

	t.Run("on PATH", func(t *testing.T) {
		t.Setenv("tool_BIN", "")
		t.Setenv(EnvName("tool"), "")
		f := &fakeTB{TB: t}
		if got := Require(f, "tool"); got != exe {
			t.Errorf("Require(tool) = %q, want %q", got, exe)
		}
	})

	t.Run("message says where it looked", func(t *testing.T) {
		t.Setenv(env, "")
		_, err := Lookup(name, "/nowhere/x")
		if err == nil || !strings.Contains(err.Error(), env) || !strings.Contains(err.Error(), "/nowhere/x") {
			t.Errorf("Lookup error = %v, want it to name %s and the fallback", err, env)
		}
	})
}

// A peer that is present but fails fails the test, with its standard
// error, even when peers are not required: never a skip.
func TestRunFailsNeverSkips(t *testing.T) {
	dir := t.TempDir()
	crash := filepath.Join(dir, "crash")
	if err := os.WriteFile(crash, []byte("#!/bin/sh\necho 'Received signal 11 SEGV' >&2\nexit 139\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ok := filepath.Join(dir, "ok")
	if err := os.WriteFile(ok, []byte("#!/bin/sh\necho \"dom $1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, require := range []string{"", "1"} {
		t.Setenv(RequireEnv, require)
		f := &fakeTB{TB: t}
		if out := Run(f, exec.Command(crash)); out != nil {
			t.Errorf("output %q of a failed run", out)
		}
		if f.skipped != "" || !strings.Contains(f.failed, "present") || !strings.Contains(f.args, "SEGV") {
			t.Errorf("%s=%q: skipped=%q failed=%q (%s), want a failure with the peer's stderr", RequireEnv, require, f.skipped, f.failed, f.args)
		}
	}
	f := &fakeTB{TB: t}
	if out := Run(f, exec.Command(ok, "x")); string(out) != "dom x\n" || f.failed != "" || f.skipped != "" {
		t.Errorf("Run(ok) = %q, failed=%q skipped=%q", out, f.failed, f.skipped)
	}
}
