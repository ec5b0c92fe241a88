package chart

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/kinsta-report/kinsta-report/internal/peer"
	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

// dumpDOM loads the page in headless Chromium with networking off (but
// for the page's own local server), lets it run for a few seconds of
// virtual time, and returns the DOM as the page's own script left it.
func dumpDOM(t *testing.T, chromium string, page []byte, fragment string) *html.Node {
	t.Helper()
	return dumpDOMSize(t, chromium, page, fragment, "1280,900")
}

// dumpDOMSize is dumpDOM with a window size. The page is served with its
// tail held back (servePage) so that headless Chromium, which skips idle
// virtual time, has real time to paint. Should it still produce no frame
// (the page then starts its charts by its no-paint fallback), the run is
// repeated, up to three times; a page that paints and then fails is not.
func dumpDOMSize(t *testing.T, chromium string, page []byte, fragment, size string) *html.Node {
	t.Helper()
	var doc *html.Node
	for try := 1; try <= 3; try++ {
		doc = dumpDOMOnce(t, chromium, page, fragment, size)
		if painted(doc) {
			return doc
		}
		t.Logf("try %d: Chromium painted no frame within the budget; trying again", try)
	}
	return doc
}

// painted reports whether the page recorded a first paint or started its
// charts after one (not by the page's no-paint fallback).
func painted(doc *html.Node) bool {
	for _, b := range find(doc, byTag("body")) {
		_, p := attr(b, "data-first-paint")
		_, s := attr(b, "data-charts-started")
		_, unpainted := attr(b, "data-started-unpainted")
		return (p || s) && !unpainted
	}
	return false
}

func dumpDOMOnce(t *testing.T, chromium string, page []byte, fragment, size string) *html.Node {
	t.Helper()
	dir := t.TempDir()
	url, requests := servePage(t, page)
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium,
		"--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update",
		"--no-first-run", "--disable-sync", "--disable-extensions",
		"--user-data-dir="+filepath.Join(dir, "profile"),
		// No network but the page's own server: every other host is
		// unknown and every other address goes to a closed proxy port.
		"--proxy-server=127.0.0.1:9", "--proxy-bypass-list="+strings.TrimPrefix(url, "http://"),
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
		"--window-size="+size,
		"--virtual-time-budget=20000",
		"--dump-dom", url+"/"+fragment)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		// Chromium was found (peer.Require): a failure to run the page is a
		// failure, never a skip, with or without KINSTA_REPORT_REQUIRE_PEERS.
		t.Fatalf("chromium failed on the page: %v\n%s", err, tail(stderr.String()))
	}
	for _, r := range requests() {
		if r != "/" && r != "/favicon.ico" {
			t.Errorf("the page requested %s: it must load nothing", r)
		}
	}
	doc, err := html.Parse(&stdout)
	if err != nil {
		t.Fatalf("parse the dumped DOM: %v", err)
	}
	return doc
}

// servePage serves page at / on 127.0.0.1 and records the paths asked for.
// It sends all but the closing </body></html> at once and those after a
// second of real time. Under --virtual-time-budget, Chromium skips over
// idle time: a page that loads in a few real milliseconds has its timers
// (the 5 s no-paint fallback among them) fire before the compositor has
// drawn a frame, so no first paint is ever recorded. A browser in front of
// a person draws within a frame or two of the text arriving; the held tail
// gives headless Chromium that real time while the page's own script is
// already running, so what the test sees is the page's order (first paint,
// then the chart script), not the harness's.
func servePage(t *testing.T, page []byte) (string, func() []string) {
	t.Helper()
	cut := bytes.LastIndex(page, []byte("</body>"))
	if cut < 0 {
		t.Fatal("the page has no </body>")
	}
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(page)))
		_, _ = w.Write(page[:cut])
		_ = http.NewResponseController(w).Flush()
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
			return
		}
		_, _ = w.Write(page[cut:])
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(paths)
	}
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasClass(n *html.Node, c string) bool {
	v, _ := attr(n, "class")
	return strings.Contains(" "+v+" ", " "+c+" ")
}

func find(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func byTag(tag string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == tag }
}

// pageStatus is what the page's script wrote on <body>.
type pageStatus struct {
	total, rendered, live, errors int
	// firstPaint and chartsStarted are the page's own record (ms since
	// navigation) of its first contentful paint and of when its chart
	// script began; firstPaint is -1 when the browser reported none.
	firstPaint, chartsStarted int
	// unpacked and echartsLoaded say whether the page unpacked its charts
	// and ran ECharts (data-charts-unpacked, data-echarts-loaded).
	unpacked, echartsLoaded bool
	errorText               string
	pwned                   bool
	containers              []*html.Node
}

func status(t *testing.T, doc *html.Node) pageStatus {
	t.Helper()
	bodies := find(doc, byTag("body"))
	if len(bodies) != 1 {
		t.Fatalf("dumped DOM has %d <body>", len(bodies))
	}
	b := bodies[0]
	num := func(k string) int {
		v, ok := attr(b, k)
		if !ok {
			t.Fatalf("<body> has no %s", k)
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("<body %s=%q>: %v", k, v, err)
		}
		return n
	}
	s := pageStatus{total: num("data-charts-total"), rendered: num("data-charts-rendered"), live: num("data-charts-live"), errors: num("data-errors")}
	s.firstPaint = -1
	if _, ok := attr(b, "data-first-paint"); ok {
		s.firstPaint = num("data-first-paint")
	}
	s.chartsStarted = num("data-charts-started")
	_, s.unpacked = attr(b, "data-charts-unpacked")
	_, s.echartsLoaded = attr(b, "data-echarts-loaded")
	s.errorText, _ = attr(b, "data-error-text")
	// Any element, not only <body>: the payloads set it on body, but a
	// variant could land elsewhere.
	s.pwned = len(find(doc, func(n *html.Node) bool { _, ok := attr(n, "data-pwned"); return ok })) > 0
	s.containers = find(doc, func(n *html.Node) bool { return hasClass(n, "kr-chart") })
	if _, ok := attr(b, "data-charts-ready"); !ok {
		t.Error("the page's script did not finish (no data-charts-ready on <body>)")
	}
	return s
}

// checkDrawn checks that a chart container holds an ECharts SVG with a
// drawn series: an axis is a short path, a line or bar series is long.
func checkDrawn(t *testing.T, c *html.Node) {
	t.Helper()
	id, _ := attr(c, "id")
	svgs := find(c, byTag("svg"))
	if len(svgs) == 0 {
		t.Errorf("chart %s: no <svg>", id)
		return
	}
	longest := 0
	paths := find(svgs[0], byTag("path"))
	for _, p := range paths {
		d, _ := attr(p, "d")
		longest = max(longest, len(d))
	}
	if len(paths) < 3 || longest < 40 {
		t.Errorf("chart %s looks blank: %d paths, longest d has %d bytes", id, len(paths), longest)
	}
}

func TestChromiumRendersEveryChart(t *testing.T) {
	chromium := peer.Require(t, "chromium")
	tests := []struct {
		name     string
		r        report.Report
		fragment string
	}{
		{"small", smallReport(t), ""},
		// Tooltips open on every chart so the hostile process names go
		// through ECharts' tooltip HTML too.
		{"hostile", hostileReport(t), "#kr-tooltips"},
		{"hourly", reporttest.Build(reporttest.Options{Apps: 2, Days: 30, Interval: time.Hour}), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := dumpDOM(t, chromium, render(t, tc.r), tc.fragment)
			s := status(t, doc)
			if s.pwned {
				t.Error("a hostile payload ran: data-pwned is set")
			}
			if s.errors != 0 {
				t.Errorf("%d script errors: %s", s.errors, s.errorText)
			}
			if s.total == 0 || len(s.containers) != s.total || s.rendered != s.total {
				t.Errorf("charts: %d containers, %d in the data, %d rendered; want all equal and > 0", len(s.containers), s.total, s.rendered)
			}
			for _, c := range s.containers {
				checkDrawn(t, c)
			}
		})
	}
}

// Past eagerLimit charts the page draws what scrolls into view; before
// printing (and with #render-all) it draws the rest.
func TestChromiumLazyCharts(t *testing.T) {
	chromium := peer.Require(t, "chromium")
	r := reporttest.Build(reporttest.Options{Apps: 12, Days: 7})
	page := render(t, r)

	// A tall window: the summary of 12 apps fills the first 1,700 pixels,
	// and the charts within a screen below the window draw at load.
	doc := dumpDOMSize(t, chromium, page, "", "1280,1200")
	s := status(t, doc)
	if s.total <= eagerLimit {
		t.Fatalf("test report has %d charts, want more than %d", s.total, eagerLimit)
	}
	if s.errors != 0 {
		t.Errorf("%d script errors: %s", s.errors, s.errorText)
	}
	t.Logf("lazy page: %d of %d charts drawn at load", s.rendered, s.total)
	if s.rendered == 0 || s.rendered >= s.total {
		t.Errorf("lazy page rendered %d of %d charts at load, want some but not all", s.rendered, s.total)
	}
	checkPaintFirst(t, s)

	// Scrolled to the last app (its anchor), its charts are drawn and the
	// first app's, four screens up, are not (or no longer).
	doc = dumpDOMSize(t, chromium, page, "#p0-a11", "1280,900")
	s = status(t, doc)
	if s.errors != 0 {
		t.Errorf("%d script errors: %s", s.errors, s.errorText)
	}
	checkScrolledInto(t, s, "c-p0-a11-", "c-p0-a0-")

	doc = dumpDOM(t, chromium, page, "#render-all")
	s = status(t, doc)
	if s.rendered != s.total || s.errors != 0 {
		t.Errorf("#render-all rendered %d of %d charts with %d errors: %s", s.rendered, s.total, s.errors, s.errorText)
	}
	for _, c := range s.containers {
		checkDrawn(t, c)
	}
}

// The 200-app, 30-day hourly page (the size budget's page) loads without a
// script error, lazily: its first screen is the summary table, so no chart
// is drawn yet. (Drawing all 1,400 with #render-all works too, but takes 40
// seconds here; TestChromiumLazyCharts covers that path.)
func TestChromium200Apps(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the 1.25 MB page of 200 apps (skipped with -short)")
	}
	chromium := peer.Require(t, "chromium")
	page := render(t, reporttest.Build(reporttest.Options{Apps: 200, Days: 30, Interval: time.Hour}))
	doc := dumpDOM(t, chromium, page, "")
	s := status(t, doc)
	if s.errors != 0 {
		t.Errorf("%d script errors: %s", s.errors, s.errorText)
	}
	if s.total != 1400 || len(s.containers) != s.total {
		t.Errorf("charts: %d containers, %d in the data; want 1400 each", len(s.containers), s.total)
	}
	if s.rendered >= s.total {
		t.Errorf("%d of %d charts drawn at load: the page should draw lazily", s.rendered, s.total)
	}
	checkPaintFirst(t, s)
	// Opened at its summary, the page unpacks the charts but runs none of
	// ECharts: no chart is within a screen of the view.
	if !s.unpacked || s.echartsLoaded {
		t.Errorf("opened at the summary: data unpacked %v (want true), ECharts run %v (want false)", s.unpacked, s.echartsLoaded)
	}

	doc = dumpDOM(t, chromium, page, "#p0-a150")
	s = status(t, doc)
	if s.errors != 0 {
		t.Errorf("%d script errors: %s", s.errors, s.errorText)
	}
	if !s.echartsLoaded {
		t.Error("opened at an app's charts, the page did not run ECharts")
	}
	checkScrolledInto(t, s, "c-p0-a150-", "c-p0-a0-")
}

// checkPaintFirst checks the page's own record that the browser painted
// the text before the chart script began (an order, not a duration).
func checkPaintFirst(t *testing.T, s pageStatus) {
	t.Helper()
	t.Logf("first contentful paint at %d ms, chart script started at %d ms", s.firstPaint, s.chartsStarted)
	if s.firstPaint < 0 {
		t.Error("the browser reported no first contentful paint before the chart script started")
	} else if s.chartsStarted < s.firstPaint {
		t.Errorf("the chart script started (%d ms) before the first paint (%d ms)", s.chartsStarted, s.firstPaint)
	}
}

// checkScrolledInto checks, on a page opened at an app's anchor, that
// every chart whose id starts with here is drawn, and none starting with
// farAway is drawn now.
func checkScrolledInto(t *testing.T, s pageStatus, here, farAway string) {
	t.Helper()
	var drawn, away int
	for _, c := range s.containers {
		id, _ := attr(c, "id")
		r, _ := attr(c, "data-rendered")
		switch {
		case strings.HasPrefix(id, here):
			if r != "1" {
				t.Errorf("chart %s, scrolled into view, is not drawn (data-rendered=%q)", id, r)
				continue
			}
			checkDrawn(t, c)
			drawn++
		case strings.HasPrefix(id, farAway) && r == "1":
			away++
		}
	}
	if drawn == 0 {
		t.Errorf("no chart %s* on the page", here)
	}
	if away != 0 {
		t.Errorf("%d charts %s*, far from the view, are drawn", away, farAway)
	}
	if s.live >= s.total {
		t.Errorf("%d of %d charts live: the page should keep only those near the view", s.live, s.total)
	}
}

// A one-day hourly chart labels its hours, not only the date: a reader
// must tell when the 14:00 spike was.
func TestChromiumOneDayLabelsHours(t *testing.T) {
	chromium := peer.Require(t, "chromium")
	r := reporttest.Build(reporttest.Options{Apps: 1, Days: 1, Interval: time.Hour})
	doc := dumpDOM(t, chromium, render(t, r), "")
	s := status(t, doc)
	if s.errors != 0 {
		t.Errorf("%d script errors: %s", s.errors, s.errorText)
	}
	hour := regexp.MustCompile(`^[0-9]{2}:00$`)
	for _, c := range s.containers {
		id, _ := attr(c, "id")
		if !strings.HasSuffix(id, "-http_requests") {
			continue
		}
		var hours []string
		for _, tx := range find(c, byTag("text")) {
			if tx.FirstChild != nil && hour.MatchString(strings.TrimSpace(tx.FirstChild.Data)) {
				hours = append(hours, tx.FirstChild.Data)
			}
		}
		t.Logf("%s labels hours %v", id, hours)
		if len(hours) < 3 {
			t.Errorf("chart %s labels %d hours (%v), want at least 3 on a one-day hourly axis", id, len(hours), hours)
		}
		return
	}
	t.Fatal("no HTTP requests chart on the page")
}

// A browser that cannot unpack the charts (no DecompressionStream: before
// Chrome 80, Firefox 113, Safari 16.4) shows the tables and says why there
// are no charts, with no script error.
func TestChromiumWithoutDecompressionStream(t *testing.T) {
	chromium := peer.Require(t, "chromium")
	page := render(t, reporttest.Build(reporttest.Options{Apps: 2, Days: 7}))
	page = withHead(t, page, "<script>window.DecompressionStream = undefined;</script>")
	doc := dumpDOM(t, chromium, page, "")
	bodies := find(doc, byTag("body"))
	if len(bodies) != 1 {
		t.Fatalf("dumped DOM has %d <body>", len(bodies))
	}
	b := bodies[0]
	if v, _ := attr(b, "data-charts-unsupported"); v != "1" || !hasClass(b, "kr-nocharts") {
		t.Errorf("<body> does not say the charts are unsupported (data-charts-unsupported=%q, class kr-nocharts %v)", v, hasClass(b, "kr-nocharts"))
	}
	if v, _ := attr(b, "data-errors"); v != "0" {
		e, _ := attr(b, "data-error-text")
		t.Errorf("%s script errors: %s", v, e)
	}
	if n := len(find(doc, byTag("svg"))); n != 0 {
		t.Errorf("%d charts drawn without a way to unpack them", n)
	}
	if len(find(doc, func(n *html.Node) bool { return hasClass(n, "summary") })) == 0 {
		t.Error("the summary table is gone")
	}
}

// Served under a Content-Security-Policy that allows inline scripts but
// not eval, the page still draws its charts: ECharts runs as an inline
// script, as the page's own do.
func TestChromiumInlineOnlyPolicy(t *testing.T) {
	chromium := peer.Require(t, "chromium")
	page := render(t, reporttest.Build(reporttest.Options{Apps: 1, Days: 7}))
	page = withHead(t, page, `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">`)
	s := status(t, dumpDOM(t, chromium, page, ""))
	if s.errors != 0 {
		t.Errorf("%d script errors: %s", s.errors, s.errorText)
	}
	if s.rendered != s.total || s.total == 0 {
		t.Errorf("%d of %d charts drawn under an inline-only policy", s.rendered, s.total)
	}
	for _, c := range s.containers {
		checkDrawn(t, c)
	}
}

// withHead returns the page with el first in its <head>: what a test puts
// before the page's own scripts run.
func withHead(t *testing.T, page []byte, el string) []byte {
	t.Helper()
	head := []byte("<head>\n")
	if !bytes.Contains(page, head) {
		t.Fatal("the page has no <head>")
	}
	return bytes.Replace(page, head, []byte("<head>\n"+el+"\n"), 1)
}
