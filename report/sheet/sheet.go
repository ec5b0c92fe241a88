// Package sheet renders a report as an Excel workbook (.xlsx) with
// github.com/xuri/excelize/v2.
//
// The workbook holds, in this order:
//
//   - Summary: one row per period and app with the headline figure of every
//     metric (its total, else its average), its change when the report
//     compares, and memory as a share of the plan limit; the period and
//     time zone at the top, missing data marked. It prints on one
//     landscape page for a handful of apps;
//   - Figures: every figure (total, average, peak; previous value, change,
//     plan limit and share of it), a row per period, app, metric, process
//     and figure, each in its own unit;
//   - Alerts, when the report has threshold crossings;
//   - for every series metric, a chart sheet per period (a native line chart
//     of the top apps) and a data sheet with the time series: a row per
//     bucket, a column per app (or app and process), real Excel dates (a
//     series longer than about two pages prints its heading only);
//   - Run time, Slowest requests, Users (when asked for) and About.
//
// Every column is as wide as its longest cell as shown (see widths.go), and
// every sheet prints on A4, as few pages wide as keep the text readable.
//
// Every data sheet is written with a StreamWriter, and the data rows of the
// series sheets, the bulk of a large report, are made only as the package is
// zipped, so memory stays bounded for large reports; charts live on chart
// sheets that refer to the streamed ranges (a chart added to a streamed sheet
// is silently lost). Strings from
// the API are always written as inline strings, never as formulas.
//
// Write is a pure renderer: no paths, environment, clock or logging, and the
// same report gives the same bytes.
package sheet

import (
	"archive/zip"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"github.com/kinsta-report/kinsta-report/report"
)

// Text shown in place of a figure. A missing figure is never shown as 0.
const (
	// TextMissing marks a metric that could not be fetched (the reason is in
	// the Missing data column and on the About sheet).
	TextMissing = "missing"
	// TextNoData marks a metric that was fetched but has no data for the
	// figure.
	TextNoData = "no data"
	// TextNA marks a figure that does not apply (no previous period to
	// compare with, for example).
	TextNA = "n/a"
	// TextNew marks a change from a previous value of zero.
	TextNew = "new"
)

// ChartSeriesMax is the most apps (or app processes) a chart shows: the top
// ones by the metric's headline figure. The data sheet has every one.
const ChartSeriesMax = 10

// Excel's limits.
const (
	maxRows      = 1048576
	maxCols      = 16384
	maxSheetName = 31
)

// Write renders r as an .xlsx workbook to w.
func Write(w io.Writer, r report.Report) error {
	if r.Location == nil {
		r.Location = time.UTC
	}
	f := excelize.NewFile()
	closed := false
	defer func() {
		if !closed {
			_ = f.Close()
		}
	}()
	b := &book{f: f, r: r, used: map[string]bool{}, numStyles: map[string]int{}, deferred: map[string]*seriesPlan{}}
	if err := b.build(); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	// excelize hands its parts to pkg instead of zipping them, so that they
	// can be written in a fixed order with the series rows added.
	pkg := &parts{data: map[string]*bytes.Buffer{}}
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return pkg })
	if err := f.Write(io.Discard); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	closed = true
	if err := f.Close(); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	b.f = nil
	if err := b.writePackage(w, pkg.data); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

// book is one workbook being built.
type book struct {
	f *excelize.File
	r report.Report
	// used holds the sheet names taken so far, folded to lower case (Excel
	// compares sheet names case-insensitively).
	used      map[string]bool
	numStyles map[string]int
	st        styles
	first     bool // the first sheet (the default "Sheet1") is not used yet
	// deferred holds the series sheets whose data rows are written only
	// when the package is (see writePackage), by their part name.
	deferred map[string]*seriesPlan
}

func (b *book) build() error {
	if err := b.initStyles(); err != nil {
		return err
	}
	b.first = true
	created := b.r.GeneratedAt.UTC().Format(time.RFC3339)
	if err := b.f.SetDocProps(&excelize.DocProperties{
		Title:          b.r.Name,
		Subject:        "Kinsta application metrics",
		Creator:        "kinsta-report",
		LastModifiedBy: "kinsta-report",
		Created:        created,
		Modified:       created,
		Language:       "en-US",
	}); err != nil {
		return fmt.Errorf("document properties: %w", err)
	}
	steps := []struct {
		name string
		fn   func() error
	}{
		{"summary", b.writeSummary},
		{"figures", b.writeFigures},
		{"alerts", b.writeAlerts},
		{"series", b.writeAllSeries},
		{"sites", b.writeSites}, // sites.go
		{"run time", b.writeRuns},
		{"slowest requests", b.writeSlowest},
		{"users", b.writeUsers},
		{"about", b.writeAbout},
	}
	for i, s := range steps {
		if err := s.fn(); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if i == 0 {
			// Now, while the Summary is the only sheet: excelize reads
			// every sheet there is back into memory to set the active one.
			b.f.SetActiveSheet(0)
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// Sheets

// sheetName returns a valid, unused sheet name made from want: characters
// Excel forbids replaced, at most 31 characters, unique (case-insensitively)
// with a " (2)" style suffix.
func (b *book) sheetName(want string) string {
	base := cleanSheetName(want)
	for n := 1; ; n++ {
		name := base
		if n > 1 {
			suffix := " (" + strconv.Itoa(n) + ")"
			name = truncUTF16(base, maxSheetName-len(suffix)) + suffix
		}
		name = strings.Trim(name, "' ")
		key := strings.ToLower(name)
		if name == "" || b.used[key] || key == "history" { // "History" is reserved by Excel
			if name == "" {
				base = "Sheet"
			}
			continue
		}
		b.used[key] = true
		return name
	}
}

func cleanSheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case strings.ContainsRune(`[]:*?/\`, r):
			return '_'
		case r < 0x20 || r == 0x7f:
			return ' '
		}
		return r
	}, s)
	s = strings.Trim(strings.TrimSpace(s), "'")
	if s == "" {
		return "Sheet"
	}
	if countUTF16(s) > maxSheetName {
		s = strings.TrimSpace(truncUTF16(s, maxSheetName-1)) + "…"
	}
	return s
}

func countUTF16(s string) int {
	n := 0
	for _, r := range s {
		n += len(utf16.Encode([]rune{r}))
	}
	return n
}

// truncUTF16 cuts s to at most n UTF-16 code units, at a rune boundary.
func truncUTF16(s string, n int) string {
	used := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if used+w > n {
			return s[:i]
		}
		used += w
	}
	return s
}

// quoteSheet quotes a sheet name for a formula reference.
func quoteSheet(name string) string {
	return "'" + strings.ReplaceAll(name, "'", "''") + "'"
}

// absRef returns 'Sheet'!$C$5:$C$10.
func absRef(sheet string, col, row1, row2 int) string {
	c, _ := excelize.ColumnNumberToName(col)
	if row1 == row2 {
		return fmt.Sprintf("%s!$%s$%d", quoteSheet(sheet), c, row1)
	}
	return fmt.Sprintf("%s!$%s$%d:$%s$%d", quoteSheet(sheet), c, row1, c, row2)
}

// sheetOpts says how a worksheet is set up before it is streamed.
type sheetOpts struct {
	widths     []float64 // widths of the first columns; the rest get rest
	restWidth  float64
	restCols   int     // how many columns after widths get restWidth
	colStyles  []int   // number-format style per column (0: none), from column 1
	freezeRow  int     // rows frozen above the data (the header row)
	freezeCols int     // columns frozen at the left
	landscape  bool    // print landscape (else: landscape only when too wide for portrait)
	printTitle int     // the header row repeated on every printed page (0: none)
	titleFrom  int     // the first row repeated, when before printTitle
	extraWidth float64 // width of columns set after newSheet
	// onePage shrinks the sheet to one page wide even below the usual
	// scale (down to about 60 %), for the Summary.
	onePage bool
	// printRows, when set, is the last row printed (a print area): the
	// rows below are for working with, not for paper.
	printRows int
}

// Characters of column width that fit across an A4 page at 100 % with the
// margins below (Calibri 11): about 150 landscape, 100 portrait.
const (
	landscapeChars = 150
	portraitChars  = 100
	// minScale is the smallest print scale a sheet is shrunk to, to fit
	// its width on a page; wider sheets print more pages wide.
	minScale = 0.7
	// minScaleOnePage is the smallest for the Summary.
	minScaleOnePage = 0.55
)

func (o sheetOpts) totalWidth() float64 {
	total := o.extraWidth + float64(o.restCols)*o.restWidth
	for _, w := range o.widths {
		total += w
	}
	return total
}

// orientation is landscape when asked for, or when the columns do not fit
// a portrait page at minScale.
func (o sheetOpts) orientation() string {
	if o.landscape || o.totalWidth() > portraitChars/minScale {
		return "landscape"
	}
	return "portrait"
}

// pagesWide is how many pages wide a sheet prints: as few as keep the text
// readable (rows run on down as many pages as they need).
func (o sheetOpts) pagesWide() int {
	page := float64(portraitChars)
	if o.orientation() == "landscape" {
		page = landscapeChars
	}
	scale := minScale
	if o.onePage {
		scale = minScaleOnePage
	}
	return max(1, int(math.Ceil(o.totalWidth()/(page/scale))))
}

// newSheet creates (or, for the first, renames the default) worksheet and
// returns a stream writer on it, set up per o.
func (b *book) newSheet(name string, o sheetOpts) (*excelize.StreamWriter, error) {
	if b.first {
		if err := b.f.SetSheetName("Sheet1", name); err != nil {
			return nil, err
		}
		b.first = false
	} else if _, err := b.f.NewSheet(name); err != nil {
		return nil, err
	}
	pages := o.pagesWide()
	if pages > 0 {
		if err := b.f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: ptr(true)}); err != nil {
			return nil, err
		}
	}
	orient := o.orientation()
	layout := &excelize.PageLayoutOptions{Orientation: &orient, Size: ptr(9)} // A4
	if pages > 0 {
		layout.FitToWidth, layout.FitToHeight = ptr(pages), ptr(0)
	}
	if err := b.f.SetPageLayout(name, layout); err != nil {
		return nil, err
	}
	if err := b.f.SetPageMargins(name, &excelize.PageLayoutMarginsOptions{
		Left: ptr(0.4), Right: ptr(0.4), Top: ptr(0.5), Bottom: ptr(0.5), Header: ptr(0.2), Footer: ptr(0.2),
	}); err != nil {
		return nil, err
	}
	if err := b.f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{
		OddFooter: "&L&A&RPage &P of &N",
	}); err != nil {
		return nil, err
	}
	if o.printTitle > 0 {
		if err := b.f.SetDefinedName(&excelize.DefinedName{
			Name:     "_xlnm.Print_Titles",
			RefersTo: printTitles(name, cmp.Or(o.titleFrom, o.printTitle), o.printTitle, o.freezeCols),
			Scope:    name,
		}); err != nil {
			return nil, err
		}
	}
	if o.printRows > 0 {
		last, _ := excelize.ColumnNumberToName(max(1, len(o.widths)+o.restCols))
		if err := b.f.SetDefinedName(&excelize.DefinedName{
			Name:     "_xlnm.Print_Area",
			RefersTo: fmt.Sprintf("%s!$A$1:$%s$%d", quoteSheet(name), last, o.printRows),
			Scope:    name,
		}); err != nil {
			return nil, err
		}
	}
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	// Runs of equal widths as one range: excelize merges each call into
	// its column list, which is slow for many single columns.
	for i := 0; i < len(o.widths); {
		j := i
		for j+1 < len(o.widths) && o.widths[j+1] == o.widths[i] {
			j++
		}
		if err := sw.SetColWidth(i+1, j+1, o.widths[i]); err != nil {
			return nil, err
		}
		i = j + 1
	}
	if o.restCols > 0 {
		from := len(o.widths) + 1
		if err := sw.SetColWidth(from, from+o.restCols-1, o.restWidth); err != nil {
			return nil, err
		}
	}
	if err := setColStyles(sw, o.colStyles); err != nil {
		return nil, err
	}
	if o.freezeRow > 0 || o.freezeCols > 0 {
		tl, _ := excelize.CoordinatesToCellName(o.freezeCols+1, o.freezeRow+1)
		pane := "bottomRight"
		switch {
		case o.freezeCols == 0:
			pane = "bottomLeft"
		case o.freezeRow == 0:
			pane = "topRight"
		}
		if err := sw.SetPanes(&excelize.Panes{
			Freeze: true, XSplit: o.freezeCols, YSplit: o.freezeRow, TopLeftCell: tl, ActivePane: pane,
			Selection: []excelize.Selection{{SQRef: tl, ActiveCell: tl, Pane: pane}},
		}); err != nil {
			return nil, err
		}
	}
	return sw, nil
}

// printTitles repeats the header row, and the frozen columns, on every
// printed page.
func printTitles(sheet string, from, row, cols int) string {
	ref := fmt.Sprintf("%s!$%d:$%d", quoteSheet(sheet), from, row)
	if cols > 0 {
		last, _ := excelize.ColumnNumberToName(cols)
		ref = fmt.Sprintf("%s!$A:$%s,%s", quoteSheet(sheet), last, ref)
	}
	return ref
}

// setColStyles applies the number-format styles, merging runs of equal
// styles into one column range.
func setColStyles(sw *excelize.StreamWriter, cs []int) error {
	for i := 0; i < len(cs); {
		j := i
		for j+1 < len(cs) && cs[j+1] == cs[i] {
			j++
		}
		if cs[i] != 0 {
			if err := sw.SetColStyle(i+1, j+1, cs[i]); err != nil {
				return err
			}
		}
		i = j + 1
	}
	return nil
}

// autoFilter sets the autofilter of a streamed sheet over the header row
// and the data below it (call it before Flush).
func (b *book) autoFilter(sheet string, headerRow, lastRow, cols int) error {
	if cols < 1 {
		return nil
	}
	if lastRow < headerRow+1 {
		lastRow = headerRow + 1 // Excel wants at least one row below the header
	}
	last, _ := excelize.CoordinatesToCellName(cols, lastRow)
	return b.f.AutoFilter(sheet, fmt.Sprintf("A%d:%s", headerRow, last), nil)
}

// ---------------------------------------------------------------------------
// Styles and number formats

type styles struct {
	title, subtitle, label, text, wrap, note, header, headerNum int
	groupHeader, noteWrap                                       int
	missing, absent, share                                      int
	dateHour, dateDay, dateTime, count, number, percent, change int
}

func (b *book) initStyles() error {
	f := b.f
	mk := func(s *excelize.Style) int {
		if f == nil {
			return 0
		}
		id, err := f.NewStyle(s)
		if err != nil {
			f = nil
			return 0
		}
		return id
	}
	font := func(bold, italic bool, size float64, color string) *excelize.Font {
		return &excelize.Font{Bold: bold, Italic: italic, Size: size, Color: color, Family: "Calibri"}
	}
	b.st.title = mk(&excelize.Style{Font: font(true, false, 14, "1F3864")})
	b.st.subtitle = mk(&excelize.Style{Font: font(true, false, 11, "1F3864")})
	b.st.label = mk(&excelize.Style{Font: font(true, false, 11, "404040"), Alignment: &excelize.Alignment{Vertical: "top"}})
	b.st.text = mk(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}})
	b.st.note = mk(&excelize.Style{Font: font(false, true, 11, "595959")})
	b.st.noteWrap = mk(&excelize.Style{Font: font(false, true, 11, "595959"), Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	b.st.header = mk(&excelize.Style{
		Font:      font(true, false, 11, "FFFFFF"),
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F4E79"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
		Border:    []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}},
	})
	b.st.groupHeader = mk(&excelize.Style{
		Font:      font(true, false, 11, "FFFFFF"),
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F4E79"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border:    []excelize.Border{{Type: "bottom", Color: "8EA9C1", Style: 1}},
	})
	b.st.headerNum = mk(&excelize.Style{
		Font:      font(true, false, 11, "FFFFFF"),
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F4E79"}},
		Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "center", WrapText: true, Indent: 1},
		Border:    []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}},
	})
	b.st.missing = mk(&excelize.Style{
		Font:      font(false, true, 11, "C55A11"),
		Alignment: &excelize.Alignment{Horizontal: "right"},
	})
	b.st.absent = mk(&excelize.Style{
		Font:      font(false, true, 11, "808080"),
		Alignment: &excelize.Alignment{Horizontal: "right"},
	})
	b.st.dateHour = mk(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm"), Alignment: &excelize.Alignment{Horizontal: "left"}})
	b.st.dateDay = mk(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd ddd"), Alignment: &excelize.Alignment{Horizontal: "left"}})
	b.st.dateTime = mk(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm:ss"), Alignment: &excelize.Alignment{Horizontal: "left"}})
	b.st.count = mk(&excelize.Style{CustomNumFmt: ptr("#,##0")})
	b.st.number = mk(&excelize.Style{CustomNumFmt: ptr("#,##0.##")})
	b.st.share = mk(&excelize.Style{CustomNumFmt: ptr("0.0%")})
	b.st.change = mk(&excelize.Style{CustomNumFmt: ptr("+0.0%;-0.0%;0.0%")})
	if f == nil {
		return fmt.Errorf("styles: excelize rejected a style")
	}
	return nil
}

// numStyle returns the style of a number format, made once.
func (b *book) numStyle(format string) (int, error) {
	if id, ok := b.numStyles[format]; ok {
		return id, nil
	}
	id, err := b.f.NewStyle(&excelize.Style{CustomNumFmt: ptr(format)})
	if err != nil {
		return 0, err
	}
	b.numStyles[format] = id
	return id, nil
}

// scale is how the values of a metric are shown: divided by div, in unit
// (named in the headers), with an Excel number format.
type scale struct {
	unit   string
	div    float64
	format string
}

// scaleFor picks the scale of a unit for values up to maxAbs: bytes in B,
// KB, MB, GB or TB (powers of 1000, as the rest of the report), seconds in
// s, min or h, percent as an Excel percentage.
func scaleFor(u report.Unit, maxAbs float64) scale {
	switch u {
	case report.UnitBytes:
		div, name := report.ByteUnit(maxAbs)
		if div == 1 {
			return scale{unit: "B", div: 1, format: "#,##0"}
		}
		return scale{unit: name, div: div, format: "#,##0.00"}
	case report.UnitSeconds:
		switch {
		case maxAbs >= 2*3600:
			return scale{unit: "h", div: 3600, format: "#,##0.00"}
		case maxAbs >= 120:
			return scale{unit: "min", div: 60, format: "#,##0.0"}
		default:
			return scale{unit: "s", div: 1, format: "#,##0.0"}
		}
	case report.UnitMS:
		return scale{unit: "ms", div: 1, format: "#,##0.0"}
	case report.UnitPercent:
		return scale{unit: "%", div: 100, format: "0.0%"}
	case report.UnitRequestsPerMinute:
		return scale{unit: "req/min", div: 1, format: "#,##0.0"}
	default:
		return scale{unit: string(u), div: 1, format: "#,##0.00"}
	}
}

// value returns v in the scale, or nil when v is not a finite number.
func (s scale) value(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v / s.div
}

// wall returns t's wall clock in the report's zone as a UTC-labelled time:
// excelize turns a time.Time into a date serial from its clock fields, and
// the workbook shows every date as local time in the report's zone.
func (b *book) wall(t time.Time) time.Time {
	lt := t.In(b.r.Location)
	return time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), lt.Second(), lt.Nanosecond(), time.UTC)
}

// dateCell is t as a real Excel date in the report's zone.
func (b *book) dateCell(t time.Time, style int) any {
	if t.IsZero() {
		return nil
	}
	return excelize.Cell{StyleID: style, Value: b.wall(t)}
}

// bucketStyle is the date format of a period's buckets.
func (b *book) bucketStyle(interval time.Duration) int {
	if interval >= 24*time.Hour {
		return b.st.dateDay
	}
	return b.st.dateHour
}

// str is an API (or config) string, always a string cell, never a formula.
func str(s string) any { return s }

func styled(style int, v any) excelize.Cell { return excelize.Cell{StyleID: style, Value: v} }

// missingCell marks a figure that is not there: "missing" (not fetched)
// stands out, the others ("no data", "n/a", "new") are grey.
func (b *book) missingCell(text string) excelize.Cell {
	if text == TextMissing {
		return styled(b.st.missing, text)
	}
	return styled(b.st.absent, text)
}

// row writes one row of cells at row r.
func row(sw *excelize.StreamWriter, r int, cells ...any) error {
	return sw.SetRow("A"+strconv.Itoa(r), cells)
}

// headerCells turns header texts into header-styled string cells; the
// headers of the columns in numeric (0-based) are right-aligned, like their
// numbers.
func (b *book) headerCells(texts []string, numeric ...int) []any {
	out := make([]any, len(texts))
	for i, t := range texts {
		st := b.st.header
		if slices.Contains(numeric, i) {
			st = b.st.headerNum
		}
		out[i] = styled(st, t)
	}
	return out
}

// span returns the numbers from..to-1.
func span(from, to int) []int {
	out := make([]int, 0, max(0, to-from))
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// localText formats t in the report's zone for text, e.g.
// "2026-11-16 00:00 (UTC+01:00)".
func (b *book) localText(t time.Time) string {
	lt := t.In(b.r.Location)
	return lt.Format("Mon 2006-01-02 15:04") + " (UTC" + lt.Format("-07:00") + ")"
}

// spanText describes [start, end): "2026-11-16 to 2026-11-22" (the last
// day included) when both are local midnights, else both instants.
func (b *book) spanText(start, end time.Time) string {
	ls, le := start.In(b.r.Location), end.In(b.r.Location)
	midnight := func(t time.Time) bool {
		return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
	}
	if midnight(ls) && midnight(le) && le.After(ls) {
		last := time.Date(le.Year(), le.Month(), le.Day()-1, 0, 0, 0, 0, b.r.Location)
		if !last.After(ls) {
			return ls.Format("2006-01-02")
		}
		return ls.Format("2006-01-02") + " to " + last.Format("2006-01-02")
	}
	return ls.Format("2006-01-02 15:04") + " to " + le.Format("2006-01-02 15:04")
}

func intervalText(d time.Duration) string {
	switch {
	case d <= 0:
		return "unknown buckets"
	case d == 24*time.Hour:
		return "daily buckets"
	case d == time.Hour:
		return "hourly buckets"
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "-hour buckets"
	default:
		return d.String() + " buckets"
	}
}

func ptr[T any](v T) *T { return &v }

// ---------------------------------------------------------------------------
// Output

// parts collects the parts of the package as excelize writes them (through
// its ZipWriter hook), uncompressed.
type parts struct {
	data map[string]*bytes.Buffer
}

func (p *parts) Create(name string) (io.Writer, error) {
	if _, dup := p.data[name]; dup {
		return nil, fmt.Errorf("part %s written twice", name)
	}
	buf := new(bytes.Buffer)
	p.data[name] = buf
	return buf, nil
}

func (p *parts) AddFS(fs.FS) error { return errors.New("adding a file system is not supported") }

func (p *parts) Close() error { return nil }

// writePackage zips the parts to w in a fixed order ([Content_Types].xml
// first, then by name): excelize writes streamed sheets in map order, so
// without this the same report would not always give the same bytes. The
// parts excelize cannot get right are fixed (see partFix), and the data rows
// of the series sheets are made here, straight into the compressor, so that
// the largest sheets are never held in memory whole.
func (b *book) writePackage(w io.Writer, pkg map[string]*bytes.Buffer) error {
	names := slices.SortedFunc(maps.Keys(pkg), func(a, b string) int {
		ka, kb := a != "[Content_Types].xml", b != "[Content_Types].xml"
		if ka != kb {
			if !ka {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	for name := range b.deferred {
		if pkg[name] == nil {
			return fmt.Errorf("series sheet %s not in the package", name)
		}
	}
	zw := zip.NewWriter(w)
	for _, name := range names {
		data := pkg[name].Bytes()
		delete(pkg, name)
		out, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			return err
		}
		if strings.HasPrefix(name, "xl/worksheets/sheet") {
			data = sortCols(data)
		}
		if pl := b.deferred[name]; pl != nil {
			end := bytes.Index(data, []byte("</sheetData>"))
			if end < 0 {
				return fmt.Errorf("series sheet %s has no sheetData", name)
			}
			if _, err := out.Write(data[:end]); err != nil {
				return err
			}
			if err := b.seriesRows(out, pl); err != nil {
				return fmt.Errorf("%s: %w", pl.name, err)
			}
			data = data[end:]
		} else if fix := partFix(name); fix != nil {
			data = []byte(fix(string(data)))
		}
		if _, err := out.Write(data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// chartsheetPage is the page setup of a chart sheet: A4 landscape with
// small margins. excelize cannot set it (SetPageLayout takes worksheets
// only), and without it a chart prints small on a portrait page.
const chartsheetPage = `<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.5" header="0.2" footer="0.2"/>` +
	`<pageSetup paperSize="9" orientation="landscape"/>`

// partFix returns the change a part of the package needs that excelize
// cannot make, or nil:
//
//   - the content types' Default elements are sorted (excelize writes them
//     in map order);
//   - a chart sheet gets an A4 landscape page setup (before its drawing, the
//     schema's order);
//   - a chart's category axis is a text axis (auto="0"): with excelize's
//     automatic axis, Excel and LibreOffice turn date categories into a date
//     axis counted in days, which stacks every hourly bucket of a day on one
//     spot; see fixCatAx.
func partFix(name string) func(string) string {
	switch {
	case name == "[Content_Types].xml":
		return sortDefaults
	case strings.HasPrefix(name, "xl/chartsheets/sheet") && strings.HasSuffix(name, ".xml"):
		return func(s string) string {
			if strings.Contains(s, "<pageSetup") {
				return s
			}
			return strings.Replace(s, "<drawing ", chartsheetPage+"<drawing ", 1)
		}
	case strings.HasPrefix(name, "xl/charts/chart") && strings.HasSuffix(name, ".xml"):
		return fixCatAx
	}
	return nil
}

var (
	colsRE = regexp.MustCompile(`<cols>.*?</cols>`)
	colRE  = regexp.MustCompile(`<col min="(\d+)"[^>]*/>`)
)

// sortCols puts a worksheet's col elements in column order, as the schema
// wants: excelize's stream writer leaves them in the order it merged them.
func sortCols(data []byte) []byte {
	loc := colsRE.FindIndex(data)
	if loc == nil {
		return data
	}
	cols := colRE.FindAllSubmatch(data[loc[0]:loc[1]], -1)
	slices.SortStableFunc(cols, func(a, b [][]byte) int {
		x, _ := strconv.Atoi(string(a[1]))
		y, _ := strconv.Atoi(string(b[1]))
		return x - y
	})
	out := make([]byte, 0, len(data))
	out = append(out, data[:loc[0]]...)
	out = append(out, "<cols>"...)
	for _, c := range cols {
		out = append(out, c[0]...)
	}
	out = append(out, "</cols>"...)
	return append(out, data[loc[1]:]...)
}

var defaultRE = regexp.MustCompile(`<Default [^>]*>(?:</Default>)?`)

// sortDefaults sorts the Default elements of [Content_Types].xml in place.
func sortDefaults(s string) string {
	locs := defaultRE.FindAllStringIndex(s, -1)
	if len(locs) < 2 {
		return s
	}
	defs := make([]string, len(locs))
	for i, l := range locs {
		defs[i] = s[l[0]:l[1]]
	}
	slices.Sort(defs)
	var b strings.Builder
	prev := 0
	for i, l := range locs {
		b.WriteString(s[prev:l[0]])
		b.WriteString(defs[i])
		prev = l[1]
	}
	b.WriteString(s[prev:])
	return b.String()
}

// fixCatAx makes a chart's category axis a text axis: one slot per bucket.
func fixCatAx(s string) string {
	i := strings.Index(s, "<catAx>")
	j := strings.Index(s, "</catAx>")
	if i < 0 || j < i {
		return s
	}
	ax := s[i:j]
	ax = strings.Replace(ax, `<auto val="1"></auto>`, `<auto val="0"></auto>`, 1)
	return s[:i] + ax + s[j:]
}

// headerHeight is the height of a header row whose texts wrap in columns
// of the given widths (at most five lines).
func headerHeight(heads []string, widths []float64) excelize.RowOpts {
	lines := 1
	for i, h := range heads {
		w := 12.0
		if i < len(widths) {
			w = widths[i]
		}
		lines = max(lines, wrapLines(h, max(1, w-widthPad)))
	}
	return excelize.RowOpts{Height: float64(15*min(lines, 5) + 4)}
}

// wrapLines is how many lines s takes wrapped at word boundaries in a
// column of w characters (bold: a tenth wider).
func wrapLines(s string, w float64) int {
	lines, cur := 1, 0.0
	for _, word := range strings.Fields(s) {
		ww := textWidth(word) * 1.1
		switch {
		case cur == 0:
			cur = ww
		case cur+1.1+ww <= w:
			cur += 1.1 + ww
		default:
			lines++
			cur = ww
		}
	}
	return lines
}
