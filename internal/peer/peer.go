// Package peer finds the real programs that some tests drive (Prism,
// LibreOffice, Chromium, mailpit, ...) and skips a test when one is missing,
// or fails it when the environment says every peer must be present
// (KINSTA_REPORT_REQUIRE_PEERS=1, as CI sets it).
package peer

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// RequireEnv is the environment variable that turns a missing peer from a
// skip into a failure when it is "1".
const RequireEnv = "KINSTA_REPORT_REQUIRE_PEERS"

// Required reports whether missing peers fail tests instead of skipping them.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// EnvName is the variable that overrides where a peer lives: the name in
// upper case with every character other than a letter or digit turned into
// "_", followed by "_BIN" ("prism" -> "PRISM_BIN", "chromium-browser" ->
// "CHROMIUM_BROWSER_BIN").
func EnvName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(name) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String() + "_BIN"
}

// Lookup finds a peer: the path in $<NAME>_BIN when set, else name on PATH,
// else the first of fallbacks that is an executable file. The error says
// everywhere it looked.
func Lookup(name string, fallbacks ...string) (string, error) {
	env := EnvName(name)
	if p := os.Getenv(env); p != "" {
		if err := executable(p); err != nil {
			return "", fmt.Errorf("peer %s: %s=%q: %w", name, env, p, err)
		}
		return p, nil
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	fallbacks = append(fallbacks, repoTools(name)...)
	for _, p := range fallbacks {
		if executable(p) == nil {
			return p, nil
		}
	}
	where := "$" + env + " unset, not on PATH"
	if len(fallbacks) > 0 {
		where += ", not at " + strings.Join(fallbacks, " or ")
	}
	return "", fmt.Errorf("peer %s not found (%s)", name, where)
}

// repoTools are the places .ci/run installs peers in this repository
// (.ci/tools), so that go test finds them after one .ci/run without a
// change to PATH.
func repoTools(name string) []string {
	dir, err := os.Getwd()
	if err != nil {
		return nil
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			tools := filepath.Join(dir, ".ci", "tools")
			return []string{filepath.Join(tools, "bin", name), filepath.Join(tools, "node", "node_modules", ".bin", name)}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
}

func executable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return errors.New("is a directory")
	}
	if fi.Mode().Perm()&0o111 == 0 {
		return errors.New("not executable")
	}
	return nil
}

// Require returns the path of the peer program name ($<NAME>_BIN, then
// PATH, then the repository's .ci/tools). When it is missing the test is skipped, or failed when
// KINSTA_REPORT_REQUIRE_PEERS=1.
func Require(t testing.TB, name string) string {
	t.Helper()
	return RequireAt(t, name)
}

// RequireAt is Require with extra places to look after PATH (for example a
// tools folder outside PATH).
func RequireAt(t testing.TB, name string, fallbacks ...string) string {
	t.Helper()
	p, err := Lookup(name, fallbacks...)
	if err != nil {
		Missing(t, "%v", err)
		return ""
	}
	return p
}

// Missing skips the test with the message, or fails it when
// KINSTA_REPORT_REQUIRE_PEERS=1. Use it only for what is absent from the
// machine: the peer itself, or something it needs that the repository does
// not provide (an input file, fonts). A peer that is present but fails is
// a failure: use Run or Fail, never Missing, or a crash the product causes
// reads as a skip.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		t.Fatalf("%s (%s=1: every test peer is required)", msg, RequireEnv)
		return
	}
	t.Skipf("%s (skipped; set %s=1 to make this a failure)", msg, RequireEnv)
}

// Fail fails the test at once: the peer was found but did not work (it
// would not start, it crashed, it answered nonsense). Unlike Missing it
// never skips, whatever KINSTA_REPORT_REQUIRE_PEERS says.
func Fail(t testing.TB, format string, args ...any) {
	t.Helper()
	t.Fatalf("%s (the peer is present, so this is a failure, not a skip)", fmt.Sprintf(format, args...))
}

// Run runs cmd, a peer found with Require, and returns its standard
// output. When the peer fails (exits non-zero, is killed, times out with
// its context) the test fails through Fail with the error and the end of
// the peer's standard error. cmd.Stdout and cmd.Stderr must be nil.
func Run(t testing.TB, cmd *exec.Cmd) []byte {
	t.Helper()
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		Fail(t, "%s failed: %v\n%s", filepath.Base(cmd.Path), err, tail(stderr.String(), 4000))
		return nil
	}
	return out
}

// tail is the last n bytes of s, for failure messages of chatty peers.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
