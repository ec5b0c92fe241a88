package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
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
	Periods []PeriodSpec
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

// The YAML as written: decoded strictly (KnownFields) into these plain
// structs, then checked and turned into Config. Values that may be a
// keyword or a list (apps, periods, metrics) or a number or a string
// (sizes, limits) are kept as nodes and decoded by hand.
type (
	rawConfig struct {
		API      rawAPI      `yaml:"api"`
		Timezone string      `yaml:"timezone"`
		SMTP     *rawSMTP    `yaml:"smtp"`
		Reports  []rawReport `yaml:"reports"`
	}
	rawAPI struct {
		BaseURL           string   `yaml:"base_url"`
		CompanyID         string   `yaml:"company_id"`
		Concurrency       *int     `yaml:"concurrency"`
		RequestsPerMinute *float64 `yaml:"requests_per_minute"`
		MaxRetries        *int     `yaml:"max_retries"`
	}
	rawSMTP struct {
		Host           string    `yaml:"host"`
		Port           *int      `yaml:"port"`
		Username       string    `yaml:"username"`
		PasswordEnv    string    `yaml:"password_env"`
		From           string    `yaml:"from"`
		TLS            string    `yaml:"tls"`
		CAFile         string    `yaml:"ca_file"`
		MaxMessageSize yaml.Node `yaml:"max_message_size"`
	}
	rawReport struct {
		Name                 string         `yaml:"name"`
		Apps                 yaml.Node      `yaml:"apps"`
		Periods              yaml.Node      `yaml:"periods"`
		Interval             string         `yaml:"interval"`
		Metrics              yaml.Node      `yaml:"metrics"`
		SlowestRequestsLimit *int           `yaml:"slowest_requests_limit"`
		Users                *bool          `yaml:"users"`
		Timezone             string         `yaml:"timezone"`
		Email                *rawEmail      `yaml:"email"`
		Thresholds           []rawThreshold `yaml:"thresholds"`
		Send                 string         `yaml:"send"`
		ComparePrevious      *bool          `yaml:"compare_previous"`
	}
	rawEmail struct {
		To      []string `yaml:"to"`
		Cc      []string `yaml:"cc"`
		Bcc     []string `yaml:"bcc"`
		Subject *string  `yaml:"subject"`
	}
	rawThreshold struct {
		Metric string    `yaml:"metric"`
		Above  yaml.Node `yaml:"above"`
		On     string    `yaml:"on"`
		Apps   []string  `yaml:"apps"`
	}
)

// rawTypes describes the raw structs for yaml's error messages: the Go type
// name yaml prints, what it is, and its keys.
var rawTypes = func() map[string]rawType {
	m := map[string]rawType{}
	for _, x := range []struct {
		v    any
		what string
	}{
		{rawConfig{}, "the config"},
		{rawAPI{}, "the api block"},
		{rawSMTP{}, "the smtp block"},
		{rawReport{}, "a report"},
		{rawEmail{}, "the email block"},
		{rawThreshold{}, "a threshold"},
	} {
		t := reflect.TypeOf(x.v)
		var keys []string
		for i := range t.NumField() {
			keys = append(keys, strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0])
		}
		m[t.String()] = rawType{what: x.what, keys: keys}
	}
	return m
}()

type rawType struct {
	what string
	keys []string
}

// nodeRef is a key (nil in a list) and its value at a field path.
type nodeRef struct {
	path     string
	key, val *yaml.Node
}

func (r nodeRef) line() int {
	if r.key != nil {
		return r.key.Line
	}
	return r.val.Line
}

// validator collects the problems of one config.
type validator struct {
	file string
	root *yaml.Node
	refs map[string]nodeRef // field path -> node
	all  []nodeRef          // in document order
	errs []*FieldError
	// bad holds the paths yaml already complained about: no second
	// message for them or below them.
	bad []string
}

// index records the field path of every node under n.
func (v *validator) index(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			v.add(nodeRef{path: p, key: k, val: val})
			v.index(val, p)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			v.add(nodeRef{path: p, val: item})
			v.index(item, p)
		}
	}
}

func (v *validator) add(r nodeRef) {
	if _, dup := v.refs[r.path]; !dup {
		v.refs[r.path] = r
	}
	v.all = append(v.all, r)
}

// line is the line of path, or of its nearest parent in the file (a
// missing key is reported at the block that lacks it).
func (v *validator) line(path string) int {
	for path != "" {
		if r, ok := v.refs[path]; ok {
			return r.line()
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 1
}

// errorf records a problem at path, unless yaml already reported one there.
func (v *validator) errorf(path, format string, args ...any) {
	for _, b := range v.bad {
		if b == "" || path == b || strings.HasPrefix(path, b+".") || strings.HasPrefix(path, b+"[") {
			return
		}
	}
	v.errs = append(v.errs, &FieldError{File: v.file, Line: v.line(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(v.errs, func(a, b *FieldError) int { return a.Line - b.Line })
	errs := make([]error, len(v.errs))
	for i, e := range v.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a YAML syntax error into FILE:LINE: message.
func (v *validator) syntaxError(err error) error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &FieldError{File: v.file, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &FieldError{File: v.file, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

var (
	yamlUnknownRE = regexp.MustCompile(`^line (\d+): field (.*) not found in type (\S+)$`)
	yamlTwiceRE   = regexp.MustCompile(`^line (\d+): field (.*) already set in type (\S+)$`)
	yamlDupKeyRE  = regexp.MustCompile(`^line (\d+): mapping key "(.*)" already defined at line (\d+)$`)
	yamlTypeRE    = regexp.MustCompile("^line (\\d+): cannot unmarshal (!!\\w+|\\S+)(?: `(.*)`)? into (.+)$")
	yamlOtherRE   = regexp.MustCompile(`^line (\d+): (.*)$`)
)

// yamlError translates one message of a yaml.TypeError into a FieldError
// with the field path.
func (v *validator) yamlError(msg string) {
	if m := yamlUnknownRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		r := v.keyAt(line, m[2])
		v.bad = append(v.bad, r.path)
		v.errs = append(v.errs, &FieldError{File: v.file, Line: line, Path: r.path, Msg: unknownKeyMsg(m[2], rawTypes[m[3]].keys, r.path)})
		return
	}
	if m := yamlTwiceRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		r := v.keyAt(line, m[2])
		first := ""
		if f, ok := v.refs[r.path]; ok && f.key != nil && f.key.Line != line {
			first = fmt.Sprintf(" (first at line %d)", f.key.Line)
		}
		v.bad = append(v.bad, r.path)
		v.errs = append(v.errs, &FieldError{File: v.file, Line: line, Path: r.path, Msg: fmt.Sprintf("key %q appears twice%s (want each key once)", m[2], first)})
		return
	}
	if m := yamlDupKeyRE.FindStringSubmatch(msg); m != nil {
		// yaml drops the whole mapping: nothing under it can be checked.
		line, _ := strconv.Atoi(m[1])
		r := v.keyAt(line, m[2])
		v.bad = append(v.bad, parentPath(r.path))
		v.errs = append(v.errs, &FieldError{File: v.file, Line: line, Path: r.path,
			Msg: fmt.Sprintf("key %q appears twice (first at line %s) (want each key once)", m[2], m[3])})
		return
	}
	if m := yamlTypeRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		r, ok := v.valueAt(line, m[2], m[3], m[4])
		if !ok {
			v.errs = append(v.errs, &FieldError{File: v.file, Line: line, Msg: msg})
			return
		}
		v.bad = append(v.bad, r.path)
		want := describeType(m[4])
		if r.path == "" {
			want = "a mapping with the keys api, timezone, smtp and reports"
		}
		v.errs = append(v.errs, &FieldError{File: v.file, Line: line, Path: r.path, Msg: fmt.Sprintf("want %s, got %s", want, describeNode(r.val))})
		return
	}
	line := 0
	if m := yamlOtherRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	v.errs = append(v.errs, &FieldError{File: v.file, Line: line, Msg: msg})
}

// parentPath is the path of the mapping or list that holds path.
func parentPath(path string) string {
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return ""
}

// listItems returns the field paths of the n entries yaml decoded from the
// list at path, in order. yaml drops an entry it cannot decode (one of the
// wrong kind, reported as a type error; a mapping with a repeated key; an
// empty entry, silently), so the i-th decoded entry is not always the i-th
// in the file. Empty entries are reported here. mapping says whether the
// entries are mappings (else scalars).
func (v *validator) listItems(path string, n int, mapping bool, what string) []string {
	var out []string
	if r, ok := v.refs[path]; ok && r.val.Kind == yaml.SequenceNode {
		for j, item := range r.val.Content {
			ip := fmt.Sprintf("%s[%d]", path, j)
			if item.Kind == yaml.AliasNode && item.Alias != nil {
				item = item.Alias
			}
			switch {
			case isNull(item):
				v.errorf(ip, "empty entry (want %s)", what)
			case mapping && item.Kind == yaml.MappingNode && !hasRepeatedKey(item),
				!mapping && item.Kind == yaml.ScalarNode:
				out = append(out, ip)
			}
		}
	}
	for len(out) < n {
		out = append(out, fmt.Sprintf("%s[%d]", path, len(out)))
	}
	return out[:n]
}

func hasRepeatedKey(n *yaml.Node) bool {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if seen[k] {
			return true
		}
		seen[k] = true
	}
	return false
}

// keyAt finds the key named name on line.
func (v *validator) keyAt(line int, name string) nodeRef {
	for _, r := range v.all {
		if r.key != nil && r.key.Line == line && r.key.Value == name {
			return r
		}
	}
	return nodeRef{path: name, key: &yaml.Node{Line: line, Value: name}}
}

// valueAt finds the value yaml could not decode into goType: on line,
// with tag and (possibly shortened) value as yaml printed them. Of several
// candidates on the line, the one whose field has goType wins.
func (v *validator) valueAt(line int, tag, value, goType string) (nodeRef, bool) {
	match := func(n *yaml.Node) bool {
		if n.Line != line {
			return false
		}
		switch tag {
		case "!!seq":
			return n.Kind == yaml.SequenceNode
		case "!!map":
			return n.Kind == yaml.MappingNode
		}
		if n.Kind != yaml.ScalarNode {
			return false
		}
		if short, ok := strings.CutSuffix(value, "..."); ok && len(n.Value) > 10 {
			return strings.HasPrefix(n.Value, short)
		}
		return n.Value == value
	}
	candidates := []nodeRef{{path: "", val: v.root}}
	candidates = append(candidates, v.all...)
	var found []nodeRef
	for _, r := range candidates {
		if r.val != nil && match(r.val) {
			found = append(found, r)
		}
	}
	want := strings.TrimPrefix(goType, "*")
	for _, r := range found {
		if t := rawTypeAt(r.path); t != nil && strings.TrimPrefix(t.String(), "*") == want {
			return r, true
		}
	}
	if len(found) > 0 {
		return found[len(found)-1], true
	}
	return nodeRef{}, false
}

// rawTypeAt is the Go type of the raw field at path; nil when the path
// does not lead to a field of the raw structs.
func rawTypeAt(path string) reflect.Type {
	t := reflect.TypeOf(rawConfig{})
	for path != "" {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if rest, ok := strings.CutPrefix(path, "["); ok {
			i := strings.IndexByte(rest, ']')
			if i < 0 || t.Kind() != reflect.Slice {
				return nil
			}
			t, path = t.Elem(), rest[i+1:]
			continue
		}
		path = strings.TrimPrefix(path, ".")
		name := path
		if i := strings.IndexAny(path, ".["); i >= 0 {
			name, path = path[:i], path[i:]
		} else {
			path = ""
		}
		if t.Kind() != reflect.Struct {
			return nil
		}
		var next reflect.Type
		for i := range t.NumField() {
			if strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0] == name {
				next = t.Field(i).Type
			}
		}
		if next == nil {
			return nil
		}
		t = next
	}
	return t
}

// unknownKeyMsg explains an unknown key: what is valid, a likely intended
// key, and where secrets go instead.
func unknownKeyMsg(name string, keys []string, path string) string {
	lower := strings.ToLower(name)
	if strings.Contains(lower, "pass") || strings.Contains(lower, "secret") {
		return fmt.Sprintf("unknown key %q: secrets never live in the YAML; put the password in an environment variable and name it with password_env (default %s)", name, DefaultPasswordEnv)
	}
	if strings.Contains(lower, "key") || strings.Contains(lower, "token") {
		if strings.HasPrefix(path, "api.") || !strings.Contains(path, ".") {
			return fmt.Sprintf("unknown key %q: secrets never live in the YAML; set the KINSTA_API_KEY environment variable", name)
		}
	}
	msg := fmt.Sprintf("unknown key %q", name)
	if s := closest(name, keys); s != "" {
		msg += fmt.Sprintf(", did you mean %q?", s)
	}
	if len(keys) > 0 {
		msg += " (want one of: " + strings.Join(keys, ", ") + ")"
	}
	return msg
}

// closest returns the candidate within edit distance 2 of s, if any.
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// describeType says in words what a Go type of the raw structs takes.
func describeType(t string) string {
	t = strings.TrimPrefix(t, "*")
	switch t {
	case "int", "int64", "uint", "uint64":
		return "a whole number"
	case "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "[]string":
		return "a list of strings"
	}
	if elem, ok := strings.CutPrefix(t, "[]"); ok {
		if rt, ok := rawTypes[elem]; ok {
			return "a list, each entry " + rt.what + " with the keys " + strings.Join(rt.keys, ", ")
		}
		return "a list"
	}
	if rt, ok := rawTypes[t]; ok {
		return "a mapping with the keys " + strings.Join(rt.keys, ", ")
	}
	return t
}

// describeNode says what a node is, for "got ..." in messages.
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing"
		case "!!str":
			return strconv.Quote(n.Value)
		}
		return n.Value
	}
	return "an alias"
}

// deref follows an alias (*name) to the node it stands for.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 10; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

var (
	reportNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	envNameRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

const maxReportName = 64

// build applies the defaults to raw and checks every value.
func (v *validator) build(raw *rawConfig) *Config {
	cfg := &Config{File: v.file}

	cfg.API.BaseURL = strings.TrimSpace(raw.API.BaseURL)
	if cfg.API.BaseURL == "" {
		cfg.API.BaseURL = DefaultBaseURL
	} else if u, err := url.Parse(cfg.API.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		v.errorf("api.base_url", "bad URL %q (want an http(s) URL such as %s)", raw.API.BaseURL, DefaultBaseURL)
	}
	cfg.API.BaseURL = strings.TrimRight(cfg.API.BaseURL, "/")
	cfg.API.CompanyID = strings.TrimSpace(raw.API.CompanyID)
	cfg.API.Concurrency = DefaultConcurrency
	if c := raw.API.Concurrency; c != nil {
		if *c < 1 || *c > 64 {
			v.errorf("api.concurrency", "want a whole number from 1 to 64, got %d", *c)
		}
		cfg.API.Concurrency = *c
	}
	if r := raw.API.RequestsPerMinute; r != nil {
		if *r < 0 {
			v.errorf("api.requests_per_minute", "want 0 (no client-side limit) or a positive rate, got %v", *r)
		}
		cfg.API.RequestsPerMinute = *r
	}
	cfg.API.MaxRetries = DefaultMaxRetries
	if m := raw.API.MaxRetries; m != nil {
		if *m < 0 || *m > 10 {
			v.errorf("api.max_retries", "want a whole number from 0 to 10, got %d", *m)
		}
		cfg.API.MaxRetries = *m
	}

	cfg.Timezone = raw.Timezone
	if cfg.Timezone == "" {
		cfg.Timezone = DefaultTimezone
	}
	loc, err := loadZone(cfg.Timezone)
	if err != nil {
		v.errorf("timezone", "%v", err)
		loc = time.UTC
	}
	cfg.Location = loc

	if raw.SMTP != nil {
		cfg.SMTP = v.smtp(raw.SMTP)
	}

	if r, ok := v.refs["reports"]; !ok || isNull(r.val) || (r.val.Kind == yaml.SequenceNode && len(r.val.Content) == 0) {
		v.errorf("reports", "no reports (want at least one report with a name and periods)")
	}
	firstLine := map[string]int{}
	for i, p := range v.listItems("reports", len(raw.Reports), true, "a report with a name and periods") {
		cfg.Reports = append(cfg.Reports, v.report(p, &raw.Reports[i], cfg, firstLine))
	}
	return cfg
}

// loadZone loads an IANA zone; "Local" is refused, as it depends on the
// machine the report runs on.
func loadZone(name string) (*time.Location, error) {
	if name != "Local" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc, nil
		}
	}
	return nil, fmt.Errorf("unknown time zone %q (want an IANA name such as Europe/Berlin, America/New_York or UTC)", name)
}

func (v *validator) smtp(raw *rawSMTP) *SMTPConfig {
	s := &SMTPConfig{
		Host:        strings.TrimSpace(raw.Host),
		Username:    raw.Username,
		PasswordEnv: raw.PasswordEnv,
		From:        raw.From,
		TLS:         raw.TLS,
	}
	if s.Host == "" {
		v.errorf("smtp.host", "missing (want the SMTP server's host name, e.g. smtp.example.com)")
	} else if strings.Contains(s.Host, "://") || strings.ContainsAny(s.Host, " /") {
		v.errorf("smtp.host", "bad host %q (want a host name such as smtp.example.com, without scheme or port)", raw.Host)
	}

	switch s.TLS {
	case "":
		s.TLS = TLSStartTLS
	case TLSStartTLS, TLSImplicit, TLSNone:
	case "ssl", "true", "smtps":
		v.errorf("smtp.tls", "unknown tls mode %q (want one of: starttls, tls, none; tls is implicit TLS, usually on port 465)", raw.TLS)
	default:
		v.errorf("smtp.tls", "unknown tls mode %q (want one of: starttls, tls, none)", raw.TLS)
	}

	switch {
	case raw.Port == nil && s.TLS == TLSImplicit:
		s.Port = DefaultPortTLS
	case raw.Port == nil:
		s.Port = DefaultPortStartTLS
	case *raw.Port < 1 || *raw.Port > 65535:
		v.errorf("smtp.port", "port %d is out of range (want 1 to 65535, e.g. 587 for starttls or 465 for tls)", *raw.Port)
	default:
		s.Port = *raw.Port
	}

	if s.PasswordEnv == "" {
		s.PasswordEnv = DefaultPasswordEnv
	} else if !envNameRE.MatchString(s.PasswordEnv) {
		// The value is not echoed: it may be the password itself.
		v.errorf("smtp.password_env", "not an environment variable name (want a name such as %s; the password goes in that variable, never in the YAML)", DefaultPasswordEnv)
	}

	if strings.TrimSpace(s.From) == "" {
		v.errorf("smtp.from", "missing (want the sender address, e.g. \"Kinsta Reports <reports@example.com>\")")
	} else if _, err := mail.ParseAddress(s.From); err != nil {
		v.errorf("smtp.from", "bad address %q: %v (want e.g. \"Kinsta Reports <reports@example.com>\")", s.From, err)
	}

	if raw.CAFile != "" {
		s.CAFile = raw.CAFile
		if !filepath.IsAbs(s.CAFile) {
			s.CAFile = filepath.Join(filepath.Dir(v.file), s.CAFile)
		}
		if st, err := os.Stat(s.CAFile); err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			v.errorf("smtp.ca_file", "cannot read %q (resolved to %q): %v (want a PEM file of CA certificates, relative to the config's folder)", raw.CAFile, s.CAFile, err)
		} else if st.IsDir() {
			v.errorf("smtp.ca_file", "%q is a folder (want a PEM file of CA certificates)", raw.CAFile)
		}
	}

	s.MaxMessageBytes = DefaultMaxMessageBytes
	if n := &raw.MaxMessageSize; !isNull(n) {
		val, err := scalarValue(n)
		var size float64
		if err == nil {
			size, _, err = parseQuantity(UnitBytes, "max_message_size", val)
		}
		switch {
		case err != nil:
			v.errorf("smtp.max_message_size", "%v", err)
		case size < 1024:
			v.errorf("smtp.max_message_size", "%s is too small (want at least 1KB, e.g. 10MB)", n.Value)
		default:
			s.MaxMessageBytes = int64(size)
		}
	}
	return s
}

// scalarValue decodes a scalar node into a Go value (int, float64, string,
// ...).
func scalarValue(n *yaml.Node) (any, error) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode {
		return nil, fmt.Errorf("want a number or a string, got %s", describeNode(n))
	}
	var x any
	if err := n.Decode(&x); err != nil {
		return nil, err
	}
	return x, nil
}

func (v *validator) report(p string, raw *rawReport, cfg *Config, firstLine map[string]int) ReportConfig {
	r := ReportConfig{Name: raw.Name, Line: v.line(p)}

	switch {
	case raw.Name == "":
		v.errorf(p+".name", "missing (want a unique name of lowercase letters, digits and dashes, e.g. weekly-ops; it is used in file names)")
	case !reportNameRE.MatchString(raw.Name) || len(raw.Name) > maxReportName:
		v.errorf(p+".name", "unsafe report name %q (want lowercase letters, digits and dashes, starting with a letter or digit, at most %d characters, e.g. weekly-ops; it is used in file names)", raw.Name, maxReportName)
	default:
		if first, dup := firstLine[raw.Name]; dup {
			v.errorf(p+".name", "duplicate report name %q (first used at line %d; want each name once, it is used in file names)", raw.Name, first)
		} else {
			firstLine[raw.Name] = v.line(p + ".name")
		}
	}

	r.Timezone, r.Location = cfg.Timezone, cfg.Location
	if raw.Timezone != "" {
		loc, err := loadZone(raw.Timezone)
		if err != nil {
			v.errorf(p+".timezone", "%v", err)
			loc = cfg.Location
		}
		r.Timezone, r.Location = raw.Timezone, loc
	}

	r.Apps, r.AllApps = v.apps(p+".apps", &raw.Apps)
	r.Periods = v.periods(p+".periods", &raw.Periods, r.Location)

	r.Interval = raw.Interval
	switch r.Interval {
	case "":
		r.Interval = IntervalAuto
	case IntervalAuto, Interval1h, Interval6h, Interval1d:
	default:
		v.errorf(p+".interval", "bad interval %q (want one of: auto, 1h, 6h, 1d)", raw.Interval)
	}

	r.Metrics = v.metrics(p+".metrics", &raw.Metrics)

	r.SlowestRequestsLimit = DefaultSlowestRequestsLimit
	if raw.SlowestRequestsLimit != nil {
		if n := *raw.SlowestRequestsLimit; n < 1 {
			v.errorf(p+".slowest_requests_limit", "%d is too small (want 1 or more, default %d)", n, DefaultSlowestRequestsLimit)
		} else {
			r.SlowestRequestsLimit = n
		}
	}

	r.Users = raw.Users == nil || *raw.Users
	r.Compare = raw.ComparePrevious == nil || *raw.ComparePrevious

	if raw.Email != nil {
		r.Email = v.email(p+".email", raw.Email)
		if cfg.SMTP == nil {
			v.errorf(p+".email", "email needs the top-level smtp block to send (want smtp: with host, port, from, ...; or remove email)")
		}
	}

	for k, tp := range v.listItems(p+".thresholds", len(raw.Thresholds), true, "a threshold with metric and above") {
		if t, ok := v.threshold(tp, &raw.Thresholds[k], r.Metrics); ok {
			r.Thresholds = append(r.Thresholds, t)
		}
	}

	r.Send = raw.Send
	switch r.Send {
	case "":
		r.Send = SendAlways
	case SendAlways:
	case SendOnAlert:
		if raw.Email == nil {
			v.errorf(p+".send", "on_alert needs email (want an email block, or remove send)")
		} else if len(raw.Thresholds) == 0 {
			v.errorf(p+".send", "on_alert needs thresholds: without them nothing crosses and the email never goes out (want thresholds, or send: always)")
		}
	default:
		v.errorf(p+".send", "unknown send mode %q (want one of: always, on_alert)", raw.Send)
	}
	return r
}

// apps reads `apps`: all (the default) or a list of apps.
func (v *validator) apps(p string, n *yaml.Node) ([]string, bool) {
	n = deref(n)
	switch {
	case isNull(n):
		return nil, true
	case n.Kind == yaml.ScalarNode && n.Value == "all":
		return nil, true
	case n.Kind != yaml.SequenceNode:
		v.errorf(p, "want all or a list of apps (each an app's id, name or display_name, e.g. [shop]), got %s", describeNode(n))
		return nil, false
	}
	var apps []string
	seen := map[string]bool{}
	for j, item := range n.Content {
		ip := fmt.Sprintf("%s[%d]", p, j)
		item = deref(item)
		switch {
		case item.Kind != yaml.ScalarNode || isNull(item) || strings.TrimSpace(item.Value) == "":
			v.errorf(ip, "want an app's id, name or display_name, got %s", describeNode(item))
		case item.Value == "all":
			v.errorf(ip, "all in a list (want apps: all, or a list of apps)")
		case seen[item.Value]:
			v.errorf(ip, "app %q is listed twice (want each app once)", item.Value)
		default:
			seen[item.Value] = true
			apps = append(apps, item.Value)
		}
	}
	return apps, len(apps) == 0
}

// periods reads `periods`: a list of named periods and custom
// {name, start, end} ranges, checked in loc.
func (v *validator) periods(p string, n *yaml.Node, loc *time.Location) []PeriodSpec {
	n = deref(n)
	if isNull(n) {
		v.errorf(p, "missing (want a list of periods such as [previous_week, last_30_days])")
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		hint := "[previous_week]"
		if n.Kind == yaml.ScalarNode && IsNamedPeriod(n.Value) {
			hint = "[" + n.Value + "]"
		}
		v.errorf(p, "want a list of periods such as %s, got %s", hint, describeNode(n))
		return nil
	}
	if len(n.Content) == 0 {
		v.errorf(p, "no periods (want at least one, e.g. [previous_week])")
	}
	var specs []PeriodSpec
	seen := map[string]int{}
	for j, item := range n.Content {
		ip := fmt.Sprintf("%s[%d]", p, j)
		spec, ok := v.period(ip, deref(item), loc)
		if !ok {
			continue
		}
		if first, dup := seen[spec.Name]; dup {
			v.errorf(ip, "duplicate period %q (first at line %d; want each period once)", spec.Name, first)
			continue
		}
		seen[spec.Name] = spec.Line
		specs = append(specs, spec)
	}
	return specs
}

func (v *validator) period(p string, n *yaml.Node, loc *time.Location) (PeriodSpec, bool) {
	spec := PeriodSpec{Line: n.Line}
	switch n.Kind {
	case yaml.ScalarNode:
		spec.Name = n.Value
		if !IsNamedPeriod(n.Value) {
			v.errorf(p, "unknown period %q (%s)", n.Value, periodNamesHint)
			return spec, false
		}
		return spec, true
	case yaml.MappingNode:
	default:
		v.errorf(p, "want a period name or {name, start, end}, got %s", describeNode(n))
		return spec, false
	}
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], deref(n.Content[i+1])
		kp := p + "." + k.Value
		var dst *string
		switch k.Value {
		case "name":
			dst = &spec.Name
		case "start":
			dst = &spec.Start
		case "end":
			dst = &spec.End
		default:
			v.errorf(kp, "%s", unknownKeyMsg(k.Value, []string{"name", "start", "end"}, kp))
			ok = false
			continue
		}
		if val.Kind != yaml.ScalarNode || isNull(val) {
			v.errorf(kp, "want a string, got %s", describeNode(val))
			ok = false
			continue
		}
		*dst = val.Value
	}
	if !ok {
		return spec, false
	}
	switch {
	case spec.Name == "":
		v.errorf(p+".name", "missing (want a name for the custom period, e.g. april)")
		ok = false
	case IsNamedPeriod(spec.Name):
		v.errorf(p+".name", "%q is a named period (want another name for a custom range, or just %s)", spec.Name, spec.Name)
		ok = false
	case strings.ContainsFunc(spec.Name, func(r rune) bool { return r < ' ' }):
		v.errorf(p+".name", "control characters in the name (want a plain name, e.g. april)")
		ok = false
	}
	var start, end time.Time
	var endDate bool
	var err error
	if spec.Start == "" {
		v.errorf(p+".start", "missing (want a date such as 2024-04-20 or an RFC 3339 time)")
		ok = false
	} else if start, _, err = parsePeriodTime(spec.Start, loc); err != nil {
		v.errorf(p+".start", "%v", err)
		ok = false
	}
	if spec.End == "" {
		v.errorf(p+".end", "missing (want a date such as 2024-04-28, which includes that day, or an exclusive RFC 3339 time)")
		ok = false
	} else if end, endDate, err = parsePeriodTime(spec.End, loc); err != nil {
		v.errorf(p+".end", "%v", err)
		ok = false
	}
	if !ok {
		return spec, false
	}
	if endDate {
		y, m, d := end.Date()
		end = dayStart(y, m, d+1, loc)
	}
	if !end.After(start) {
		rel := "is before"
		if end.Equal(start) {
			rel = "equals"
		}
		v.errorf(p+".end", "end %s %s start %s (want an end after the start; a date-only end includes that whole day)", spec.End, rel, spec.Start)
		return spec, false
	}
	return spec, true
}

// metrics reads `metrics`: all (the default) or a list of metric keys,
// returned in contract order.
func (v *validator) metrics(p string, n *yaml.Node) []MetricKey {
	n = deref(n)
	switch {
	case isNull(n):
		return AllMetrics()
	case n.Kind == yaml.ScalarNode && n.Value == "all":
		return AllMetrics()
	case n.Kind != yaml.SequenceNode:
		hint := ""
		if _, ok := Info(MetricKey(n.Value)); ok && n.Kind == yaml.ScalarNode {
			hint = fmt.Sprintf(", e.g. [%s]", n.Value)
		}
		v.errorf(p, "want all or a list of metric keys%s, got %s", hint, describeNode(n))
		return AllMetrics()
	}
	if len(n.Content) == 0 {
		v.errorf(p, "no metrics (want all, or a list of: %s)", metricList())
	}
	want := map[MetricKey]bool{}
	for j, item := range n.Content {
		ip := fmt.Sprintf("%s[%d]", p, j)
		item = deref(item)
		k := MetricKey(item.Value)
		switch _, known := Info(k); {
		case item.Kind != yaml.ScalarNode:
			v.errorf(ip, "want a metric key, got %s", describeNode(item))
		case !known:
			v.errorf(ip, "unknown metric %q (want one of: %s)", item.Value, metricList())
		case want[k]:
			v.errorf(ip, "metric %s is listed twice (want each metric once)", k)
		default:
			want[k] = true
		}
	}
	var keys []MetricKey
	for _, k := range AllMetrics() {
		if want[k] {
			keys = append(keys, k)
		}
	}
	return keys
}

func (v *validator) email(p string, raw *rawEmail) *EmailConfig {
	e := &EmailConfig{To: raw.To, Cc: raw.Cc, Bcc: raw.Bcc, Subject: DefaultSubject}
	if len(raw.To) == 0 {
		v.errorf(p+".to", "no recipients (want a list of addresses, e.g. [ops@example.com])")
	}
	for _, list := range []struct {
		key   string
		addrs []string
	}{{"to", raw.To}, {"cc", raw.Cc}, {"bcc", raw.Bcc}} {
		paths := v.listItems(p+"."+list.key, len(list.addrs), false, "an email address")
		for j, a := range list.addrs {
			if _, err := mail.ParseAddress(a); err != nil {
				v.errorf(paths[j], "bad email address %q: %v (want e.g. ops@example.com or \"Ops <ops@example.com>\")", a, err)
			}
		}
	}
	if raw.Subject != nil {
		e.Subject = *raw.Subject
		if strings.TrimSpace(e.Subject) == "" {
			v.errorf(p+".subject", "empty subject (want e.g. %q, or leave subject out)", DefaultSubject)
		} else if strings.ContainsAny(e.Subject, "\r\n") {
			v.errorf(p+".subject", "line break in the subject (want one line)")
		} else if _, err := e.RenderSubject(SubjectData{Report: "r", Period: "p", Start: "s", End: "e"}); err != nil {
			v.errorf(p+".subject", "%v (want a text/template such as %q, with .Report, .Period, .Start, .End and .Alerts)",
				strings.TrimPrefix(err.Error(), "email subject: "), DefaultSubject)
		}
	}
	return e
}

func (v *validator) threshold(p string, raw *rawThreshold, metrics []MetricKey) (Threshold, bool) {
	t := Threshold{Metric: MetricKey(raw.Metric), On: raw.On, Apps: raw.Apps}
	if t.On == "" {
		t.On = OnPeak
	}
	ok := true
	info, known := Info(t.Metric)
	switch {
	case raw.Metric == "":
		v.errorf(p+".metric", "missing (want one of: %s)", metricList())
		ok = false
	case !known:
		v.errorf(p+".metric", "unknown metric %q (want one of: %s)", raw.Metric, metricList())
		ok = false
	case !slices.Contains(metrics, t.Metric):
		v.errorf(p+".metric", "%s is not among the report's metrics, so it is never fetched (want it in metrics, or metrics: all)", t.Metric)
		ok = false
	}

	// Every mode applies to every metric: the evaluation computes a figure
	// the contract does not show from the points (see EvaluateThresholds).
	switch t.On {
	case OnPeak, OnAverage, OnTotal, OnAnyBucket:
	default:
		v.errorf(p+".on", "unknown on %q (want one of: peak, average, total, any_bucket; default peak)", raw.On)
		ok = false
	}

	if isNull(&raw.Above) {
		hint := "want a number in the metric's unit"
		if known {
			hint = unitHint(info.Unit)
		}
		v.errorf(p+".above", "missing (%s)", hint)
		ok = false
	} else if known {
		val, err := scalarValue(&raw.Above)
		if err == nil {
			t.Above, _, err = ParseLimit(t.Metric, val)
		}
		if err != nil {
			v.errorf(p+".above", "%v", err)
			ok = false
		}
		t.Raw = raw.Above.Value
	}

	paths := v.listItems(p+".apps", len(raw.Apps), false, "an app's id, name or display_name")
	for j, a := range raw.Apps {
		if strings.TrimSpace(a) == "" {
			v.errorf(paths[j], "empty app (want an app's id, name or display_name)")
			ok = false
		}
	}
	return t, ok
}
