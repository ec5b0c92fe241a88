package report

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

var (
	reportNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	envNameRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	uuidRE       = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)
)

const maxReportName = 64

// build applies the defaults to raw and checks every value.
func (v *validator) build(raw *rawConfig) *Config {
	cfg := &Config{File: v.file}
	v.checkBooleans()

	cfg.API.BaseURL = strings.TrimSpace(raw.API.BaseURL)
	if cfg.API.BaseURL == "" {
		cfg.API.BaseURL = DefaultBaseURL
	} else if u, err := url.Parse(cfg.API.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		v.errorf("api.base_url", "bad URL %q (want an http(s) URL such as %s)", raw.API.BaseURL, DefaultBaseURL)
	}
	cfg.API.BaseURL = strings.TrimRight(cfg.API.BaseURL, "/")
	cfg.API.SitesBaseURL = v.sitesBaseURL(raw.API.SitesBaseURL) // config_sites.go
	cfg.API.CompanyID = strings.TrimSpace(raw.API.CompanyID)
	if cfg.API.CompanyID != "" && !uuidRE.MatchString(cfg.API.CompanyID) {
		// The value is not echoed: an API key pasted here is a secret.
		v.errorf("api.company_id", "not a company id (want a UUID such as 54fb80af-576c-4fdc-ba4f-b596c83f15a1, from MyKinsta or GET /validate; or leave it empty to find it with GET /validate)")
	}
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
	cfg.State = v.state(raw.State)

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
