package fetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const testKey = "test-key-7f3a9c2e51"

// t0 is the fake clock's start; tests never read the real clock.
var t0 = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)

// fakeClock is a clock that only moves when the client sleeps on it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
	// onSleep, when set, runs before each sleep returns (e.g. to cancel).
	onSleep func(d time.Duration)
}

func newFakeClock() *fakeClock { return &fakeClock{now: t0} }

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	hook := f.onSleep
	f.mu.Unlock()
	if hook != nil {
		hook(d)
	}
	return ctx.Err()
}

func (f *fakeClock) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// mount serves h under /v2 (a non-empty base path catches absolute-URL
// bugs); anything outside /v2 is a test failure.
func mount(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v2/") {
			t.Errorf("request outside the base path: %s", r.URL.Path)
			http.NotFound(w, r)
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = strings.TrimPrefix(r.URL.Path, "/v2")
		r2.URL.RawPath = ""
		h.ServeHTTP(w, r2)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// newTestClient returns a client of srv's /v2 (with a trailing slash, which
// must be tolerated), a fake clock and no jitter.
func newTestClient(t *testing.T, srv *httptest.Server, opts ...Option) (*Client, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	return clientOf(t, srv, clk, opts...), clk
}

// clientOf returns a client of srv's /v2 on the fake clock clk (which a
// simulated API may share), with no jitter.
func clientOf(t *testing.T, srv *httptest.Server, clk *fakeClock, opts ...Option) *Client {
	t.Helper()
	base := []Option{
		WithBaseURL(srv.URL + "/v2/"),
		WithHTTPClient(srv.Client()),
		WithSleep(clk.Sleep),
		WithClock(clk.Now),
		WithJitter(func() float64 { return 0.5 }),
	}
	c, err := NewClient(testKey, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// respond is a handler that answers status and body (JSON) with headers.
func respond(status int, body string, hdr ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// sequence answers with the handlers in turn, then the last one forever,
// and counts the requests.
type sequence struct {
	mu sync.Mutex
	hs []http.HandlerFunc
	n  int
}

func (s *sequence) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	h := s.hs[min(s.n, len(s.hs)-1)]
	s.n++
	s.mu.Unlock()
	h(w, r)
}

func (s *sequence) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// handlerTransport serves requests in-process, for hosts we must not dial
// (api.kinsta.com).
type handlerTransport struct{ h http.Handler }

func (ht handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	ht.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

var testRange = Range{
	Start:    time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC),
	End:      time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
	Interval: time.Hour,
}

func isErr(err, target error) bool { return errors.Is(err, target) }
