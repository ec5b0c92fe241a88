// Package chart renders the HTML report (one self-contained file with
// interactive ECharts charts that works with no network) and the static PNG
// charts of the email body. Renderers are pure: model in, bytes out.
package chart

import (
	"bufio"
	"cmp"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/templates"
)

var pageTemplate = template.Must(template.New("report.html.tmpl").Parse(templates.ReportHTML))

// WriteHTML writes the HTML report of r to w: one file with the ECharts
// script, the chart data and the styles inlined, and no reference to the
// network. Equal reports give equal bytes.
func WriteHTML(w io.Writer, r report.Report) error {
	r = report.ForDisplay(r) // API text as people see it: no controls, bidi isolated, capped
	p, err := buildPage(r)
	if err != nil {
		return fmt.Errorf("build html report %q: %w", r.Name, err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := pageTemplate.Execute(bw, p); err != nil {
		return fmt.Errorf("render html report %q: %w", r.Name, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write html report %q: %w", r.Name, err)
	}
	return nil
}

// page is what the template shows.
type page struct {
	Name        string
	CompanyID   string
	GeneratedAt string
	Zone        string
	Periods     []periodView

	Alerts    []alertView
	AlertApps string // "2 apps crossed a threshold"

	UsersAsked   bool
	Users        []userView
	UsersMissing string

	API     []fact
	Notes   []string
	Missing []missingView

	ChartCount  int
	Downsampled int
	MaxPoints   int
	// DownsampleAbove is the longest series a chart keeps whole.
	DownsampleAbove int
	EChartsVersion  string
	Eager           bool

	// EChartsPacked and DataPacked are ECharts and the chart data (JSON),
	// each gzip-compressed and base64-encoded (pack.go).
	EChartsPacked template.HTML
	DataPacked    template.HTML
}

type fact struct{ Name, Value string }

type periodView struct {
	ID       string // "p0"
	Name     string
	Range    string
	Interval string
	Buckets  int
	Previous string // the compared period's range; empty when not compared
	Notes    []string
	Columns  []columnView
	Rows     []summaryRow
	Apps     []appView
	Sites    *sitesView // nil: no WordPress sites (sites.go)
}

type columnView struct {
	Title  string
	Figure string // "total", "average · peak"
	Unit   string
}

type summaryRow struct {
	Anchor, Label, Name string
	Cells               []cellView
}

type cellView struct {
	// Missing is the reason the metric is missing; NoData marks a metric
	// with no figures.
	Missing string
	NoData  bool
	Lines   []figureLine
}

type figureLine struct {
	Process string // the process, for per-process metrics
	Value   string // the headline figure
	Peak    string // the peak, for metrics whose headline is an average
	Change  *changeView
}

type changeView struct {
	Arrow    string // ▲ ▼ or =
	Percent  string // "+12.3 %", "new", "n/a"
	Class    string // worse | better | neutral
	Word     string // "worse" | "better" | "" (not colour alone)
	Previous string // the previous figure, formatted
}

type appView struct {
	Anchor, Label, Name, ID string
	Missing                 []missingView
	Charts                  []chartView
	Runs                    []runView
	RunsAsked               bool
	Slow                    []slowView
	SlowAsked               bool
}

type chartView struct {
	ID, Title, Desc string
	// Note says when the chart is downsampled.
	Note string
	// Size is a CSS class for the chart's height: "tall" for many series,
	// "rows1" or "rows2" for a bar chart of one or a few processes.
	Size string
}

type runView struct{ Process, Plan, Start, End, Duration string }

type slowView struct{ Path, Avg, Count string }

type missingView struct{ Period, App, Metric, Error string }

type alertView struct {
	App, Period, Metric, Process, On, When, Value, Limit string
}

type userView struct{ Name, Email string }

// buildPage turns the model into what the template shows, in the model's
// order (slices only; maps are read in contract order).
func buildPage(r report.Report) (page, error) {
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	metrics := r.Metrics
	if len(metrics) == 0 && reportHasApps(r) { // a sites-only report shows no app sections
		metrics = report.AllMetrics()
	}
	p := page{
		Name:            r.Name,
		CompanyID:       r.CompanyID,
		GeneratedAt:     r.GeneratedAt.In(loc).Format(layoutDateTime),
		Zone:            formatZone(loc, r.GeneratedAt),
		UsersAsked:      r.Users != nil || r.UsersMissing != "",
		UsersMissing:    r.UsersMissing,
		Notes:           r.Notes,
		MaxPoints:       MaxPoints,
		DownsampleAbove: downsampleAbove,
		EChartsVersion:  templates.EChartsVersion,
		EChartsPacked:   packedECharts(),
	}
	for _, u := range r.Users {
		p.Users = append(p.Users, userView{Name: u.FullName, Email: u.Email})
	}
	p.API = []fact{
		{"Requests to the Kinsta API", strconv.Itoa(r.API.Requests)},
		{"Retries", strconv.Itoa(r.API.Retries)},
		{"Rate-limited responses (429)", strconv.Itoa(r.API.RateLimited)},
		{"Time spent waiting (rate limit, retries)", r.API.Wait.Round(time.Millisecond).String()},
	}
	p.Alerts, p.AlertApps = alertViews(r, loc)

	data := pageData{Palette: palette}
	for pi, per := range r.Periods {
		pv, axis, specs, down := buildPeriod(pi, per, metrics, loc)
		sv, siteSpecs, siteMissing := buildSites(pi, per, pv.Previous) // sites.go
		pv.Sites = sv
		p.Periods = append(p.Periods, pv)
		data.Periods = append(data.Periods, axis)
		data.Charts = append(data.Charts, specs...)
		p.Downsampled += down
		data.Charts = append(data.Charts, siteSpecs...)
		p.Missing = append(p.Missing, siteMissing...)
		for _, a := range per.Apps {
			for _, m := range a.Missing {
				p.Missing = append(p.Missing, missingView{Period: per.Name, App: a.Label(), Metric: report.MetricTitle(m.Metric), Error: m.Error})
			}
		}
	}
	p.ChartCount = len(data.Charts)
	data.Eager = p.ChartCount <= eagerLimit
	p.Eager = data.Eager
	js, err := marshalPageData(data)
	if err != nil {
		return page{}, fmt.Errorf("marshal chart options: %w", err)
	}
	p.DataPacked = pack(js)
	return p, nil
}

func alertViews(r report.Report, loc *time.Location) ([]alertView, string) {
	var out []alertView
	for _, a := range r.Alerts {
		v := alertView{
			App: a.App, Period: a.Period, Metric: report.MetricTitle(a.Metric), Process: a.Process, On: a.On,
			Value: report.FormatValue(a.Unit, a.Value), Limit: report.AlertLimit(a),
		}
		if a.HasTime {
			v.When = a.Time.In(loc).Format(layoutDateTime)
		}
		siteAlertView(a, &v) // a site threshold's title and UTC day (sites.go)
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, ""
	}
	return out, report.AlertHeadline(r.Alerts) // "1 app and 2 sites crossed a threshold"
}

// summaryMetrics are the metrics with headline figures (all but the
// slowest requests, which are a table).
func summaryMetrics(metrics []report.MetricKey) []report.MetricInfo {
	var out []report.MetricInfo
	for _, k := range metrics {
		info, ok := report.Info(k)
		if !ok || info.Kind == report.KindRows {
			continue
		}
		out = append(out, info)
	}
	return out
}

func buildPeriod(pi int, per report.Period, metrics []report.MetricKey, loc *time.Location) (periodView, periodAxis, []chartSpec, int) {
	pv := periodView{
		ID:       "p" + strconv.Itoa(pi),
		Name:     per.Name,
		Range:    formatRange(per.Start, per.End, loc),
		Interval: formatInterval(per.Interval),
		Notes:    per.Notes,
	}
	if per.Previous != nil {
		pv.Previous = formatRange(per.Previous.Start, per.Previous.End, loc)
	}
	infos := summaryMetrics(metrics)
	for _, info := range infos {
		c := columnView{Title: info.Title, Unit: unitName(info.Unit)}
		switch {
		case info.HasTotal:
			c.Figure = "total"
		case info.HasAverage && info.HasPeak:
			c.Figure = "average · peak"
		case info.HasAverage:
			c.Figure = "average"
		}
		if info.Kind == report.KindProcesses {
			c.Figure += ", per process"
		}
		pv.Columns = append(pv.Columns, c)
	}

	grid := newBucketGrid(per, loc)
	pv.Buckets = len(grid.labels)
	axis := periodAxis{Labels: grid.labels, DayStarts: grid.dayStarts}
	var specs []chartSpec
	downsampled := 0
	for ai, a := range per.Apps {
		anchor := fmt.Sprintf("%s-a%d", pv.ID, ai)
		row := summaryRow{Anchor: anchor, Label: a.Label(), Name: a.Name}
		for _, info := range infos {
			row.Cells = append(row.Cells, summaryCell(a, info))
		}
		pv.Rows = append(pv.Rows, row)

		av := appView{Anchor: anchor, Label: a.Label(), Name: a.Name, ID: a.ID}
		for _, m := range a.Missing {
			av.Missing = append(av.Missing, missingView{Metric: report.MetricTitle(m.Metric), Error: m.Error})
		}
		cs, views, down := appCharts(pi, ai, a, metrics, grid)
		specs = append(specs, cs...)
		av.Charts = views
		downsampled += down
		if slices.Contains(metrics, report.RunTime) {
			av.RunsAsked = true
			av.Runs = runViews(a, loc)
		}
		if slices.Contains(metrics, report.SlowestRequests) {
			av.SlowAsked = true
			if m := a.Metrics[report.SlowestRequests]; m != nil {
				for _, row := range m.Rows {
					av.Slow = append(av.Slow, slowView{
						Path:  row.Path,
						Avg:   report.FormatValue(report.UnitMS, row.AvgResponseTimeMS),
						Count: report.FormatNumber(row.RequestCount, 0),
					})
				}
			}
		}
		pv.Apps = append(pv.Apps, av)
	}
	return pv, axis, specs, downsampled
}

func unitName(u report.Unit) string {
	switch u {
	case report.UnitBytes:
		return "bytes (1 GB = 10⁹ B)"
	case report.UnitSeconds:
		return "time"
	case report.UnitRequestsPerMinute:
		return "requests per minute"
	case report.UnitMS:
		return "milliseconds"
	case report.UnitPercent:
		return "percent"
	default:
		return string(u)
	}
}

func missingReason(a report.App, k report.MetricKey) string {
	for _, m := range a.Missing {
		if m.Metric == k {
			return cmp.Or(m.Error, "missing")
		}
	}
	return ""
}

func summaryCell(a report.App, info report.MetricInfo) cellView {
	if reason := missingReason(a, info.Key); reason != "" {
		return cellView{Missing: reason}
	}
	m := a.Metrics[info.Key]
	if m == nil {
		return cellView{NoData: true}
	}
	var c cellView
	if info.Kind == report.KindProcesses {
		for _, pr := range m.Processes {
			if l, ok := figure(pr.Summary, info); ok {
				l.Process = pr.Name
				c.Lines = append(c.Lines, l)
			}
		}
	} else if l, ok := figure(m.Summary, info); ok {
		c.Lines = append(c.Lines, l)
	}
	if len(c.Lines) == 0 {
		c.NoData = true
	}
	return c
}

// figure is the headline of a summary: the total, else the average (with
// the peak), and the change against the previous period when compared.
func figure(s report.Summary, info report.MetricInfo) (figureLine, bool) {
	var l figureLine
	var head *float64
	var prev, pct *float64
	switch {
	case s.Total != nil:
		head = s.Total
		if s.Change != nil {
			prev, pct = s.Change.Previous.Total, s.Change.Percent.Total
		}
	case s.Average != nil:
		head = s.Average
		if s.Peak != nil {
			l.Peak = report.FormatValue(info.Unit, *s.Peak)
		}
		if s.Change != nil {
			prev, pct = s.Change.Previous.Average, s.Change.Percent.Average
		}
	case s.Peak != nil:
		head = s.Peak
		if s.Change != nil {
			prev, pct = s.Change.Previous.Peak, s.Change.Percent.Peak
		}
	default:
		return l, false
	}
	l.Value = report.FormatValue(info.Unit, *head)
	if s.Change != nil {
		l.Change = change(info, *head, prev, pct)
		if s.Change.Reason != "" { // a period too little covered: say why, no arrow
			l.Change.Arrow, l.Change.Percent, l.Change.Word, l.Change.Class = "", s.Change.Reason, "", "neutral"
		}
	}
	return l, true
}

// change shows a change with an arrow for its direction and a word and a
// colour for whether it is good news, so colour is never the only cue. The
// arrow, text and verdict are report.DescribeChange's, as in the email.
func change(info report.MetricInfo, cur float64, prev, _ *float64) *changeView {
	c := &changeView{Class: "neutral", Previous: "no data"}
	if prev != nil {
		c.Previous = report.FormatValue(info.Unit, *prev)
	}
	v := report.DescribeChange(info, prev, &cur)
	c.Arrow, c.Percent = v.Arrow, v.Text
	switch v.Dir {
	case report.Worse:
		c.Class, c.Word = "worse", "worse"
	case report.Better:
		c.Class, c.Word = "better", "better"
	}
	return c
}

func runViews(a report.App, loc *time.Location) []runView {
	m := a.Metrics[report.RunTime]
	if m == nil {
		return nil
	}
	runs := slices.Clone(m.Runs)
	slices.SortStableFunc(runs, func(x, y report.Run) int {
		return cmp.Or(x.Start.Compare(y.Start), cmp.Compare(x.ProcessID, y.ProcessID))
	})
	out := make([]runView, 0, len(runs))
	for _, r := range runs {
		out = append(out, runView{
			Process:  r.ProcessID,
			Plan:     r.Plan,
			Start:    r.Start.In(loc).Format(layoutDateTime),
			End:      r.End.In(loc).Format(layoutDateTime),
			Duration: report.FormatValue(report.UnitSeconds, r.Seconds),
		})
	}
	return out
}
