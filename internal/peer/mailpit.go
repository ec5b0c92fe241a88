package peer

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Mailpit starts a real SMTP server (mailpit) on free loopback ports for
// the test, with extra flags, and returns its SMTP port and the base URL of
// its HTTP API once the API answers. It is stopped when the test ends.
// When mailpit is missing the test skips, or fails under
// KINSTA_REPORT_REQUIRE_PEERS=1.
func Mailpit(t testing.TB, extra ...string) (smtpPort int, api string) {
	t.Helper()
	bin := Require(t, "mailpit")
	smtpPort = FreePort(t)
	httpAddr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	api = "http://" + httpAddr
	args := append([]string{
		"--smtp", fmt.Sprintf("127.0.0.1:%d", smtpPort), "--listen", httpAddr,
		"--database", filepath.Join(t.TempDir(), "mailpit.db"),
		"--disable-version-check", "--smtp-disable-rdns", "--quiet",
	}, extra...)
	cmd := exec.Command(bin, args...)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		Fail(t, "mailpit %s did not start: %v", bin, err)
		return 0, ""
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	for range 200 {
		select {
		case err := <-done:
			t.Fatalf("mailpit exited: %v\n%s", err, out.String())
		default:
		}
		if resp, err := http.Get(api + "/api/v1/info"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return smtpPort, api
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("mailpit did not answer on %s/api/v1/info within 10s\n%s", api, out.String())
	return 0, ""
}

// lockedBuffer collects a peer's output for failure messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
