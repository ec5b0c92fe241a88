package fetch

import (
	"net/http"
	"testing"
	"time"
)

func TestPacerSpacesStarts(t *testing.T) {
	t.Parallel()
	p := newPacer(600, 4) // one start every 100ms
	var got []time.Duration
	for range 4 {
		got = append(got, p.reserve(t0))
	}
	want := []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond}
	if !equalDurations(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	// After a quiet second the next start is immediate: no burst credit.
	if d := p.reserve(t0.Add(time.Second)); d != 0 {
		t.Errorf("wait after a quiet second %v", d)
	}
	if d := p.reserve(t0.Add(time.Second)); d != 100*time.Millisecond {
		t.Errorf("then %v, want 100ms", d)
	}
}

func TestPacerNoRateNoWait(t *testing.T) {
	t.Parallel()
	p := newPacer(0, 4)
	for i := range 50 {
		if d := p.reserve(t0); d != 0 {
			t.Fatalf("reserve %d waited %v with no rate", i, d)
		}
	}
}

func TestPacerPenalize(t *testing.T) {
	t.Parallel()
	p := newPacer(0, 4)
	for range 100 { // 100 starts in the last minute drew a 429
		p.reserve(t0)
	}
	p.penalize(t0, 5*time.Second)
	// 90% of 100 a minute: one start every 666ms.
	if want := time.Minute * 10 / 900; p.interval != want {
		t.Errorf("learned spacing %v, want %v", p.interval, want)
	}
	// A second 429 from the same burst (during the pause) does not compound.
	p.penalize(t0.Add(time.Second), 5*time.Second)
	if want := time.Minute * 10 / 900; p.interval != want {
		t.Errorf("spacing compounded to %v", p.interval)
	}
	// Everyone waits for the pause.
	if d := p.reserve(t0.Add(2 * time.Second)); d != 4*time.Second {
		t.Errorf("wait during the pause %v, want the 4s left (pause from the later 429)", d)
	}
	// After the pause, another 429 slows down by a third.
	before := p.interval
	p.penalize(t0.Add(time.Minute), time.Second)
	if p.interval != before*4/3 {
		t.Errorf("spacing %v after a second burst, want %v", p.interval, before*4/3)
	}
	// Successes relax the spacing back to nothing.
	for range 2000 {
		p.success()
	}
	if p.interval != 0 {
		t.Errorf("spacing %v after many successes, want 0", p.interval)
	}
}

func TestPacerRelaxesToTheConfiguredRate(t *testing.T) {
	t.Parallel()
	p := newPacer(60, 1) // 1s
	p.penalize(t0, 0)
	if p.interval != time.Second*4/3 {
		t.Fatalf("spacing %v", p.interval)
	}
	for range 5000 {
		p.success()
	}
	if p.interval != time.Second {
		t.Errorf("spacing %v, want back at the configured 1s", p.interval)
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
		if d := p.reserve(t0); d != tc.want {
			t.Errorf("%s: wait %v, want %v", tc.name, d, tc.want)
		}
	}

	// Spread starts stay spaced until the window resets.
	p := newPacer(0, 4)
	p.observe(t0, h("3", "20"))
	var got []time.Duration
	for range 4 {
		got = append(got, p.reserve(t0))
	}
	if want := []time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second, 20 * time.Second}; !equalDurations(got, want) {
		t.Errorf("spread waits %v, want %v", got, want)
	}
	if d := p.reserve(t0.Add(time.Minute)); d != 0 {
		t.Errorf("after the reset: wait %v", d)
	}
}
