package fetch

import (
	"container/heap"
	"fmt"
	"math"
	"testing"
	"time"
)

// A discrete-event simulation of the client's request loop (the same
// pacer, the same per-request retry rule as Client.get: Retry-After, else
// the backoff, at most defaultMaxRetries retries) against a server model,
// on a simulated clock: minutes of traffic run in milliseconds, the same
// way every time.

// simModel answers a request that reaches the server at now.
type simModel interface {
	answer(now time.Time) (status int, retryAfter time.Duration)
}

// bucketModel is a token bucket with no rate-limit headers; a 429 says
// Retry-After in whole seconds until the next token.
type bucketModel struct {
	perSec, burst, tokens float64
	at                    time.Time
}

func (b *bucketModel) answer(now time.Time) (int, time.Duration) {
	if b.at.IsZero() {
		b.tokens = b.burst
	} else {
		b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.at).Seconds()*b.perSec)
	}
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return 200, 0
	}
	return 429, time.Duration(math.Ceil((1-b.tokens)/b.perSec)) * time.Second
}

// sporadicModel answers every nth request 429, Retry-After 1s.
type sporadicModel struct{ every, n int }

func (s *sporadicModel) answer(time.Time) (int, time.Duration) {
	s.n++
	if s.every > 0 && s.n%s.every == 0 {
		return 429, time.Second
	}
	return 200, 0
}

// outageModel answers 429 (Retry-After 1s) to everything in [from, to).
type outageModel struct{ from, to time.Time }

func (o outageModel) answer(now time.Time) (int, time.Duration) {
	if !now.Before(o.from) && now.Before(o.to) {
		return 429, time.Second
	}
	return 200, 0
}

// liftedModel is a token bucket in [from, to) and no limit outside.
type liftedModel struct {
	from, to time.Time
	b        bucketModel
}

func (l *liftedModel) answer(now time.Time) (int, time.Duration) {
	if !now.Before(l.from) && now.Before(l.to) {
		return l.b.answer(now)
	}
	return 200, 0
}

type simEvent struct {
	at  time.Time
	seq int
	f   func()
}

type simQueue []simEvent

func (q simQueue) Len() int { return len(q) }
func (q simQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q simQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *simQueue) Push(x any)   { *q = append(*q, x.(simEvent)) }
func (q *simQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

type simResult struct {
	wall                  time.Duration
	tries, throttled, ok  int
	lost                  int
	starts                []time.Duration // since the start, of every try
	cuts                  int
	capOnAtEnd            bool
	maxRetriesOfOneReqest int
}

// simulate runs n requests, at most inFlight at once, each try taking
// latency, against model.
func simulate(n, inFlight int, latency time.Duration, model simModel) simResult {
	p := newPacer(0, inFlight)
	var q simQueue
	seq := 0
	now := t0
	at := func(t time.Time, f func()) {
		seq++
		heap.Push(&q, simEvent{t, seq, f})
	}
	var res simResult
	free := inFlight
	var waiting []func() // requests waiting for a slot, FIFO
	var acquire func(f func())
	release := func() {
		if len(waiting) > 0 {
			f := waiting[0]
			waiting = waiting[1:]
			f()
			return
		}
		free++
	}
	acquire = func(f func()) {
		if free > 0 {
			free--
			f()
			return
		}
		waiting = append(waiting, f)
	}
	c := &Client{jitter: func() float64 { return 0.5 }}
	done := 0
	var try func(attempt int)
	try = func(attempt int) {
		acquire(func() {
			// As Client.paced: book, wait in steps of at most a
			// second, book again when the booking went stale.
			var paced func(round int)
			var waitFor func(round, gen int, left time.Duration)
			waitFor = func(round, gen int, left time.Duration) {
				step := min(left, time.Second)
				at(now.Add(step), func() {
					left -= step
					if p.stale(now, gen) {
						paced(round + 1)
						return
					}
					if left > 0 {
						waitFor(round, gen, left)
						return
					}
					send(attempt, &res, p, model, latency, at, &now, release, try, &done)
				})
			}
			paced = func(round int) {
				d, gen := p.reserve(now)
				if d > 0 && round < 1000 {
					waitFor(round, gen, d)
					return
				}
				send(attempt, &res, p, model, latency, at, &now, release, try, &done)
			}
			paced(0)
		})
		_ = c
	}
	for range n {
		try(0)
	}
	for q.Len() > 0 {
		e := heap.Pop(&q).(simEvent)
		now = e.at
		e.f()
	}
	res.wall = now.Sub(t0)
	res.lost = n - res.ok
	res.cuts = p.cuts
	res.capOnAtEnd = p.capOn
	return res
}

// send is one try: it reaches the server at once and is answered after
// latency; a 429 is retried after its Retry-After.
func send(attempt int, res *simResult, p *pacer, model simModel, latency time.Duration,
	at func(time.Time, func()), now *time.Time, release func(), try func(int), done *int) {
	started := *now
	res.tries++
	res.starts = append(res.starts, started.Sub(t0))
	status, ra := model.answer(started)
	at(started.Add(latency), func() {
		release()
		if status == 200 {
			p.success(*now, started)
			res.ok++
			*done++
			return
		}
		res.throttled++
		p.throttled(*now, started)
		if attempt >= defaultMaxRetries {
			return // lost
		}
		res.maxRetriesOfOneReqest = max(res.maxRetriesOfOneReqest, attempt+1)
		at(now.Add(ra), func() { try(attempt + 1) })
	})
}

func (r simResult) String() string {
	return fmt.Sprintf("wall %v, %d tries, %d ok, %d 429s (%.1f%%), %d lost, %d cuts",
		r.wall.Round(time.Millisecond), r.tries, r.ok, r.throttled, 100*float64(r.throttled)/float64(r.tries), r.lost, r.cuts)
}

// rate is the tries started in [from, to) per second.
func (r simResult) rate(from, to time.Duration) float64 {
	n := 0
	for _, s := range r.starts {
		if s >= from && s < to {
			n++
		}
	}
	return float64(n) / (to - from).Seconds()
}

// Under steady header-less limits from 60 to 3000 requests a minute, the
// plan of 402 requests finishes within 1.10 x the bound (requests / rate)
// and loses none.
func TestPacerSteadyLimits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		perMinute float64
		burst     float64
	}{{60, 5}, {120, 5}, {300, 5}, {400, 10}, {600, 10}, {1200, 10}, {3000, 10}} {
		t.Run(fmt.Sprintf("%v a minute, burst %v", tc.perMinute, tc.burst), func(t *testing.T) {
			t.Parallel()
			const n = 402
			res := simulate(n, defaultConcurrency, 50*time.Millisecond, &bucketModel{perSec: tc.perMinute / 60, burst: tc.burst})
			bound := time.Duration(float64(n) / tc.perMinute * float64(time.Minute))
			ratio := res.wall.Seconds() / bound.Seconds()
			t.Logf("%s; bound %v, %.3f x", res, bound, ratio)
			if res.lost != 0 {
				t.Errorf("%d requests lost", res.lost)
			}
			if ratio > 1.10 {
				t.Errorf("wall %v is %.3f x the bound %v, want <= 1.10", res.wall, ratio, bound)
			}
		})
	}
}

// After a burst of 429s and then none, the pacer is back within 10% of its
// pre-throttle rate within 30 s: an outage (two seconds of nothing but
// 429s), and a limit of 20 a second for 20 s that is then lifted.
func TestPacerRecovers(t *testing.T) {
	t.Parallel()
	const s = time.Second
	for _, tc := range []struct {
		name  string
		model simModel
		end   time.Duration // of the 429s
	}{
		{"outage 10-12 s", outageModel{from: t0.Add(10 * s), to: t0.Add(12 * s)}, 12 * s},
		{"20/s limit 10-30 s", &liftedModel{from: t0.Add(10 * s), to: t0.Add(30 * s), b: bucketModel{perSec: 20, burst: 10}}, 30 * s},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := simulate(8000, defaultConcurrency, 50*time.Millisecond, tc.model)
			pre := res.rate(5*s, 10*s)
			back := time.Duration(-1)
			for at := tc.end; at < tc.end+60*s; at += 500 * time.Millisecond {
				if res.rate(at, at+2*s) >= 0.9*pre {
					back = at - tc.end
					break
				}
			}
			during := res.rate(tc.end-5*s, tc.end)
			after := res.rate(tc.end+28*s, tc.end+30*s)
			t.Logf("%s; pre-throttle %.1f/s, at the end of the 429s %.1f/s, back within 10%% after %v; 28-30 s after: %.1f/s",
				res, pre, during, back, after)
			if back < 0 || back > 28*s || after < 0.9*pre {
				t.Errorf("not back within 10%% of %.1f/s within 30 s (back after %v, %.1f/s at 28-30 s)", pre, back, after)
			}
			if res.lost != 0 {
				t.Errorf("%d lost", res.lost)
			}
		})
	}
}

// One request in 15 answered 429 with Retry-After 1 costs at most 1.4 x
// the no-fault wall and switches no cap on.
func TestPacerSporadic(t *testing.T) {
	t.Parallel()
	clean := simulate(402, defaultConcurrency, 50*time.Millisecond, &sporadicModel{})
	res := simulate(402, defaultConcurrency, 50*time.Millisecond, &sporadicModel{every: 15})
	ratio := res.wall.Seconds() / clean.wall.Seconds()
	t.Logf("no fault: %s; 1 in 15: %s; %.3f x", clean, res, ratio)
	if ratio > 1.4 || res.lost != 0 || res.cuts != 0 || res.capOnAtEnd {
		t.Errorf("1 in 15: %.3f x the no-fault wall, %d lost, %d cuts", ratio, res.lost, res.cuts)
	}
}
