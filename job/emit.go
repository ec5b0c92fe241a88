package job

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/kinsta-report/kinsta-report/internal/state"
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
	emailResent  = "resent"
	emailTaken   = "taken"
)

// deliver decides whether the email goes out (send: on_alert) and builds
// and sends it, or writes it as <base>.eml on a dry run. It returns the
// outcome and a note for the report's line.
func (r *run) deliver(ctx context.Context, rc report.ReportConfig, d due, rep report.Report, arts artifacts, dir, base string) (outcome, note string, err error) {
	smtp := r.cfg.SMTP
	s := deliver.Settings{
		Host: smtp.Host, Port: smtp.Port, Username: smtp.Username, From: smtp.From, TLS: smtp.TLS,
		CAFile: smtp.CAFile, MaxMessageBytes: smtp.MaxMessageBytes,
		To: rc.Email.To, Cc: rc.Email.Cc, Bcc: rc.Email.Bcc, Subject: rc.Email.Subject,
		MessageID: MessageID(r.company, rc.Name, d.Date),
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
		// does not send. The due date is done all the same.
		if err := r.markWritten(rc, d); err != nil {
			return "", "", err
		}
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
	send := func() error {
		if r.o.send != nil {
			var eml bytes.Buffer
			if err := deliver.WriteEML(&eml, msg); err != nil {
				return err
			}
			return r.o.send(ctx, s, eml.Bytes())
		}
		return deliver.Send(ctx, s, msg, r.o.sendOptions...)
	}
	// "Message-ID" converts to go-mail's header type: the job does not
	// import go-mail (docs/ARCHITECTURE.md).
	id := strings.Join(msg.GetGenHeader("Message-ID"), " ")
	return r.sendOnce(rc, d, s, id, send)
}

// sendOnce sends msg under the send ledger: claim, send, confirm. A due
// date another run claimed first is not sent. A failed send leaves the
// claim: the next run reports it and does not send (the server may have
// taken the message before failing); -resend sends it. -resend of a due
// date the ledger holds sends without a claim and records the resend.
func (r *run) sendOnce(rc report.ReportConfig, d due, s deliver.Settings, id string, send func() error) (outcome, note string, err error) {
	recipients := len(s.To) + len(s.Cc) + len(s.Bcc)
	ledger := d.gated && r.writeLedger
	if ledger && d.held == state.None {
		if _, err := r.ledger.Claim(rc.Name, d.Date, r.o.Clock(), id); err != nil {
			if errors.Is(err, state.ErrTaken) {
				return emailTaken, "; not emailed: " + err.Error(), nil
			}
			return "", "", fmt.Errorf("claim in the send ledger before sending: %w", err)
		}
		if err := r.checkpoint(stepClaimed); err != nil {
			return "", "", err
		}
	}
	if err := send(); err != nil {
		if ledger && d.held == state.None {
			return "", "", fmt.Errorf("%w; the due date stays claimed, so later runs report it and do not send it (use -resend once the cause is fixed)", err)
		}
		return "", "", err
	}
	if err := r.checkpoint(stepSent); err != nil {
		return "", "", err
	}
	outcome, note = emailSent, fmt.Sprintf("; emailed %d recipients", recipients)
	if d.held != state.None {
		outcome, note = emailResent, fmt.Sprintf("; emailed %d recipients again (-resend; it was %s; same Message-ID %s)", recipients, d.held, id)
	}
	if !ledger {
		return outcome, note, nil
	}
	switch d.held {
	case state.None, state.Claimed:
		// A claim is closed by its confirmation, a resent one included.
		err = r.ledger.Confirm(rc.Name, d.Date, r.o.Clock())
	default:
		err = r.ledger.Resent(rc.Name, d.Date, r.o.Clock(), id)
	}
	if err != nil {
		return "", "", fmt.Errorf("sent, but not recorded in the send ledger (the next run reports it as begun and does not send it again): %w", err)
	}
	if err := r.checkpoint(stepConfirmed); err != nil {
		return "", "", err
	}
	return outcome, note, nil
}
