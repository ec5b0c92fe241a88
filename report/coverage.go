package report

import (
	"fmt"
	"math"
	"time"
)

// MinCoverage is the coverage both periods need for a change to be shown:
// a change between a period and one only partly there (past Kinsta's
// retention and not in the history, an outage of the API) compares
// different things. 90 % lets a week miss its last half-day of data.
const MinCoverage = 0.9

// SetCoverage sets Metric.Coverage on every metric of every period and
// previous period: the buckets of the period that hold data ÷ the whole
// buckets in [Start, End) at the period's interval (local days when it is
// a day). A bucket holds data when a point lies in it (for per-process
// metrics: a point of any process). For run_time it is the time covered by
// runs ÷ the period's length. Slowest requests have none. Call it after
// Finalize.
func SetCoverage(r *Report) {
	for pi := range r.Periods {
		setPeriodCoverage(&r.Periods[pi])
		if prev := r.Periods[pi].Previous; prev != nil {
			setPeriodCoverage(prev)
		}
	}
}

func setPeriodCoverage(p *Period) {
	for ai := range p.Apps {
		for _, m := range p.Apps[ai].Metrics {
			m.Coverage = Coverage(*p, m)
		}
	}
}

// Coverage is the coverage of m in p (see SetCoverage); nil when it does
// not apply.
func Coverage(p Period, m *Metric) *float64 {
	info, ok := Info(m.Key)
	if !ok || !p.End.After(p.Start) {
		return nil
	}
	switch info.Kind {
	case KindSeries, KindProcesses:
		buckets := bucketCount(p)
		if buckets == 0 {
			return nil
		}
		seen := map[int64]bool{}
		count := func(ps []Point) {
			for _, pt := range ps {
				if !pt.Time.Before(p.Start) && pt.Time.Before(p.End) {
					seen[pt.Time.Unix()] = true
				}
			}
		}
		count(m.Points)
		for _, pr := range m.Processes {
			count(pr.Points)
		}
		return F(math.Min(1, float64(len(seen))/float64(buckets)))
	case KindRuns:
		return F(runCoverage(p.Start, p.End, m.Runs))
	}
	return nil
}

// bucketCount is the number of whole buckets in p: local days for a daily
// period (a 23 or 25 hour day is one), else whole intervals (a to-date
// period's bucket still under way does not count).
func bucketCount(p Period) int {
	if p.Interval <= 0 {
		return 0
	}
	if p.Interval == 24*time.Hour {
		loc := p.Start.Location()
		n := 0
		for d := LocalMidnight(p.Start, loc); d.Before(p.End); {
			y, m, dd := d.Date()
			next := dayStart(y, m, dd+1, loc)
			if !next.After(p.End) && !d.Before(p.Start) {
				n++
			}
			d = next
		}
		return n
	}
	return int(p.End.Sub(p.Start) / p.Interval)
}

// runCoverage is the share of [start, end) that the runs cover (any
// process).
func runCoverage(start, end time.Time, runs []Run) float64 {
	type span struct{ s, e time.Time }
	var spans []span
	for _, r := range runs {
		s, e := r.Start, r.End
		if s.Before(start) {
			s = start
		}
		if e.After(end) {
			e = end
		}
		if e.After(s) {
			spans = append(spans, span{s, e})
		}
	}
	// Union of the spans: sort by start and sweep.
	for i := 1; i < len(spans); i++ {
		for j := i; j > 0 && spans[j].s.Before(spans[j-1].s); j-- {
			spans[j], spans[j-1] = spans[j-1], spans[j]
		}
	}
	var covered time.Duration
	var cur span
	for i, s := range spans {
		switch {
		case i == 0:
			cur = s
		case !s.s.After(cur.e):
			if s.e.After(cur.e) {
				cur.e = s.e
			}
		default:
			covered += cur.e.Sub(cur.s)
			cur = s
		}
	}
	if len(spans) > 0 {
		covered += cur.e.Sub(cur.s)
	}
	return math.Min(1, float64(covered)/float64(end.Sub(start)))
}

// GateChanges withholds every change whose periods are not both covered
// enough (MinCoverage): its Percent figures are cleared and its Reason
// says why, e.g. "n/a: previous period 34 % covered". Previous figures
// stay, for whoever wants them. Call it after CompareWithPrevious.
func GateChanges(r *Report) {
	eachCompared(r, func(_ MetricKey, m, prev *Metric) {
		var prevCov *float64
		if prev != nil {
			prevCov = prev.Coverage
		}
		gate(m.Summary.Change, m.Coverage, prevCov)
		for i := range m.Processes {
			gate(m.Processes[i].Summary.Change, m.Coverage, prevCov)
		}
	})
}

func gate(c *Change, cur, prev *float64) {
	if c == nil {
		return
	}
	c.PreviousCoverage = copyFigure(prev)
	c.Reason = CoverageReason(cur, prev)
	if c.Reason != "" {
		c.Percent = Figures{}
	}
}

// CoverageReason is why a change between periods covered cur and prev
// (nil: not measured) is not shown, or "" when both are covered enough.
// Percentages are rounded down, so a period shown as 90 % is covered
// enough.
func CoverageReason(cur, prev *float64) string {
	low := func(c *float64) bool { return c != nil && *c < MinCoverage }
	pct := func(c *float64) int { return int(math.Floor(*c * 100)) }
	switch {
	case low(cur) && low(prev):
		return fmt.Sprintf("n/a: this period %d %%, previous period %d %% covered", pct(cur), pct(prev))
	case low(prev):
		return fmt.Sprintf("n/a: previous period %d %% covered", pct(prev))
	case low(cur):
		return fmt.Sprintf("n/a: this period %d %% covered", pct(cur))
	}
	return ""
}
