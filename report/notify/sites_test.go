package notify_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/notify"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

// sitesFixture is a report whose periods hold WordPress site environments
// named by the hostile names (the last one missing its bandwidth), beside
// one app, or alone when sitesOnly.
func sitesFixture(t testing.TB, sitesOnly bool) report.Report {
	t.Helper()
	r := reporttest.Build(reporttest.Options{Apps: 1})
	day := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	for i := range r.Periods {
		if sitesOnly {
			r.Periods[i].Apps = nil
		}
		r.Periods[i].Sites = nil
		for j, h := range hostile {
			st := report.Site{ID: "site-" + string(rune('a'+j)), Name: "site-" + string(rune('a'+j)), DisplayName: h, Environment: "live",
				Metrics: map[report.SiteMetricKey]*report.SiteMetric{
					report.SiteVisits: {Key: report.SiteVisits, Unit: report.UnitVisits, Points: []report.Point{{Time: day, Value: 1234}}},
				}}
			if j == len(hostile)-1 {
				st.Missing = []report.SiteMissing{{Metric: report.SiteBandwidth, Error: "kinsta: 500"}}
			}
			r.Periods[i].Sites = append(r.Periods[i].Sites, st)
		}
	}
	report.Build(&r, nil)
	return r
}

// TestSitesInEveryFormat: the chat messages and the job summary carry the
// site environments' headline figures (the email has a site table; a
// sites-only report said "No applications." and nothing else), with the
// hostile site names escaped for each format and the missing site data
// named.
func TestSitesInEveryFormat(t *testing.T) {
	t.Parallel()
	r := sitesFixture(t, false)
	visits := "Visits " + report.FormatValue(report.UnitVisits, 1234)

	md := notify.JobSummary(r, "")
	checkTables(t, md)
	if !strings.Contains(md, "| Site | Visits (total) | Site bandwidth (total) | CDN bandwidth (total) | Disk space (avg) |") {
		t.Errorf("no site table in the job summary:\n%s", md)
	}
	shown := regexp.MustCompile(`\\([[:punct:]])`).ReplaceAllString(md, "$1")
	for _, h := range hostile {
		if !strings.Contains(shown, "| "+h+" (site-") {
			t.Errorf("site %q is not a row of the summary's site table", h)
		}
	}
	if !strings.Contains(shown, "Site bandwidth: kinsta: 500") {
		t.Errorf("the missing site metric is not named:\n%s", md)
	}

	b, err := notify.SlackPayload(r, "")
	if err != nil {
		t.Fatal(err)
	}
	m := decode[slackMsg](t, b)
	checkSlackLimits(t, m)
	texts := mrkdwnTexts(t, m)
	for _, x := range texts {
		if strings.Contains(x, "<") || strings.Contains(x, ">") {
			t.Errorf("mrkdwn text with a raw < or >: %q", x)
		}
	}
	all := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(strings.Join(texts, "\n"))
	for _, h := range hostile {
		if !strings.Contains(all, h+"* (site-") {
			t.Errorf("Slack: site %q has no line", h)
		}
	}
	if !strings.Contains(all, visits) {
		t.Errorf("Slack: no site figure %q:\n%s", visits, all)
	}

	b, err = notify.TeamsPayload(r, "")
	if err != nil {
		t.Fatal(err)
	}
	_, lines := teams(t, b)
	card := strings.Join(lines, "\n")
	for _, h := range hostile {
		if !strings.Contains(card, strings.ReplaceAll(h, "{{", "{\u200b{")) {
			t.Errorf("Teams: site %q has no line", h)
		}
	}
	if !strings.Contains(card, visits) {
		t.Errorf("Teams: no site figure %q", visits)
	}

	if md := notify.JobSummary(sitesFixture(t, true), ""); strings.Contains(md, "No applications.") || !strings.Contains(md, "| Site |") {
		t.Errorf("a sites-only summary:\n%s", md)
	}
}

// TestWebhookCarriesSites: the signed webhook's periods carry their site
// environments (additive within v1) with the site metrics' figures and
// their change, and the missing ones; a report without sites has no
// "sites" key.
func TestWebhookCarriesSites(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Apps: 1, WithPrevious: true})
	r.Periods = r.Periods[:1]
	p := &r.Periods[0]
	if p.Previous == nil {
		t.Fatal("the fixture's period is not compared")
	}
	env := reporttest.SiteEnvironment
	staging := env("staging", 5, 10)
	staging.Missing = []report.SiteMissing{{Metric: report.SiteBandwidth, Error: "kinsta: 500"}}
	p.Sites = []report.Site{env("live", 700, 800), staging}
	p.Previous.Sites = []report.Site{env("live", 500, 500)}
	report.Build(&r, nil)

	b, err := notify.WebhookPayload(r, "")
	if err != nil {
		t.Fatal(err)
	}
	type figure struct {
		Metric, Figure, Unit string
		Value, Previous      *float64
		Compared             bool
		ChangePercent        *float64 `json:"change_percent"`
	}
	doc := decode[struct {
		Periods []struct {
			Sites []struct {
				ID, Name, Environment string
				DisplayName           string `json:"display_name"`
				EnvironmentID         string `json:"environment_id"`
				Figures               []figure
				Missing               []struct{ Metric, Error string }
			}
		}
	}](t, b)
	sites := doc.Periods[0].Sites
	if len(sites) != 2 || sites[0].EnvironmentID != "env-live" || sites[1].EnvironmentID != "env-staging" ||
		sites[0].ID != "s1" || sites[0].DisplayName != "Blog" || sites[1].Environment != "staging" {
		t.Fatalf("sites %+v, want Blog's live and staging environments", sites)
	}
	got := map[string]figure{}
	for _, f := range sites[0].Figures {
		got[f.Metric+"/"+f.Figure] = f
	}
	total, peak := got["visits/total"], got["visits/peak"]
	if total.Value == nil || *total.Value != 1500 || total.Unit != "visits" || !total.Compared ||
		total.Previous == nil || *total.Previous != 1000 || total.ChangePercent == nil || *total.ChangePercent != 50 {
		t.Errorf("live visits total %+v, want 1500 visits, previous 1000, +50 %%", total)
	}
	if peak.Value == nil || *peak.Value != 800 {
		t.Errorf("live visits peak %+v, want 800", peak)
	}
	if len(sites[1].Missing) != 1 || sites[1].Missing[0].Metric != "bandwidth" || sites[1].Missing[0].Error != "kinsta: 500" {
		t.Errorf("staging missing %+v, want bandwidth: kinsta: 500", sites[1].Missing)
	}
	// Staging has no previous environment: compared, but nothing to compare.
	for _, f := range sites[1].Figures {
		if f.ChangePercent != nil {
			t.Errorf("staging %s/%s has a change %v with no previous staging", f.Metric, f.Figure, *f.ChangePercent)
		}
	}

	b, err = notify.WebhookPayload(fixture(t, 1, false), "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `"sites"`) {
		t.Error(`a report without sites has a "sites" key in its webhook body`)
	}
}

// A site metric's change withheld for coverage shows its reason in the
// job summary, as an app's does, and no percentage.
func TestSiteChangeWithheldShowsItsReason(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Apps: 1, WithPrevious: true})
	r.Periods = r.Periods[:1]
	p := &r.Periods[0]
	p.Sites, p.Previous.Sites = []report.Site{reporttest.SiteEnvironment("live", 700, 800)}, []report.Site{reporttest.SiteEnvironment("live", 500, 500)}
	report.Build(&r, nil)
	m := p.Sites[0].Metrics[report.SiteVisits]
	if m.Summary.Change == nil {
		t.Fatal("the site's visits are not compared")
	}
	m.Summary.Change.Reason = "n/a: previous period 34 % covered"
	md := notify.JobSummary(r, "")
	shown := regexp.MustCompile(`\\([[:punct:]])`).ReplaceAllString(md, "$1")
	var row string
	for _, l := range strings.Split(shown, "\n") {
		if strings.HasPrefix(l, "| Blog ") {
			row = strings.ReplaceAll(l, "\u00a0", " ")
		}
	}
	if !strings.Contains(row, "n/a: previous period 34 % covered") || strings.Contains(row, "%)") || strings.Contains(row, "+50") {
		t.Errorf("the site row %q does not show the withheld change as its reason:\n%s", row, md)
	}
}
