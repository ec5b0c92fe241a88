package chart

import (
	"encoding/json"
	"html"
	"strings"
	"testing"
	"time"

	xhtml "golang.org/x/net/html"

	"github.com/kinsta-report/kinsta-report/internal/peer"
	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

// siteDays0 is the first day of the test sites' week: Monday 16 Nov 2026,
// a UTC day. In the report's zone (Los Angeles) its start is Sunday
// evening, so a label converted into the zone would say "Sun 15 Nov".
var siteDays0 = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)

// testSite is one site environment with a week of daily points of every
// site metric (scale multiplies the values) and this month's usage.
func testSite(id, name, display, env string, scale float64) report.Site {
	s := report.Site{ID: id, Name: name, DisplayName: display, Environment: env, EnvironmentID: id + "-" + env, Metrics: map[report.SiteMetricKey]*report.SiteMetric{}}
	base := map[report.SiteMetricKey]float64{
		report.SiteVisits: 1200, report.SiteBandwidth: 3.4e9, report.SiteCDNBandwidth: 8.1e9, report.SiteDiskSpace: 2.25e9,
	}
	for _, k := range report.AllSiteMetrics() {
		info, _ := report.SiteInfo(k)
		m := &report.SiteMetric{Key: k, Unit: info.Unit}
		for d := range 7 {
			v := base[k] * scale * (1 + 0.1*float64(d%3))
			if k == report.SiteVisits {
				v = float64(int(v))
			}
			m.Points = append(m.Points, report.Point{Time: siteDays0.AddDate(0, 0, d), Value: v})
		}
		s.Metrics[k] = m
	}
	s.Usage = &report.SiteUsage{AsOf: siteDays0.AddDate(0, 0, 8), Visits: report.F(20000 * scale), Bandwidth: report.F(5.5e10 * scale)}
	return s
}

// sitesReport is a report with two apps and three site environments, the
// previous week compared, a site whose disk space is missing and a site
// alert on a day. sitesOnly drops the apps (and Metrics, as the config
// leaves it for a report of sites only).
func sitesReport(t testing.TB, sitesOnly bool) report.Report {
	t.Helper()
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatalf("load zone: %v", err)
	}
	r := reporttest.Build(reporttest.Options{Apps: 2, Days: 7, Location: loc, WithPrevious: true})
	if sitesOnly {
		r.Metrics = nil
		r.Periods[0].Apps = nil
		r.Periods[0].Previous.Apps = nil
	}
	shop := testSite("site-1", "shop", "Shop", "live", 1)
	staging := testSite("site-1", "shop", "Shop", "staging", 0.01)
	brochure := testSite("site-2", "brochure", "Brochure <Site>", "live", 0.5)
	delete(brochure.Metrics, report.SiteDiskSpace)
	brochure.Missing = []report.SiteMissing{{Metric: report.SiteDiskSpace, Error: "analytics answered 500"}}
	cur := []report.Site{shop, staging, brochure}
	prev := []report.Site{testSite("site-1", "shop", "Shop", "live", 0.8), testSite("site-1", "shop", "Shop", "staging", 0.01)}
	for i := range prev {
		for _, m := range prev[i].Metrics {
			for j := range m.Points {
				m.Points[j].Time = m.Points[j].Time.AddDate(0, 0, -7)
			}
		}
	}
	for i := range prev {
		for _, k := range report.AllSiteMetrics() {
			report.SummarizeSite(prev[i].Metrics[k])
		}
	}
	for i := range cur {
		for _, k := range report.AllSiteMetrics() {
			report.SummarizeSite(cur[i].Metrics[k])
			if i < len(prev) {
				report.CompareSite(cur[i].Metrics[k], prev[i].Metrics[k])
			}
		}
	}
	r.Periods[0].Sites = cur
	r.Periods[0].Previous.Sites = prev
	r.Alerts = append(r.Alerts, report.Alert{
		App: brochure.Label(), AppID: brochure.ID, Period: r.Periods[0].Name, Metric: "site.visits", On: report.OnAnyBucket,
		Time: siteDays0.AddDate(0, 0, 2), HasTime: true, Value: 660, Limit: 650, Unit: report.UnitVisits, Threshold: "650",
	})
	return r
}

func textOf(n *xhtml.Node) string {
	var b strings.Builder
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func byID(id string) func(*xhtml.Node) bool {
	return func(n *xhtml.Node) bool { v, _ := attr(n, "id"); return v == id }
}

func parsePage(t *testing.T, page []byte) *xhtml.Node {
	t.Helper()
	doc, err := xhtml.Parse(strings.NewReader(string(page)))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// pageCharts returns the page's chart data by chart id.
type siteChartData struct {
	ID     string `json:"id"`
	Period int    `json:"period"`
	Unit   string `json:"unit"`
	Option struct {
		XAxis []struct {
			Data []string `json:"data"`
		} `json:"xAxis"`
		Series []struct {
			Name string          `json:"name"`
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		} `json:"series"`
	} `json:"option"`
}

func pageCharts(t *testing.T, page []byte) map[string]siteChartData {
	t.Helper()
	for _, s := range scripts(unpacked(t, page)) {
		if s[0] != `type="application/gzip" id="kr-data"` {
			continue
		}
		var d struct{ Charts []siteChartData }
		if err := json.Unmarshal([]byte(s[1]), &d); err != nil {
			t.Fatalf("chart data: %v", err)
		}
		out := map[string]siteChartData{}
		for _, c := range d.Charts {
			out[c.ID] = c
		}
		return out
	}
	t.Fatal("no chart data in the page")
	return nil
}

// The site table shows each site environment's figures as the model has
// them, formatted as everywhere; the charts carry every site's days as
// UTC dates; the day zone is stated.
func TestWriteHTMLSites(t *testing.T) {
	t.Parallel()
	r := sitesReport(t, false)
	page := render(t, r)
	doc := parsePage(t, page)

	secs := find(doc, byID("p0-sites"))
	if len(secs) != 1 {
		t.Fatalf("%d sections with id p0-sites, want 1", len(secs))
	}
	sec := secs[0]
	if !strings.Contains(textOf(sec), "calendar days in "+report.SitesDayZone) {
		t.Errorf("the sites section does not state the day zone %q", report.SitesDayZone)
	}
	rows := find(sec, func(n *xhtml.Node) bool { return n.Data == "tr" && n.Parent != nil && n.Parent.Data == "tbody" })
	if len(rows) != len(r.Periods[0].Sites) {
		t.Fatalf("site table has %d rows, want %d", len(rows), len(r.Periods[0].Sites))
	}
	for i, s := range r.Periods[0].Sites {
		cells := find(rows[i], byTag("td"))
		if len(cells) != 1+len(report.AllSiteMetrics()) {
			t.Fatalf("row %d has %d cells", i, len(cells))
		}
		if got := textOf(cells[0]); !strings.HasPrefix(got, s.Label()) {
			t.Errorf("row %d is %q, want the site %q", i, got, s.Label())
		}
		for j, k := range report.AllSiteMetrics() {
			info, _ := report.SiteInfo(k)
			got := textOf(cells[1+j])
			m := s.Metrics[k]
			if m == nil {
				if !strings.Contains(got, "missing") {
					t.Errorf("%s %s: %q, want missing", s.Label(), k, got)
				}
				continue
			}
			head := m.Summary.Total
			if !info.HasTotal {
				head = m.Summary.Average
			}
			if want := report.FormatValue(info.Unit, *head); !strings.HasPrefix(got, want) {
				t.Errorf("%s %s: cell %q, want it to start with %q", s.Label(), k, got, want)
			}
			if ch := m.Summary.Change; ch != nil {
				prev := ch.Previous.Total
				if !info.HasTotal {
					prev = ch.Previous.Average
				}
				v := report.DescribeChange(report.MetricInfo{MoreIsBad: info.MoreIsBad}, prev, head)
				if !strings.Contains(got, v.Arrow+" "+v.Text) {
					t.Errorf("%s %s: cell %q lacks the change %q", s.Label(), k, got, v.Arrow+" "+v.Text)
				}
				if *head > *prev && k == report.SiteDiskSpace && !strings.Contains(got, "worse") {
					t.Errorf("%s disk space grew and the cell %q does not say worse", s.Label(), got)
				}
				if k != report.SiteDiskSpace && (strings.Contains(got, "worse") || strings.Contains(got, "better")) {
					t.Errorf("%s %s: traffic is neither good nor bad news, the cell says %q", s.Label(), k, got)
				}
			} else if strings.Contains(got, "was ") {
				t.Errorf("%s %s: cell %q shows a change with nothing to compare", s.Label(), k, got)
			}
			if used := s.Usage.Of(k); used != nil {
				if want := "this month " + report.FormatValue(info.Unit, *used); !strings.Contains(got, want) {
					t.Errorf("%s %s: cell %q lacks %q", s.Label(), k, got, want)
				}
			}
		}
	}
	about := textOf(find(doc, byID("about"))[0])
	if !strings.Contains(about, "Site disk space") || !strings.Contains(about, "analytics answered 500") {
		t.Error("About this report does not list the missing site metric as Site disk space with its error")
	}

	// One chart per site metric, one series per site environment with the
	// metric, on UTC days.
	charts := pageCharts(t, page)
	var days []string
	for d := range 7 {
		days = append(days, siteDays0.AddDate(0, 0, d).Format("Mon 2 Jan"))
	}
	if days[0] != "Mon 16 Nov" {
		t.Fatalf("first day %q", days[0])
	}
	for _, k := range report.AllSiteMetrics() {
		id := "c-p0-sites-" + string(k)
		c, ok := charts[id]
		if !ok {
			t.Errorf("no chart %s in the data", id)
			continue
		}
		if len(find(sec, byID(id))) != 1 {
			t.Errorf("chart %s has no container in the sites section", id)
		}
		if c.Period != -1 || len(c.Option.XAxis) != 1 || strings.Join(c.Option.XAxis[0].Data, "|") != strings.Join(days, "|") {
			t.Errorf("chart %s: period %d, x axis %v; want its own axis of UTC days %v", id, c.Period, c.Option.XAxis, days)
		}
		var want []report.Site
		for _, s := range r.Periods[0].Sites {
			if s.Metrics[k] != nil {
				want = append(want, s)
			}
		}
		if len(c.Option.Series) != len(want) {
			t.Fatalf("chart %s has %d series, want %d", id, len(c.Option.Series), len(want))
		}
		info, _ := report.SiteInfo(k)
		for i, s := range want {
			se := c.Option.Series[i]
			if se.Name != s.Label() || se.Type != "line" {
				t.Errorf("chart %s series %d: %q %s, want line %q", id, i, se.Name, se.Type, s.Label())
			}
			var vals []float64
			if err := json.Unmarshal(se.Data, &vals); err != nil {
				t.Fatalf("chart %s series %d data %s: %v", id, i, se.Data, err)
			}
			var series []lineSeries
			for _, x := range want {
				series = append(series, lineSeries{Points: []xy{{Y: maxOf(x.Metrics[k].Points)}}})
			}
			scale, unit := chartScale(info.Unit, maxAbs(series))
			if c.Unit != unit {
				t.Errorf("chart %s unit %q, want %q", id, c.Unit, unit)
			}
			pts := s.Metrics[k].Points
			if len(vals) != len(pts) {
				t.Fatalf("chart %s series %d has %d values, want %d", id, i, len(vals), len(pts))
			}
			for j, p := range pts {
				if w := roundSig(p.Value/scale, sigDigits); vals[j] != w {
					t.Errorf("chart %s %s day %d: %v, want %v", id, s.Label(), j, vals[j], w)
				}
			}
		}
	}

	// The site alert: its metric's title and its UTC day, not "site.visits"
	// and not a time in Los Angeles.
	alerts := textOf(find(doc, byID("alerts"))[0])
	if !strings.Contains(alerts, "Site visits") || !strings.Contains(alerts, "Wed 18 Nov 2026 (UTC day)") {
		t.Errorf("alerts table does not show the site alert as Site visits on Wed 18 Nov 2026: %q", alerts)
	}
	if strings.Contains(alerts, "site.visits") {
		t.Error("alerts table shows the raw metric key site.visits")
	}
	if !strings.Contains(alerts, "2 apps and 1 site crossed a threshold") && !strings.Contains(alerts, "1 site crossed a threshold") {
		t.Errorf("alert headline does not count the site: %q", alerts)
	}
	if !strings.Contains(textOf(find(doc, byTag("nav"))[0]), r.Periods[0].Name+" sites") {
		t.Error("the contents do not link the period's sites")
	}
	// The apps are still there.
	if len(find(doc, byID("p0-a0"))) != 1 {
		t.Error("the apps' sections are gone from a report with apps and sites")
	}
}

func maxOf(pts []report.Point) float64 {
	m := 0.0
	for _, p := range pts {
		m = max(m, p.Value)
	}
	return m
}

// A report of sites only shows the sites and no app section, summary or
// "No apps" line.
func TestWriteHTMLSitesOnly(t *testing.T) {
	t.Parallel()
	r := sitesReport(t, true)
	page := render(t, r)
	doc := parsePage(t, page)
	if len(find(doc, byID("p0-sites"))) != 1 {
		t.Fatal("no sites section")
	}
	appSecs := find(doc, func(n *xhtml.Node) bool { return hasClass(n, "app") && !hasClass(n, "sites") })
	if len(appSecs) != 0 {
		t.Errorf("%d app sections in a report of sites only", len(appSecs))
	}
	own := string(unpacked(t, page))
	for _, bad := range []string{"No apps in this period", `id="p0-summary"`, "0 apps"} {
		if strings.Contains(own, bad) {
			t.Errorf("a report of sites only shows %q", bad)
		}
	}
	charts := pageCharts(t, page)
	if len(charts) != len(report.AllSiteMetrics()) {
		ids := []string{}
		for id := range charts {
			ids = append(ids, id)
		}
		t.Errorf("charts %v, want only the %d site charts", ids, len(report.AllSiteMetrics()))
	}
}

// Site names come from the API: they show literally as text and stay
// JSON strings in the chart data.
func TestWriteHTMLSitesHostileNames(t *testing.T) {
	t.Parallel()
	r := sitesReport(t, true)
	h := reporttest.Hostile
	sites := r.Periods[0].Sites
	for i := range sites {
		sites[i].DisplayName = h[i%3]
		sites[i].Environment = map[bool]string{true: "live", false: h[0]}[i == 0]
	}
	sites[2].Missing[0].Error = h[2]
	r.Alerts[0].App = h[1]
	page := render(t, r)
	own := string(unpacked(t, page))
	for _, s := range h[:3] {
		if !strings.Contains(own, html.EscapeString(s)) {
			t.Errorf("page does not show %q as escaped text", s)
		}
	}
	for _, bad := range []string{`<script>document`, `<img src=x`, `onerror="document`} {
		if strings.Contains(own, bad) {
			t.Errorf("page has raw %q", bad)
		}
	}
	doc := parsePage(t, page)
	rows := find(find(doc, byID("p0-sites"))[0], byTag("tr"))
	if got := textOf(find(rows[1], byTag("td"))[0]); !strings.HasPrefix(got, sites[0].Label()) {
		t.Errorf("first site shows as %q, want %q literally", got, sites[0].Label())
	}
	names := map[string]bool{}
	for _, c := range pageCharts(t, page) {
		for _, s := range c.Option.Series {
			names[s.Name] = true
		}
	}
	for _, s := range sites {
		if s.Metrics[report.SiteVisits] != nil && !names[s.Label()] {
			t.Errorf("chart data lost the site name %q", s.Label())
		}
	}
}

// A site name cannot spoof what is around it: a right-to-left override is
// dropped and the name isolated, a huge name is cut, and the model is left
// as it was.
func TestWriteHTMLSitesDefusesSpoofingNames(t *testing.T) {
	t.Parallel()
	r := sitesReport(t, true)
	r.Periods[0].Sites[0].DisplayName = "P\u202egnp.exe"
	r.Periods[0].Sites[1].DisplayName = "x" + strings.Repeat("y", 40000)
	page := string(render(t, r))
	if strings.ContainsRune(page, '\u202e') || !strings.Contains(page, "\u2068Pgnp.exe\u2069") {
		t.Error("the right-to-left override reached the page, or the site name is not isolated")
	}
	if strings.Contains(page, strings.Repeat("y", report.MaxDisplayRunes+1)) {
		t.Error("a 40,000-character site name is shown whole")
	}
	if r.Periods[0].Sites[0].DisplayName != "P\u202egnp.exe" {
		t.Error("rendering changed the model's site name")
	}
}

// Chromium draws every chart of a page with apps and sites, and of one
// with sites only, hostile names included, with no script error.
func TestChromiumSitesCharts(t *testing.T) {
	chromium := peer.Require(t, "chromium")
	hostile := sitesReport(t, true)
	hostile.Periods[0].Sites[2].DisplayName = reporttest.Hostile[0]
	hostile.Periods[0].Sites[1].DisplayName = reporttest.Hostile[2]
	for name, r := range map[string]report.Report{"apps and sites": sitesReport(t, false), "sites only, hostile": hostile} {
		t.Run(name, func(t *testing.T) {
			doc := dumpDOM(t, chromium, render(t, r), "#kr-tooltips")
			s := status(t, doc)
			if s.pwned {
				t.Error("a hostile payload ran: data-pwned is set")
			}
			if s.errors != 0 {
				t.Errorf("%d script errors: %s", s.errors, s.errorText)
			}
			if s.total == 0 || s.rendered != s.total {
				t.Errorf("%d of %d charts rendered", s.rendered, s.total)
			}
			secs := find(doc, byID("p0-sites"))
			if len(secs) != 1 {
				t.Fatal("no sites section in the DOM")
			}
			cs := find(secs[0], func(n *xhtml.Node) bool { return hasClass(n, "kr-chart") })
			if len(cs) != len(report.AllSiteMetrics()) {
				t.Errorf("%d site charts in the DOM, want %d", len(cs), len(report.AllSiteMetrics()))
			}
			for _, c := range cs {
				if v, _ := attr(c, "data-rendered"); v != "1" {
					id, _ := attr(c, "id")
					t.Errorf("site chart %s not rendered", id)
				}
				checkDrawn(t, c)
				// The x axis shows UTC days.
				if txt := textOf(c); !strings.Contains(txt, "16 Nov") {
					t.Errorf("site chart's axis does not show the UTC day 16 Nov: %q", clip(txt))
				}
			}
		})
	}
}
