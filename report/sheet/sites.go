package sheet

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kinsta-report/kinsta-report/report"
)

// WordPress sites in the workbook: a table below the apps on the Summary
// (a row per period and site environment: each metric's headline figure
// and change, this month's usage, what is missing), and a sheet per site
// metric with a row per day and a column per site environment. Site days
// are calendar days as Kinsta gives them (report.SitesDayZone), written as
// dates, never shifted into the report's zone.

// hasSites reports whether any period shows sites.
func (b *book) hasSites() bool {
	for _, p := range b.r.Periods {
		if len(p.Sites) > 0 {
			return true
		}
	}
	return false
}

// siteHeadline is the figure the Summary shows of a site metric: the total
// of a flow, the average of a level (disk space).
func siteHeadline(info report.SiteMetricInfo) figure {
	if info.HasTotal {
		return figTotal
	}
	return figAverage
}

// siteScale is the scale of a site metric's values up to maxAbs: visits
// are whole counts.
func siteScale(info report.SiteMetricInfo, maxAbs float64) scale {
	if info.Unit == report.UnitVisits {
		return scale{unit: "visits", div: 1, format: "#,##0"}
	}
	return scaleFor(info.Unit, maxAbs)
}

// siteMax is the largest headline figure (current or previous) of a site
// metric in the report.
func (b *book) siteMax(info report.SiteMetricInfo, g figure) float64 {
	var mx float64
	for _, p := range b.r.Periods {
		for _, s := range p.Sites {
			m := s.Metrics[info.Key]
			if m == nil {
				continue
			}
			vs := []*float64{g.of(m.Summary)}
			if m.Summary.Change != nil {
				vs = append(vs, g.ofFigures(m.Summary.Change.Previous))
			}
			for _, v := range vs {
				if v != nil && !math.IsNaN(*v) && !math.IsInf(*v, 0) {
					mx = max(mx, math.Abs(*v))
				}
			}
		}
	}
	return mx
}

func siteMissing(s report.Site, k report.SiteMetricKey) bool {
	for _, m := range s.Missing {
		if m.Metric == k {
			return true
		}
	}
	return false
}

func siteTitle(k report.SiteMetricKey) string {
	if info, ok := report.SiteInfo(k); ok {
		return info.Title
	}
	return string(k)
}

// siteTable is the Summary's site table: two header rows as the apps'
// (groups: a metric's name over its columns; heads: each column's figure)
// and the rows.
type siteTable struct {
	groups []string // per column; "" where no group
	heads  []string
	rows   [][]any
}

// summarySites is the Summary's site table (no rows without sites).
func (b *book) summarySites() (t siteTable, err error) {
	if !b.hasSites() {
		return t, nil
	}
	var heads, groups []string
	var rows [][]any
	defer func() { t = siteTable{groups: groups, heads: heads, rows: rows} }()
	compare := b.compares()
	type col struct {
		info  report.SiteMetricInfo
		fig   figure
		sc    scale
		style int
	}
	var cols []col
	heads, groups = []string{"Period", "Site"}, []string{"", ""}
	for _, k := range report.AllSiteMetrics() {
		info, _ := report.SiteInfo(k)
		g := siteHeadline(info)
		sc := siteScale(info, b.siteMax(info, g))
		style, err := b.numStyle(sc.format)
		if err != nil {
			return t, err
		}
		cols = append(cols, col{info, g, sc, style})
		heads, groups = append(heads, fmt.Sprintf("%s (%s)", g, sc.unit)), append(groups, info.Title)
		if compare {
			heads, groups = append(heads, "change"), append(groups, info.Title)
		}
	}
	// This month's usage, per site (Kinsta gives it per site, not per
	// environment), in the scale of the metric's column.
	usageKeys := []report.SiteMetricKey{report.SiteVisits, report.SiteBandwidth, report.SiteCDNBandwidth}
	usageScale := map[report.SiteMetricKey]scale{}
	for _, k := range usageKeys {
		info, _ := report.SiteInfo(k)
		var mx float64
		for _, p := range b.r.Periods {
			for _, s := range p.Sites {
				if v := s.Usage.Of(k); v != nil && !math.IsNaN(*v) && !math.IsInf(*v, 0) {
					mx = max(mx, math.Abs(*v))
				}
			}
		}
		usageScale[k] = siteScale(info, mx)
		heads, groups = append(heads, fmt.Sprintf("%s (%s)", strings.TrimPrefix(report.SiteMetricTitle(k), "Site "), usageScale[k].unit)), append(groups, "This month")
	}
	missing := false
	for _, p := range b.r.Periods {
		for _, s := range p.Sites {
			missing = missing || len(s.Missing) > 0
		}
	}
	if missing {
		heads, groups = append(heads, "Missing data"), append(groups, "")
	}
	for _, p := range b.r.Periods {
		for _, s := range p.Sites {
			cells := []any{str(p.Name), str(s.Label())}
			for _, c := range cols {
				m := s.Metrics[c.info.Key]
				if m == nil {
					cell := b.missingCell(TextNA)
					if siteMissing(s, c.info.Key) {
						cell = b.missingCell(TextMissing)
					}
					cells = append(cells, cell)
					if compare {
						cells = append(cells, cell)
					}
					continue
				}
				cells = append(cells, b.scaled(c.sc, c.style, c.fig.of(m.Summary)))
				if compare {
					cells = append(cells, b.changeCell(c.fig, m.Summary))
				}
			}
			for _, k := range usageKeys {
				sc := usageScale[k]
				style, err := b.numStyle(sc.format)
				if err != nil {
					return t, err
				}
				if s.Usage == nil {
					cells = append(cells, b.missingCell(TextNA))
					continue
				}
				cells = append(cells, b.scaled(sc, style, s.Usage.Of(k)))
			}
			if missing {
				var miss []string
				for _, m := range s.Missing {
					miss = append(miss, report.SiteMetricTitle(m.Metric)+": "+m.Error)
				}
				cells = append(cells, str(strings.Join(miss, "; ")))
			}
			rows = append(rows, cells)
		}
	}
	return t, nil
}

// scaled is a figure in a scale, or "no data".
func (b *book) scaled(sc scale, style int, v *float64) any {
	if v == nil {
		return b.missingCell(TextNoData)
	}
	x := sc.value(*v)
	if x == nil {
		return b.missingCell(TextNoData)
	}
	return styled(style, x)
}

// changeCell is a figure's change against the previous period, as the
// apps' change columns show it.
func (b *book) changeCell(g figure, s report.Summary) any {
	if s.Change == nil {
		return b.missingCell(TextNA)
	}
	if pct := g.ofFigures(s.Change.Percent); pct != nil && !math.IsNaN(*pct) && !math.IsInf(*pct, 0) {
		return styled(b.st.change, *pct/100)
	}
	prev, cur := g.ofFigures(s.Change.Previous), g.of(s)
	if prev != nil && *prev == 0 && cur != nil && *cur != 0 {
		return b.missingCell(TextNew)
	}
	return b.missingCell(TextNA)
}

// writeSummarySites writes the site table below the Summary's app table,
// whose last row is last: a blank row, a heading, the header and the rows.
func (b *book) writeSummarySites(sw *excelize.StreamWriter, last int, t siteTable, widths []float64) error {
	if len(t.rows) == 0 {
		return nil
	}
	r := last + 2
	if err := row(sw, r, styled(b.st.subtitle, str("WordPress sites (days are "+report.SitesDayZone+")"))); err != nil {
		return err
	}
	// The group row: each name merged over its columns.
	r++
	cells := make([]any, len(t.heads))
	groupHeads := make([]string, len(t.heads))
	groupWidths := make([]float64, len(t.heads))
	for i := range cells {
		cells[i] = styled(b.st.header, nil)
		if i < len(widths) {
			groupWidths[i] = widths[i]
		}
	}
	for i := 0; i < len(t.groups); {
		j := i
		for j+1 < len(t.groups) && t.groups[j+1] == t.groups[i] {
			j++
		}
		if t.groups[i] != "" {
			cells[i] = styled(b.st.groupHeader, str(t.groups[i]))
			groupHeads[i] = t.groups[i]
			for k := i + 1; k <= j && k < len(widths); k++ {
				groupWidths[i] += widths[k]
			}
		}
		i = j + 1
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", r), cells, headerHeight(groupHeads, groupWidths)); err != nil {
		return err
	}
	for i := 0; i < len(t.groups); {
		j := i
		for j+1 < len(t.groups) && t.groups[j+1] == t.groups[i] {
			j++
		}
		if t.groups[i] != "" && j > i {
			tl, _ := excelize.CoordinatesToCellName(i+1, r)
			br, _ := excelize.CoordinatesToCellName(j+1, r)
			if err := sw.MergeCell(tl, br); err != nil {
				return err
			}
		}
		i = j + 1
	}
	r++
	if err := sw.SetRow(fmt.Sprintf("A%d", r), b.headerCells(t.heads, span(2, len(t.heads))...), headerHeight(t.heads, widths)); err != nil {
		return err
	}
	for _, cells := range t.rows {
		r++
		if err := row(sw, r, cells...); err != nil {
			return err
		}
	}
	return nil
}

// writeSites writes a sheet per site metric: a row per period and day, a
// column per site environment (as the Summary orders them), values in one
// scale per sheet.
func (b *book) writeSites() error {
	if !b.hasSites() {
		return nil
	}
	for _, k := range report.AllSiteMetrics() {
		if err := b.writeSiteMetric(k); err != nil {
			return fmt.Errorf("site %s: %w", k, err)
		}
	}
	return nil
}

func (b *book) writeSiteMetric(k report.SiteMetricKey) error {
	info, _ := report.SiteInfo(k)
	var mx float64
	labels := []string{}
	seen := map[string]int{}
	for _, p := range b.r.Periods {
		for i, s := range p.Sites {
			if i >= len(labels) {
				l := s.Label()
				seen[strings.ToLower(l)]++
				if n := seen[strings.ToLower(l)]; n > 1 {
					l = fmt.Sprintf("%s (%d)", l, n)
				}
				labels = append(labels, l)
			}
			if m := s.Metrics[k]; m != nil {
				for _, pt := range m.Points {
					if !math.IsNaN(pt.Value) && !math.IsInf(pt.Value, 0) {
						mx = max(mx, math.Abs(pt.Value))
					}
				}
			}
		}
	}
	sc := siteScale(info, mx)
	style, err := b.numStyle(sc.format)
	if err != nil {
		return err
	}
	heads := []string{"Period", "Day"}
	colStyles := []int{0, b.st.dateDay}
	for _, l := range labels {
		heads = append(heads, fmt.Sprintf("%s (%s)", l, sc.unit))
		colStyles = append(colStyles, style)
	}
	what := "a daily total"
	if info.Level {
		what = "the day's value"
	}
	notes := []string{fmt.Sprintf("%s per day, %s, of each site environment, in %s. Days are calendar days as Kinsta gives them: %s.",
		info.Title, what, sc.unit, report.SitesDayZone)}
	for _, p := range b.r.Periods {
		var miss []string
		for _, s := range p.Sites {
			if siteMissing(s, k) {
				miss = append(miss, s.Label())
			}
		}
		if len(miss) > 0 {
			notes = append(notes, fmt.Sprintf("Missing in %s for %d site environment(s), see the Summary: %s", p.Name, len(miss), strings.Join(miss, ", ")))
		}
	}
	return b.writeTable(table{
		name:      report.SiteMetricTitle(k),
		title:     fmt.Sprintf("%s: %s per day", b.r.Name, report.SiteMetricTitle(k)),
		notes:     notes,
		heads:     heads,
		colStyles: colStyles,
		freeze:    2,
		numeric:   span(2, len(heads)),
	}, func(emit func(...any) error) error {
		for _, p := range b.r.Periods {
			days := siteDays(p.Sites, k)
			for _, d := range days {
				cells := []any{str(p.Name), styled(b.st.dateDay, d)}
				for i := range labels {
					var v any
					if i < len(p.Sites) {
						if m := p.Sites[i].Metrics[k]; m != nil {
							for _, pt := range m.Points {
								if dayOf(pt.Time).Equal(d) {
									if x := sc.value(pt.Value); x != nil {
										v = styled(style, x)
									}
								}
							}
						} else if siteMissing(p.Sites[i], k) {
							v = b.missingCell(TextMissing)
						}
					}
					cells = append(cells, v)
				}
				if err := emit(cells...); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// dayOf is the calendar day of a site point (a UTC midnight) as a
// UTC-labelled date, which excelize writes as that date.
func dayOf(t time.Time) time.Time {
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
}

// siteDays is every day any site has a point of metric k on, sorted.
func siteDays(sites []report.Site, k report.SiteMetricKey) []time.Time {
	set := map[time.Time]bool{}
	for _, s := range sites {
		if m := s.Metrics[k]; m != nil {
			for _, pt := range m.Points {
				set[dayOf(pt.Time)] = true
			}
		}
	}
	out := make([]time.Time, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	slices.SortFunc(out, time.Time.Compare)
	return out
}

// words measures only the longest word of each header: the column fits it
// whole, and the header wraps onto as many lines as it needs.
func (m *widths) words(heads []string) {
	for i, h := range heads {
		longest := 0.0
		for _, w := range strings.Fields(h) {
			longest = max(longest, textWidth(w))
		}
		m.see(i, longest*1.1) // bold
	}
}
