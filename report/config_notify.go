// The `notify:` list of a report: where besides the email a report is
// announced (Slack, Microsoft Teams, a signed webhook, the GitHub job
// summary; see docs/NOTIFY.md). URLs and secrets never live in the YAML:
// each target names the environment variables that hold them, read at run
// time (ResolveNotify), not by -check.

package report

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Notify target kinds, as the config spells them (package report/notify
// builds and posts their messages).
const (
	NotifySlack         = "slack"
	NotifyTeams         = "teams"
	NotifyWebhook       = "webhook"
	NotifyGitHubSummary = "github_summary"
)

// NotifyConfig is one target of a report's notify list.
type NotifyConfig struct {
	// Kind is slack, teams, webhook or github_summary.
	Kind string
	// Name identifies the target in logs, errors and file names (lowercase
	// letters, digits and dashes); required but for github_summary.
	Name string
	// URLEnv names the environment variable holding the webhook URL (slack,
	// teams, webhook).
	URLEnv string
	// SecretEnv names the variable holding the webhook's signing secret
	// (webhook only, required there).
	SecretEnv string
	// Send is always (default) or on_alert.
	Send string
	// Path is the target's field path (reports[0].notify[1]) and Line its
	// line, for errors about its variables at run time.
	Path string
	Line int
}

// Key is the target's name among the report's channels: kind-name
// ("slack-ops-channel"), or the kind alone when it has no name. Kinds hold
// no dash, so two targets never share a key.
func (n NotifyConfig) Key() string {
	if n.Name == "" {
		return n.Kind
	}
	return n.Kind + "-" + n.Name
}

// String names the target by kind and name, never its URL: slack "ops".
func (n NotifyConfig) String() string {
	if n.Name == "" {
		return n.Kind
	}
	return fmt.Sprintf("%s %q", n.Kind, n.Name)
}

// NeedsURL says whether the kind posts to a URL (all but github_summary).
func (n NotifyConfig) NeedsURL() bool { return n.Kind != NotifyGitHubSummary }

// notifyNameRE is what a target's name may hold (envNameRE, the variable
// names, is with the smtp rules).
var notifyNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

const maxNotifyName = 64

// notify checks a report's notify list.
func (v *validator) notify(p string, raw []rawNotify) []NotifyConfig {
	var out []NotifyConfig
	seen := map[string]int{}
	for k, tp := range v.listItems(p, len(raw), true, "a target with kind, name and url_env") {
		n, ok := v.notifyTarget(tp, &raw[k])
		if !ok {
			continue
		}
		if first, dup := seen[n.Key()]; dup {
			v.errorf(tp+".name", "%s is listed twice (first at line %d; want each target once, with its own name)", n, first)
			continue
		}
		seen[n.Key()] = n.Line
		out = append(out, n)
	}
	return out
}

func (v *validator) notifyTarget(p string, raw *rawNotify) (NotifyConfig, bool) {
	n := NotifyConfig{Kind: raw.Kind, Name: raw.Name, URLEnv: raw.URLEnv, SecretEnv: raw.SecretEnv, Send: raw.Send, Path: p, Line: v.line(p)}
	ok := true
	bad := func(field, format string, args ...any) {
		v.errorf(p+"."+field, format, args...)
		ok = false
	}
	switch raw.Kind {
	case "":
		bad("kind", "missing (want one of: slack, teams, webhook, github_summary)")
		return n, false
	case NotifySlack, NotifyTeams, NotifyWebhook, NotifyGitHubSummary:
	default:
		bad("kind", "unknown kind %q (want one of: slack, teams, webhook, github_summary)", raw.Kind)
		return n, false
	}

	switch {
	case raw.Name == "" && n.NeedsURL():
		bad("name", "missing (want a name for the target in logs and errors, e.g. ops-channel; the URL is never shown)")
	case raw.Name != "" && (!notifyNameRE.MatchString(raw.Name) || len(raw.Name) > maxNotifyName):
		bad("name", "unsafe name %q (want lowercase letters, digits and dashes, at most %d characters, e.g. ops-channel; it is used in file names)", raw.Name, maxNotifyName)
	}

	envField := func(field, value, what string) {
		switch {
		case value == "":
			bad(field, "missing (want the name of the environment variable holding %s, e.g. %s)", what, exampleEnv(n, field))
		case looksLikeURLOrSecret(value):
			bad(field, "not the name of an environment variable (want a variable name such as %s; %s itself never lives in the YAML)", exampleEnv(n, field), what)
		case !envNameRE.MatchString(value):
			// The value is not repeated: it may be the secret itself.
			bad(field, "not an environment variable name (want letters, digits and underscores, e.g. %s)", exampleEnv(n, field))
		}
	}
	if n.NeedsURL() {
		envField("url_env", raw.URLEnv, "the webhook URL")
	} else if raw.URLEnv != "" {
		bad("url_env", "github_summary takes no URL: it is appended to $GITHUB_STEP_SUMMARY (want no url_env)")
	}
	if raw.Kind == NotifyWebhook {
		envField("secret_env", raw.SecretEnv, "the secret that signs the body")
	} else if raw.SecretEnv != "" {
		bad("secret_env", "only kind webhook is signed (want no secret_env for %s)", raw.Kind)
	}

	switch raw.Send {
	case "":
		n.Send = SendAlways
	case SendAlways, SendOnAlert:
	default:
		bad("send", "unknown send mode %q (want one of: always, on_alert)", raw.Send)
	}
	return n, ok
}

// exampleEnv suggests a variable name for a target's field.
func exampleEnv(n NotifyConfig, field string) string {
	name := strings.ToUpper(strings.ReplaceAll(n.Name, "-", "_"))
	if name == "" {
		name = "OPS"
	}
	switch {
	case field == "secret_env":
		return "REPORT_WEBHOOK_SECRET_" + name
	case n.Kind == NotifySlack:
		return "SLACK_WEBHOOK_" + name
	case n.Kind == NotifyTeams:
		return "TEAMS_WEBHOOK_" + name
	}
	return "REPORT_WEBHOOK_URL_" + name
}

// looksLikeURLOrSecret catches a value pasted where its variable's name
// belongs. The message never repeats the value: it may be the secret.
func looksLikeURLOrSecret(s string) bool {
	return strings.Contains(s, "://") || strings.Contains(s, "/") || strings.ContainsAny(s, " .:=")
}

// urlWhat says what a target's URL variable holds.
func urlWhat(n NotifyConfig) string {
	switch n.Kind {
	case NotifySlack:
		return fmt.Sprintf("the Slack incoming-webhook URL of %s", n)
	case NotifyTeams:
		return fmt.Sprintf("the Teams workflow webhook URL of %s", n)
	}
	return fmt.Sprintf("the URL that %s posts to", n)
}

// NotifySecrets are the URL and the secret of a target, read from the
// environment. They are secrets: never log or print them.
type NotifySecrets struct {
	URL    string
	Secret string
}

// ResolveNotify reads the URL and secret of target n from the variables it
// names, through getenv. A variable that is not set is an error
// `FILE:LINE: reports[i].notify[j].url_env: environment variable X is not
// set (...)`; the value of a variable never appears in an error.
func (c *Config) ResolveNotify(n NotifyConfig, getenv func(string) string) (NotifySecrets, error) {
	var s NotifySecrets
	var errs []error
	if n.NeedsURL() {
		s.URL = getenv(n.URLEnv)
		if s.URL == "" {
			errs = append(errs, &FieldError{File: c.File, Line: n.Line, Path: n.Path + ".url_env",
				Msg: fmt.Sprintf("environment variable %s is not set (want %s in it, e.g. from a GitHub Actions secret; or remove the target)", n.URLEnv, urlWhat(n))})
		} else if !postableURL(s.URL) {
			// Found before any request, not after the email went out; the
			// value is a secret and is not shown.
			errs = append(errs, &FieldError{File: c.File, Line: n.Line, Path: n.Path + ".url_env",
				Msg: fmt.Sprintf("environment variable %s does not hold an http(s) URL with a host (want %s in it; the value is not shown)", n.URLEnv, urlWhat(n))})
		}
	}
	if n.Kind == NotifyWebhook {
		s.Secret = getenv(n.SecretEnv)
		if s.Secret == "" {
			errs = append(errs, &FieldError{File: c.File, Line: n.Line, Path: n.Path + ".secret_env",
				Msg: fmt.Sprintf("environment variable %s is not set (want the secret that signs the body of %s in it)", n.SecretEnv, n)})
		}
	}
	return s, errors.Join(errs...)
}

// postableURL says whether a target's URL can be posted to: http or https,
// with a host.
func postableURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
