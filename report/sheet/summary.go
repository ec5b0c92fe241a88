package sheet

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/kinsta-report/kinsta-report/report"
)

// figure is one headline figure of a summary.
type figure int

const (
	figTotal figure = iota
	figAverage
	figPeak
)

func (g figure) String() string {
	return [...]string{"total", "average", "peak"}[g]
}

func (g figure) of(s report.Summary) *float64 {
	return g.ofFigures(report.Figures{Total: s.Total, Average: s.Average, Peak: s.Peak})
}

func (g figure) ofFigures(x report.Figures) *float64 {
	switch g {
	case figTotal:
		return x.Total
	case figAverage:
		return x.Average
	default:
		return x.Peak
	}
}

// figuresOf lists the headline figures the contract gives a metric.
func figuresOf(info report.MetricInfo) []figure {
	var out []figure
	if info.HasTotal {
		out = append(out, figTotal)
	}
	if info.HasAverage {
		out = append(out, figAverage)
	}
	if info.HasPeak {
		out = append(out, figPeak)
	}
	return out
}

// part is which value of a figure a summary column shows.
type part int

const (
	partCurrent part = iota
	partPrevious
	partChange
	// partShare is the figure as a share of the process's plan limit.
	partShare
)

// sumCol is one figure column of the Summary sheet (or one figure cell of
// the Figures sheet).
type sumCol struct {
	info   report.MetricInfo
	proc   string // process name of a per-process metric; "" otherwise
	fig    figure
	part   part
	sc     scale
	header string
	// group and sub split header for the Summary's two header rows: the
	// metric (and process) over its columns, then the figure.
	group, sub string
	style      int
}

// maxSummaryProcesses is the most process names the Summary gives columns
// to; with more, CPU and memory are only on the Figures sheet, a row per
// app, process and figure.
const maxSummaryProcesses = 4

// manyProcesses reports whether the apps have too many process names for
// Summary columns.
func (b *book) manyProcesses() bool {
	for _, key := range b.r.Metrics {
		if info, ok := report.Info(key); ok && info.Kind == report.KindProcesses && len(b.processNames(key)) > maxSummaryProcesses {
			return true
		}
	}
	return false
}

// headline is the figure the Summary shows of a metric: the total where it
// has one, else the average (the figure the charts rank apps by).
func headline(info report.MetricInfo) figure { return rankBy(info) }

// summaryColumns plans the figure columns of the Summary: for each metric
// of the report, in order, its headline figure (per process for CPU and
// memory, unless there are too many process names), followed by its change
// when the report compares, and, for memory with a known plan limit, the
// peak as a share of the limit. Every figure is on the Figures sheet.
func (b *book) summaryColumns() ([]sumCol, error) {
	many := b.manyProcesses()
	compare := b.compares()
	var cols []sumCol
	for _, key := range b.r.Metrics {
		info, ok := report.Info(key)
		if !ok || info.Kind == report.KindRows || (info.Kind == report.KindProcesses && many) {
			continue
		}
		names := []string{""}
		if info.Kind == report.KindProcesses {
			names = b.processNames(key)
		}
		for _, proc := range names {
			name := summaryTitle(info)
			if proc != "" {
				name += " " + proc
			}
			g := headline(info)
			sc := scaleFor(info.Unit, b.summaryMax(info, g))
			numStyle, err := b.numStyle(sc.format)
			if err != nil {
				return nil, err
			}
			c := sumCol{info: info, proc: proc, fig: g, sc: sc, style: numStyle, group: name}
			c.sub = fmt.Sprintf("%s (%s)", g, sc.unit)
			c.header = name + " " + c.sub
			cols = append(cols, c)
			if compare {
				c.part, c.sub, c.style = partChange, "change", b.st.change
				c.header = fmt.Sprintf("%s %s, change", name, g)
				cols = append(cols, c)
			}
			if sharesLimit(info) && b.hasLimit(key, proc) {
				cols = append(cols, sumCol{info: info, proc: proc, fig: figPeak, part: partShare, sc: sc,
					header: name + " peak, % of limit", group: name, sub: "peak, % of limit", style: b.st.share})
			}
		}
	}
	return cols, nil
}

// sharesLimit reports whether a metric's figures are shown as a share of
// the plan limit: memory (bytes of memory_limit bytes). CPU is not: Kinsta
// gives CPU usage as a percentage of the process's CPU already.
func sharesLimit(info report.MetricInfo) bool { return info.Key == report.MemoryUsage }

// hasLimit reports whether any app's process proc (any process for "") has
// a plan limit for a per-process metric.
func (b *book) hasLimit(key report.MetricKey, proc string) bool {
	for _, p := range b.r.Periods {
		for _, a := range p.Apps {
			if m := a.Metrics[key]; m != nil {
				for _, pr := range m.Processes {
					if pr.Limit > 0 && (proc == "" || pr.Name == proc) {
						return true
					}
				}
			}
		}
	}
	return false
}

// summaryTitle is the short name of a metric in Summary headers: the sheet
// title, but shorter for requests, whose unit follows in the header.
func summaryTitle(info report.MetricInfo) string {
	if info.Key == report.HTTPRequests {
		return "Requests/min"
	}
	return sheetTitle(info)
}

// compares reports whether any period has a previous period or any figure
// has a change: then the Summary shows previous values and changes.
func (b *book) compares() bool {
	for _, p := range b.r.Periods {
		if p.Previous != nil {
			return true
		}
		for _, a := range p.Apps {
			for _, m := range a.Metrics {
				if m == nil {
					continue
				}
				if m.Summary.Change != nil {
					return true
				}
				for _, pr := range m.Processes {
					if pr.Summary.Change != nil {
						return true
					}
				}
			}
		}
	}
	return false
}

// summaryMax is the largest value of one headline figure (current or
// previous, any process) of a metric in the report: it picks the figure's
// unit in the Summary.
func (b *book) summaryMax(info report.MetricInfo, g figure) float64 {
	var mx float64
	see := func(s report.Summary) {
		vs := []*float64{g.of(s)}
		if s.Change != nil {
			vs = append(vs, g.ofFigures(s.Change.Previous))
		}
		for _, v := range vs {
			if v != nil && !math.IsNaN(*v) && !math.IsInf(*v, 0) {
				mx = max(mx, math.Abs(*v))
			}
		}
	}
	for _, p := range b.r.Periods {
		for _, a := range p.Apps {
			m := a.Metrics[info.Key]
			if m == nil {
				continue
			}
			see(m.Summary)
			for _, pr := range m.Processes {
				see(pr.Summary)
			}
		}
	}
	return mx
}

// processNames is every process name of a per-process metric in the
// report, sorted.
func (b *book) processNames(key report.MetricKey) []string {
	var names []string
	for _, p := range b.r.Periods {
		for _, a := range p.Apps {
			if m := a.Metrics[key]; m != nil {
				for _, pr := range m.Processes {
					names = append(names, pr.Name)
				}
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func missingReason(a report.App, key report.MetricKey) (string, bool) {
	for _, m := range a.Missing {
		if m.Metric == key {
			return m.Error, true
		}
	}
	return "", false
}

// summaryCell is the cell of one figure column for one app.
func (b *book) summaryCell(a report.App, c sumCol) any {
	m := a.Metrics[c.info.Key]
	if m == nil {
		if _, ok := missingReason(a, c.info.Key); ok {
			return b.missingCell(TextMissing)
		}
		return b.missingCell(TextNA)
	}
	s, limit := m.Summary, 0.0
	if c.info.Kind == report.KindProcesses {
		i := slices.IndexFunc(m.Processes, func(p report.Process) bool { return p.Name == c.proc })
		if i < 0 {
			return nil // the app has no such process
		}
		s, limit = m.Processes[i].Summary, m.Processes[i].Limit
	}
	num := func(v *float64) any {
		if v == nil {
			return b.missingCell(TextNoData)
		}
		x := c.sc.value(*v)
		if x == nil {
			return b.missingCell(TextNoData)
		}
		return styled(c.style, x)
	}
	switch c.part {
	case partShare:
		v := c.fig.of(s)
		switch {
		case limit <= 0 || math.IsNaN(limit) || math.IsInf(limit, 0):
			return b.missingCell(TextNA) // no plan limit known
		case v == nil || math.IsNaN(*v) || math.IsInf(*v, 0):
			return b.missingCell(TextNoData)
		}
		return styled(c.style, *v/limit)
	case partPrevious:
		if s.Change == nil {
			return b.missingCell(TextNA)
		}
		return num(c.fig.ofFigures(s.Change.Previous))
	case partChange:
		if s.Change == nil {
			return b.missingCell(TextNA)
		}
		if s.Change.Reason != "" { // a period too little covered (report.GateChanges)
			return b.missingCell(s.Change.Reason)
		}
		if pct := c.fig.ofFigures(s.Change.Percent); pct != nil && !math.IsNaN(*pct) && !math.IsInf(*pct, 0) {
			return styled(c.style, *pct/100)
		}
		prev, cur := c.fig.ofFigures(s.Change.Previous), c.fig.of(s)
		if prev != nil && *prev == 0 && cur != nil && *cur != 0 {
			return b.missingCell(TextNew)
		}
		return b.missingCell(TextNA)
	default:
		return num(c.fig.of(s))
	}
}

func (b *book) writeSummary() error {
	cols, err := b.summaryColumns()
	if err != nil {
		return err
	}
	// The top: title, zone, periods, notes, missing data; then the table.
	type kv struct{ k, v string }
	var top []kv
	top = append(top, kv{"Time zone", b.r.Location.String() + " (every date and time in this workbook is local time in this zone)"})
	if !b.r.GeneratedAt.IsZero() {
		top = append(top, kv{"Generated", b.localText(b.r.GeneratedAt)})
	}
	for _, p := range b.r.Periods {
		text := fmt.Sprintf("%s: %s to %s, %s", p.Name, b.localText(p.Start), b.localText(p.End), intervalText(p.Interval))
		if p.Previous != nil {
			text += fmt.Sprintf("; compared with %s to %s", b.localText(p.Previous.Start), b.localText(p.Previous.End))
		}
		top = append(top, kv{"Reporting period", text})
	}
	for _, n := range b.notes() {
		top = append(top, kv{"Note", n})
	}
	figures := "The headline figure of each metric is below; every figure (total, average, peak, previous value, change"
	if b.anyLimit() {
		figures += ", share of the plan limit"
	}
	figures += ") is on the Figures sheet, with the app IDs"
	if b.manyProcesses() {
		figures += "; CPU and memory per process are only there (too many process names for columns here)"
	}
	top = append(top, kv{"Figures", figures})
	if n := b.missingCount(); n > 0 {
		top = append(top, kv{"Missing data", fmt.Sprintf(
			"%d metric(s) could not be fetched: marked %q below (the reasons are in the Missing data column and on the About sheet); %q means fetched without data, never 0",
			n, TextMissing, TextNoData)})
	}
	// title, the rows above, a blank row, the metric row, the figure row
	header := len(top) + 4
	heads := []string{"Period", "App"}
	for _, c := range cols {
		heads = append(heads, c.sub)
	}
	missing := b.missingCount() > 0
	if missing {
		heads = append(heads, "Missing data")
	}
	ncols := len(heads)
	if ncols > maxCols {
		return fmt.Errorf("%d columns exceed Excel's %d", ncols, maxCols)
	}
	colStyles := make([]int, ncols)
	for i, c := range cols {
		colStyles[2+i] = c.style
	}
	// The rows are few (a period and app each): made first, to measure.
	var rows [][]any
	for _, p := range b.r.Periods {
		for _, a := range p.Apps {
			cells := make([]any, ncols)
			cells[0], cells[1] = str(p.Name), str(a.Label())
			for i, c := range cols {
				cells[2+i] = b.summaryCell(a, c)
			}
			if missing {
				var miss []string
				for _, m := range a.Missing {
					miss = append(miss, report.MetricTitle(m.Metric)+": "+m.Error)
				}
				cells[ncols-1] = str(strings.Join(miss, "; "))
			}
			rows = append(rows, cells)
		}
	}
	sites, err := b.summarySites() // sites.go: the table below the apps
	if err != nil {
		return err
	}
	m := b.newWidths(ncols, colStyles)
	m.header(heads)
	// Site rows are measured, and their headers' longest words: the headers
	// wrap onto more lines rather than widen the apps' columns past a page.
	m.words(sites.heads)
	for _, r := range sites.rows {
		m.row(r)
	}
	for _, t := range top {
		m.see(0, textWidth(t.k)*1.1) // the labels; their texts run on to the right
	}
	for _, r := range rows {
		m.row(r)
	}
	widths := m.result()
	// The metric row: a metric's name spans its columns, on up to two
	// lines; its last column widens when they are too narrow.
	type group struct {
		name        string
		first, last int // 0-based columns
	}
	var groups []group
	for i, c := range cols {
		if n := len(groups); n > 0 && groups[n-1].name == c.group && groups[n-1].last == 2+i-1 {
			groups[n-1].last = 2 + i
			continue
		}
		groups = append(groups, group{c.group, 2 + i, 2 + i})
	}
	for _, g := range groups {
		need := colWidth(math.Ceil(textWidth(g.name)*1.1/2)) + 1
		have := 0.0
		for i := g.first; i <= g.last; i++ {
			have += widths[i]
		}
		if have < need {
			widths[g.last] += math.Ceil(need - have)
		}
	}
	sw, err := b.newSheet(b.sheetName("Summary"), sheetOpts{
		widths:     widths,
		colStyles:  colStyles,
		freezeRow:  header,
		freezeCols: 2,
		landscape:  true,
		printTitle: header,
		titleFrom:  header - 1,
		onePage:    true,
	})
	if err != nil {
		return err
	}
	if err := row(sw, 1, styled(b.st.title, str(b.r.Name+": summary"))); err != nil {
		return err
	}
	for i, t := range top {
		if err := row(sw, i+2, styled(b.st.label, t.k), styled(b.st.text, str(t.v))); err != nil {
			return err
		}
	}
	groupRow := make([]any, ncols)
	groupWidths := slices.Clone(widths)
	for i := range groupRow {
		groupRow[i] = styled(b.st.header, nil)
	}
	for _, g := range groups {
		groupRow[g.first] = styled(b.st.groupHeader, str(g.name))
		for i := g.first + 1; i <= g.last; i++ {
			groupWidths[g.first] += widths[i]
		}
	}
	groupHeads := make([]string, ncols)
	for _, g := range groups {
		groupHeads[g.first] = g.name
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", header-1), groupRow, headerHeight(groupHeads, groupWidths)); err != nil {
		return err
	}
	for _, g := range groups {
		if g.last > g.first {
			tl, _ := excelize.CoordinatesToCellName(g.first+1, header-1)
			br, _ := excelize.CoordinatesToCellName(g.last+1, header-1)
			if err := sw.MergeCell(tl, br); err != nil {
				return err
			}
		}
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", header), b.headerCells(heads, span(2, 2+len(cols))...), headerHeight(heads, widths)); err != nil {
		return err
	}
	r := header
	for _, cells := range rows {
		r++
		if err := row(sw, r, cells...); err != nil {
			return err
		}
	}
	if err := b.autoFilter(sw.Sheet, header, r, ncols); err != nil {
		return err
	}
	if err := b.writeSummarySites(sw, r, sites, widths); err != nil {
		return err
	}
	return sw.Flush()
}

// anyLimit reports whether any process has a plan limit the workbook shows
// a share of.
func (b *book) anyLimit() bool {
	for _, key := range b.r.Metrics {
		if info, ok := report.Info(key); ok && sharesLimit(info) && b.hasLimit(key, "") {
			return true
		}
	}
	return false
}

// notes are the report's notes and each period's, prefixed by its name.
func (b *book) notes() []string {
	out := slices.Clone(b.r.Notes)
	for _, p := range b.r.Periods {
		for _, n := range p.Notes {
			out = append(out, p.Name+": "+n)
		}
	}
	return out
}

func (b *book) missingCount() int {
	n := 0
	for _, p := range b.r.Periods {
		for _, a := range p.Apps {
			n += len(a.Missing)
		}
	}
	return n
}

// writeFigures writes every figure of every metric: a row per period, app,
// metric (and process) and figure, with its unit, the previous value and
// the change when the report compares, and the share of the plan limit
// where one is known. Each row has its own unit, so the sheet is narrow
// however many metrics and processes there are: it prints on portrait
// pages, down.
func (b *book) writeFigures() error {
	compare := b.compares()
	limits := false
	for _, key := range b.r.Metrics {
		if info, ok := report.Info(key); ok && info.Kind == report.KindProcesses && b.hasLimit(key, "") {
			limits = true
		}
	}
	heads := []string{"Period", "App", "Metric", "Process", "Figure", "Unit", "This period"}
	numeric := []int{6}
	if compare {
		heads = append(heads, "Previous", "Change")
		numeric = append(numeric, 7, 8)
	}
	if limits {
		heads = append(heads, "Plan limit", "% of plan limit")
		numeric = append(numeric, len(heads)-1)
	}
	heads = append(heads, "App ID")
	type figCol struct {
		sc    scale
		style int
	}
	scales := map[[2]int]figCol{} // by metric index and figure
	colOf := func(mi int, info report.MetricInfo, g figure) (figCol, error) {
		k := [2]int{mi, int(g)}
		if c, ok := scales[k]; ok {
			return c, nil
		}
		sc := scaleFor(info.Unit, b.summaryMax(info, g))
		st, err := b.numStyle(sc.format)
		if err != nil {
			return figCol{}, err
		}
		scales[k] = figCol{sc, st}
		return scales[k], nil
	}
	notes := []string{"Every figure of every metric: a row per period, app, metric (and process) and figure, in the unit of its row."}
	if limits {
		notes = append(notes, "% of plan limit: the memory figure as a share of the process's memory_limit; the Plan limit column gives Kinsta's cpu_limit and memory_limit (see the About sheet for their units).")
	}
	return b.writeTable(table{
		name:    "Figures",
		title:   "Figures: every figure of every metric",
		notes:   notes,
		heads:   heads,
		freeze:  2,
		numeric: numeric,
	}, func(emit func(...any) error) error {
		cells := make([]any, len(heads))
		for _, p := range b.r.Periods {
			for _, a := range p.Apps {
				for mi, key := range b.r.Metrics {
					info, ok := report.Info(key)
					if !ok || info.Kind == report.KindRows {
						continue
					}
					m := a.Metrics[key]
					procs := []report.Process{{}}
					if info.Kind == report.KindProcesses && m != nil {
						procs = m.Processes
					}
					for _, pr := range procs {
						for _, g := range figuresOf(info) {
							fc, err := colOf(mi, info, g)
							if err != nil {
								return err
							}
							c := sumCol{info: info, proc: pr.Name, fig: g, sc: fc.sc, style: fc.style}
							clear(cells)
							cells[0], cells[1], cells[2], cells[3] = str(p.Name), str(a.Label()), report.MetricTitle(key), str(pr.Name)
							cells[4], cells[5] = g.String(), fc.sc.unit
							cells[6] = b.summaryCell(a, c)
							i := 7
							if compare {
								c.part = partPrevious
								cells[i] = b.summaryCell(a, c)
								c.part, c.style = partChange, b.st.change
								cells[i+1] = b.summaryCell(a, c)
								i += 2
							}
							if limits {
								cells[i] = limitText(info, pr.Limit)
								if sharesLimit(info) && pr.Limit > 0 && g != figTotal {
									c.part, c.style = partShare, b.st.share
									cells[i+1] = b.summaryCell(a, c)
								}
							}
							cells[len(cells)-1] = str(a.ID)
							if err := emit(cells...); err != nil {
								return err
							}
						}
					}
				}
			}
		}
		return nil
	})
}

// limitText is a process's plan limit, in words: memory_limit as bytes,
// cpu_limit as millicores (Kinsta documents neither unit; see the About
// sheet). Empty when there is none.
func limitText(info report.MetricInfo, limit float64) any {
	if limit <= 0 || math.IsNaN(limit) || math.IsInf(limit, 0) {
		return nil
	}
	switch info.Key {
	case report.MemoryUsage:
		return report.FormatValue(report.UnitBytes, limit)
	case report.CPUUsage:
		return strconv.FormatFloat(limit, 'f', -1, 64) + " millicores"
	}
	return strconv.FormatFloat(limit, 'f', -1, 64)
}
