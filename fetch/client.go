// Package fetch is the Kinsta API v2 client: the endpoints the report needs,
// decoded tolerantly into the report model, with bounded concurrency, an
// optional and adaptive request rate, and retries on 429, 5xx, timeouts and
// dropped connections.
//
// Kinsta retired its application endpoints (31 January 2026); the Sevalla
// API (SevallaBaseURL) serves the same v2 contract. Point WithBaseURL at it.
//
// # Rate limits
//
// Kinsta documents no limit; Sevalla documents 400 reads a minute with
// x-ratelimit-limit, -remaining and -reset. The client tells three cases
// apart:
//
//   - An isolated 429 (fewer than 3 in the last 20 answers, or under a
//     quarter of them) delays only its own retry, by its Retry-After (or
//     the backoff: 0.5 s doubling to at most 30 s, half of it random).
//     Nobody else waits and no rate is learned from it.
//   - 429s that cluster (at least 3 and a quarter of the last 20 answers)
//     switch on a rate cap equal to the 2xx answers received in the last
//     real second; nothing is scaled from a shorter span to a longer one.
//     Until its first cut the cap doubles each second. Each further burst
//     (a 429 to a try started after the last cut, at least 1 s after it,
//     or at once while the cap still doubles)
//     cuts the cap to 0.7 times the lower of the cap and the 2xx received
//     in the last second; the cap then climbs back to the rate of the cut
//     in 5.3 s on a cubic curve (as TCP CUBIC) and probes above it, slowly
//     at first (+0.2 % after 1 s more, +1.6 % after 2 s, +25 % after 5 s).
//     A cut or a pause re-books every waiting start. A cap that reaches
//     10 times the rate of its last cut (about 22 s without a 429) is
//     dropped; so is one cut 4 times within 5 s (the 429s do not follow the
//     rate), and then no cap goes on for 30 s.
//   - x-ratelimit-remaining 0 holds every start until x-ratelimit-reset;
//     fewer remaining than may be in flight spreads them over the time
//     left, so a server that sends these headers (Sevalla) gets no 429.
//
// Measured on a simulated clock (pacer_sim_test.go: 402 requests, 4 in
// flight, 50 ms each, token buckets without headers): from 60 to 3,000
// requests a minute the run takes 0.98 to 1.01 times the bound (requests ÷
// rate) and no request is lost, with 2.4 % (3,000/min) to 10.5 % (60/min)
// of the tries answered 429; one request in 15 answered 429 with
// Retry-After: 1 costs 1.25 times the no-fault time and switches no cap
// on; after a 20-a-second limit is lifted the rate is back within 10 % of
// the unthrottled one in 10 s. The benchmarks in bench_test.go measure the
// same against the simulated API in real time.
//
// WithRate adds a fixed cap of its own; a request waits its Retry-After
// only up to 5 minutes and retries at most WithMaxRetries times (default
// 4) within WithRetryBudget (default 2 minutes of retry waits).
package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kinsta-report/kinsta-report/internal/backoff"
	"github.com/kinsta-report/kinsta-report/report"
)

// DefaultBaseURL is Kinsta's API host.
const DefaultBaseURL = "https://api.kinsta.com/v2"

const (
	defaultConcurrency = 4
	defaultMaxRetries  = 4
	defaultTimeout     = 30 * time.Second
	defaultUserAgent   = "kinsta-report (+https://github.com/kinsta-report/kinsta-report)"

	defaultBudget = 2 * time.Minute

	backoffBase = 500 * time.Millisecond
	backoffCap  = 30 * time.Second
	// maxRetryAfter: a server that asks for a longer wait gets an error
	// (with RetryAfter set) instead of a stalled run.
	maxRetryAfter = 5 * time.Minute

	defaultMaxBody = 32 << 20 // a 2xx body larger than this is an error
	maxErrorBody   = 64 << 10 // what we read of an error body
	maxDrain       = 256 << 10
)

// Client talks to the Kinsta API. It is safe for concurrent use; make one
// per run.
type Client struct {
	key         string
	base        *url.URL
	kinstaHost  bool
	hc          *http.Client
	sem         chan struct{}
	maxRetries  int
	timeout     time.Duration
	sleep       func(context.Context, time.Duration) error
	now         func() time.Time
	jitter      func() float64
	log         *slog.Logger
	userAgent   string
	concurrency int
	rate        float64
	optErr      error
	pace        *pacer
	maxBody     int64
	budget      time.Duration

	mu    sync.Mutex
	stats report.APIStats
}

// Option configures a Client.
type Option func(*Client)

// refuseRedirect stops the default client from following redirects: the
// Kinsta API has no reason to send one, and Go keeps the Authorization
// header across a redirect to the same host name on another port or to
// plain http.
func refuseRedirect(req *http.Request, _ []*http.Request) error {
	return fmt.Errorf("kinsta: refusing a redirect to %s://%s%s", req.URL.Scheme, req.URL.Host, req.URL.Path)
}

// WithBaseURL sets the API root, e.g. SevallaBaseURL or a test server's
// "http://127.0.0.1:1234/v2". A trailing slash is ignored.
func WithBaseURL(u string) Option {
	return func(c *Client) {
		p, err := url.Parse(strings.TrimRight(strings.TrimSpace(u), "/"))
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" || p.User != nil {
			// Never echo user info or a query: either may hold a secret.
			shown := "(unparsable)"
			if err == nil {
				shown = (&url.URL{Scheme: p.Scheme, Host: p.Host, Path: p.Path}).String()
			}
			c.optErr = fmt.Errorf("fetch: base URL %q: want http(s)://host[/path] without user info or query", shown)
			return
		}
		c.base = p
	}
}

// WithHTTPClient sets the HTTP client (one for the whole run).
func WithHTTPClient(h *http.Client) Option {
	return func(c *Client) {
		if h != nil {
			c.hc = h
		}
	}
}

// WithConcurrency sets how many requests may be in flight at once
// (default 4; at least 1).
func WithConcurrency(n int) Option { return func(c *Client) { c.concurrency = max(n, 1) } }

// WithRate caps the request rate at perMinute requests a minute, evenly
// spaced; 0 (the default) sets no cap. The client slows down further on its
// own after a 429.
func WithRate(perMinute float64) Option { return func(c *Client) { c.rate = max(perMinute, 0) } }

// WithMaxRetries sets how many times a request is retried after a 429, a
// 5xx, a timeout or a connection failure (default 4; 0 disables retries).
func WithMaxRetries(n int) Option { return func(c *Client) { c.maxRetries = max(n, 0) } }

// WithRetryBudget bounds the waits before the retries of one request, added
// up (default 2 minutes): a request whose next retry would wait beyond it
// fails with its last error. Waiting for the pacer does not count.
func WithRetryBudget(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.budget = d
		}
	}
}

// WithRequestTimeout bounds each try of a request (default 30s).
func WithRequestTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithSleep replaces the wait used for backoff and pacing; it must return
// ctx.Err() when ctx ends first. Tests inject one that returns at once.
func WithSleep(f func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) {
		if f != nil {
			c.sleep = f
		}
	}
}

// WithClock replaces the clock used for pacing, Retry-After dates and
// durations in logs (default time.Now). Tests pair it with WithSleep.
func WithClock(now func() time.Time) Option {
	return func(c *Client) {
		if now != nil {
			c.now = now
		}
	}
}

// WithJitter replaces the random source of the backoff jitter: a function
// returning values in [0, 1).
func WithJitter(f func() float64) Option {
	return func(c *Client) {
		if f != nil {
			c.jitter = f
		}
	}
}

// WithLogger logs one debug line per try (method, path, status, duration)
// and per wait. It never logs headers, the query or the key.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) {
		if l != nil {
			c.log = l
		}
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(s string) Option {
	return func(c *Client) {
		if s != "" {
			c.userAgent = s
		}
	}
}

// NewClient returns a client that authenticates with apiKey (sent only as
// "Authorization: Bearer <apiKey>").
func NewClient(apiKey string, opts ...Option) (*Client, error) {
	if apiKey == "" {
		return nil, errors.New("fetch: empty API key")
	}
	if strings.ContainsAny(apiKey, " \t\r\n") {
		return nil, errors.New("fetch: the API key contains white space")
	}
	c := &Client{
		key:         apiKey,
		maxRetries:  defaultMaxRetries,
		timeout:     defaultTimeout,
		sleep:       backoff.Sleep,
		now:         time.Now,
		jitter:      rand.Float64,
		log:         slog.New(slog.DiscardHandler),
		userAgent:   defaultUserAgent,
		concurrency: defaultConcurrency,
		maxBody:     defaultMaxBody,
		budget:      defaultBudget,
	}
	WithBaseURL(DefaultBaseURL)(c)
	for _, o := range opts {
		o(c)
	}
	if c.optErr != nil {
		return nil, c.optErr
	}
	if c.hc == nil {
		// Keep a connection per request in flight (the default keeps 2).
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = max(c.concurrency, tr.MaxIdleConnsPerHost)
		c.hc = &http.Client{Transport: tr, CheckRedirect: refuseRedirect}
	}
	c.kinstaHost = strings.EqualFold(c.base.Hostname(), "api.kinsta.com")
	c.sem = make(chan struct{}, c.concurrency)
	c.pace = newPacer(c.rate, c.concurrency)
	return c, nil
}

// Stats returns the accounting so far: tries sent (retries included),
// retries, 429 answers, and the time requests spent waiting for pacing and
// backoff, summed over requests (waits that overlap add up).
func (c *Client) Stats() report.APIStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

func (c *Client) account(f func(*report.APIStats)) {
	c.mu.Lock()
	f(&c.stats)
	c.mu.Unlock()
}

// wait sleeps d (counted in Stats().Wait) unless ctx ends first.
func (c *Client) wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	c.account(func(s *report.APIStats) { s.Wait += d })
	return c.sleep(ctx, d)
}

// retrySchedule: exponential from 500ms, capped at 30s.
var retrySchedule = backoff.Schedule{Base: backoffBase, Cap: backoffCap}

// backoff is the wait before retry number attempt+1 (attempt counts from
// 0): retrySchedule with "equal jitter" (half fixed, half random).
func (c *Client) backoff(attempt int) time.Duration {
	return retrySchedule.Delay(attempt, c.jitter())
}

// url is the request URL of apiPath (already escaped) and its query.
func (c *Client) url(apiPath string, q url.Values) *url.URL {
	u := *c.base
	u.RawPath = c.base.EscapedPath() + apiPath
	if p, err := url.PathUnescape(u.RawPath); err == nil {
		u.Path = p
	}
	u.RawQuery = q.Encode()
	return &u
}

// escapedPath joins literal path parts and escaped ids.
func escapedPath(parts ...string) string {
	var b strings.Builder
	for i, p := range parts {
		b.WriteByte('/')
		if i%2 == 1 { // odd parts are ids
			p = url.PathEscape(p)
		}
		b.WriteString(p)
	}
	return b.String()
}

// answer is a 2xx answer.
type answer struct {
	status int
	body   []byte
}

// get sends GET apiPath?q with retries and returns the 2xx answer. Each
// retry waits its own Retry-After, else the backoff; a 429 also goes to the
// pacer, which decides whether it was isolated or part of a limit.
func (c *Client) get(ctx context.Context, apiPath string, q url.Values) (answer, error) {
	u := c.url(apiPath, q)
	var waited time.Duration
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			c.account(func(s *report.APIStats) { s.Retries++ })
		}
		ans, apiErr, err := c.try(ctx, u, apiPath, attempt)
		if err != nil {
			return answer{}, err
		}
		if apiErr == nil {
			return ans, nil
		}
		d := c.backoff(attempt)
		if apiErr.RetryAfter > 0 {
			d = apiErr.RetryAfter
		}
		retryable := errors.Is(apiErr.Err, ErrRateLimited) || errors.Is(apiErr.Err, ErrServer) ||
			errors.Is(apiErr.Err, ErrTimeout) || apiErr.transient
		if !retryable || attempt >= c.maxRetries || apiErr.RetryAfter > maxRetryAfter {
			return answer{}, apiErr
		}
		if waited+d > c.budget {
			return answer{}, fmt.Errorf("%w (retries would wait more than %s in all)", apiErr, c.budget)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return answer{}, apiErr // the context would end before the retry
		}
		c.log.DebugContext(ctx, "kinsta retry", "method", http.MethodGet, "path", apiPath, "status", apiErr.Status, "wait", d, "attempt", attempt+1)
		if err := c.wait(ctx, d); err != nil {
			return answer{}, fmt.Errorf("%w (waiting to retry after %s)", err, apiErr.Error())
		}
		waited += d
	}
}

// try sends one request. It returns the body of a 2xx answer, or an
// *APIError for any other answer, a timeout or a connection failure, or err
// for what ends the request for good (the context ended).
func (c *Client) try(ctx context.Context, u *url.URL, apiPath string, attempt int) (answer, *APIError, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return answer{}, nil, ctx.Err()
	}
	release := func() { <-c.sem }
	if err := c.paced(ctx, apiPath); err != nil {
		release()
		return answer{}, nil, err
	}
	started := c.now()
	body, resp, apiErr, err := c.send(ctx, u, apiPath, attempt)
	release()
	if err != nil || apiErr != nil {
		return answer{}, apiErr, err
	}
	now := c.now()
	c.pace.observe(now, resp.Header)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		c.pace.success(now, started)
		if int64(len(body)) > c.maxBody {
			return answer{}, &APIError{Method: http.MethodGet, Path: apiPath, Status: resp.StatusCode, Err: ErrBadResponse,
				Message: fmt.Sprintf("body larger than %d bytes", c.maxBody)}, nil
		}
		if isHTML(resp.Header.Get("Content-Type"), body) {
			return answer{}, &APIError{Method: http.MethodGet, Path: apiPath, Status: resp.StatusCode, Err: ErrNotAPI,
				Message: "the base URL does not look like the Kinsta API"}, nil
		}
		return answer{status: resp.StatusCode, body: body}, nil, nil
	}
	msg := errorMessage(body, c.key)
	e := &APIError{Method: http.MethodGet, Path: apiPath, Status: resp.StatusCode, Message: msg, Err: classify(resp.StatusCode, msg)}
	e.RetryAfter = retryAfter(resp.Header, now)
	if e.Err == ErrRateLimited {
		c.account(func(s *report.APIStats) { s.RateLimited++ })
		c.pace.throttled(now, started)
	}
	if c.kinstaHost && (resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone) &&
		(apiPath == "/applications" || strings.HasPrefix(apiPath, "/applications/")) {
		e.Moved = true
	}
	return answer{}, e, nil
}

// paced waits for the pacer's slot. It looks again at least every
// second: when a pause begins or the rate cap changes while it waits
// (another request got a 429, or the rate window is used up), the slot is
// booked again.
func (c *Client) paced(ctx context.Context, apiPath string) error {
	for range 1000 {
		d, gen := c.pace.reserve(c.now())
		if d <= 0 {
			return ctx.Err()
		}
		if d >= time.Second {
			c.log.DebugContext(ctx, "kinsta rate wait", "method", http.MethodGet, "path", apiPath, "wait", d)
		}
		for d > 0 {
			step := min(d, time.Second)
			if err := c.wait(ctx, step); err != nil {
				return err
			}
			d -= step
			if c.pace.stale(c.now(), gen) {
				break
			}
		}
		if !c.pace.stale(c.now(), gen) {
			return nil
		}
	}
	return nil
}

// send makes one HTTP request and reads the body (capped); the body is
// drained and closed before it returns.
func (c *Client) send(ctx context.Context, u *url.URL, apiPath string, attempt int) ([]byte, *http.Response, *APIError, error) {
	tctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(tctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("kinsta: GET %s: %w", apiPath, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)

	start := c.now()
	c.account(func(s *report.APIStats) { s.Requests++ })
	resp, err := c.hc.Do(req)
	var body []byte
	if err == nil {
		limit := c.maxBody + 1
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			limit = maxErrorBody
		}
		body, err = io.ReadAll(io.LimitReader(resp.Body, limit))
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
		_ = resp.Body.Close()
	}
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	c.log.DebugContext(ctx, "kinsta request", "method", http.MethodGet, "path", apiPath, "status", status,
		"duration", c.now().Sub(start), "attempt", attempt+1)
	if err == nil {
		return body, resp, nil, nil
	}
	if ctx.Err() != nil {
		return nil, nil, nil, ctx.Err()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its message holds the full URL
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return nil, nil, &APIError{Method: http.MethodGet, Path: apiPath, Status: status, Err: ErrTimeout,
			Message: "no answer within " + c.timeout.String()}, nil
	}
	return nil, nil, &APIError{Method: http.MethodGet, Path: apiPath, Status: status, Err: ErrNetwork, Message: err.Error(),
		transient: transient(err)}, nil
}

// transient reports whether a transport failure is worth retrying on an
// idempotent GET: the connection refused, reset, aborted or closed before
// the answer, the host unreachable, or a DNS failure. Certificate errors,
// refused redirects and the like are not.
func transient(err error) bool {
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	return false
}

// retryAfter reads Retry-After (seconds or an HTTP date), else, when the
// rate window is used up, x-ratelimit-reset.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return clampSeconds(n)
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	if rem, ok := headerInt(h, "x-ratelimit-remaining"); ok && rem == 0 {
		if d, ok := resetIn(h, now); ok {
			return d
		}
	}
	return 0
}

func clampSeconds(n int64) time.Duration {
	if n < 0 {
		return 0
	}
	if n > int64(24*time.Hour/time.Second) {
		return 24 * time.Hour
	}
	return time.Duration(n) * time.Second
}

func headerInt(h http.Header, k string) (int64, bool) {
	v := strings.TrimSpace(h.Get(k))
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// resetIn reads x-ratelimit-reset: seconds until the window resets, or
// (when it looks like one) a Unix time in seconds.
func resetIn(h http.Header, now time.Time) (time.Duration, bool) {
	n, ok := headerInt(h, "x-ratelimit-reset")
	if !ok || n < 0 {
		return 0, false
	}
	if n > 1_000_000_000 {
		return max(time.Unix(n, 0).Sub(now), 0), true
	}
	return clampSeconds(n), true
}

// isHTML tells a web page from the API's JSON: by its media type, or, when
// a server sends none or a wrong one, by a body that opens with markup.
func isHTML(contentType string, body []byte) bool {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && (mt == "text/html" || mt == "application/xhtml+xml") {
		return true
	}
	b := bytes.TrimLeft(body, " \t\r\n\ufeff")
	return len(b) > 0 && b[0] == '<'
}
