package report

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// doc joins lines into a YAML document; line n of the file is argument n.
func doc(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

func TestRepoReportsYAML(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig(filepath.Join("..", "reports.yaml"))
	if err != nil {
		t.Fatalf("the repository's reports.yaml does not validate:\n%v", err)
	}
	if cfg.Timezone != "Europe/Berlin" || cfg.Location.String() != "Europe/Berlin" {
		t.Errorf("timezone = %q (%v), want Europe/Berlin", cfg.Timezone, cfg.Location)
	}
	// Issue 13 item 2: the example works for someone starting today.
	if cfg.API.BaseURL != "https://api.sevalla.com/v2" {
		t.Errorf("base_url = %q, want the Sevalla host: Kinsta removed the application endpoints", cfg.API.BaseURL)
	}
	if len(cfg.Warnings) > 0 {
		t.Errorf("the example has warnings: %v", cfg.Warnings)
	}
	// Every key is explained where it is set.
	for i, line := range strings.Split(string(mustRead(t, filepath.Join("..", "reports.yaml"))), "\n") {
		code, _, _ := strings.Cut(line, "#")
		if k := strings.TrimLeft(strings.TrimSpace(code), "- "); k != "" && strings.Contains(k, ":") && !strings.Contains(line, "#") {
			t.Errorf("reports.yaml:%d: key without a comment: %s", i+1, line)
		}
	}
	if cfg.SMTP == nil || cfg.SMTP.Host != "smtp.example.com" || cfg.SMTP.Port != 587 || cfg.SMTP.TLS != TLSStartTLS ||
		cfg.SMTP.PasswordEnv != "SMTP_PASSWORD" || cfg.SMTP.MaxMessageBytes != 10_000_000 {
		t.Errorf("smtp = %+v", cfg.SMTP)
	}
	if len(cfg.Reports) < 2 {
		t.Fatalf("want at least two reports, got %d", len(cfg.Reports))
	}
	hasEmail, hasThresholds := false, false
	for _, r := range cfg.Reports {
		hasEmail = hasEmail || r.Email != nil
		hasThresholds = hasThresholds || len(r.Thresholds) > 0
	}
	if !hasEmail || !hasThresholds {
		t.Errorf("the example needs a report with email (%v) and thresholds (%v)", hasEmail, hasThresholds)
	}

	weekly, err := cfg.Select([]string{"weekly-ops"})
	if err != nil {
		t.Fatal(err)
	}
	w := weekly[0]
	if !w.AllApps || len(w.Apps) != 0 {
		t.Errorf("weekly-ops apps = %v (all %v), want all", w.Apps, w.AllApps)
	}
	if got := periodNames(w.Periods); !slices.Equal(got, []string{"previous_week", "last_30_days"}) {
		t.Errorf("weekly-ops periods = %v", got)
	}
	if !slices.Equal(w.Metrics, AllMetrics()) {
		t.Errorf("weekly-ops metrics = %v, want all", w.Metrics)
	}
	if w.Email == nil || !slices.Equal(w.Email.To, []string{"ops@example.com"}) || len(w.Email.Cc) == 0 {
		t.Errorf("weekly-ops email = %+v", w.Email)
	}
	if w.Location.String() != "Europe/Berlin" || w.Send != SendAlways || !w.Compare || !w.Users {
		t.Errorf("weekly-ops = %+v", w)
	}
	wantP95 := Threshold{Metric: ResponseTimeP95, Above: 800, On: OnPeak, Apps: []string{"shop"}, Raw: "800ms"}
	if i := slices.IndexFunc(w.Thresholds, func(th Threshold) bool { return th.Metric == ResponseTimeP95 }); i < 0 {
		t.Errorf("weekly-ops has no response_time_p95 threshold: %+v", w.Thresholds)
	} else if th := w.Thresholds[i]; th.Above != wantP95.Above || th.On != wantP95.On || th.Raw != wantP95.Raw || !slices.Equal(th.Apps, wantP95.Apps) {
		t.Errorf("weekly-ops p95 threshold = %+v, want %+v", th, wantP95)
	}

	daily, err := cfg.Select([]string{"daily-shop"})
	if err != nil {
		t.Fatal(err)
	}
	d := daily[0]
	if got := periodNames(d.Periods); !slices.Equal(got, []string{"yesterday"}) {
		t.Errorf("daily-shop periods = %v, want [yesterday]: the workflow runs daily", got)
	}
	if d.AllApps || !slices.Equal(d.Apps, []string{"shop"}) || d.Interval != Interval1h || d.Timezone != "America/New_York" {
		t.Errorf("daily-shop = %+v", d)
	}
	if d.Metrics[0] != Bandwidth {
		t.Errorf("daily-shop metrics not in contract order: %v", d.Metrics)
	}
	for _, th := range d.Thresholds {
		if th.Metric == MemoryUsage && th.Above != 1.5*(1<<30) {
			t.Errorf("memory threshold = %v, want 1.5 GiB", th.Above)
		}
	}
}

func periodNames(ps []PeriodSpec) []string {
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	return names
}

func TestParseConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig("min.yaml", []byte(doc(
		"reports:",
		"  - name: weekly",
		"    periods: [previous_week]",
	)))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.API.Concurrency != DefaultConcurrency || cfg.API.MaxRetries != DefaultMaxRetries || cfg.API.RequestsPerMinute != 0 {
		t.Errorf("api tuning defaults = %+v", cfg.API)
	}
	if cfg.File != "min.yaml" || cfg.API.BaseURL != DefaultBaseURL || cfg.Timezone != "UTC" || cfg.Location.String() != "UTC" || cfg.SMTP != nil {
		t.Errorf("config = %+v", cfg)
	}
	r := cfg.Reports[0]
	want := ReportConfig{
		Name: "weekly", Line: 2, AllApps: true, Periods: []PeriodSpec{{Name: "previous_week", Line: 3}},
		Interval: IntervalAuto, Metrics: AllMetrics(), SlowestRequestsLimit: 10, Users: true,
		Timezone: "UTC", Location: cfg.Location, Send: SendAlways, Compare: true,
	}
	if r.Name != want.Name || r.Line != want.Line || r.AllApps != want.AllApps || !slices.Equal(r.Periods, want.Periods) ||
		r.Interval != want.Interval || !slices.Equal(r.Metrics, want.Metrics) || r.SlowestRequestsLimit != want.SlowestRequestsLimit ||
		r.Users != want.Users || r.Timezone != want.Timezone || r.Location != want.Location || r.Send != want.Send ||
		r.Compare != want.Compare || r.Email != nil || r.Thresholds != nil {
		t.Errorf("report = %+v\nwant     %+v", r, want)
	}
}

func TestParseConfigValues(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig("v.yaml", []byte(doc(
		"api:",
		"  base_url: https://api.sevalla.com/v2/",
		"  company_id: 54fb80af-576c-4fdc-ba4f-b596c83f15a1",
		"timezone: Asia/Kolkata",
		"smtp:",
		"  host: mail.example.com",
		"  tls: tls",
		"  from: reports@example.com",
		"  max_message_size: 25MiB",
		"reports:",
		"  - name: custom-1",
		"    apps: [shop, Blog API]",
		"    periods:",
		"      - {name: april, start: 2024-04-20, end: 2024-04-28}",
		"      - last_7_days",
		"    metrics: [memory_usage, bandwidth]",
		"    interval: 6h",
		"    users: false",
		"    compare_previous: false",
		"    timezone: America/New_York",
		"    slowest_requests_limit: 3",
		"    email:",
		"      to: [\"Ops <ops@example.com>\"]",
		"      subject: \"{{.Report}} ({{.Alerts}} alerts)\"",
		"    send: on_alert",
		"    thresholds:",
		"      - metric: bandwidth",
		"        above: 5GB",
		"        on: total",
		"        apps: [shop]",
	)))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.API.BaseURL != "https://api.sevalla.com/v2" || cfg.API.CompanyID != "54fb80af-576c-4fdc-ba4f-b596c83f15a1" || cfg.Location.String() != "Asia/Kolkata" {
		t.Errorf("api/timezone = %+v %v", cfg.API, cfg.Location)
	}
	if s := cfg.SMTP; s.Port != 465 || s.TLS != TLSImplicit || s.MaxMessageBytes != 25<<20 || s.PasswordEnv != DefaultPasswordEnv {
		t.Errorf("smtp = %+v", s)
	}
	r := cfg.Reports[0]
	if !slices.Equal(r.Apps, []string{"shop", "Blog API"}) || r.AllApps {
		t.Errorf("apps = %v", r.Apps)
	}
	if !slices.Equal(r.Periods, []PeriodSpec{{Name: "april", Start: "2024-04-20", End: "2024-04-28", Line: 14}, {Name: "last_7_days", Line: 15}}) {
		t.Errorf("periods = %+v", r.Periods)
	}
	if !slices.Equal(r.Metrics, []MetricKey{Bandwidth, MemoryUsage}) {
		t.Errorf("metrics = %v, want contract order", r.Metrics)
	}
	if r.Interval != "6h" || r.Users || r.Compare || r.Location.String() != "America/New_York" || r.SlowestRequestsLimit != 3 || r.Send != SendOnAlert {
		t.Errorf("report = %+v", r)
	}
	if got := r.Thresholds; len(got) != 1 || got[0].Above != 5e9 || got[0].On != OnTotal || got[0].Raw != "5GB" || !slices.Equal(got[0].Apps, []string{"shop"}) {
		t.Errorf("thresholds = %+v", got)
	}
	subject, err := r.Email.RenderSubject(SubjectData{Report: "custom-1", Alerts: 2})
	if err != nil || subject != "custom-1 (2 alerts)" {
		t.Errorf("subject = %q, %v", subject, err)
	}
}

func TestParseConfigCAFileRelativeToConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "certs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "certs", "ca.pem"), []byte("-----BEGIN CERTIFICATE-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "reports.yaml")
	src := doc(
		"smtp:",
		"  host: smtp.example.com",
		"  from: reports@example.com",
		"  ca_file: certs/ca.pem",
		"reports:",
		"  - name: r",
		"    periods: [yesterday]",
	)
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "certs", "ca.pem"); cfg.SMTP.CAFile != want {
		t.Errorf("ca_file = %q, want %q", cfg.SMTP.CAFile, want)
	}

	_, err = ParseConfig(filepath.Join(dir, "other.yaml"), []byte(strings.Replace(src, "certs/ca.pem", "certs/missing.pem", 1)))
	if err == nil || !strings.Contains(err.Error(), "other.yaml:4: smtp.ca_file: cannot read \"certs/missing.pem\"") {
		t.Errorf("missing ca_file: %v", err)
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	t.Parallel()
	_, err := LoadConfig(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !strings.Contains(err.Error(), "read config: ") || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v", err)
	}
}

// TestParseConfigErrors feeds one bad config per case and wants exactly the
// listed problems, one per line in line order, each with FILE:LINE and the
// field path.
func TestParseConfigErrors(t *testing.T) {
	t.Parallel()
	smtp := []string{
		"smtp:",
		"  host: smtp.example.com",
		"  from: reports@example.com",
	} // lines 1-3
	withSMTP := func(lines ...string) string { return doc(append(slices.Clone(smtp), lines...)...) }

	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"unknown key", doc(
			"reports:",
			"  - name: r",
			"    perods: [yesterday]",
		), []string{
			`t.yaml:2: reports[0].periods: missing (want a list of periods such as [previous_week, last_30_days])`,
			`t.yaml:3: reports[0].perods: unknown key "perods", did you mean "periods"? (want one of: name, apps, periods,`,
		}},
		{"unknown top-level key", doc(
			"timezon: UTC",
			"reports: [{name: r, periods: [yesterday]}]",
		), []string{
			`t.yaml:1: timezon: unknown key "timezon", did you mean "timezone"? (want one of: api, timezone, smtp, reports`,
		}},
		{"password in the YAML", withSMTP(
			"  password: hunter2",
			"reports: [{name: r, periods: [yesterday]}]",
		), []string{
			`t.yaml:4: smtp.password: unknown key "password": secrets never live in the YAML; put the password in an environment variable and name it with password_env (default SMTP_PASSWORD)`,
		}},
		{"api key in the YAML", doc(
			"api:",
			"  api_key: secret",
			"reports: [{name: r, periods: [yesterday]}]",
		), []string{
			`t.yaml:2: api.api_key: unknown key "api_key": secrets never live in the YAML; set the KINSTA_API_KEY environment variable`,
		}},
		{"api tuning out of range", doc(
			"api:",
			"  concurrency: 0",
			"  requests_per_minute: -5",
			"  max_retries: 99",
			"reports: [{name: r, periods: [yesterday]}]",
		), []string{
			`t.yaml:2: api.concurrency: want a whole number from 1 to 64, got 0`,
			`t.yaml:3: api.requests_per_minute: want 0 (no client-side limit) or a positive rate, got -5`,
			`t.yaml:4: api.max_retries: want a whole number from 0 to 10, got 99`,
		}},
		{"wrong type: port", doc(
			"smtp:",
			"  host: smtp.example.com",
			"  from: reports@example.com",
			"  port: abc",
			"reports: [{name: r, periods: [yesterday]}]",
		), []string{
			`t.yaml:4: smtp.port: want a whole number, got "abc"`,
		}},
		{"wrong type: bool and list", withSMTP(
			"reports:",
			"  - name: r",
			"    periods: [yesterday]",
			"    users: maybe",
			"    email:",
			"      to: ops@example.com",
		), []string{
			`t.yaml:7: reports[0].users: want true or false, got "maybe"`,
			`t.yaml:9: reports[0].email.to: want a list of strings, got "ops@example.com"`,
		}},
		{"wrong type: reports a mapping", doc(
			"reports:",
			"  name: r",
		), []string{
			`t.yaml:2: reports: want a list, each entry a report with the keys name, apps, periods,`,
		}},
		{"key twice", doc(
			"reports:",
			"  - name: r",
			"    periods: [yesterday]",
			"    name: s",
			"  - name: t",
			"    periods: [yesterday]",
			"    interval: 2h",
		), []string{
			`t.yaml:4: reports[0].name: key "name" appears twice (first at line 2) (want each key once)`,
			`t.yaml:7: reports[1].interval: bad interval "2h" (want one of: auto, 1h, 6h, 1d)`,
		}},
		{"entries yaml drops", withSMTP(
			"reports:",
			"  - just-a-name",
			"  -",
			"  - name: t",
			"    periods: [yesterday]",
			"    interval: 2h",
			"    email:",
			"      to: [{a: b}, ~, \"bad address\"]",
			"    thresholds:",
			"      - cpu_usage",
			"      - {metric: cpu_usage, above: 80%, on: top}",
		), []string{
			`t.yaml:5: reports[0]: want a mapping with the keys name, apps, periods,`,
			`t.yaml:6: reports[1]: empty entry (want a report with a name and periods)`,
			`t.yaml:9: reports[2].interval: bad interval "2h"`,
			`t.yaml:11: reports[2].email.to[0]: want a string, got a mapping`,
			`t.yaml:11: reports[2].email.to[1]: empty entry (want an email address)`,
			`t.yaml:11: reports[2].email.to[2]: bad email address "bad address"`,
			`t.yaml:13: reports[2].thresholds[0]: want a mapping with the keys metric, above, on, apps, sites, got "cpu_usage"`,
			`t.yaml:14: reports[2].thresholds[1].on: unknown on "top"`,
		}},
		{"wrong types on one line", doc(
			"reports: [{name: r, periods: [yesterday], users: [true], slowest_requests_limit: ten}]",
		), []string{
			`t.yaml:1: reports[0].users: want true or false, got a list`,
			`t.yaml:1: reports[0].slowest_requests_limit: want a whole number, got "ten"`,
		}},
		{"merged report", doc(
			"reports:",
			"  - &first",
			"    name: weekly",
			"    periods: [previous_week]",
			"  - <<: *first",
			"    name: weekly-2",
			"    interval: 2h",
			"    send: on_alert",
		), []string{
			`t.yaml:7: reports[1].interval: bad interval "2h"`,
			`t.yaml:8: reports[1].send: on_alert needs email (want an email block, or remove send)`,
		}},
		{"unknown period", doc(
			"reports:",
			"  - name: r",
			"    periods: [previous_week, last_quater]",
		), []string{
			`t.yaml:3: reports[0].periods[1]: unknown period "last_quater" (want one of: yesterday, last_N_days, previous_week, previous_month, week_to_date, month_to_date, or {name, start, end})`,
		}},
		{"periods not a list", doc(
			"reports:",
			"  - name: r",
			"    periods: previous_week",
		), []string{
			`t.yaml:3: reports[0].periods: want a list of periods such as [previous_week], got "previous_week"`,
		}},
		{"custom period end before start", doc(
			"reports:",
			"  - name: r",
			"    periods:",
			"      - name: april",
			"        start: 2024-04-28",
			"        end: 2024-04-20",
		), []string{
			`t.yaml:6: reports[0].periods[0].end: end 2024-04-20 is before start 2024-04-28 (want an end after the start; a date-only end includes that whole day)`,
		}},
		{"custom period problems", doc(
			"reports:",
			"  - name: r",
			"    periods:",
			"      - {name: x, start: 2024-04-31, end: tomorrow}",
			"      - {name: y, from: 2024-04-01, end: 2024-04-02}",
			"      - {start: 2024-04-01, end: 2024-04-02}",
		), []string{
			`t.yaml:4: reports[0].periods[0].start: "2024-04-31" is neither a date nor an RFC 3339 time`,
			`t.yaml:4: reports[0].periods[0].end: "tomorrow" is neither a date nor an RFC 3339 time`,
			`t.yaml:5: reports[0].periods[1].from: unknown key "from" (want one of: name, start, end)`,
			`t.yaml:6: reports[0].periods[2].name: missing (want a name for the custom period, e.g. april)`,
		}},
		{"duplicate period", doc(
			"reports:",
			"  - name: r",
			"    periods:",
			"      - yesterday",
			"      - yesterday",
		), []string{
			`t.yaml:5: reports[0].periods[1]: duplicate period "yesterday" (first at line 4; want each period once)`,
		}},
		{"unknown time zones", doc(
			"timezone: Europe/Berln",
			"reports:",
			"  - name: r",
			"    periods: [yesterday]",
			"    timezone: Local",
		), []string{
			`t.yaml:1: timezone: unknown time zone "Europe/Berln" (want an IANA name such as Europe/Berlin, America/New_York or UTC)`,
			`t.yaml:5: reports[0].timezone: unknown time zone "Local" (want an IANA name such as Europe/Berlin, America/New_York or UTC)`,
		}},
		{"unknown metric", doc(
			"reports:",
			"  - name: r",
			"    periods: [yesterday]",
			"    metrics: [cpu_usage, cpu, cpu_usage]",
		), []string{
			`t.yaml:4: reports[0].metrics[1]: unknown metric "cpu" (want one of: bandwidth, build_time, run_time, http_requests, response_time_avg, response_time_p50, response_time_p95, slowest_requests, cpu_usage, memory_usage)`,
			`t.yaml:4: reports[0].metrics[2]: metric cpu_usage is listed twice (want each metric once)`,
		}},
		{"bad interval", doc(
			"reports:",
			"  - name: r",
			"    periods: [yesterday]",
			"    interval: 30m",
		), []string{
			`t.yaml:4: reports[0].interval: bad interval "30m" (want one of: auto, 1h, 6h, 1d)`,
		}},
		{"unsafe and duplicate names", doc(
			"reports:",
			"  - name: ../etc",
			"    periods: [yesterday]",
			"  - name: Weekly Ops",
			"    periods: [yesterday]",
			"  - name: ok",
			"    periods: [yesterday]",
			"  - name: ok",
			"    periods: [yesterday]",
			"  - periods: [yesterday]",
		), []string{
			`t.yaml:2: reports[0].name: unsafe report name "../etc" (want lowercase letters, digits and dashes`,
			`t.yaml:4: reports[1].name: unsafe report name "Weekly Ops"`,
			`t.yaml:8: reports[3].name: duplicate report name "ok" (first used at line 6; want each name once, it is used in file names)`,
			`t.yaml:10: reports[4].name: missing (want a unique name`,
		}},
		{"bad email addresses", withSMTP(
			"reports:",
			"  - name: r",
			"    periods: [yesterday]",
			"    email:",
			"      to: [ops@example.com, not-an-address]",
			"      cc: [\"a@b@c\"]",
		), []string{
			`t.yaml:8: reports[0].email.to[1]: bad email address "not-an-address": mail: missing '@' or angle-addr (want e.g. ops@example.com`,
			`t.yaml:9: reports[0].email.cc[0]: bad email address "a@b@c"`,
		}},
		{"email without recipients", withSMTP(
			"reports:",
			"  - name: r",
			"    periods: [yesterday]",
			"    email:",
			"      cc: [ops@example.com]",
		), []string{
			`t.yaml:7: reports[0].email.to: no recipients (want a list of addresses, e.g. [ops@example.com])`,
		}},
		{"email without smtp", doc(
			"reports:",
			"  - name: r",
			"    periods: [yesterday]",
			"    email:",
			"      to: [ops@example.com]",
		), []string{
			`t.yaml:4: reports[0].email: email needs the top-level smtp block to send (want smtp: with host, port, from, ...; or remove email)`,
		}},
		{"bad subject templates", withSMTP(
			"reports:",
			"  - name: r",
			"    periods: [yesterday]",
			"    email:",
			"      to: [ops@example.com]",
			"      subject: \"{{.Report\"",
			"  - name: s",
			"    periods: [yesterday]",
			"    email:",
			"      to: [ops@example.com]",
			"      subject: \"{{.Reprot}}\"",
		), []string{
			`t.yaml:9: reports[0].email.subject: template: subject:1: unclosed action (want a text/template such as`,
			`t.yaml:14: reports[1].email.subject: template: subject:1:2: executing "subject" at <.Reprot>: can't evaluate field Reprot`,
		}},
		{"smtp problems", doc(
			"smtp:",
			"  host: smtp://example.com",
			"  port: 70000",
			"  tls: ssl",
			"  from: reports",
			"  password_env: hunter2!",
			"  max_message_size: 10 parsecs",
			"reports: [{name: r, periods: [yesterday]}]",
		), []string{
			`t.yaml:2: smtp.host: bad host "smtp://example.com" (want a host name such as smtp.example.com, without scheme or port)`,
			`t.yaml:3: smtp.port: port 70000 is out of range (want 1 to 65535, e.g. 587 for starttls or 465 for tls)`,
			`t.yaml:4: smtp.tls: unknown tls mode "ssl" (want one of: starttls, tls, none; tls is implicit TLS, usually on port 465)`,
			`t.yaml:5: smtp.from: bad address "reports"`,
			`t.yaml:6: smtp.password_env: not an environment variable name (want a name such as SMTP_PASSWORD; the password goes in that variable, never in the YAML)`,
			`t.yaml:7: smtp.max_message_size: unit "parsecs" does not fit max_message_size, which is in bytes`,
		}},
		{"smtp without host or from", doc(
			"smtp:",
			"  port: 25",
			"  tls: none",
			"reports: [{name: r, periods: [yesterday]}]",
		), []string{
			`t.yaml:1: smtp.host: missing (want the SMTP server's host name, e.g. smtp.example.com)`,
			`t.yaml:1: smtp.from: missing (want the sender address`,
		}},
		{"thresholds", doc(
			"reports:",
			"  - name: r",
			"    periods: [yesterday]",
			"    metrics: [cpu_usage, response_time_p95, bandwidth]",
			"    thresholds:",
			"      - metric: cpu",
			"        above: 80",
			"      - metric: response_time_p95",
			"        above: 5GB",
			"      - metric: cpu_usage",
			"        above: -5",
			"      - metric: bandwidth",
			"        above: 5GB",
			"        on: max",
			"      - metric: memory_usage",
			"        above: 1GB",
			"      - metric: cpu_usage",
		), []string{
			`t.yaml:6: reports[0].thresholds[0].metric: unknown metric "cpu" (want one of: bandwidth, build_time,`,
			`t.yaml:9: reports[0].thresholds[1].above: unit "GB" does not fit response_time_p95, which is in ms (want a number of milliseconds or a duration such as 800ms or 2s; units: ms, s, m, h)`,
			`t.yaml:11: reports[0].thresholds[2].above: -5 is negative (want 0 or more)`,
			`t.yaml:14: reports[0].thresholds[3].on: unknown on "max" (want one of: peak, average, total, any_bucket; default peak)`,
			`t.yaml:15: reports[0].thresholds[4].metric: memory_usage is not among the report's metrics, so it is never fetched (want it in metrics, or metrics: all)`,
			`t.yaml:17: reports[0].thresholds[5].above: missing (want a percentage such as 80 or 80%)`,
		}},
		{"threshold above is a list", doc(
			"reports:",
			"  - name: r",
			"    periods: [yesterday]",
			"    thresholds:",
			"      - metric: cpu_usage",
			"        above: [80]",
		), []string{
			`t.yaml:6: reports[0].thresholds[0].above: want a number or a string, got a list`,
		}},
		{"send", withSMTP(
			"reports:",
			"  - name: r",
			"    periods: [yesterday]",
			"    send: sometimes",
			"  - name: s",
			"    periods: [yesterday]",
			"    send: on_alert",
			"    email: {to: [ops@example.com]}",
		), []string{
			`t.yaml:7: reports[0].send: unknown send mode "sometimes" (want one of: always, on_alert)`,
			`t.yaml:10: reports[1].send: on_alert needs thresholds: without them nothing crosses and the email never goes out (want thresholds, or send: always)`,
		}},
		{"apps", doc(
			"reports:",
			"  - name: r",
			"    periods: [yesterday]",
			"    apps: shop",
			"  - name: s",
			"    periods: [yesterday]",
			"    apps: [shop, shop, all]",
		), []string{
			`t.yaml:4: reports[0].apps: want all or a list of apps (each an app's id, name or display_name, e.g. [shop]), got "shop"`,
			`t.yaml:7: reports[1].apps[1]: app "shop" is listed twice (want each app once)`,
			`t.yaml:7: reports[1].apps[2]: all in a list (want apps: all, or a list of apps)`,
		}},
		{"api base_url", doc(
			"api:",
			"  base_url: api.kinsta.com/v2",
			"reports: [{name: r, periods: [yesterday]}]",
		), []string{
			`t.yaml:2: api.base_url: bad URL "api.kinsta.com/v2" (want an http(s) URL such as https://api.kinsta.com/v2)`,
		}},
		{"slowest_requests_limit", doc(
			"reports:",
			"  - name: r",
			"    periods: [yesterday]",
			"    slowest_requests_limit: 0",
		), []string{
			`t.yaml:4: reports[0].slowest_requests_limit: 0 is too small (want 1 or more, default 10)`,
		}},
		{"no reports", doc(
			"timezone: UTC",
		), []string{
			`t.yaml:1: reports: no reports (want at least one report with a name and periods)`,
		}},
		{"empty file", "", []string{
			`t.yaml:1: the config is empty`,
		}},
		{"syntax error", doc(
			"reports:",
			"  - name: r",
			"\tperiods: [yesterday]",
		), []string{
			`t.yaml:2: invalid YAML: found a tab character that violates indentation`,
		}},
		{"not a mapping", doc(
			"- name: r",
		), []string{
			`t.yaml:1: want a mapping with the keys api, timezone, smtp and reports, got a list`,
		}},
		{"two documents", doc(
			"reports: [{name: r, periods: [yesterday]}]",
			"---",
			"reports: [{name: s, periods: [yesterday]}]",
		), []string{
			`t.yaml:2: a second YAML document (---) (want a single document)`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := ParseConfig("t.yaml", []byte(tc.src))
			if err == nil {
				t.Fatalf("no error; config %+v", cfg)
			}
			if cfg != nil {
				t.Errorf("config returned with an error")
			}
			got := strings.Split(err.Error(), "\n")
			for i, w := range tc.want {
				if i >= len(got) {
					t.Errorf("missing problem %d: %s", i, w)
					continue
				}
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("problem %d:\n got %s\nwant %s…", i, got[i], w)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("got %d problems, want %d:\n%s", len(got), len(tc.want), err)
			}
		})
	}
}

// TestParseConfigReportsEveryProblem checks that problems of every kind
// (yaml's own and the semantic ones) come out together, in line order, as
// *FieldError values.
func TestParseConfigReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := ParseConfig("testdata/three-problems.yaml", mustRead(t, "testdata/three-problems.yaml"))
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{
		`testdata/three-problems.yaml:5: reports[0].periods[1]: unknown period "last_quater" (want one of: yesterday, last_N_days, previous_week, previous_month, week_to_date, month_to_date, or {name, start, end})`,
		`testdata/three-problems.yaml:7: reports[0].intervall: unknown key "intervall", did you mean "interval"?`,
		`testdata/three-problems.yaml:12: reports[0].thresholds[0].above: unit "ms" does not fit cpu_usage, which is in percent (want a percentage such as 80 or 80%)`,
	}
	got := strings.Split(err.Error(), "\n")
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(got), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i, got[i], want[i])
		}
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.File != "testdata/three-problems.yaml" || fe.Line != 5 || fe.Path != "reports[0].periods[1]" {
		t.Errorf("errors.As FieldError = %+v", fe)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSelect(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig("s.yaml", []byte(doc(
		"reports:",
		"  - {name: a, periods: [yesterday]}",
		"  - {name: b, periods: [yesterday]}",
		"  - {name: c, periods: [yesterday]}",
	)))
	if err != nil {
		t.Fatal(err)
	}
	names := func(rs []ReportConfig) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Name)
		}
		return out
	}
	all, err := cfg.Select(nil)
	if err != nil || !slices.Equal(names(all), []string{"a", "b", "c"}) {
		t.Errorf("Select(nil) = %v, %v", names(all), err)
	}
	some, err := cfg.Select([]string{"c", "a", "c"})
	if err != nil || !slices.Equal(names(some), []string{"a", "c"}) {
		t.Errorf("Select(c, a, c) = %v, %v; want config order", names(some), err)
	}
	_, err = cfg.Select([]string{"a", "weekly"})
	if err == nil || err.Error() != `-report weekly: unknown report "weekly" in s.yaml (want one of: a, b, c)` {
		t.Errorf("Select(weekly) error = %v", err)
	}
}

func TestSMTPPassword(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig("p.yaml", []byte(doc(
		"smtp:",
		"  host: smtp.example.com",
		"  username: reports@example.com",
		"  from: reports@example.com",
		"reports: [{name: r, periods: [yesterday]}]",
	)))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }

	_, err = cfg.SMTPPassword(getenv)
	if err == nil || err.Error() != "smtp.password_env: environment variable SMTP_PASSWORD is not set (want the SMTP password of reports@example.com on smtp.example.com in it)" {
		t.Errorf("unset: %v", err)
	}
	env["SMTP_PASSWORD"] = "s3cret"
	if pw, err := cfg.SMTPPassword(getenv); pw != "s3cret" || err != nil {
		t.Errorf("set: %q, %v", pw, err)
	}

	cfg.SMTP.Username = ""
	if pw, err := cfg.SMTPPassword(func(string) string { return "" }); pw != "" || err != nil {
		t.Errorf("no username: %q, %v; want no password needed", pw, err)
	}
	cfg.SMTP = nil
	if _, err := cfg.SMTPPassword(getenv); err == nil {
		t.Error("no smtp block: no error")
	}
}

func TestFieldErrorFormat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		e    FieldError
		want string
	}{
		{FieldError{File: "r.yaml", Line: 3, Path: "a.b", Msg: "bad"}, "r.yaml:3: a.b: bad"},
		{FieldError{File: "r.yaml", Line: 3, Msg: "bad"}, "r.yaml:3: bad"},
		{FieldError{File: "r.yaml", Path: "a", Msg: "bad"}, "r.yaml: a: bad"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%+v = %q, want %q", tc.e, got, tc.want)
		}
	}
}

// TestParseConfigMergeKeys checks that a report can reuse another's keys
// with a YAML merge key, as people do to share settings.
func TestParseConfigMergeKeys(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig("m.yaml", []byte(doc(
		"reports:",
		"  - &ops",
		"    name: weekly",
		"    periods: [previous_week]",
		"    metrics: [cpu_usage]",
		"    thresholds: [{metric: cpu_usage, above: 80%}]",
		"  - <<: *ops",
		"    name: monthly",
		"    periods: [previous_month]",
	)))
	if err != nil {
		t.Fatal(err)
	}
	m := cfg.Reports[1]
	if m.Name != "monthly" || m.Line != 7 || !slices.Equal(periodNames(m.Periods), []string{"previous_month"}) ||
		!slices.Equal(m.Metrics, []MetricKey{CPUUsage}) || len(m.Thresholds) != 1 || m.Thresholds[0].Above != 80 {
		t.Errorf("merged report = %+v", m)
	}
}
