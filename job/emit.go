package job

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/chart"
	"github.com/kinsta-report/kinsta-report/report/deliver"
	"github.com/kinsta-report/kinsta-report/report/sheet"
)

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

// Email outcomes of ReportResult.Email.
const (
	emailSent    = "sent"
	emailEML     = "eml"
	emailSkipped = "skipped"
)

// deliver decides whether the email goes out (send: on_alert) and builds
// and sends it, or writes it as <base>.eml on a dry run. It returns the
// outcome and a note for the report's line.
func (r *run) deliver(ctx context.Context, rc report.ReportConfig, rep report.Report, arts artifacts, dir, base string) (outcome, note string, err error) {
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
		return emailSkipped, "; no email (send: on_alert and nothing crossed a threshold)", nil
	}
	msg, info, err := deliver.Build(rep, s, imgs, atts)
	if err != nil {
		return "", "", err
	}
	for _, left := range info.LeftOut {
		r.log.Warn("attachment left out of the email for the size budget", "report", rc.Name, "attachment", left)
	}
	if r.o.DryRun {
		path := filepath.Join(dir, base+".eml")
		if err := deliver.WriteFileAtomic(path, func(w io.Writer) error { return deliver.WriteEML(w, msg) }); err != nil {
			return "", "", err
		}
		return emailEML, "", nil
	}
	pw, err := r.cfg.SMTPPassword(r.o.Getenv)
	if err != nil {
		return "", "", err
	}
	s.Password = pw
	if err := deliver.Send(ctx, s, msg); err != nil {
		return "", "", err
	}
	return emailSent, fmt.Sprintf("; emailed %d recipients", len(s.To)+len(s.Cc)+len(s.Bcc)), nil
}
