package chart

import (
	"html"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kinsta-report/kinsta-report/report"
)

// The goldens are read for their meaning, not only their bytes: a golden
// once showed "▼ −12.5 % better (was 115 ms)" for a rise from 115 to 144 ms,
// and -update blessed it. Every change in a golden must agree with the two
// figures it stands between: the arrow and the sign with the direction, the
// percentage with their ratio, and the word with the metric (a rise in a
// latency is worse, a rise in requests better, bandwidth neither).

var (
	goldenRowRE  = regexp.MustCompile(`(?s)<tr><td><a href="#[^"]+">.*?</tr>`)
	goldenCellRE = regexp.MustCompile(`(?s)<td>(.*?)</td>`)
	goldenHeadRE = regexp.MustCompile(`(?s)<table class="summary"[^>]*>\s*<thead><tr><th>App</th>(.*?)</tr></thead>`)
	goldenColRE  = regexp.MustCompile(`<th>([^<]+)<small>`)
	goldenFigRE  = regexp.MustCompile(`(?s)<div class="fig">(?:<span class="proc">[^<]*</span> )?([^<]+?)(?: <span class="peak">[^<]*</span>)?` +
		`<div class="chg (\w+)"><span aria-hidden="true">([^<]+)</span> ([^<]+?)(?: <span class="word">(\w+)</span>)? <span class="prev">\(was ([^)]+)\)</span></div></div>`)
	quantityRE = regexp.MustCompile(`^([0-9][0-9,]*(?:\.[0-9]+)?) ?(B|kB|MB|GB|TB|ms|s|min|h|%|req/min)$`)
)

// quantity parses a figure as the page shows it ("1,107 ms", "47.2 min",
// "31.4 GB") into the unit's base (bytes, seconds).
func quantity(s string) (float64, bool) {
	m := quantityRE.FindStringSubmatch(strings.TrimSpace(html.UnescapeString(s)))
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(m[1], ",", ""), 64)
	if err != nil {
		return 0, false
	}
	scale := map[string]float64{"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "ms": 1e-3, "s": 1, "min": 60, "h": 3600, "%": 1, "req/min": 1}
	return v * scale[m[2]], true
}

type goldenChange struct {
	metric                      report.MetricInfo
	cur, prev                   string
	class, arrow, percent, word string
}

// goldenChanges returns every change of every summary table in page.
func goldenChanges(t *testing.T, page string) []goldenChange {
	t.Helper()
	byTitle := map[string]report.MetricInfo{}
	for _, k := range report.AllMetrics() {
		if info, ok := report.Info(k); ok {
			byTitle[info.Title] = info
		}
	}
	var out []goldenChange
	for _, table := range strings.Split(page, `<table class="summary"`)[1:] {
		table = `<table class="summary"` + table
		head := goldenHeadRE.FindStringSubmatch(table)
		if head == nil {
			t.Fatal("a summary table has no header row")
		}
		var cols []report.MetricInfo
		for _, c := range goldenColRE.FindAllStringSubmatch(head[1], -1) {
			info, ok := byTitle[html.UnescapeString(c[1])]
			if !ok {
				t.Fatalf("summary column %q names no metric", c[1])
			}
			cols = append(cols, info)
		}
		body := table[:strings.Index(table, "</table>")]
		for _, row := range goldenRowRE.FindAllString(body, -1) {
			cells := goldenCellRE.FindAllStringSubmatch(row, -1)[1:] // after the app
			if len(cells) != len(cols) {
				t.Fatalf("a summary row has %d cells for %d columns", len(cells), len(cols))
			}
			for i, c := range cells {
				for _, f := range goldenFigRE.FindAllStringSubmatch(c[1], -1) {
					out = append(out, goldenChange{metric: cols[i], cur: f[1], class: f[2], arrow: f[3], percent: html.UnescapeString(f[4]), word: f[5], prev: f[6]})
				}
			}
		}
	}
	return out
}

// checkChange says what is wrong with one change, or "".
func checkChange(c goldenChange) string {
	cur, ok1 := quantity(c.cur)
	prev, ok2 := quantity(c.prev)
	if !ok1 || !ok2 {
		if c.prev == "no data" && c.percent == "n/a" {
			return ""
		}
		return "figures do not parse"
	}
	if c.percent == "new" {
		if prev != 0 || c.arrow != "▲" && c.arrow != "▼" {
			return "\"new\" needs a previous 0 and an arrow"
		}
		return ""
	}
	if c.percent == "n/a" {
		return ""
	}
	pct, err := strconv.ParseFloat(strings.NewReplacer("−", "-", "+", "", "%", "").Replace(c.percent), 64)
	if err != nil {
		return "percentage does not parse"
	}
	// The shown figures are rounded to three digits: allow for that.
	if prev != 0 {
		want := (cur - prev) / prev * 100
		tol := 1 + 100*0.006*(1+math.Abs(cur/prev))
		if math.Abs(want-pct) > tol {
			return "percentage " + c.percent + " does not match the figures (" + strconv.FormatFloat(want, 'f', 1, 64) + " %)"
		}
	}
	rise, fall := pct > 0, pct < 0
	switch {
	case rise && (c.arrow != "▲" || !strings.HasPrefix(c.percent, "+")),
		fall && (c.arrow != "▼" || !strings.HasPrefix(c.percent, "−")),
		pct == 0 && c.arrow != report.ArrowLevel:
		return "arrow " + c.arrow + " disagrees with " + c.percent
	case rise && cur < prev, fall && cur > prev:
		return "direction disagrees with the figures"
	}
	want := "neutral"
	switch {
	case c.metric.MoreIsBad && rise, c.metric.Key == report.HTTPRequests && fall:
		want = "worse"
	case c.metric.MoreIsBad && fall, c.metric.Key == report.HTTPRequests && rise:
		want = "better"
	}
	if c.class != want || (want != "neutral" && c.word != want) || (want == "neutral" && c.word != "") {
		return "marked " + c.class + "/" + c.word + ", want " + want
	}
	return ""
}

func TestGoldensMeanWhatTheySay(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.golden.html"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		changes := goldenChanges(t, string(b))
		words := 0
		for _, c := range changes {
			if msg := checkChange(c); msg != "" {
				t.Errorf("%s: %s %q (was %q) %s %s %s: %s", f, c.metric.Title, c.cur, c.prev, c.arrow, c.percent, c.word, msg)
			}
			if c.word != "" {
				words++
			}
		}
		t.Logf("%s: %d changes read, %d with better/worse", f, len(changes), words)
		if len(changes) < 10 || words == 0 {
			t.Errorf("%s: %d changes read (%d with a word); the reader lost the markup", f, len(changes), words)
		}
	}
}

// The reader itself catches the bug a golden once blessed.
func TestCheckChangeCatchesAWrongArrow(t *testing.T) {
	t.Parallel()
	p95, _ := report.Info(report.ResponseTimeP95)
	bw, _ := report.Info(report.Bandwidth)
	req, _ := report.Info(report.HTTPRequests)
	tests := []struct {
		c  goldenChange
		ok bool
	}{
		{goldenChange{metric: p95, cur: "144 ms", prev: "115 ms", class: "better", arrow: "▼", percent: "−12.5%", word: "better"}, false},
		{goldenChange{metric: p95, cur: "144 ms", prev: "115 ms", class: "better", arrow: "▲", percent: "+25.2%", word: "better"}, false},
		{goldenChange{metric: p95, cur: "144 ms", prev: "115 ms", class: "worse", arrow: "▲", percent: "+25.2%", word: "worse"}, true},
		{goldenChange{metric: p95, cur: "144 ms", prev: "115 ms", class: "worse", arrow: "▲", percent: "+12.5%", word: "worse"}, false},
		{goldenChange{metric: req, cur: "75.8 req/min", prev: "75.3 req/min", class: "better", arrow: "▲", percent: "+0.6%", word: "better"}, true},
		{goldenChange{metric: req, cur: "75.8 req/min", prev: "75.3 req/min", class: "worse", arrow: "▲", percent: "+0.6%", word: "worse"}, false},
		{goldenChange{metric: bw, cur: "31.4 GB", prev: "31.2 GB", class: "neutral", arrow: "▲", percent: "+0.8%"}, true},
		{goldenChange{metric: bw, cur: "1.2 min", prev: "59 s", class: "neutral", arrow: "▲", percent: "+22.0%"}, true},
	}
	for _, tc := range tests {
		if msg := checkChange(tc.c); (msg == "") != tc.ok {
			t.Errorf("checkChange(%+v) = %q, want ok=%v", tc.c, msg, tc.ok)
		}
	}
}
