package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch"
	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/chart"
	"github.com/kinsta-report/kinsta-report/report/deliver"
	"github.com/kinsta-report/kinsta-report/report/sheet"
)

// runner carries one run of the command: the parsed flags, the loaded
// config, and what reports share (the client, the app list, the roster).
type runner struct {
	o      options
	stderr io.Writer
	getenv func(string) string
	clock  func() time.Time
	log    *slog.Logger

	cfg    *report.Config
	client *fetch.Client
	// company, apps and users are fetched once and shared by every report.
	company  string
	apps     []fetch.Application
	users    []report.User
	usersErr error
	usersOK  bool
}

func newRunner(o options, stderr io.Writer, getenv func(string) string, clock func() time.Time) *runner {
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	return &runner{
		o: o, stderr: stderr, getenv: getenv, clock: clock,
		log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	}
}

// usageError is a config or usage problem: exit 2, nothing fetched.
type usageError struct{ lines []string }

func (e *usageError) Error() string { return strings.Join(e.lines, "\n") }

func (r *runner) run(ctx context.Context) int {
	cfg, err := report.LoadConfig(r.o.config)
	if err != nil {
		r.printLines(err)
		return exitUsage
	}
	r.cfg = cfg
	selected, err := cfg.Select(r.o.reports)
	if err != nil {
		r.printLines(err)
		return exitUsage
	}
	if r.o.check {
		fmt.Fprintf(r.stderr, "%s: ok (%s: %s)\n", cfg.File, plural(len(selected), "report"), reportNames(selected))
		return exitOK
	}
	if err := r.preflight(selected); err != nil {
		r.printLines(err)
		return exitUsage
	}
	if err := r.connect(ctx); err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			r.printLines(err)
			return exitUsage
		}
		fmt.Fprintln(r.stderr, "report:", oneLine(err))
		return exitFailure
	}

	// Every report's apps are resolved before the first metric is fetched:
	// an entry that matches nothing is a config error (exit 2), and must
	// not surface after earlier reports were already written and sent.
	apps := make(map[string][]fetch.Application, len(selected))
	var problems []string
	for _, rc := range selected {
		a, err := r.selectApps(rc)
		var ue *usageError
		switch {
		case errors.As(err, &ue):
			problems = append(problems, ue.lines...)
		case err != nil:
			fmt.Fprintf(r.stderr, "report %s: %s\n", rc.Name, oneLine(err))
			return exitFailure
		}
		apps[rc.Name] = a
	}
	if len(problems) > 0 {
		r.printLines(&usageError{lines: problems})
		return exitUsage
	}

	code := exitOK
	for _, rc := range selected {
		code = worst(code, r.runReport(ctx, rc, apps[rc.Name]))
		if ctx.Err() != nil {
			fmt.Fprintln(r.stderr, "report: cancelled; artifacts already written are whole, nothing half-written remains")
			return exitFailure
		}
	}
	return code
}

// worst combines the exit codes of several reports: a failure outranks a
// config error, which outranks missing data, which outranks success.
func worst(a, b int) int {
	rank := map[int]int{exitOK: 0, exitPartial: 1, exitUsage: 2, exitFailure: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// preflight checks what a real run needs before any request: the API key
// and, for reports that will send, the SMTP password.
func (r *runner) preflight(selected []report.ReportConfig) error {
	var lines []string
	if !r.o.demo && r.getenv("KINSTA_API_KEY") == "" {
		lines = append(lines, "KINSTA_API_KEY is not set: create an API key in MyKinsta (Company settings > API Keys) and export it, or run with -demo")
	}
	if u := r.getenv("KINSTA_API_URL"); u != "" && !r.o.demo {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil || p.RawQuery != "" {
			lines = append(lines, "KINSTA_API_URL is not a usable base URL (want e.g. https://api.sevalla.com/v2, with no user info or query)")
		}
	}
	if err := os.MkdirAll(r.o.out, 0o755); err != nil {
		lines = append(lines, fmt.Sprintf("-out %s: %v", r.o.out, errors.Unwrap(err)))
	}
	if !r.o.dryRun {
		for _, rc := range selected {
			if rc.Email == nil {
				continue
			}
			if _, err := r.cfg.SMTPPassword(r.getenv); err != nil {
				lines = append(lines, fmt.Sprintf("%s: %v", r.cfg.File, err))
			}
			break
		}
	}
	if len(lines) > 0 {
		return &usageError{lines: lines}
	}
	return nil
}

// connect builds the client (the simulated API with -demo) and finds the
// company.
func (r *runner) connect(ctx context.Context) error {
	key := r.getenv("KINSTA_API_KEY")
	base := r.cfg.API.BaseURL
	if u := r.getenv("KINSTA_API_URL"); u != "" {
		base = u
	}
	opts := []fetch.Option{
		fetch.WithLogger(r.log),
		fetch.WithUserAgent("kinsta-report/1"),
		fetch.WithConcurrency(r.cfg.API.Concurrency),
		fetch.WithRate(r.cfg.API.RequestsPerMinute),
		fetch.WithMaxRetries(r.cfg.API.MaxRetries),
	}
	if r.o.demo {
		key = "demo"
		base = "http://kinsta.demo/v2"
		sim := kinstatest.New(kinstatest.Options{APIKey: key})
		opts = append(opts, fetch.WithHTTPClient(&http.Client{Transport: sim.Transport()}))
	}
	opts = append(opts, fetch.WithBaseURL(base))
	client, err := fetch.NewClient(key, opts...)
	if err != nil {
		return err
	}
	r.client = client
	r.company = r.cfg.API.CompanyID
	if r.company == "" {
		v, err := client.Validate(ctx)
		if err != nil {
			return explainAPIError("find the company (GET /validate)", err)
		}
		r.company = v.Company
	}
	apps, err := client.Applications(ctx, r.company)
	if err != nil {
		return explainAPIError("list applications", err)
	}
	r.apps = apps
	r.log.Debug("connected", "base_url", base, "company", r.company, "apps", len(apps))
	return nil
}

// explainAPIError turns the errors that stop a run before anything was
// fetched into one clear line.
func explainAPIError(step string, err error) error {
	switch {
	case errors.Is(err, fetch.ErrMoved):
		return fmt.Errorf("%s: %w", step, err) // already says to point api.base_url at Sevalla
	case errors.Is(err, fetch.ErrUnauthorized):
		return fmt.Errorf("%s: the API key was rejected (401): check KINSTA_API_KEY: %w", step, err)
	case errors.Is(err, fetch.ErrNotFound):
		return fmt.Errorf("%s: not found or no permission (404); check api.company_id and that the key's role can read the company: %w", step, err)
	}
	return fmt.Errorf("%s: %w", step, err)
}

// runReport runs one report: fetch, render, write, deliver.
func (r *runner) runReport(ctx context.Context, rc report.ReportConfig, apps []fetch.Application) int {
	start := r.clock()
	loc := rc.Location
	if loc == nil {
		loc = time.UTC
	}
	rep, missingAny, err := r.collect(ctx, rc, apps, loc)
	if err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			r.printLines(err)
			return exitUsage
		}
		fmt.Fprintf(r.stderr, "report %s: %s\n", rc.Name, oneLine(err))
		return exitFailure
	}

	base := fmt.Sprintf("%s_%s", rc.Name, r.o.now.In(loc).Format("2006-01-02"))
	dir := filepath.Join(r.o.out, rc.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(r.stderr, "report %s: %v\n", rc.Name, err)
		return exitFailure
	}
	arts, err := render(rep, rc.Email != nil)
	if err != nil {
		fmt.Fprintf(r.stderr, "report %s: render: %v\n", rc.Name, err)
		return exitFailure
	}
	var written []string
	for _, a := range arts.files {
		path := filepath.Join(dir, base+a.ext)
		if err := deliver.WriteFileBytes(path, a.data); err != nil {
			fmt.Fprintf(r.stderr, "report %s: write %s: %v\n", rc.Name, path, err)
			return exitFailure
		}
		written = append(written, a.ext)
	}

	sent := ""
	if rc.Email != nil {
		s, err := r.deliver(ctx, rc, rep, arts, dir, base)
		if err != nil {
			fmt.Fprintf(r.stderr, "report %s: email: %s (the artifacts are in %s)\n", rc.Name, oneLine(err), dir)
			return exitFailure
		}
		if s == ".eml" {
			written = append(written, ".eml")
		} else {
			sent = s
		}
	}

	st := rep.API
	fmt.Fprintf(r.stderr, "%s: wrote %s {%s}%s; %s, %s; api: %d requests, %d retries, %d rate-limited, waited %.1fs; took %.1fs\n",
		rc.Name, filepath.Join(dir, base), strings.Join(written, ","), sent,
		plural(len(firstApps(rep)), "app"), plural(len(rep.Periods), "period"),
		st.Requests, st.Retries, st.RateLimited, st.Wait.Seconds(), r.clock().Sub(start).Seconds())
	if missingAny {
		fmt.Fprintf(r.stderr, "%s: delivered with missing data: %s (listed under \"missing\" in %s.json and in every output)\n",
			rc.Name, missingSummary(rep), base)
		return exitPartial
	}
	return exitOK
}

// missingSummary says in a few words what a report lacks.
func missingSummary(rep report.Report) string {
	var parts []string
	if rep.UsersMissing != "" {
		parts = append(parts, "the user roster")
	}
	for _, p := range rep.Periods {
		n, apps := 0, 0
		for _, a := range p.Apps {
			n += len(a.Missing)
			if len(a.Missing) > 0 {
				apps++
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s of %s in %s", plural(n, "metric"), plural(apps, "app"), p.Name))
		}
	}
	return strings.Join(parts, "; ")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func firstApps(rep report.Report) []report.App {
	if len(rep.Periods) == 0 {
		return nil
	}
	return rep.Periods[0].Apps
}

type artifact struct {
	ext  string
	data []byte
}

type artifacts struct {
	files  []artifact
	charts []chart.Image
}

// render turns the model into every artifact, in memory: renderers are
// pure, and a render failure writes nothing. The email's PNG charts are
// drawn only for a report that has an email.
func render(rep report.Report, emailCharts bool) (artifacts, error) {
	var a artifacts
	js, err := report.MarshalJSON(rep)
	if err != nil {
		return a, fmt.Errorf("json: %w", err)
	}
	var xlsx, html bytes.Buffer
	if err := sheet.Write(&xlsx, rep); err != nil {
		return a, fmt.Errorf("workbook: %w", err)
	}
	if err := chart.WriteHTML(&html, rep); err != nil {
		return a, fmt.Errorf("html: %w", err)
	}
	a.files = []artifact{{".json", js}, {".xlsx", xlsx.Bytes()}, {".html", html.Bytes()}}
	if !emailCharts {
		return a, nil
	}
	a.charts, err = chart.EmailCharts(rep)
	if err != nil {
		return a, fmt.Errorf("email charts: %w", err)
	}
	return a, nil
}

// deliver builds the email and sends it, or writes it as <base>.eml on a
// dry run. It returns ".eml" or a note of what was sent.
func (r *runner) deliver(ctx context.Context, rc report.ReportConfig, rep report.Report, arts artifacts, dir, base string) (string, error) {
	smtp := r.cfg.SMTP
	s := deliver.Settings{
		Host: smtp.Host, Port: smtp.Port, Username: smtp.Username, From: smtp.From, TLS: smtp.TLS,
		CAFile: smtp.CAFile, MaxMessageBytes: smtp.MaxMessageBytes,
		To: rc.Email.To, Cc: rc.Email.Cc, Bcc: rc.Email.Bcc, Subject: rc.Email.Subject,
	}
	var imgs []deliver.Image
	for _, c := range arts.charts {
		imgs = append(imgs, deliver.Image{ContentID: c.ContentID, Name: c.Name, Alt: c.Alt, PNG: c.PNG, Width: c.Width, Height: c.Height})
	}
	var atts []deliver.Attachment
	for _, f := range arts.files {
		if f.ext == ".xlsx" || f.ext == ".html" {
			atts = append(atts, deliver.Attachment{Name: base + f.ext, Data: f.data, Path: filepath.Join(dir, base+f.ext)})
		}
	}
	if !report.ShouldSend(rc.Send, rep.Alerts) {
		// Not even a .eml on a dry run: it would show a mail that a real run
		// does not send.
		return "; no email (send: on_alert and nothing crossed a threshold)", nil
	}
	msg, info, err := deliver.Build(rep, s, imgs, atts)
	if err != nil {
		return "", err
	}
	for _, left := range info.LeftOut {
		r.log.Warn("attachment left out of the email for the size budget", "report", rc.Name, "attachment", left)
	}
	if r.o.dryRun {
		path := filepath.Join(dir, base+".eml")
		if err := deliver.WriteFileAtomic(path, func(w io.Writer) error { return deliver.WriteEML(w, msg) }); err != nil {
			return "", err
		}
		return ".eml", nil
	}
	pw, err := r.cfg.SMTPPassword(r.getenv)
	if err != nil {
		return "", err
	}
	s.Password = pw
	if err := deliver.Send(ctx, s, msg); err != nil {
		return "", err
	}
	return fmt.Sprintf("; emailed %d recipients", len(s.To)+len(s.Cc)+len(s.Bcc)), nil
}

// printLines prints an error one problem per line (config errors come
// joined, each as FILE:LINE: field.path: message).
func (r *runner) printLines(err error) {
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			fmt.Fprintln(r.stderr, l)
		}
	}
}

func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

func reportNames(rs []report.ReportConfig) string {
	var names []string
	for _, rc := range rs {
		names = append(names, rc.Name)
	}
	return strings.Join(names, ", ")
}
