package deliver

import (
	"slices"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// The view the two body templates draw: every figure already formatted, so
// the templates only lay it out.
type emailView struct {
	Report    string
	Generated string
	Zone      string
	Alerts    []alertView
	// AlertHeadline is "2 apps crossed a threshold"; empty without alerts.
	AlertHeadline string
	Notes         []string
	Periods       []periodView
	Charts        []chartView
	Attached      []fileView
	// Omitted are the attachments left out for the size budget.
	Omitted []fileView
	// OmittedCharts are the alt texts of the charts left out for it.
	OmittedCharts []string
	Budget        string
}

type alertView struct {
	App, Text string
}

type periodView struct {
	Title    string // "Previous week"
	Range    string // "2026-11-16 to 2026-11-22 (7 days)"
	Previous string // the range compared against; empty without comparison
	Columns  []columnView
	Apps     []appView
	Missing  []missingView
	Notes    []string
	// Sites are the period's WordPress site environments, a row each under
	// SiteColumns; SiteDays says which days their figures are (sites.go).
	SiteColumns []columnView
	Sites       []appView
	SiteDays    string
}

type columnView struct {
	Title, Figure string // "Bandwidth", "total"
}

type appView struct {
	Label string
	// Name is the app's unique name when it differs from the label.
	Name  string
	Cells []cellView
}

type cellView struct {
	Title, Figure string // the column's, for the text part
	Value         string
	// State is "" for a value, "missing" when the metric could not be
	// fetched, "nodata" when it was fetched but had no points, "na" when the
	// app has no such metric.
	State  string
	Detail string // e.g. the process holding a peak
	Change *changeView
}

// Plain is the value with its detail for the text part: "52.5 % (web)".
func (c cellView) Plain() string {
	if c.Detail != "" {
		return c.Value + " (" + c.Detail + ")"
	}
	return c.Value
}

type changeView struct {
	Arrow string // ▲ ▼ →
	Text  string // +25.0 % | new
	Tone  string // bad | good | neutral
}

type missingView struct {
	App, Metric, Error string
}

type chartView struct {
	Src           string // cid:…
	Alt           string
	Width, Height int
}

type fileView struct {
	Name, Size, About, Path string
}

// maxColumns keeps the table readable in a 640 px mail column.
const maxColumns = 6

func newView(r report.Report, charts []chartView, attached, omitted []fileView, budget int64) emailView {
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	v := emailView{
		Report:   r.Name,
		Zone:     loc.String(),
		Notes:    r.Notes,
		Charts:   charts,
		Attached: attached,
		Omitted:  omitted,
		Budget:   formatSize(budget),
	}
	if !r.GeneratedAt.IsZero() {
		v.Generated = r.GeneratedAt.In(loc).Format("2006-01-02 15:04 MST")
	}
	metrics := r.Metrics
	if len(metrics) == 0 {
		metrics = report.AllMetrics()
	}
	var cols []report.Headline
	for _, h := range report.Headlines() {
		if slices.Contains(metrics, h.Key) && len(cols) < maxColumns {
			cols = append(cols, h)
		}
	}
	v.Alerts, v.AlertHeadline = alertViews(r.Alerts, loc)
	for _, p := range r.Periods {
		v.Periods = append(v.Periods, periodViewOf(p, cols, loc))
	}
	return v
}

func alertViews(alerts []report.Alert, loc *time.Location) ([]alertView, string) {
	if len(alerts) == 0 {
		return nil, ""
	}
	var out []alertView
	for _, a := range alerts {
		out = append(out, alertView{App: a.App, Text: report.AlertText(a, loc)})
	}
	return out, report.AlertHeadline(alerts)
}

func periodViewOf(p report.Period, cols []report.Headline, loc *time.Location) periodView {
	pv := periodView{
		Title: report.PeriodTitle(p.Name),
		Range: report.PeriodRange(p, loc),
		Notes: p.Notes,
	}
	for _, c := range cols {
		pv.Columns = append(pv.Columns, columnView{Title: c.Title, Figure: c.Figure})
	}
	compared := false
	for _, a := range p.Apps {
		av := appView{Label: a.Label()}
		if a.Name != "" && a.Name != av.Label {
			av.Name = a.Name
		}
		for _, c := range cols {
			cell := cellOf(a, c)
			if cell.Change != nil {
				compared = true
			}
			av.Cells = append(av.Cells, cell)
		}
		for _, m := range a.Missing {
			pv.Missing = append(pv.Missing, missingView{App: a.Label(), Metric: report.MetricTitle(m.Metric), Error: m.Error})
		}
		pv.Apps = append(pv.Apps, av)
	}
	if sitesViewOf(&pv, p) {
		compared = true
	}
	if compared && p.Previous != nil {
		pv.Previous = report.PeriodRange(*p.Previous, loc)
	} else if compared {
		pv.Previous = "the previous period"
	}
	return pv
}

func cellOf(a report.App, c report.Headline) cellView {
	info, _ := report.Info(c.Key)
	f := c.Of(a)
	cell := figureCell(c.Title, c.Figure, info, f)
	if f.State == report.HeadlineValue && f.Processes > 1 {
		cell.Detail = f.Process
	}
	return cell
}

// figureCell is a headline figure (an app's or a site environment's) as
// the email's table shows it: its value and change, a withheld change's
// reason, or why there is no value.
func figureCell(title, figure string, info report.MetricInfo, f report.HeadlineFigure) cellView {
	cell := cellView{Title: title, Figure: figure}
	switch f.State {
	case report.HeadlineMissing:
		cell.State, cell.Value = "missing", "missing"
		return cell
	case report.HeadlineNA:
		cell.State, cell.Value = "na", "n/a"
		return cell
	case report.HeadlineNoData:
		cell.State, cell.Value = "nodata", "no data"
		return cell
	}
	cell.Value = report.FormatValue(info.Unit, *f.Current)
	switch {
	case f.Compared && f.Reason != "":
		cell.Change = &changeView{Text: f.Reason, Tone: "unknown"}
	case f.Compared:
		cell.Change = changeOf(report.DescribeChange(info, f.Previous, f.Current))
	}
	return cell
}

// changeOf maps the shared change description to the arrow, text and
// colour tone the templates show.
func changeOf(d report.ChangeView) *changeView {
	ch := &changeView{Arrow: d.Arrow, Text: d.Text, Tone: "neutral"}
	switch d.Dir {
	case report.Worse:
		ch.Tone = "bad"
	case report.Better:
		ch.Tone = "good"
	case report.New:
		ch.Tone = "new"
	case report.Unknown:
		ch.Tone = "unknown"
	}
	return ch
}
