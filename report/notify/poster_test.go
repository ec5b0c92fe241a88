package notify_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report/notify"
)

// receiver is a local webhook endpoint that answers with the statuses
// given, in turn (then 200), and keeps what it received.
type receiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	answers  []answer
	bodies   [][]byte
	headers  []http.Header
	paths    []string
	attempts int
}

type answer struct {
	status     int
	retryAfter string
	body       string
}

func newReceiver(t *testing.T, answers ...answer) *receiver {
	t.Helper()
	rc := &receiver{answers: answers}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.attempts++
		rc.bodies = append(rc.bodies, b)
		rc.headers = append(rc.headers, r.Header.Clone())
		rc.paths = append(rc.paths, r.URL.Path)
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		a := answer{status: http.StatusOK, body: "ok"}
		if len(rc.answers) > 0 {
			a, rc.answers = rc.answers[0], rc.answers[1:]
		}
		if a.retryAfter != "" {
			w.Header().Set("Retry-After", a.retryAfter)
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// secretPath is the credential part of a webhook URL, as Slack's
// /services/T…/B…/… and Teams' workflow URLs carry it.
const secretPath = "/services/T0000/B0000/XyZsEcReTtOkEn"

func (rc *receiver) url() string { return rc.srv.URL + secretPath + "?sig=QuErYsEcReT" }

// sleeps records the waits of a poster and returns at once.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

var fixedNow = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)

func newPoster(s *sleeps, opts ...notify.PosterOption) *notify.Poster {
	return notify.NewPoster(&http.Client{}, append([]notify.PosterOption{
		notify.WithSleep(s.sleep), notify.WithJitter(func() float64 { return 0.5 }),
		notify.WithClock(func() time.Time { return fixedNow }),
	}, opts...)...)
}

// assertNoSecrets fails if s shows any part of the target's URL or secret.
func assertNoSecrets(t *testing.T, s string, tg notify.Target) {
	t.Helper()
	for _, secret := range []string{tg.URL, "XyZsEcReTtOkEn", "QuErYsEcReT", strings.TrimPrefix(tg.URL, "http://"), "127.0.0.1", tg.Secret} {
		if secret != "" && strings.Contains(s, secret) {
			t.Errorf("output shows %q: %s", secret, s)
		}
	}
}

func TestPostEveryTargetToALocalReceiver(t *testing.T) {
	t.Parallel()
	r := fixture(t, 3, false)
	for _, k := range []notify.Kind{notify.Slack, notify.Teams, notify.Webhook} {
		t.Run(string(k), func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t)
			tg := notify.Target{Kind: k, Name: "ops", URL: rc.url(), Secret: "whsec-test"}
			m, err := notify.Build(tg, r, "https://example.com/r", fixedNow)
			if err != nil {
				t.Fatal(err)
			}
			if err := newPoster(&sleeps{}).Post(t.Context(), tg, m); err != nil {
				t.Fatal(err)
			}
			if rc.attempts != 1 || rc.paths[0] != secretPath {
				t.Fatalf("%d posts to %v", rc.attempts, rc.paths)
			}
			h, body := rc.headers[0], rc.bodies[0]
			if h.Get("Content-Type") != "application/json" {
				t.Errorf("content type %q", h.Get("Content-Type"))
			}
			switch k {
			case notify.Slack:
				checkSlackLimits(t, decode[slackMsg](t, body))
			case notify.Teams:
				teams(t, body)
			case notify.Webhook:
				sig := h.Get(notify.SignatureHeader)
				if err := notify.Verify("whsec-test", sig, body, fixedNow.Add(10*time.Second), 0); err != nil {
					t.Errorf("the received signature does not verify: %v", err)
				}
				if err := notify.Verify("another-secret", sig, body, fixedNow, 0); !errors.Is(err, notify.ErrSignatureMismatch) {
					t.Errorf("verify with another secret: %v", err)
				}
				if err := notify.Verify("whsec-test", sig, body, fixedNow.Add(time.Hour), 0); !errors.Is(err, notify.ErrSignatureExpired) {
					t.Errorf("verify an hour later: %v", err)
				}
				if h.Get("X-Kinsta-Report-Schema") != notify.WebhookSchema {
					t.Errorf("schema header %q", h.Get("X-Kinsta-Report-Schema"))
				}
				if strings.Contains(string(body), "whsec-test") {
					t.Error("the body holds the secret")
				}
			}
		})
	}
}

func TestPostRetries429And5xxThenSucceeds(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t,
		answer{status: 429, retryAfter: "7", body: "rate_limited"},
		answer{status: 503, body: "busy"},
		answer{status: 429, retryAfter: fixedNow.Add(3 * time.Second).Format(http.TimeFormat)},
		answer{status: 502},
	)
	s := &sleeps{}
	tg := notify.Target{Kind: notify.Slack, Name: "ops", URL: rc.url()}
	err := newPoster(s, notify.WithAttempts(5), notify.WithBackoff(time.Second, 30*time.Second)).
		Post(t.Context(), tg, notify.Message{Body: []byte(`{"text":"x"}`)})
	if err != nil {
		t.Fatalf("Post = %v, want success on the 5th attempt", err)
	}
	if rc.attempts != 5 {
		t.Errorf("%d attempts, want 5", rc.attempts)
	}
	// Retry-After 7s; backoff after attempt 2 (2s, jitter 0.5 over its
	// upper half: 1.5s); Retry-After as a date (3s); backoff after
	// attempt 4 (8s → 6s).
	want := []time.Duration{7 * time.Second, 1500 * time.Millisecond, 3 * time.Second, 6 * time.Second}
	if len(s.d) != len(want) {
		t.Fatalf("waits %v, want %v", s.d, want)
	}
	for i := range want {
		if s.d[i] != want[i] {
			t.Errorf("wait %d = %v, want %v", i, s.d[i], want[i])
		}
	}
	for i, b := range rc.bodies {
		if string(b) != `{"text":"x"}` {
			t.Errorf("attempt %d sent %q, want the same body every time", i+1, b)
		}
	}
}

func TestPostGivesUpWithAClearErrorAndNoSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		answers  []answer
		attempts int
		want     error
		says     []string
	}{
		{"5xx every time", []answer{{status: 500, body: "boom at " + secretPath}, {status: 500}, {status: 500, body: "still down for " + secretPath}},
			3, notify.ErrGaveUp, []string{`notify slack "ops": post: 500 Internal Server Error`, "still down for [webhook path]", "gave up after 3 attempts"}},
		{"400 is not retried", []answer{{status: 400, body: "invalid_blocks"}},
			1, notify.ErrRejected, []string{"400 Bad Request: invalid_blocks", "rejected after 1 attempt"}},
		{"404 revoked webhook", []answer{{status: 404, body: "no_service"}},
			1, notify.ErrRejected, []string{"404 Not Found: no_service"}},
		{"Retry-After beyond the longest wait", []answer{{status: 429, retryAfter: "3600"}},
			1, notify.ErrGaveUp, []string{"Retry-After 1h0m0s is longer than 2m0s"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t, tc.answers...)
			tg := notify.Target{Kind: notify.Slack, Name: "ops", URL: rc.url(), Secret: "hmac-key-123"}
			err := newPoster(&sleeps{}, notify.WithAttempts(3)).Post(t.Context(), tg, notify.Message{Body: []byte("{}")})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Post = %v, want %v", err, tc.want)
			}
			var pe *notify.PostError
			if !errors.As(err, &pe) || pe.Attempts != tc.attempts || rc.attempts != tc.attempts {
				t.Errorf("attempts: error says %+v, receiver saw %d; want %d", pe, rc.attempts, tc.attempts)
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			assertNoSecrets(t, err.Error(), tg)
		})
	}
}

func TestPostNetworkErrorShowsNoURL(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	url := rc.url()
	rc.srv.Close() // connection refused from now on
	tg := notify.Target{Kind: notify.Teams, Name: "ops team", URL: url}
	s := &sleeps{}
	err := newPoster(s, notify.WithAttempts(2)).Post(t.Context(), tg, notify.Message{Body: []byte("{}")})
	if !errors.Is(err, notify.ErrGaveUp) || len(s.d) != 1 {
		t.Fatalf("Post = %v after %d waits, want ErrGaveUp after one retry", err, len(s.d))
	}
	if !strings.Contains(err.Error(), `notify teams "ops team": post: `) || !strings.Contains(err.Error(), "[webhook host]") {
		t.Errorf("error %q does not name the target and the redacted host", err)
	}
	assertNoSecrets(t, err.Error(), tg)
}

func TestPostStopsWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, answer{status: 503}, answer{status: 503})
	ctx, cancel := context.WithCancel(t.Context())
	sleep := func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }
	tg := notify.Target{Kind: notify.Webhook, Name: "hook", URL: rc.url()}
	err := notify.NewPoster(nil, notify.WithSleep(sleep)).Post(ctx, tg, notify.Message{Body: []byte("{}")})
	if !errors.Is(err, context.Canceled) || rc.attempts != 1 {
		t.Errorf("Post = %v after %d attempts, want context.Canceled after 1", err, rc.attempts)
	}
}

func TestPostRefusesANonHTTPURL(t *testing.T) {
	t.Parallel()
	tg := notify.Target{Kind: notify.Slack, Name: "ops", URL: "file:///etc/passwd?XyZsEcReTtOkEn"}
	err := notify.NewPoster(nil).Post(t.Context(), tg, notify.Message{})
	if !errors.Is(err, notify.ErrRejected) {
		t.Errorf("Post = %v, want ErrRejected", err)
	}
	assertNoSecrets(t, err.Error(), tg)
}
