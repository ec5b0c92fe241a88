package job_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kinsta-report/kinsta-report/fetch"
	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
	"github.com/kinsta-report/kinsta-report/job"
	"github.com/kinsta-report/kinsta-report/report"
)

// simSites is a sites client on the simulator srv: the run's second
// client, as -demo makes it.
func simSites(t *testing.T, cfg *report.Config, srv *kinstatest.Server) *fetch.Client {
	t.Helper()
	c, err := job.NewAPIClient(cfg, testKey, "http://kinsta.test/v2", slog.New(slog.DiscardHandler),
		fetch.WithHTTPClient(srv.Client()), fetch.WithClock(fixedClock),
		fetch.WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sitesWeek reports the simulator's two sites, live and staging, with an
// app, for one week, in a zone west of UTC: the site days must stay the
// dates Kinsta gives, not shift into the evening before.
const sitesWeek = `
timezone: America/New_York
smtp: {host: 127.0.0.1, port: 2525, tls: none, from: "Kinsta Reports <reports@example.com>"}
reports:
  - name: sites-week
    apps: [shop]
    metrics: [bandwidth]
    sites: all
    environments: [live, STAGING]
    periods: [{name: week, start: 2026-11-16, end: 2026-11-22}]
    users: false
    email:
      to: [ops@example.com]
`

// wantSite is what the simulator served one environment of a site over the
// week, computed here from kinstatest.Site.Daily.
type wantSite struct {
	label, envID string
	days         []time.Time
	daily        map[string][]float64 // by segment
}

func (w wantSite) total(seg string) float64 {
	s := 0.0
	for _, v := range w.daily[seg] {
		s += v
	}
	return s
}

func expectedSites() []wantSite {
	var out []wantSite
	var days []time.Time
	for d := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC); d.Day() <= 22; d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}
	// Report order: by label (Brochure <Site> before Company Blog), then
	// the configured environment order.
	for _, st := range []kinstatest.Site{kinstatest.DefaultSites()[1], kinstatest.DefaultSites()[0]} {
		for _, env := range kinstatest.SiteEnvironments(st.Name) {
			w := wantSite{label: st.DisplayName, envID: env.ID, days: days, daily: map[string][]float64{}}
			if env.Name != "live" {
				w.label += " (" + env.Name + ")"
			}
			for _, seg := range []string{kinstatest.SegVisits, kinstatest.SegBandwidth, kinstatest.SegCDNBandwidth, kinstatest.SegDiskSpace} {
				for _, d := range days {
					w.daily[seg] = append(w.daily[seg], st.Daily(env.ID, seg, d))
				}
			}
			out = append(out, w)
		}
	}
	return out
}

func nearly(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

func TestRunSitesCarryTheSimulatorsFigures(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, sitesWeek)
	src, srv := simSource(t, cfg, kinstatest.Options{})
	res, stderr, out := run(t, cfg, src, "2026-11-23T07:00:00-05:00", nil, func(o *job.Options) {
		o.DryRun = true
		o.Sites = simSites(t, cfg, srv)
	})
	if res.Status != job.OK {
		t.Fatalf("status %v, stderr:\n%s", res.Status, stderr)
	}
	if !strings.Contains(stderr, "1 app, 4 site environments, 1 period") {
		t.Errorf("the report line does not count the site environments:\n%s", stderr)
	}
	want := expectedSites()
	base := filepath.Join(out, "sites-week", "sites-week_2026-11-23")

	// JSON: every day's value, the totals, the disk average, the zone.
	var d struct {
		Periods []struct {
			Sites []struct {
				DisplayName   string `json:"display_name"`
				Environment   string `json:"environment"`
				EnvironmentID string `json:"environment_id"`
				DayZone       string `json:"day_zone"`
				Metrics       map[string]struct {
					Total, Average *float64
					Points         []struct {
						Date  string
						Value float64
					}
				}
				Usage *struct{ Visits struct{ Used *float64 } }
			}
		}
	}
	b, err := os.ReadFile(base + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	got := d.Periods[0].Sites
	if len(got) != len(want) {
		t.Fatalf("%d sites in the JSON, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.EnvironmentID != w.envID || g.DayZone != report.SitesDayZone {
			t.Errorf("site %d: environment %s (%s), zone %q; want %s", i, g.Environment, g.EnvironmentID, g.DayZone, w.envID)
		}
		for key, seg := range map[string]string{"visits": kinstatest.SegVisits, "bandwidth": kinstatest.SegBandwidth, "cdn_bandwidth": kinstatest.SegCDNBandwidth, "disk_space": kinstatest.SegDiskSpace} {
			m := g.Metrics[key]
			if len(m.Points) != len(w.days) {
				t.Fatalf("%s %s: %d points, want %d", w.label, key, len(m.Points), len(w.days))
			}
			for j, p := range m.Points {
				if p.Date != w.days[j].Format(time.DateOnly) || !nearly(p.Value, w.daily[seg][j]) {
					t.Errorf("%s %s point %d = %s %v, want %s %v", w.label, key, j, p.Date, p.Value, w.days[j].Format(time.DateOnly), w.daily[seg][j])
				}
			}
			if key == "disk_space" {
				if m.Average == nil || !nearly(*m.Average, w.total(seg)/7) {
					t.Errorf("%s disk average %v, want %v", w.label, m.Average, w.total(seg)/7)
				}
			} else if m.Total == nil || !nearly(*m.Total, w.total(seg)) {
				t.Errorf("%s %s total %v, want %v", w.label, key, m.Total, w.total(seg))
			}
		}
		if g.Usage == nil || g.Usage.Visits.Used == nil {
			t.Errorf("%s: no usage this month", w.label)
		}
	}

	// Workbook: the Site visits sheet, a row per day, a column per site
	// environment, the dates as Kinsta's days.
	f, err := excelize.OpenFile(base+".xlsx", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, sheet := range []struct{ name, seg string }{{"Site visits", kinstatest.SegVisits}, {"Site disk space", kinstatest.SegDiskSpace}} {
		rows, err := f.GetRows(sheet.name)
		if err != nil {
			t.Fatalf("%s: %v", sheet.name, err)
		}
		header := -1
		for i, r := range rows {
			if len(r) > 1 && r[0] == "Period" {
				header = i
			}
		}
		if header < 0 || len(rows) != header+1+7 {
			t.Fatalf("%s: header at %d of %d rows, want 7 day rows", sheet.name, header, len(rows))
		}
		div := 1.0
		if sheet.seg == kinstatest.SegDiskSpace {
			div = 1e9 // the sheet's scale: GB
			if !strings.Contains(rows[header][2], "(GB)") {
				t.Errorf("%s header %q, want GB", sheet.name, rows[header][2])
			}
		}
		for j := range 7 {
			r := rows[header+1+j]
			serial, _ := strconvFloat(r[1])
			day, err := excelize.ExcelDateToTime(serial, false)
			if err != nil || !day.Equal(want[0].days[j]) {
				t.Errorf("%s row %d: day %v (%v), want %v", sheet.name, j, day, err, want[0].days[j])
			}
			for i, w := range want {
				v, err := strconvFloat(r[2+i])
				if err != nil || !nearly(v*div, w.daily[sheet.seg][j]) {
					t.Errorf("%s row %d %s = %q, want %v", sheet.name, j, w.label, r[2+i], w.daily[sheet.seg][j]/div)
				}
			}
		}
	}
	summary, err := f.GetRows("Summary")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, r := range summary {
		if len(r) > 2 && r[0] == "week" {
			for _, w := range want {
				if r[1] == w.label {
					if v, err := strconvFloat(r[2]); err == nil && nearly(v, w.total(kinstatest.SegVisits)) {
						found++
					} else {
						t.Errorf("Summary %s visits %q, want %v", w.label, r[2], w.total(kinstatest.SegVisits))
					}
				}
			}
		}
	}
	if found != len(want) {
		t.Errorf("%d site rows on the Summary carry their visits, want %d", found, len(want))
	}

	// Email: both parts carry each site's visits total as formatted.
	text, html := emailParts(t, base+".eml")
	for _, w := range want {
		v := report.FormatValue(report.UnitVisits, w.total(kinstatest.SegVisits))
		if !strings.Contains(text, v) {
			t.Errorf("the text part lacks %s's visits %s", w.label, v)
		}
		if !strings.Contains(html, v) {
			t.Errorf("the HTML part lacks %s's visits %s", w.label, v)
		}
	}
	if !strings.Contains(html, "Brochure &lt;Site&gt;") || strings.Contains(html, "Brochure <Site>") {
		t.Error("the HTML part does not escape the site's display name")
	}
}

func strconvFloat(s string) (float64, error) {
	var v float64
	_, err := fmt.Sscan(s, &v)
	return v, err
}

// emailParts returns the decoded text and HTML parts of an .eml.
func emailParts(t *testing.T, path string) (text, html string) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	m, err := mail.ReadMessage(fh)
	if err != nil {
		t.Fatal(err)
	}
	var walk func(ct string, body io.Reader, enc string)
	walk = func(ct string, body io.Reader, enc string) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err != nil {
					return
				}
				walk(p.Header.Get("Content-Type"), p, p.Header.Get("Content-Transfer-Encoding"))
			}
		}
		b := decodeBody(t, body, enc)
		switch {
		case mt == "text/plain" && text == "":
			text = b
		case mt == "text/html" && html == "": // the body, not the attached HTML report
			html = b
		}
	}
	walk(m.Header.Get("Content-Type"), m.Body, m.Header.Get("Content-Transfer-Encoding"))
	return text, html
}

func decodeBody(t *testing.T, r io.Reader, enc string) string {
	t.Helper()
	switch strings.ToLower(enc) {
	case "quoted-printable":
		b, err := io.ReadAll(quotedprintable.NewReader(r))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	case "base64":
		b, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, r))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	b, _ := io.ReadAll(r)
	return string(b)
}

// sitesElsewhere puts applications on Sevalla's host: the sites host is
// another, so KINSTA_API_KEY is not used for it.
const sitesElsewhere = `
api:
  base_url: https://api.sevalla.com/v2
reports:
  - name: mixed
    apps: [shop]
    sites: [blog]
    periods: [previous_week]
    users: false
`

func TestRunSitesWithoutTheirKeyIsAConfigError(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, sitesElsewhere)
	src, srv := simSource(t, cfg, kinstatest.Options{})
	res, stderr, _ := run(t, cfg, src, monday, map[string]string{"KINSTA_API_KEY": "apps-key-only"})
	if res.Status != job.ConfigError {
		t.Fatalf("status %v, want a config error; stderr:\n%s", res.Status, stderr)
	}
	if !strings.Contains(stderr, "KINSTA_SITES_API_KEY is not set") || !strings.Contains(stderr, "needed by mixed") {
		t.Errorf("the error does not name the variable and the report:\n%s", stderr)
	}
	if strings.Contains(stderr, "apps-key-only") {
		t.Error("the error shows a key")
	}
	if n := srv.Requests(); n != 0 {
		t.Errorf("%d requests before the config error, want none", n)
	}

	// Same host: KINSTA_API_KEY serves both, and a missing one is named
	// with its fallback.
	same := loadConfig(t, strings.Replace(sitesElsewhere, "https://api.sevalla.com/v2", "https://api.kinsta.com/v2", 1))
	src2, srv2 := simSource(t, same, kinstatest.Options{})
	res, stderr, _ = run(t, same, src2, monday, nil)
	if res.Status != job.ConfigError || !strings.Contains(stderr, "KINSTA_SITES_API_KEY (or KINSTA_API_KEY) is not set") || srv2.Requests() != 0 {
		t.Errorf("same host without keys: status %v, %d requests, stderr:\n%s", res.Status, srv2.Requests(), stderr)
	}
}

// failingSites fails one site metric of every environment.
type failingSites struct {
	job.SiteSource
	key report.SiteMetricKey
	mu  sync.Mutex
	n   int
}

func (f *failingSites) SiteMetric(ctx context.Context, envID, company string, key report.SiteMetricKey, d fetch.Days) (*report.SiteMetric, error) {
	if key == f.key {
		f.mu.Lock()
		f.n++
		f.mu.Unlock()
		return nil, errors.New("analytics unavailable")
	}
	return f.SiteSource.SiteMetric(ctx, envID, company, key, d)
}

const sitesOnly = `
timezone: UTC
smtp: {host: 127.0.0.1, port: 2525, tls: none, from: "Kinsta Reports <reports@example.com>"}
reports:
  - name: sites-only
    sites: [BLOG]
    periods: [{name: week, start: 2026-11-16, end: 2026-11-22}]
    users: false
    send: on_alert
    thresholds:
      - metric: site.visits
        above: 1000
        on: any_bucket
        sites: [company blog]
      - metric: site.disk_space
        above: 1TB
    email:
      to: [ops@example.com]
`

func TestRunSitesOnlyMissingMetricIsPartial(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, sitesOnly)
	src, srv := simSource(t, cfg, kinstatest.Options{})
	fs := &failingSites{SiteSource: simSites(t, cfg, srv), key: report.SiteCDNBandwidth}
	res, stderr, out := run(t, cfg, src, monday, nil, func(o *job.Options) { o.DryRun = true; o.Sites = fs })
	if res.Status != job.Partial {
		t.Fatalf("status %v, want partial; stderr:\n%s", res.Status, stderr)
	}
	if !strings.Contains(stderr, "1 site metric of 1 site environment in week") {
		t.Errorf("stderr does not say what is missing:\n%s", stderr)
	}
	d := readDoc(t, filepath.Join(out, "sites-only", "sites-only_2026-11-23.json"))
	if len(d.Periods[0].Apps) != 0 {
		t.Errorf("a sites-only report shows %d apps", len(d.Periods[0].Apps))
	}
	// Every day of the blog's live visits is above 1000: seven crossings,
	// and the email goes out (send: on_alert).
	if res.Reports[0].Alerts != 7 || res.Reports[0].Email != "eml" {
		t.Errorf("%d alerts, email %q; want 7 and an .eml", res.Reports[0].Alerts, res.Reports[0].Email)
	}
	text, _ := emailParts(t, filepath.Join(out, "sites-only", "sites-only_2026-11-23.eml"))
	if !strings.Contains(text, "Site visits in a bucket") || !strings.Contains(text, "on 2026-11-16,") {
		t.Errorf("the email does not list the site alerts by day:\n%s", text)
	}
	if !strings.Contains(text, "Site CDN bandwidth: analytics unavailable") {
		t.Errorf("the email does not list the missing site metric:\n%s", text)
	}
}

func TestRunSitesOnAlertSkipsWhenNothingCrossed(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, strings.Replace(sitesOnly, "above: 1000", "above: 100000", 1))
	src, srv := simSource(t, cfg, kinstatest.Options{})
	res, stderr, _ := run(t, cfg, src, monday, nil, func(o *job.Options) { o.DryRun = true; o.Sites = simSites(t, cfg, srv) })
	if res.Status != job.OK || res.Reports[0].Email != "skipped" || res.Reports[0].Alerts != 0 {
		t.Errorf("status %v, email %q, %d alerts; want ok, skipped, 0; stderr:\n%s", res.Status, res.Reports[0].Email, res.Reports[0].Alerts, stderr)
	}
}
