package sheet

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kinsta-report/kinsta-report/report"
)

// seriesCol is one column of a series sheet: an app, or an app's process.
type seriesCol struct {
	appID, proc string
	label       string
}

// seriesBlock is one period's rows on a series sheet.
type seriesBlock struct {
	period *report.Period
	times  []time.Time       // every bucket start of the period, sorted
	pts    [][]report.Point  // per column; nil when the app has no data
	head   []*report.Summary // per column: the summary to rank by; nil for none
	first  int               // first row
	// missing lists the apps of the period whose metric could not be
	// fetched.
	missing []string
}

func (k seriesBlock) last() int { return k.first + len(k.times) - 1 }

// seriesPlan is the layout of one metric's series sheet, known before it is
// streamed so the chart sheets (which come first) can refer to it.
type seriesPlan struct {
	info   report.MetricInfo
	name   string // the data sheet
	cols   []seriesCol
	blocks []seriesBlock
	sc     scale
	num    int      // the style of the values' number format
	max    float64  // the largest absolute value, unscaled
	top    []string // the rows above the header
	header int
	// print is set when the data rows are too many to print: the print
	// area ends at the header.
	print bool
}

// seriesPrintRows is the most data rows a series sheet prints: about two
// portrait pages (a day of hourly buckets, a month of daily ones). A longer
// series prints its heading only, and its chart sheets stand for it on
// paper.
const seriesPrintRows = 100

// uniformCols is the most value columns a series sheet sizes one by one.
const uniformCols = 30

// sheetTitle is a metric's sheet name.
func sheetTitle(info report.MetricInfo) string {
	switch info.Key {
	case report.HTTPRequests:
		return "Requests per minute"
	case report.ResponseTimeAvg:
		return "Response time avg"
	case report.ResponseTimeP50:
		return "Response time P50"
	case report.ResponseTimeP95:
		return "Response time P95"
	}
	return info.Title
}

func (b *book) writeAllSeries() error {
	for _, key := range b.r.Metrics {
		info, ok := report.Info(key)
		if !ok || (info.Kind != report.KindSeries && info.Kind != report.KindProcesses) {
			continue
		}
		if err := b.writeSeries(info); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	return nil
}

// planSeries lays out a metric's series sheet.
func (b *book) planSeries(info report.MetricInfo) (*seriesPlan, error) {
	pl := &seriesPlan{info: info}
	index := map[[2]string]int{}
	var mx float64
	for pi := range b.r.Periods {
		p := &b.r.Periods[pi]
		blk := seriesBlock{period: p}
		type colPts struct {
			col int
			pts []report.Point
			sum *report.Summary
		}
		var found []colPts
		for _, a := range p.Apps {
			m := a.Metrics[info.Key]
			if m == nil {
				if _, ok := missingReason(a, info.Key); ok {
					blk.missing = append(blk.missing, a.Label())
				}
				continue
			}
			add := func(proc string, pts []report.Point, sum *report.Summary) {
				k := [2]string{a.ID, proc}
				ci, ok := index[k]
				if !ok {
					ci = len(pl.cols)
					index[k] = ci
					label := a.Label()
					if proc != "" {
						label += " / " + proc
					}
					pl.cols = append(pl.cols, seriesCol{appID: a.ID, proc: proc, label: label})
				}
				found = append(found, colPts{ci, pts, sum})
				for _, pt := range pts {
					if v := math.Abs(pt.Value); !math.IsNaN(v) && !math.IsInf(v, 0) {
						mx = max(mx, v)
					}
				}
			}
			if info.Kind == report.KindProcesses {
				for i := range m.Processes {
					add(m.Processes[i].Name, m.Processes[i].Points, &m.Processes[i].Summary)
				}
			} else {
				add("", m.Points, &m.Summary)
			}
		}
		blk.pts = make([][]report.Point, len(pl.cols))
		blk.head = make([]*report.Summary, len(pl.cols))
		for _, f := range found {
			blk.pts[f.col], blk.head[f.col] = f.pts, f.sum
		}
		blk.times = bucketTimes(blk.pts)
		pl.blocks = append(pl.blocks, blk)
	}
	// Columns added by a later period: widen the earlier blocks.
	for i := range pl.blocks {
		for len(pl.blocks[i].pts) < len(pl.cols) {
			pl.blocks[i].pts = append(pl.blocks[i].pts, nil)
			pl.blocks[i].head = append(pl.blocks[i].head, nil)
		}
	}
	uniqueLabels(pl.cols)
	pl.sc, pl.max = scaleFor(info.Unit, mx), mx

	what := "app"
	if info.Kind == report.KindProcesses {
		what = "app and process"
	}
	pl.top = append(pl.top, fmt.Sprintf("A row per bucket (its start, local time in %s), a column per %s; values in %s. Empty cells: no data for that bucket.",
		b.r.Location, what, pl.sc.unit))
	for _, blk := range pl.blocks {
		if len(blk.missing) > 0 {
			pl.top = append(pl.top, fmt.Sprintf("Missing in %s for %d app(s), see the About sheet: %s",
				blk.period.Name, len(blk.missing), strings.Join(blk.missing, ", ")))
		}
	}
	n := 0
	for _, blk := range pl.blocks {
		n += len(blk.times)
	}
	if n > seriesPrintRows {
		pl.print = true
		pl.top = append(pl.top, fmt.Sprintf("Printing leaves out the %d rows below (the print area ends at the header): the chart sheets show them. "+
			"To print them, clear the print area (Excel: Page Layout > Print Area > Clear Print Area; LibreOffice: Format > Print Ranges > Clear).", n))
	}
	pl.header = len(pl.top) + 3
	r := pl.header + 1
	for i := range pl.blocks {
		pl.blocks[i].first = r
		r += len(pl.blocks[i].times)
	}
	if r-1 > maxRows {
		return nil, fmt.Errorf("%d rows exceed Excel's %d", r-1, maxRows)
	}
	if 2+len(pl.cols) > maxCols {
		return nil, fmt.Errorf("%d columns exceed Excel's %d", 2+len(pl.cols), maxCols)
	}
	return pl, nil
}

// bucketTimes returns the sorted union of the points' times. Usually every
// column has the same buckets; then the first column's times are the union.
func bucketTimes(cols [][]report.Point) []time.Time {
	var ref []report.Point
	same := true
	for _, pts := range cols {
		if pts == nil {
			continue
		}
		if ref == nil {
			ref = pts
			continue
		}
		if len(pts) != len(ref) {
			same = false
			break
		}
		for i := range pts {
			if !pts[i].Time.Equal(ref[i].Time) {
				same = false
				break
			}
		}
		if !same {
			break
		}
	}
	if same {
		out := make([]time.Time, len(ref))
		for i, p := range ref {
			out[i] = p.Time
		}
		return out
	}
	var all []time.Time
	for _, pts := range cols {
		for _, p := range pts {
			all = append(all, p.Time)
		}
	}
	slices.SortFunc(all, func(a, b time.Time) int { return a.Compare(b) })
	return slices.CompactFunc(all, func(a, b time.Time) bool { return a.Equal(b) })
}

// uniqueLabels makes column labels unique: a repeated label gets the app's
// ID appended.
func uniqueLabels(cols []seriesCol) {
	count := map[string]int{}
	for _, c := range cols {
		count[c.label]++
	}
	for i, c := range cols {
		if count[c.label] > 1 {
			cols[i].label = fmt.Sprintf("%s (%s)", c.label, c.appID)
		}
	}
}

// rankBy is the figure a metric's chart ranks apps by.
func rankBy(info report.MetricInfo) figure {
	if info.HasTotal {
		return figTotal
	}
	return figAverage
}

// chartCols returns the columns a block's chart shows: the top
// ChartSeriesMax by the ranking figure, largest first (the legend's order),
// and how many columns have data.
func chartCols(pl *seriesPlan, blk seriesBlock) (cols []int, withData int) {
	g := rankBy(pl.info)
	type ranked struct {
		col int
		v   float64
	}
	var rs []ranked
	for ci, pts := range blk.pts {
		if len(pts) == 0 {
			continue
		}
		v := math.Inf(-1)
		if s := blk.head[ci]; s != nil {
			if x := g.of(*s); x != nil && !math.IsNaN(*x) {
				v = *x
			}
		}
		rs = append(rs, ranked{ci, v})
	}
	slices.SortStableFunc(rs, func(a, b ranked) int {
		switch {
		case a.v > b.v:
			return -1
		case a.v < b.v:
			return 1
		}
		return a.col - b.col
	})
	for i := 0; i < len(rs) && i < ChartSeriesMax; i++ {
		cols = append(cols, rs[i].col)
	}
	return cols, len(rs)
}

func (b *book) writeSeries(info report.MetricInfo) error {
	pl, err := b.planSeries(info)
	if err != nil {
		return err
	}
	// Names first: the chart sheets come before the data sheet and refer to it.
	title := sheetTitle(info)
	var chartNames []string
	for _, blk := range pl.blocks {
		if len(b.r.Periods) == 1 {
			chartNames = append(chartNames, b.sheetName(title+" chart"))
		} else {
			chartNames = append(chartNames, b.sheetName(title+" – "+blk.period.Name))
		}
	}
	pl.name = b.sheetName(title)
	for i, blk := range pl.blocks {
		if err := b.addChart(chartNames[i], pl, blk); err != nil {
			return fmt.Errorf("chart %q: %w", chartNames[i], err)
		}
	}
	return b.streamSeries(pl)
}

// addChart adds the chart sheet of one period of a series sheet.
func (b *book) addChart(name string, pl *seriesPlan, blk seriesBlock) error {
	cols, withData := chartCols(pl, blk)
	p := blk.period
	heading := fmt.Sprintf("%s (%s), %s: %s", pl.info.Title, pl.sc.unit, p.Name, b.spanText(p.Start, p.End))
	what := "apps"
	if pl.info.Kind == report.KindProcesses {
		what = "app processes"
	}
	switch {
	case withData == 0:
		heading += ", no data"
	case len(cols) < withData:
		heading += fmt.Sprintf(", top %d of %d %s by %s", len(cols), withData, what, rankBy(pl.info))
	}
	xfmt := "dd mmm hh:mm"
	if p.Interval >= 24*time.Hour {
		xfmt = "ddd dd mmm"
	}
	ch := &excelize.Chart{
		Type: excelize.Line,
		Title: excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{
			Text: heading, Font: &excelize.Font{Bold: true, Size: 13, Color: "1F3864"},
		}}},
		Legend:       excelize.ChartLegend{Position: "bottom"},
		ShowBlanksAs: "gap",
		XAxis: excelize.ChartAxis{
			NumFmt: excelize.ChartNumFmt{CustomNumFmt: xfmt},
			Font:   excelize.Font{Size: 10, Color: "404040"},
			// Excel honours the skip; LibreOffice ignores it but, with
			// rotated labels, leaves out the ones that would overlap
			// (unrotated, it breaks each label into a column of letters).
			TickLabelSkip: labelSkip(p.Interval, len(blk.times)),
			Alignment:     excelize.Alignment{TextRotation: -45},
		},
		YAxis: excelize.ChartAxis{
			MajorGridLines: true,
			NumFmt:         excelize.ChartNumFmt{CustomNumFmt: axisFormat(pl.sc, pl.max)},
			Title:          excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: pl.sc.unit, Font: &excelize.Font{Size: 10, Color: "404040"}}}},
			Font:           excelize.Font{Size: 10, Color: "404040"},
		},
	}
	first, last := blk.first, blk.last()
	if len(blk.times) == 0 {
		last = first // an empty chart still needs a range
	}
	for i, ci := range cols {
		ch.Series = append(ch.Series, excelize.ChartSeries{
			Name:       absRef(pl.name, 3+ci, pl.header, pl.header),
			Categories: absRef(pl.name, 2, first, last),
			Values:     absRef(pl.name, 3+ci, first, last),
			Marker:     excelize.ChartMarker{Symbol: "none"},
			Line:       excelize.LineOptions{Width: 1.5},
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{palette[i%len(palette)]}},
		})
	}
	if len(ch.Series) == 0 {
		// A chart needs a series: an empty one keeps the sheet (and says "no data").
		ch.Series = []excelize.ChartSeries{{
			Name:       absRef(pl.name, 2, pl.header, pl.header),
			Categories: absRef(pl.name, 2, first, last),
			Values:     absRef(pl.name, 3, first, last),
			Marker:     excelize.ChartMarker{Symbol: "none"},
		}}
	}
	if err := b.f.AddChartSheet(name, ch); err != nil {
		return err
	}
	return nil
}

// streamSeries writes the data sheet of a series metric.
func (b *book) streamSeries(pl *seriesPlan) error {
	numStyle, err := b.numStyle(pl.sc.format)
	if err != nil {
		return err
	}
	pl.num = numStyle
	ncols := 2 + len(pl.cols)
	colStyles := make([]int, ncols)
	for i := 2; i < ncols; i++ {
		colStyles[i] = numStyle
	}
	heads := []string{"Period", "Bucket start"}
	for _, c := range pl.cols {
		heads = append(heads, c.label)
	}
	// Widths from what the rows will hold: period names, bucket starts in
	// their format, the largest value in the number format.
	m := b.newWidths(ncols, colStyles)
	m.header(heads)
	for _, blk := range pl.blocks {
		m.see(0, textWidth(blk.period.Name))
		if len(blk.times) > 0 {
			m.see(1, b.cellWidth(excelize.Cell{StyleID: b.bucketStyle(blk.period.Interval), Value: blk.times[0]}, ""))
		}
	}
	for i := 2; i < ncols; i++ {
		m.see(i, numberWidth(-pl.max/pl.sc.div, pl.sc.format))
	}
	widths := m.result()
	// Many value columns get one width (the widest): excelize sets column
	// widths one range at a time, slowly for hundreds of single columns.
	if ncols > 2+uniformCols {
		w := slices.Max(widths[2:])
		for i := 2; i < ncols; i++ {
			widths[i] = w
		}
	}
	o := sheetOpts{
		widths:     widths,
		colStyles:  colStyles,
		freezeRow:  pl.header,
		freezeCols: 2,
		printTitle: pl.header,
	}
	if pl.print {
		o.printRows = pl.header
	}
	sw, err := b.newSheet(pl.name, o)
	if err != nil {
		return err
	}
	title := fmt.Sprintf("%s (%s)", pl.info.Title, pl.sc.unit)
	if err := row(sw, 1, styled(b.st.title, title)); err != nil {
		return err
	}
	for i, t := range pl.top {
		if err := b.noteRow(sw, 2+i, t, widths); err != nil {
			return err
		}
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", pl.header), b.headerCells(heads, span(2, len(heads))...), headerHeight(heads, widths)); err != nil {
		return err
	}
	// The data rows are made when the package is written (see
	// writePackage): here they would be held in memory, the whole sheet,
	// until then.
	last := pl.header
	for _, blk := range pl.blocks {
		if len(blk.times) > 0 {
			last = blk.last()
		}
	}
	if err := b.autoFilter(pl.name, pl.header, last, ncols); err != nil {
		return err
	}
	b.deferred["xl/worksheets/sheet"+strconv.Itoa(sw.SheetID)+".xml"] = pl
	return sw.Flush()
}

// seriesRows writes the data rows of a series sheet, as excelize's XML, to
// w: a row per bucket, a column per app (or app and process).
func (b *book) seriesRows(w io.Writer, pl *seriesPlan) error {
	rs := &rowStream{w: w}
	defer rs.close()
	cells := make([]any, 2+len(pl.cols))
	cursor := make([]int, len(pl.cols))
	// The row's style is the number format: excelize then need not look
	// each cell's column style up.
	numRow := excelize.RowOpts{StyleID: pl.num}
	for _, blk := range pl.blocks {
		clear(cursor)
		dateStyle := b.bucketStyle(blk.period.Interval)
		name := str(blk.period.Name)
		for ti, t := range blk.times {
			cells[0] = name
			cells[1] = excelize.Cell{StyleID: dateStyle, Value: b.wall(t)}
			for ci, pts := range blk.pts {
				k := cursor[ci]
				if k < len(pts) && pts[k].Time.Equal(t) {
					cells[2+ci] = pl.sc.value(pts[k].Value)
					cursor[ci]++
				} else {
					cells[2+ci] = nil
				}
			}
			if err := rs.setRow(blk.first+ti, cells, numRow); err != nil {
				return err
			}
		}
	}
	return rs.flush()
}

// rowStream turns rows into excelize's row XML, written to w: a chunk of
// rows at a time goes through a scratch workbook's stream writer, and the
// rows of its sheet are copied out. The cells are excelize's own, and the
// memory they take is a chunk's.
type rowStream struct {
	w     io.Writer
	chunk int // cells per chunk; 0: rowChunkCells
	f     *excelize.File
	sw    *excelize.StreamWriter
	cells int          // cells in the current chunk
	buf   bytes.Buffer // the scratch sheet's XML
}

// rowChunkCells is about how many cells a chunk holds (about 40 bytes each).
const rowChunkCells = 1 << 15

func (s *rowStream) setRow(r int, cells []any, opts excelize.RowOpts) error {
	if s.sw == nil {
		s.f = excelize.NewFile()
		sw, err := s.f.NewStreamWriter("Sheet1")
		if err != nil {
			return err
		}
		s.sw = sw
	}
	if err := s.sw.SetRow("A"+strconv.Itoa(r), cells, opts); err != nil {
		return err
	}
	s.cells += len(cells)
	if s.cells >= cmp.Or(s.chunk, rowChunkCells) {
		return s.flush()
	}
	return nil
}

// flush writes the rows of the current chunk to w.
func (s *rowStream) flush() error {
	if s.sw == nil {
		return nil
	}
	sw := s.sw
	s.sw, s.cells = nil, 0
	defer s.close()
	if err := sw.Flush(); err != nil {
		return err
	}
	s.buf.Reset()
	s.f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		return onePart{name: "xl/worksheets/sheet1.xml", w: &s.buf}
	})
	if err := s.f.Write(io.Discard); err != nil {
		return err
	}
	data := s.buf.Bytes()
	start := bytes.Index(data, []byte("<sheetData>"))
	end := bytes.LastIndex(data, []byte("</sheetData>"))
	if start < 0 || end < start {
		return errors.New("scratch sheet without sheetData")
	}
	_, err := s.w.Write(data[start+len("<sheetData>") : end])
	return err
}

// close drops the scratch workbook.
func (s *rowStream) close() {
	if s.f != nil {
		_ = s.f.Close()
		s.f, s.sw = nil, nil
	}
}

// onePart is a ZipWriter that keeps one part of a package and drops the
// rest.
type onePart struct {
	name string
	w    io.Writer
}

func (z onePart) Create(name string) (io.Writer, error) {
	if name == z.name {
		return z.w, nil
	}
	return io.Discard, nil
}

func (z onePart) AddFS(fs.FS) error { return errors.New("adding a file system is not supported") }

func (z onePart) Close() error { return nil }

// axisFormat is the number format of a chart's value axis: whole numbers
// unless the values are small.
func axisFormat(sc scale, maxAbs float64) string {
	switch {
	case sc.unit == "%":
		return "0%"
	case maxAbs/sc.div >= 10:
		return "#,##0"
	default:
		return "#,##0.0"
	}
}

// labelSkip is how many buckets apart the category labels of a chart are:
// at most about 14 labels, on day boundaries for sub-daily buckets.
func labelSkip(interval time.Duration, n int) int {
	const labels = 14
	if interval <= 0 || interval >= 24*time.Hour || (24*time.Hour)%interval != 0 {
		return max(1, (n+labels-1)/labels)
	}
	perDay := int(24 * time.Hour / interval)
	days := (n + perDay - 1) / perDay
	return perDay * max(1, (days+labels-1)/labels)
}

// palette holds a distinct colour per chart series (Tableau 10): the theme's
// accents repeat after six.
var palette = []string{"4E79A7", "F28E2B", "E15759", "76B7B2", "59A14F", "EDC948", "B07AA1", "FF9DA7", "9C755F", "BAB0AC"}
