package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
	"github.com/kinsta-report/kinsta-report/internal/peer"
)

// runIn runs the binary with the config in dir, so that successive runs
// share the state folder beside it and the output folder.
func runIn(t *testing.T, dir string, env map[string]string, args ...string) result {
	t.Helper()
	out := filepath.Join(dir, "out")
	return runBinary(t, "", dir, env, append([]string{"-config", filepath.Join(dir, "reports.yaml"), "-out", out}, args...)...).withOut(out)
}

// TestRunSendsEachWeekOnce: through a real SMTP server, a week is mailed
// once however often the binary runs; a re-run exits 0 saying so and asks
// the API nothing; -resend mails it again under the same Message-ID.
func TestRunSendsEachWeekOnce(t *testing.T) {
	t.Parallel()
	smtpPort, api := peer.Mailpit(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "reports.yaml"), []byte(alertsConfig(smtpPort)), 0o644); err != nil {
		t.Fatal(err)
	}
	url := sim(t, kinstatest.Options{})
	env := map[string]string{"KINSTA_API_KEY": "test-key-0123456789", "KINSTA_API_URL": url}
	now := "2026-11-23T07:00:00+01:00"

	type list struct {
		Total    int
		Messages []struct{ MessageID string }
	}
	messages := func() list {
		var l list
		getJSON(t, api+"/api/v1/messages", &l)
		return l
	}

	if res := runIn(t, dir, env, "-now", now); res.code != 0 {
		t.Fatalf("first run: exit %d, stderr:\n%s", res.code, res.stderr)
	}
	if l := messages(); l.Total != 1 {
		t.Fatalf("mailpit holds %d messages after the first run, want 1", l.Total)
	}
	// The API is gone: a re-run that asked it anything would fail.
	res := runIn(t, dir, map[string]string{"KINSTA_API_KEY": "k", "KINSTA_API_URL": "http://127.0.0.1:1/v2"}, "-now", now)
	if res.code != 0 || !strings.Contains(res.stderr, "alerts 2026-11-23: already sent at ") || !strings.Contains(res.stderr, "nothing due") {
		t.Errorf("re-run: exit %d, stderr:\n%s", res.code, res.stderr)
	}
	if l := messages(); l.Total != 1 {
		t.Errorf("mailpit holds %d messages after the re-run, want 1", l.Total)
	}
	res = runIn(t, dir, env, "-now", now, "-resend")
	if res.code != 0 || !strings.Contains(res.stderr, "again (-resend; it was sent; same Message-ID <alerts.2026-11-23.") {
		t.Errorf("-resend: exit %d, stderr:\n%s", res.code, res.stderr)
	}
	l := messages()
	if l.Total != 2 || l.Messages[0].MessageID != l.Messages[1].MessageID || !strings.HasPrefix(l.Messages[0].MessageID, "alerts.2026-11-23.") {
		t.Errorf("mailpit holds %+v, want two messages with one derived Message-ID", l)
	}
	if _, err := os.Stat(filepath.Join(dir, "state", "ledger", "alerts", "2026-11-23.sent.json")); err != nil {
		t.Errorf("no confirmation beside the config: %v", err)
	}
}
