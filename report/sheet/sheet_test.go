package sheet_test

import (
	"archive/zip"
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
	"github.com/kinsta-report/kinsta-report/report/sheet"
)

// -sheet.out writes the test workbooks to a folder, to look at them.
var outDir = flag.String("sheet.out", "", "also write the test workbooks to this folder")

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("load zone: %v", err)
	}
	return loc
}

// render writes r and opens the result with excelize.
func render(t testing.TB, name string, r report.Report) (*excelize.File, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := sheet.Write(&buf, r); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if *outDir != "" {
		if err := os.WriteFile(filepath.Join(*outDir, name+".xlsx"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("open the workbook: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f, buf.Bytes()
}

// findRow returns the number (1-based) of the first row whose first cell is
// first, and the row.
func findRow(t testing.TB, f *excelize.File, sh, first string) (int, []string) {
	t.Helper()
	rows, err := f.GetRows(sh)
	if err != nil {
		t.Fatalf("rows of %q: %v", sh, err)
	}
	for i, r := range rows {
		if len(r) > 0 && r[0] == first {
			return i + 1, r
		}
	}
	t.Fatalf("sheet %q: no row starts with %q", sh, first)
	return 0, nil
}

func cellName(col, row int) string {
	n, _ := excelize.CoordinatesToCellName(col, row)
	return n
}

func colOf(t testing.TB, header []string, name string) int {
	t.Helper()
	i := slices.Index(header, name)
	if i < 0 {
		t.Fatalf("no column %q in %q", name, header)
	}
	return i + 1
}

// number reads a cell's raw number.
func number(t testing.TB, f *excelize.File, sh string, col, row int) float64 {
	t.Helper()
	raw, err := f.GetCellValue(sh, cellName(col, row), excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		t.Fatalf("%s!%s = %q, want a number", sh, cellName(col, row), raw)
	}
	return v
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// numFmt returns the number format code of a cell.
func numFmt(t testing.TB, f *excelize.File, sh string, col, row int) string {
	t.Helper()
	id, err := f.GetCellStyle(sh, cellName(col, row))
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustomNumFmt != nil {
		return *st.CustomNumFmt
	}
	return "builtin:" + strconv.Itoa(st.NumFmt)
}

func TestSheets(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Location: berlin(t)})
	f, _ := render(t, "basic", r)
	want := []string{
		"Summary",
		"Bandwidth chart", "Bandwidth",
		"Build time chart", "Build time",
		"Requests per minute chart", "Requests per minute",
		"Response time avg chart", "Response time avg",
		"Response time P50 chart", "Response time P50",
		"Response time P95 chart", "Response time P95",
		"CPU usage chart", "CPU usage",
		"Memory usage chart", "Memory usage",
		"Run time", "Slowest requests", "Users", "About",
	}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Errorf("sheets:\n got %q\nwant %q", got, want)
	}
	for _, name := range f.GetSheetList() {
		if len([]rune(name)) > 31 || strings.ContainsAny(name, `[]:*?/\`) {
			t.Errorf("bad sheet name %q", name)
		}
	}
	if f.GetActiveSheetIndex() != 0 {
		t.Errorf("active sheet %d, want the Summary", f.GetActiveSheetIndex())
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	r := reporttest.Build(reporttest.Options{Location: loc})
	r.Notes = []string{"previous_month reaches back past Kinsta's 30-day retention"}
	f, _ := render(t, "summary", r)

	rows, err := f.GetRows("Summary")
	if err != nil {
		t.Fatal(err)
	}
	top := ""
	for _, row := range rows[:6] {
		top += strings.Join(row, " | ") + "\n"
	}
	for _, want := range []string{"Europe/Berlin", "previous_week: Mon 2026-11-16 00:00 (UTC+01:00) to Mon 2026-11-23 00:00 (UTC+01:00), daily buckets", "30-day retention"} {
		if !strings.Contains(top, want) {
			t.Errorf("top of the Summary lacks %q:\n%s", want, top)
		}
	}
	hr, header := findRow(t, f, "Summary", "Period")
	for _, h := range []string{
		"App", "Bandwidth total (GB)", "Bandwidth peak (GB)", "Build time total (min)", "Run time total (h)",
		"Requests/min average (req/min)", "Requests/min peak (req/min)", "Response time avg average (ms)",
		"Response time P50 peak (ms)", "Response time P95 average (ms)", "CPU usage web average (%)", "CPU usage worker peak (%)",
		"Memory usage web average (MB)", "Memory usage worker peak (MB)", "Missing data", "App name", "App ID",
	} {
		colOf(t, header, h)
	}
	if slices.ContainsFunc(header, func(h string) bool { return strings.Contains(h, "previous") || strings.Contains(h, "change") }) {
		t.Errorf("change columns without a previous period: %q", header)
	}
	// Row per app, in model order.
	p := r.Periods[0]
	for i, a := range p.Apps {
		rn := hr + 1 + i
		if v, _ := f.GetCellValue("Summary", cellName(1, rn)); v != p.Name {
			t.Errorf("row %d period %q, want %q", rn, v, p.Name)
		}
		if v, _ := f.GetCellValue("Summary", cellName(2, rn)); v != a.Label() {
			t.Errorf("row %d app %q, want %q", rn, v, a.Label())
		}
		checks := []struct {
			col  string
			want float64
		}{
			{"Bandwidth total (GB)", *a.Metrics[report.Bandwidth].Summary.Total / 1e9},
			{"Build time total (min)", *a.Metrics[report.BuildTime].Summary.Total / 60},
			{"Run time total (h)", *a.Metrics[report.RunTime].Summary.Total / 3600},
			{"Requests/min peak (req/min)", *a.Metrics[report.HTTPRequests].Summary.Peak},
			{"Response time P95 average (ms)", *a.Metrics[report.ResponseTimeP95].Summary.Average},
			{"CPU usage web average (%)", *a.Metrics[report.CPUUsage].Processes[0].Summary.Average / 100},
			{"Memory usage worker peak (MB)", *a.Metrics[report.MemoryUsage].Processes[1].Summary.Peak / 1e6},
		}
		for _, c := range checks {
			if got := number(t, f, "Summary", colOf(t, header, c.col), rn); !near(got, c.want) {
				t.Errorf("app %d %s = %v, want %v", i, c.col, got, c.want)
			}
		}
		if v, _ := f.GetCellValue("Summary", cellName(colOf(t, header, "App ID"), rn)); v != a.ID {
			t.Errorf("app ID %q, want %q", v, a.ID)
		}
	}
	if v, _ := f.GetCellValue("Summary", cellName(1, hr+1+len(p.Apps))); v != "" {
		t.Errorf("a row after the last app: %q", v)
	}
	// Number formats.
	for col, want := range map[string]string{
		"Bandwidth total (GB)":           "#,##0.00",
		"Response time P95 average (ms)": "#,##0.0",
		"CPU usage web average (%)":      "0.0%",
		"Requests/min peak (req/min)":    "#,##0.0",
	} {
		if got := numFmt(t, f, "Summary", colOf(t, header, col), hr+1); got != want {
			t.Errorf("format of %s = %q, want %q", col, got, want)
		}
	}
	// Frozen header and autofilter.
	panes, err := f.GetPanes("Summary")
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != hr || panes.XSplit != 2 {
		t.Errorf("panes %+v, want frozen at row %d and 2 columns", panes, hr)
	}
	assertAutoFilter(t, f, "Summary", hr)
}

// assertAutoFilter checks the sheet's autofilter starts at the header row.
func assertAutoFilter(t testing.TB, f *excelize.File, sh string, header int) {
	t.Helper()
	dn := f.GetDefinedName()
	for _, d := range dn {
		if d.Name == "_xlnm._FilterDatabase" && d.Scope == sh {
			if !strings.Contains(d.RefersTo, "$A$"+strconv.Itoa(header)+":") {
				t.Errorf("%s: autofilter %q, want it from row %d", sh, d.RefersTo, header)
			}
			return
		}
	}
	t.Errorf("%s: no autofilter", sh)
}

func TestSeries(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	r := reporttest.Build(reporttest.Options{Location: loc, Days: 2, Interval: time.Hour})
	f, _ := render(t, "series", r)
	p := r.Periods[0]

	hr, header := findRow(t, f, "Bandwidth", "Period")
	if header[1] != "Bucket start" || header[2] != p.Apps[0].Label() || len(header) != 2+len(p.Apps) {
		t.Errorf("bandwidth header %q", header)
	}
	pts := p.Apps[1].Metrics[report.Bandwidth].Points
	if n := len(pts); n != 48 {
		t.Fatalf("model has %d points", n)
	}
	for _, k := range []int{0, 1, 25, 47} {
		rn := hr + 1 + k
		// A real date: the raw value is the serial of the local wall clock.
		raw, _ := f.GetCellValue("Bandwidth", cellName(2, rn), excelize.Options{RawCellValue: true})
		lt := pts[k].Time.In(loc)
		want, _ := excelize.ExcelDateToTime(0, false)
		_ = want
		serial, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			t.Fatalf("bucket start %q is not a date serial", raw)
		}
		got, err := excelize.ExcelDateToTime(serial, false)
		if err != nil {
			t.Fatal(err)
		}
		if wall := time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), 0, 0, time.UTC); !got.Round(time.Second).Equal(wall) {
			t.Errorf("row %d bucket %v, want local %v", rn, got, wall)
		}
		if shown, _ := f.GetCellValue("Bandwidth", cellName(2, rn)); shown != lt.Format("2006-01-02 15:04") {
			t.Errorf("row %d shows %q, want %q", rn, shown, lt.Format("2006-01-02 15:04"))
		}
		if got := number(t, f, "Bandwidth", 4, rn); !near(got, pts[k].Value/1e9) {
			t.Errorf("row %d bandwidth %v, want %v GB", rn, got, pts[k].Value/1e9)
		}
	}
	if got := numFmt(t, f, "Bandwidth", 3, hr+1); got != "#,##0.00" {
		t.Errorf("bandwidth format %q", got)
	}
	if got := numFmt(t, f, "Bandwidth", 2, hr+1); got != "yyyy-mm-dd hh:mm" {
		t.Errorf("date format %q", got)
	}
	assertAutoFilter(t, f, "Bandwidth", hr)

	// Per-process columns, percent as a fraction with a percent format.
	hr, header = findRow(t, f, "CPU usage", "Period")
	c := colOf(t, header, p.Apps[2].Label()+" / worker")
	want := p.Apps[2].Metrics[report.CPUUsage].Processes[1].Points[5].Value / 100
	if got := number(t, f, "CPU usage", c, hr+6); !near(got, want) {
		t.Errorf("cpu %v, want %v", got, want)
	}
	if got := numFmt(t, f, "CPU usage", c, hr+6); got != "0.0%" {
		t.Errorf("cpu format %q", got)
	}

	// The chart sheet holds a line chart over the data sheet's ranges.
	assertChart(t, f, "Bandwidth chart", "'Bandwidth'!$B$"+strconv.Itoa(hr+1)+":$B$"+strconv.Itoa(hr+48))
}

// assertChart checks that a chart sheet's chart refers to ref.
func assertChart(t testing.TB, f *excelize.File, sh, ref string) {
	t.Helper()
	if i, _ := f.GetSheetIndex(sh); i < 0 {
		t.Fatalf("no sheet %q", sh)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		if !strings.HasPrefix(zf.Name, "xl/charts/chart") {
			continue
		}
		rc, _ := zf.Open()
		var b bytes.Buffer
		_, _ = b.ReadFrom(rc)
		_ = rc.Close()
		x := strings.ReplaceAll(b.String(), "&#39;", "'")
		if strings.Contains(x, ref) && strings.Contains(x, "<lineChart>") {
			return
		}
	}
	t.Errorf("no line chart refers to %s", ref)
}
