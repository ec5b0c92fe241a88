package sheet_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/internal/peer"
	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
	"github.com/kinsta-report/kinsta-report/report/sheet"
)

// csvFilter exports every sheet (the last token, -1) as UTF-8 CSV with the
// cells as shown (formatted).
const csvFilter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"

// TestLibreOffice opens the workbook in LibreOffice, exports every sheet as
// CSV and finds the expected values there, as shown: hostile names as text,
// numbers in their formats, dates in the report's zone, missing data marked.
func TestLibreOffice(t *testing.T) {
	soffice := peer.Require(t, "soffice")
	t.Parallel()
	loc := berlin(t)
	r := reporttest.Build(reporttest.Options{
		Apps: len(reporttest.Hostile) + 1, Days: 2, Interval: time.Hour, Location: loc,
		HostileNames: true, MissingMetric: report.MemoryUsage, WithPrevious: true, WithAlerts: true,
	})
	report.CompareWithPrevious(&r)

	dir := t.TempDir()
	xlsx := writeBook(t, dir, r)
	home, out := filepath.Join(dir, "home"), filepath.Join(dir, "csv")
	for _, d := range []string{home, out} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	convert(t, soffice, home, out, csvFilter, xlsx)
	read := func(sh string) [][]string {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(out, "book-"+sh+".csv"))
		if err != nil {
			entries, _ := os.ReadDir(out)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Fatalf("no CSV of sheet %q: %v (have %q)", sh, err, names)
		}
		cr := csv.NewReader(bytes.NewReader(data))
		cr.FieldsPerRecord = -1
		rows, err := cr.ReadAll()
		if err != nil {
			t.Fatalf("CSV of %q: %v", sh, err)
		}
		return rows
	}
	find := func(rows [][]string, first string) (int, []string) {
		t.Helper()
		for i, r := range rows {
			if len(r) > 0 && r[0] == first {
				return i, r
			}
		}
		t.Fatalf("no row starts with %q", first)
		return 0, nil
	}
	col := func(header []string, name string) int {
		t.Helper()
		i := slices.Index(header, name)
		if i < 0 {
			t.Fatalf("no column %q in %q", name, header)
		}
		return i
	}

	// Summary: every app by its literal name, figures as formatted; the
	// metric row names the columns under it (merged, so only its first).
	rows := read("Summary")
	hi, header := find(rows, "Period")
	header = slices.Clone(header)
	group := ""
	for j := 2; j < len(header) && header[j] != "Missing data"; j++ {
		if j < len(rows[hi-1]) && rows[hi-1][j] != "" {
			group = rows[hi-1][j]
		}
		header[j] = group + " " + header[j]
	}
	p := r.Periods[0]
	for i, a := range p.Apps {
		row := rows[hi+1+i]
		if row[1] != a.Label() {
			t.Errorf("Summary row %d app %q, want %q", i, row[1], a.Label())
		}
	}
	a1 := p.Apps[1]
	row := rows[hi+2]
	for _, c := range []struct {
		col  string
		want float64
	}{
		{"Bandwidth total (GB)", *a1.Metrics[report.Bandwidth].Summary.Total / 1e9},
		{"CPU usage web average (%)", *a1.Metrics[report.CPUUsage].Processes[0].Summary.Average / 100},
		{"Bandwidth change", 0.25},
	} {
		if got := csvNum(t, row[col(header, c.col)]); !nearCSV(got, c.want) {
			t.Errorf("Summary %s = %v, want %v", c.col, got, c.want)
		}
	}
	if got := rows[hi+1][col(header, "Memory usage web average (MB)")]; got != sheet.TextMissing {
		t.Errorf("Summary missing memory shows %q", got)
	}
	if !strings.Contains(rows[hi+1][col(header, "Missing data")], "500 Internal Server Error") {
		t.Errorf("Summary missing reason %q", rows[hi+1][col(header, "Missing data")])
	}
	// Figures: a hostile app name and a figure, read back as shown.
	rows = read("Figures")
	hi, header = find(rows, "Period")
	found := false
	for _, fr := range rows[hi+1:] {
		if fr[1] == a1.Label() && fr[2] == "Bandwidth" && fr[4] == "peak" {
			found = true
			if got, want := csvNum(t, fr[col(header, "This period")]), *a1.Metrics[report.Bandwidth].Summary.Peak/1e9; !nearCSV(got, want) {
				t.Errorf("Figures bandwidth peak %v, want %v", got, want)
			}
		}
	}
	if !found {
		t.Errorf("Figures has no bandwidth peak row of %q", a1.Label())
	}

	// A series sheet: local wall-clock bucket starts and values.
	rows = read("Bandwidth")
	hi, header = find(rows, "Period")
	if !slices.Equal(header[2:4], []string{reporttest.Hostile[0], reporttest.Hostile[1]}) {
		t.Errorf("Bandwidth header %q", header)
	}
	pts := a1.Metrics[report.Bandwidth].Points
	for _, k := range []int{0, 5, 47} {
		row := rows[hi+1+k]
		if want := pts[k].Time.In(loc).Format("2006-01-02 15:04:05"); row[1] != want {
			t.Errorf("Bandwidth row %d bucket %q, want %q", k, row[1], want)
		}
		if got, want := csvNum(t, row[3]), pts[k].Value/1e9; !nearCSV(got, want) {
			t.Errorf("Bandwidth row %d value %v, want %v", k, got, want)
		}
	}

	// Slowest requests, users and alerts keep their strings.
	rows = read("Slowest requests")
	hi, _ = find(rows, "Period")
	if got := rows[hi+1][3]; got != "/search?q="+reporttest.Hostile[1] {
		t.Errorf("slowest path %q", got)
	}
	rows = read("Users")
	if _, row := find(rows, reporttest.Hostile[2]); row[1] != "evil@example.com" {
		t.Errorf("user row %q", row)
	}
	rows = read("Alerts")
	if _, row := find(rows, reporttest.Hostile[0]); row[2] != "P95 response time" || csvNum(t, row[7]) != 300 {
		t.Errorf("alert row %q", row)
	}
	rows = read("About")
	if _, row := find(rows, "Time zone"); row[1] != "Europe/Berlin" {
		t.Errorf("About time zone %q", row)
	}
}

// convert runs soffice --convert-to with its own profile under home.
func convert(t *testing.T, soffice, home, out, filter, file string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, "--headless", "--norestore",
		"-env:UserInstallation=file://"+filepath.ToSlash(filepath.Join(home, "profile")),
		"--convert-to", filter, "--outdir", out, file)
	cmd.Env = append(os.Environ(), "HOME="+home)
	cmd.WaitDelay = 10 * time.Second
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice --convert-to %s: %v\n%s", filter, err, msg)
	}
}

// TestLibreOfficeCharts prints the workbook to PDF with LibreOffice and
// finds each chart's title and legend in the text of its page:
// the native charts on the chart sheets render from the streamed data.
func TestLibreOfficeCharts(t *testing.T) {
	soffice := peer.Require(t, "soffice")
	pdftotext := peer.Require(t, "pdftotext")
	t.Parallel()
	loc := berlin(t)
	r := reporttest.Build(reporttest.Options{Apps: 3, Days: 2, Interval: time.Hour, Location: loc})
	text := pdfText(t, soffice, pdftotext, r)
	pages := strings.Split(string(text), "\f")
	for _, title := range []string{
		"Bandwidth (GB), previous_week: 2026-11-16 to 2026-11-17",
		"CPU usage (%), previous_week: 2026-11-16 to 2026-11-17",
		"Memory usage (MB), previous_week: 2026-11-16 to 2026-11-17",
	} {
		i := slices.IndexFunc(pages, func(p string) bool { return strings.Contains(p, title) })
		if i < 0 {
			t.Errorf("no page shows the chart %q", title)
			continue
		}
		// The category labels are rotated, which pdftotext spells out
		// letter by letter: the legend is what is checked.
		for _, want := range []string{"App 0", "App 1", "App 2"} {
			if !strings.Contains(pages[i], want) {
				t.Errorf("the chart %q lacks %q:\n%s", title, want, pages[i])
			}
		}
	}
}

// csvNum parses a number of the CSV export (the filter writes raw values,
// not as shown, but keeps a percent format's "%").
func csvNum(t testing.TB, s string) float64 {
	t.Helper()
	div := 1.0
	if strings.HasSuffix(s, "%") {
		s, div = strings.TrimSuffix(s, "%"), 100
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("CSV cell %q is not a number", s)
	}
	return v / div
}

// nearCSV compares with the precision LibreOffice exports (about 15
// significant digits, fewer decimals for large numbers).
func nearCSV(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// pdfText writes r's workbook, has LibreOffice print it to PDF and returns
// the PDF's text as pdftotext -layout lays it out (pages end with \f).
func pdfText(t *testing.T, soffice, pdftotext string, r report.Report) []byte {
	t.Helper()
	dir := t.TempDir()
	xlsx := writeBook(t, dir, r)
	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	convert(t, soffice, home, dir, "pdf", xlsx)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	text, err := exec.CommandContext(ctx, pdftotext, "-layout", filepath.Join(dir, "book.pdf"), "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return text
}

// writeBook writes r's workbook to dir/book.xlsx and returns its path.
func writeBook(t *testing.T, dir string, r report.Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := sheet.Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	xlsx := filepath.Join(dir, "book.xlsx")
	if err := os.WriteFile(xlsx, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return xlsx
}
