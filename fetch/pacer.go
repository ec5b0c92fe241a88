package fetch

import (
	"math"
	"net/http"
	"sync"
	"time"
)

// Pacing constants (see the package comment for what they guarantee).
const (
	// recentAnswers is the sliding window of answers in which 429s are
	// counted; a cluster is at least clusterMin 429s that make up at least
	// a quarter of it (Google SRE's client-side throttling looks at the
	// same ratio).
	recentAnswers = 20
	clusterMin    = 3
	// capCut is the multiplicative decrease of the cap on a further burst
	// of 429s; capGrow shapes the cubic raise after it (as in CUBIC): the
	// cap is back at the rate of the cut after cbrt((1-capCut)/capGrow)
	// seconds (5.3 s), then probes above it, slowly at first.
	capCut  = 0.7
	capGrow = 0.002
	// cutGap: 429s within this of the last cut belong to the same burst
	// (not while the cap is still doubling: that is a guess).
	cutGap = time.Second
	// dropAt: a cap that has climbed to this many times the rate of its
	// last cut (about 22 s without a 429) no longer binds and is dropped.
	dropAt = 10
	// minCap is the lowest cap: one start every 10 s.
	minCap = 0.1
	// okSpan: how long 2xx answers are remembered, to measure the rate.
	okSpan = 2 * time.Second
	// helpCuts cuts within helpSpan mean the cap does not help; then no
	// cap is switched on for holdOff.
	helpCuts = 4
	helpSpan = 5 * time.Second
	holdOff  = 30 * time.Second
)

// pacer spaces request starts. It holds:
//   - the configured rate (WithRate), a minimum spacing between starts;
//   - a cap on the rate, off until 429s cluster, then set from the 2xx
//     answers actually received in the last real second and adjusted
//     AIMD-style (cut on each further burst, cubic raise otherwise), and
//     dropped when it has climbed far above the last limit or when the
//     429s keep coming however it is cut;
//   - a pause that no request starts before (x-ratelimit-remaining 0 until
//     x-ratelimit-reset), and the spreading of the rest of a rate window
//     when fewer requests remain in it than may be in flight.
//
// An isolated 429 changes none of these: its request alone waits its
// Retry-After (or backoff) and retries.
//
// Starts are reserved (a token bucket with a burst of one), so concurrent
// requests queue up one spacing apart.
type pacer struct {
	mu         sync.Mutex
	base       time.Duration // from WithRate; 0 = no configured cap
	next       time.Time     // earliest start of the next request
	pauseUntil time.Time     // no request starts before this
	edge       int64         // x-ratelimit-remaining below this spreads the rest
	spread     time.Duration // spacing of the rest of a rate window...
	spreadEnd  time.Time     // ...until it resets

	recent  [recentAnswers]bool // true: a 429
	nRecent int                 // answers in recent (up to its size)
	iRecent int                 // next slot
	n429    int                 // 429s in recent
	oks     []time.Time         // 2xx answers of the last okSpan

	capOn     bool
	starting  bool        // doubling each second until the first cut
	wmax      float64     // requests a second at the last cut
	cutAt     time.Time   // origin of the cubic curve
	markAt    time.Time   // when the cap was last switched on or cut
	onAt      time.Time   // when the cap went on
	cutTimes  []time.Time // of the last cuts
	gen       int         // bumped when every booked start must be booked again
	holdUntil time.Time   // no cap before this
	cuts      int         // cuts since the cap went on (for tests)
}

func newPacer(perMinute float64, concurrency int) *pacer {
	p := &pacer{edge: int64(concurrency)}
	if perMinute > 0 {
		p.base = time.Duration(float64(time.Minute) / perMinute)
	}
	return p
}

// capAt is the cap in requests a second at now (the pacer is locked): from
// capCut*wmax at the cut, cubic back to wmax after k seconds, then above.
func (p *pacer) capAt(now time.Time) float64 {
	if p.starting {
		// What got through in the last second bounds the limit from
		// below (a second that began before the first request holds
		// fewer): double each second until the next burst of 429s.
		return max(p.wmax*math.Exp2(now.Sub(p.onAt).Seconds()), minCap)
	}
	dt := (now.Sub(p.cutAt) - capK()).Seconds()
	return max(p.wmax*(1+capGrow*dt*dt*dt), minCap)
}

// okRate is the number of 2xx answers received in the span before now,
// per second of that span (the pacer is locked). It never scales a short
// count up to a longer span.
func (p *pacer) okRate(now time.Time, span time.Duration) float64 {
	n := 0
	for i := len(p.oks) - 1; i >= 0 && now.Sub(p.oks[i]) < span; i-- {
		n++
	}
	return float64(n) / span.Seconds()
}

// reserve books the next start and returns how long to wait for it, and
// the generation of the cap it was booked under.
func (p *pacer) reserve(now time.Time) (time.Duration, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	start := now
	if p.next.After(start) {
		start = p.next
	}
	if p.pauseUntil.After(start) {
		start = p.pauseUntil
	}
	iv := p.base
	if start.Before(p.spreadEnd) {
		iv = max(iv, p.spread)
	}
	if p.capOn {
		c := p.capAt(start)
		if !p.starting && c > dropAt*p.wmax {
			p.capOn = false // climbed far above the last limit: no longer binds
		} else {
			iv = max(iv, time.Duration(float64(time.Second)/c))
		}
	}
	if iv > 0 {
		p.next = start.Add(iv)
	}
	return start.Sub(now), p.gen
}

// rebook makes every booked start stale; the next start may go one
// configured spacing (WithRate) from now, as every start booked before now
// has begun and every later one is booked again (the pacer is locked).
func (p *pacer) rebook(now time.Time) {
	p.gen++
	p.next = now.Add(p.base)
}

// stale reports whether a start booked under generation gen must be booked
// again at now: a pause began, or the cap went on or was cut, since (a
// start booked at the old spacing would draw more 429s, or wait for
// nothing).
func (p *pacer) stale(now time.Time, gen int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pauseUntil.After(now) || gen != p.gen
}

// record adds an answer to a try started at started to the window of
// recent answers (the pacer is locked).
func (p *pacer) record(now, started time.Time, throttled bool) {
	if p.nRecent == len(p.recent) && p.recent[p.iRecent] {
		p.n429--
	}
	p.recent[p.iRecent] = throttled
	p.iRecent = (p.iRecent + 1) % len(p.recent)
	p.nRecent = min(p.nRecent+1, len(p.recent))
	if throttled {
		p.n429++
	} else {
		cut := 0
		for cut < len(p.oks) && now.Sub(p.oks[cut]) >= okSpan {
			cut++
		}
		p.oks = append(p.oks[cut:], now)
	}
}

func (p *pacer) clustered() bool {
	return p.n429 >= clusterMin && 4*p.n429 >= p.nRecent
}

// success records a 2xx answer to a try that started at started.
func (p *pacer) success(now, started time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.record(now, started, false)
	p.checkHelps(now)
}

// throttled records a 429 answer to a try that started at started. It
// switches the cap on when 429s cluster and cuts it on a further burst; an
// isolated 429 only enters the window.
func (p *pacer) throttled(now, started time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.record(now, started, true)
	switch {
	case !p.capOn:
		if !p.clustered() || now.Before(p.holdUntil) {
			return
		}
		// A limit: cap at what actually got through in the last real
		// second (the cubic curve starts at wmax).
		p.capOn = true
		p.rebook(now)
		p.starting = true
		p.wmax = max(p.okRate(now, time.Second), minCap)
		p.cutAt = now.Add(-capK())
		p.markAt = now
		p.onAt = now
		p.cuts = 0
		p.cutTimes = p.cutTimes[:0]
	case started.After(p.markAt) && (p.starting || now.Sub(p.markAt) >= cutGap):
		// A further burst: cut from what got through, or from the
		// cap when that is lower.
		w := p.capAt(now)
		if got := p.okRate(now, time.Second); got > 0 {
			w = min(w, got)
		}
		p.wmax = max(w, minCap)
		p.starting = false
		p.cutAt = now
		p.markAt = now
		p.cuts++
		p.rebook(now)
		p.cutTimes = append(p.cutTimes, now)
		if n := len(p.cutTimes); n > helpCuts {
			p.cutTimes = p.cutTimes[n-helpCuts:]
		}
	default:
	}
	p.checkHelps(now)
}

// checkHelps drops a cap that does not help: a limit is found within a
// cut or two (each cut starts from what got through), and then the cap
// climbs back for capK() before it can draw a 429 again. helpCuts cuts
// within helpSpan mean the 429s come whatever the rate: the cap is
// dropped and none goes on for holdOff (the pacer is locked).
func (p *pacer) checkHelps(now time.Time) {
	if !p.capOn || len(p.cutTimes) < helpCuts || now.Sub(p.cutTimes[0]) > helpSpan {
		return
	}
	p.capOn = false
	p.holdUntil = now.Add(holdOff)
}

// capK is how long the cap takes to climb back to the rate of a cut.
func capK() time.Duration {
	return time.Duration(math.Cbrt((1-capCut)/capGrow) * float64(time.Second))
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
			// Nobody starts before the reset; the window's spread ends
			// with it, and every booked start is booked again.
			p.pauseUntil = until
			p.spreadEnd = now
			p.next = until
			p.gen++
		}
	case p.pauseUntil.After(now):
		// An answer counted before the window ran out, arriving after
		// the one that said so: the pause already covers it.
	case rem < p.edge:
		p.spread = reset / time.Duration(rem+1)
		p.spreadEnd = now.Add(reset)
		if next := now.Add(p.spread); next.After(p.next) {
			p.next = next
		}
	}
}
