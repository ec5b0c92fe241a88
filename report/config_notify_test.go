package report

import (
	"errors"
	"strings"
	"testing"
)

func TestParseConfigNotify(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig("t.yaml", []byte(doc(
		"reports:",
		"  - name: r",
		"    periods: [yesterday]",
		"    thresholds: [{metric: cpu_usage, above: 80}]",
		"    notify:",
		"      - {kind: slack, name: ops-channel, url_env: SLACK_WEBHOOK_OPS, send: on_alert}",
		"      - {kind: teams, name: ops, url_env: TEAMS_WEBHOOK_OPS}",
		"      - {kind: webhook, name: pager, url_env: HOOK_URL, secret_env: HOOK_SECRET}",
		"      - {kind: slack, name: other, url_env: SLACK_OTHER}",
		"      - kind: github_summary",
	)))
	if err != nil {
		t.Fatal(err)
	}
	n := cfg.Reports[0].Notify
	if len(n) != 5 {
		t.Fatalf("notify = %+v, want 5 targets", n)
	}
	want := []NotifyConfig{
		{Kind: "slack", Name: "ops-channel", URLEnv: "SLACK_WEBHOOK_OPS", Send: SendOnAlert, Path: "reports[0].notify[0]", Line: 6},
		{Kind: "teams", Name: "ops", URLEnv: "TEAMS_WEBHOOK_OPS", Send: SendAlways, Path: "reports[0].notify[1]", Line: 7},
		{Kind: "webhook", Name: "pager", URLEnv: "HOOK_URL", SecretEnv: "HOOK_SECRET", Send: SendAlways, Path: "reports[0].notify[2]", Line: 8},
		{Kind: "slack", Name: "other", URLEnv: "SLACK_OTHER", Send: SendAlways, Path: "reports[0].notify[3]", Line: 9},
		{Kind: "github_summary", Send: SendAlways, Path: "reports[0].notify[4]", Line: 10},
	}
	for i := range want {
		if n[i] != want[i] {
			t.Errorf("notify[%d] = %+v, want %+v", i, n[i], want[i])
		}
	}
	if n[0].Key() != "slack-ops-channel" || n[4].Key() != "github_summary" || n[0].String() != `slack "ops-channel"` {
		t.Errorf("keys %q %q, string %q", n[0].Key(), n[4].Key(), n[0].String())
	}
}

func TestParseConfigNotifyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		lines []string
		want  []string
	}{
		{"kinds and names", []string{
			"      - {kind: discord, name: x, url_env: X}",
			"      - {kind: slack, url_env: X}",
			"      - {kind: teams, name: Ops Team, url_env: X}",
			"      - {name: y, url_env: X}",
		}, []string{
			`t.yaml:5: reports[0].notify[0].kind: unknown kind "discord" (want one of: slack, teams, webhook, github_summary)`,
			`t.yaml:6: reports[0].notify[1].name: missing (want a name for the target in logs and errors, e.g. ops-channel; the URL is never shown)`,
			`t.yaml:7: reports[0].notify[2].name: unsafe name "Ops Team" (want lowercase letters, digits and dashes`,
			`t.yaml:8: reports[0].notify[3].kind: missing (want one of: slack, teams, webhook, github_summary)`,
		}},
		{"variables", []string{
			"      - {kind: slack, name: a}",
			"      - {kind: webhook, name: b, url_env: B_URL}",
			"      - {kind: teams, name: c, url_env: 'https://example.webhook.office.com/secret-path'}",
			"      - {kind: webhook, name: d, url_env: D_URL, secret_env: 'hunter2 with spaces'}",
			"      - {kind: slack, name: e, url_env: E_URL, secret_env: E_SECRET}",
			"      - {kind: github_summary, url_env: GH}",
		}, []string{
			`t.yaml:5: reports[0].notify[0].url_env: missing (want the name of the environment variable holding the webhook URL, e.g. SLACK_WEBHOOK_A)`,
			`t.yaml:6: reports[0].notify[1].secret_env: missing (want the name of the environment variable holding the secret that signs the body, e.g. REPORT_WEBHOOK_SECRET_B)`,
			`t.yaml:7: reports[0].notify[2].url_env: not the name of an environment variable (want a variable name such as TEAMS_WEBHOOK_C; the webhook URL itself never lives in the YAML)`,
			`t.yaml:8: reports[0].notify[3].secret_env: not the name of an environment variable`,
			`t.yaml:9: reports[0].notify[4].secret_env: only kind webhook is signed (want no secret_env for slack)`,
			`t.yaml:10: reports[0].notify[5].url_env: github_summary takes no URL`,
		}},
		{"send and duplicates", []string{
			"      - {kind: slack, name: a, url_env: A, send: sometimes}",
			"      - {kind: slack, name: b, url_env: B}",
			"      - {kind: slack, name: b, url_env: C}",
			"      - {kind: teams, name: b, url_env: D}",
		}, []string{
			`t.yaml:5: reports[0].notify[0].send: unknown send mode "sometimes" (want one of: always, on_alert)`,
			`t.yaml:7: reports[0].notify[2].name: slack "b" is listed twice (first at line 6; want each target once, with its own name)`,
		}},
		{"unknown key and wrong shape", []string{
			"      - {kind: slack, name: a, url: 'https://hooks.slack.com/services/T/B/X'}",
			"      - just-a-string",
		}, []string{
			`t.yaml:5: reports[0].notify[0].url: unknown key "url" (want one of: kind, name, url_env, secret_env, send)`,
			`t.yaml:5: reports[0].notify[0].url_env: missing (want the name of the environment variable holding the webhook URL, e.g. SLACK_WEBHOOK_A)`,
			`t.yaml:6: reports[0].notify[1]: want a mapping with the keys kind, name, url_env, secret_env, send, got "just-a-string"`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := doc(append([]string{"reports:", "  - name: r", "    periods: [yesterday]", "    notify:"}, tc.lines...)...)
			_, err := ParseConfig("t.yaml", []byte(src))
			if err == nil {
				t.Fatal("no error")
			}
			got := strings.Split(err.Error(), "\n")
			for i, w := range tc.want {
				if i >= len(got) {
					t.Errorf("missing problem %d: %s", i, w)
					continue
				}
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("problem %d:\n got %s\nwant %s…", i, got[i], w)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("got %d problems, want %d:\n%s", len(got), len(tc.want), err)
			}
			for _, secret := range []string{"hooks.slack.com", "office.com", "hunter2"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("an error repeats a value that may be a secret (%s):\n%s", secret, err)
				}
			}
		})
	}
}

func TestResolveNotify(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig("t.yaml", []byte(doc(
		"reports:",
		"  - name: r",
		"    periods: [yesterday]",
		"    notify:",
		"      - {kind: webhook, name: pager, url_env: HOOK_URL, secret_env: HOOK_SECRET}",
		"      - {kind: github_summary}",
	)))
	if err != nil {
		t.Fatal(err)
	}
	hook, summary := cfg.Reports[0].Notify[0], cfg.Reports[0].Notify[1]
	env := map[string]string{"HOOK_URL": "https://hooks.example.com/p?token=abc", "HOOK_SECRET": "s3cret"}
	s, err := cfg.ResolveNotify(hook, func(k string) string { return env[k] })
	if err != nil || s.URL != env["HOOK_URL"] || s.Secret != "s3cret" {
		t.Errorf("resolve = %+v, %v", s, err)
	}
	if s, err := cfg.ResolveNotify(summary, func(string) string { return "" }); err != nil || s != (NotifySecrets{}) {
		t.Errorf("github_summary needs nothing: %+v, %v", s, err)
	}

	_, err = cfg.ResolveNotify(hook, func(string) string { return "" })
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("err %v, want *FieldError", err)
	}
	got := strings.Split(err.Error(), "\n")
	want := []string{
		`t.yaml:5: reports[0].notify[0].url_env: environment variable HOOK_URL is not set (want the URL that webhook "pager" posts to in it`,
		`t.yaml:5: reports[0].notify[0].secret_env: environment variable HOOK_SECRET is not set (want the secret that signs the body of webhook "pager" in it)`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("got  %s\nwant %s…", got[i], want[i])
		}
	}
}

// TestResolveNotifyRejectsWhatIsNoURL: a URL variable holding no http(s)
// URL is a config error before any request, and the error does not show
// the value (a mistyped secret is still a secret).
func TestResolveNotifyRejectsWhatIsNoURL(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig("t.yaml", []byte(doc(
		"reports:",
		"  - name: r",
		"    periods: [yesterday]",
		"    notify:",
		"      - {kind: slack, name: ops, url_env: SLACK_URL}",
	)))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"xoxb-SECRET-token", "ftp://SECRET.example.com/x", "https://hooks.slack.com/services/%zzSECRET", "https:///SECRET", "hooks.slack.com/services/SECRET"} {
		_, err := cfg.ResolveNotify(cfg.Reports[0].Notify[0], func(string) string { return v })
		if err == nil {
			t.Errorf("%q: accepted", v)
			continue
		}
		if !strings.HasPrefix(err.Error(), "t.yaml:5: reports[0].notify[0].url_env: environment variable SLACK_URL does not hold an http(s) URL") || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%q: %v", v, err)
		}
	}
}
