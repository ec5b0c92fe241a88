package backoff

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"
)

// The two schedules in use: fetch's (500ms to 30s) and the poster's
// default (1s to 30s).
var (
	fetchSchedule  = Schedule{Base: 500 * time.Millisecond, Cap: 30 * time.Second}
	posterSchedule = Schedule{Base: time.Second, Cap: 30 * time.Second}
)

// almostOne is the largest float64 below 1, the top of a random source's
// range.
var almostOne = math.Nextafter(1, 0)

func TestCeilingDoublesToTheCap(t *testing.T) {
	t.Parallel()
	cases := []struct {
		s    Schedule
		n    int
		want time.Duration
	}{
		{fetchSchedule, 0, 500 * time.Millisecond},
		{fetchSchedule, 1, time.Second},
		{fetchSchedule, 5, 16 * time.Second},
		{fetchSchedule, 6, 30 * time.Second},
		{fetchSchedule, 40, 30 * time.Second},
		{posterSchedule, 0, time.Second},
		{posterSchedule, 4, 16 * time.Second},
		{posterSchedule, 5, 30 * time.Second},
		{posterSchedule, 1 << 20, 30 * time.Second},
		{posterSchedule, -1, time.Second}, // a negative retry counts as the first
		// Base·2^n equal to the cap is the cap.
		{Schedule{Base: 3 * time.Second, Cap: 24 * time.Second}, 3, 24 * time.Second},
		// A base above the cap: the cap from the first retry.
		{Schedule{Base: time.Minute, Cap: time.Second}, 0, time.Second},
		// Retry 30 on is the cap, however small the base (the poster's
		// rule); retry 29 still doubles.
		{Schedule{Base: time.Nanosecond, Cap: time.Hour}, 29, 1 << 29},
		{Schedule{Base: time.Nanosecond, Cap: time.Hour}, 30, time.Hour},
		// Base·2^29 would overflow an int64: the cap, not a wrapped value.
		{Schedule{Base: time.Minute, Cap: 1000 * time.Hour}, 29, 1000 * time.Hour},
	}
	for _, c := range cases {
		if got := c.s.Ceiling(c.n); got != c.want {
			t.Errorf("%+v: Ceiling(%d) = %v, want %v", c.s, c.n, got, c.want)
		}
	}
}

// Every wait lies in [Ceiling/2, Ceiling], never above the cap, never
// shorter than the one before for the same jitter, and the jitter's ends
// give the range's ends.
func TestDelayBounds(t *testing.T) {
	t.Parallel()
	schedules := []Schedule{fetchSchedule, posterSchedule,
		{Base: 3, Cap: 1001},                  // odd ceilings, in nanoseconds
		{Base: time.Hour, Cap: math.MaxInt64}, // shifts that would overflow
		{Base: 7 * time.Millisecond, Cap: 7 * time.Millisecond}}
	for _, s := range schedules {
		for _, u := range []float64{0, 0.25, 0.5, almostOne} {
			prev := time.Duration(0)
			for n := range 70 {
				d, c := s.Delay(n, u), s.Ceiling(n)
				if d < c/2 || d > c || d > s.Cap || d < prev {
					t.Fatalf("%+v u=%v: Delay(%d) = %v (ceiling %v, previous %v)", s, u, n, d, c, prev)
				}
				if u == 0 && d != c/2 {
					t.Errorf("%+v: Delay(%d, 0) = %v, want half the ceiling %v", s, n, d, c/2)
				}
				prev = d
			}
			if prev < s.Cap/2 {
				t.Errorf("%+v u=%v: the waits never reach the cap: %v", s, u, prev)
			}
		}
	}
}

// The waits both callers' tests pin with jitter 0.5, and the upper half of
// an odd ceiling: d − d/2, not d/2.
func TestDelayValues(t *testing.T) {
	t.Parallel()
	cases := []struct {
		s    Schedule
		n    int
		u    float64
		want time.Duration
	}{
		{fetchSchedule, 0, 0.5, 375 * time.Millisecond},
		{fetchSchedule, 1, 0.5, 750 * time.Millisecond},
		{fetchSchedule, 2, 0.5, 1500 * time.Millisecond},
		{fetchSchedule, 9, 0.5, 22500 * time.Millisecond},
		{posterSchedule, 1, 0.5, 1500 * time.Millisecond},
		{posterSchedule, 0, almostOne, time.Second - 1},
		// Ceiling 3ns: 1ns fixed, 2ns random.
		{Schedule{Base: 3, Cap: 100}, 0, 0.75, 2},
		{Schedule{Base: 3, Cap: 100}, 0, 0.4, 1},
		// Ceiling 101ns (the cap): 50ns fixed, 51ns random.
		{Schedule{Base: 3, Cap: 101}, 10, almostOne, 100},
	}
	for _, c := range cases {
		if got := c.s.Delay(c.n, c.u); got != c.want {
			t.Errorf("%+v: Delay(%d, %v) = %v, want %v", c.s, c.n, c.u, got, c.want)
		}
	}
}

// A seeded source gives the same waits each time; the waits are the
// formula's, one draw a wait.
func TestDelayIsDeterministicWithASeededSource(t *testing.T) {
	t.Parallel()
	draw := func(seed uint64) []time.Duration {
		r := rand.New(rand.NewPCG(seed, 42))
		var out []time.Duration
		for n := range 12 {
			out = append(out, fetchSchedule.Delay(n, r.Float64()))
		}
		return out
	}
	a, b, other := draw(1), draw(1), draw(2)
	r := rand.New(rand.NewPCG(1, 42))
	differs := false
	for n := range a {
		if a[n] != b[n] {
			t.Fatalf("retry %d: %v then %v with the same seed", n, a[n], b[n])
		}
		c := fetchSchedule.Ceiling(n)
		if want := c/2 + time.Duration(r.Float64()*float64(c-c/2)); a[n] != want {
			t.Errorf("retry %d: %v, want %v", n, a[n], want)
		}
		differs = differs || a[n] != other[n]
	}
	if !differs {
		t.Errorf("seeds 1 and 2 gave the same waits %v: the jitter is not used", a)
	}
}

// Sleep ends when its context does, mid-wait, with the context's error; a
// wait that runs out returns nil. synctest's clock: nothing really waits.
func TestSleep(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- Sleep(ctx, time.Hour) }()
		synctest.Wait() // Sleep is blocked in its select
		select {
		case err := <-done:
			t.Fatalf("Sleep returned %v before its wait or its context ended", err)
		default:
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled mid-wait: %v, want context.Canceled", err)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		if err := Sleep(ctx, time.Hour); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("deadline before the wait's end: %v, want context.DeadlineExceeded", err)
		}
		if err := Sleep(t.Context(), time.Hour); err != nil {
			t.Errorf("a wait that runs out: %v, want nil", err)
		}
	})
}

func TestSleepWithoutAWait(t *testing.T) {
	t.Parallel()
	if err := Sleep(t.Context(), 0); err != nil {
		t.Errorf("Sleep(0) on a live context: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, d := range []time.Duration{0, -time.Second, time.Hour} {
		if err := Sleep(ctx, d); !errors.Is(err, context.Canceled) {
			t.Errorf("Sleep(%v) on an ended context: %v, want context.Canceled", d, err)
		}
	}
}
