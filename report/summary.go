package report

import (
	"slices"
	"sort"
	"time"
)

// Normalize sorts points by time and keeps the last value of a repeated
// timestamp, as the contract says.
func Normalize(points []Point) []Point {
	if len(points) == 0 {
		return points
	}
	out := slices.Clone(points)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	w := 0
	for i := range out {
		if w > 0 && out[w-1].Time.Equal(out[i].Time) {
			out[w-1] = out[i] // a repeated timestamp keeps the last value
			continue
		}
		out[w] = out[i]
		w++
	}
	return out[:w]
}

// FoldDays folds (hourly) points into local days of loc: by sum or by the
// arithmetic mean of the day's buckets. A day's point is at the local
// midnight that starts it, so a 23 h or 25 h day across a DST change stays
// one day. Points must be normalized.
func FoldDays(points []Point, loc *time.Location, fold Fold) []Point {
	return foldBy(points, fold, func(t time.Time) time.Time { return LocalMidnight(t, loc) })
}

// FoldLocal folds (hourly) points into buckets of the local clock of loc:
// local days for a bucket of 24h (FoldDays), else blocks of whole hours
// counted from local midnight (6h: 00:00, 06:00, 12:00 and 18:00 local
// time, whatever the zone's offset from UTC). A block across a DST change
// holds the hours the clock gave it (5 or 7). Points must be normalized.
func FoldLocal(points []Point, loc *time.Location, bucket time.Duration, fold Fold) []Point {
	hours := int(bucket / time.Hour)
	if bucket >= 24*time.Hour || hours < 1 {
		return FoldDays(points, loc, fold)
	}
	return foldBy(points, fold, func(t time.Time) time.Time {
		lt := t.In(loc)
		h := lt.Hour() / hours * hours
		if h == 0 {
			return LocalMidnight(t, loc)
		}
		y, m, d := lt.Date()
		return time.Date(y, m, d, h, 0, 0, 0, loc)
	})
}

// foldBy folds normalized points into the buckets key gives them.
func foldBy(points []Point, fold Fold, key func(time.Time) time.Time) []Point {
	var out []Point
	var sum float64
	var n int
	var day time.Time
	flush := func() {
		if n == 0 {
			return
		}
		v := sum
		if fold == FoldMean {
			v = sum / float64(n)
		}
		out = append(out, Point{Time: day, Value: v})
	}
	for _, p := range points {
		d := key(p.Time)
		if n > 0 && !d.Equal(day) {
			flush()
			sum, n = 0, 0
		}
		day = d
		sum += p.Value
		n++
	}
	flush()
	return out
}

// LocalMidnight returns the first instant of t's local day in loc: its
// midnight, or the end of the gap in zones whose clocks skip midnight.
func LocalMidnight(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return dayStart(y, m, d, loc)
}

// Summarize computes the headline figures of points: total (sum), average
// (arithmetic mean) and peak (maximum). With no points every figure is nil.
func Summarize(points []Point) Summary {
	if len(points) == 0 {
		return Summary{}
	}
	var sum float64
	peak := points[0].Value
	for _, p := range points {
		sum += p.Value
		peak = max(peak, p.Value)
	}
	return Summary{Total: F(sum), Average: F(sum / float64(len(points))), Peak: F(peak)}
}

// Finalize normalizes every series of the report and computes its summaries,
// keeping only the figures the contract gives each metric. It is idempotent.
func Finalize(r *Report) {
	for pi := range r.Periods {
		finalizePeriod(&r.Periods[pi])
		if prev := r.Periods[pi].Previous; prev != nil {
			finalizePeriod(prev)
		}
	}
}

func finalizePeriod(p *Period) {
	for ai := range p.Apps {
		for _, m := range p.Apps[ai].Metrics {
			finalizeMetric(m)
		}
	}
}

func finalizeMetric(m *Metric) {
	info, ok := Info(m.Key)
	if !ok {
		return
	}
	m.Unit = info.Unit
	change := m.Summary.Change
	switch info.Kind {
	case KindSeries:
		m.Points = Normalize(m.Points)
		m.Summary = finePeak(pick(Summarize(m.Points), info), m.FinePeak)
	case KindRuns:
		var total float64
		for _, r := range m.Runs {
			total += r.Seconds
		}
		m.Summary = Summary{Total: F(total)}
		if len(m.Runs) == 0 {
			m.Summary = Summary{Total: F(0)} // no runs in the period: zero seconds ran
		}
	case KindProcesses:
		sort.SliceStable(m.Processes, func(i, j int) bool { return m.Processes[i].Name < m.Processes[j].Name })
		for i := range m.Processes {
			pr := &m.Processes[i]
			ch := pr.Summary.Change
			pr.Points = Normalize(pr.Points)
			pr.Summary = finePeak(pick(Summarize(pr.Points), info), pr.FinePeak)
			pr.Summary.Change = ch
		}
	case KindRows:
		sort.SliceStable(m.Rows, func(i, j int) bool { return m.Rows[i].AvgResponseTimeMS > m.Rows[j].AvgResponseTimeMS })
	}
	m.Summary.Change = change
}

// finePeak puts the hourly peak (Metric.FinePeak) in place of the peak of
// the folded buckets, where the metric has a peak and it was fetched.
func finePeak(s Summary, fine *float64) Summary {
	if s.Peak != nil && fine != nil && finiteNum(*fine) {
		s.Peak = F(*fine)
	}
	return s
}

func pick(s Summary, info MetricInfo) Summary {
	if !info.HasTotal {
		s.Total = nil
	}
	if !info.HasAverage {
		s.Average = nil
	}
	if !info.HasPeak {
		s.Peak = nil
	}
	return s
}
