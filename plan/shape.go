package plan

import (
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// Shape puts points in the window's zone, keeps those inside [Start, End)
// and folds hourly buckets into local buckets (days, 6-hour blocks) when
// the window folds (with fold: summed or averaged). It never returns nil.
func (w *Window) Shape(points []report.Point, fold report.Fold) []report.Point {
	if len(points) == 0 {
		return []report.Point{}
	}
	loc := w.loc()
	out := w.inWindow(points)
	if w.Fold {
		out = report.FoldLocal(out, loc, w.Interval, fold)
	}
	return out
}

// inWindow is the points inside [Start, End), in the window's zone,
// normalized.
func (w *Window) inWindow(points []report.Point) []report.Point {
	loc := w.loc()
	out := make([]report.Point, 0, len(points))
	for _, pt := range points {
		if pt.Time.Before(w.Start) || !pt.Time.Before(w.End) {
			continue
		}
		out = append(out, report.Point{Time: pt.Time.In(loc), Value: pt.Value})
	}
	return report.Normalize(out)
}

// finePeak is the highest hourly point inside the window, where the window
// folds hours into longer buckets by mean and the metric has a peak: the
// peak people mean (the highest hour), which the folded buckets average
// away. nil otherwise.
func (w *Window) finePeak(points []report.Point, info report.MetricInfo) *float64 {
	if !w.Fold || !info.HasPeak || info.Fold != report.FoldMean {
		return nil
	}
	return report.Summarize(w.inWindow(points)).Peak
}

// ShapeMetric shapes every series of a fetched metric into the window (its
// points and each process's, by the metric's fold) and puts its runs in
// the window's zone. It sets m.Key to key.
func (w *Window) ShapeMetric(m *report.Metric, key report.MetricKey) {
	info, _ := report.Info(key)
	m.Key = key
	m.FinePeak = w.finePeak(m.Points, info)
	m.Points = w.Shape(m.Points, info.Fold)
	for i := range m.Processes {
		m.Processes[i].FinePeak = w.finePeak(m.Processes[i].Points, info)
		m.Processes[i].Points = w.Shape(m.Processes[i].Points, info.Fold)
	}
	loc := w.loc()
	for i := range m.Runs {
		m.Runs[i].Start = m.Runs[i].Start.In(loc)
		m.Runs[i].End = m.Runs[i].End.In(loc)
	}
}

// Request is one metric request of a plan: metric Metric of app App over
// [Start, End) in buckets of Interval. It is what a Source serves; a store
// of closed days can serve part of it and delegate the rest.
type Request struct {
	App      string // the application's id
	Metric   report.MetricKey
	Start    time.Time
	End      time.Time
	Interval time.Duration
	// SlowestLimit is N of slowest requests (slowest_requests only).
	SlowestLimit int
}

// Request is the request that fetches metric of app for the window.
func (w *Window) Request(app string, metric report.MetricKey, slowestLimit int) Request {
	return Request{App: app, Metric: metric, Start: w.Start, End: w.End, Interval: w.FetchInterval, SlowestLimit: slowestLimit}
}
