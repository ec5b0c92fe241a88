package chart

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// bucketGrid is a period's category axis: one entry per bucket from Start
// to End, plus any point time off that grid (so no point is dropped).
type bucketGrid struct {
	labels    []string
	dayStarts []int         // sub-daily grids: the first bucket of each local day
	index     map[int64]int // UnixNano of a bucket start -> position
}

func newBucketGrid(per report.Period, loc *time.Location) bucketGrid {
	var times []time.Time
	seen := map[int64]bool{}
	add := func(t time.Time) {
		if k := t.UnixNano(); !seen[k] {
			seen[k] = true
			times = append(times, t)
		}
	}
	if per.Interval > 0 {
		start := per.Start.In(loc)
		for t, i := start, 0; t.Before(per.End) && i < 100000; i++ {
			add(t)
			if per.Interval == 24*time.Hour && isMidnight(start) {
				t = start.AddDate(0, 0, i+1) // local days: 23 h or 25 h across DST
			} else {
				t = t.Add(per.Interval)
			}
		}
	}
	extra := false
	visit := func(pts []report.Point) {
		for _, p := range pts {
			if !seen[p.Time.UnixNano()] {
				add(p.Time)
				extra = true
			}
		}
	}
	for _, a := range per.Apps {
		for _, k := range report.AllMetrics() {
			m := a.Metrics[k]
			if m == nil {
				continue
			}
			visit(m.Points)
			for _, pr := range m.Processes {
				visit(pr.Points)
			}
		}
	}
	if extra {
		slices.SortStableFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	}
	g := bucketGrid{labels: make([]string, len(times)), index: make(map[int64]int, len(times))}
	var lastDay time.Time
	for i, t := range times {
		g.labels[i] = bucketLabel(t, per.Interval, loc)
		g.index[t.UnixNano()] = i
		if per.Interval < 24*time.Hour {
			if d := report.LocalMidnight(t, loc); i == 0 || !d.Equal(lastDay) {
				g.dayStarts = append(g.dayStarts, i)
				lastDay = d
			}
		}
	}
	return g
}

// points places a series on the grid.
func (g bucketGrid) points(pts []report.Point) []xy {
	out := make([]xy, 0, len(pts))
	for _, p := range pts {
		if i, ok := g.index[p.Time.UnixNano()]; ok {
			out = append(out, xy{X: float64(i), Y: p.Value})
		}
	}
	slices.SortStableFunc(out, func(a, b xy) int { return cmp.Compare(a.X, b.X) })
	return out
}

// chartScale picks how a unit is shown on a chart's axis for values up to
// max: bytes as kB/MB/GB/TB, seconds as s/min/h.
func chartScale(u report.Unit, max float64) (float64, string) {
	switch u {
	case report.UnitBytes:
		return report.ByteUnit(max)
	case report.UnitSeconds:
		switch {
		case max < 600:
			return 1, "s"
		case max < 36000:
			return 60, "min"
		default:
			return 3600, "h"
		}
	case report.UnitMS:
		return 1, "ms"
	case report.UnitPercent:
		return 1, "%"
	case report.UnitRequestsPerMinute:
		return 1, "req/min"
	default:
		return 1, string(u)
	}
}

func maxAbs(series []lineSeries) float64 {
	m := 0.0
	for _, s := range series {
		for _, p := range s.Points {
			m = max(m, math.Abs(p.Y))
		}
	}
	return m
}

// appCharts builds an app's charts in contract order: bandwidth, build time,
// run time, requests, the three response times together, CPU, memory.
func appCharts(pi, ai int, a report.App, metrics []report.MetricKey, g bucketGrid) ([]chartSpec, []chartView, int) {
	var specs []chartSpec
	var views []chartView
	downsampled := 0
	label := a.Label()
	asked := func(k report.MetricKey) bool { return slices.Contains(metrics, k) }

	addTime := func(name, title string, unit report.Unit, bars bool, series []lineSeries, missing []string) {
		v := chartView{Title: title}
		if len(missing) > 0 {
			v.Note = "Missing: " + joinSemi(missing)
		}
		n := 0
		for _, s := range series {
			n = max(n, len(s.Points))
		}
		if n == 0 {
			if v.Note == "" {
				v.Note = "No data in this period."
			}
			views = append(views, v)
			return
		}
		scale, unitLabel := chartScale(unit, maxAbs(series))
		tc := timeChart{ID: chartID(pi, ai, name), Period: pi, Scale: scale, UnitLabel: unitLabel, Series: series, Bars: bars}
		spec, down := tc.build()
		specs = append(specs, spec)
		v.ID = spec.ID
		if len(series) > 3 {
			v.Size = "tall"
		}
		v.Desc = title + ", " + label + ", " + unitLabel
		if down {
			downsampled++
			v.Note = joinSemi(append([]string{"Downsampled: " + strconv.Itoa(n) + " → " + strconv.Itoa(MaxPoints) + " points (LTTB)"}, missing...))
		}
		views = append(views, v)
	}

	for _, k := range []report.MetricKey{report.Bandwidth, report.BuildTime} {
		if !asked(k) {
			continue
		}
		info, _ := report.Info(k)
		if reason := missingReason(a, k); reason != "" {
			addTime(string(k), info.Title, info.Unit, true, nil, []string{reason})
			continue
		}
		var series []lineSeries
		if m := a.Metrics[k]; m != nil {
			series = []lineSeries{{Name: info.Title, Points: g.points(m.Points)}}
		}
		addTime(string(k), info.Title, info.Unit, true, series, nil)
	}

	if asked(report.RunTime) {
		v := chartView{Title: "Run time per process"}
		if reason := missingReason(a, report.RunTime); reason != "" {
			v.Note = "Missing: " + reason
		} else if m := a.Metrics[report.RunTime]; m == nil || len(m.Runs) == 0 {
			v.Note = "No process runs in this period."
		} else {
			byProc := map[string]float64{}
			for _, r := range m.Runs {
				byProc[r.ProcessID] += r.Seconds
			}
			procs := make([]string, 0, len(byProc))
			maxV := 0.0
			for p, s := range byProc {
				procs = append(procs, p)
				maxV = max(maxV, s)
			}
			slices.Sort(procs)
			vals := make([]float64, len(procs))
			for i, p := range procs {
				vals[i] = byProc[p]
			}
			scale, unitLabel := chartScale(report.UnitSeconds, maxV)
			spec := barChart{ID: chartID(pi, ai, "run_time"), Categories: procs, Values: vals, Scale: scale, UnitLabel: unitLabel, SeriesName: "Run time"}.build()
			specs = append(specs, spec)
			v.ID = spec.ID
			v.Desc = "Run time per process, " + label + ", " + unitLabel
			switch {
			case len(procs) <= 2:
				v.Size = "rows1"
			case len(procs) <= 5:
				v.Size = "rows2"
			}
		}
		views = append(views, v)
	}

	if asked(report.HTTPRequests) {
		info, _ := report.Info(report.HTTPRequests)
		if reason := missingReason(a, report.HTTPRequests); reason != "" {
			addTime(string(report.HTTPRequests), info.Title, info.Unit, false, nil, []string{reason})
		} else {
			var series []lineSeries
			if m := a.Metrics[report.HTTPRequests]; m != nil {
				series = []lineSeries{{Name: "Requests per minute", Points: g.points(m.Points)}}
			}
			addTime(string(report.HTTPRequests), info.Title, info.Unit, false, series, nil)
		}
	}

	// The three response times share one chart and one axis.
	var rtSeries []lineSeries
	var rtMissing []string
	rtAsked := false
	for _, rt := range []struct {
		key  report.MetricKey
		name string
	}{{report.ResponseTimeAvg, "Average"}, {report.ResponseTimeP50, "P50"}, {report.ResponseTimeP95, "P95"}} {
		if !asked(rt.key) {
			continue
		}
		rtAsked = true
		if reason := missingReason(a, rt.key); reason != "" {
			rtMissing = append(rtMissing, rt.name+": "+reason)
			continue
		}
		if m := a.Metrics[rt.key]; m != nil {
			rtSeries = append(rtSeries, lineSeries{Name: rt.name, Points: g.points(m.Points)})
		}
	}
	if rtAsked {
		addTime("response_time", "Response time (average, P50, P95)", report.UnitMS, false, rtSeries, rtMissing)
	}

	for _, k := range []report.MetricKey{report.CPUUsage, report.MemoryUsage} {
		if !asked(k) {
			continue
		}
		info, _ := report.Info(k)
		title := info.Title + " per process"
		if reason := missingReason(a, k); reason != "" {
			addTime(string(k), title, info.Unit, false, nil, []string{reason})
			continue
		}
		var series []lineSeries
		if m := a.Metrics[k]; m != nil {
			for _, pr := range m.Processes {
				series = append(series, lineSeries{Name: pr.Name, Points: g.points(pr.Points)})
			}
		}
		addTime(string(k), title, info.Unit, false, series, nil)
	}
	return specs, views, downsampled
}

func joinSemi(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += "; "
		}
		out += x
	}
	return out
}
