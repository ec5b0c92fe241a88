package chart

import (
	"bytes"
	"encoding/json"
	"flag"
	"html"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
	"github.com/kinsta-report/kinsta-report/templates"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ (also needs "+updateEnv+"=1)")

// updateEnv must be 1 as well as -update to rewrite the goldens: a stray
// -update once blessed a wrong arrow. A rewrite logs what changed, and
// TestGoldensMeanWhatTheySay reads the new goldens' arrows and words.
const updateEnv = "KINSTA_REPORT_UPDATE_GOLDEN"

func TestWriteHTMLGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    func(testing.TB) report.Report
	}{
		{"small", smallReport},
		{"hostile", hostileReport},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := unpacked(t, render(t, tc.r(t)))
			path := filepath.Join("testdata", tc.name+".golden.html")
			want, err := os.ReadFile(path)
			if *update {
				if os.Getenv(updateEnv) != "1" {
					t.Fatalf("-update rewrites %s: set %s=1 as well to confirm, then review git diff", path, updateEnv)
				}
				if bytes.Equal(got, want) {
					return
				}
				t.Logf("rewriting %s (%d → %d bytes); first difference at %s", path, len(want), len(got), firstDiff(got, want))
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v (run %s=1 go test ./report/chart -run Golden -update)", err, updateEnv)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("page differs from %s (run with %s=1 and -update, and review the diff):\n%s", path, updateEnv, firstDiff(got, want))
			}
		})
	}
}

func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + clip(gl) + "\nwant: " + clip(wl)
		}
	}
	return "(same lines)"
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

func TestWriteHTMLDeterministic(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Apps: 5, Days: 3, Interval: time.Hour, WithPrevious: true, WithAlerts: true})
	withChanges(&r)
	a, b := render(t, r), render(t, r)
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of the same report differ")
	}
}

func TestWriteHTMLContent(t *testing.T) {
	t.Parallel()
	page := string(unpacked(t, render(t, smallReport(t))))
	for _, want := range []string{
		"<h1>weekly-ops</h1>",
		"Europe/Berlin (UTC&#43;01:00)", // html/template escapes +
		"2026-11-19 06:00 CET",          // generated at, in the report's zone
		"Mon 16 Nov 2026 – Wed 18 Nov 2026",
		"Alerts: 1 app crossed a threshold",
		`<td class="num">300 ms</td>`,       // the limit once: "300ms" as written reads the same
		"⚠ missing",                         // the missing CPU of app 0 in the summary
		"CPU usage is missing: kinsta: 500", // and at the app
		`<div class="chg worse">`,           // P95 rose: worse, in colour and in words
		`<span class="word">worse</span>`,   // not colour alone
		`<span aria-hidden="true">▲</span>`, // and an arrow
		"(was ",                             // the previous figure
		`<div class="chg better"><span aria-hidden="true">▼</span> −12.5% <span class="word">better</span>`,
		`<span aria-hidden="true">▲</span> new <span class="prev">(was 0 B)</span>`,
		"Slowest requests",                      // the table
		"/api/orders",                           //
		"Ada Lovelace",                          // the roster
		"Requests to the Kinsta API</dt><dd>42", // API accounting
		"1.5s",                                  // wait
		"previous_month reaches back past Kinsta",
		"previous_week: bandwidth is reported per day",
		"Apache ECharts 5.6.0",
		`id="c-p0-a1-response_time"`,
		"@media print",
		"@media (max-width:640px)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "300 ms (300ms)") {
		t.Error("the alert repeats its limit as written")
	}
	// Bandwidth is not "more is bad": its change is neutral, with no word.
	if strings.Contains(page, "gravatar") || strings.Contains(page, "<img") {
		t.Error("the page shows avatars: it must load no image")
	}
}

// The page must load nothing: no src, no stylesheet link, no url(), no
// @import, and (outside the ECharts script, whose licence comments name
// apache.org) no http(s) URL at all.
func TestWriteHTMLOffline(t *testing.T) {
	t.Parallel()
	page := unpacked(t, render(t, smallReport(t)))
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`(?i)\bsrc\s*=`),
		regexp.MustCompile(`(?i)<link\b`),
		regexp.MustCompile(`(?i)url\(`),
		regexp.MustCompile(`(?i)@import`),
		regexp.MustCompile(`(?i)https?://`),
		regexp.MustCompile(`(?i)<(img|iframe|object|embed|audio|video)\b`),
	} {
		if loc := re.FindIndex(page); loc != nil {
			t.Errorf("page has %q: …%s…", re, page[max(0, loc[0]-60):min(len(page), loc[1]+60)])
		}
	}
}

// Every hostile string shows as text; none becomes markup or code.
func TestWriteHTMLHostileNames(t *testing.T) {
	t.Parallel()
	page := string(render(t, hostileReport(t)))
	own := string(unpacked(t, []byte(page)))

	for _, h := range reporttest.Hostile[:3] {
		esc := html.EscapeString(h)
		if !strings.Contains(own, esc) {
			t.Errorf("page does not show %q as escaped text %q", h, esc)
		}
	}
	for _, bad := range []string{
		`<script>document`,
		`<img src=x`,
		`onerror="document`,
		`"__f__`,
	} {
		if strings.Contains(own, bad) {
			i := strings.Index(own, bad)
			t.Errorf("page has raw %q: …%s…", bad, own[max(0, i-80):min(len(own), i+80)])
		}
	}

	// Exactly our four scripts: the error counter, ECharts, the data, ours.
	ss := scripts([]byte(own))
	if len(ss) != 4 {
		t.Fatalf("page has %d <script> elements, want 4", len(ss))
	}
	// ECharts, whole, and the data, both packed: inert until the page's
	// script unpacks them (unpacked checks the ECharts text).
	if ss[1][0] != `type="application/gzip" id="kr-echarts"` {
		t.Errorf("second script is %q, want the packed ECharts", ss[1][0])
	}
	if ss[2][0] != `type="application/gzip" id="kr-data"` {
		t.Fatalf("third script is %q, want the packed data", ss[2][0])
	}
	data := ss[2][1]
	if !json.Valid([]byte(data)) {
		t.Fatal("chart data is not valid JSON")
	}
	if strings.ContainsAny(data, "<>&") || strings.Contains(data, "__f__") {
		t.Error(`chart data has a raw <, >, & or "__f__"`)
	}
	// The data keeps the hostile process names, as JSON strings.
	var raw struct {
		Charts []struct {
			Option struct {
				Series []struct{ Name string }   `json:"series"`
				YAxis  []struct{ Data []string } `json:"yAxis"`
			} `json:"option"`
		} `json:"charts"`
	}
	if err := json.Unmarshal([]byte(data), &raw); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, c := range raw.Charts {
		for _, s := range c.Option.Series {
			names[s.Name] = true
		}
		for _, y := range c.Option.YAxis {
			for _, n := range y.Data {
				names[n] = true
			}
		}
	}
	for _, h := range reporttest.Hostile[:3] {
		if !names[h] {
			t.Errorf("chart data lost the name %q", h)
		}
	}
	// No script holds "__f__(" (go-echarts' renderer would unwrap it
	// into code); in HTML text it is harmless.
	for i, sc := range ss {
		if strings.Contains(sc[1], "__f__") {
			t.Errorf("script %d contains __f__", i)
		}
	}
	// Our own scripts carry no data: they are the template's text.
	for _, i := range []int{0, 3} {
		for _, h := range reporttest.Hostile {
			if strings.Contains(ss[i][1], h) || strings.Contains(ss[i][1], html.EscapeString(h)) {
				t.Errorf("script %d contains report data %q", i, h)
			}
		}
	}
}

func TestWriteHTMLDownsampled(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Apps: 1, Days: 30, Interval: time.Hour})
	page := string(unpacked(t, render(t, r)))
	if !strings.Contains(page, "Downsampled: 720 → 160 points (LTTB)") {
		t.Error("page does not say that the hourly month is downsampled")
	}
	if !strings.Contains(page, "6 charts are downsampled") {
		t.Error("About does not count the downsampled charts")
	}
	ss := scripts([]byte(page))
	var d struct {
		Periods []struct{ Labels []string } `json:"periods"`
		Charts  []struct {
			Option struct {
				Series []struct {
					Data json.RawMessage `json:"data"`
				} `json:"series"`
			} `json:"option"`
		} `json:"charts"`
	}
	if err := json.Unmarshal([]byte(ss[2][1]), &d); err != nil {
		t.Fatal(err)
	}
	if n := len(d.Periods[0].Labels); n != 720 {
		t.Errorf("period axis has %d labels, want 720", n)
	}
	for _, c := range d.Charts {
		for _, s := range c.Option.Series {
			var enc struct{ DX, Y []float64 }
			if err := json.Unmarshal(s.Data, &enc); err != nil {
				var plain []float64
				if err := json.Unmarshal(s.Data, &plain); err != nil || len(plain) > downsampleAbove {
					t.Errorf("series data %.60s… is neither encoded nor short", s.Data)
				}
				continue
			}
			if len(enc.DX) != len(enc.Y) || len(enc.Y) > MaxPoints {
				t.Errorf("encoded series has %d x and %d y, want equal and at most %d", len(enc.DX), len(enc.Y), MaxPoints)
			}
		}
	}
}

func TestWriteHTMLEmptyReport(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteHTML(&b, report.Report{Name: "empty"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `data-charts-total="0"`) {
		t.Error("empty report does not say it has no charts")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestWriteHTMLWriteError(t *testing.T) {
	t.Parallel()
	if err := WriteHTML(failWriter{}, smallReport(t)); err == nil {
		t.Fatal("WriteHTML to a failing writer returned no error")
	}
}

// sizeBudget is the most bytes a 200-app, 30-day hourly report may take.
// The 1,400 charts carry 2,000 series of 720 hourly points; downsampled to
// 160 points (one per three pixels of a 500-pixel plot), delta encoded and
// rounded to three digits that is 3.0 MB of JSON, and ECharts is 0.51 MB;
// packed (pack.go) they are 0.29 and 0.23 MB. The tables and sections are
// about 0.72 MB. Real figures compress less than the model's repeating
// days, so 2 MB leaves them room, and keeps the file far under the 10 MB
// limits common mail servers set (base64 adds a third: 2.7 MB).
const sizeBudget = 2_000_000

func TestWriteHTMLSizeBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("renders a 200-app, 30-day hourly report (skipped with -short)")
	}
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Apps: 200, Days: 30, Interval: time.Hour})
	var c countWriter
	if err := WriteHTML(&c, r); err != nil {
		t.Fatal(err)
	}
	t.Logf("200 apps, 30 days hourly: %d bytes (budget %d; ECharts %d, packed %d)", c.n, sizeBudget, len(templates.EChartsJS), len(packedECharts()))
	if c.n > sizeBudget {
		t.Errorf("page is %d bytes, over the budget of %d", c.n, sizeBudget)
	}
}

type countWriter struct{ n int }

func (c *countWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

func BenchmarkWriteHTML200Apps(b *testing.B) {
	r := reporttest.Build(reporttest.Options{Apps: 200, Days: 30, Interval: time.Hour})
	b.ReportAllocs()
	for b.Loop() {
		var c countWriter
		if err := WriteHTML(&c, r); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(c.n))
	}
}

func TestAlertCount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		alerts []report.Alert
		want   string
	}{
		{"none", nil, ""},
		{"one app twice", []report.Alert{{App: "A", AppID: "a"}, {App: "A", AppID: "a", Metric: report.CPUUsage}}, "1 app crossed a threshold"},
		{"two apps", []report.Alert{{App: "A", AppID: "a"}, {App: "B", AppID: "b"}}, "2 apps crossed a threshold"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			views, got := alertViews(report.Report{Alerts: tc.alerts}, time.UTC)
			if got != tc.want || len(views) != len(tc.alerts) {
				t.Errorf("alertViews = %d rows, %q; want %d, %q", len(views), got, len(tc.alerts), tc.want)
			}
		})
	}
}

func TestUsersSection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		users         []report.User
		missing       string
		want, notWant string
	}{
		{"not asked", nil, "", "", `id="users"`},
		{"missing", nil, "kinsta: 403 Forbidden", "The user roster is missing: kinsta: 403 Forbidden", ""},
		{"empty roster", []report.User{}, "", "The company has no users.", ""},
		{"roster", []report.User{{FullName: "Ada", Email: "ada@example.com", Image: "https://example.com/a.png"}}, "", "<tr><td>Ada</td><td>ada@example.com</td></tr>", "example.com/a.png"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := reporttest.Build(reporttest.Options{Apps: 1, Days: 1})
			r.Users, r.UsersMissing = tc.users, tc.missing
			page := string(unpacked(t, render(t, r)))
			if tc.want != "" && !strings.Contains(page, tc.want) {
				t.Errorf("page lacks %q", tc.want)
			}
			if tc.notWant != "" && strings.Contains(page, tc.notWant) {
				t.Errorf("page has %q", tc.notWant)
			}
		})
	}
}

// Two periods (the same name twice, as a config could have) keep every
// element id unique, and every chart's container exists.
func TestWriteHTMLTwoPeriodsUniqueIDs(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Apps: 2, Days: 2})
	r.Periods = append(r.Periods, r.Periods[0])
	page := unpacked(t, render(t, r))
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(` id="([^"]+)"`).FindAllSubmatch(page, -1) {
		id := string(m[1])
		if seen[id] {
			t.Errorf("id %q is used twice", id)
		}
		seen[id] = true
	}
	var d struct {
		Charts []struct{ ID string } `json:"charts"`
	}
	if err := json.Unmarshal([]byte(scripts(page)[2][1]), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Charts) != 28 {
		t.Errorf("%d charts, want 2 periods x 2 apps x 7", len(d.Charts))
	}
	for _, c := range d.Charts {
		if !seen[c.ID] {
			t.Errorf("chart %s has no container", c.ID)
		}
	}
}

func TestWeekOfHourlyBucketsIsNotDownsampled(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Apps: 1, Days: 7, Interval: time.Hour})
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "Downsampled: 168") {
		t.Error("a week of hourly buckets (168 points) was downsampled")
	}
	r = reporttest.Build(reporttest.Options{Apps: 1, Days: 30, Interval: time.Hour})
	b.Reset()
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Downsampled: 720 → 160 points") {
		t.Error("30 days of hourly buckets were not downsampled, or the page does not say so")
	}
}

func TestWriteHTMLDefusesSpoofingNames(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Apps: 2, Days: 2})
	r.Periods[0].Apps[0].DisplayName = "P\u202egnp.exe"
	r.Periods[0].Apps[1].DisplayName = "x" + strings.Repeat("y", 40000)
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.ContainsRune(page, '\u202e') || !strings.Contains(page, "\u2068Pgnp.exe\u2069") {
		t.Error("the right-to-left override reached the page, or the name is not isolated")
	}
	if strings.Contains(page, strings.Repeat("y", report.MaxDisplayRunes+1)) {
		t.Error("a 40,000-character name is shown whole")
	}
}
