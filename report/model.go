// Package report holds the report model, the configuration and its
// validation, period resolution and the summaries. It is pure: no network,
// no environment, no clock. Everything else in the module (fetch, the
// renderers, delivery) speaks in these types.
package report

import (
	"time"
)

// MetricKey names a metric as the contract (and reports.yaml) spells it.
type MetricKey string

// The metric keys of the contract, in the order reports show them.
const (
	Bandwidth       MetricKey = "bandwidth"
	BuildTime       MetricKey = "build_time"
	RunTime         MetricKey = "run_time"
	HTTPRequests    MetricKey = "http_requests"
	ResponseTimeAvg MetricKey = "response_time_avg"
	ResponseTimeP50 MetricKey = "response_time_p50"
	ResponseTimeP95 MetricKey = "response_time_p95"
	SlowestRequests MetricKey = "slowest_requests"
	CPUUsage        MetricKey = "cpu_usage"
	MemoryUsage     MetricKey = "memory_usage"
)

// Unit is the unit a metric's values are in, as the JSON document names it.
type Unit string

// Units of the contract.
const (
	UnitBytes             Unit = "bytes"
	UnitSeconds           Unit = "seconds"
	UnitRequestsPerMinute Unit = "requests_per_minute"
	UnitMS                Unit = "ms"
	UnitPercent           Unit = "percent"
)

// Kind says which shape a metric's data has.
type Kind int

const (
	// KindSeries is a time series of points (bandwidth, build time, requests,
	// response times).
	KindSeries Kind = iota
	// KindRuns is a list of process runs (run time).
	KindRuns
	// KindRows is a list of slowest requests.
	KindRows
	// KindProcesses is one time series per process (CPU and memory).
	KindProcesses
)

// Fold says how hourly buckets fold into a local day.
type Fold int

const (
	// FoldMean folds by the arithmetic mean of the day's buckets.
	FoldMean Fold = iota
	// FoldSum folds by the sum of the day's buckets.
	FoldSum
)

// MetricInfo describes a metric: its title, unit, shape and which summary
// figures it has.
type MetricInfo struct {
	Key   MetricKey
	Title string // human title, e.g. "P95 response time"
	Unit  Unit
	Kind  Kind
	Fold  Fold
	// HasTotal, HasAverage and HasPeak say which summary figures the
	// contract gives this metric.
	HasTotal, HasAverage, HasPeak bool
	// MoreIsBad is true when a rise of this metric is bad news (latency,
	// CPU, memory, build time); false when a rise is neutral or good
	// (requests, bandwidth).
	MoreIsBad bool
}

var metricInfos = []MetricInfo{
	{Key: Bandwidth, Title: "Bandwidth", Unit: UnitBytes, Kind: KindSeries, Fold: FoldSum, HasTotal: true, HasPeak: true},
	{Key: BuildTime, Title: "Build time", Unit: UnitSeconds, Kind: KindSeries, Fold: FoldSum, HasTotal: true, HasPeak: true, MoreIsBad: true},
	{Key: RunTime, Title: "Run time", Unit: UnitSeconds, Kind: KindRuns, HasTotal: true},
	{Key: HTTPRequests, Title: "HTTP requests per minute", Unit: UnitRequestsPerMinute, Kind: KindSeries, HasAverage: true, HasPeak: true},
	{Key: ResponseTimeAvg, Title: "Average response time", Unit: UnitMS, Kind: KindSeries, HasAverage: true, HasPeak: true, MoreIsBad: true},
	{Key: ResponseTimeP50, Title: "P50 response time", Unit: UnitMS, Kind: KindSeries, HasAverage: true, HasPeak: true, MoreIsBad: true},
	{Key: ResponseTimeP95, Title: "P95 response time", Unit: UnitMS, Kind: KindSeries, HasAverage: true, HasPeak: true, MoreIsBad: true},
	{Key: SlowestRequests, Title: "Slowest requests", Unit: UnitMS, Kind: KindRows},
	{Key: CPUUsage, Title: "CPU usage", Unit: UnitPercent, Kind: KindProcesses, HasAverage: true, HasPeak: true, MoreIsBad: true},
	{Key: MemoryUsage, Title: "Memory usage", Unit: UnitBytes, Kind: KindProcesses, HasAverage: true, HasPeak: true, MoreIsBad: true},
}

// AllMetrics returns every metric key in the contract's order.
func AllMetrics() []MetricKey {
	keys := make([]MetricKey, len(metricInfos))
	for i, m := range metricInfos {
		keys[i] = m.Key
	}
	return keys
}

// Info returns the description of a metric; ok is false for an unknown key.
func Info(k MetricKey) (MetricInfo, bool) {
	for _, m := range metricInfos {
		if m.Key == k {
			return m, true
		}
	}
	return MetricInfo{}, false
}

// Report is one report of the config, fetched and summarised: what every
// renderer draws from.
type Report struct {
	Name        string
	GeneratedAt time.Time
	// Location is the report's time zone: every date shown is in it.
	Location  *time.Location
	CompanyID string
	Periods   []Period
	// Users is the company roster; nil when the report does not include it.
	Users []User
	// UsersMissing says why the roster is absent when it was asked for but
	// could not be fetched; empty otherwise.
	UsersMissing string
	API          APIStats
	// Notes are report-wide remarks shown in every output (for example
	// "previous_month reaches back past Kinsta's 30-day retention").
	Notes []string
	// Alerts are the threshold crossings, in a stable order.
	Alerts []Alert
	// Metrics are the metric keys the report asked for, in contract order.
	Metrics []MetricKey
}

// Period is one period of a report with the data of every app in it.
type Period struct {
	Name string
	// Start and End are the half-open range [Start, End) in the report's
	// time zone.
	Start, End time.Time
	// Interval is the bucket size of the points (time.Hour or 24*time.Hour,
	// or 6*time.Hour); a day of 24h means local days.
	Interval time.Duration
	Apps     []App
	// Sites are the WordPress site environments of the period (additive).
	Sites []Site
	// Notes are remarks about this period (retention, downsampling).
	Notes []string
	// Previous is the same period shifted back, when the report compares
	// against it; nil otherwise. Its Apps carry the previous figures.
	Previous *Period
}

// App is one application with its metrics for one period.
type App struct {
	ID          string
	Name        string
	DisplayName string
	// Metrics holds every metric that was fetched. Iterate in the order of
	// Report.Metrics (or AllMetrics), never over the map.
	Metrics map[MetricKey]*Metric
	// Missing lists the metrics that could not be fetched, with the reason,
	// in contract order.
	Missing []Missing
}

// Label is the name to show for an app: its display name, else its name.
func (a App) Label() string {
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return a.Name
}

// Missing is a metric that could not be fetched.
type Missing struct {
	Metric MetricKey
	Error  string
}

// Metric is the data of one metric of one app in one period. Which fields
// are set follows the metric's Kind.
type Metric struct {
	Key  MetricKey
	Unit Unit
	// Points (KindSeries): sorted by time, one per bucket.
	Points []Point
	// Runs (KindRuns).
	Runs []Run
	// Rows (KindRows): slowest requests, slowest first.
	Rows []SlowRequest
	// Processes (KindProcesses): sorted by name.
	Processes []Process
	// Summary of Points or Runs (not used for KindProcesses and KindRows).
	Summary Summary
	// Coverage is the share of the period's buckets that hold data, 0 to 1
	// (coverage.go); nil where it does not apply (slowest requests, a
	// period without a whole bucket).
	Coverage *float64
	// FinePeak is the highest of the hourly points that were folded into
	// Points (daily or 6-hour buckets fetched hourly) for a metric folded
	// by mean; nil otherwise. Finalize makes it the Summary's Peak: the
	// highest hour, not the highest daily average.
	FinePeak *float64
}

// Point is one bucket of a series. Time is the start of the bucket, in the
// report's time zone.
type Point struct {
	Time  time.Time
	Value float64
}

// Summary holds the headline figures of a series. A nil figure means no
// data (never shown as 0). Which figures apply is in MetricInfo.
type Summary struct {
	Total   *float64
	Average *float64
	Peak    *float64
	// Change against the previous period, set when the report compares.
	Change *Change
}

// Change compares a summary with the previous period's.
type Change struct {
	// Previous holds the previous period's figures (nil figures: no data).
	Previous Figures
	// Percent holds the change in percent per figure; nil when it cannot be
	// computed (no data on either side, or a zero previous value: "new").
	Percent Figures
	// PreviousCoverage is the previous metric's Coverage.
	PreviousCoverage *float64
	// Reason says why Percent is not shown although both periods have
	// figures, e.g. "n/a: previous period 34 % covered" (coverage.go);
	// renderers show it instead of a change.
	Reason string
}

// Figures is a set of optional headline figures.
type Figures struct {
	Total, Average, Peak *float64
}

// Run is one process run of the run-time metric.
type Run struct {
	ProcessID  string
	Plan       string
	Seconds    float64
	Start, End time.Time
}

// SlowRequest is one row of the slowest-requests metric.
type SlowRequest struct {
	Path              string
	AvgResponseTimeMS float64
	RequestCount      float64
}

// Process is the series of one process (CPU or memory).
type Process struct {
	Name string
	// Limit is Kinsta's cpu_limit or memory_limit, as given (unit not
	// documented by Kinsta).
	Limit   float64
	Points  []Point
	Summary Summary
	// FinePeak is as Metric.FinePeak, for this process.
	FinePeak *float64
}

// User is one member of the company roster.
type User struct {
	ID       string
	FullName string
	Email    string
	Image    string
}

// APIStats is the API accounting of a run.
type APIStats struct {
	Requests    int
	Retries     int
	RateLimited int
	Wait        time.Duration
}

// Alert is one threshold crossing.
type Alert struct {
	App   string // the app's label
	AppID string
	// EnvironmentID is a site alert's environment id: a site's live and
	// staging environments share its id (AppID), so a site environment is
	// (AppID, EnvironmentID); AlertKey names it. Empty for an app alert.
	EnvironmentID string
	Period        string
	Metric        MetricKey
	Process       string // for per-process metrics; empty otherwise
	On            string // peak | average | total | any_bucket
	Time          time.Time
	HasTime       bool // set for any_bucket crossings: the bucket's start
	Value         float64
	Limit         float64
	Unit          Unit
	Threshold     string // the threshold as written in the config, e.g. "800ms"
}

// F returns a pointer to v; a helper for optional figures.
func F(v float64) *float64 { return &v }

// Threshold is one limit of a report's thresholds, parsed from the config.
type Threshold struct {
	Metric MetricKey
	// Above is the limit in the metric's unit (bytes, seconds, ms,
	// requests_per_minute, percent).
	Above float64
	// On is peak | average | total | any_bucket.
	On string
	// Apps limits the threshold to these apps (matched by id, name or
	// display_name); empty means every app.
	Apps []string
	// Raw is the limit as written in the config, e.g. "800ms".
	Raw string
	// Site is the site metric of a site threshold (metric: site.visits and
	// so on; Metric then holds "site.visits"), empty for an app threshold;
	// Sites limits it to these sites. See insights_sites.go.
	Site  SiteMetricKey
	Sites []string
	// OfLimit says Above is a percentage of the process's plan limit
	// (`above: 90% of limit`, cpu_usage and memory_usage only): for
	// memory_usage Above% of memory_limit (taken as bytes); for cpu_usage,
	// which Kinsta gives as a percentage of the process's CPU already,
	// Above percent.
	OfLimit bool
	// Line is the threshold's line in the config file; AppLines the lines
	// of the entries of Apps.
	Line     int
	AppLines []int
}
