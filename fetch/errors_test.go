package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestErrorClasses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		h        http.HandlerFunc
		want     error
		status   int
		tries    int    // requests the server should see
		contains string // in err.Error()
	}{
		{name: "400", h: respond(400, `{"message":"Bad request format","status":400,"data":null}`), want: ErrBadRequest, status: 400, tries: 1,
			contains: "kinsta: 400 Bad Request: Bad request format (GET /applications/" + appID + "/metrics/bandwidth)"},
		{name: "401", h: respond(401, `{"message":"No or invalid API key provided to the request","status":401,"data":{}}`), want: ErrUnauthorized, status: 401, tries: 1,
			contains: "401 Unauthorized: No or invalid API key"},
		{name: "403", h: respond(403, `{"message":"Forbidden"}`), want: ErrUnauthorized, status: 403, tries: 1},
		{name: "404", h: respond(404, `{"status":404,"message":"No application or database found with the provided unique ID.","data":null}`), want: ErrNotFound, status: 404, tries: 1,
			contains: "404 Not Found: No application or database found"},
		{name: "410", h: respond(410, ``), want: ErrNotFound, status: 410, tries: 1, contains: "kinsta: 410 Gone (GET"},
		{name: "429 until the retries run out", h: respond(429, `{"status":429,"message":"Too many requests, please try again later."}`), want: ErrRateLimited, status: 429, tries: 3},
		{name: "too many requests in a 400 body", h: respond(400, `{"message":"Too Many Requests"}`), want: ErrRateLimited, status: 400, tries: 3},
		{name: "500", h: respond(500, `{"message":"Error occurred while retrieving application bandwidth","status":500}`), want: ErrServer, status: 500, tries: 3,
			contains: "kinsta: 500 Internal Server Error: Error occurred while retrieving application bandwidth"},
		{name: "502 with an HTML page", h: respond(502, `<html><body>bad gateway</body></html>`), want: ErrServer, status: 502, tries: 3, contains: "kinsta: 502 Bad Gateway (GET"},
		{name: "503 plain text", h: respond(503, "upstream\nunavailable"), want: ErrServer, status: 503, tries: 3, contains: "503 Service Unavailable: upstream unavailable"},
		{name: "200 not JSON", h: respond(200, `not json`), want: ErrBadResponse, status: 200, tries: 1, contains: "bad response (200 OK): body: invalid JSON"},
		{name: "200 HTML page", h: respond(200, `<html>`), want: ErrBadResponse, status: 200, tries: 1, contains: "bad response (200 OK): the base URL does not look like the Kinsta API"},
		{name: "200 empty", h: respond(200, ``), want: ErrBadResponse, status: 200, tries: 1},
		{name: "200 without app", h: respond(200, `{}`), want: ErrBadResponse, status: 200, tries: 1, contains: "app: missing"},
		{name: "200 bad value names the element", h: respond(200, seriesBody("bandwidth", `[{"time":"1","value":"1"},{"time":"2","value":"2"},{"time":"3","value":"3"},{"time":"4","value":"n/a"}]`)),
			want: ErrBadResponse, status: 200, tries: 1, contains: `bandwidth[3].value "n/a": not a number`},
		{name: "204 no content", h: respond(204, ``), want: ErrBadResponse, status: 204, tries: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			seq := &sequence{hs: []http.HandlerFunc{tc.h}}
			c, _ := newTestClient(t, mount(t, seq), WithMaxRetries(2))
			_, err := c.Bandwidth(t.Context(), appID, testRange)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want errors.Is %v", err, tc.want)
			}
			for _, other := range []error{ErrUnauthorized, ErrNotFound, ErrRateLimited, ErrServer, ErrBadRequest, ErrBadResponse, ErrTimeout, ErrNetwork, ErrMoved} {
				if other != tc.want && errors.Is(err, other) {
					t.Errorf("err also Is %v", other)
				}
			}
			var ae *APIError
			if !errors.As(err, &ae) || ae.Status != tc.status || ae.Method != "GET" || ae.Path != "/applications/"+appID+"/metrics/bandwidth" {
				t.Errorf("APIError = %+v, want status %d and the path", ae, tc.status)
			}
			if tc.contains != "" && !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.contains)
			}
			if strings.Contains(err.Error(), "timeframe_start") || strings.Contains(err.Error(), "?") {
				t.Errorf("error %q holds the query", err)
			}
			if seq.count() != tc.tries {
				t.Errorf("%d requests, want %d", seq.count(), tc.tries)
			}
			if got := c.Stats(); got.Requests != tc.tries || got.Retries != tc.tries-1 {
				t.Errorf("stats %+v, want %d requests", got, tc.tries)
			}
		})
	}
}

// The error wraps through the caller's own wrapping.
func TestErrorsIsThroughWrapping(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t, mount(t, respond(401, `{"message":"Unauthenticated.","status":401,"data":null}`)))
	_, err := c.Validate(t.Context())
	wrapped := errors.Join(errors.New("other"), errors.New("x"))
	wrapped = errors.Join(wrapped, err)
	if !errors.Is(wrapped, ErrUnauthorized) {
		t.Errorf("errors.Is through wrapping failed: %v", wrapped)
	}
}

func TestMovedToSevalla(t *testing.T) {
	t.Parallel()
	notFound := respond(404, `{"message":"Not Found","status":404}`)
	tests := []struct {
		name  string
		base  string
		call  func(*Client) error
		moved bool
	}{
		{name: "kinsta host, metrics", base: DefaultBaseURL, moved: true,
			call: func(c *Client) error { _, err := c.Bandwidth(t.Context(), appID, testRange); return err }},
		{name: "kinsta host, list", base: "https://API.kinsta.com/v2/", moved: true,
			call: func(c *Client) error { _, err := c.Applications(t.Context(), "c-1"); return err }},
		{name: "kinsta host, app", base: DefaultBaseURL, moved: true,
			call: func(c *Client) error { _, err := c.Application(t.Context(), appID); return err }},
		{name: "kinsta host, users is not an application endpoint", base: DefaultBaseURL,
			call: func(c *Client) error { _, err := c.Users(t.Context(), "c-1"); return err }},
		{name: "sevalla host", base: SevallaBaseURL,
			call: func(c *Client) error { _, err := c.Bandwidth(t.Context(), appID, testRange); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var host string
			hc := &http.Client{Transport: handlerTransport{http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				host = r.Host
				notFound(w, r)
			})}}
			c, err := NewClient(testKey, WithBaseURL(tc.base), WithHTTPClient(hc), WithSleep(newFakeClock().Sleep))
			if err != nil {
				t.Fatal(err)
			}
			err = tc.call(c)
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
			if errors.Is(err, ErrMoved) != tc.moved {
				t.Errorf("Is(ErrMoved) = %v, want %v (%v)", !tc.moved, tc.moved, err)
			}
			hint := strings.Contains(err.Error(), SevallaBaseURL) && strings.Contains(err.Error(), "api.base_url") && strings.Contains(err.Error(), "KINSTA_API_URL")
			if hint != tc.moved {
				t.Errorf("hint in %q: %v, want %v", err, hint, tc.moved)
			}
			if host == "" {
				t.Error("no request made")
			}
		})
	}
}

func TestRetryThenSuccess(t *testing.T) {
	t.Parallel()
	ok := respond(200, seriesBody("bandwidth", `[{"time":"`+ms1+`","value":"1"}]`))
	seq := &sequence{hs: []http.HandlerFunc{respond(503, ``), respond(500, `{"message":"x"}`), respond(502, ``), ok}}
	c, clk := newTestClient(t, mount(t, seq))
	pts, err := c.Bandwidth(t.Context(), appID, testRange)
	if err != nil || len(pts) != 1 {
		t.Fatalf("pts %v, err %v", pts, err)
	}
	// Equal jitter at 0.5: 3/4 of 500ms, 1s, 2s.
	want := []time.Duration{375 * time.Millisecond, 750 * time.Millisecond, 1500 * time.Millisecond}
	if got := clk.Sleeps(); !equalDurations(got, want) {
		t.Errorf("sleeps %v, want %v", got, want)
	}
	st := c.Stats()
	if st.Requests != 4 || st.Retries != 3 || st.RateLimited != 0 || st.Wait != 2625*time.Millisecond {
		t.Errorf("stats %+v", st)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBackoffIsCappedAndJittered(t *testing.T) {
	t.Parallel()
	for _, j := range []float64{0, 0.999} {
		c, err := NewClient(testKey, WithJitter(func() float64 { return j }))
		if err != nil {
			t.Fatal(err)
		}
		prev := time.Duration(0)
		for attempt := range 40 {
			d := c.backoff(attempt)
			if d < prev || d > backoffCap || d < backoffBase/2 {
				t.Fatalf("jitter %v attempt %d: backoff %v after %v", j, attempt, d, prev)
			}
			prev = d
		}
		if prev < backoffCap/2 {
			t.Errorf("backoff never reaches the cap: %v", prev)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	clkForDate := newFakeClock()
	tests := []struct {
		name string
		hdr  []string
		want time.Duration
	}{
		{name: "seconds", hdr: []string{"Retry-After", "7"}, want: 7 * time.Second},
		{name: "HTTP date", hdr: []string{"Retry-After", clkForDate.Now().Add(90 * time.Second).Format(http.TimeFormat)}, want: 90 * time.Second},
		{name: "date in the past falls back to backoff", hdr: []string{"Retry-After", clkForDate.Now().Add(-time.Hour).Format(http.TimeFormat)}, want: 375 * time.Millisecond},
		{name: "ratelimit reset when none remain", hdr: []string{"x-ratelimit-remaining", "0", "x-ratelimit-reset", "12"}, want: 12 * time.Second},
		{name: "ratelimit reset as a unix time", hdr: []string{"x-ratelimit-remaining", "0", "x-ratelimit-reset", strconv.FormatInt(clkForDate.Now().Unix()+30, 10)}, want: 30 * time.Second},
		{name: "ratelimit reset in the past", hdr: []string{"x-ratelimit-remaining", "0", "x-ratelimit-reset", strconv.FormatInt(clkForDate.Now().Unix()-30, 10)}, want: 375 * time.Millisecond},
		{name: "garbage falls back to backoff", hdr: []string{"Retry-After", "soon"}, want: 375 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ok := respond(200, seriesBody("bandwidth", `[]`))
			seq := &sequence{hs: []http.HandlerFunc{respond(429, `{"status":429,"message":"Too many requests, please try again later."}`, tc.hdr...), ok}}
			c, clk := newTestClient(t, mount(t, seq))
			if _, err := c.Bandwidth(t.Context(), appID, testRange); err != nil {
				t.Fatal(err)
			}
			var total time.Duration
			for _, d := range clk.Sleeps() {
				total += d
			}
			if total != tc.want {
				t.Errorf("waited %v (%v), want %v", total, clk.Sleeps(), tc.want)
			}
			st := c.Stats()
			if st.RateLimited != 1 || st.Retries != 1 || st.Requests != 2 || st.Wait != tc.want {
				t.Errorf("stats %+v", st)
			}
		})
	}

	t.Run("too long a wait is an error carrying RetryAfter", func(t *testing.T) {
		t.Parallel()
		seq := &sequence{hs: []http.HandlerFunc{respond(429, `{}`, "Retry-After", "3600")}}
		c, clk := newTestClient(t, mount(t, seq))
		_, err := c.Bandwidth(t.Context(), appID, testRange)
		var ae *APIError
		if !errors.As(err, &ae) || !errors.Is(err, ErrRateLimited) || ae.RetryAfter != time.Hour {
			t.Fatalf("err = %#v", err)
		}
		if seq.count() != 1 || len(clk.Sleeps()) != 0 {
			t.Errorf("%d requests, sleeps %v", seq.count(), clk.Sleeps())
		}
	})

	t.Run("a wait past the context deadline gives up at once", func(t *testing.T) {
		t.Parallel()
		seq := &sequence{hs: []http.HandlerFunc{respond(503, `{}`, "Retry-After", "60")}}
		c, clk := newTestClient(t, mount(t, seq))
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second) // contexts use the real clock
		_ = clk
		defer cancel()
		_, err := c.Bandwidth(ctx, appID, testRange)
		if !errors.Is(err, ErrServer) || seq.count() != 1 {
			t.Errorf("err %v after %d requests", err, seq.count())
		}
	})
}

// An isolated 429 delays only its own retry (its Retry-After); the
// requests after it are not spaced and no rate cap goes on.
func TestIsolated429DelaysOnlyItsRetry(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	served := 0
	srv := mount(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		served++
		first := served == 1
		mu.Unlock()
		if first {
			respond(429, `{"status":429,"message":"Too many requests, please try again later."}`, "Retry-After", "5")(w, r)
			return
		}
		respond(200, seriesBody("bandwidth", `[]`))(w, r)
	}))
	c, clk := newTestClient(t, srv, WithConcurrency(1))
	ctx := t.Context()
	if _, err := c.Bandwidth(ctx, appID, testRange); err != nil {
		t.Fatal(err)
	}
	if got := clk.Sleeps(); !equalDurations(got, []time.Duration{5 * time.Second}) {
		t.Errorf("sleeps %v, want the one Retry-After of 5s", got)
	}
	for range 3 {
		if _, err := c.Bandwidth(ctx, appID, testRange); err != nil {
			t.Fatal(err)
		}
	}
	if got := clk.Sleeps(); len(got) != 1 {
		t.Errorf("the requests after an isolated 429 waited: sleeps %v", got)
	}
	if c.pace.capOn {
		t.Error("one 429 switched the rate cap on")
	}
	if st := c.Stats(); st.RateLimited != 1 || st.Retries != 1 || st.Requests != 5 {
		t.Errorf("stats %+v", st)
	}
}

func TestContextCancelledMidBackoff(t *testing.T) {
	t.Parallel()
	seq := &sequence{hs: []http.HandlerFunc{respond(503, `{"message":"down"}`)}}
	c, clk := newTestClient(t, mount(t, seq), WithMaxRetries(10))
	ctx, cancel := context.WithCancel(t.Context())
	clk.onSleep = func(time.Duration) { cancel() }
	_, err := c.Bandwidth(ctx, appID, testRange)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if !strings.Contains(err.Error(), "503") {
		t.Errorf("err %q does not say what it was waiting to retry", err)
	}
	if seq.count() != 1 {
		t.Errorf("%d requests after the cancel, want 1", seq.count())
	}
}

func TestContextCancelledBeforeRequest(t *testing.T) {
	t.Parallel()
	seq := &sequence{hs: []http.HandlerFunc{respond(200, `{}`)}}
	c, _ := newTestClient(t, mount(t, seq))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.Validate(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	if seq.count() != 0 {
		t.Errorf("%d requests on a cancelled context", seq.count())
	}
}

func TestTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	n := 0
	srv := mount(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		hang := n == 1
		mu.Unlock()
		if hang {
			<-r.Context().Done() // until the client gives up
			return
		}
		respond(200, `{"name":"k","expires_at":null,"company":"c-1","status":"active"}`)(w, r)
	}))
	c, _ := newTestClient(t, srv, WithRequestTimeout(100*time.Millisecond))
	v, err := c.Validate(t.Context())
	if err != nil || v.Company != "c-1" {
		t.Fatalf("v %+v err %v", v, err)
	}
	if st := c.Stats(); st.Retries < 1 {
		t.Errorf("stats %+v", st)
	}

	c2, _ := newTestClient(t, mount(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })),
		WithRequestTimeout(5*time.Millisecond), WithMaxRetries(1))
	_, err = c2.Validate(t.Context())
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "no answer within 5ms") {
		t.Errorf("err = %v, want ErrTimeout", err)
	}
}

// A refused connection is retried with the backoff until the retries run
// out; the error says what failed, without the URL or the key.
func TestConnectionRefusedRetried(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL + "/v2"
	srv.Close() // nothing listens there now
	clk := newFakeClock()
	c, err := NewClient(testKey, WithBaseURL(base), WithSleep(clk.Sleep), WithClock(clk.Now),
		WithJitter(func() float64 { return 0.5 }), WithMaxRetries(3))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Validate(t.Context())
	if !errors.Is(err, ErrNetwork) || strings.Contains(err.Error(), "http://") || strings.Contains(err.Error(), testKey) ||
		!strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "/validate") {
		t.Errorf("err = %v, want ErrNetwork naming the refusal and the path, without the URL", err)
	}
	if st := c.Stats(); st.Retries != 3 || st.Requests != 4 {
		t.Errorf("stats %+v, want 3 retries", st)
	}
	// Equal jitter at 0.5: 375ms, 750ms, 1.5s.
	if got, want := clk.Sleeps(), []time.Duration{375 * time.Millisecond, 750 * time.Millisecond, 1500 * time.Millisecond}; !equalDurations(got, want) {
		t.Errorf("backoff %v, want %v", got, want)
	}
}

// The retry budget stops a request whose retries would wait too long in
// all.
func TestRetryBudget(t *testing.T) {
	t.Parallel()
	seq := &sequence{hs: []http.HandlerFunc{respond(503, `{"message":"down"}`)}}
	c, clk := newTestClient(t, mount(t, seq), WithMaxRetries(20), WithRetryBudget(10*time.Second))
	_, err := c.Validate(t.Context())
	if !errors.Is(err, ErrServer) || !strings.Contains(err.Error(), "more than 10s in all") {
		t.Fatalf("err = %v, want ErrServer beyond the budget", err)
	}
	var total time.Duration
	for _, d := range clk.Sleeps() {
		total += d
	}
	if total > 10*time.Second || seq.count() < 3 {
		t.Errorf("waited %v over %d requests", total, seq.count())
	}
}

// Only failures a retry can cure are retried.
func TestTransient(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, true},
		{&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, true},
		{&net.DNSError{Err: "server misbehaving", Name: "api.sevalla.com", IsTemporary: true}, true},
		{fmt.Errorf("read: %w", io.EOF), true},
		{io.ErrUnexpectedEOF, true},
		{errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority"), false},
		{errors.New("kinsta: refusing a redirect to https://elsewhere/"), false},
	} {
		if got := transient(tc.err); got != tc.want {
			t.Errorf("transient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	big := `{"app":{"id":"x","pad":"` + strings.Repeat("a", 4096) + `"}}`
	c, _ := newTestClient(t, mount(t, respond(200, big)))
	c.maxBody = 1024
	_, err := c.Bandwidth(t.Context(), appID, testRange)
	if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("err = %v", err)
	}
}

// The key travels only in the Authorization header: never in the URL, the
// query, another header, an error or a log line, even when the server
// echoes it back.
func TestKeyOnlyInAuthorizationHeader(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []*http.Request
	srv := mount(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Clone(context.Background()))
		mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/validate"):
			respond(200, `{"name":"k","expires_at":null,"company":"c-1","status":"active"}`)(w, r)
		case strings.HasSuffix(r.URL.Path, "/users"):
			// A server that echoes the header in its message.
			respond(401, `{"message":"bad token `+r.Header.Get("Authorization")+`","status":401}`)(w, r)
		case strings.HasSuffix(r.URL.Path, "/bandwidth"):
			respond(500, `{"message":"`+testKey+`"}`)(w, r)
		default:
			respond(200, `{"message":"unexpected"}`)(w, r)
		}
	}))
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, _ := newTestClient(t, srv, WithLogger(logger), WithMaxRetries(1))
	ctx := t.Context()
	var errs []error
	_, err := c.Validate(ctx)
	errs = append(errs, err)
	_, err = c.Users(ctx, "c-1")
	errs = append(errs, err)
	_, err = c.Bandwidth(ctx, appID, testRange)
	errs = append(errs, err)
	_, err = c.Applications(ctx, "c-1")
	errs = append(errs, err)

	if len(seen) < 4 {
		t.Fatalf("%d requests", len(seen))
	}
	for _, r := range seen {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testKey {
			t.Errorf("%s: Authorization %q", r.URL.Path, got)
		}
		if strings.Contains(r.URL.String(), testKey) || strings.Contains(r.URL.RawQuery, testKey) {
			t.Errorf("key in the URL %s", r.URL)
		}
		for k, vs := range r.Header {
			if k == "Authorization" {
				continue
			}
			for _, v := range vs {
				if strings.Contains(v, testKey) {
					t.Errorf("key in header %s", k)
				}
			}
		}
		if r.Header.Get("Accept") != "application/json" || r.Header.Get("User-Agent") == "" {
			t.Errorf("headers %v", r.Header)
		}
	}
	for i, err := range errs {
		if err != nil && strings.Contains(err.Error(), testKey) {
			t.Errorf("error %d holds the key: %v", i, err)
		}
	}
	if errs[1] == nil || errs[2] == nil {
		t.Errorf("want errors for users and bandwidth, got %v", errs)
	}
	out := logs.String()
	if strings.Contains(out, testKey) || strings.Contains(out, "Bearer") || strings.Contains(out, "timeframe_start") {
		t.Errorf("logs hold the key, a header or the query:\n%s", out)
	}
	for _, want := range []string{"method=GET", "path=/validate", "status=200", "duration=", "path=/applications/" + appID + "/metrics/bandwidth status=500"} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q:\n%s", want, out)
		}
	}
}

func TestUserAgent(t *testing.T) {
	t.Parallel()
	var ua string
	srv := mount(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua = r.Header.Get("User-Agent")
		respond(200, `{"company":"c"}`)(w, r)
	}))
	c, _ := newTestClient(t, srv, WithUserAgent("kr-test/1"))
	if _, err := c.Validate(t.Context()); err != nil || ua != "kr-test/1" {
		t.Errorf("ua %q err %v", ua, err)
	}
}

// No more than WithConcurrency requests are in flight at once.
func TestConcurrencyBound(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	inFlight, peak := 0, 0
	release := make(chan struct{})
	arrived := make(chan struct{}, 100)
	srv := mount(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		mu.Unlock()
		arrived <- struct{}{}
		<-release
		mu.Lock()
		inFlight--
		mu.Unlock()
		respond(200, `{"company":"c"}`)(w, r)
	}))
	c, _ := newTestClient(t, srv, WithConcurrency(3))
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			if _, err := c.Validate(t.Context()); err != nil {
				t.Error(err)
			}
		})
	}
	// Let 3 arrive, then release one at a time; each release admits at
	// most one more.
	for range 3 {
		<-arrived
	}
	for i := range 12 {
		release <- struct{}{}
		if i < 9 {
			<-arrived
		}
	}
	wg.Wait()
	if peak != 3 {
		t.Errorf("peak in flight %d, want 3", peak)
	}
}

// A server that echoes the key after a long message must not leak even the
// key's first characters: the message is cut to 200 runes, so it is
// redacted before it is cut.
func TestEchoedKeyRedactedBeforeTruncation(t *testing.T) {
	t.Parallel()
	for pad := 160; pad <= 190; pad += 5 { // the 200-rune cut falls inside the key for some of these
		srv := mount(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			respond(400, `{"message":"`+strings.Repeat("x", pad)+` invalid token `+testKey+`","status":400}`)(w, r)
		}))
		c, _ := newTestClient(t, srv, WithMaxRetries(0))
		_, err := c.Bandwidth(t.Context(), appID, testRange)
		if err == nil {
			t.Fatal("want an error")
		}
		if strings.Contains(err.Error(), testKey[:6]) {
			t.Errorf("pad %d: the error holds the key's start: %v", pad, err)
		}
	}
}

// A redirect would carry the Authorization header to another port or to
// plain http on the same host name: the client refuses to follow one.
func TestRedirectRefused(t *testing.T) {
	t.Parallel()
	var leaked atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("Authorization") != "")
	}))
	defer other.Close()
	srv := mount(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/v2/validate", http.StatusTemporaryRedirect)
	}))
	c, err := NewClient(testKey, WithBaseURL(srv.URL+"/v2"), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Validate(t.Context()); err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Errorf("err = %v, want a refused redirect", err)
	}
	if leaked.Load() {
		t.Error("the key followed the redirect")
	}
}

// A base URL that cannot be used is named without its user info or query,
// either of which may hold a secret.
func TestBadBaseURLNotEchoed(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"https://u:SEKRETPW%zz@api.example/v2", "https://api.example/v2?api_key=SEKRETQ", "https://u:SEKRETPW@api.example/v2"} {
		_, err := NewClient(testKey, WithBaseURL(u))
		if err == nil || strings.Contains(err.Error(), "SEKRET") {
			t.Errorf("%s: err = %v", u, err)
		}
	}
}

// A base URL that serves a website answers 200 with HTML: the error says
// the URL does not look like the API instead of "invalid JSON at byte 1",
// and is not retried.
func TestHTMLAnswerIsNotTheAPI(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, ctype, body string }{
		{"typed", "text/html; charset=utf-8", "<!doctype html><title>Welcome</title>"},
		{"untyped", "", "\n  <html><body>Sign in</body></html>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			calls := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls++
				if tc.ctype != "" {
					w.Header().Set("Content-Type", tc.ctype)
				}
				_, _ = io.WriteString(w, tc.body)
			}))
			t.Cleanup(srv.Close)
			c, err := NewClient(testKey, WithBaseURL(srv.URL+"/v2"), WithMaxRetries(2))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Validate(t.Context())
			if !errors.Is(err, ErrNotAPI) || !errors.Is(err, ErrBadResponse) {
				t.Fatalf("err = %v, want ErrNotAPI", err)
			}
			if msg := err.Error(); !strings.Contains(msg, "does not look like the Kinsta API") || strings.Contains(msg, "invalid JSON") {
				t.Errorf("message = %s", msg)
			}
			if calls != 1 {
				t.Errorf("%d calls, want 1: a web page is not worth retrying", calls)
			}
		})
	}
}
