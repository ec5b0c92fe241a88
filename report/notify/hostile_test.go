package notify_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/kinsta-report/kinsta-report/report/notify"
)

// Hostile names arrive literally in every format: escaped for its syntax,
// never a ping, a link, a table cell border, code or a substitution.
func TestHostileNamesInEveryFormat(t *testing.T) {
	t.Parallel()
	r := hostileFixture(t)

	t.Run("slack", func(t *testing.T) {
		t.Parallel()
		b, err := notify.SlackPayload(r, "")
		if err != nil {
			t.Fatal(err)
		}
		m := decode[slackMsg](t, b)
		checkSlackLimits(t, m)
		texts := mrkdwnTexts(t, m)
		all := strings.Join(texts, "\n")
		for _, x := range texts {
			// No "<" at all: every link, mention and broadcast in mrkdwn
			// starts with one (there is no link: none was given).
			if strings.Contains(x, "<") || strings.Contains(x, ">") {
				t.Errorf("mrkdwn text with a raw < or >: %q", x)
			}
		}
		for _, h := range hostile {
			// What Slack shows once it decodes the three entities.
			if shown := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(all); !strings.Contains(shown, h) {
				t.Errorf("name %q does not arrive literally", h)
			}
		}
		if !strings.Contains(all, "&lt;!channel&gt; ping") {
			t.Errorf("<!channel> not escaped:\n%s", all)
		}
	})

	t.Run("teams", func(t *testing.T) {
		t.Parallel()
		b, err := notify.TeamsPayload(r, "")
		if err != nil {
			t.Fatal(err)
		}
		_, lines := teams(t, b) // checks there are only TextRuns: no Markdown
		all := strings.Join(lines, "\n")
		for _, h := range hostile {
			want := strings.ReplaceAll(h, "{{", "{\u200b{")
			if !strings.Contains(all, want) {
				t.Errorf("name %q does not arrive literally in the card", h)
			}
		}
		if strings.Contains(all, "{{") {
			t.Errorf("a {{ substitution survived:\n%s", all)
		}
	})

	t.Run("job summary", func(t *testing.T) {
		t.Parallel()
		md := notify.JobSummary(r, "javascript:alert(1)")
		checkTables(t, md)
		// Unescaped, each of these would be markup.
		for _, re := range []string{
			`(^|[^\\])\]\(`,    // a link
			`(^|[^\\])<[a-z!]`, // HTML or an autolink
			"(^|[^\\\\])`",     // code
			`(^|[^\\])\{\{`,
		} {
			for l := range strings.Lines(md) {
				if strings.HasPrefix(l, "Full report: <http") || strings.HasPrefix(l, "<sub>") {
					continue
				}
				if regexp.MustCompile(re).MatchString(l) {
					t.Errorf("markup %s in %q", re, l)
				}
			}
		}
		// Unescaped (backslashes before punctuation dropped), every name is there.
		shown := regexp.MustCompile(`\\([[:punct:]])`).ReplaceAllString(md, "$1")
		for _, h := range hostile {
			if !strings.Contains(shown, h) {
				t.Errorf("name %q does not arrive literally in the summary", h)
			}
		}
		if !strings.Contains(md, "Full report: javascript\\:alert\\(1\\)") {
			t.Errorf("a javascript: link was not shown as text:\n%s", md)
		}
	})

	t.Run("webhook", func(t *testing.T) {
		t.Parallel()
		b, err := notify.WebhookPayload(r, "")
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Periods []struct {
				Apps []struct {
					DisplayName string `json:"display_name"`
				} `json:"apps"`
			} `json:"periods"`
			Alerts []struct {
				App string `json:"app"`
			} `json:"alerts"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		for i, h := range hostile {
			if got := doc.Periods[0].Apps[i].DisplayName; got != h {
				t.Errorf("display_name %q, want %q as the API gave it", got, h)
			}
			if got := doc.Alerts[i].App; got != h {
				t.Errorf("alert app %q, want %q", got, h)
			}
		}
	})
}

func TestTargetNeverPrintsItsSecrets(t *testing.T) {
	t.Parallel()
	tg := notify.Target{Kind: notify.Slack, Name: "ops", URL: "https://hooks.slack.com/services/T0/B0/XXXXSECRET", Secret: "hmac-secret"}
	var logged strings.Builder
	for _, s := range []string{tg.String(), tg.GoString(), sprintf("%v %+v %#v %s", tg), tg.LogValue().String()} {
		logged.WriteString(s + "\n")
	}
	if out := logged.String(); strings.Contains(out, "XXXXSECRET") || strings.Contains(out, "hmac-secret") || !strings.Contains(out, `slack "ops"`) {
		t.Errorf("printing a target shows a secret or not its name:\n%s", out)
	}
}
