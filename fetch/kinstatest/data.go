package kinstatest

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"time"
)

// App is one simulated application.
type App struct {
	ID          string
	Name        string // unique name, e.g. "shop"
	DisplayName string // e.g. "Shop"
	Status      string // e.g. "deploymentSuccess"
	// Processes are the process keys, e.g. "web", "worker". Empty means
	// just "web".
	Processes []string
	// Scale multiplies the app's traffic (http_requests and bandwidth);
	// 0 means 1. Use App.Hourly for the figures of an app with a Scale.
	Scale float64
}

// User is one member of the simulated company roster.
type User struct {
	ID, Email, Image, FullName string
}

// DefaultCompanyID is the company the simulated API key belongs to.
const DefaultCompanyID = "54fb80af-576c-4fdc-ba4f-b596c83f15a1"

// UUID returns a deterministic, version-4-shaped UUID derived from seed.
func UUID(seed string) string {
	h := sha256.Sum256([]byte(seed))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

func newApp(name, display string, procs ...string) App {
	return App{
		ID:          UUID("kinstatest/app/" + name),
		Name:        name,
		DisplayName: display,
		Status:      "deploymentSuccess",
		Processes:   procs,
	}
}

// DefaultApps returns the five apps the simulated API serves by default.
// Their ids are stable UUIDs derived from the names.
func DefaultApps() []App {
	return []App{
		newApp("shop", "Shop", "web", "worker"),
		newApp("blog-api", "Blog API", "web"),
		newApp("docs-site", "Docs", "web"),
		newApp("marketing-site", "Marketing site", "web"),
		newApp("queue-worker", "Queue worker", "worker"),
	}
}

// ManyApps returns n deterministic apps ("app-000", "app-001", ...) for
// benchmarks; every third has a worker process besides web.
func ManyApps(n int) []App {
	apps := make([]App, 0, max(n, 0))
	for i := range n {
		name := fmt.Sprintf("app-%03d", i)
		procs := []string{"web"}
		if i%3 == 0 {
			procs = append(procs, "worker")
		}
		apps = append(apps, newApp(name, fmt.Sprintf("App %03d", i), procs...))
	}
	return apps
}

func newUser(name, email string) User {
	sum := md5.Sum([]byte(strings.ToLower(email)))
	return User{
		ID:       UUID("kinstatest/user/" + email),
		Email:    email,
		Image:    "https://www.gravatar.com/avatar/" + hex.EncodeToString(sum[:]),
		FullName: name,
	}
}

// DefaultUsers returns the default company roster.
func DefaultUsers() []User {
	return []User{
		newUser("Maria Jensen", "maria.jensen@example.com"),
		newUser("Tomás Ortega", "tomas.ortega@example.com"),
		newUser("Priya Natarajan", "priya.natarajan@example.com"),
		newUser("Jonas Weber", "jonas.weber@example.com"),
	}
}

// ProcessKeys returns the app's process keys: Processes, or just "web"
// when it is empty.
func (a App) ProcessKeys() []string {
	if len(a.Processes) == 0 {
		return []string{"web"}
	}
	return a.Processes
}

func (a App) scale() float64 {
	if a.Scale == 0 {
		return 1
	}
	return a.Scale
}

// Metric keys accepted by Hourly (the contract's keys). CPU and memory take
// a process suffix: "cpu_usage:web".
const (
	MetricBandwidth       = "bandwidth"
	MetricBuildTime       = "build_time"
	MetricHTTPRequests    = "http_requests"
	MetricResponseTimeAvg = "response_time_avg"
	MetricResponseTimeP50 = "response_time_p50"
	MetricResponseTimeP95 = "response_time_p95"
	MetricCPUUsage        = "cpu_usage"    // + ":" + process
	MetricMemoryUsage     = "memory_usage" // + ":" + process
)

// Hourly returns the value of the hourly bucket that starts at hour (the
// time is truncated to its UTC hour) for an app with Scale 0 or 1, exactly
// as the simulated API sends it (already rounded: bytes and build seconds to
// whole numbers, everything else to 2 decimals). metric is a contract key;
// cpu_usage and memory_usage need a process: "cpu_usage:web". An unknown
// metric gives NaN.
func Hourly(appID string, metric string, hour time.Time) float64 {
	return App{ID: appID}.Hourly(metric, hour)
}

// Hourly is the package Hourly for this app, its Scale applied.
func (a App) Hourly(metric string, hour time.Time) float64 {
	h := hour.UTC().Truncate(time.Hour)
	p := profileOf(a.ID)
	tr := p.traffic(a.ID, h)
	sc := a.scale()
	hk := strconv.FormatInt(h.Unix(), 10)
	switch metric {
	case MetricHTTPRequests:
		return round(p.rpm*sc*tr, 2)
	case MetricBandwidth:
		rpm := p.rpm * sc * tr
		return round(rpm*60*p.bytesPerReq*(0.9+0.2*hash01(a.ID, "bw", hk)), 0)
	case MetricResponseTimeAvg:
		return round(p.avgRT(a.ID, h, tr), 2)
	case MetricResponseTimeP50:
		return round(p.avgRT(a.ID, h, tr)*(0.55+0.15*hash01(a.ID, "p50", hk)), 2)
	case MetricResponseTimeP95:
		return round(p.avgRT(a.ID, h, tr)*(2.2+0.8*hash01(a.ID, "p95", hk)), 2)
	case MetricBuildTime:
		return buildSeconds(a.ID, p, h)
	}
	if proc, ok := strings.CutPrefix(metric, MetricCPUUsage+":"); ok && proc != "" {
		var v float64
		if proc == "web" {
			v = 3 + 60*tr*math.Min(sc, 1.4)*(0.9+0.2*hash01(a.ID, "cpu", proc, hk))
		} else {
			v = 8 + 20*hash01(a.ID, "cpu", proc, hk) + 12*tr
		}
		return round(math.Min(math.Max(v, 0.5), 99), 2)
	}
	if proc, ok := strings.CutPrefix(metric, MetricMemoryUsage+":"); ok && proc != "" {
		_, _, memLimit := planOf(a.ID, proc)
		base := 0.35 + 0.3*hash01(a.ID, "membase", proc)
		v := float64(memLimit) * base * (0.9 + 0.1*tr + 0.05*hash01(a.ID, "mem", proc, hk))
		return round(v, 0)
	}
	return math.NaN()
}

// profile is the per-app character of the synthetic data, derived from the
// app id alone.
type profile struct {
	offset      time.Duration // the app's audience zone (fixed offset)
	rpm         float64       // requests per minute at the daily peak
	bytesPerReq float64
	rtBase      float64 // ms
}

var offsets = []time.Duration{0, time.Hour, 2 * time.Hour, -5 * time.Hour, -8 * time.Hour, 9 * time.Hour}

func profileOf(appID string) profile {
	return profile{
		offset:      offsets[int(hash01(appID, "zone")*float64(len(offsets)))%len(offsets)],
		rpm:         20 + 380*hash01(appID, "rpm"),
		bytesPerReq: 20_000 + 130_000*hash01(appID, "bpr"),
		rtBase:      60 + 240*hash01(appID, "rt"),
	}
}

// traffic is the load factor of the hour: a business-hours curve in the
// app's zone, lower at weekends, with a little deterministic noise.
func (p profile) traffic(appID string, h time.Time) float64 {
	local := h.Add(p.offset)
	lh := float64(local.Hour()) + 0.5
	daily := 0.15 + 0.85*math.Exp(-(lh-14)*(lh-14)/(2*3.5*3.5))
	weekly := 1.0
	switch local.Weekday() {
	case time.Saturday, time.Sunday:
		weekly = 0.5
	case time.Friday:
		weekly = 0.9
	case time.Monday:
		weekly = 1.05
	}
	return daily * weekly * (0.9 + 0.2*hash01(appID, "traffic", strconv.FormatInt(h.Unix(), 10)))
}

// avgRT is the unrounded average response time of the hour; about one hour
// in a hundred is a slow incident at three times the usual.
func (p profile) avgRT(appID string, h time.Time, tr float64) float64 {
	hk := strconv.FormatInt(h.Unix(), 10)
	v := p.rtBase * (0.8 + 0.5*tr) * (0.9 + 0.2*hash01(appID, "rt", hk))
	if hash01(appID, "incident", hk) < 0.01 {
		v *= 3
	}
	return v
}

// buildSeconds is the build time of the hour: a few builds on a working
// day, rarely at night or at weekends, 45 to 285 s each.
func buildSeconds(appID string, p profile, h time.Time) float64 {
	local := h.Add(p.offset)
	hk := strconv.FormatInt(h.Unix(), 10)
	prob := 0.02
	if wd := local.Weekday(); wd != time.Saturday && wd != time.Sunday {
		if lh := local.Hour(); lh >= 9 && lh < 18 {
			prob = 0.25
		}
	} else {
		prob = 0.03
	}
	if hash01(appID, "build", hk) >= prob {
		return 0
	}
	return 45 + math.Round(240*hash01(appID, "buildlen", hk))
}

// plans are pod sizes: name, cpu_limit (millicores), memory_limit (bytes).
var plans = []struct {
	name string
	cpu  int64
	mem  int64
}{
	{"s1", 300, 314572800},
	{"s2", 500, 1073741824},
	{"s3", 1000, 2147483648},
	{"s4", 2000, 4294967296},
}

// planOf returns the pod size of an app's process.
func planOf(appID, proc string) (name string, cpuLimit, memLimit int64) {
	p := plans[int(hash01(appID, "plan", proc)*float64(len(plans)))%len(plans)]
	return p.name, p.cpu, p.mem
}

// hash01 maps its parts to a deterministic float in [0, 1).
func hash01(parts ...string) float64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	x := h.Sum64()
	// splitmix64 finaliser: fnv alone correlates neighbouring inputs.
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

func hashHex(parts ...string) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(hash01(parts...)*(1<<53)))
	return hex.EncodeToString(b[2:])
}

// round rounds v to d decimals.
func round(v float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(v*p) / p
}

// FormatValue formats a value as the simulated API writes it in a JSON
// string: the shortest decimal that parses back to v.
func FormatValue(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// BucketValue is App.Bucket for an app with Scale 0 or 1.
func BucketValue(appID, metric string, t time.Time, interval time.Duration) float64 {
	return App{ID: appID}.Bucket(metric, t, interval)
}

// isSum reports whether buckets of the metric fold by sum (else by mean).
func isSum(metric string) bool {
	return metric == MetricBandwidth || metric == MetricBuildTime
}

// Bucket returns the value of the bucket [t, t+interval) as the simulated
// API sends it: for intervals of an hour or less, the value of the hour
// containing t; for longer ones, the sum (bandwidth, build_time) or mean
// (the rest) of the hourly values of the hours starting in
// [t truncated to the hour, t+interval), added in time order and not
// rounded again, so that summing (and dividing by the count) the Hourly
// values in time order gives exactly the value on the wire: FormatValue
// round-trips through strconv.ParseFloat.
func (a App) Bucket(metric string, t time.Time, interval time.Duration) float64 {
	t = t.UTC()
	if interval <= time.Hour {
		return a.Hourly(metric, t)
	}
	end := t.Add(interval)
	var sum float64
	n := 0
	for h := t.Truncate(time.Hour); h.Before(end); h = h.Add(time.Hour) {
		sum += a.Hourly(metric, h)
		n++
	}
	if !isSum(metric) {
		sum /= float64(n)
	}
	return sum
}
