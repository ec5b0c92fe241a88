package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// This file holds the insights: the change of every headline figure
// against the previous period and the threshold crossings. How values are
// shown to people (FormatValue and friends) is in format.go.

// ---------------------------------------------------------------------------
// Change against the previous period

// CompareWithPrevious sets Summary.Change on every headline summary of every
// period that has a Previous period: on the metric's Summary for series and
// run metrics, and on each Process's Summary for cpu_usage and memory_usage
// (the metric-level Summary of a per-process metric is left alone, as it is
// not used). Apps are matched by ID, processes by name.
//
// Change.Previous holds the previous figures the metric has (the others stay
// nil); Change.Percent holds (current − previous) / |previous| × 100 per
// figure, nil when either side has no data (app, metric, process or figure
// absent from the previous period, or a nil or non-finite figure) or when
// the previous value is zero and the current one is not ("new"). Zero to
// zero is a change of 0 %. ChangeLabel turns a figure pair into the text
// and direction to show.
//
// Call it after Finalize, which computes the figures it compares (Finalize
// keeps a Change that is already set). It is idempotent, and it leaves
// periods without a Previous untouched.
func CompareWithPrevious(r *Report) {
	eachCompared(r, func(key MetricKey, m, prevMetric *Metric) {
		info, _ := Info(key)
		switch info.Kind {
		case KindSeries, KindRuns:
			var prev *Summary
			if prevMetric != nil {
				prev = &prevMetric.Summary
			}
			m.Summary.Change = compareSummary(info, m.Summary, prev)
		case KindProcesses:
			for i := range m.Processes {
				pr := &m.Processes[i]
				var prev *Summary
				if prevMetric != nil {
					if pp := compareProcess(prevMetric.Processes, pr.Name); pp != nil {
						prev = &pp.Summary
					}
				}
				pr.Summary.Change = compareSummary(info, pr.Summary, prev)
			}
		}
	})
}

// eachCompared calls fn for every metric of every app in a period that
// is compared, with the same metric of the same app (by ID) in the
// previous period, nil when it has none.
func eachCompared(r *Report, fn func(key MetricKey, m, prev *Metric)) {
	for pi := range r.Periods {
		p := &r.Periods[pi]
		if p.Previous == nil {
			continue
		}
		for ai := range p.Apps {
			a := &p.Apps[ai]
			prevApp := compareApp(p.Previous.Apps, a.ID)
			for _, key := range AllMetrics() {
				m := a.Metrics[key]
				if m == nil {
					continue
				}
				var prev *Metric
				if prevApp != nil {
					prev = prevApp.Metrics[key]
				}
				fn(key, m, prev)
			}
		}
	}
}

func compareApp(apps []App, id string) *App {
	for i := range apps {
		if apps[i].ID == id {
			return &apps[i]
		}
	}
	return nil
}

func compareProcess(ps []Process, name string) *Process {
	for i := range ps {
		if ps[i].Name == name {
			return &ps[i]
		}
	}
	return nil
}

// compareSummary builds the Change of cur against prev (nil: no previous
// data), for the figures the metric has. Previous figures are copies, never
// pointers into the previous period.
func compareSummary(info MetricInfo, cur Summary, prev *Summary) *Change {
	c := &Change{}
	if prev == nil {
		return c
	}
	if info.HasTotal {
		c.Previous.Total = copyFigure(prev.Total)
		c.Percent.Total = changePercent(prev.Total, cur.Total)
	}
	if info.HasAverage {
		c.Previous.Average = copyFigure(prev.Average)
		c.Percent.Average = changePercent(prev.Average, cur.Average)
	}
	if info.HasPeak {
		c.Previous.Peak = copyFigure(prev.Peak)
		c.Percent.Peak = changePercent(prev.Peak, cur.Peak)
	}
	return c
}

func copyFigure(v *float64) *float64 {
	if v == nil {
		return nil
	}
	return F(*v)
}

func finiteNum(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// changePercent is the change from prev to cur in percent; nil when either
// is missing or not finite, or when prev is zero and cur is not.
func changePercent(prev, cur *float64) *float64 {
	if prev == nil || cur == nil || !finiteNum(*prev) || !finiteNum(*cur) {
		return nil
	}
	if *prev == 0 {
		if *cur == 0 {
			return F(0)
		}
		return nil
	}
	pct := (*cur - *prev) / math.Abs(*prev) * 100
	if !finiteNum(pct) {
		return nil
	}
	return F(pct)
}

// Direction says what a change means for the reader.
type Direction int

const (
	// Neutral: no change worth showing, or a change that is neither good
	// nor bad news (bandwidth, run time).
	Neutral Direction = iota
	// Better: good news (lower latency, CPU, memory or build time; more
	// requests).
	Better
	// Worse: bad news (higher latency, CPU, memory or build time; fewer
	// requests).
	Worse
	// New: the previous value was zero and the current one is not.
	New
	// Unknown: no previous (or no current) data to compare with.
	Unknown
)

// String returns "neutral", "better", "worse", "new" or "unknown": a word
// for plain-text outputs and a stable name for CSS classes.
func (d Direction) String() string {
	switch d {
	case Better:
		return "better"
	case Worse:
		return "worse"
	case New:
		return "new"
	case Unknown:
		return "unknown"
	default:
		return "neutral"
	}
}

// Arrows shown next to a change. They show the movement of the figure
// (up, down, level); the Direction (and its colour) says whether that is
// good or bad, so the two together never rely on colour alone.
const (
	ArrowUp    = "▲"
	ArrowDown  = "▼"
	ArrowLevel = "●"
)

// ChangeView is everything a renderer shows for one figure's change.
type ChangeView struct {
	// Text is "+12.3%", "−4.0%" (with U+2212), "0.0%", "new" or "n/a".
	Text string
	// Arrow is ArrowUp, ArrowDown or ArrowLevel; empty for "n/a".
	Arrow string
	// Dir is the meaning of the change for this metric.
	Dir Direction
}

// String is the arrow and the text, e.g. "▲ +12.3%", or "n/a".
func (v ChangeView) String() string {
	if v.Arrow == "" {
		return v.Text
	}
	return v.Arrow + " " + v.Text
}

// DescribeChange describes the change of one figure from prev to cur:
//
//   - either missing (or not finite): "n/a", no arrow, Unknown;
//   - prev zero and cur not: "new", ArrowUp (ArrowDown if cur < 0), New;
//   - a change that rounds to 0.0 %, or zero to zero: "0.0%", ArrowLevel,
//     Neutral;
//   - otherwise the signed percent with one decimal, the arrow of the
//     movement, and the direction the metric gives it: a rise of a metric
//     whose MoreIsBad is set (latency, CPU, memory, build time) is Worse
//     and a fall Better; for http_requests a rise is Better and a fall
//     Worse (traffic lost); for the other metrics (bandwidth, run time) a
//     change is Neutral: more bandwidth is usage, neither good nor bad.
func DescribeChange(info MetricInfo, prev, cur *float64) ChangeView {
	if prev == nil || cur == nil || !finiteNum(*prev) || !finiteNum(*cur) {
		return ChangeView{Text: "n/a", Dir: Unknown}
	}
	if *prev == 0 && *cur != 0 {
		arrow := ArrowUp
		if *cur < 0 {
			arrow = ArrowDown
		}
		return ChangeView{Text: "new", Arrow: arrow, Dir: New}
	}
	pct := changePercent(prev, cur)
	if pct == nil { // overflow of a huge change
		return ChangeView{Text: "n/a", Dir: Unknown}
	}
	rounded := math.Round(*pct*10) / 10
	if rounded == 0 {
		return ChangeView{Text: "0.0%", Arrow: ArrowLevel, Dir: Neutral}
	}
	text := strconv.FormatFloat(math.Abs(rounded), 'f', 1, 64) + "%"
	rise := rounded > 0
	v := ChangeView{Text: "+" + text, Arrow: ArrowUp}
	if !rise {
		v = ChangeView{Text: "−" + text, Arrow: ArrowDown}
	}
	switch {
	case info.MoreIsBad && rise, !info.MoreIsBad && info.Key == HTTPRequests && !rise:
		v.Dir = Worse
	case info.MoreIsBad && !rise, !info.MoreIsBad && info.Key == HTTPRequests && rise:
		v.Dir = Better
	default:
		v.Dir = Neutral
	}
	return v
}

// ChangeLabel returns the text and direction of the change of one figure
// from prev to cur; see DescribeChange. For a summary s with s.Change set:
// ChangeLabel(info, s.Change.Previous.Peak, s.Peak).
func ChangeLabel(info MetricInfo, prev, cur *float64) (text string, dir Direction) {
	v := DescribeChange(info, prev, cur)
	return v.Text, v.Dir
}

// Arrow returns the arrow of the movement from prev to cur (ArrowUp,
// ArrowDown or ArrowLevel), or "" when there is nothing to compare; see
// DescribeChange.
func Arrow(prev, cur *float64) string {
	return DescribeChange(MetricInfo{}, prev, cur).Arrow
}

// ---------------------------------------------------------------------------
// Thresholds

// EvaluateThresholds returns every crossing of ts in r (a value strictly
// above the limit), in a stable order: by period, then app (as in the
// report), then threshold (as in ts), then process (by name), then time.
// It does not set r.Alerts; the caller does. Previous periods are ignored.
//
// For each threshold, in each period, for each app its Apps admit (exact
// match against the app's ID, Name or DisplayName; empty admits all) that
// has the metric: the value checked is the summary figure named by On
// (empty means peak) or, for any_bucket, every point, each one above the
// limit an Alert with its bucket's Time and HasTime. cpu_usage and
// memory_usage are checked per process. A figure the contract does not give
// the metric (total of a latency, say) is computed from the points all the
// same; for run_time the runs are the buckets (at their start). For
// slowest_requests every mode checks the slowest request's average time
// (the rows have no time), and the alert says peak. Unknown metrics and modes, and metrics
// without data, raise nothing (the config validates them).
func EvaluateThresholds(r *Report, ts []Threshold) []Alert {
	var alerts []Alert
	for _, p := range r.Periods {
		for _, a := range p.Apps {
			for _, t := range ts {
				info, ok := Info(t.Metric)
				if !ok || !thresholdAdmits(a, t.Apps) {
					continue
				}
				m := a.Metrics[t.Metric]
				if m == nil {
					continue
				}
				on := t.On
				if on == "" || info.Kind == KindRows {
					on = OnPeak // rows have no time: every mode checks the slowest
				}
				base := Alert{
					App: a.Label(), AppID: a.ID, Period: p.Name, Metric: t.Metric, On: on,
					Limit: t.Above, Unit: info.Unit, Threshold: t.Raw,
				}
				if base.Threshold == "" {
					base.Threshold = FormatValue(info.Unit, t.Above)
				}
				for _, tg := range thresholdTargets(info, m) {
					limit, ok := thresholdLimit(t, tg)
					if !ok {
						continue // no plan limit to be a share of: Build notes it
					}
					for _, c := range thresholdCrossings(tg, on, limit) {
						al := base
						al.Limit = limit
						al.Process = tg.process
						if c.index >= 0 && tg.pointProcess != nil {
							al.Process = tg.pointProcess[c.index] // a run's own process
						}
						al.Value = c.Value
						if on == OnAnyBucket {
							al.Time, al.HasTime = c.Time, true
						}
						alerts = append(alerts, al)
					}
				}
			}
		}
	}
	return alerts
}

// thresholdLimit is the limit of t for tg in the metric's unit: t.Above,
// or for `above: N% of limit` N % of the process's memory_limit (taken as
// bytes, as the workbook does); cpu_usage is a percentage of the process's
// CPU already, so N% of its limit is N percent. ok is false when a
// memory process has no limit.
func thresholdLimit(t Threshold, tg thresholdTarget) (float64, bool) {
	if !t.OfLimit || t.Metric != MemoryUsage {
		return t.Above, true
	}
	if !(tg.planLimit > 0) || !finiteNum(tg.planLimit) {
		return 0, false
	}
	return tg.planLimit * t.Above / 100, true
}

// thresholdTarget is one thing a threshold checks: a series (or a
// process's series) with its summary.
type thresholdTarget struct {
	// planLimit is the process's cpu_limit or memory_limit (0: none).
	planLimit float64
	process   string
	points    []Point
	summary   Summary
	// pointProcess names each point's process where the points are of
	// several (run_time's runs); nil otherwise.
	pointProcess []string
}

// crossing is a value above a limit: a bucket (index into the target's
// points) or a summary figure (index -1).
type crossing struct {
	Point
	index int
}

func thresholdTargets(info MetricInfo, m *Metric) []thresholdTarget {
	switch info.Kind {
	case KindProcesses:
		out := make([]thresholdTarget, 0, len(m.Processes))
		for _, pr := range m.Processes {
			out = append(out, thresholdTarget{process: pr.Name, points: pr.Points, summary: pr.Summary, planLimit: pr.Limit})
		}
		return out
	case KindRuns:
		pts := make([]Point, len(m.Runs))
		procs := make([]string, len(m.Runs))
		for i, run := range m.Runs {
			pts[i] = Point{Time: run.Start, Value: run.Seconds}
			procs[i] = run.ProcessID
		}
		return []thresholdTarget{{points: pts, summary: m.Summary, pointProcess: procs}}
	case KindRows:
		pts := make([]Point, len(m.Rows))
		for i, row := range m.Rows {
			pts[i] = Point{Value: row.AvgResponseTimeMS}
		}
		return []thresholdTarget{{points: pts}}
	default:
		return []thresholdTarget{{points: m.Points, summary: m.Summary}}
	}
}

// thresholdCrossings returns the values of tg above limit for mode on: one
// point for a summary figure (Time unset), every bucket above for
// any_bucket.
func thresholdCrossings(tg thresholdTarget, on string, limit float64) []crossing {
	if on == OnAnyBucket {
		var out []crossing
		for i, pt := range tg.points {
			if pt.Value > limit {
				out = append(out, crossing{Point: pt, index: i})
			}
		}
		return out
	}
	computed := Summarize(tg.points)
	var v *float64
	switch on {
	case OnPeak:
		v = firstFigure(tg.summary.Peak, computed.Peak)
	case OnAverage:
		v = firstFigure(tg.summary.Average, computed.Average)
	case OnTotal:
		v = firstFigure(tg.summary.Total, computed.Total)
	}
	if v == nil || !(*v > limit) {
		return nil
	}
	return []crossing{{Point: Point{Value: *v}, index: -1}}
}

func firstFigure(a, b *float64) *float64 {
	if a != nil {
		return a
	}
	return b
}

func thresholdAdmits(a App, filter []string) bool {
	if len(filter) == 0 {
		return true
	}
	for _, f := range filter {
		if MatchesApp(f, a.ID, a.Name, a.DisplayName) {
			return true
		}
	}
	return false
}

// MatchesApp is the one rule by which a config entry names an app (in a
// report's apps and a threshold's apps): its id, name or display_name, in
// any case (SHOP and "marketing site" match shop and Marketing Site).
func MatchesApp(want, id, name, displayName string) bool {
	return want != "" && (strings.EqualFold(want, id) || strings.EqualFold(want, name) || strings.EqualFold(want, displayName))
}

// AlertedApps returns the number of distinct rows in alerts: apps (by ID,
// else label) and site environments (by site ID and environment ID, else
// label), as the tables that mark alerted rows count them: a site whose
// live and staging environments both crossed counts twice, a site whose
// live environment alone crossed once.
func AlertedApps(alerts []Alert) int {
	seen := map[string]bool{}
	for _, a := range alerts {
		k := AlertKey(a)
		if a.AppID == "" {
			k = "label\x00" + a.App
		}
		seen[k] = true
	}
	return len(seen)
}

// AlertKey names the row an alert belongs to, for marking a period's
// table rows and counting what crossed: AppKey of an app alert's AppID,
// SiteKey of a site alert's AppID and EnvironmentID. A site's environments
// share its id, so a site row is known by both ids; an app alert never
// marks a site row of the same id, nor the other way round.
func AlertKey(a Alert) string {
	if IsSiteThresholdMetric(string(a.Metric)) {
		return SiteKey(a.AppID, a.EnvironmentID)
	}
	return AppKey(a.AppID)
}

// AppKey is the AlertKey of the app with id.
func AppKey(id string) string { return "app\x00" + id }

// SiteKey is the AlertKey of the site environment with the site id and
// environment id envID (Site.ID, Site.EnvironmentID).
func SiteKey(id, envID string) string { return "site\x00" + id + "\x00" + envID }

// AlertHeadline is the line that leads the email and the HTML report:
// "1 app crossed a threshold", "2 apps crossed a threshold"; "" without
// alerts.
func AlertHeadline(alerts []Alert) string {
	if h, ok := siteAlertHeadline(alerts); ok { // insights_sites.go
		return h
	}
	n := AlertedApps(alerts)
	switch n {
	case 0:
		return ""
	case 1:
		return "1 app crossed a threshold"
	default:
		return fmt.Sprintf("%d apps crossed a threshold", n)
	}
}

// ShouldSend says whether a report's email goes out: with send "on_alert"
// only when there are alerts; with "always", "" or anything else (the
// config rejects other values) always.
func ShouldSend(send string, alerts []Alert) bool {
	if send == SendOnAlert {
		return len(alerts) > 0
	}
	return true
}
