package sheet_test

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
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
	f, data := render(t, "basic", r)
	for name, body := range parts(t, data) {
		if strings.HasPrefix(name, "xl/chartsheets/sheet") && !strings.Contains(body, `<pageSetup paperSize="9" orientation="landscape"/>`) {
			t.Errorf("%s does not print on A4 landscape", name)
		}
	}
	want := []string{
		"Summary", "Figures",
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
	hr, header := summaryHeader(t, f)
	want := []string{
		"Period", "App", "Bandwidth total (GB)", "Build time total (min)", "Run time total (h)",
		"Requests/min average (req/min)", "Response time avg average (ms)",
		"Response time P50 average (ms)", "Response time P95 average (ms)", "CPU usage web average (%)", "CPU usage worker average (%)",
		"Memory usage web average (MB)", "Memory usage web peak, % of limit", "Memory usage worker average (MB)", "Memory usage worker peak, % of limit",
	}
	if !slices.Equal(header, want) {
		t.Errorf("Summary header\n got %q\nwant %q", header, want)
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
			{"Requests/min average (req/min)", *a.Metrics[report.HTTPRequests].Summary.Average},
			{"Response time P95 average (ms)", *a.Metrics[report.ResponseTimeP95].Summary.Average},
			{"CPU usage web average (%)", *a.Metrics[report.CPUUsage].Processes[0].Summary.Average / 100},
			{"Memory usage worker average (MB)", *a.Metrics[report.MemoryUsage].Processes[1].Summary.Average / 1e6},
			{"Memory usage worker peak, % of limit", *a.Metrics[report.MemoryUsage].Processes[1].Summary.Peak / a.Metrics[report.MemoryUsage].Processes[1].Limit},
		}
		for _, c := range checks {
			if got := number(t, f, "Summary", colOf(t, header, c.col), rn); !near(got, c.want) {
				t.Errorf("app %d %s = %v, want %v", i, c.col, got, c.want)
			}
		}
		// Every other figure, and the app's ID, are on the Figures sheet.
		for _, c := range []struct {
			metric, proc, fig, unit string
			want                    float64
		}{
			{"Bandwidth", "", "peak", "GB", *a.Metrics[report.Bandwidth].Summary.Peak / 1e9},
			{"HTTP requests per minute", "", "peak", "req/min", *a.Metrics[report.HTTPRequests].Summary.Peak},
			{"P50 response time", "", "peak", "ms", *a.Metrics[report.ResponseTimeP50].Summary.Peak},
			{"CPU usage", "worker", "peak", "%", *a.Metrics[report.CPUUsage].Processes[1].Summary.Peak / 100},
			{"Memory usage", "worker", "peak", "MB", *a.Metrics[report.MemoryUsage].Processes[1].Summary.Peak / 1e6},
		} {
			fr, fh := figureRow(t, f, p.Name, a.Label(), c.metric, c.proc, c.fig)
			if got := number(t, f, "Figures", colOf(t, fh, "This period"), fr); !near(got, c.want) {
				t.Errorf("app %d Figures %s %s %s = %v, want %v", i, c.metric, c.proc, c.fig, got, c.want)
			}
			if v, _ := f.GetCellValue("Figures", cellName(colOf(t, fh, "Unit"), fr)); v != c.unit {
				t.Errorf("app %d Figures %s %s unit %q, want %q", i, c.metric, c.fig, v, c.unit)
			}
			if v, _ := f.GetCellValue("Figures", cellName(colOf(t, fh, "App ID"), fr)); v != a.ID {
				t.Errorf("app ID %q, want %q", v, a.ID)
			}
		}
	}
	if v, _ := f.GetCellValue("Summary", cellName(1, hr+1+len(p.Apps))); v != "" {
		t.Errorf("a row after the last app: %q", v)
	}
	// Number formats.
	for col, want := range map[string]string{
		"Bandwidth total (GB)":              "#,##0.00",
		"Response time P95 average (ms)":    "#,##0.0",
		"CPU usage web average (%)":         "0.0%",
		"Requests/min average (req/min)":    "#,##0.0",
		"Memory usage web peak, % of limit": "0.0%",
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
			// A text category axis: a date axis counts in days and stacks
			// hourly buckets.
			if !strings.Contains(x, `<auto val="0">`) {
				t.Errorf("%s: the category axis is not a text axis", zf.Name)
			}
			return
		}
	}
	t.Errorf("no line chart refers to %s", ref)
}

// parts returns the package's parts by name.
func parts(t testing.TB, data []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(rc)
		_ = rc.Close()
		out[zf.Name] = b.String()
	}
	return out
}

// allCells returns every non-empty cell text of every worksheet, and fails
// the test on any formula cell.
func allCells(t testing.TB, f *excelize.File) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			continue // a chart sheet
		}
		for ri, r := range rows {
			for ci, v := range r {
				if v == "" {
					continue
				}
				out[sh] = append(out[sh], v)
				if fm, _ := f.GetCellFormula(sh, cellName(ci+1, ri+1)); fm != "" {
					t.Errorf("%s!%s holds the formula %q", sh, cellName(ci+1, ri+1), fm)
				}
			}
		}
	}
	return out
}

func TestHostileNamesStayText(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Apps: len(reporttest.Hostile) + 1, HostileNames: true, WithAlerts: true})
	f, data := render(t, "hostile", r)
	for name, body := range parts(t, data) {
		if strings.HasPrefix(name, "xl/worksheets/") && (strings.Contains(body, "<f>") || strings.Contains(body, "<f ")) {
			t.Errorf("%s has a formula element", name)
		}
	}
	cells := allCells(t, f)
	wantIn := map[string][]string{
		"Summary":          reporttest.Hostile,
		"Bandwidth":        reporttest.Hostile,
		"CPU usage":        {reporttest.Hostile[3] + " / web", reporttest.Hostile[4] + " / worker"},
		"Slowest requests": {"/search?q=" + reporttest.Hostile[4], "/search?q=" + reporttest.Hostile[5], "/search?q=" + reporttest.Hostile[0]},
		"Users":            {reporttest.Hostile[2]},
		"Alerts":           {reporttest.Hostile[0]},
	}
	for sh, wants := range wantIn {
		for _, w := range wants {
			if !slices.Contains(cells[sh], w) {
				t.Errorf("sheet %q does not show %q literally", sh, w)
			}
		}
	}
	// The chart names its series by reference to the header cells, never by
	// the names themselves.
	for name, body := range parts(t, data) {
		if strings.HasPrefix(name, "xl/charts/") && strings.Contains(body, "HYPERLINK") {
			t.Errorf("%s holds an app name", name)
		}
	}
}

func TestMissingData(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		metric report.MetricKey
		cols   []string
		sheet  string
	}{
		{report.Bandwidth, []string{"Bandwidth total (GB)"}, "Bandwidth"},
		{report.MemoryUsage, []string{"Memory usage web average (MB)", "Memory usage worker average (MB)"}, "Memory usage"},
		{report.RunTime, []string{"Run time total (h)"}, "Run time"},
		{report.SlowestRequests, nil, "Slowest requests"},
	} {
		t.Run(string(tc.metric), func(t *testing.T) {
			t.Parallel()
			r := reporttest.Build(reporttest.Options{MissingMetric: tc.metric})
			f, _ := render(t, "missing-"+string(tc.metric), r)
			reason := r.Periods[0].Apps[0].Missing[0].Error
			hr, header := summaryHeader(t, f)
			for _, c := range tc.cols {
				if v, _ := f.GetCellValue("Summary", cellName(colOf(t, header, c), hr+1)); v != sheet.TextMissing {
					t.Errorf("App 0 %s = %q, want %q", c, v, sheet.TextMissing)
				}
				if v, _ := f.GetCellValue("Summary", cellName(colOf(t, header, c), hr+2)); v == sheet.TextMissing || v == "" {
					t.Errorf("App 1 %s = %q, want a number", c, v)
				}
			}
			if v, _ := f.GetCellValue("Summary", cellName(colOf(t, header, "Missing data"), hr+1)); !strings.Contains(v, reason) {
				t.Errorf("Missing data %q lacks the reason %q", v, reason)
			}
			cells := allCells(t, f)
			if !slices.ContainsFunc(cells[tc.sheet], func(s string) bool { return strings.HasPrefix(s, "Missing in previous_week for 1 app(s)") }) {
				t.Errorf("sheet %q does not say what is missing: %q", tc.sheet, cells[tc.sheet][:3])
			}
			if !slices.Contains(cells["About"], reason) {
				t.Errorf("About does not give the reason")
			}
			if slices.ContainsFunc(cells["Summary"], func(s string) bool { return strings.Contains(s, "missing") }) &&
				!slices.ContainsFunc(cells["Summary"], func(s string) bool { return strings.HasPrefix(s, "1 metric(s) could not be fetched") }) {
				t.Errorf("the top of the Summary does not mention the missing metric")
			}
		})
	}
}

func TestNoDataIsNotZero(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{})
	a := r.Periods[0].Apps[1]
	a.Metrics[report.ResponseTimeP95].Points = nil
	a.Metrics[report.ResponseTimeP95].Summary = report.Summary{}
	f, _ := render(t, "nodata", r)
	hr, header := summaryHeader(t, f)
	if v, _ := f.GetCellValue("Summary", cellName(colOf(t, header, "Response time P95 average (ms)"), hr+2)); v != sheet.TextNoData {
		t.Errorf("nil figure shows %q, want %q", v, sheet.TextNoData)
	}
	fr, fh := figureRow(t, f, "previous_week", a.Label(), "P95 response time", "", "peak")
	if v, _ := f.GetCellValue("Figures", cellName(colOf(t, fh, "This period"), fr)); v != sheet.TextNoData {
		t.Errorf("nil figure on Figures shows %q, want %q", v, sheet.TextNoData)
	}
	hr, _ = findRow(t, f, "Response time P95", "Period")
	if v, _ := f.GetCellValue("Response time P95", cellName(4, hr+1)); v != "" {
		t.Errorf("a bucket without data shows %q, want an empty cell", v)
	}
}

func TestChange(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{WithPrevious: true})
	report.CompareWithPrevious(&r)
	f, _ := render(t, "change", r)
	hr, header := summaryHeader(t, f)
	a := r.Periods[0].Apps[2]
	s := a.Metrics[report.Bandwidth].Summary
	rn := hr + 3
	fr, fh := figureRow(t, f, "previous_week", a.Label(), "Bandwidth", "", "total")
	if got := number(t, f, "Figures", colOf(t, fh, "Previous"), fr); !near(got, *s.Change.Previous.Total/1e9) {
		t.Errorf("previous %v, want %v", got, *s.Change.Previous.Total/1e9)
	}
	if got := number(t, f, "Figures", colOf(t, fh, "Change"), fr); !near(got, *s.Change.Percent.Total/100) {
		t.Errorf("Figures change %v, want %v", got, *s.Change.Percent.Total/100)
	}
	c := colOf(t, header, "Bandwidth change")
	if got := number(t, f, "Summary", c, rn); !near(got, *s.Change.Percent.Total/100) {
		t.Errorf("change %v, want %v", got, *s.Change.Percent.Total/100)
	}
	if got := numFmt(t, f, "Summary", c, rn); got != "+0.0%;-0.0%;0.0%" {
		t.Errorf("change format %q", got)
	}
	if v, _ := f.GetCellValue("Summary", cellName(c, rn)); v != "+25.0%" {
		t.Errorf("change shows %q, want +25.0%%", v)
	}
	cpu := a.Metrics[report.CPUUsage].Processes[0].Summary
	if got := number(t, f, "Summary", colOf(t, header, "CPU usage web change"), rn); !near(got, *cpu.Change.Percent.Average/100) {
		t.Errorf("cpu change %v, want %v", got, *cpu.Change.Percent.Average/100)
	}
	fr, fh = figureRow(t, f, "previous_week", a.Label(), "CPU usage", "web", "peak")
	if got := number(t, f, "Figures", colOf(t, fh, "Change"), fr); !near(got, *cpu.Change.Percent.Peak/100) {
		t.Errorf("cpu peak change %v, want %v", got, *cpu.Change.Percent.Peak/100)
	}
	// The header order: figure, change.
	i := slices.Index(header, "Bandwidth total (GB)")
	if i < 0 || header[i+1] != "Bandwidth change" {
		t.Errorf("columns around bandwidth total: %q", header[i:i+2])
	}
}

func TestAlerts(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{WithAlerts: true})
	r.Alerts = append(r.Alerts, report.Alert{
		App: "App 1", AppID: r.Periods[0].Apps[1].ID, Period: "previous_week", Metric: report.Bandwidth, On: "any_bucket",
		Time: r.Periods[0].Start.Add(48 * time.Hour), HasTime: true, Value: 3.2e9, Limit: 3e9, Unit: report.UnitBytes, Threshold: "3GB",
	})
	f, _ := render(t, "alerts", r)
	if got := f.GetSheetList()[2]; got != "Alerts" {
		t.Errorf("third sheet %q, want Alerts", got)
	}
	hr, header := findRow(t, f, "Alerts", "App")
	want := []string{"App", "Period", "Metric", "Process", "On", "Bucket start", "Value", "Limit", "Unit"}
	if !slices.Equal(header[:len(want)], want) {
		t.Errorf("alerts header %q", header)
	}
	a := r.Alerts[0]
	if got := number(t, f, "Alerts", 7, hr+1); !near(got, a.Value) {
		t.Errorf("value %v, want %v", got, a.Value)
	}
	if got := number(t, f, "Alerts", 8, hr+1); got != 300 {
		t.Errorf("limit %v, want 300", got)
	}
	if v, _ := f.GetCellValue("Alerts", cellName(3, hr+1)); v != "P95 response time" {
		t.Errorf("metric %q", v)
	}
	if v, _ := f.GetCellValue("Alerts", cellName(6, hr+2)); v != "2026-11-18 00:00" {
		t.Errorf("bucket start %q, want 2026-11-18 00:00", v)
	}
	if v, _ := f.GetCellValue("Alerts", cellName(10, hr+2)); v != "3.20 GB" {
		t.Errorf("readable value %q", v)
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{WithPrevious: true, WithAlerts: true, MissingMetric: report.CPUUsage, Interval: time.Hour, Days: 2})
	report.CompareWithPrevious(&r)
	var first []byte
	for i := range 3 {
		var buf bytes.Buffer
		if err := sheet.Write(&buf, r); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = buf.Bytes()
		} else if !bytes.Equal(first, buf.Bytes()) {
			t.Fatalf("write %d differs from the first", i+1)
		}
	}
}

// twoPeriods is a report with a daily and an hourly period; the second has
// a name that is no valid sheet name.
func twoPeriods(t testing.TB, second string) report.Report {
	t.Helper()
	loc := berlin(t)
	r := reporttest.Build(reporttest.Options{Location: loc, Days: 7})
	h := reporttest.Build(reporttest.Options{Location: loc, Days: 2, Interval: time.Hour, Apps: 4,
		Start: time.Date(2026, 11, 21, 0, 0, 0, 0, loc)})
	p := h.Periods[0]
	p.Name = second
	r.Periods = append(r.Periods, p)
	return r
}

func TestPeriods(t *testing.T) {
	t.Parallel()
	const odd = `it's/a:very*long?[period]\name that goes on`
	r := twoPeriods(t, odd)
	f, data := render(t, "periods", r)
	names := f.GetSheetList()
	seen := map[string]bool{}
	for _, n := range names {
		if len([]rune(n)) > 31 || strings.ContainsAny(n, `[]:*?/\`) || strings.HasPrefix(n, "'") || strings.HasSuffix(n, "'") {
			t.Errorf("bad sheet name %q", n)
		}
		if seen[strings.ToLower(n)] {
			t.Errorf("sheet name %q twice", n)
		}
		seen[strings.ToLower(n)] = true
	}
	if !slices.Contains(names, "Bandwidth – previous_week") {
		t.Errorf("no chart sheet for the first period: %q", names)
	}
	// One data sheet per metric: the daily block, then the hourly one.
	hr, header := findRow(t, f, "Bandwidth", "Period")
	if len(header) != 2+4 {
		t.Errorf("header %q, want a column per app of either period", header)
	}
	if v, _ := f.GetCellValue("Bandwidth", cellName(1, hr+8)); v != odd {
		t.Errorf("row after the daily block: period %q", v)
	}
	if v, _ := f.GetCellValue("Bandwidth", cellName(2, hr+7)); v != "2026-11-22 Sun" {
		t.Errorf("last daily bucket shows %q", v)
	}
	if v, _ := f.GetCellValue("Bandwidth", cellName(2, hr+9)); v != "2026-11-21 01:00" {
		t.Errorf("second hourly bucket shows %q", v)
	}
	if v, _ := f.GetCellValue("Bandwidth", cellName(6, hr+1)); v != "" {
		t.Errorf("App 3 is not in the first period, but shows %q", v)
	}
	want := r.Periods[1].Apps[3].Metrics[report.Bandwidth].Points[1].Value / 1e9
	if got := number(t, f, "Bandwidth", 6, hr+9); !near(got, want) {
		t.Errorf("App 3 second hour %v, want %v", got, want)
	}
	// The chart of the odd period refers to its own rows of the data sheet.
	assertChart(t, f, names[2], fmt.Sprintf("'Bandwidth'!$B$%d:$B$%d", hr+8, hr+7+48))
	_ = data
}

func TestEdgeCases(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		build func() report.Report
		check func(t *testing.T, f *excelize.File)
	}{
		{"zero report", func() report.Report { return report.Report{} }, func(t *testing.T, f *excelize.File) {
			if got := f.GetSheetList(); !slices.Equal(got, []string{"Summary", "Figures", "About"}) {
				t.Errorf("sheets %q", got)
			}
		}},
		{"no apps", func() report.Report {
			r := reporttest.Build(reporttest.Options{})
			r.Periods[0].Apps = nil
			return r
		}, func(t *testing.T, f *excelize.File) {
			hr, _ := findRow(t, f, "Bandwidth", "Period")
			if v, _ := f.GetCellValue("Bandwidth", cellName(1, hr+1)); v != "" {
				t.Errorf("a row without apps: %q", v)
			}
		}},
		{"metric missing for every app", func() report.Report {
			return reporttest.Build(reporttest.Options{Apps: 1, MissingMetric: report.CPUUsage})
		}, func(t *testing.T, f *excelize.File) {
			assertChart(t, f, "CPU usage chart", "'CPU usage'!$B$")
		}},
		{"not a number", func() report.Report {
			r := reporttest.Build(reporttest.Options{})
			m := r.Periods[0].Apps[0].Metrics[report.HTTPRequests]
			m.Points[2].Value = math.NaN()
			m.Summary.Peak = report.F(math.Inf(1))
			return r
		}, func(t *testing.T, f *excelize.File) {
			fr, fh := figureRow(t, f, "previous_week", "App 0", "HTTP requests per minute", "", "peak")
			if v, _ := f.GetCellValue("Figures", cellName(colOf(t, fh, "This period"), fr)); v != sheet.TextNoData {
				t.Errorf("an infinite peak shows %q", v)
			}
			hr, _ := findRow(t, f, "Requests per minute", "Period")
			if v, _ := f.GetCellValue("Requests per minute", cellName(3, hr+3)); v != "" {
				t.Errorf("NaN shows %q", v)
			}
		}},
		{"no location, same labels", func() report.Report {
			r := reporttest.Build(reporttest.Options{})
			r.Location = nil
			for i := range r.Periods[0].Apps {
				r.Periods[0].Apps[i].DisplayName = "Shop"
			}
			return r
		}, func(t *testing.T, f *excelize.File) {
			_, header := findRow(t, f, "Bandwidth", "Period")
			if header[2] == header[3] || !strings.HasPrefix(header[2], "Shop (app-0000") {
				t.Errorf("same labels not told apart: %q", header)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, _ := render(t, "edge", tc.build())
			allCells(t, f)
			tc.check(t, f)
		})
	}
}

// Each figure picks its own unit: a month of hourly bandwidth totals
// terabytes while the hourly peak is gigabytes.
func TestSummaryUnitPerFigure(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Apps: 1, Days: 30, Interval: time.Hour})
	f, _ := render(t, "units", r)
	hr, header := summaryHeader(t, f)
	s := r.Periods[0].Apps[0].Metrics[report.Bandwidth].Summary
	if got := number(t, f, "Summary", colOf(t, header, "Bandwidth total (TB)"), hr+1); !near(got, *s.Total/1e12) {
		t.Errorf("total %v TB, want %v", got, *s.Total/1e12)
	}
	fr, fh := figureRow(t, f, "previous_week", "App 0", "Bandwidth", "", "peak")
	if got := number(t, f, "Figures", colOf(t, fh, "This period"), fr); !near(got, *s.Peak/1e9) {
		t.Errorf("peak %v GB, want %v", got, *s.Peak/1e9)
	}
	if v, _ := f.GetCellValue("Figures", cellName(colOf(t, fh, "Unit"), fr)); v != "GB" {
		t.Errorf("peak unit %q, want GB", v)
	}
}

// On the day summer time ends, 25 hourly buckets show as local wall-clock
// times, 02:00 twice.
func TestDSTWallClock(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	r := reporttest.Build(reporttest.Options{Apps: 1, Days: 1, Interval: time.Hour, Location: loc,
		Start: time.Date(2026, 10, 25, 0, 0, 0, 0, loc)})
	f, _ := render(t, "dst", r)
	hr, _ := findRow(t, f, "Bandwidth", "Period")
	var got []string
	for i := range 26 {
		v, _ := f.GetCellValue("Bandwidth", cellName(2, hr+1+i))
		got = append(got, v)
	}
	want := []string{"2026-10-25 00:00", "2026-10-25 01:00", "2026-10-25 02:00", "2026-10-25 02:00", "2026-10-25 03:00"}
	if !slices.Equal(got[:5], want) || got[24] != "2026-10-25 23:00" || got[25] != "" {
		t.Errorf("bucket starts %q", got)
	}
}

// With more process names than the Summary has room for, CPU and memory
// are only on the Figures sheet, a row per app, process and figure.
func TestManyProcesses(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Apps: 3, MissingMetric: report.MemoryUsage})
	for i, a := range r.Periods[0].Apps {
		for _, k := range []report.MetricKey{report.CPUUsage, report.MemoryUsage} {
			if m := a.Metrics[k]; m != nil {
				for j := range m.Processes {
					m.Processes[j].Name = fmt.Sprintf("%s-%d", m.Processes[j].Name, i)
				}
			}
		}
	}
	f, _ := render(t, "processes", r)
	_, header := summaryHeader(t, f)
	if slices.ContainsFunc(header, func(h string) bool { return strings.HasPrefix(h, "CPU") || strings.HasPrefix(h, "Memory") }) {
		t.Errorf("Summary still has process columns: %q", header)
	}
	if !slices.ContainsFunc(allCells(t, f)["Summary"], func(s string) bool { return strings.Contains(s, "CPU and memory per process are only there") }) {
		t.Errorf("the Summary does not say where CPU and memory went")
	}
	fr, fh := figureRow(t, f, "previous_week", "App 0", "Memory usage", "", "average")
	if v, _ := f.GetCellValue("Figures", cellName(colOf(t, fh, "This period"), fr)); v != sheet.TextMissing {
		t.Errorf("App 0's missing memory shows %q", v)
	}
	a := r.Periods[0].Apps[2]
	fr, fh = figureRow(t, f, "previous_week", "App 2", "Memory usage", "worker-2", "peak")
	if got, want := number(t, f, "Figures", colOf(t, fh, "This period"), fr), *a.Metrics[report.MemoryUsage].Processes[1].Summary.Peak/1e6; !near(got, want) {
		t.Errorf("App 2 worker memory peak %v, want %v", got, want)
	}
	figureRow(t, f, "previous_week", "App 1", "CPU usage", "web-1", "average")
}

// summaryHeader returns the Summary's header row (the figure row) and each
// column's full name: the metric row's name over it (merged across the
// metric's columns) and the figure, e.g. "Bandwidth total (GB)".
func summaryHeader(t testing.TB, f *excelize.File) (int, []string) {
	t.Helper()
	hr, sub := findRow(t, f, "Summary", "Period")
	group := make([]string, len(sub))
	for i := range sub {
		group[i], _ = f.GetCellValue("Summary", cellName(i+1, hr-1))
	}
	merges, err := f.GetMergeCells("Summary")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range merges {
		c1, r1, _ := excelize.CellNameToCoordinates(m.GetStartAxis())
		c2, _, _ := excelize.CellNameToCoordinates(m.GetEndAxis())
		if r1 != hr-1 {
			continue
		}
		for c := c1; c <= c2 && c <= len(group); c++ {
			group[c-1] = m.GetCellValue()
		}
	}
	names := slices.Clone(sub)
	for i := range names {
		if group[i] != "" {
			names[i] = group[i] + " " + sub[i]
		}
	}
	return hr, names
}

// figureRow finds the Figures row of a period, app, metric (title),
// process and figure, and returns it with the header.
func figureRow(t testing.TB, f *excelize.File, period, app, metric, proc, fig string) (int, []string) {
	t.Helper()
	hr, header := findRow(t, f, "Figures", "Period")
	rows, err := f.GetRows("Figures")
	if err != nil {
		t.Fatal(err)
	}
	for i := hr; i < len(rows); i++ {
		r := append(rows[i], make([]string, 5)...)
		if r[0] == period && r[1] == app && r[2] == metric && r[3] == proc && r[4] == fig {
			return i + 1, header
		}
	}
	t.Fatalf("Figures: no row %s / %s / %s / %q / %s", period, app, metric, proc, fig)
	return 0, nil
}

// Memory shows as a share of the process's plan limit (memory_limit, bytes)
// where Kinsta gives one, in the Summary and on the Figures sheet; the
// limits and their assumed units are stated.
func TestPlanLimits(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Apps: 2})
	for _, a := range r.Periods[0].Apps {
		a.Metrics[report.CPUUsage].Processes[0].Limit = 300
		a.Metrics[report.MemoryUsage].Processes[0].Limit = 1e9
		a.Metrics[report.MemoryUsage].Processes[1].Limit = 0 // not given
	}
	f, _ := render(t, "limits", r)
	a := r.Periods[0].Apps[1]
	web := a.Metrics[report.MemoryUsage].Processes[0].Summary
	hr, header := summaryHeader(t, f)
	if got := number(t, f, "Summary", colOf(t, header, "Memory usage web peak, % of limit"), hr+2); !near(got, *web.Peak/1e9) {
		t.Errorf("Summary memory web peak share %v, want %v", got, *web.Peak/1e9)
	}
	if v, _ := f.GetCellValue("Summary", cellName(colOf(t, header, "Memory usage web peak, % of limit"), hr+2)); v != fmt.Sprintf("%.1f%%", *web.Peak/1e7) {
		t.Errorf("Summary share shows %q", v)
	}
	if slices.Contains(header, "Memory usage worker peak, % of limit") || slices.ContainsFunc(header, func(h string) bool { return strings.HasPrefix(h, "CPU") && strings.Contains(h, "limit") }) {
		t.Errorf("a share column without a limit, or for CPU: %q", header)
	}
	fr, fh := figureRow(t, f, "previous_week", a.Label(), "Memory usage", "web", "average")
	if got := number(t, f, "Figures", colOf(t, fh, "% of plan limit"), fr); !near(got, *web.Average/1e9) {
		t.Errorf("Figures memory web average share %v, want %v", got, *web.Average/1e9)
	}
	if v, _ := f.GetCellValue("Figures", cellName(colOf(t, fh, "Plan limit"), fr)); v != "1.00 GB" {
		t.Errorf("memory plan limit %q, want 1.00 GB", v)
	}
	fr, _ = figureRow(t, f, "previous_week", a.Label(), "CPU usage", "web", "peak")
	if v, _ := f.GetCellValue("Figures", cellName(colOf(t, fh, "Plan limit"), fr)); v != "300 millicores" {
		t.Errorf("cpu plan limit %q, want 300 millicores", v)
	}
	if v, _ := f.GetCellValue("Figures", cellName(colOf(t, fh, "% of plan limit"), fr)); v != "" {
		t.Errorf("cpu share %q, want none (CPU usage is a share of the process's CPU already)", v)
	}
	fr, _ = figureRow(t, f, "previous_week", a.Label(), "Memory usage", "worker", "peak")
	if v, _ := f.GetCellValue("Figures", cellName(colOf(t, fh, "Plan limit"), fr)); v != "" {
		t.Errorf("worker without a limit shows %q", v)
	}
	about := strings.Join(allCells(t, f)["About"], "\n")
	for _, want := range []string{"memory_limit", "taken as bytes", "cpu_limit", "taken as millicores", "does not document"} {
		if !strings.Contains(about, want) {
			t.Errorf("About does not state %q", want)
		}
	}

	// Without limits, no share columns and no note.
	r = reporttest.Build(reporttest.Options{Apps: 1})
	for _, k := range []report.MetricKey{report.CPUUsage, report.MemoryUsage} {
		for i := range r.Periods[0].Apps[0].Metrics[k].Processes {
			r.Periods[0].Apps[0].Metrics[k].Processes[i].Limit = 0
		}
	}
	f, _ = render(t, "nolimits", r)
	if _, header := summaryHeader(t, f); slices.ContainsFunc(header, func(h string) bool { return strings.Contains(h, "limit") }) {
		t.Errorf("share columns without limits: %q", header)
	}
	if _, fh := findRow(t, f, "Figures", "Period"); slices.Contains(fh, "Plan limit") {
		t.Errorf("Figures has limit columns without limits: %q", fh)
	}
	if slices.Contains(allCells(t, f)["About"], "Plan limits") {
		t.Errorf("About has a plan limits note without limits")
	}
}

// A series data sheet longer than about two pages prints its heading only
// (a print area that ends at the header) and says so; a short one prints
// whole.
func TestSeriesPrintArea(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		o     reporttest.Options
		print bool
	}{
		{"week hourly", reporttest.Options{Apps: 2, Days: 7, Interval: time.Hour}, false},
		{"month daily", reporttest.Options{Apps: 2, Days: 30}, true},
	} {
		f, _ := render(t, "printarea", reporttest.Build(tc.o))
		hr, _ := findRow(t, f, "Bandwidth", "Period")
		area := ""
		for _, d := range f.GetDefinedName() {
			if d.Name == "_xlnm.Print_Area" && d.Scope == "Bandwidth" {
				area = d.RefersTo
			}
		}
		note := slices.ContainsFunc(allCells(t, f)["Bandwidth"], func(s string) bool { return strings.HasPrefix(s, "Printing leaves out the") })
		switch {
		case tc.print && (area != "" || note):
			t.Errorf("%s: prints only %q (note %v), want every row", tc.name, area, note)
		case !tc.print && (!strings.HasSuffix(area, "$"+strconv.Itoa(hr)) || !note):
			t.Errorf("%s: print area %q (note %v), want it to end at the header row %d", tc.name, area, note, hr)
		}
	}
}
