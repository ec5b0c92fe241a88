// Package backoff is the retry schedule the Kinsta API client (fetch), the
// webhook poster (report/notify) and the SMTP sender (report/deliver)
// share: capped exponential backoff, with "equal jitter" (half of each wait
// fixed, half random) where many clients retry at once, and a sleep that
// ends with its context. It holds no state and does no I/O; each caller
// keeps its own random source, retry count, Retry-After handling and
// budget. report/notify may not import fetch (docs/ARCHITECTURE.md), so
// what they share lives here.
package backoff

import (
	"context"
	"time"
)

// maxShift is the retry from which the wait is Cap whatever Base is. Below
// it, Base·2^n is worked out without overflowing.
const maxShift = 30

// Schedule is a capped exponential backoff: the wait before retry n (0 for
// the first retry) is at most Base·2^n and at most Cap, and at least half
// of that.
type Schedule struct {
	Base time.Duration // the first retry's wait before jitter
	Cap  time.Duration // no wait is longer
}

// Ceiling is the wait before retry n without jitter: Base·2^n, at most
// Cap; Cap from retry 30 on. A negative n counts as 0.
func (s Schedule) Ceiling(n int) time.Duration {
	n = max(n, 0)
	if n >= maxShift || s.Base > s.Cap>>n {
		// Base·2^n > Cap exactly when Base > ⌊Cap/2^n⌋, and the
		// comparison cannot overflow where the shift of Base could.
		return s.Cap
	}
	return s.Base << n
}

// Delay is the wait before retry n with equal jitter: d/2 plus u times the
// rest (d − d/2, the upper half even when d is odd), where d is Ceiling(n)
// and u, from the caller's random source, lies in [0, 1). The same n and u
// always give the same wait.
func (s Schedule) Delay(n int, u float64) time.Duration {
	d := s.Ceiling(n)
	half := d / 2
	return half + time.Duration(u*float64(d-half))
}

// Sleep waits d or until ctx ends, whichever comes first, and returns nil
// or ctx.Err(). A wait of d ≤ 0 returns ctx.Err() at once.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
