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
	// seconds (3.9 s), then probes above it, slowly at first.
	capCut  = 0.7
	capGrow = 0.005
	// cutGap: 429s within this of the last cut belong to the same burst.
	cutGap = time.Second
	// minCap is the lowest cap: one start every 10 s.
	minCap = 0.1
	// quietDrop: a cap that has seen no 429 for this long and allows more
	// than twice what the client actually sent lately is dropped.
	quietDrop = 10 * time.Second
	// holdOff: after a cap is dropped because it did not lower the share
	// of 429s, no cap is switched on for this long.
	holdOff = 30 * time.Second
)

// pacer spaces request starts. It holds:
//   - the configured rate (WithRate), a minimum spacing between starts;
//   - a cap on the rate, off until 429s cluster, then set from the 2xx
//     answers actually received in the last real second and adjusted
//     AIMD-style (cut on each further burst, cubic raise otherwise), and
//     dropped when it no longer binds or does not lower the 429s;
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
	oks     []time.Time         // 2xx answers of the last quietDrop/2

	capOn     bool
	wmax      float64   // requests a second at the last cut
	cutAt     time.Time // origin of the cubic curve
	markAt    time.Time // when the cap was last switched on or cut
	last429   time.Time // last 429 seen while the cap is on
	shareOn   float64   // share of 429s in recent when the cap went on
	sinceOn   int       // answers since the cap went on
	holdUntil time.Time // no cap before this
	cuts      int       // cuts since the cap went on (for tests)
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
	k := math.Cbrt((1 - capCut) / capGrow)
	dt := now.Sub(p.cutAt).Seconds() - k
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
	iv := p.base
	if start.Before(p.spreadEnd) {
		iv = max(iv, p.spread)
	}
	if p.capOn {
		c := p.capAt(start)
		// Dropped when it no longer binds: quiet for a while and above
		// twice what was actually received.
		if start.Sub(p.last429) >= quietDrop && start.Sub(p.markAt) >= quietDrop &&
			c > 2*p.okRate(now, quietDrop/2) {
			p.capOn = false
		} else {
			iv = max(iv, time.Duration(float64(time.Second)/c))
		}
	}
	if iv > 0 {
		p.next = start.Add(iv)
	}
	return start.Sub(now)
}

func (p *pacer) paused(now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pauseUntil.After(now)
}

// record adds an answer to the window of recent answers (the pacer is
// locked).
func (p *pacer) record(now time.Time, throttled bool) {
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
		for cut < len(p.oks) && now.Sub(p.oks[cut]) >= quietDrop/2 {
			cut++
		}
		p.oks = append(p.oks[cut:], now)
	}
	if p.capOn {
		p.sinceOn++
	}
}

func (p *pacer) clustered() bool {
	return p.n429 >= clusterMin && 4*p.n429 >= p.nRecent
}

// success records a 2xx answer.
func (p *pacer) success(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.record(now, false)
	p.checkHelps(now)
}

// throttled records a 429 answer to a try that started at started. It
// switches the cap on when 429s cluster and cuts it on a further burst; an
// isolated 429 only enters the window.
func (p *pacer) throttled(now, started time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.record(now, true)
	switch {
	case !p.capOn:
		if !p.clustered() || now.Before(p.holdUntil) {
			return
		}
		// A limit: cap at what actually got through in the last real
		// second (the cubic curve starts at wmax).
		p.capOn = true
		p.wmax = max(p.okRate(now, time.Second), minCap)
		p.cutAt = now.Add(-time.Duration(math.Cbrt((1-capCut)/capGrow) * float64(time.Second)))
		p.markAt = now
		p.last429 = now
		p.shareOn = float64(p.n429) / float64(p.nRecent)
		p.sinceOn = 0
		p.cuts = 0
	case started.After(p.markAt) && now.Sub(p.markAt) >= cutGap:
		// A further burst: cut from what got through, or from the
		// cap when that is lower.
		p.last429 = now
		w := p.capAt(now)
		if got := p.okRate(now, time.Second); got > 0 {
			w = min(w, got)
		}
		p.wmax = max(w, minCap)
		p.cutAt = now
		p.markAt = now
		p.cuts++
	default:
		p.last429 = now
	}
	p.checkHelps(now)
}

// checkHelps drops a cap that did not lower the share of 429s once the
// window has been refilled under it (the pacer is locked).
func (p *pacer) checkHelps(now time.Time) {
	if !p.capOn || p.sinceOn < len(p.recent) {
		return
	}
	share := float64(p.n429) / float64(p.nRecent)
	if share >= 0.75*p.shareOn {
		p.capOn = false
		p.holdUntil = now.Add(holdOff)
		return
	}
	p.sinceOn = math.MinInt // checked once per switch-on
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
