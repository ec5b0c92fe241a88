// Config: the public types of reports.yaml and how a run loads them.
// The YAML plumbing (strict decoding, line numbers, yaml.v3 error text) is
// in config_yaml.go; the rules and defaults in config_rules.go (top level)
// and config_report.go (each report).

package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	// Zone data built in, so that -check and runs work on machines without
	// a system zoneinfo (containers); the system's data is used when present.
	_ "time/tzdata"

	"gopkg.in/yaml.v3"
)

// Defaults of reports.yaml.
const (
	DefaultBaseURL              = "https://api.kinsta.com/v2"
	DefaultConcurrency          = 4
	DefaultMaxRetries           = 4
	DefaultTimezone             = "UTC"
	DefaultPasswordEnv          = "SMTP_PASSWORD"
	DefaultSubject              = "Kinsta {{.Report}}: {{.Start}} to {{.End}}"
	DefaultMaxMessageBytes      = 10_000_000 // 10 MB
	DefaultSlowestRequestsLimit = 10
	DefaultPortStartTLS         = 587
	DefaultPortTLS              = 465
)

// SMTP TLS modes.
const (
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
	TLSNone     = "none"
)

// Send modes of a report's email.
const (
	SendAlways  = "always"
	SendOnAlert = "on_alert"
)

// Threshold modes (Threshold.On).
const (
	OnPeak      = "peak"
	OnAverage   = "average"
	OnTotal     = "total"
	OnAnyBucket = "any_bucket"
)

// Config is a loaded and validated reports.yaml.
type Config struct {
	// File is the config's path as given; messages name it.
	File string
	API  APIConfig
	// Timezone is the top-level IANA zone (default UTC); Location is it,
	// loaded.
	Timezone string
	Location *time.Location
	// SMTP is nil when the config has no smtp block.
	SMTP    *SMTPConfig
	Reports []ReportConfig
	// State is the state folder (history and send ledger), absolute; ""
	// when the config says state: none (see config_state.go).
	State string
	// Warnings are problems that do not stop a run (a threshold's app that
	// matches none of its report's entries as written), printed by -check
	// as FILE:LINE: field.path: warning: message.
	Warnings []*FieldError
}

// APIConfig is the api block.
type APIConfig struct {
	BaseURL   string // default DefaultBaseURL, without a trailing slash
	CompanyID string // empty: found with GET /validate
	// Concurrency is the most requests in flight (default 4).
	Concurrency int
	// RequestsPerMinute is an optional client-side rate; 0 means none (the
	// client still adapts to 429s and rate-limit headers).
	RequestsPerMinute float64
	// MaxRetries caps the retries of one request on 429, 5xx and timeouts
	// (default 4).
	MaxRetries int
	// SitesBaseURL is the host of the WordPress site endpoints (default
	// DefaultSitesBaseURL, without a trailing slash); see config_sites.go.
	SitesBaseURL string
}

// SMTPConfig is the smtp block. The password is never in the YAML: it is
// read from the environment variable PasswordEnv at send time (see
// Config.SMTPPassword).
type SMTPConfig struct {
	Host string
	// Port defaults to 587, or 465 with TLS "tls".
	Port     int
	Username string
	// PasswordEnv names the environment variable holding the password
	// (default SMTP_PASSWORD).
	PasswordEnv string
	From        string
	// TLS is starttls (default), tls (implicit TLS) or none.
	TLS string
	// CAFile is an optional PEM file of CA certificates to trust, resolved
	// against the config file's folder.
	CAFile string
	// MaxMessageBytes is the largest message to send, attachments and their
	// base64 included (yaml max_message_size: a number of bytes or a size
	// such as "10MB"; default 10 MB).
	MaxMessageBytes int64
}

// ReportConfig is one report of the config, with its defaults applied.
type ReportConfig struct {
	Name string
	// Line is the line of the report in the config file.
	Line int
	// Apps are the apps to report on, each matched by id, name or
	// display_name; empty when AllApps.
	Apps    []string
	AllApps bool
	// AppLines are the config lines of the entries of Apps, in order.
	AppLines []int
	Periods  []PeriodSpec
	// Interval is auto (default), 1h, 6h or 1d; see IntervalFor.
	Interval string
	// Metrics are the metric keys to fetch, in contract order (`all`, the
	// default, is every metric).
	Metrics []MetricKey
	// SlowestRequestsLimit is N of slowest-requests?limit=N (default 10).
	SlowestRequestsLimit int
	// Users says whether to include the company user roster (default true).
	Users bool
	// Timezone is the report's IANA zone: its own `timezone` or the
	// top-level one; Location is it, loaded.
	Timezone string
	Location *time.Location
	// Email is nil when the report sends no email.
	Email *EmailConfig
	// Thresholds are the report's limits, in config order.
	Thresholds []Threshold
	// Send is always (default) or on_alert: send the email only when a
	// threshold was crossed. Artifacts are written either way.
	Send string
	// Compare is `compare_previous` (default true): also fetch the period
	// before each period for the change columns.
	Compare bool
	// CatchUp is `catch_up` (default DefaultCatchUp): at most this many
	// missed due dates one run produces besides the latest; 0: none.
	CatchUp int
	// Every is `every`: day, week or month overrides the cadence of the
	// first period; "" keeps it (see plan.DueDates).
	Every string
	// Notify are the report's Slack, Teams, webhook and job-summary
	// targets, in config order (config_notify.go).
	Notify []NotifyConfig
	// Sites is nil when the report names no WordPress sites; NoApps is
	// true when it names sites but no apps (config_sites.go).
	Sites  *SitesConfig
	NoApps bool
}

// EmailConfig is a report's email block.
type EmailConfig struct {
	To, Cc, Bcc []string
	// Subject is a text/template over SubjectData (default DefaultSubject);
	// it is checked when the config loads.
	Subject string
}

// SubjectData is what an email subject template sees.
type SubjectData struct {
	Report string // the report's name
	Period string // the first period's name
	Start  string // the first period's start, as shown (e.g. 2026-11-16)
	End    string // the first period's end, as shown
	Alerts int    // the number of threshold crossings
}

// RenderSubject executes the subject template with d. The result is one
// line.
func (e *EmailConfig) RenderSubject(d SubjectData) (string, error) {
	subject := e.Subject
	if subject == "" {
		subject = DefaultSubject
	}
	t, err := template.New("subject").Option("missingkey=error").Parse(subject)
	if err != nil {
		return "", fmt.Errorf("email subject: %w", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "", fmt.Errorf("email subject: %w", err)
	}
	s := strings.Join(strings.Fields(b.String()), " ") // one header line
	return s, nil
}

// PeriodSpec is a period of a report as configured: a named period (Name
// only) or a custom range {name, start, end}. Resolve it with
// ResolvePeriod.
type PeriodSpec struct {
	Name       string
	Start, End string
	// Line is the period's line in the config file.
	Line int
}

// FieldError is one problem of a config, printed as
// `FILE:LINE: field.path: message`.
type FieldError struct {
	File string
	Line int    // 0 when unknown
	Path string // e.g. reports[0].periods[1]; empty for the whole file
	Msg  string
}

func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	if e.Path != "" {
		b.WriteString(": " + e.Path)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

// LoadConfig reads and validates the config file at path. See ParseConfig.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return ParseConfig(path, data)
}

// ParseConfig decodes and validates a config. file names the config in
// messages, and relative paths in it (smtp.ca_file) resolve against its
// folder. Unknown keys and wrong types are errors. On failure the error
// joins (errors.Join) one *FieldError per problem, every problem at once,
// sorted by line, each printed as `FILE:LINE: field.path: message` with
// what would be valid.
func ParseConfig(file string, data []byte) (*Config, error) {
	v := &validator{file: file, refs: map[string]nodeRef{}}

	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, v.syntaxError(err)
	}
	if root.Kind == 0 || len(root.Content) == 0 || isNull(root.Content[0]) {
		return nil, &FieldError{File: file, Line: 1, Msg: "the config is empty (want the keys api, timezone, smtp and reports; see the reports.yaml of the repository)"}
	}
	v.root = root.Content[0]
	v.index(v.root, "")

	var raw rawConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, v.syntaxError(err)
		}
		for _, msg := range te.Errors {
			v.yamlError(msg)
		}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		line := 0
		if err == nil {
			line = extra.Line
		}
		v.errs = append(v.errs, &FieldError{File: file, Line: line, Msg: "a second YAML document (---) (want a single document)"})
	}

	cfg := v.build(&raw)
	if err := v.err(); err != nil {
		return nil, err
	}
	cfg.Warnings = v.warnings
	return cfg, nil
}

// Select returns the reports named by names, in config order; every report
// when names is empty. An unknown name is an error listing the valid ones.
func (c *Config) Select(names []string) ([]ReportConfig, error) {
	if len(names) == 0 {
		return slices.Clone(c.Reports), nil
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []ReportConfig
	for _, r := range c.Reports {
		if want[r.Name] {
			out = append(out, r)
			delete(want, r.Name)
		}
	}
	if len(want) > 0 {
		valid := make([]string, len(c.Reports))
		for i, r := range c.Reports {
			valid[i] = r.Name
		}
		var errs []error
		for _, n := range names {
			if want[n] {
				errs = append(errs, fmt.Errorf("-report %s: unknown report %q in %s (want one of: %s)", n, n, c.File, strings.Join(valid, ", ")))
				delete(want, n)
			}
		}
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// SMTPPassword returns the SMTP password from the environment variable
// named by smtp.password_env, read through getenv. Without a username no
// password is needed and it returns "". It is called at send time: -check
// does not need the variable. The error names the field but not the file
// (callers prefix it): "smtp.password_env: environment variable
// SMTP_PASSWORD is not set (...)".
func (c *Config) SMTPPassword(getenv func(string) string) (string, error) {
	if c.SMTP == nil {
		return "", errors.New("smtp: no smtp block (want smtp: with host, port, from, ... to send email)")
	}
	if c.SMTP.Username == "" {
		return "", nil
	}
	name := c.SMTP.PasswordEnv
	if name == "" {
		name = DefaultPasswordEnv
	}
	pw := getenv(name)
	if pw == "" {
		return "", fmt.Errorf("smtp.password_env: environment variable %s is not set (want the SMTP password of %s on %s in it)", name, c.SMTP.Username, c.SMTP.Host)
	}
	return pw, nil
}
