// Package notify turns a report into the short messages teams read where
// they chat: a Slack Block Kit message, a Microsoft Teams Adaptive Card, a
// signed JSON webhook and the Markdown of a GitHub job summary; and posts
// them (Poster) with retries. The builders are pure: model in, bytes out.
//
// Webhook URLs and secrets are secrets: they never appear in an error, in
// a payload or in what Target prints. Names from the API are untrusted and
// are escaped for each format so they show literally (see docs/NOTIFY.md).
package notify

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// Kind is the kind of a notification target, as the config spells it.
type Kind string

// The kinds of target.
const (
	Slack         Kind = "slack"
	Teams         Kind = "teams"
	Webhook       Kind = "webhook"
	GitHubSummary Kind = "github_summary"
)

// Kinds returns every kind, in the order docs/NOTIFY.md describes them.
func Kinds() []Kind { return []Kind{Slack, Teams, Webhook, GitHubSummary} }

// Target is one place a report is announced. URL and Secret come from the
// environment (never from the config file); Target's String, GoString and
// LogValue leave them out, so printing or logging a Target is safe.
type Target struct {
	Kind Kind
	// Name identifies the target in errors and logs ("ops-channel").
	Name string
	// URL is the webhook URL (Slack, Teams, Webhook). Slack and Teams URLs
	// carry their credential in the path: the whole URL is a secret.
	URL string
	// Secret signs the generic webhook's body (HMAC-SHA256).
	Secret string
	// Send is report.SendAlways ("always", the default) or
	// report.SendOnAlert ("on_alert").
	Send string
}

// String names the target without its URL or secret: slack "ops-channel".
func (t Target) String() string {
	if t.Name == "" {
		return string(t.Kind)
	}
	return fmt.Sprintf("%s %q", t.Kind, t.Name)
}

// GoString is String, so %#v cannot print the URL or the secret either.
func (t Target) GoString() string { return t.String() }

// LogValue keeps the URL and the secret out of slog lines.
func (t Target) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kind", string(t.Kind)), slog.String("name", t.Name), slog.String("send", t.Send))
}

// ShouldSend says whether the target gets this report: with send
// "on_alert" only when the report has alerts; with "always" (or empty)
// always.
func ShouldSend(t Target, r report.Report) bool {
	return report.ShouldSend(t.Send, r.Alerts)
}

// Message is a payload ready to post: its body, content type and any
// headers to send with it (the generic webhook's signature).
type Message struct {
	Body        []byte
	ContentType string
	Header      http.Header
}

// Build makes the target's message for r: the Slack or Teams payload, the
// generic webhook's signed at now with t.Secret, or for GitHubSummary the
// Markdown to append to $GITHUB_STEP_SUMMARY (nothing to post). link says
// where the full report is; empty leaves it out.
func Build(t Target, r report.Report, link string, now time.Time) (Message, error) {
	var body []byte
	var err error
	switch t.Kind {
	case Slack:
		body, err = SlackPayload(r, link)
	case Teams:
		body, err = TeamsPayload(r, link)
	case Webhook:
		if t.Secret == "" {
			return Message{}, fmt.Errorf("notify %s: no secret to sign the webhook with", t)
		}
		return WebhookMessage(r, link, t.Secret, now)
	case GitHubSummary:
		return Message{Body: []byte(JobSummary(r, link)), ContentType: "text/markdown; charset=utf-8"}, nil
	default:
		return Message{}, fmt.Errorf("notify %s: unknown kind %q (want one of: slack, teams, webhook, github_summary)", t, t.Kind)
	}
	if err != nil {
		return Message{}, fmt.Errorf("notify %s: %w", t, err)
	}
	return Message{Body: body, ContentType: "application/json"}, nil
}
