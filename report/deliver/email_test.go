package deliver

import (
	"bytes"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

const fullTree = "multipart/mixed[multipart/related[multipart/alternative[text/plain,text/html],image/png,image/png]," +
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/html]"

func TestBuildWriteEML(t *testing.T) {
	t.Parallel()
	r := testReport(t, reporttest.Options{WithPrevious: true, WithAlerts: true, MissingMetric: report.MemoryUsage})
	atts := testAttachments(40_000, 8_000)
	msg, info, err := Build(r, testSettings(), testCharts(t), atts)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.LeftOut) != 0 || info.Size <= 0 || info.Budget != DefaultMaxMessageBytes {
		t.Errorf("info %+v", info)
	}
	var eml bytes.Buffer
	if err := WriteEML(&eml, msg); err != nil {
		t.Fatal(err)
	}
	if int64(eml.Len()) > info.Budget {
		t.Errorf("eml is %d bytes, over the budget", eml.Len())
	}
	if os.Getenv("KINSTA_REPORT_KEEP") != "" { // a look at the message by hand
		_ = os.WriteFile(filepath.Join(os.Getenv("KINSTA_REPORT_KEEP"), "test.eml"), eml.Bytes(), 0o644)
	}
	m, root := parseMessage(t, eml.Bytes())
	if got, want := m.Header.Get("Subject"), "Kinsta weekly-ops: 2026-11-16 to 2026-11-22 (1 alerts)"; got != want {
		t.Errorf("subject %q, want %q", got, want)
	}
	if got := m.Header.Get("To"); !strings.Contains(got, "ops@example.com") || !strings.Contains(got, `"Lead Dev" <lead@example.com>`) {
		t.Errorf("To %q", got)
	}
	if got := m.Header.Get("Cc"); got != "<cto@example.com>" {
		t.Errorf("Cc %q", got)
	}
	if got := m.Header.Get("Bcc"); got != "" {
		t.Errorf("the Bcc header is in the message: %q", got)
	}
	if got := m.Header.Get("Date"); got != "Mon, 23 Nov 2026 06:00:00 +0000" {
		t.Errorf("Date %q, want the report's generation time", got)
	}
	if m.Header.Get("Message-Id") == "" || m.Header.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("headers %v", m.Header)
	}
	text, htmlBody := checkMessage(t, root, fullTree, atts)

	for _, want := range []string{
		"1 app crossed a threshold", "P95 response time peak", "above 300 ms",
		"Previous week: 2026-11-16 to 2026-11-22 (7 days)",
		"Change against 2026-11-09 to 2026-11-15 (7 days).",
		"Bandwidth", "Memory", "missing", "Memory usage: kinsta: 500 Internal Server Error",
		"▲ +25.0%", "weekly-ops_2026-11-23.xlsx", "Bandwidth per day, all apps",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q", want)
		}
	}
	for _, want := range []string{
		"1 app crossed a threshold", `width="600" height="250"`, `alt="Bandwidth per day, all apps"`,
		"color:#b42318", "▲&nbsp;&#43;25.0%", ">missing<", "2026-11-16 to 2026-11-22 (7 days)",
	} {
		if !strings.Contains(htmlBody, want) {
			t.Errorf("HTML part lacks %q", want)
		}
	}
	if strings.Contains(htmlBody, "<script") || strings.Contains(htmlBody, "data:") {
		t.Error("HTML part has a script or a data: URI")
	}
	if n := len(cidRe.FindAllString(htmlBody, -1)); n != 2 {
		t.Errorf("%d cid: images in the HTML, want 2", n)
	}
	// The figures are text, too: images may be blocked.
	bw := report.FormatValue(report.UnitBytes, *r.Periods[0].Apps[1].Metrics[report.Bandwidth].Summary.Total)
	if !strings.Contains(text, bw) || !strings.Contains(htmlBody, bw) {
		t.Errorf("bandwidth total %q is not in both bodies", bw)
	}
}

func TestBuildHostileNames(t *testing.T) {
	t.Parallel()
	r := testReport(t, reporttest.Options{Apps: 4, HostileNames: true, WithAlerts: true})
	text, htmlBody := bodies(t, r)
	unescaped := html.UnescapeString(htmlBody)
	for _, h := range reporttest.Hostile[:4] {
		if !strings.Contains(text, h) {
			t.Errorf("text part does not show %q literally", h)
		}
		if !strings.Contains(unescaped, h) {
			t.Errorf("HTML part does not show %q", h)
		}
	}
	for _, raw := range []string{"<script>", "</script>", "<img src=x"} {
		if strings.Contains(htmlBody, raw) {
			t.Errorf("HTML part holds raw %q", raw)
		}
	}
}

func TestBuildSizeBudget(t *testing.T) {
	t.Parallel()
	r := testReport(t, reporttest.Options{})
	atts := testAttachments(900_000, 20_000)
	s := testSettings()
	s.MaxMessageBytes = 600_000
	msg, info, err := Build(r, s, testCharts(t), atts)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.LeftOut) != 1 || info.LeftOut[0] != atts[0].Name {
		t.Fatalf("left out %q, want the xlsx", info.LeftOut)
	}
	var eml bytes.Buffer
	if err := WriteEML(&eml, msg); err != nil {
		t.Fatal(err)
	}
	if int64(eml.Len()) > s.MaxMessageBytes || info.Size > s.MaxMessageBytes {
		t.Fatalf("message is %d bytes (info %d), over the budget of %d", eml.Len(), info.Size, s.MaxMessageBytes)
	}
	_, root := parseMessage(t, eml.Bytes())
	text, htmlBody := checkMessage(t, root,
		"multipart/mixed[multipart/related[multipart/alternative[text/plain,text/html],image/png,image/png],text/html]", atts[1:])
	for _, body := range []string{text, htmlBody} {
		for _, want := range []string{"Left out of this email", "600 kB size limit", "artifact folder", atts[0].Path} {
			if !strings.Contains(body, want) {
				t.Errorf("body lacks %q", want)
			}
		}
	}

	// Even without attachments too big: an error, never a bounced mail.
	s.MaxMessageBytes = 20_000
	if _, info, err := Build(r, s, testCharts(t), atts); err == nil || !strings.Contains(err.Error(), "without any attachment") {
		t.Fatalf("error %v (info %+v), want the budget error", err, info)
	}
}

func TestBuildRejects(t *testing.T) {
	t.Parallel()
	r := testReport(t, reporttest.Options{Apps: 1})
	png := testCharts(t)[0]
	tests := []struct {
		name   string
		edit   func(*Settings, *[]Image, *[]Attachment)
		errHas string
	}{
		{"no recipients", func(s *Settings, _ *[]Image, _ *[]Attachment) { s.To, s.Cc, s.Bcc = nil, nil, nil }, "no recipients"},
		{"no from", func(s *Settings, _ *[]Image, _ *[]Attachment) { s.From = "" }, "no from"},
		{"bad to", func(s *Settings, _ *[]Image, _ *[]Attachment) { s.To = []string{"not an address"} }, "email: to"},
		{"unknown subject field", func(s *Settings, _ *[]Image, _ *[]Attachment) { s.Subject = "{{.Nope}}" }, "email subject"},
		{"broken subject", func(s *Settings, _ *[]Image, _ *[]Attachment) { s.Subject = "{{.Report" }, "email subject"},
		{"content id with brackets", func(_ *Settings, c *[]Image, _ *[]Attachment) {
			x := png
			x.ContentID = "<x>"
			*c = []Image{x}
		}, "content id"},
		{"content id twice", func(_ *Settings, c *[]Image, _ *[]Attachment) { *c = []Image{png, png} }, "used twice"},
		{"chart without size", func(_ *Settings, c *[]Image, _ *[]Attachment) {
			x := png
			x.Width = 0
			*c = []Image{x}
		}, "display size"},
		{"attachment path as name", func(_ *Settings, _ *[]Image, a *[]Attachment) { *a = []Attachment{{Name: "../x.xlsx"}} }, "bad file name"},
		{"negative budget", func(s *Settings, _ *[]Image, _ *[]Attachment) { s.MaxMessageBytes = -1 }, "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, charts, atts := testSettings(), []Image(nil), []Attachment(nil)
			tc.edit(&s, &charts, &atts)
			_, _, err := Build(r, s, charts, atts)
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("error %v, want one with %q", err, tc.errHas)
			}
		})
	}
}

func TestSubject(t *testing.T) {
	t.Parallel()
	r := testReport(t, reporttest.Options{Apps: 1, WithAlerts: true})
	tests := []struct{ src, want string }{
		{"", "Kinsta weekly-ops: 2026-11-16 to 2026-11-22"},
		{"{{.Report}} {{.Period}} {{.Start}}–{{.End}}: {{.Alerts}} alert(s)", "weekly-ops previous_week 2026-11-16–2026-11-22: 1 alert(s)"},
		{"two\r\nlines\n{{.Report}}", "two lines weekly-ops"},
	}
	for _, tc := range tests {
		got, err := renderSubject(tc.src, subjectDataOf(r))
		if err != nil || got != tc.want {
			t.Errorf("subject %q: got %q, %v; want %q", tc.src, got, err, tc.want)
		}
	}
	if _, err := renderSubject("{{.Repot}}", subjectDataOf(r)); err == nil {
		t.Error("an unknown field renders")
	}
}

func TestChartScaledToColumn(t *testing.T) {
	t.Parallel()
	cv, err := chartViews([]Image{{ContentID: "c", PNG: []byte("x"), Width: 1000, Height: 400}})
	if err != nil {
		t.Fatal(err)
	}
	if cv[0].Width != 600 || cv[0].Height != 240 {
		t.Errorf("display size %dx%d, want 600x240", cv[0].Width, cv[0].Height)
	}
}

// Names that would forge lines in the text part, or reverse the figures
// beside them with a right-to-left override, are shown defused.
func TestBuildSpoofingNames(t *testing.T) {
	t.Parallel()
	r := testReport(t, reporttest.Options{Apps: 2, WithAlerts: true})
	r.Periods[0].Apps[0].DisplayName = "Devil\r\nBcc: victim@evil.example\r\nAlerts: none"
	r.Periods[0].Apps[1].DisplayName = "P\u202egnp.exe"
	text, htmlBody := bodies(t, r)
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "Bcc:") || strings.HasPrefix(strings.TrimSpace(line), "Alerts: none") {
			t.Errorf("a name forged the line %q in the text part", line)
		}
	}
	for part, body := range map[string]string{"text": text, "html": html.UnescapeString(htmlBody)} {
		if strings.ContainsRune(body, '\u202e') {
			t.Errorf("the %s part carries the right-to-left override", part)
		}
		if !strings.Contains(body, "Devil  Bcc: victim@evil.example") {
			t.Errorf("the %s part does not show the name on one line", part)
		}
	}
}

// An alert shows its value and its limit in the same units, with the limit
// as written when that reads differently (1.5 GiB is 1.61 GB).
func TestAlertLimitInTheValuesUnits(t *testing.T) {
	t.Parallel()
	r := testReport(t, reporttest.Options{Apps: 1})
	r.Alerts = []report.Alert{{App: "Shop", Period: "previous_week", Metric: report.MemoryUsage, Process: "web", On: "average",
		Value: 2.36e9, Limit: 1.5 * (1 << 30), Unit: report.UnitBytes, Threshold: "1.5 GiB"}}
	text, _ := bodies(t, r)
	if !strings.Contains(text, "2.36 GB, above 1.61 GB (1.5 GiB)") {
		t.Errorf("text part:\n%s", text)
	}
}

// bodies builds r's message with the test settings and no charts or
// attachments, writes it as a .eml, parses it back and returns its text
// and HTML parts.
func bodies(t *testing.T, r report.Report) (text, htmlBody string) {
	t.Helper()
	msg, _, err := Build(r, testSettings(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var eml bytes.Buffer
	if err := WriteEML(&eml, msg); err != nil {
		t.Fatal(err)
	}
	_, root := parseMessage(t, eml.Bytes())
	return checkMessage(t, root, "multipart/alternative[text/plain,text/html]", nil)
}
