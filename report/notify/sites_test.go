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
