package notify_test

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/notify"
)

type teamsMsg struct {
	Type        string `json:"type"`
	Attachments []struct {
		ContentType string  `json:"contentType"`
		ContentURL  *string `json:"contentUrl"`
		Content     struct {
			Schema  string        `json:"$schema"`
			Type    string        `json:"type"`
			Version string        `json:"version"`
			Body    []cardElement `json:"body"`
			Actions []struct {
				Type, Title, URL string
			} `json:"actions"`
		} `json:"content"`
	} `json:"attachments"`
}

type cardElement struct {
	Type    string        `json:"type"`
	Text    string        `json:"text"` // a TextBlock's: must not occur
	Style   string        `json:"style"`
	Items   []cardElement `json:"items"`
	Inlines []struct {
		Type, Text string
	} `json:"inlines"`
}

// cardLines flattens a card's body into one line of text per element,
// checking every element is a RichTextBlock of TextRuns (no Markdown) or
// a Container of them.
func cardLines(t *testing.T, els []cardElement) []string {
	t.Helper()
	var out []string
	for _, e := range els {
		switch e.Type {
		case "Container":
			out = append(out, cardLines(t, e.Items)...)
		case "RichTextBlock":
			var b strings.Builder
			for _, in := range e.Inlines {
				if in.Type != "TextRun" {
					t.Errorf("inline of type %q, want TextRun", in.Type)
				}
				b.WriteString(in.Text)
			}
			out = append(out, b.String())
		default:
			t.Errorf("element of type %q (text %q): only RichTextBlock and Container keep names literal", e.Type, e.Text)
		}
	}
	return out
}

func teams(t *testing.T, b []byte) (teamsMsg, []string) {
	t.Helper()
	m := decode[teamsMsg](t, b)
	if m.Type != "message" || len(m.Attachments) != 1 {
		t.Fatalf("not a message with one attachment: %s", b)
	}
	a := m.Attachments[0]
	if a.ContentType != "application/vnd.microsoft.card.adaptive" || a.Content.Type != "AdaptiveCard" ||
		(a.Content.Version != "1.4" && a.Content.Version != "1.5") || a.Content.Schema == "" {
		t.Errorf("attachment %s %s %s: not an Adaptive Card 1.4/1.5", a.ContentType, a.Content.Type, a.Content.Version)
	}
	if len(b) > notify.TeamsBudget {
		t.Errorf("card of %d bytes, above the budget %d (limit about %d)", len(b), notify.TeamsBudget, notify.TeamsMaxBytes)
	}
	return m, cardLines(t, a.Content.Body)
}

func TestTeamsPayloadShape(t *testing.T) {
	t.Parallel()
	b, err := notify.TeamsPayload(fixture(t, 3, false), "https://example.com/r?a=1&b=2")
	if err != nil {
		t.Fatal(err)
	}
	m, lines := teams(t, b)
	all := strings.Join(lines, "\n")
	for _, want := range []string{
		"Kinsta report: weekly-ops", "Previous week 2026-11-16 to 2026-11-22 (7 days)",
		"1 app crossed a threshold", "change against 2026-11-09 to 2026-11-15 (7 days)",
		"1 metric could not be fetched (1 app)", "42 API requests",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("card lacks %q:\n%s", want, all)
		}
	}
	if !regexp.MustCompile(`Bandwidth [0-9.]+ GB ▲ \+[0-9.]+%`).MatchString(all) {
		t.Errorf("no bandwidth figure with its change:\n%s", all)
	}
	if strings.Index(all, "crossed a threshold") > strings.Index(all, "Bandwidth") {
		t.Errorf("alerts must come before the figures:\n%s", all)
	}
	acts := m.Attachments[0].Content.Actions
	if len(acts) != 1 || acts[0].Type != "Action.OpenUrl" || acts[0].URL != "https://example.com/r?a=1&b=2" {
		t.Errorf("actions %+v, want one OpenUrl to the full report", acts)
	}
}

func TestTeamsPayloadSummarisesALargeReport(t *testing.T) {
	t.Parallel()
	r := fixture(t, 200, true)
	b, err := notify.TeamsPayload(r, "https://example.com/report")
	if err != nil {
		t.Fatal(err)
	}
	_, lines := teams(t, b)
	shown := 0
	more := map[string]bool{}
	for _, l := range lines {
		if strings.Contains(l, "Bandwidth ") {
			shown++
		}
		if sm := moreRE.FindStringSubmatch(l); sm != nil {
			more[sm[2]] = true
		}
	}
	if !more["apps"] || shown < 20 {
		t.Errorf("200 apps: %d shown, \"more\" lines for %v; want a useful share and a count of the rest", shown, more)
	}
	t.Logf("200 apps: %d bytes, %d apps shown", len(b), shown)
}

func TestWebhookPayloadShape(t *testing.T) {
	t.Parallel()
	r := fixture(t, 3, false)
	b, err := notify.WebhookPayload(r, "https://example.com/r")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema      string `json:"schema"`
		Report      string `json:"report"`
		GeneratedAt string `json:"generated_at"`
		Timezone    string `json:"timezone"`
		Link        string `json:"link"`
		AlertCount  int    `json:"alert_count"`
		AlertedApps int    `json:"alerted_apps"`
		Alerts      []struct {
			App    string   `json:"app"`
			Metric string   `json:"metric"`
			Value  *float64 `json:"value"`
			Limit  *float64 `json:"limit"`
		} `json:"alerts"`
		Periods []struct {
			Name          string `json:"name"`
			Start         string `json:"start"`
			End           string `json:"end"`
			PreviousStart string `json:"previous_start"`
			Apps          []struct {
				ID          string `json:"id"`
				Name        string `json:"name"`
				DisplayName string `json:"display_name"`
				Figures     []struct {
					Metric, Figure, Unit string
					Value, Previous      *float64
					ChangePercent        *float64 `json:"change_percent"`
					Compared             bool
				}
				Missing []struct{ Metric, Error string }
			}
		} `json:"periods"`
		API struct {
			Requests    int     `json:"requests"`
			WaitSeconds float64 `json:"wait_seconds"`
		} `json:"api"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != notify.WebhookSchema || doc.Report != "weekly-ops" || doc.Timezone != "UTC" ||
		doc.GeneratedAt != "2026-11-23T06:00:00Z" || doc.Link != "https://example.com/r" {
		t.Errorf("head %+v", doc)
	}
	if doc.AlertCount != 1 || doc.AlertedApps != 1 || doc.Alerts[0].Metric != "response_time_p95" ||
		doc.Alerts[0].Limit == nil || *doc.Alerts[0].Limit != 300 {
		t.Errorf("alerts %+v", doc.Alerts)
	}
	p := doc.Periods[0]
	if p.Name != "previous_week" || p.Start != "2026-11-16T00:00:00Z" || p.PreviousStart != "2026-11-09T00:00:00Z" || len(p.Apps) != 3 {
		t.Fatalf("period %+v", p)
	}
	if len(p.Apps[0].Missing) != 1 || p.Apps[0].Missing[0].Metric != "cpu_usage" {
		t.Errorf("missing %+v", p.Apps[0].Missing)
	}
	found := false
	for _, f := range p.Apps[1].Figures {
		if f.Metric == "bandwidth" && f.Figure == "total" {
			found = true
			if f.Unit != "bytes" || f.Value == nil || f.Previous == nil || !f.Compared || f.ChangePercent == nil ||
				*f.ChangePercent != 25 {
				t.Errorf("bandwidth total %+v, want bytes with previous and +25%%", f)
			}
		}
	}
	if !found {
		t.Errorf("no bandwidth total in %+v", p.Apps[1].Figures)
	}
	if doc.API.Requests != 42 || doc.API.WaitSeconds != 1.5 {
		t.Errorf("api %+v", doc.API)
	}
}

func TestSignAndVerify(t *testing.T) {
	t.Parallel()
	body := []byte(`{"schema":"kinsta-report-webhook/v1"}`)
	at := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	h := notify.Sign("s3cret", at, body)
	if !regexp.MustCompile(`^t=1795413600,v1=[0-9a-f]{64}$`).MatchString(h) {
		t.Fatalf("header %q, want t=<unix>,v1=<64 hex>", h)
	}
	tests := []struct {
		name   string
		secret string
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"right secret", "s3cret", h, body, at.Add(time.Minute), nil},
		{"clock a little behind", "s3cret", h, body, at.Add(-time.Minute), nil},
		{"another secret", "other", h, body, at, notify.ErrSignatureMismatch},
		{"body changed", "s3cret", h, append([]byte(" "), body...), at, notify.ErrSignatureMismatch},
		{"timestamp changed", "s3cret", strings.Replace(h, "t=1795413600", "t=1795413601", 1), body, at, notify.ErrSignatureMismatch},
		{"old timestamp (replay)", "s3cret", h, body, at.Add(notify.DefaultTolerance + time.Second), notify.ErrSignatureExpired},
		{"rotated secret among several", "s3cret", "t=1795413600,v1=00," + strings.Split(h, ",")[1], body, at, nil},
		{"no header", "s3cret", "", body, at, notify.ErrSignatureMissing},
		{"no signature", "s3cret", "t=1795413600", body, at, notify.ErrSignatureMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := notify.Verify(tc.secret, tc.header, tc.body, tc.now, 0)
			if !errors.Is(err, tc.want) {
				t.Errorf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestJobSummary(t *testing.T) {
	t.Parallel()
	md := notify.JobSummary(fixture(t, 3, false), "https://example.com/r")
	for _, want := range []string{
		"## Kinsta report: weekly\\-ops\n",
		"### 🚨 1 app crossed a threshold\n",
		"| App | Bandwidth (total) | Requests (avg per min) | Response (avg) | P95 response (avg) | CPU (peak) | Memory (peak) |\n|---|--:|--:|--:|--:|--:|--:|\n",
		"**Missing data:** 1 metric could not be fetched \\(1 app\\).",
		"Full report: <https://example.com/r>",
		"42 API requests\\, 2 retries\\, 1 rate limited\\, 1\\.5s waited",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q:\n%s", want, md)
		}
	}
	checkTables(t, md)
}

// checkTables asserts every table row has as many cells as its header:
// an unescaped pipe in a name would add one.
func checkTables(t *testing.T, md string) {
	t.Helper()
	cols := 0
	for l := range strings.Lines(md) {
		if !strings.HasPrefix(l, "|") {
			cols = 0
			continue
		}
		n := len(regexp.MustCompile(`(^|[^\\])\|`).FindAllString(l, -1))
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("row with %d cell borders, header has %d: %q", n, cols, l)
		}
	}
}

func TestMarkdownEscape(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"a|b":                      `a\|b`,
		"[x](javascript:alert(1))": `\[x\]\(javascript\:alert\(1\)\)`,
		"`code`":                   "\\`code\\`",
		"<img src=x>":              `\<img src\=x\>`,
		"www.example.com":          `www\.example\.com`,
		"line\nbreak":              "line break",
		"Ünïcode stays":            "Ünïcode stays",
		`back\slash`:               `back\\slash`,
	} {
		if got := notify.MarkdownEscape(in); got != want {
			t.Errorf("MarkdownEscape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestShouldSend(t *testing.T) {
	t.Parallel()
	quiet := fixture(t, 2, false)
	quiet.Alerts = nil
	alerting := fixture(t, 2, false)
	for _, tc := range []struct {
		send string
		r    report.Report
		want bool
	}{
		{report.SendAlways, quiet, true},
		{"", quiet, true},
		{report.SendOnAlert, quiet, false},
		{report.SendOnAlert, alerting, true},
		{report.SendAlways, alerting, true},
	} {
		if got := notify.ShouldSend(notify.Target{Kind: notify.Slack, Send: tc.send}, tc.r); got != tc.want {
			t.Errorf("send %q with %d alerts: ShouldSend = %v, want %v", tc.send, len(tc.r.Alerts), got, tc.want)
		}
	}
}

func TestBuild(t *testing.T) {
	t.Parallel()
	r := fixture(t, 2, false)
	now := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	for _, k := range notify.Kinds() {
		m, err := notify.Build(notify.Target{Kind: k, Name: "x", Secret: "s"}, r, "", now)
		if err != nil || len(m.Body) == 0 || m.ContentType == "" {
			t.Errorf("%s: %d bytes, %q, %v", k, len(m.Body), m.ContentType, err)
		}
		if k == notify.Webhook {
			if err := notify.Verify("s", m.Header.Get(notify.SignatureHeader), m.Body, now, 0); err != nil {
				t.Errorf("webhook message does not verify: %v", err)
			}
		}
	}
	if _, err := notify.Build(notify.Target{Kind: notify.Webhook, Name: "hook"}, r, "", now); err == nil || !strings.Contains(err.Error(), `webhook "hook"`) {
		t.Errorf("webhook without a secret: %v", err)
	}
	if _, err := notify.Build(notify.Target{Kind: "pager", Name: "p"}, r, "", now); err == nil || !strings.Contains(err.Error(), "want one of") {
		t.Errorf("unknown kind: %v", err)
	}
}
