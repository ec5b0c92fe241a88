package fetch

import (
	"net/http"
	"sync"
	"time"
)

// pacer spaces request starts. It holds three things:
//   - the configured rate (WithRate), as a minimum spacing between starts;
//   - an adaptive spacing that grows after a 429 (by a third of the rate,
//     or, with no configured rate, to 90% of the rate that drew the 429)
//     and relaxes back by 1% per success;
//   - a pause that no request starts before: Retry-After after a 429, or
//     x-ratelimit-reset when x-ratelimit-remaining reaches 0.
//
// Starts are reserved (as in a token bucket with a burst of one), so
// concurrent requests queue up one spacing apart.
type pacer struct {
	mu         sync.Mutex
	base       time.Duration // from WithRate; 0 = no cap
	interval   time.Duration // current spacing, >= base
	next       time.Time     // earliest start of the next request
	pauseUntil time.Time     // no request starts before this
	calmAfter  time.Time     // 429s before this belong to the last slowdown
	edge       int64         // x-ratelimit-remaining below this spreads the rest
	spread     time.Duration // spacing of the rest of a rate window...
	spreadEnd  time.Time     // ...until it resets
	starts     []time.Time   // starts of the last minute, to learn a limit
}

func newPacer(perMinute float64, concurrency int) *pacer {
	p := &pacer{edge: int64(concurrency)}
	if perMinute > 0 {
		p.base = time.Duration(float64(time.Minute) / perMinute)
		p.interval = p.base
	}
	return p
}

// reserve books the next start and returns how long to wait for it.
func (p *pacer) reserve(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	start := now
	if p.next.After(start) {
		start = p.next
	}
	if p.pauseUntil.After(start) {
		start = p.pauseUntil
	}
	iv := p.interval
	if start.Before(p.spreadEnd) {
		iv = max(iv, p.spread)
	}
	if iv > 0 {
		p.next = start.Add(iv)
	}
	cut := 0
	for cut < len(p.starts) && start.Sub(p.starts[cut]) >= time.Minute {
		cut++
	}
	p.starts = append(p.starts[cut:], start)
	return start.Sub(now)
}

func (p *pacer) paused(now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pauseUntil.After(now)
}

// penalize records a 429: nobody starts for pause, and the spacing grows,
// once per burst of 429s.
func (p *pacer) penalize(now time.Time, pause time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := now.Add(pause); until.After(p.pauseUntil) {
		p.pauseUntil = until
	}
	if now.Before(p.calmAfter) {
		return
	}
	p.calmAfter = p.pauseUntil
	switch {
	case p.interval == 0:
		// Learn: 90% of the rate of the last minute, which drew the 429.
		n := int64(len(p.starts))
		p.interval = time.Duration(int64(time.Minute) * 10 / (9 * max(n, 1)))
	default:
		p.interval = p.interval * 4 / 3
	}
	p.interval = min(max(p.interval, time.Millisecond), time.Minute)
}

// success relaxes the adaptive spacing towards the configured one.
func (p *pacer) success() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.interval <= p.base {
		return
	}
	p.interval -= (p.interval - p.base) / 100
	if p.interval-p.base < 100*time.Microsecond {
		p.interval = p.base
	}
}

// observe honours x-ratelimit-remaining and x-ratelimit-reset: at 0 nobody
// starts until the reset; when fewer remain than may be in flight, the rest
// of the window is spread evenly over the time left (so the requests in
// flight do not overrun it).
func (p *pacer) observe(now time.Time, h http.Header) {
	rem, ok := headerInt(h, "x-ratelimit-remaining")
	if !ok || rem < 0 {
		return
	}
	reset, ok := resetIn(h, now)
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case rem == 0:
		if until := now.Add(reset); until.After(p.pauseUntil) {
			p.pauseUntil = until
		}
	case rem < p.edge:
		p.spread = reset / time.Duration(rem+1)
		p.spreadEnd = now.Add(reset)
		if next := now.Add(p.spread); next.After(p.next) {
			p.next = next
		}
	}
}
