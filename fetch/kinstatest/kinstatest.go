// Package kinstatest is a simulated Kinsta API v2: an http.Handler that
// answers the endpoints kinsta-report uses with the exact wire shapes of
// Kinsta's OpenAPI spec (1.87.0), deterministic synthetic data, bearer
// auth, parameter validation and switchable faults. Tests mount it on an
// httptest server; `report -demo` serves it in-process (Server.Client).
//
// Endpoints (with or without a leading /v2):
//
//	GET /validate
//	GET /company/{id}/users
//	GET /applications?company=&limit=&offset=
//	GET /applications/{id}
//	GET /applications/{id}/metrics/{bandwidth|build-time|run-time|http-requests|
//	    response-time|slowest-requests|cpu-usage|memory-usage}
//
// Buckets: for interval_in_seconds=N the series has one point per UTC epoch
// multiple of N from floor(timeframe_start/N)*N while t < timeframe_end (so
// the first bucket may start before timeframe_start when the start is not
// aligned). A bucket's value is App.Bucket: the hourly value for N <= 1h,
// else the sum (bandwidth, build_time) or mean (the rest) of the Hourly
// values of the hours it covers, added in time order and sent unrounded, so
// a test that folds Hourly the same way gets the wire value bit for bit.
// Series are dense: every bucket is present, zeros included.
//
// Data: every series derives from Hourly, a pure function of the app id,
// the metric and the UTC hour (hashes, no clock, no global random source):
// a business-hours curve peaking at 14:00 in an app-specific fixed-offset
// zone, weekends at half, Friday lower and Monday higher, with noise and
// about one slow hour in a hundred. Units: bandwidth bytes per hour,
// build_time seconds (a few builds a working day, mostly 0), http_requests
// per minute, response times ms (p50 < avg < p95), cpu_usage percent,
// memory_usage bytes (below memory_limit). cpu_limit is in millicores,
// memory_limit in bytes (Limits). Run-time rows split each process's
// timeframe at the deploys that follow builds (App.Deploys); their seconds
// add up to the timeframe. Slowest requests are deterministic per app and
// timeframe.
//
// Fault order: latency, DropConnections, RateLimitPerMinute and
// TokenBucket (429), Sporadic429Every (429), FailFirst (503),
// ServerErrorEvery (500), method (405), auth (401), MovedApplications
// (404), routing and validation (404/400), FailMetric (500), Malformed.
package kinstatest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure the simulated API. The zero value serves the default
// apps and roster to any bearer token, with no faults.
type Options struct {
	// APIKey is the bearer token required; "" accepts any non-empty token.
	APIKey string
	// CompanyID defaults to DefaultCompanyID.
	CompanyID string
	// Apps defaults to DefaultApps().
	Apps []App
	// Latency is added to every response (it ends early when the request's
	// context ends).
	Latency time.Duration
	// RateLimitPerMinute, when > 0, allows that many requests per fixed
	// one-minute window (the window starts at the first request); beyond it
	// the answer is 429 with Retry-After. Every response then carries
	// x-ratelimit-limit, x-ratelimit-remaining and x-ratelimit-reset.
	RateLimitPerMinute int
	// FailFirst makes the first N requests answer 503 (a 5xx burst).
	FailFirst int
	// ServerErrorEvery makes every Nth request answer 500 (0 = never).
	ServerErrorEvery int
	// Malformed maps a metric path segment ("bandwidth", "cpu-usage", ...)
	// to true to make its 200 body malformed JSON, for every app.
	Malformed map[string]bool
	// FailMetric makes one metric of one app always answer 500.
	FailMetric *FailMetric
	// MovedApplications makes every /applications* path answer 404 Not
	// Found, as the retired Kinsta host does.
	MovedApplications bool
	// Sites defaults to DefaultSites() (sites.go); an empty non-nil slice
	// serves none.
	Sites []Site
	// Users defaults to DefaultUsers().
	Users []User
	// FailUsers makes /company/{id}/users always answer 500.
	FailUsers bool
	// Now is the clock of the rate limits and of Retention (default
	// time.Now). The data itself never depends on it.
	Now func() time.Time

	// TokenBucket, when set, limits requests with a token bucket: it
	// starts full (Burst tokens), refills PerMinute tokens a minute, and a
	// request finding less than one token answers 429 with Retry-After
	// (whole seconds until the next token, at least 1). Headers adds
	// x-ratelimit-* to every answer (see TokenBucket).
	TokenBucket *TokenBucket
	// Sporadic429Every makes every Nth request (counting every request)
	// answer 429 with Retry-After, whatever the rate (0 = never): what
	// burst throttling looks like from outside.
	Sporadic429Every int
	// Sporadic429RetryAfter is the Retry-After of those 429s (default 1s;
	// sent in whole seconds, at least 1).
	Sporadic429RetryAfter time.Duration
	// PageCap caps the items of a GET /applications page whatever limit
	// asks (0 = as asked), as a server with an undocumented maximum does.
	PageCap int
	// RepeatTimestamps sends every point of every series twice, first a
	// stale value (the true one + 1) and then the true one: the contract
	// keeps the last value of a repeated timestamp. build-time also gets a
	// second resource type ("performance") whose values are all 0 (stale
	// 1), so summing resource types is exercised too.
	RepeatTimestamps bool
	// DropConnections makes the first N requests get no answer: the
	// connection is closed (hijacked and closed on a real server; the
	// in-process Transport returns a connection-reset error).
	DropConnections int
	// OutsideWindow adds, to every bucketed series, the bucket just before
	// the first one asked for and the bucket at or after timeframe_end
	// (values from Bucket, as if the server rounded the window outwards).
	OutsideWindow bool
	// RetentionDays, when > 0, serves no data older than that many days
	// before Now, as Kinsta's 30-day analytics retention: the answer is
	// still 200 with the same shape, but buckets that start before the
	// cut-off are left out (an empty series when all are), run-time rows
	// are clipped to the cut-off and slowest-requests covers only the
	// retained part (none when nothing is). Kinsta documents "Analytics
	// data is retained for 30 days" and no error for older timeframes; a
	// timeframe beyond retention is taken to come back empty or partial,
	// not as a 400. DefaultRetentionDays is the usual value.
	RetentionDays int
}

// DefaultRetentionDays is Kinsta's analytics retention.
const DefaultRetentionDays = 30

// TokenBucket is a token-bucket rate limit (Options.TokenBucket).
type TokenBucket struct {
	// PerMinute is the refill rate, tokens a minute (> 0).
	PerMinute float64
	// Burst is the bucket's size (default 1).
	Burst int
	// Headers sends, on every answer, x-ratelimit-limit (PerMinute,
	// rounded), x-ratelimit-remaining (whole tokens left) and
	// x-ratelimit-reset (whole seconds until the bucket is full again).
	Headers bool
}

// FailMetric names an app (id or name) and a metric path segment
// (e.g. "memory-usage") that always answer 500.
type FailMetric struct {
	App, Metric string
}

// Server is the simulated API. It is safe for concurrent use.
type Server struct {
	o        Options
	requests atomic.Int64

	mu          sync.Mutex
	windowStart time.Time
	windowCount int
	tokens      float64
	tokensAt    time.Time
}

// New returns a simulated API with the options' defaults filled in.
func New(o Options) *Server {
	if o.CompanyID == "" {
		o.CompanyID = DefaultCompanyID
	}
	if o.Apps == nil {
		o.Apps = DefaultApps()
	}
	if o.Users == nil {
		o.Users = DefaultUsers()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sporadic429RetryAfter <= 0 {
		o.Sporadic429RetryAfter = time.Second
	}
	if tb := o.TokenBucket; tb != nil {
		c := *tb
		c.Burst = max(c.Burst, 1)
		o.TokenBucket = &c
	}
	return &Server{o: o}
}

// Requests returns the number of requests served so far, faults included.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Apps returns the apps the server serves.
func (s *Server) Apps() []App { return append([]App(nil), s.o.Apps...) }

// CompanyID returns the company the server's key belongs to.
func (s *Server) CompanyID() string { return s.o.CompanyID }

// Error messages, as Kinsta words them.
const (
	msgUnauthorized  = "No or invalid API key provided to the request"
	msgBadRequest    = "Bad request format"
	msgNoApp         = "Could not find the application or the user does not have permissions to retrieve data"
	msgNoMetricApp   = "No application or database found with the provided unique ID."
	msgNoCompany     = "Could not find the company or the user does not have permissions to retrieve data"
	msgNotFound      = "Not Found"
	msgTooMany       = "Too many requests, please try again later."
	msgInternal      = "Error occurred while processing your request"
	msgUnavailable   = "Service Unavailable"
	msgNotAllowed    = "Method Not Allowed"
	maxBuckets       = 100_000
	maxTimeframe     = 400 * 24 * time.Hour
	defaultListLimit = 10
	defaultSlowLimit = 10
)

// errorBody is Kinsta's StatusResponseSchema.
type errorBody struct {
	Message string `json:"message"`
	Status  int    `json:"status"`
	Data    any    `json:"data"`
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.requests.Add(1))
	w.Header().Set("Content-Type", "application/json")

	if s.o.Latency > 0 {
		t := time.NewTimer(s.o.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if n <= s.o.DropConnections {
		drop(w)
		return
	}
	if s.o.RateLimitPerMinute > 0 && !s.allow(w) {
		writeTooMany(w)
		return
	}
	if s.o.TokenBucket != nil && !s.take(w) {
		writeTooMany(w)
		return
	}
	if s.o.Sporadic429Every > 0 && n%s.o.Sporadic429Every == 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(ceilSeconds(s.o.Sporadic429RetryAfter), 10))
		writeTooMany(w)
		return
	}
	if n <= s.o.FailFirst {
		writeError(w, http.StatusServiceUnavailable, msgUnavailable)
		return
	}
	if s.o.ServerErrorEvery > 0 && n%s.o.ServerErrorEvery == 0 {
		writeError(w, http.StatusInternalServerError, msgInternal)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, msgNotAllowed)
		return
	}
	if !s.authorized(r) {
		writeError(w, http.StatusUnauthorized, msgUnauthorized)
		return
	}
	s.route(w, r)
}

// allow counts the request against the rate window, sets the
// x-ratelimit-* headers and reports whether it is within the limit.
func (s *Server) allow(w http.ResponseWriter) bool {
	now := s.o.Now()
	s.mu.Lock()
	if s.windowStart.IsZero() || now.Sub(s.windowStart) >= time.Minute {
		s.windowStart = now
		s.windowCount = 0
	}
	s.windowCount++
	count := s.windowCount
	reset := s.windowStart.Add(time.Minute).Sub(now)
	s.mu.Unlock()

	limit := s.o.RateLimitPerMinute
	secs := int64(math.Ceil(reset.Seconds()))
	if secs < 1 {
		secs = 1
	}
	h := w.Header()
	h.Set("x-ratelimit-limit", strconv.Itoa(limit))
	h.Set("x-ratelimit-remaining", strconv.Itoa(max(limit-count, 0)))
	h.Set("x-ratelimit-reset", strconv.FormatInt(secs, 10))
	if count > limit {
		h.Set("Retry-After", strconv.FormatInt(secs, 10))
		return false
	}
	return true
}

// take takes a token from the bucket, sets the x-ratelimit-* headers when
// asked and reports whether there was one; without, it sets Retry-After.
func (s *Server) take(w http.ResponseWriter) bool {
	tb := s.o.TokenBucket
	now := s.o.Now()
	perSec := tb.PerMinute / 60
	s.mu.Lock()
	if s.tokensAt.IsZero() {
		s.tokens = float64(tb.Burst)
	} else if dt := now.Sub(s.tokensAt).Seconds(); dt > 0 {
		s.tokens = math.Min(float64(tb.Burst), s.tokens+dt*perSec)
	}
	s.tokensAt = now
	ok := s.tokens >= 1
	if ok {
		s.tokens--
	}
	tokens := s.tokens
	s.mu.Unlock()

	h := w.Header()
	if tb.Headers {
		full := (float64(tb.Burst) - tokens) / perSec
		h.Set("x-ratelimit-limit", strconv.Itoa(int(math.Round(tb.PerMinute))))
		h.Set("x-ratelimit-remaining", strconv.Itoa(int(tokens)))
		h.Set("x-ratelimit-reset", strconv.FormatInt(int64(math.Ceil(full)), 10))
	}
	if !ok {
		next := time.Duration((1 - tokens) / perSec * float64(time.Second))
		h.Set("Retry-After", strconv.FormatInt(ceilSeconds(next), 10))
	}
	return ok
}

// ceilSeconds is d in whole seconds, rounded up, at least 1.
func ceilSeconds(d time.Duration) int64 {
	return max(int64(math.Ceil(d.Seconds())), 1)
}

func writeTooMany(w http.ResponseWriter) {
	writeJSON(w, http.StatusTooManyRequests, struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
	}{http.StatusTooManyRequests, msgTooMany})
}

// dropper is the in-process transport's writer: it fails the request as a
// reset connection.
type dropper interface{ drop() }

// drop closes the connection without an answer.
func drop(w http.ResponseWriter) {
	if d, ok := w.(dropper); ok {
		d.drop()
		return
	}
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // the server closes the connection
}

func (s *Server) authorized(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		return false
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return false
	}
	return s.o.APIKey == "" || tok == s.o.APIKey
}

// route dispatches an authorised GET.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if i := strings.Index(p, "/v2/"); i >= 0 {
		p = p[i+len("/v2"):]
	}
	p = strings.TrimSuffix(p, "/")
	seg := strings.Split(strings.TrimPrefix(p, "/"), "/")
	q := r.URL.Query()

	if seg[0] == "applications" && s.o.MovedApplications {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	switch {
	case len(seg) == 1 && seg[0] == "validate":
		s.validate(w)
	case len(seg) == 3 && seg[0] == "company" && seg[2] == "users":
		s.users(w, seg[1])
	case len(seg) == 1 && seg[0] == "applications":
		s.list(w, q)
	case len(seg) == 2 && seg[0] == "applications":
		s.detail(w, seg[1])
	case len(seg) == 4 && seg[0] == "applications" && seg[2] == "metrics":
		s.metric(w, seg[1], seg[3], q)
	case seg[0] == "sites":
		s.routeSites(w, seg, q)
	default:
		writeError(w, http.StatusNotFound, msgNotFound)
	}
}

// validateExpiry is the fixed expiry of the simulated key: 2027-12-31T23:59:59Z.
const validateExpiry = "1830297599000"

func (s *Server) validate(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, struct {
		Name      string `json:"name"`
		ExpiresAt string `json:"expires_at"`
		Company   string `json:"company"`
		Status    string `json:"status"`
	}{"kinsta-report", validateExpiry, s.o.CompanyID, "active"})
}

type wireUser struct {
	ID       string `json:"id"`
	Email    string `json:"email"`
	Image    string `json:"image"`
	FullName string `json:"full_name"`
}

func (s *Server) users(w http.ResponseWriter, company string) {
	if s.o.FailUsers {
		writeError(w, http.StatusInternalServerError, "Error occurred while retrieving company users")
		return
	}
	if company != s.o.CompanyID {
		writeError(w, http.StatusNotFound, msgNoCompany)
		return
	}
	type entry struct {
		User wireUser `json:"user"`
	}
	users := make([]entry, 0, len(s.o.Users))
	for _, u := range s.o.Users {
		users = append(users, entry{wireUser(u)})
	}
	var body struct {
		Company struct {
			Users []entry `json:"users"`
		} `json:"company"`
	}
	body.Company.Users = users
	writeJSON(w, http.StatusOK, body)
}

type wireAppItem struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Status      string `json:"status"`
}

func (s *Server) list(w http.ResponseWriter, q map[string][]string) {
	company := first(q, "company")
	if company == "" {
		writeError(w, http.StatusBadRequest, msgBadRequest)
		return
	}
	limit, ok := intParam(q, "limit", defaultListLimit, 1)
	if !ok {
		writeError(w, http.StatusBadRequest, msgBadRequest)
		return
	}
	offset, ok := intParam(q, "offset", 0, 0)
	if !ok {
		writeError(w, http.StatusBadRequest, msgBadRequest)
		return
	}
	if company != s.o.CompanyID {
		writeError(w, http.StatusNotFound, msgNoCompany)
		return
	}
	if s.o.PageCap > 0 {
		limit = min(limit, s.o.PageCap)
	}
	items := []wireAppItem{}
	for i := offset; i < len(s.o.Apps) && len(items) < limit; i++ {
		a := s.o.Apps[i]
		items = append(items, wireAppItem{a.ID, a.Name, a.DisplayName, status(a)})
	}
	var body struct {
		Company struct {
			Apps struct {
				Items []wireAppItem `json:"items"`
			} `json:"apps"`
		} `json:"company"`
	}
	body.Company.Apps.Items = items
	writeJSON(w, http.StatusOK, body)
}

func status(a App) string {
	if a.Status == "" {
		return "deploymentSuccess"
	}
	return a.Status
}

func (s *Server) app(id string) (App, bool) {
	for _, a := range s.o.Apps {
		if a.ID == id {
			return a, true
		}
	}
	return App{}, false
}

// deployBase is the fixed instant the simulated deployments are dated from
// (2026-11-02T09:00:00Z).
const deployBase = 1793610000000

func (s *Server) detail(w http.ResponseWriter, id string) {
	a, ok := s.app(id)
	if !ok {
		writeError(w, http.StatusNotFound, msgNoApp)
		return
	}
	type deployment struct {
		ID            string  `json:"id"`
		Branch        string  `json:"branch"`
		RepoURL       string  `json:"repo_url"`
		CommitMessage *string `json:"commit_message"`
		CreatedAt     int64   `json:"created_at"`
	}
	type process struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	type app struct {
		ID                    string       `json:"id"`
		Name                  string       `json:"name"`
		DisplayName           string       `json:"display_name"`
		HibernationEnabled    bool         `json:"hibernation_enabled"`
		HibernateAfterSeconds *float64     `json:"hibernate_after_seconds"`
		Status                string       `json:"status"`
		Deployments           []deployment `json:"deployments"`
		Processes             []process    `json:"processes"`
		InternalConnections   []any        `json:"internal_connections"`
	}
	msgs := []string{"fix: checkout rounding", "feat: faster search", "chore: bump dependencies"}
	var deps []deployment
	for i := range 2 {
		msg := msgs[int(hash01(a.ID, "commit", strconv.Itoa(i))*float64(len(msgs)))%len(msgs)]
		deps = append(deps, deployment{
			ID:            UUID("kinstatest/deployment/" + a.ID + "/" + strconv.Itoa(i)),
			Branch:        "main",
			RepoURL:       "https://github.com/example/" + a.Name,
			CommitMessage: &msg,
			CreatedAt:     deployBase - int64(i)*86_400_000*3 - int64(hash01(a.ID, "deploy", strconv.Itoa(i))*3_600_000),
		})
	}
	var procs []process
	for _, p := range a.ProcessKeys() {
		procs = append(procs, process{processID(a.ID, p), p})
	}
	body := struct {
		App app `json:"app"`
	}{app{
		ID: a.ID, Name: a.Name, DisplayName: a.DisplayName,
		Status: status(a), Deployments: deps, Processes: procs,
		InternalConnections: []any{},
	}}
	writeJSON(w, http.StatusOK, body)
}

func processID(appID, proc string) string {
	return UUID("kinstatest/process/" + appID + "/" + proc)
}

// metric names: path segment -> response array key.
var metricKeys = map[string]string{
	"bandwidth":        "bandwidth",
	"build-time":       "build_time",
	"run-time":         "runtime",
	"http-requests":    "http_requests",
	"response-time":    "response_time",
	"slowest-requests": "slowest_requests",
	"cpu-usage":        "cpu_usage",
	"memory-usage":     "memory_usage",
}

// metricWords names a metric in Kinsta's 500 message.
var metricWords = map[string]string{
	"bandwidth":        "bandwidth",
	"build-time":       "build time",
	"run-time":         "run time",
	"http-requests":    "HTTP requests",
	"response-time":    "response time",
	"slowest-requests": "slowest requests",
	"cpu-usage":        "CPU usage",
	"memory-usage":     "memory usage",
}

type timeframe struct {
	start, end time.Time
	interval   time.Duration
}

type wireTimeframe struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type wirePoint struct {
	Time  string `json:"time"`
	Value string `json:"value"`
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func (tf timeframe) wire() wireTimeframe { return wireTimeframe{ms(tf.start), ms(tf.end)} }

// parseTimeframe reads the three required metric parameters.
func parseTimeframe(q map[string][]string) (timeframe, bool) {
	iv, err := strconv.ParseInt(first(q, "interval_in_seconds"), 10, 64)
	if err != nil || iv <= 0 || iv > int64(maxTimeframe/time.Second) {
		return timeframe{}, false
	}
	start, err1 := time.Parse(time.RFC3339Nano, first(q, "timeframe_start"))
	end, err2 := time.Parse(time.RFC3339Nano, first(q, "timeframe_end"))
	if err1 != nil || err2 != nil || end.Before(start) || end.Sub(start) > maxTimeframe {
		return timeframe{}, false
	}
	tf := timeframe{start.UTC(), end.UTC(), time.Duration(iv) * time.Second}
	if end.Sub(start)/tf.interval > maxBuckets {
		return timeframe{}, false
	}
	return tf, true
}

// buckets returns the bucket starts: UTC epoch multiples of the interval
// from the one containing start while before end.
func (tf timeframe) buckets() []time.Time {
	n := tf.interval.Milliseconds()
	s := tf.start.UnixMilli()
	t0 := s - ((s%n)+n)%n
	var out []time.Time
	for t := t0; t < tf.end.UnixMilli(); t += n {
		out = append(out, time.UnixMilli(t).UTC())
	}
	return out
}

// served returns the buckets the server answers for tf: with
// OutsideWindow one more on each side, without those Retention drops.
func (s *Server) served(tf timeframe) []time.Time {
	bs := tf.buckets()
	if s.o.OutsideWindow {
		before := tf.start.Truncate(tf.interval)
		if len(bs) > 0 {
			before = bs[0]
		}
		after := before
		for after.Before(tf.end) {
			after = after.Add(tf.interval)
		}
		bs = append(append([]time.Time{before.Add(-tf.interval)}, bs...), after)
	}
	cut, ok := s.cutoff()
	if !ok {
		return bs
	}
	kept := bs[:0]
	for _, t := range bs {
		if !t.Before(cut) {
			kept = append(kept, t)
		}
	}
	return kept
}

// cutoff is the oldest instant Retention still serves.
func (s *Server) cutoff() (time.Time, bool) {
	if s.o.RetentionDays <= 0 {
		return time.Time{}, false
	}
	return s.o.Now().UTC().AddDate(0, 0, -s.o.RetentionDays), true
}

func (s *Server) series(a App, metric string, tf timeframe) []wirePoint {
	pts := []wirePoint{}
	for _, t := range s.served(tf) {
		v := a.Bucket(metric, t, tf.interval)
		if s.o.RepeatTimestamps {
			pts = append(pts, wirePoint{ms(t), FormatValue(v + 1)})
		}
		pts = append(pts, wirePoint{ms(t), FormatValue(v)})
	}
	return pts
}

func (s *Server) metric(w http.ResponseWriter, id, seg string, q map[string][]string) {
	key, ok := metricKeys[seg]
	if !ok {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	tf, ok := parseTimeframe(q)
	if !ok {
		writeError(w, http.StatusBadRequest, msgBadRequest)
		return
	}
	respMetric := MetricResponseTimeAvg
	if seg == "response-time" {
		switch first(q, "percent") {
		case "":
		case "50":
			respMetric = MetricResponseTimeP50
		case "95":
			respMetric = MetricResponseTimeP95
		default:
			writeError(w, http.StatusBadRequest, msgBadRequest)
			return
		}
	}
	slowLimit := defaultSlowLimit
	if seg == "slowest-requests" {
		if slowLimit, ok = intParam(q, "limit", defaultSlowLimit, 1); !ok {
			writeError(w, http.StatusBadRequest, msgBadRequest)
			return
		}
	}
	a, ok := s.app(id)
	if !ok {
		writeError(w, http.StatusNotFound, msgNoMetricApp)
		return
	}
	if fm := s.o.FailMetric; fm != nil && fm.Metric == seg && (fm.App == a.ID || fm.App == a.Name) {
		writeError(w, http.StatusInternalServerError, "Error occurred while retrieving application "+metricWords[seg])
		return
	}
	if s.o.Malformed[seg] {
		w.WriteHeader(http.StatusOK)
		fmt.Fprintf(w, `{"app":{"id":%q,"display_name":%q,"metrics":{"timeframe":{"start":"%s","end":"%s"},%q:[{"time":"%s","value":`,
			a.ID, a.DisplayName, ms(tf.start), ms(tf.end), key, ms(tf.start))
		return
	}

	switch seg {
	case "cpu-usage", "memory-usage":
		writeJSON(w, http.StatusOK, s.processMetric(a, seg, tf))
		return
	}
	metrics := map[string]any{"timeframe": tf.wire()}
	switch seg {
	case "bandwidth":
		metrics[key] = s.series(a, MetricBandwidth, tf)
	case "http-requests":
		metrics[key] = s.series(a, MetricHTTPRequests, tf)
	case "response-time":
		metrics[key] = s.series(a, respMetric, tf)
	case "build-time":
		metrics[key] = s.buildTime(a, tf)
	case "run-time":
		metrics[key] = []wireRun{}
		if r, ok := s.retainedPart(tf); ok {
			metrics[key] = runs(a, r)
		}
	case "slowest-requests":
		metrics[key] = []wireSlow{}
		if r, ok := s.retainedPart(tf); ok {
			metrics[key] = slowest(a, r, slowLimit)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"app": map[string]any{
		"id": a.ID, "display_name": a.DisplayName, "metrics": metrics,
	}})
}

// retainedPart is tf from the retention cut-off on; false when nothing of
// it is retained.
func (s *Server) retainedPart(tf timeframe) (timeframe, bool) {
	cut, ok := s.cutoff()
	if !ok || !tf.start.Before(cut) {
		return tf, true
	}
	if !tf.end.After(cut) {
		return tf, false
	}
	tf.start = cut
	return tf, true
}

func (s *Server) buildTime(a App, tf timeframe) any {
	type point struct {
		Time  string  `json:"time"`
		Value float64 `json:"value"`
	}
	type entry struct {
		Data         []point `json:"data"`
		ResourceType string  `json:"resource_type"`
	}
	data, extra := []point{}, []point{}
	for _, t := range s.served(tf) {
		v := a.Bucket(MetricBuildTime, t, tf.interval)
		if s.o.RepeatTimestamps {
			data = append(data, point{ms(t), v + 1})
			extra = append(extra, point{ms(t), 1}, point{ms(t), 0})
		}
		data = append(data, point{ms(t), v})
	}
	if s.o.RepeatTimestamps {
		return []entry{{data, "standard"}, {extra, "performance"}}
	}
	return []entry{{data, "standard"}}
}

type wireRun struct {
	ProcessID string `json:"process_id"`
	Seconds   string `json:"seconds"`
	Plan      string `json:"plan"`
	StartTime string `json:"start_time"`
	EndTime   string `json:"end_time"`
}

// Deploys returns the instants within (start, end) at which the app was
// redeployed: after each build (Hourly build_time > 0), at the build's hour
// plus a deterministic minute offset plus the build time. Run-time rows
// split at these instants.
func (a App) Deploys(start, end time.Time) []time.Time {
	var out []time.Time
	for h := start.UTC().Truncate(time.Hour); h.Before(end); h = h.Add(time.Hour) {
		b := a.Hourly(MetricBuildTime, h)
		if b <= 0 {
			continue
		}
		off := time.Duration(hash01(a.ID, "deploymin", strconv.FormatInt(h.Unix(), 10))*50) * time.Minute
		d := h.Add(off + time.Duration(b)*time.Second)
		if d.After(start) && d.Before(end) {
			out = append(out, d)
		}
	}
	return out
}

// runs is one row per process and deploy-split stretch of the timeframe:
// the seconds of a process's rows add up to the timeframe's length.
func runs(a App, tf timeframe) []wireRun {
	cuts := append([]time.Time{tf.start}, a.Deploys(tf.start, tf.end)...)
	cuts = append(cuts, tf.end)
	out := []wireRun{}
	for _, proc := range a.ProcessKeys() {
		plan, _, _ := planOf(a.ID, proc)
		for i := 0; i+1 < len(cuts); i++ {
			from, to := cuts[i], cuts[i+1]
			if !to.After(from) {
				continue
			}
			out = append(out, wireRun{
				ProcessID: a.Name + "-" + proc + "-" + hashHex(a.ID, proc, ms(from))[:10],
				Seconds:   FormatValue(to.Sub(from).Seconds()),
				Plan:      plan,
				StartTime: ms(from),
				EndTime:   ms(to),
			})
		}
	}
	return out
}

var requestPaths = []string{
	"/", "/api/v1/orders", "/api/v1/cart", "/checkout", "/search", "/graphql",
	"/api/v1/products", "/api/v1/products/{id}", "/login", "/account",
	"/api/v1/reports/export", "/sitemap.xml", "/blog", "/blog/{slug}",
	"/api/v1/webhooks/stripe", "/healthz", "/static/app.js", "/api/v1/search/suggest",
	"/admin", "/api/v1/invoices/{id}/pdf",
}

type wireSlow struct {
	AvgResponseTimeMS float64 `json:"avg_response_time_ms"`
	ClientRequestPath string  `json:"client_request_path"`
	RequestCount      int64   `json:"request_count"`
}

// slowest returns up to limit rows, slowest first, deterministic for the
// app and timeframe.
func slowest(a App, tf timeframe, limit int) []wireSlow {
	p := profileOf(a.ID)
	hours := math.Max(tf.end.Sub(tf.start).Hours(), 1)
	k := ms(tf.start) + "-" + ms(tf.end)
	rows := make([]wireSlow, 0, len(requestPaths))
	for _, path := range requestPaths {
		rows = append(rows, wireSlow{
			AvgResponseTimeMS: math.Round(p.rtBase * (1.5 + 10*hash01(a.ID, "slow", path, k))),
			ClientRequestPath: path,
			RequestCount:      1 + int64(hours*60*p.rpm*a.scale()*0.02*hash01(a.ID, "slowcount", path, k)),
		})
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].AvgResponseTimeMS != rows[j].AvgResponseTimeMS {
			return rows[i].AvgResponseTimeMS > rows[j].AvgResponseTimeMS
		}
		return rows[i].ClientRequestPath < rows[j].ClientRequestPath
	})
	return rows[:min(limit, len(rows))]
}

func (s *Server) processMetric(a App, seg string, tf timeframe) any {
	type process struct {
		ID          string         `json:"id"`
		ProcessName string         `json:"process_name"`
		CPULimit    *int64         `json:"cpu_limit,omitempty"`
		MemoryLimit *int64         `json:"memory_limit,omitempty"`
		Metrics     map[string]any `json:"metrics"`
	}
	type app struct {
		ID        string    `json:"id"`
		AppName   string    `json:"app_name"`
		Processes []process `json:"processes"`
	}
	body := struct {
		App app `json:"app"`
	}{app{ID: a.ID, AppName: a.DisplayName, Processes: []process{}}}
	for _, proc := range a.ProcessKeys() {
		_, cpu, mem := planOf(a.ID, proc)
		p := process{ID: processID(a.ID, proc), ProcessName: proc}
		if seg == "cpu-usage" {
			p.CPULimit = &cpu
			p.Metrics = map[string]any{"timeframe": tf.wire(), "cpu_usage": s.series(a, MetricCPUUsage+":"+proc, tf)}
		} else {
			p.MemoryLimit = &mem
			p.Metrics = map[string]any{"timeframe": tf.wire(), "memory_usage": s.series(a, MetricMemoryUsage+":"+proc, tf)}
		}
		body.App.Processes = append(body.App.Processes, p)
	}
	return body
}

// Limits returns the cpu_limit (millicores) and memory_limit (bytes) the
// simulated API reports for a process of an app, and its plan name.
func Limits(appID, process string) (plan string, cpuLimit, memoryLimit int64) {
	return planOf(appID, process)
}

func first(q map[string][]string, k string) string {
	if v := q[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// intParam reads an optional integer parameter of at least min.
func intParam(q map[string][]string, k string, def, least int) (int, bool) {
	v := first(q, k)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < least {
		return 0, false
	}
	return n, true
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Message: msg, Status: status})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody{Message: msgInternal, Status: status})
	}
	w.WriteHeader(status)
	w.Write(b)
}
