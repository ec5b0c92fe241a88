package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
	"github.com/kinsta-report/kinsta-report/internal/peer"
)

// alertsConfig has one threshold that shop's simulated P95 crosses in the
// week of 2026-11-16 (its peak is well above 800 ms) and one that nothing
// reaches.
func alertsConfig(smtpPort int) string {
	return fmt.Sprintf(`
timezone: Europe/Berlin
smtp:
  host: 127.0.0.1
  port: %d
  tls: none
  from: "Kinsta Reports <reports@example.com>"
reports:
  - name: alerts
    apps: [shop, docs-site]
    periods: [previous_week]
    users: false
    thresholds:
      - metric: response_time_p95
        above: 800ms
        apps: [shop]
      - metric: cpu_usage
        above: 99.5%%
    email:
      to: [ops@example.com]
      cc: [cto@example.com]
      bcc: [audit@example.com]
      subject: "{{.Alerts}} alerts in {{.Report}}: {{.Start}} to {{.End}}"
`, smtpPort)
}

// TestRunAlertInEveryOutput runs a dry run where a known app crosses a known
// threshold and finds the alert in the JSON document, the workbook, the HTML
// report and the email.
func TestRunAlertInEveryOutput(t *testing.T) {
	t.Parallel()
	url := sim(t, kinstatest.Options{})
	res := runReport(t, alertsConfig(2525), map[string]string{"KINSTA_API_KEY": "test-key-0123456789", "KINSTA_API_URL": url},
		"-now", "2026-11-23T07:00:00+01:00", "-dry-run")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	base := filepath.Join(res.out, "alerts", "alerts_2026-11-23")

	var d struct {
		Alerts []struct {
			App, Period, Metric, On, Threshold string
			Value, Limit                       float64
		} `json:"alerts"`
	}
	b, err := os.ReadFile(base + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Alerts) != 1 {
		t.Fatalf("alerts = %+v, want exactly shop's P95", d.Alerts)
	}
	a := d.Alerts[0]
	if a.App != "Shop" || a.Metric != "response_time_p95" || a.On != "peak" || a.Limit != 800 || a.Value <= 800 || a.Period != "previous_week" {
		t.Errorf("alert = %+v", a)
	}

	f, err := excelize.OpenFile(base + ".xlsx")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Alerts")
	if err != nil {
		t.Fatalf("workbook has no Alerts sheet: %v (sheets %v)", err, f.GetSheetList())
	}
	found := false
	for _, row := range rows {
		line := strings.Join(row, "|")
		found = found || (strings.Contains(line, "Shop") && strings.Contains(line, "P95"))
	}
	if !found {
		t.Errorf("the Alerts sheet does not list Shop's P95:\n%v", rows)
	}

	html, err := os.ReadFile(base + ".html")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(html, []byte("1 app crossed a threshold")) {
		t.Error("the HTML report does not lead with the crossing")
	}

	eml, err := os.ReadFile(base + ".eml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(eml, []byte("Subject: 1 alerts in alerts: 2026-11-16 to 2026-11-22")) {
		t.Errorf("subject is not the rendered template:\n%s", headerBlock(eml))
	}
	if !bytes.Contains(eml, []byte("1 app crossed a threshold")) {
		t.Error("the email does not lead with the crossing")
	}
}

func headerBlock(eml []byte) string {
	h, _, _ := bytes.Cut(eml, []byte("\r\n\r\n"))
	return string(h)
}

// TestRunSendsThroughRealSMTP is the Monday morning: the binary fetches,
// writes the artifacts, and mails them through a real SMTP server
// (mailpit), which hands the message back through its API.
func TestRunSendsThroughRealSMTP(t *testing.T) {
	t.Parallel()
	smtpPort, api := peer.Mailpit(t)

	url := sim(t, kinstatest.Options{})
	res := runReport(t, alertsConfig(smtpPort), map[string]string{"KINSTA_API_KEY": "test-key-0123456789", "KINSTA_API_URL": url},
		"-now", "2026-11-23T07:00:00+01:00")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "emailed 3 recipients") {
		t.Errorf("the last line does not say the mail went out:\n%s", res.stderr)
	}
	if _, err := os.Stat(filepath.Join(res.out, "alerts", "alerts_2026-11-23.eml")); err == nil {
		t.Error("a real send also wrote a .eml (only -dry-run does)")
	}

	var list struct {
		Total    int
		Messages []struct{ ID string }
	}
	getJSON(t, api+"/api/v1/messages", &list)
	if list.Total != 1 {
		t.Fatalf("mailpit holds %d messages, want 1", list.Total)
	}
	var m struct {
		Subject     string
		To, Cc, Bcc []struct{ Address string }
		HTML        string
		Inline      []struct{ ContentID string }
		Attachments []struct{ PartID, FileName string }
	}
	getJSON(t, api+"/api/v1/message/"+list.Messages[0].ID, &m)
	if m.Subject != "1 alerts in alerts: 2026-11-16 to 2026-11-22" {
		t.Errorf("subject = %q", m.Subject)
	}
	if len(m.To) != 1 || m.To[0].Address != "ops@example.com" || len(m.Cc) != 1 || len(m.Bcc) != 1 || m.Bcc[0].Address != "audit@example.com" {
		t.Errorf("recipients to %v cc %v bcc %v", m.To, m.Cc, m.Bcc)
	}
	if len(m.Inline) == 0 {
		t.Error("no inline chart")
	}
	for _, in := range m.Inline {
		if !strings.Contains(m.HTML, "cid:"+in.ContentID) {
			t.Errorf("inline part %s is not referenced by the HTML body", in.ContentID)
		}
	}
	if len(m.Attachments) != 2 {
		t.Fatalf("attachments = %+v, want the workbook and the HTML report", m.Attachments)
	}
	for _, a := range m.Attachments {
		want, err := os.ReadFile(filepath.Join(res.out, "alerts", a.FileName))
		if err != nil {
			t.Errorf("attachment %s is not an artifact: %v", a.FileName, err)
			continue
		}
		got := get(t, api+"/api/v1/message/"+list.Messages[0].ID+"/part/"+a.PartID)
		if !bytes.Equal(got, want) {
			t.Errorf("attachment %s differs from the artifact (%d vs %d bytes)", a.FileName, len(got), len(want))
		}
	}
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return b
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	if err := json.Unmarshal(get(t, url), v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
