package deliver

import (
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

// viewDay is day i of the test week (2026-11-16 is a Monday).
func viewDay(i int) time.Time { return time.Date(2026, 11, 16+i, 0, 0, 0, 0, time.UTC) }

// series is one point a day from viewDay(0) on.
func series(vals ...float64) []report.Point {
	out := make([]report.Point, len(vals))
	for i, v := range vals {
		out[i] = report.Point{Time: viewDay(i), Value: v}
	}
	return out
}

// procs is a per-process metric from name=values pairs.
func procs(k report.MetricKey, byName map[string][]float64) *report.Metric {
	m := &report.Metric{Key: k}
	for name, vals := range byName {
		m.Processes = append(m.Processes, report.Process{Name: name, Points: series(vals...)})
	}
	return m
}

// handReport is a one-period report compared with its previous week whose
// figures are chosen by hand, so that every change and every headline has
// one right value: two apps, one with each direction of each change, and
// per-process CPU and memory whose highest process is not the first.
func handReport(t *testing.T) report.Report {
	t.Helper()
	mk := func(prevWeek bool) report.Period {
		start := viewDay(0)
		if prevWeek {
			start = viewDay(-7)
		}
		app := func(id, name string, req, resp float64, cpu, mem map[string][]float64) report.App {
			a := report.App{ID: id, Name: name, Metrics: map[report.MetricKey]*report.Metric{}}
			a.Metrics[report.HTTPRequests] = &report.Metric{Key: report.HTTPRequests, Points: series(req)}
			a.Metrics[report.ResponseTimeAvg] = &report.Metric{Key: report.ResponseTimeAvg, Points: series(resp)}
			if cpu != nil {
				a.Metrics[report.CPUUsage] = procs(report.CPUUsage, cpu)
				a.Metrics[report.MemoryUsage] = procs(report.MemoryUsage, mem)
			}
			return a
		}
		p := report.Period{Name: "previous_week", Start: start, End: start.AddDate(0, 0, 7), Interval: 24 * time.Hour}
		if !prevWeek {
			// Rises in "up": requests +50 % (better), response +20 %
			// (worse). Falls in "down": requests −40 % (worse), response
			// −10 % (better).
			p.Apps = []report.App{
				app("id-up", "up", 150, 120,
					map[string][]float64{"api": {12, 30}, "worker": {5, 87.5}, "web": {40, 20}},
					map[string][]float64{"api": {3e8}, "worker": {9e8}, "web": {2e8}}),
				app("id-down", "down", 60, 90, nil, nil),
			}
			return p
		}
		p.Apps = []report.App{
			app("id-up", "up", 100, 100,
				// highest previous peak: web at 70, so CPU is +25.0 %
				map[string][]float64{"api": {10}, "worker": {50}, "web": {70}},
				map[string][]float64{"api": {8e8}, "worker": {4e8}, "web": {1e8}}),
			app("id-down", "down", 100, 100, nil, nil),
		}
		return p
	}
	cur, prev := mk(false), mk(true)
	cur.Previous = &prev
	r := report.Report{
		Name: "hand", Location: time.UTC,
		Metrics: []report.MetricKey{report.HTTPRequests, report.ResponseTimeAvg, report.CPUUsage, report.MemoryUsage},
		Periods: []report.Period{cur},
	}
	report.Finalize(&r)
	report.CompareWithPrevious(&r)
	return r
}

// changeSpanRe finds each change shown under a cell in the HTML body, with
// its colour: <span style="…color:#b42318;">▲&nbsp;+20.0%</span>.
var changeSpanRe = regexp.MustCompile(`<span style="font-size:11px;white-space:nowrap;color:(#[0-9a-fA-F]{6});">([^<]*)</span>`)

// A change is red when it is bad news and green when it is good, whichever
// way the figure moved: more requests is good, a slower response bad.
func TestChangeColourFollowsDirection(t *testing.T) {
	t.Parallel()
	const red, green = "#b42318", "#067647"
	_, htmlBody := bodies(t, handReport(t))
	got := map[string]string{}
	for _, m := range changeSpanRe.FindAllStringSubmatch(htmlBody, -1) {
		got[strings.ReplaceAll(html.UnescapeString(m[2]), "\u00a0", " ")] = m[1]
	}
	for change, colour := range map[string]string{
		"▲ +50.0%": green, // requests up: better
		"▲ +20.0%": red,   // response up: worse
		"▼ −40.0%": red,   // requests down: worse
		"▼ −10.0%": green, // response down: better
		"▲ +25.0%": red,   // CPU peak up: worse
		"▲ +12.5%": red,   // memory peak up: worse
	} {
		if got[change] != colour {
			t.Errorf("change %q drawn in %q, want %q (all: %v)", change, got[change], colour, got)
		}
	}
}

// The CPU and memory columns show the highest peak of any process, with
// the process named, and compare it with the highest peak of the previous
// period (whichever process held it).
func TestProcessHeadlineIsTheHighest(t *testing.T) {
	t.Parallel()
	text, htmlBody := bodies(t, handReport(t))
	cpu := report.FormatValue(report.UnitPercent, 87.5)
	mem := report.FormatValue(report.UnitBytes, 9e8)
	// Text part: "   CPU  peak  87.5 % (worker)  ▲ +25.0%".
	lines := map[string]string{}
	for _, l := range strings.Split(text, "\n") {
		if f := strings.Fields(l); len(f) > 0 && lines[f[0]] == "" { // app "up" comes first
			lines[f[0]] = strings.Join(f, " ")
		}
	}
	if want := "CPU peak " + strings.Join(strings.Fields(cpu), " ") + " (worker) ▲ +25.0%"; !strings.Contains(lines["CPU"], want) {
		t.Errorf("text part's CPU line %q, want %q", lines["CPU"], want)
	}
	// Memory: the highest is worker's 900 MB now, api's 800 MB before.
	if want := "Memory peak " + strings.Join(strings.Fields(mem), " ") + " (worker) ▲ +12.5%"; !strings.Contains(lines["Memory"], want) {
		t.Errorf("text part's Memory line %q, want %q", lines["Memory"], want)
	}
	unescaped := html.UnescapeString(htmlBody)
	for _, want := range []string{cpu + `<br><span style="color:#6b7280;font-size:11px;">worker</span>`,
		mem + `<br><span style="color:#6b7280;font-size:11px;">worker</span>`} {
		if !strings.Contains(unescaped, want) {
			t.Errorf("HTML part lacks %q", want)
		}
	}
}

// With one process the headline needs no process name beside it.
func TestProcessHeadlineSingleProcess(t *testing.T) {
	t.Parallel()
	r := handReport(t)
	cpu := r.Periods[0].Apps[0].Metrics[report.CPUUsage]
	for i, p := range cpu.Processes {
		if p.Name == "worker" {
			cpu.Processes = cpu.Processes[i : i+1]
			break
		}
	}
	text, htmlBody := bodies(t, r)
	var line string
	for _, l := range strings.Split(text, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "CPU" {
			line = strings.Join(f, " ")
			break
		}
	}
	if want := "CPU peak " + strings.Join(strings.Fields(report.FormatValue(report.UnitPercent, 87.5)), " ") + " ▲"; !strings.HasPrefix(line, want) {
		t.Errorf("CPU line %q, want it to start %q (no process name)", line, want)
	}
	if strings.Contains(html.UnescapeString(htmlBody), report.FormatValue(report.UnitPercent, 87.5)+"<br><span style=\"color:#6b7280;font-size:11px;\">worker") {
		t.Error("HTML part names the only process")
	}
}

// A site metric's change withheld for coverage shows its reason in the
// email's site table, as an app's does, and no percentage.
func TestSiteChangeWithheldShowsItsReason(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Apps: 1, WithPrevious: true})
	live := reporttest.SiteEnvironment("live", 700, 800)
	prev := reporttest.SiteEnvironment("live", 500, 500)
	p := &r.Periods[0]
	p.Sites, p.Previous.Sites = []report.Site{live}, []report.Site{prev}
	report.Build(&r, nil)
	m := p.Sites[0].Metrics[report.SiteVisits]
	if m.Summary.Change == nil {
		t.Fatal("the site's visits are not compared")
	}
	m.Summary.Change.Reason = "n/a: previous period 34 % covered"
	var pv periodView
	sitesViewOf(&pv, *p)
	c := pv.Sites[0].Cells[0]
	if c.Change == nil || c.Change.Text != "n/a: previous period 34 % covered" || c.Change.Arrow != "" {
		t.Errorf("visits cell change %+v, want the coverage reason and no arrow", c.Change)
	}
}
