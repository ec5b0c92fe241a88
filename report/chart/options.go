package chart

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// The chart options are built with go-echarts and marshalled with
// encoding/json into a <script type="application/json"> block of our own
// html/template. go-echarts' own renderer is never used: it writes the
// options with HTML escaping off (a "</script>" in a name ends the script)
// and turns any string holding "__f__" into raw JavaScript.

// MaxPoints is the most points a chart series carries. A chart on the page
// is at most about 560 CSS pixels wide (two per row on a desktop, one on a
// phone), so 160 points is about one point per three pixels: more would
// not show, and would make a 200-app, 30-day hourly report far larger
// (every series has 720 points). Longer series are downsampled with LTTB;
// the summary figures and tables use every point.
const MaxPoints = 160

// downsampleAbove is the longest series a chart keeps whole: a week of
// hourly buckets (168, or 169 across a DST change) loses nothing, since
// dropping a handful of its points would save nothing worth saying so.
const downsampleAbove = 200

// sigDigits is the precision of chart data: three significant digits is
// finer than a chart's 250-pixel height can show, and a tooltip says
// "2.47 GB" or "183 ms".
const sigDigits = 3

// palette is colour-blind safe (Okabe–Ito, without the yellow that is
// unreadable on white); line styles and symbols tell series apart in
// grey-scale print.
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#444444"}

var (
	lineTypes = []string{"solid", "dashed", "dotted"}
	symbols   = []string{"circle", "rect", "triangle", "diamond", "emptyCircle", "emptyRect", "emptyTriangle"}
)

// chartSpec is one chart of the page as the page's script reads it.
type chartSpec struct {
	// ID is the id of the chart's container element.
	ID string `json:"id"`
	// Period is the index of the period whose bucket labels make the
	// category x axis; -1 when the chart brings its own axis data.
	Period int `json:"period"`
	// Unit is appended to values in the tooltip.
	Unit string `json:"unit"`
	// Option is the ECharts option, built with go-echarts.
	Option map[string]any `json:"option"`
}

// pageData is the JSON the page's script reads.
type pageData struct {
	// Periods holds the x-axis labels of each period's buckets.
	Periods []periodAxis `json:"periods"`
	Charts  []chartSpec  `json:"charts"`
	// Palette is the colours of every chart, once for the page rather than
	// in each of up to 1,400 options.
	Palette []string `json:"palette"`
	// Eager renders every chart at load; otherwise charts render when they
	// scroll into view (and all before printing).
	Eager bool `json:"eager"`
}

type periodAxis struct {
	// Labels name every bucket ("16 Nov 14:00"); the tooltip shows them.
	Labels []string `json:"labels"`
	// DayStarts, for sub-daily buckets, are the indices of the first bucket
	// of each local day: the axis shows only those, as dates, instead of
	// whichever hours fit.
	DayStarts []int `json:"dayStarts,omitempty"`
}

// eagerLimit is the most charts rendered at load: a 200-app report has 1,400
// charts, and drawing them all at once would stall a phone for seconds.
const eagerLimit = 60

// marshalPageData marshals d, the JSON the page packs (pack.go) and its
// script reads. Packed, it could hold anything; it is kept as safe as if it
// were not: encoding/json escapes <, > and & (so no "</script" or "<!--")
// and U+2028 and U+2029, and "__f__" is written as "\u005f_f__" (the JSON
// value is the same, but a renderer that unwraps go-echarts' function
// markers finds none).
func marshalPageData(d pageData) ([]byte, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return bytes.ReplaceAll(b, []byte("__f__"), []byte(`\u005f_f__`)), nil
}

// seriesData is the data of one series. A series with a point for every
// bucket in order is written as ECharts writes it, plain values: [1.2,3].
// A downsampled (or gappy) series is written as its bucket indices, delta
// encoded, and its values: {"dx":[0,3,4],"y":[1.2,3,2.5]}; the page's
// script turns it into ECharts' [[0,1.2],[3,3],[7,2.5]]. That is 40 % fewer
// bytes than the pairs, which matters when a 200-app report has 2,000 series.
// Values are rounded to sigDigits.
type seriesData struct {
	points []xy
	plain  bool
}

func newSeriesData(points []xy, scale float64) seriesData {
	out := make([]xy, len(points))
	plain := true
	for i, p := range points {
		out[i] = xy{X: p.X, Y: roundSig(p.Y/scale, sigDigits)}
		if p.X != float64(i) {
			plain = false
		}
	}
	return seriesData{points: out, plain: plain}
}

// MarshalJSON writes the plain or the delta-encoded form.
func (d seriesData) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(d.points)*8+16)
	if d.plain {
		b = append(b, '[')
		for i, p := range d.points {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendNumber(b, p.Y)
		}
		return append(b, ']'), nil
	}
	b = append(b, `{"dx":[`...)
	prev := 0.0
	for i, p := range d.points {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendNumber(b, p.X-prev)
		prev = p.X
	}
	b = append(b, `],"y":[`...)
	for i, p := range d.points {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendNumber(b, p.Y)
	}
	return append(b, "]}"...), nil
}

func appendNumber(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, '0')
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

// lineSeries is one line (or bar) of a time chart.
type lineSeries struct {
	Name   string
	Points []xy
}

// timeChart describes a chart over a period's buckets.
type timeChart struct {
	ID     string
	Period int
	// Scale divides the values (e.g. 1e9 for GB); UnitLabel names the
	// scaled unit.
	Scale     float64
	UnitLabel string
	Series    []lineSeries
	// Bars draws bars instead of lines when no series is downsampled.
	Bars bool
}

// build returns the chart's spec and whether any series was downsampled.
func (c timeChart) build() (chartSpec, bool) {
	downsampled := false
	data := make([]seriesData, len(c.Series))
	maxLen := 0
	for i, s := range c.Series {
		pts := s.Points
		if len(pts) > downsampleAbove {
			pts = lttb(pts, MaxPoints)
			downsampled = true
		}
		data[i] = newSeriesData(pts, c.Scale)
		maxLen = max(maxLen, len(pts))
	}
	bars := c.Bars && !downsampled
	legend := len(c.Series) > 1
	showSymbols := maxLen <= 62

	var rc *charts.RectChart
	var addSeries func(name string, d seriesData, so ...charts.SeriesOpts)
	if bars {
		bar := charts.NewBar()
		rc = &bar.RectChart
		addSeries = func(name string, d seriesData, so ...charts.SeriesOpts) {
			bar.AddSeries(name, nil, append(so, charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.Data = d }))...)
		}
	} else {
		line := charts.NewLine()
		rc = &line.RectChart
		addSeries = func(name string, d seriesData, so ...charts.SeriesOpts) {
			line.AddSeries(name, nil, append(so, charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.Data = d }))...)
		}
	}
	top := "30" // room for the unit above the y axis
	if legend {
		top = "52"
	}
	rc.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: c.ID}),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(legend), Type: "scroll", Top: "0", Left: "center"}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "16", Top: top, Bottom: "8", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: c.UnitLabel}),
	)
	for i, s := range c.Series {
		so := []charts.SeriesOpts{}
		if !bars {
			lt := lineTypes[i%len(lineTypes)]
			sym := symbols[i%len(symbols)]
			so = append(so,
				charts.WithLineStyleOpts(opts.LineStyle{Type: lt, Width: 2}),
				charts.WithSeriesOpts(func(ss *charts.SingleSeries) {
					ss.Symbol = sym
					ss.ShowSymbol = opts.Bool(showSymbols)
				}),
			)
		}
		addSeries(s.Name, data[i], so...)
	}
	return chartSpec{ID: c.ID, Period: c.Period, Unit: c.UnitLabel, Option: withoutColors(rc.JSON())}, downsampled
}

// barChart is a horizontal bar chart with its own categories (run time per
// process).
type barChart struct {
	ID         string
	Categories []string
	Values     []float64
	Scale      float64
	UnitLabel  string
	SeriesName string
}

func (c barChart) build() chartSpec {
	pts := make([]xy, len(c.Values))
	for i, v := range c.Values {
		pts[i] = xy{X: float64(i), Y: v}
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: c.ID}),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "24", Top: "16", Bottom: "8", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: c.UnitLabel}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true)}),
	)
	bar.SetXAxis(c.Categories).XYReversal()
	d := newSeriesData(pts, c.Scale)
	bar.AddSeries(c.SeriesName, nil, charts.WithSeriesOpts(func(s *charts.SingleSeries) {
		s.Data = d
		s.BarMaxWidth = "28"
	}), charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right"}))
	bar.Validate()
	return chartSpec{ID: c.ID, Period: -1, Unit: c.UnitLabel, Option: withoutColors(bar.JSON())}
}

// withoutColors drops the colour list go-echarts writes into every option;
// the page sets pageData.Palette instead.
func withoutColors(o map[string]any) map[string]any {
	delete(o, "color")
	return o
}

// chartID is the fixed id of a chart's container: period, app, chart.
func chartID(period, app int, name string) string {
	return fmt.Sprintf("c-p%d-a%d-%s", period, app, name)
}
