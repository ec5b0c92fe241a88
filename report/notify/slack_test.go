package notify_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/kinsta-report/kinsta-report/report/notify"
)

type slackMsg struct {
	Text   string `json:"text"`
	Blocks []struct {
		Type string     `json:"type"`
		Text *slackText `json:"text"`
		// Fields must never be used beyond Slack's 10.
		Fields   []slackText `json:"fields"`
		Elements []slackText `json:"elements"`
	} `json:"blocks"`
}

type slackText struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Verbatim bool   `json:"verbatim"`
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// checkSlackLimits asserts Slack's published limits on a message.
func checkSlackLimits(t *testing.T, m slackMsg) {
	t.Helper()
	if len(m.Blocks) > notify.SlackMaxBlocks {
		t.Errorf("%d blocks, Slack allows %d", len(m.Blocks), notify.SlackMaxBlocks)
	}
	total := 0
	for _, b := range m.Blocks {
		if b.Text != nil {
			total += utf16Len(b.Text.Text)
		}
		for _, e := range b.Elements {
			total += utf16Len(e.Text)
		}
	}
	if total > notify.SlackMaxTotalText {
		t.Errorf("%d characters in all, above %d (msg_blocks_too_long)", total, notify.SlackMaxTotalText)
	}
	for i, b := range m.Blocks {
		switch b.Type {
		case "header":
			if b.Text == nil || b.Text.Type != "plain_text" || utf16Len(b.Text.Text) > notify.SlackMaxHeaderText {
				t.Errorf("block %d: header %+v breaks Slack's limits (plain_text, %d chars)", i, b.Text, notify.SlackMaxHeaderText)
			}
		case "section":
			if b.Text == nil || b.Text.Text == "" {
				t.Errorf("block %d: section without text", i)
			} else if n := utf16Len(b.Text.Text); n > notify.SlackMaxSectionText {
				t.Errorf("block %d: section text of %d chars, Slack allows %d", i, n, notify.SlackMaxSectionText)
			}
			if len(b.Fields) > 10 {
				t.Errorf("block %d: %d fields", i, len(b.Fields))
			}
		case "context":
			if len(b.Elements) == 0 || len(b.Elements) > notify.SlackMaxContextElem {
				t.Errorf("block %d: context with %d elements", i, len(b.Elements))
			}
			for _, e := range b.Elements {
				if utf16Len(e.Text) > notify.SlackMaxSectionText {
					t.Errorf("block %d: context text of %d chars", i, utf16Len(e.Text))
				}
			}
		case "divider":
		default:
			t.Errorf("block %d: unexpected type %q", i, b.Type)
		}
	}
}

// mrkdwnTexts are every mrkdwn text of the message, the fallback first.
func mrkdwnTexts(t *testing.T, m slackMsg) []string {
	t.Helper()
	out := []string{m.Text}
	for _, b := range m.Blocks {
		ts := b.Elements
		if b.Text != nil {
			ts = append(ts, *b.Text)
		}
		for _, x := range ts {
			if x.Type == "mrkdwn" {
				if !x.Verbatim {
					t.Errorf("mrkdwn text without verbatim (Slack would autolink in it): %q", x.Text)
				}
				out = append(out, x.Text)
			}
		}
	}
	return out
}

func TestSlackPayloadShape(t *testing.T) {
	t.Parallel()
	r := fixture(t, 3, false)
	b, err := notify.SlackPayload(r, "https://github.com/o/r/actions/runs/1?a=1&b=2")
	if err != nil {
		t.Fatal(err)
	}
	m := decode[slackMsg](t, b)
	checkSlackLimits(t, m)
	if m.Blocks[0].Type != "header" || m.Blocks[0].Text.Text != "Kinsta report: weekly-ops" {
		t.Errorf("first block %+v, want the header", m.Blocks[0])
	}
	all := strings.Join(mrkdwnTexts(t, m), "\n")
	alertAt := strings.Index(all, "crossed a threshold")
	figuresAt := strings.Index(all, "Bandwidth ")
	if alertAt < 0 || figuresAt < 0 || alertAt > figuresAt {
		t.Errorf("alerts (at %d) must come before the figures (at %d):\n%s", alertAt, figuresAt, all)
	}
	for _, want := range []string{
		"*Previous week* 2026-11-16 to 2026-11-22 (7 days)",
		"Change against 2026-11-09 to 2026-11-15 (7 days)",
		"*App 1*", "*App 2*", "P95 response time peak",
		"<https://github.com/o/r/actions/runs/1?a=1&amp;b=2|open>",
		"1 metric could not be fetched (1 app)",
		"42 API requests, 2 retries, 1 rate limited, 1.5s waited",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("message lacks %q:\n%s", want, all)
		}
	}
	// Figures with their change, as the email shows them.
	if !regexp.MustCompile(`Bandwidth [0-9.]+ GB ▲ \+[0-9.]+%`).MatchString(all) {
		t.Errorf("no bandwidth figure with its change:\n%s", all)
	}
	if !strings.Contains(m.Text, "1 app crossed a threshold") {
		t.Errorf("fallback text %q lacks the alert headline", m.Text)
	}
}

func TestSlackPayloadLinkThatIsNotAURL(t *testing.T) {
	t.Parallel()
	b, err := notify.SlackPayload(fixture(t, 1, false), "artifact <kinsta-report> of run 7")
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(mrkdwnTexts(t, decode[slackMsg](t, b)), "\n")
	if !strings.Contains(all, "*Full report:* artifact &lt;kinsta-report&gt; of run 7") {
		t.Errorf("link text not shown escaped:\n%s", all)
	}
}

var moreRE = regexp.MustCompile(`…and (\d+) more (apps|alerts)`)

func TestSlackPayloadSummarisesALargeReport(t *testing.T) {
	t.Parallel()
	r := fixture(t, 200, true)
	if len(r.Alerts) < 200 {
		t.Fatalf("fixture has %d alerts, want one per app at least", len(r.Alerts))
	}
	for i := range r.Periods[0].Apps {
		r.Periods[0].Apps[i].DisplayName = fmt.Sprintf("App %03d of the shop & its <api>", i)
	}
	b, err := notify.SlackPayload(r, "https://example.com/report")
	if err != nil {
		t.Fatal(err)
	}
	m := decode[slackMsg](t, b)
	checkSlackLimits(t, m)
	all := strings.Join(mrkdwnTexts(t, m), "\n")
	shown := 0
	for l := range strings.Lines(all) {
		if strings.Contains(l, "*App ") && strings.Contains(l, "Bandwidth ") {
			shown++
		}
	}
	more := 0
	kinds := map[string]bool{}
	for _, sm := range moreRE.FindAllStringSubmatch(all, -1) {
		kinds[sm[2]] = true
		if sm[2] == "apps" {
			n, _ := strconv.Atoi(sm[1])
			more += n
		}
	}
	if !kinds["apps"] || !kinds["alerts"] {
		t.Fatalf("a 200-app report should say how many apps and alerts were left out; found %v", kinds)
	}
	if shown+more != 200 || shown < 20 {
		t.Errorf("%d apps shown + %d left out, want 200 in all and a useful share shown", shown, more)
	}
	if !strings.Contains(all, "|open>") {
		t.Error("the link to the full report was dropped")
	}
	t.Logf("200 apps: %d blocks, %d bytes, %d apps shown", len(m.Blocks), len(b), shown)
}

func TestSlackPayloadManyPeriodsStaysInLimits(t *testing.T) {
	t.Parallel()
	r := fixture(t, 30, false)
	for len(r.Periods) < 40 {
		r.Periods = append(r.Periods, r.Periods[0])
	}
	b, err := notify.SlackPayload(r, "")
	if err != nil {
		t.Fatal(err)
	}
	checkSlackLimits(t, decode[slackMsg](t, b))
}

func TestSlackPayloadExtremeNamesStayInLimits(t *testing.T) {
	t.Parallel()
	r := fixture(t, 200, true)
	// As long as DisplayText lets through, each "&" five characters once
	// escaped.
	for i := range r.Periods[0].Apps {
		r.Periods[0].Apps[i].DisplayName = strings.Repeat("&", 300)
	}
	for i := range r.Alerts {
		r.Alerts[i].App = strings.Repeat("<", 300)
	}
	b, err := notify.SlackPayload(r, "")
	if err != nil {
		t.Fatal(err)
	}
	m := decode[slackMsg](t, b)
	checkSlackLimits(t, m)
	if all := strings.Join(mrkdwnTexts(t, m), "\n"); !moreRE.MatchString(all) || strings.Contains(all, "&am…") {
		t.Errorf("extreme names: no \"…and N more\" line, or an entity cut in half:\n%.2000s", all)
	}
}

func TestSlackEscape(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"<!channel>":          "&lt;!channel&gt;",
		"a & b":               "a &amp; b",
		"<https://x|y>":       "&lt;https://x|y&gt;",
		"&lt; already":        "&amp;lt; already",
		"plain @here and #ch": "plain @here and #ch",
	} {
		if got := notify.SlackEscape(in); got != want {
			t.Errorf("SlackEscape(%q) = %q, want %q", in, got, want)
		}
	}
}
