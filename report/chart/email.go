package chart

import (
	"bytes"
	"cmp"
	"fmt"
	"image/png"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-analyze/charts"

	"github.com/kinsta-report/kinsta-report/report"
)

// Image is a static chart for the email body, sent as a multipart/related
// part and shown with <img src="cid:ContentID" width=Width height=Height>.
type Image struct {
	// Name is the part's file name, e.g. "bandwidth-previous_week.png".
	Name string
	// ContentID is the part's Content-ID without the angle brackets.
	ContentID string
	// Alt says what the chart shows, with the key numbers, for mail
	// clients that block images.
	Alt string
	PNG []byte
	// Width and Height are the display size in CSS pixels; the PNG has
	// twice as many pixels each way, for high-density screens.
	Width, Height int
}

// Email chart geometry: drawn at 2x, shown at 600 pixels wide.
const (
	emailWidth   = 600
	emailScale   = 2
	emailTopApps = 8 // bars per chart; the rest fold into "N other apps"
	emailLabel   = 28
)

// EmailCharts draws the email's charts, per period: bandwidth (total per
// app) and P95 response time (average and peak per app), each as
// horizontal bars with the value written at each bar, so they read in
// grey-scale and without a legend colour key. Each shows the top
// emailTopApps apps; bandwidth adds the rest as one "others" bar. A period
// with no data for a metric gets no chart for it. Equal reports give equal
// bytes.
func EmailCharts(r report.Report) ([]Image, error) {
	r = report.ForDisplay(r) // API text as people see it: no controls, bidi isolated, capped
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	var out []Image
	used := map[string]bool{}
	for pi, per := range r.Periods {
		slug := slugify(per.Name)
		if slug == "" || used[slug] {
			slug = "period" + strconv.Itoa(pi+1) + cmp.Or("-"+slug, "")
		}
		used[slug] = true
		rng := formatRange(per.Start, per.End, loc)
		if slices.Contains(metricsOf(r), report.Bandwidth) {
			img, ok, err := bandwidthImage(per, rng, slug)
			if err != nil {
				return nil, fmt.Errorf("email chart bandwidth for period %q: %w", per.Name, err)
			}
			if ok {
				out = append(out, img)
			}
		}
		if slices.Contains(metricsOf(r), report.ResponseTimeP95) {
			img, ok, err := p95Image(per, rng, slug)
			if err != nil {
				return nil, fmt.Errorf("email chart P95 response time for period %q: %w", per.Name, err)
			}
			if ok {
				out = append(out, img)
			}
		}
	}
	return out, nil
}

func metricsOf(r report.Report) []report.MetricKey {
	if len(r.Metrics) == 0 {
		return report.AllMetrics()
	}
	return r.Metrics
}

// appValue is one app's figure for a bar.
type appValue struct {
	label, id string
	v, peak   float64
}

// ranked sorts by value, largest first; ties by label, then id.
func ranked(vs []appValue) {
	slices.SortStableFunc(vs, func(a, b appValue) int {
		return cmp.Or(cmp.Compare(b.v, a.v), cmp.Compare(a.label, b.label), cmp.Compare(a.id, b.id))
	})
}

func bandwidthImage(per report.Period, rng, slug string) (Image, bool, error) {
	var vs []appValue
	noData := 0
	for _, a := range per.Apps {
		m := a.Metrics[report.Bandwidth]
		if m == nil || m.Summary.Total == nil {
			noData++
			continue
		}
		vs = append(vs, appValue{label: a.Label(), id: a.ID, v: *m.Summary.Total})
	}
	if len(vs) == 0 {
		return Image{}, false, nil
	}
	ranked(vs)
	shown := vs
	var others *appValue
	if len(vs) > emailTopApps {
		// The rest is a line of text, not a bar: the sum of 190 apps would
		// dwarf the top eight.
		shown = vs[:emailTopApps]
		o := appValue{label: strconv.Itoa(len(vs)-emailTopApps) + " other apps"}
		for _, x := range vs[emailTopApps:] {
			o.v += x.v
		}
		others = &o
	}
	labels := make([]string, 0, len(shown))
	values := make([]float64, 0, len(shown))
	for _, x := range shown {
		labels = append(labels, shorten(x.label))
		values = append(values, x.v)
	}
	sub := rng + "\ntotal per app"
	if others != nil {
		sub += ", top " + strconv.Itoa(emailTopApps) + " of " + strconv.Itoa(len(vs)) + " apps; " +
			others.label + ": " + report.FormatValue(report.UnitBytes, others.v)
	}
	if noData > 0 {
		sub += "; " + strconv.Itoa(noData) + " without data"
	}
	title := "Bandwidth by app · " + per.Name
	img, err := barImage(title, sub, labels, [][]float64{values}, nil, report.UnitBytes)
	if err != nil {
		return Image{}, false, err
	}
	img.Name = "bandwidth-" + slug + ".png"
	img.ContentID = "bandwidth-" + slug + "@kinsta-report"
	img.Alt = altText("Bandwidth by app, "+per.Name+" ("+rng+"), total", shown, others, report.UnitBytes, false)
	return img, true, nil
}

func p95Image(per report.Period, rng, slug string) (Image, bool, error) {
	var vs []appValue
	noData := 0
	for _, a := range per.Apps {
		m := a.Metrics[report.ResponseTimeP95]
		if m == nil || m.Summary.Average == nil {
			noData++
			continue
		}
		x := appValue{label: a.Label(), id: a.ID, v: *m.Summary.Average, peak: *m.Summary.Average}
		if m.Summary.Peak != nil {
			x.peak = *m.Summary.Peak
		}
		vs = append(vs, x)
	}
	if len(vs) == 0 {
		return Image{}, false, nil
	}
	ranked(vs)
	shown := vs
	sub := rng + "\naverage and peak per app"
	if len(vs) > emailTopApps {
		shown = vs[:emailTopApps]
		sub += ", the " + strconv.Itoa(emailTopApps) + " slowest of " + strconv.Itoa(len(vs)) + " apps"
	}
	if noData > 0 {
		sub += "; " + strconv.Itoa(noData) + " without data"
	}
	labels := make([]string, len(shown))
	avg := make([]float64, len(shown))
	peak := make([]float64, len(shown))
	for i, x := range shown {
		labels[i], avg[i], peak[i] = shorten(x.label), x.v, x.peak
	}
	title := "P95 response time by app · " + per.Name
	img, err := barImage(title, sub, labels, [][]float64{avg, peak}, []string{"average", "peak"}, report.UnitMS)
	if err != nil {
		return Image{}, false, err
	}
	img.Name = "p95-response-time-" + slug + ".png"
	img.ContentID = "p95-response-time-" + slug + "@kinsta-report"
	img.Alt = altText("P95 response time by app, "+per.Name+" ("+rng+"), average (peak)", shown, nil, report.UnitMS, true)
	return img, true, nil
}

// Grey-scale safe series colours: a dark and a light shade, each with a
// direct label, so no colour has to be told apart.
var emailColors = []charts.Color{charts.ColorFromHex("#1f4e79"), charts.ColorFromHex("#9dc3e6")}

// barImage draws horizontal bars, one row per label (top to bottom in the
// given order), with each bar's value written beside it.
func barImage(title, sub string, labels []string, series [][]float64, names []string, unit report.Unit) (Image, error) {
	const s = emailScale
	rows := len(labels)
	perRow := 44
	if len(series) > 1 {
		perRow = 50
	}
	height := 84 + rows*perRow
	if len(series) > 1 {
		height += 24 // legend
	}

	maxV := 0.0
	for _, vals := range series {
		for _, v := range vals {
			maxV = max(maxV, v)
		}
	}
	format := func(v float64) string { return report.FormatValue(unit, v) }

	// The painter draws the first category at the bottom: reverse so the
	// largest bar is on top.
	rev := func(in []string) []string {
		out := slices.Clone(in)
		slices.Reverse(out)
		return out
	}
	data := make([][]float64, len(series))
	for i, vals := range series {
		data[i] = slices.Clone(vals)
		slices.Reverse(data[i])
	}

	theme := charts.GetTheme(charts.ThemeLight).WithSeriesColors(emailColors).
		WithBackgroundColor(charts.ColorFromHex("#ffffff")).
		WithTextColor(charts.ColorFromHex("#222222"))
	font := func(size float64) charts.FontStyle {
		return charts.FontStyle{FontSize: size * s, FontColor: charts.ColorFromHex("#222222")}
	}
	opt := charts.NewBarChartOptionWithData(data)
	opt.Theme = theme
	opt.Horizontal = true
	opt.Padding = charts.Box{Top: 12 * s, Right: 24 * s, Bottom: 10 * s, Left: 12 * s, IsSet: true}
	opt.Title = charts.TitleOption{
		Text:             title,
		Subtext:          sub,
		Offset:           charts.OffsetStr{Left: charts.PositionCenter},
		FontStyle:        font(15),
		SubtextFontStyle: charts.FontStyle{FontSize: 11 * s, FontColor: charts.ColorFromHex("#555555")},
	}
	opt.CategoryAxis = charts.CategoryAxisOption{Labels: rev(labels), LabelFontStyle: font(11.5)}
	// Every bar carries its value, so the value axis shows no labels (they
	// were hard to keep round and apart); its grid lines stay.
	opt.ValueAxis = []charts.ValueAxisOption{{
		Show: charts.Ptr(false),
		Min:  charts.Ptr(0.0),
		// Room on the right for the value labels.
		Max: charts.Ptr(max(maxV*1.3, 1)),
	}}
	opt.SeriesLabelPosition = "right"
	for i := range opt.SeriesList {
		opt.SeriesList[i].Label = charts.SeriesLabel{
			Show:           charts.Ptr(true),
			ValueFormatter: format,
			FontStyle:      font(11),
		}
		if i < len(names) {
			opt.SeriesList[i].Name = names[i]
		}
	}
	if len(names) > 0 {
		opt.Legend = charts.LegendOption{
			SeriesNames: names,
			FontStyle:   font(11),
			Offset:      charts.OffsetStr{Left: charts.PositionCenter, Top: strconv.Itoa(62 * s)},
		}
	} else {
		opt.Legend = charts.LegendOption{Show: charts.Ptr(false)}
	}
	if len(series) > 1 {
		opt.BarMargin = charts.Ptr(0.1)
	}

	p := charts.NewPainter(charts.PainterOptions{
		OutputFormat: charts.ChartOutputPNG,
		Width:        emailWidth * s,
		Height:       height * s,
		Theme:        theme,
	})
	if err := p.BarChart(opt); err != nil {
		return Image{}, err
	}
	b, err := p.Bytes()
	if err != nil {
		return Image{}, err
	}
	if _, err := png.DecodeConfig(bytes.NewReader(b)); err != nil {
		return Image{}, fmt.Errorf("chart is not a PNG: %w", err)
	}
	return Image{PNG: b, Width: emailWidth, Height: height}, nil
}

// niceCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := 1.0
	for p*10 <= v {
		p *= 10
	}
	for p > v {
		p /= 10
	}
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// altText lists the bars with their values: the key numbers in text for a
// mail client that blocks images.
func altText(what string, shown []appValue, others *appValue, unit report.Unit, withPeak bool) string {
	var b strings.Builder
	b.WriteString(what)
	b.WriteString(": ")
	for i, x := range shown {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(x.label)
		b.WriteString(" ")
		b.WriteString(report.FormatValue(unit, x.v))
		if withPeak {
			b.WriteString(" (" + report.FormatValue(unit, x.peak) + ")")
		}
	}
	if others != nil {
		b.WriteString("; " + others.label + " " + report.FormatValue(unit, others.v))
	}
	b.WriteString(".")
	return b.String()
}

// shorten keeps a label to emailLabel characters so the bars keep their
// room.
func shorten(s string) string {
	if utf8.RuneCountInString(s) <= emailLabel {
		return s
	}
	r := []rune(s)
	return string(r[:emailLabel-1]) + "…"
}

// slugify keeps letters, digits, '-' and '_' (lower-cased) for part names
// and Content-IDs.
func slugify(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}
