package sheet

import (
	"fmt"
	"math"
	"slices"
	"strings"

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
)

// sumCol is one figure column of the Summary sheet.
type sumCol struct {
	info   report.MetricInfo
	proc   string // process name of a per-process metric; "" otherwise
	fig    figure
	part   part
	sc     scale
	header string
	style  int
}

// Summary columns before and after the figures.
var (
	summaryLead  = []string{"Period", "App"}
	summaryTrail = []string{"Missing data", "App name", "App ID"}
)

// maxSummaryProcesses is the most process names the Summary gives columns
// to; with more, the per-process figures go to the Processes sheet, a row
// per app and process, instead.
const maxSummaryProcesses = 4

// processSheet reports whether the per-process figures need their own sheet.
func (b *book) processSheet() bool {
	for _, key := range b.r.Metrics {
		if info, ok := report.Info(key); ok && info.Kind == report.KindProcesses && len(b.processNames(key)) > maxSummaryProcesses {
			return true
		}
	}
	return false
}

// summaryColumns plans the figure columns of the Summary: for each metric
// of the report, in order, each figure (per process for CPU and memory,
// unless they have their own sheet), followed by its previous value and
// change when the report compares.
func (b *book) summaryColumns() ([]sumCol, error) {
	own := b.processSheet()
	return b.figureColumns(func(info report.MetricInfo) bool {
		return info.Kind != report.KindRows && (info.Kind != report.KindProcesses || !own)
	}, b.processNames)
}

// figureColumns plans the figure columns of the metrics keep admits. procs
// gives the process names of a per-process metric, each with its columns;
// a single "" makes one set of columns whose process each row chooses.
func (b *book) figureColumns(keep func(report.MetricInfo) bool, procs func(report.MetricKey) []string) ([]sumCol, error) {
	compare := b.compares()
	var cols []sumCol
	for _, key := range b.r.Metrics {
		info, ok := report.Info(key)
		if !ok || !keep(info) {
			continue
		}
		names := []string{""}
		if info.Kind == report.KindProcesses {
			names = procs(key)
		}
		for _, proc := range names {
			name := summaryTitle(info)
			if proc != "" {
				name += " " + proc
			}
			for _, g := range figuresOf(info) {
				// Each figure has its own unit: a month's total bandwidth
				// is terabytes while its hourly peak is gigabytes.
				sc := scaleFor(info.Unit, b.summaryMax(info, g))
				numStyle, err := b.numStyle(sc.format)
				if err != nil {
					return nil, err
				}
				c := sumCol{info: info, proc: proc, fig: g, sc: sc, style: numStyle}
				c.header = fmt.Sprintf("%s %s (%s)", name, g, sc.unit)
				cols = append(cols, c)
				if compare {
					c.part, c.header = partPrevious, fmt.Sprintf("%s %s, previous (%s)", name, g, sc.unit)
					cols = append(cols, c)
					c.part, c.header, c.style = partChange, fmt.Sprintf("%s %s, change", name, g), b.st.change
					cols = append(cols, c)
				}
			}
		}
	}
	return cols, nil
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
	s := m.Summary
	if c.info.Kind == report.KindProcesses {
		i := slices.IndexFunc(m.Processes, func(p report.Process) bool { return p.Name == c.proc })
		if i < 0 {
			return nil // the app has no such process
		}
		s = m.Processes[i].Summary
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
	case partPrevious:
		if s.Change == nil {
			return b.missingCell(TextNA)
		}
		return num(c.fig.ofFigures(s.Change.Previous))
	case partChange:
		if s.Change == nil {
			return b.missingCell(TextNA)
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
	if b.processSheet() {
		top = append(top, kv{"Processes", "CPU and memory per process are on the Processes sheet (too many process names for columns here)"})
	}
	if n := b.missingCount(); n > 0 {
		top = append(top, kv{"Missing data", fmt.Sprintf(
			"%d metric(s) could not be fetched: marked %q below (the reasons are in the Missing data column and on the About sheet); %q means fetched without data, never 0",
			n, TextMissing, TextNoData)})
	}
	header := len(top) + 3 // title, the rows above, a blank row
	ncols := len(summaryLead) + len(cols) + len(summaryTrail)
	if ncols > maxCols {
		return fmt.Errorf("%d columns exceed Excel's %d", ncols, maxCols)
	}
	colStyles := make([]int, ncols)
	for i, c := range cols {
		colStyles[len(summaryLead)+i] = c.style
	}
	sw, err := b.newSheet(b.sheetName("Summary"), sheetOpts{
		widths:     []float64{16, 28},
		restWidth:  12,
		restCols:   len(cols),
		freezeRow:  header,
		freezeCols: len(summaryLead),
		landscape:  true,
		printTitle: header,
		extraWidth: 50 + 20 + 38,
	})
	if err != nil {
		return err
	}
	// widths of the trailing columns
	if err := sw.SetColWidth(len(summaryLead)+len(cols)+1, len(summaryLead)+len(cols)+1, 50); err != nil {
		return err
	}
	if err := sw.SetColWidth(len(summaryLead)+len(cols)+2, len(summaryLead)+len(cols)+2, 20); err != nil {
		return err
	}
	if err := sw.SetColWidth(len(summaryLead)+len(cols)+3, len(summaryLead)+len(cols)+3, 38); err != nil {
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
	heads := slices.Clone(summaryLead)
	for _, c := range cols {
		heads = append(heads, c.header)
	}
	heads = append(heads, summaryTrail...)
	if err := sw.SetRow(fmt.Sprintf("A%d", header), b.headerCells(heads, span(len(summaryLead), len(summaryLead)+len(cols))...), rowHeight(heads)); err != nil {
		return err
	}
	r := header
	cells := make([]any, ncols)
	for _, p := range b.r.Periods {
		for _, a := range p.Apps {
			r++
			cells[0], cells[1] = str(p.Name), str(a.Label())
			for i, c := range cols {
				cells[len(summaryLead)+i] = b.summaryCell(a, c)
			}
			var miss []string
			for _, m := range a.Missing {
				miss = append(miss, metricTitle(m.Metric)+": "+m.Error)
			}
			t := len(summaryLead) + len(cols)
			cells[t], cells[t+1], cells[t+2] = str(strings.Join(miss, "; ")), str(a.Name), str(a.ID)
			if err := row(sw, r, cells...); err != nil {
				return err
			}
		}
	}
	if err := b.autoFilter(sw.Sheet, header, r, ncols); err != nil {
		return err
	}
	return sw.Flush()
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

func metricTitle(k report.MetricKey) string {
	if info, ok := report.Info(k); ok {
		return info.Title
	}
	return string(k)
}

// writeProcesses writes the per-process figures of CPU and memory, a row
// per period, app and process, when there are too many process names for
// Summary columns.
func (b *book) writeProcesses() error {
	if !b.processSheet() {
		return nil
	}
	cols, err := b.figureColumns(func(info report.MetricInfo) bool { return info.Kind == report.KindProcesses },
		func(report.MetricKey) []string { return []string{""} })
	if err != nil {
		return err
	}
	heads := []string{"Period", "App", "Process"}
	colStyles := make([]int, 3, 3+len(cols))
	widths := []float64{16, 28, 20}
	for _, c := range cols {
		heads = append(heads, c.header)
		colStyles = append(colStyles, c.style)
		widths = append(widths, 12)
	}
	heads = append(heads, "App ID")
	widths = append(widths, 38)
	return b.writeTable(table{
		name:      "Processes",
		title:     "CPU and memory per process",
		notes:     []string{fmt.Sprintf("The Summary leaves these out: the apps have more than %d process names between them.", maxSummaryProcesses)},
		heads:     heads,
		widths:    widths,
		colStyles: colStyles,
		freeze:    3,
		numeric:   span(3, 3+len(cols)),
	}, func(emit func(...any) error) error {
		cells := make([]any, len(heads))
		for _, p := range b.r.Periods {
			for _, a := range p.Apps {
				var names []string
				for _, c := range cols {
					if m := a.Metrics[c.info.Key]; m != nil {
						for _, pr := range m.Processes {
							names = append(names, pr.Name)
						}
					}
				}
				slices.Sort(names)
				names = slices.Compact(names)
				if len(names) == 0 && len(a.Missing) > 0 {
					names = []string{""} // a row that says the figures are missing
				}
				for _, name := range names {
					cells[0], cells[1], cells[2] = str(p.Name), str(a.Label()), str(name)
					for i, c := range cols {
						c.proc = name
						cells[3+i] = b.summaryCell(a, c)
					}
					cells[len(cells)-1] = str(a.ID)
					if err := emit(cells...); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}
