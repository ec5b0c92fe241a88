package fetch

import (
	"math"
	"net/http"
	"testing"
	"time"
)

func TestPacerSpacesStarts(t *testing.T) {
	t.Parallel()
	p := newPacer(600, 4) // one start every 100ms
	var got []time.Duration
	for range 4 {
		got = append(got, wait(p.reserve(t0)))
	}
	want := []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond}
	if !equalDurations(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	// After a quiet second the next start is immediate: no burst credit.
	if d, _ := p.reserve(t0.Add(time.Second)); d != 0 {
		t.Errorf("wait after a quiet second %v", d)
	}
	if d, _ := p.reserve(t0.Add(time.Second)); d != 100*time.Millisecond {
		t.Errorf("then %v, want 100ms", d)
	}
}

func wait(d time.Duration, _ int) time.Duration { return d }

func TestPacerNoRateNoWait(t *testing.T) {
	t.Parallel()
	p := newPacer(0, 4)
	for i := range 50 {
		if d, _ := p.reserve(t0); d != 0 {
			t.Fatalf("reserve %d waited %v with no rate", i, d)
		}
	}
}

// Sporadic 429s (one in 15) never switch the cap on; clustered ones do,
// at what got through in the last real second, never scaled up.
func TestPacerTellsSporadicFromLimit(t *testing.T) {
	t.Parallel()
	p := newPacer(0, 4)
	now := t0
	for i := range 600 {
		now = now.Add(10 * time.Millisecond)
		if i%15 == 14 {
			p.throttled(now, now.Add(-50*time.Millisecond))
		} else {
			p.success(now, now.Add(-50*time.Millisecond))
		}
		if p.capOn {
			t.Fatalf("answer %d: one 429 in 15 switched the cap on", i)
		}
	}
	// 7 answers got through in the last second, then 429s cluster.
	p = newPacer(0, 4)
	now = t0
	for range 7 {
		now = now.Add(100 * time.Millisecond)
		p.success(now, now.Add(-50*time.Millisecond))
	}
	for range 3 {
		now = now.Add(10 * time.Millisecond)
		p.throttled(now, now.Add(-50*time.Millisecond))
	}
	if !p.capOn {
		t.Fatal("3 of 10 answers 429: no cap")
	}
	if got := p.capAt(now); got != 7 {
		t.Errorf("cap %v a second, want the 7 received in the last second", got)
	}
	// 429s to tries that started before the cap went on are the same
	// burst: no cut.
	p.throttled(now.Add(2*time.Second), now.Add(-time.Millisecond))
	if p.cuts != 0 {
		t.Errorf("%d cuts for a 429 to a try started before the cap", p.cuts)
	}
	// A later burst cuts by capCut (of the lower of the cap and what got
	// through: nothing got through in the last second, so the cap).
	at := now.Add(2 * time.Second)
	before := p.capAt(at)
	p.throttled(at, at.Add(-50*time.Millisecond))
	if p.cuts != 1 || math.Abs(p.capAt(at)-capCut*before) > 1e-6 {
		t.Errorf("after a further burst: %d cuts, cap %v, want %v", p.cuts, p.capAt(at), capCut*before)
	}
	// Raised again: back at the rate of the cut within 5.3 s.
	if got := p.capAt(at.Add(5400 * time.Millisecond)); got < before {
		t.Errorf("cap %v 5.4s after the cut, want back at %v", got, before)
	}
}

func TestPacerObservesRateLimitHeaders(t *testing.T) {
	t.Parallel()
	h := func(rem, reset string) http.Header {
		return http.Header{"X-Ratelimit-Remaining": {rem}, "X-Ratelimit-Reset": {reset}}
	}
	tests := []struct {
		name string
		h    http.Header
		want time.Duration // wait of the next reserve
	}{
		{name: "plenty left", h: h("300", "30"), want: 0},
		{name: "none left: wait for the reset", h: h("0", "30"), want: 30 * time.Second},
		{name: "near the edge: spread the rest", h: h("3", "20"), want: 5 * time.Second},
		{name: "as many left as may be in flight", h: h("4", "20"), want: 0},
		{name: "no headers", h: http.Header{}, want: 0},
		{name: "garbage", h: h("x", "y"), want: 0},
	}
	for _, tc := range tests {
		p := newPacer(0, 4)
		p.observe(t0, tc.h)
		if d, _ := p.reserve(t0); d != tc.want {
			t.Errorf("%s: wait %v, want %v", tc.name, d, tc.want)
		}
	}

	// Spread starts stay spaced until the window resets.
	p := newPacer(0, 4)
	p.observe(t0, h("3", "20"))
	var got []time.Duration
	for range 4 {
		got = append(got, wait(p.reserve(t0)))
	}
	if want := []time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second, 20 * time.Second}; !equalDurations(got, want) {
		t.Errorf("spread waits %v, want %v", got, want)
	}
	if d, _ := p.reserve(t0.Add(time.Minute)); d != 0 {
		t.Errorf("after the reset: wait %v", d)
	}
}

// A cut re-books every start but keeps the configured spacing (WithRate).
func TestPacerRebookKeepsTheConfiguredRate(t *testing.T) {
	t.Parallel()
	p := newPacer(600, 4) // 100ms
	_, gen := p.reserve(t0)
	for range 3 {
		p.reserve(t0)
	}
	// 429s cluster: the cap goes on and the bookings are stale.
	now := t0.Add(10 * time.Millisecond)
	for range 3 {
		p.throttled(now, t0)
	}
	if !p.capOn || !p.stale(now, gen) {
		t.Fatalf("cap on %v, booking stale %v", p.capOn, p.stale(now, gen))
	}
	if d, _ := p.reserve(now); d < 100*time.Millisecond {
		t.Errorf("first start after the re-booking in %v, want at least the configured 100ms", d)
	}
}

// An answer that says a few requests remain, arriving after the one that
// said none remain, neither shortens nor lengthens the pause.
func TestPacerLateHeadersAfterPause(t *testing.T) {
	t.Parallel()
	h := func(rem, reset string) http.Header {
		return http.Header{"X-Ratelimit-Remaining": {rem}, "X-Ratelimit-Reset": {reset}}
	}
	p := newPacer(0, 4)
	p.observe(t0, h("0", "50"))
	p.observe(t0.Add(time.Millisecond), h("2", "50"))
	for i := range 3 {
		if d, _ := p.reserve(t0.Add(time.Millisecond)); d != 50*time.Second-time.Millisecond {
			t.Errorf("start %d after the pause: wait %v, want the pause's end", i, d)
		}
	}
}
