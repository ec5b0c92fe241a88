package job_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
	"github.com/kinsta-report/kinsta-report/internal/peer"
	"github.com/kinsta-report/kinsta-report/job"
	"github.com/kinsta-report/kinsta-report/report/notify"
)

// notifyConfig is a report with an alert (shop's P95 crosses 800ms), an
// email to smtpPort, and every kind of notify target, the slack target
// "broken" included.
func notifyConfig(smtpPort int) string {
	return fmt.Sprintf(`
timezone: Europe/Berlin
smtp: {host: 127.0.0.1, port: %d, tls: none, from: "Kinsta Reports <reports@example.com>"}
reports:
  - name: weekly
    apps: [shop, docs-site]
    periods: [previous_week]
    users: false
    thresholds:
      - {metric: response_time_p95, above: 800ms, apps: [shop]}
    email:
      to: [ops@example.com]
    notify:
      - {kind: slack, name: ops-channel, url_env: SLACK_OPS}
      - {kind: slack, name: broken, url_env: SLACK_BROKEN}
      - {kind: teams, name: ops, url_env: TEAMS_OPS}
      - {kind: webhook, name: pager, url_env: HOOK_URL, secret_env: HOOK_SECRET}
      - {kind: webhook, name: quiet, url_env: QUIET_URL, secret_env: HOOK_SECRET, send: on_alert}
      - {kind: github_summary}
`, smtpPort)
}

// refusingSMTP is an SMTP server on loopback that refuses every session
// with a permanent 554 (no retries), and returns its port.
func refusingSMTP(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			fmt.Fprint(c, "554 5.3.2 test relay: no service here\r\n")
			c.Close()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// receiver is a local webhook receiver: it records every body and answers
// with status.
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	bodies  [][]byte
	headers []http.Header
}

func newReceiver(t *testing.T, status int) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, b)
		rc.headers = append(rc.headers, r.Header.Clone())
		rc.mu.Unlock()
		w.WriteHeader(status)
		// A receiver that echoes the request path must not leak it either.
		fmt.Fprintf(w, "answer for %s", r.URL.Path)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.bodies)
}

// fastPoster retries without waiting.
func fastPoster() *notify.Poster {
	return notify.NewPoster(nil, notify.WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
}

type receivers struct {
	slack, broken, teams, hook, quiet *receiver
	env                               map[string]string
	secrets                           []string
}

func newReceivers(t *testing.T) receivers {
	r := receivers{
		slack: newReceiver(t, http.StatusOK), broken: newReceiver(t, http.StatusInternalServerError),
		teams: newReceiver(t, http.StatusAccepted), hook: newReceiver(t, http.StatusNoContent), quiet: newReceiver(t, http.StatusOK),
	}
	r.env = map[string]string{
		"SLACK_OPS":    r.slack.URL + "/services/T000/B000/slack-token-xyz",
		"SLACK_BROKEN": r.broken.URL + "/services/T111/B111/broken-token-xyz",
		"TEAMS_OPS":    r.teams.URL + "/workflows/teams-sig-abc?sig=teams-query-secret",
		"HOOK_URL":     r.hook.URL + "/hook/pager-path-secret",
		"QUIET_URL":    r.quiet.URL + "/hook/quiet-path-secret",
		"HOOK_SECRET":  "whsec_test_signing_secret",
	}
	r.secrets = []string{"slack-token-xyz", "broken-token-xyz", "teams-sig-abc", "teams-query-secret", "pager-path-secret", "quiet-path-secret", "whsec_test_signing_secret"}
	return r
}

// noSecrets fails when any secret appears in s.
func noSecrets(t *testing.T, where, s string, secrets []string) {
	t.Helper()
	for _, sec := range secrets {
		if strings.Contains(s, sec) {
			t.Errorf("%s holds the secret %q:\n%s", where, sec, s)
		}
	}
}

// TestNotifyPostsEveryChannel: a real run emails (mailpit), posts to
// Slack, Teams and the signed webhook, appends the job summary, and a
// channel that answers 500 every time stops none of them; the run fails
// as a failed send does and says which channel failed, without its URL.
func TestNotifyPostsEveryChannel(t *testing.T) {
	t.Parallel()
	smtpPort, api := peer.Mailpit(t)
	rcv := newReceivers(t)
	summary := filepath.Join(t.TempDir(), "step_summary.md")
	if err := os.WriteFile(summary, []byte("# earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := rcv.env
	env["GITHUB_STEP_SUMMARY"] = summary
	env["GITHUB_SERVER_URL"], env["GITHUB_REPOSITORY"], env["GITHUB_RUN_ID"] = "https://github.com", "acme/ops", "4242"

	cfg := loadConfig(t, notifyConfig(smtpPort))
	src, _ := simSource(t, cfg, kinstatest.Options{})
	res, stderr, out := run(t, cfg, src, "2026-11-23T07:00:00+01:00", env, func(o *job.Options) { o.Poster = fastPoster() })

	if res.Status != job.Failed {
		t.Errorf("status %v, want failed (a channel failed, as a failed send); stderr:\n%s", res.Status, stderr)
	}
	rr := res.Reports[0]
	if rr.Email != "sent" {
		t.Errorf("email %q, want sent despite the failing channel", rr.Email)
	}
	got := map[string]string{}
	for _, n := range rr.Notify {
		got[n.Kind+"/"+n.Name] = n.Outcome
	}
	want := map[string]string{
		"slack/ops-channel": "posted", "slack/broken": "failed", "teams/ops": "posted",
		"webhook/pager": "posted", "webhook/quiet": "posted", "github_summary/": "appended",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %q, want %q (all: %v)", k, got[k], w, got)
		}
	}
	if !strings.Contains(stderr, `report weekly: notify slack "broken": post: 500 Internal Server Error`) || !strings.Contains(stderr, "gave up after 4 attempts") {
		t.Errorf("stderr does not say which channel failed:\n%s", stderr)
	}
	if !strings.Contains(stderr, `posted to slack "ops-channel", teams "ops", webhook "pager", webhook "quiet", github_summary`) {
		t.Errorf("the report line does not list the channels:\n%s", stderr)
	}
	if rcv.broken.count() != 4 {
		t.Errorf("the failing channel got %d tries, want 4", rcv.broken.count())
	}

	// Slack: Block Kit within Slack's limits.
	if rcv.slack.count() != 1 {
		t.Fatalf("slack got %d posts", rcv.slack.count())
	}
	var slack struct {
		Blocks []struct{ Type string } `json:"blocks"`
		Text   string                  `json:"text"`
	}
	if err := json.Unmarshal(rcv.slack.bodies[0], &slack); err != nil || len(slack.Blocks) == 0 || len(slack.Blocks) > 50 || slack.Blocks[0].Type != "header" {
		t.Errorf("slack payload: %v, %d blocks", err, len(slack.Blocks))
	}
	if !strings.Contains(string(rcv.slack.bodies[0]), "https://github.com/acme/ops/actions/runs/4242") {
		t.Errorf("slack payload lacks the run link")
	}
	// Teams: an Adaptive Card.
	var teams struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string `json:"contentType"`
		} `json:"attachments"`
	}
	if rcv.teams.count() != 1 || json.Unmarshal(rcv.teams.bodies[0], &teams) != nil || len(teams.Attachments) != 1 ||
		teams.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" || len(rcv.teams.bodies[0]) > 28_000 {
		t.Errorf("teams got %d posts: %+v", rcv.teams.count(), teams)
	}
	// Webhook: signed at the run's clock; verifies with the secret, not with another.
	if rcv.hook.count() != 1 {
		t.Fatalf("webhook got %d posts", rcv.hook.count())
	}
	body, sig := rcv.hook.bodies[0], rcv.hook.headers[0].Get(notify.SignatureHeader)
	if err := notify.Verify("whsec_test_signing_secret", sig, body, wallClock, notify.DefaultTolerance); err != nil {
		t.Errorf("signature: %v", err)
	}
	if err := notify.Verify("another-secret", sig, body, wallClock, notify.DefaultTolerance); err == nil {
		t.Error("the signature verifies with another secret")
	}
	var hook struct {
		Schema     string `json:"schema"`
		Report     string `json:"report"`
		AlertCount int    `json:"alert_count"`
		Link       string `json:"link"`
	}
	if err := json.Unmarshal(body, &hook); err != nil || hook.Schema != notify.WebhookSchema || hook.Report != "weekly" || hook.AlertCount != 1 ||
		hook.Link != "https://github.com/acme/ops/actions/runs/4242" {
		t.Errorf("webhook body %+v, %v", hook, err)
	}

	// The job summary: appended after what the earlier step wrote.
	md, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(md), "# earlier step\n\n## Kinsta report: weekly") || !strings.Contains(string(md), "actions/runs/4242") {
		t.Errorf("GITHUB_STEP_SUMMARY:\n%s", md)
	}

	var list struct{ Total int }
	resp, err := http.Get(api + "/api/v1/messages")
	if err == nil {
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
	}
	if err != nil || list.Total != 1 {
		t.Errorf("mailpit holds %d messages (%v), want the one email", list.Total, err)
	}

	noSecrets(t, "stderr", stderr, rcv.secrets)
	noSecrets(t, "the job summary", string(md), rcv.secrets)
	for _, n := range rr.Notify {
		noSecrets(t, "a notify error", n.Err, rcv.secrets)
	}
	for _, f := range rr.Files {
		b, _ := os.ReadFile(f)
		noSecrets(t, f, string(b), rcv.secrets)
	}
	if entries, _ := os.ReadDir(filepath.Join(out, "weekly")); len(entries) != 3 {
		t.Errorf("a real run wrote %d files, want json, xlsx, html only", len(entries))
	}
}

// TestNotifyDryRunWritesPayloads: a dry run posts nothing and writes each
// payload beside the .eml, the webhook's signature headers in .webhook.sig.
func TestNotifyDryRunWritesPayloads(t *testing.T) {
	t.Parallel()
	rcv := newReceivers(t)
	summary := filepath.Join(t.TempDir(), "step_summary.md")
	env := rcv.env
	env["GITHUB_STEP_SUMMARY"] = summary
	cfg := loadConfig(t, notifyConfig(2525))
	src, _ := simSource(t, cfg, kinstatest.Options{})
	res, stderr, out := run(t, cfg, src, "2026-11-23T07:00:00+01:00", env, func(o *job.Options) { o.DryRun = true; o.Poster = fastPoster() })
	if res.Status != job.OK {
		t.Fatalf("status %v, stderr:\n%s", res.Status, stderr)
	}
	for name, r := range map[string]*receiver{"slack": rcv.slack, "broken": rcv.broken, "teams": rcv.teams, "hook": rcv.hook, "quiet": rcv.quiet} {
		if r.count() != 0 {
			t.Errorf("a dry run posted %d times to %s", r.count(), name)
		}
	}
	base := filepath.Join(out, "weekly", "weekly_2026-11-23")
	want := []string{".eml", ".slack.ops-channel.json", ".slack.broken.json", ".teams.json", ".webhook.pager.json", ".webhook.pager.sig",
		".webhook.quiet.json", ".webhook.quiet.sig", ".summary.md"}
	for _, ext := range want {
		if !slices.Contains(res.Reports[0].Files, base+ext) {
			t.Errorf("%s not among the files %v", ext, res.Reports[0].Files)
		}
		b, err := os.ReadFile(base + ext)
		if err != nil {
			t.Error(err)
			continue
		}
		noSecrets(t, ext, string(b), rcv.secrets)
	}
	body, _ := os.ReadFile(base + ".webhook.pager.json")
	sig, _ := os.ReadFile(base + ".webhook.pager.sig")
	line, ok := strings.CutPrefix(strings.Split(string(sig), "\n")[0], notify.SignatureHeader+": ")
	if !ok {
		t.Fatalf(".sig:\n%s", sig)
	}
	if err := notify.Verify("whsec_test_signing_secret", line, body, wallClock, notify.DefaultTolerance); err != nil {
		t.Errorf("the written signature does not verify the written body: %v", err)
	}
	if !strings.Contains(string(sig), "X-Kinsta-Report-Schema: kinsta-report-webhook/v1") {
		t.Errorf(".sig lacks the schema header:\n%s", sig)
	}
	md, _ := os.ReadFile(base + ".summary.md")
	appended, _ := os.ReadFile(summary)
	if !strings.HasPrefix(string(md), "## Kinsta report: weekly") || strings.TrimSpace(string(appended)) != strings.TrimSpace(string(md)) {
		t.Errorf("summary.md and GITHUB_STEP_SUMMARY differ:\n%s\n---\n%s", md, appended)
	}
	if !strings.Contains(stderr, "weekly: wrote "+base+" {.json,.xlsx,.html,.eml,.slack.ops-channel.json,") {
		t.Errorf("the report line does not list the payload files:\n%s", stderr)
	}
	noSecrets(t, "stderr", stderr, rcv.secrets)
}

// TestNotifyDryRunNeedsNoVariables: as -demo runs, with no variable set the
// payloads are still written, the webhook signed with the placeholder.
func TestNotifyDryRunNeedsNoVariables(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, notifyConfig(2525))
	src, _ := simSource(t, cfg, kinstatest.Options{})
	res, stderr, out := run(t, cfg, src, "2026-11-23T07:00:00+01:00", nil, func(o *job.Options) { o.DryRun = true })
	if res.Status != job.OK {
		t.Fatalf("status %v, stderr:\n%s", res.Status, stderr)
	}
	base := filepath.Join(out, "weekly", "weekly_2026-11-23")
	body, err1 := os.ReadFile(base + ".webhook.pager.json")
	sig, err2 := os.ReadFile(base + ".webhook.pager.sig")
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	line, _ := strings.CutPrefix(strings.Split(string(sig), "\n")[0], notify.SignatureHeader+": ")
	if err := notify.Verify("dry-run", line, body, wallClock, notify.DefaultTolerance); err != nil {
		t.Errorf("signed with the placeholder secret: %v", err)
	}
	if _, err := os.Stat(base + ".summary.md"); err != nil {
		t.Error(err)
	}
}

// TestNotifyMissingVariableIsAConfigError: a real run without a target's
// variable stops before any request, naming the variable and the field.
func TestNotifyMissingVariableIsAConfigError(t *testing.T) {
	t.Parallel()
	rcv := newReceivers(t)
	env := rcv.env
	delete(env, "TEAMS_OPS")
	delete(env, "HOOK_SECRET")
	cfg := loadConfig(t, notifyConfig(2525))
	src, _ := simSource(t, cfg, kinstatest.Options{})
	res, stderr, out := run(t, cfg, src, "2026-11-23T07:00:00+01:00", env)
	if res.Status != job.ConfigError {
		t.Fatalf("status %v, want a config error; stderr:\n%s", res.Status, stderr)
	}
	for _, w := range []string{
		"reports.yaml:16: reports[0].notify[2].url_env: environment variable TEAMS_OPS is not set",
		"reports.yaml:17: reports[0].notify[3].secret_env: environment variable HOOK_SECRET is not set",
		"reports.yaml:18: reports[0].notify[4].secret_env: environment variable HOOK_SECRET is not set",
	} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
	if len(src.requests) != 0 {
		t.Errorf("%d metric requests before the config error", len(src.requests))
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("files written: %v", entries)
	}
	noSecrets(t, "stderr", stderr, rcv.secrets)
}

// TestNotifyOnAlertSkipsQuietReports: send: on_alert posts nothing when
// nothing crossed; the other targets still go.
func TestNotifyOnAlertSkipsQuietReports(t *testing.T) {
	t.Parallel()
	rcv := newReceivers(t)
	cfg := loadConfig(t, strings.Replace(strings.Replace(notifyConfig(refusingSMTP(t)), "above: 800ms", "above: 80s", 1),
		"      - {kind: slack, name: broken, url_env: SLACK_BROKEN}\n", "", 1))
	src, _ := simSource(t, cfg, kinstatest.Options{})
	res, stderr, _ := run(t, cfg, src, "2026-11-23T07:00:00+01:00", rcv.env, func(o *job.Options) {
		o.Poster = fastPoster()
		o.Reports = []string{"weekly"}
	})
	// The email cannot go out (the server refuses it for good): a failed
	// send, and the channels are posted all the same.
	if res.Status != job.Failed || !strings.Contains(stderr, "report weekly 2026-11-23: email: ") {
		t.Fatalf("status %v; stderr:\n%s", res.Status, stderr)
	}
	if rcv.quiet.count() != 0 || rcv.hook.count() != 1 || rcv.slack.count() != 1 {
		t.Errorf("posts: quiet (on_alert) %d, pager %d, slack %d; want 0, 1, 1", rcv.quiet.count(), rcv.hook.count(), rcv.slack.count())
	}
	for _, n := range res.Reports[0].Notify {
		if n.Name == "quiet" && n.Outcome != "skipped" {
			t.Errorf("quiet: %q, want skipped", n.Outcome)
		}
	}
}

// TestNotifyHostileNames: an app named to ping, link or break a table
// shows as typed in every payload a run writes.
func TestNotifyHostileNames(t *testing.T) {
	t.Parallel()
	const hostile = "<!channel> | ](javascript:alert(1)) @here"
	cfg := loadConfig(t, `
reports:
  - name: hostile
    apps: all
    periods: [previous_week]
    users: false
    notify:
      - {kind: slack, name: a, url_env: A}
      - {kind: teams, name: b, url_env: B}
      - {kind: webhook, name: c, url_env: C, secret_env: S}
      - {kind: github_summary}
`)
	src, _ := simSource(t, cfg, kinstatest.Options{Apps: []kinstatest.App{{ID: kinstatest.UUID("x"), Name: "evil", DisplayName: hostile, Status: "deploymentSuccess"}}})
	res, stderr, out := run(t, cfg, src, monday, nil, func(o *job.Options) { o.DryRun = true })
	if res.Status != job.OK {
		t.Fatalf("status %v, stderr:\n%s", res.Status, stderr)
	}
	base := filepath.Join(out, "hostile", "hostile_2026-11-23")
	read := func(ext string) string {
		b, err := os.ReadFile(base + ext)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	slack := read(".slack.json")
	if strings.Contains(slack, "<!channel>") || !strings.Contains(slack, "&lt;!channel&gt;") {
		t.Errorf("slack payload does not escape the name:\n%s", slack)
	}
	md := read(".summary.md")
	if strings.Contains(md, "](javascript:") || strings.Contains(md, "<!channel>") || !strings.Contains(md, `\<\!channel\> \| \]\(javascript\:alert\(1\)\) \@here`) {
		t.Errorf("summary does not escape the name:\n%s", md)
	}
	var hook struct {
		Periods []struct {
			Apps []struct {
				DisplayName string `json:"display_name"`
			} `json:"apps"`
		} `json:"periods"`
	}
	if err := json.Unmarshal([]byte(read(".webhook.json")), &hook); err != nil || hook.Periods[0].Apps[0].DisplayName != hostile {
		t.Errorf("webhook: the name is not as the API gave it: %+v, %v", hook, err)
	}
	if teams := read(".teams.json"); !strings.Contains(teams, `"type":"TextRun"`) {
		t.Errorf("teams: no TextRun:\n%.400s", teams)
	}
}
