package notify_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/notify"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

// liveAndStaging is a report with one app and the site Blog's live and
// staging environments (one site id), checked against a site.visits total
// of 1000: live's 1500 visits cross it; staging's 1200 do when
// stagingCrosses, else its 15 do not.
func liveAndStaging(t *testing.T, stagingCrosses bool) report.Report {
	t.Helper()
	r := reporttest.Build(reporttest.Options{Apps: 1})
	r.Periods = r.Periods[:1]
	r.Periods[0].Previous = nil
	env := reporttest.SiteEnvironment
	staging := env("staging", 5, 10)
	if stagingCrosses {
		staging = env("staging", 600, 600)
	}
	r.Periods[0].Sites = []report.Site{env("live", 700, 800), staging}
	report.Build(&r, []report.Threshold{{Metric: "site.visits", Site: report.SiteVisits, Above: 1000, On: report.OnTotal, Raw: "1000"}})
	return r
}

// TestSiteAlertMarksItsEnvironment: when a site's live environment
// crosses a threshold and its staging environment (same site id) does
// not, the Slack, Teams and job-summary digests mark the live row only,
// the headline counts one site, and the webhook's alert carries live's
// environment id; when both cross, both rows are marked and counted.
func TestSiteAlertMarksItsEnvironment(t *testing.T) {
	t.Parallel()
	r := liveAndStaging(t, false)
	if len(r.Alerts) != 1 || r.Alerts[0].EnvironmentID != "env-live" {
		t.Fatalf("alerts %+v, want live's", r.Alerts)
	}

	md := notify.JobSummary(r, "")
	shown := regexp.MustCompile(`\\([[:punct:]])`).ReplaceAllString(md, "$1")
	if !strings.Contains(shown, "| ⚠️ Blog (blog) |") {
		t.Errorf("job summary: the live row is not marked:\n%s", md)
	}
	if strings.Contains(shown, "⚠️ Blog (staging)") || !strings.Contains(shown, "| Blog (staging) (blog) |") {
		t.Errorf("job summary: the staging row is marked or missing:\n%s", md)
	}
	if !strings.Contains(md, "1 site crossed a threshold") {
		t.Errorf("job summary: no headline for one site:\n%s", md)
	}

	b, err := notify.SlackPayload(r, "")
	if err != nil {
		t.Fatal(err)
	}
	slack := strings.Join(mrkdwnTexts(t, decode[slackMsg](t, b)), "\n")
	if !strings.Contains(slack, ":warning: *Blog* (blog)") {
		t.Errorf("Slack: the live row is not marked:\n%s", slack)
	}
	if strings.Contains(slack, ":warning: *Blog (staging)*") || !strings.Contains(slack, "• *Blog (staging)* (blog)") {
		t.Errorf("Slack: the staging row is marked or missing:\n%s", slack)
	}

	b, err = notify.TeamsPayload(r, "")
	if err != nil {
		t.Fatal(err)
	}
	_, lines := teams(t, b)
	card := strings.Join(lines, "\n")
	if !strings.Contains(card, "⚠ Blog") {
		t.Errorf("Teams: the live row is not marked:\n%s", card)
	}
	if strings.Contains(card, "⚠ Blog (staging)") || !strings.Contains(card, "Blog (staging)") {
		t.Errorf("Teams: the staging row is marked or missing:\n%s", card)
	}

	b, err = notify.WebhookPayload(r, "")
	if err != nil {
		t.Fatal(err)
	}
	type hook struct {
		AlertedApps int `json:"alerted_apps"`
		Alerts      []struct {
			AppID         string  `json:"app_id"`
			EnvironmentID *string `json:"environment_id"`
		} `json:"alerts"`
	}
	w := decode[hook](t, b)
	if w.AlertedApps != 1 || len(w.Alerts) != 1 || w.Alerts[0].AppID != "s1" ||
		w.Alerts[0].EnvironmentID == nil || *w.Alerts[0].EnvironmentID != "env-live" {
		t.Errorf("webhook %s: want alerted_apps 1 and live's environment_id", b)
	}

	both := liveAndStaging(t, true)
	md = notify.JobSummary(both, "")
	shown = regexp.MustCompile(`\\([[:punct:]])`).ReplaceAllString(md, "$1")
	if !strings.Contains(shown, "| ⚠️ Blog (blog) |") || !strings.Contains(shown, "| ⚠️ Blog (staging) (blog) |") ||
		!strings.Contains(md, "2 site environments crossed a threshold") {
		t.Errorf("job summary with both environments crossing:\n%s", md)
	}
	b, err = notify.WebhookPayload(both, "")
	if err != nil {
		t.Fatal(err)
	}
	if w := decode[hook](t, b); w.AlertedApps != 2 {
		t.Errorf("webhook alerted_apps %d, want 2 (live and staging)", w.AlertedApps)
	}
}

// TestAppAlertMarksOnlyApps: an app alert marks its app's row, never a
// site row that happens to carry the same id, and its webhook alert has
// no environment_id.
func TestAppAlertMarksOnlyApps(t *testing.T) {
	t.Parallel()
	r := liveAndStaging(t, false)
	app := r.Periods[0].Apps[0]
	r.Periods[0].Sites[1].ID = app.ID // a site environment with the app's id
	r.Alerts = []report.Alert{{App: app.Label(), AppID: app.ID, Period: r.Periods[0].Name, Metric: report.Bandwidth,
		On: report.OnTotal, Value: 2, Limit: 1, Unit: report.UnitBytes, Threshold: "1"}}
	md := notify.JobSummary(r, "")
	shown := regexp.MustCompile(`\\([[:punct:]])`).ReplaceAllString(md, "$1")
	if !strings.Contains(shown, "| ⚠️ "+app.Label()) {
		t.Errorf("the app row is not marked:\n%s", md)
	}
	if strings.Contains(shown, "⚠️ Blog") {
		t.Errorf("a site row is marked by an app alert:\n%s", md)
	}
	b, err := notify.WebhookPayload(r, "")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Alerts []map[string]any `json:"alerts"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, a := range doc.Alerts {
		if _, ok := a["environment_id"]; ok {
			t.Errorf("an app alert carries environment_id: %v", a)
		}
	}
}
