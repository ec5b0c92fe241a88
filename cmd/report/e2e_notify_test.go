package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report/notify"
)

// TestDemoWritesNotifyPayloads: -demo writes the weekly report's Slack,
// Teams and webhook payloads and the job-summary Markdown, with no
// variable set, and appends the summary to $GITHUB_STEP_SUMMARY.
func TestDemoWritesNotifyPayloads(t *testing.T) {
	t.Parallel()
	summary := filepath.Join(t.TempDir(), "summary.md")
	res := runReport(t, repoConfig(t), map[string]string{"GITHUB_STEP_SUMMARY": summary}, "-demo", "-now", "2026-11-23T06:00:00Z")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	base := filepath.Join(res.out, "weekly-ops", "weekly-ops_2026-11-23")
	read := func(ext string) []byte {
		b, err := os.ReadFile(base + ext)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var slack struct {
		Blocks []json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(read(".slack.json"), &slack); err != nil || len(slack.Blocks) == 0 || len(slack.Blocks) > 50 {
		t.Errorf("slack payload: %v, %d blocks", err, len(slack.Blocks))
	}
	var teams struct {
		Attachments []struct{ ContentType string } `json:"attachments"`
	}
	if err := json.Unmarshal(read(".teams.json"), &teams); err != nil || len(teams.Attachments) != 1 {
		t.Errorf("teams payload: %v, %+v", err, teams)
	}
	body := read(".webhook.json")
	sig, ok := strings.CutPrefix(strings.Split(string(read(".webhook.sig")), "\n")[0], notify.SignatureHeader+": ")
	if !ok {
		t.Fatalf(".webhook.sig does not start with the signature header")
	}
	ts, _, _ := strings.Cut(strings.TrimPrefix(sig, "t="), ",")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		t.Fatalf("signature %q: %v", sig, err)
	}
	if err := notify.Verify("dry-run", sig, body, time.Unix(sec, 0), 0); err != nil {
		t.Errorf("the demo's webhook signature: %v", err)
	}
	md := read(".summary.md")
	if !strings.HasPrefix(string(md), "## Kinsta report: weekly\\-ops") {
		t.Errorf("summary.md:\n%s", md)
	}
	if appended, _ := os.ReadFile(summary); !strings.Contains(string(appended), string(md)) {
		t.Errorf("GITHUB_STEP_SUMMARY lacks the summary:\n%s", appended)
	}
}

// TestNotifyVariablesAreNeededToSend: -check reads no notify variable; a
// real run without them stops before any request, exit 2, naming them.
func TestNotifyVariablesAreNeededToSend(t *testing.T) {
	t.Parallel()
	if res := runReport(t, repoConfig(t), nil, "-check"); res.code != 0 {
		t.Errorf("-check: exit %d, stderr:\n%s", res.code, res.stderr)
	}
	res := runReport(t, repoConfig(t), map[string]string{"KINSTA_API_KEY": "k", "KINSTA_API_URL": "http://127.0.0.1:1/v2", "SMTP_PASSWORD": "pw"})
	if res.code != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", res.code, res.stderr)
	}
	for _, v := range []string{"SLACK_WEBHOOK_OPS", "TEAMS_WEBHOOK_OPS", "REPORT_WEBHOOK_URL", "REPORT_WEBHOOK_SECRET"} {
		if !strings.Contains(res.stderr, "environment variable "+v+" is not set") {
			t.Errorf("stderr does not name %s:\n%s", v, res.stderr)
		}
	}
	if entries, _ := os.ReadDir(res.out); len(entries) != 0 {
		t.Errorf("files written: %v", entries)
	}
}
