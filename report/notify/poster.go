package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kinsta-report/kinsta-report/internal/backoff"
	"github.com/kinsta-report/kinsta-report/report"
)

// Defaults of a Poster.
const (
	DefaultAttempts   = 4
	DefaultBaseDelay  = time.Second
	DefaultMaxDelay   = 30 * time.Second
	DefaultMaxWait    = 2 * time.Minute // the longest Retry-After honoured
	defaultTryTimeout = 30 * time.Second
	maxErrorBody      = 512
	maxDrain          = 64 << 10
)

// Errors a post can end in; test them with errors.Is.
var (
	// ErrRejected: the receiver answered with a 4xx other than 429 (a bad
	// payload, a revoked webhook); retrying would not help.
	ErrRejected = errors.New("rejected")
	// ErrGaveUp: 429s, 5xx answers or network errors until the attempts
	// ran out, or a Retry-After longer than the longest wait.
	ErrGaveUp = errors.New("gave up")
)

// PostError is a post that failed. Its text names the target by kind and
// name only: never the URL (Slack and Teams URLs are credentials), the
// secret or the signature.
type PostError struct {
	Target   string // slack "ops-channel"
	Attempts int
	Status   int    // the last HTTP status; 0 after a network error
	Detail   string // the receiver's answer (capped) or the network error
	Err      error  // ErrRejected, ErrGaveUp, or the context's error
}

func (e *PostError) Error() string {
	s := fmt.Sprintf("notify %s: post", e.Target)
	if e.Status != 0 {
		s += fmt.Sprintf(": %d %s", e.Status, http.StatusText(e.Status))
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s + fmt.Sprintf(" (%s after %d attempt%s)", e.Err, e.Attempts, plural(e.Attempts))
}

func (e *PostError) Unwrap() error { return e.Err }

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Poster posts messages to webhooks: one http.Client for the run; 429s
// (honouring Retry-After), 5xx answers and network errors are retried
// with capped, jittered exponential backoff.
type Poster struct {
	hc         *http.Client
	attempts   int
	schedule   backoff.Schedule
	maxWait    time.Duration
	tryTimeout time.Duration
	sleep      func(ctx context.Context, d time.Duration) error
	now        func() time.Time
	jitter     func() float64
	userAgent  string
}

// PosterOption configures a Poster.
type PosterOption func(*Poster)

// WithAttempts sets how many times a message is tried in all (default 4;
// at least 1).
func WithAttempts(n int) PosterOption { return func(p *Poster) { p.attempts = max(n, 1) } }

// WithBackoff sets the first retry's wait and the cap on any wait but a
// Retry-After (defaults 1s and 30s).
func WithBackoff(base, cap time.Duration) PosterOption {
	return func(p *Poster) {
		if base > 0 {
			p.schedule.Base = base
		}
		if cap > 0 {
			p.schedule.Cap = cap
		}
	}
}

// WithMaxWait sets the longest Retry-After the poster waits for (default
// 2 minutes); a longer one ends the post with ErrGaveUp.
func WithMaxWait(d time.Duration) PosterOption {
	return func(p *Poster) {
		if d > 0 {
			p.maxWait = d
		}
	}
}

// WithTryTimeout bounds each attempt (default 30s).
func WithTryTimeout(d time.Duration) PosterOption {
	return func(p *Poster) {
		if d > 0 {
			p.tryTimeout = d
		}
	}
}

// WithSleep replaces the wait between attempts; it must return ctx.Err()
// when ctx ends first. Tests inject one that records and returns at once.
func WithSleep(f func(ctx context.Context, d time.Duration) error) PosterOption {
	return func(p *Poster) {
		if f != nil {
			p.sleep = f
		}
	}
}

// WithClock replaces the clock that reads Retry-After dates (default
// time.Now).
func WithClock(now func() time.Time) PosterOption {
	return func(p *Poster) {
		if now != nil {
			p.now = now
		}
	}
}

// WithJitter replaces the backoff's random source: values in [0, 1).
func WithJitter(f func() float64) PosterOption {
	return func(p *Poster) {
		if f != nil {
			p.jitter = f
		}
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(s string) PosterOption {
	return func(p *Poster) {
		if s != "" {
			p.userAgent = s
		}
	}
}

// NewPoster returns a Poster over hc (nil: a client of its own that
// follows no redirects).
func NewPoster(hc *http.Client, opts ...PosterOption) *Poster {
	p := &Poster{
		hc:         hc,
		attempts:   DefaultAttempts,
		schedule:   backoff.Schedule{Base: DefaultBaseDelay, Cap: DefaultMaxDelay},
		maxWait:    DefaultMaxWait,
		tryTimeout: defaultTryTimeout,
		sleep:      backoff.Sleep,
		now:        time.Now,
		jitter:     rand.Float64,
		userAgent:  "kinsta-report",
	}
	for _, o := range opts {
		o(p)
	}
	if p.hc == nil {
		p.hc = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return p
}

// Post sends m to t.URL with POST. Any 2xx is success. A 429 (after its
// Retry-After, when given), a 5xx or a network error is retried; another
// answer ends the post with ErrRejected. The returned *PostError never
// holds t.URL or t.Secret.
func (p *Poster) Post(ctx context.Context, t Target, m Message) error {
	fail := func(attempts, status int, detail string, err error) error {
		return &PostError{Target: t.String(), Attempts: attempts, Status: status, Detail: redact(detail, t), Err: err}
	}
	u, err := url.Parse(t.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fail(0, 0, "the webhook URL is not an http(s) URL", ErrRejected)
	}
	for attempt := 1; ; attempt++ {
		status, detail, wait, retry, err := p.try(ctx, t, m)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fail(attempt, status, detail, ctx.Err())
		}
		if !retry {
			return fail(attempt, status, detail, ErrRejected)
		}
		if attempt >= p.attempts {
			return fail(attempt, status, detail, ErrGaveUp)
		}
		if wait > p.maxWait {
			return fail(attempt, status, detail+"; Retry-After "+wait.String()+" is longer than "+p.maxWait.String(), ErrGaveUp)
		}
		if wait <= 0 {
			wait = p.backoff(attempt)
		}
		if err := p.sleep(ctx, wait); err != nil {
			return fail(attempt, status, detail, err)
		}
	}
}

// errTry marks an attempt that did not succeed.
var errTry = errors.New("attempt failed")

// try makes one attempt. It returns the status, what went wrong, the
// Retry-After wait, and whether another attempt may help.
func (p *Poster) try(ctx context.Context, t Target, m Message) (status int, detail string, wait time.Duration, retry bool, err error) {
	tctx, cancel := context.WithTimeout(ctx, p.tryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(tctx, http.MethodPost, t.URL, bytes.NewReader(m.Body))
	if err != nil {
		return 0, "build request", 0, false, errTry // the error text holds the URL
	}
	for k, vs := range m.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	ct := m.ContentType
	if ct == "" {
		ct = "application/json"
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("User-Agent", p.userAgent)
	resp, err := p.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text holds the URL
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, "no answer within " + p.tryTimeout.String(), 0, true, errTry
		}
		return 0, err.Error(), 0, true, errTry
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	_ = resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return resp.StatusCode, "", 0, false, nil
	}
	detail = report.DisplayText(strings.TrimSpace(string(body)))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return resp.StatusCode, detail, retryAfter(resp.Header, p.now()), true, errTry
	case resp.StatusCode >= 500:
		return resp.StatusCode, detail, retryAfter(resp.Header, p.now()), true, errTry
	default:
		return resp.StatusCode, detail, 0, false, errTry
	}
}

// backoff is the wait after attempt n (1-based, so before retry n-1
// counting from 0): base·2^(n-1), capped, with jitter over its upper half.
func (p *Poster) backoff(n int) time.Duration {
	return p.schedule.Delay(n-1, p.jitter())
}

// retryAfter reads Retry-After: seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(min(n, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// redact removes the target's URL (whole, its path and query, and its
// host) and secret from s: a receiver or a network error may echo them.
func redact(s string, t Target) string {
	var pairs []string
	add := func(secret, with string) {
		if secret != "" {
			pairs = append(pairs, secret, with)
		}
	}
	add(t.URL, "[webhook URL]")
	if u, err := url.Parse(t.URL); err == nil {
		if ru := u.RequestURI(); len(ru) > 1 {
			add(ru, "[webhook path]")
		}
		if u.RawQuery != "" {
			add(u.RawQuery, "[webhook query]")
		}
		if u.Path != "" && u.Path != "/" {
			add(u.Path, "[webhook path]")
			add(url.PathEscape(u.Path), "[webhook path]")
		}
		add(u.Host, "[webhook host]")
	}
	add(t.Secret, "[secret]")
	return strings.NewReplacer(pairs...).Replace(s)
}
