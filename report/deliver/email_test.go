package deliver

import (
	"bytes"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

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

	// Text alone too big: an error, never a bounced mail.
	s.MaxMessageBytes = 5_000
	if _, info, err := Build(r, s, testCharts(t), atts); err == nil || !strings.Contains(err.Error(), "without any attachment or chart") {
		t.Fatalf("error %v (info %+v), want the budget error", err, info)
	}
}

// A message exactly as large as the budget is within it: nothing is left
// out.
func TestBuildSizeBudgetExact(t *testing.T) {
	t.Parallel()
	r := testReport(t, reporttest.Options{})
	s := testSettings()
	s.MessageID = "fixed" // the same size on every build
	atts := testAttachments(30_000, 5_000)
	_, info, err := Build(r, s, testCharts(t), atts)
	if err != nil {
		t.Fatal(err)
	}
	s.MaxMessageBytes = info.Size
	_, exact, err := Build(r, s, testCharts(t), atts)
	if err != nil || exact.Size != info.Size || len(exact.LeftOut)+len(exact.LeftOutCharts) != 0 {
		t.Errorf("budget %d: %+v (err %v), want nothing left out", s.MaxMessageBytes, exact, err)
	}
	s.MaxMessageBytes--
	if _, under, err := Build(r, s, testCharts(t), atts); err != nil || len(under.LeftOut) != 1 {
		t.Errorf("budget %d: %+v (err %v), want the largest attachment left out", s.MaxMessageBytes, under, err)
	}
}

// A budget smaller than the inline charts leaves them out, after the
// attachments, with a note in both bodies, instead of failing the send.
func TestBuildSizeBudgetDropsCharts(t *testing.T) {
	t.Parallel()
	r := testReport(t, reporttest.Options{})
	charts := testCharts(t)
	atts := testAttachments(900_000, 20_000)
	s := testSettings()
	s.MaxMessageBytes = 15_000 // the text (about 9 kB) fits; a chart (9 kB, 12 kB in base64) does not
	msg, info, err := Build(r, s, charts, atts)
	if err != nil {
		t.Fatalf("Build: %v; want the charts left out instead", err)
	}
	if len(info.LeftOut) != 2 || len(info.LeftOutCharts) != 2 {
		t.Fatalf("left out %q and charts %q, want both attachments and both charts", info.LeftOut, info.LeftOutCharts)
	}
	var eml bytes.Buffer
	if err := WriteEML(&eml, msg); err != nil {
		t.Fatal(err)
	}
	if int64(eml.Len()) > s.MaxMessageBytes {
		t.Fatalf("message is %d bytes, over the budget of %d", eml.Len(), s.MaxMessageBytes)
	}
	_, root := parseMessage(t, eml.Bytes())
	text, htmlBody := checkMessage(t, root, "multipart/alternative[text/plain,text/html]", nil)
	if strings.Contains(htmlBody, "cid:") {
		t.Error("the HTML still refers to a left-out chart")
	}
	for name, body := range map[string]string{"text": text, "html": html.UnescapeString(htmlBody)} {
		for _, want := range []string{"Left out of this email", "2 charts (the HTML report draws them", charts[0].Alt, charts[1].Alt, atts[0].Path} {
			if !strings.Contains(body, want) {
				t.Errorf("%s part lacks %q", name, want)
			}
		}
	}
	if strings.Contains(text, "== Charts ==") {
		t.Error("the text part still lists the charts as shown")
	}

	// A budget that fits one chart keeps the smaller one.
	small := charts[1]
	small.PNG = chartPNG(t, 300, 120, 3)
	both := []Image{charts[0], small}
	_, info, err = Build(r, s, both, nil)
	if err != nil || len(info.LeftOutCharts) != 1 || info.LeftOutCharts[0] != charts[0].ContentID {
		t.Fatalf("left out charts %q (err %v, small chart %d bytes, message %d), want only the larger %s",
			info.LeftOutCharts, err, len(small.PNG), info.Size, charts[0].ContentID)
	}
}

// A caller that prefixes the step ("email: ") does not repeat it.
func TestBuildErrorNamesItsStepOnce(t *testing.T) {
	t.Parallel()
	r := testReport(t, reporttest.Options{Apps: 1})
	s := testSettings()
	s.MaxMessageBytes = 100
	_, _, err := Build(r, s, nil, nil)
	if err == nil {
		t.Fatal("a 100-byte budget builds")
	}
	if got := fmt.Sprintf("report weekly-ops: email: %v", err); strings.Contains(got, "email: email:") {
		t.Errorf("doubled prefix: %s", got)
	}
	if !strings.HasPrefix(err.Error(), "build email: ") {
		t.Errorf("error %q does not name its step", err)
	}
}

// The Message-ID names the From domain (or kinsta-report), never the host
// the job ran on, and takes a given id.
func TestMessageID(t *testing.T) {
	t.Parallel()
	r := testReport(t, reporttest.Options{Apps: 1})
	host, _ := os.Hostname()
	for _, tc := range []struct {
		from, id string
		want     *regexp.Regexp
	}{
		{"Kinsta Reports <reports@Example.com>", "", regexp.MustCompile(`^<[0-9a-f]{32}@example\.com>$`)},
		{"reports@example.org", "acme.weekly-ops.2026-11-23", regexp.MustCompile(`^<acme\.weekly-ops\.2026-11-23@example\.org>$`)},
	} {
		s := testSettings()
		s.From, s.MessageID = tc.from, tc.id
		msg, _, err := Build(r, s, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var eml bytes.Buffer
		if err := WriteEML(&eml, msg); err != nil {
			t.Fatal(err)
		}
		m, _ := parseMessage(t, eml.Bytes())
		got := m.Header.Get("Message-Id")
		if !tc.want.MatchString(got) {
			t.Errorf("From %q, id %q: Message-ID %q, want %v", tc.from, tc.id, got, tc.want)
		}
		if host != "" && strings.Contains(got, "@"+host+">") {
			t.Errorf("Message-ID %q names the host %q", got, host)
		}
	}
	for _, tc := range []struct{ id, domain, want string }{
		{"a b<c>@d", "example.com", "a-b-c--d@example.com"},
		{"", "", "report@kinsta-report"},
		{"..x..y.", "ex..ample.com.", "x.y@ex.ample.com"},
		{"héllo", "example.com", "h-llo@example.com"},
	} {
		if got := messageID(tc.id, tc.domain); got != tc.want {
			t.Errorf("messageID(%q, %q) = %q, want %q", tc.id, tc.domain, got, tc.want)
		}
	}
	if d := domainOf("not an address"); d != "kinsta-report" {
		t.Errorf("domainOf(bad) = %q", d)
	}
}

// A one-day period's default subject names the day once; a template the
// user wrote is kept as written.
func TestSubjectOneDay(t *testing.T) {
	t.Parallel()
	r := testReport(t, reporttest.Options{Apps: 1, Days: 1, Start: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)})
	r.Periods[0].Name = "yesterday"
	for _, tc := range []struct{ src, want string }{
		{"", "Kinsta weekly-ops: 2026-11-29"},
		{report.DefaultSubject, "Kinsta weekly-ops: 2026-11-29"},
		{"{{.Report}} {{.Start}} to {{.End}}", "weekly-ops 2026-11-29 to 2026-11-29"},
	} {
		got, err := renderSubject(tc.src, subjectDataOf(r))
		if err != nil || got != tc.want {
			t.Errorf("subject %q: got %q, %v; want %q", tc.src, got, err, tc.want)
		}
	}
}

// Custom period names are shown as written; named periods read as words,
// in the headings and in the alerts.
func TestPeriodNames(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"previous_week": "Previous week", "last_30_days": "Last 30 days", "yesterday": "Yesterday",
		"black-friday": "black-friday", "q4_launch": "q4_launch", "Sale": "Sale",
	} {
		if got := report.PeriodTitle(in); got != want {
			t.Errorf("periodTitle(%q) = %q, want %q", in, got, want)
		}
	}
	r := testReport(t, reporttest.Options{Apps: 1})
	r.Periods[0].Name = "black-friday"
	r.Alerts = []report.Alert{{App: "Shop", Period: "black-friday", Metric: report.CPUUsage, Process: "web", On: "peak",
		Value: 87.5, Limit: 50, Unit: report.UnitPercent, Threshold: "50%"}}
	text, htmlBody := bodies(t, r)
	for name, body := range map[string]string{"text": text, "html": html.UnescapeString(htmlBody)} {
		if strings.Contains(body, "Black-friday") || !strings.Contains(body, "== black-friday:") && name == "text" {
			t.Errorf("%s part does not keep the name black-friday as written:\n%s", name, body)
		}
	}
}

// The threshold as written follows the limit only when it reads
// differently: "above 50.0 %", not "above 50.0 % (50%)".
func TestAlertLimitNotRepeated(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		unit      report.Unit
		limit     float64
		threshold string
		want      string
	}{
		{report.UnitPercent, 50, "50%", "above " + report.FormatValue(report.UnitPercent, 50) + " (black-friday)"},
		{report.UnitPercent, 50, "50.00 %", "above " + report.FormatValue(report.UnitPercent, 50) + " (black-friday)"},
		{report.UnitMS, 300, "300ms", "above 300 ms (black-friday)"},
		{report.UnitMS, 1000, "1s", "above " + report.FormatValue(report.UnitMS, 1000) + " (1s) (black-friday)"},
		{report.UnitBytes, 1.5 * (1 << 30), "1.5 GiB", "above 1.61 GB (1.5 GiB) (black-friday)"},
		{report.UnitBytes, 1.5e9, "1.5GB", "above " + report.FormatValue(report.UnitBytes, 1.5e9) + " (black-friday)"},
		{report.UnitPercent, 80, "80", "above " + report.FormatValue(report.UnitPercent, 80) + " (black-friday)"},
		{report.UnitVisits, 1, "1", "above " + report.FormatValue(report.UnitVisits, 1) + " (black-friday)"},
		{report.UnitBytes, 1.5e9, "1500000000", "above " + report.FormatValue(report.UnitBytes, 1.5e9) + " (black-friday)"},
	} {
		alerts, _ := alertViews([]report.Alert{{App: "Shop", Period: "black-friday", Metric: report.ResponseTimeP95, On: "peak",
			Value: 2 * tc.limit, Limit: tc.limit, Unit: tc.unit, Threshold: tc.threshold}}, time.UTC)
		if got := alerts[0].Text; !strings.HasSuffix(got, tc.want) {
			t.Errorf("threshold %q: %q, want it to end %q", tc.threshold, got, tc.want)
		}
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
