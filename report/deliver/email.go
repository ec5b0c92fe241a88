package deliver

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	netmail "net/mail"
	"net/textproto"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/templates"
)

// DefaultMaxMessageBytes is the size budget of an email when Settings does
// not set one: 10 MB, the limit Grafana and Metabase use and that every
// common provider accepts.
const DefaultMaxMessageBytes = 10_000_000

// Image is a chart to show in the email body as an inline (cid:) PNG part.
type Image struct {
	// ContentID identifies the part; letters, digits and . _ - @ only,
	// without angle brackets (e.g. "chart-bandwidth@kinsta-report").
	ContentID string
	// Name is the part's file name (default ContentID + ".png").
	Name string
	// Alt is shown where images are blocked.
	Alt string
	PNG []byte
	// Width and Height are the display size in CSS pixels (the PNG itself
	// may be drawn at 2x). Wider than the 600 px mail column, the image is
	// scaled down keeping its aspect ratio.
	Width, Height int
}

// Attachment is a file attached to the email (the workbook, the HTML report).
type Attachment struct {
	Name string
	Data []byte
	// Path is where the artifact was written; the body names it when the
	// attachment is left out for the size budget.
	Path string
}

// Settings are the SMTP connection and the recipients of one report's email.
type Settings struct {
	Host     string
	Port     int
	Username string
	// Password comes from the environment variable smtp.password_env names;
	// it never appears in an error.
	Password string
	From     string
	// TLS is starttls (the default: STARTTLS is mandatory), tls (implicit
	// TLS, usually port 465) or none (plain SMTP, for local relays only).
	// Certificates are always verified.
	TLS string
	// CAFile is an optional PEM file of extra trusted CA certificates.
	CAFile string
	// MaxMessageBytes is the size budget of the encoded message (default
	// DefaultMaxMessageBytes).
	MaxMessageBytes int64
	To, Cc, Bcc     []string
	// Subject is a text/template source with .Report, .Start, .End (dates
	// like 2026-11-16; End is the last day inside the period), .Period and
	// .Alerts (the number of threshold crossings). Default report.DefaultSubject;
	// for a one-day period the default shows the day once (oneDaySubject).
	Subject string
	// MessageID is the left part of the Message-ID (before the @); empty
	// means a random one. The right part is the domain of From, never the
	// machine's host name.
	MessageID string
}

// BuildInfo says what Build made.
type BuildInfo struct {
	// Size is the encoded message in bytes.
	Size int64
	// Budget is the size budget that applied.
	Budget int64
	// LeftOut names the attachments left out to stay within the budget,
	// largest first. The body names them and their artifact paths.
	LeftOut []string
	// LeftOutCharts are the content ids of the inline charts left out
	// (after every attachment, largest first) to stay within the budget.
	// The body says so; the HTML report still has the charts.
	LeftOutCharts []string
}

// omitted is an attachment left out of the email for the size budget.
type omitted struct {
	Name string
	Path string
	Size int64
}

// renderSubject renders the report's subject template with
// report.EmailConfig.RenderSubject, the same code that checks it when the
// config loads (and with -check), so what was validated is what is sent.
func renderSubject(src string, d report.SubjectData) (string, error) {
	if (src == "" || src == report.DefaultSubject) && d.Start != "" && d.Start == d.End {
		src = oneDaySubject
	}
	s, err := (&report.EmailConfig{Subject: src}).RenderSubject(d)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", errors.New("email subject: the template gives an empty subject")
	}
	return s, nil
}

// oneDaySubject replaces report.DefaultSubject when the first period is one
// day: "Kinsta shop: 2026-11-29", not "2026-11-29 to 2026-11-29".
const oneDaySubject = "Kinsta {{.Report}}: {{.Start}}"

func subjectDataOf(r report.Report) report.SubjectData {
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	d := report.SubjectData{Report: r.Name, Alerts: len(r.Alerts)}
	if len(r.Periods) > 0 {
		p := r.Periods[0]
		d.Period = p.Name
		d.Start = p.Start.In(loc).Format(time.DateOnly)
		d.End = report.LastDay(p.End, loc).Format(time.DateOnly)
	}
	return d
}

var (
	htmlBody = sync.OnceValues(func() (*htmltemplate.Template, error) {
		return htmltemplate.New("email.html.tmpl").Parse(templates.EmailHTML)
	})
	textBody = sync.OnceValues(func() (*texttemplate.Template, error) {
		return texttemplate.New("email.txt.tmpl").Parse(templates.EmailText)
	})
)

// contentIDRe keeps cid: references plain, so they need no escaping in the
// HTML and match the Content-ID header byte for byte.
var contentIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]*$`)

// mailColumn is the width of the body's content column in CSS pixels.
const mailColumn = 600

// Build makes the report email: multipart/mixed holding multipart/related
// (multipart/alternative with text/plain and text/html, then the PNG charts
// as cid: parts), then the attachments. When the encoded message is over
// the size budget it leaves out the largest attachments, then the largest
// charts, until it fits, and says so in the body; if the text alone does
// not fit, Build returns an error.
func Build(r report.Report, s Settings, charts []Image, atts []Attachment) (*mail.Msg, BuildInfo, error) {
	r = report.ForDisplay(r) // API text as people see it: no controls, bidi isolated, capped
	info := BuildInfo{Budget: s.MaxMessageBytes}
	if info.Budget == 0 {
		info.Budget = DefaultMaxMessageBytes
	}
	if info.Budget < 0 {
		return nil, info, fmt.Errorf("build email: max message size %d is negative", s.MaxMessageBytes)
	}
	if s.From == "" {
		return nil, info, errors.New("build email: no from address")
	}
	if len(s.To)+len(s.Cc)+len(s.Bcc) == 0 {
		return nil, info, errors.New("build email: no recipients (to, cc and bcc are empty)")
	}
	subject, err := renderSubject(s.Subject, subjectDataOf(r))
	if err != nil {
		return nil, info, err
	}
	if _, err := chartViews(charts); err != nil {
		return nil, info, err
	}
	for i, a := range atts {
		if a.Name == "" || a.Name != filepath.Base(a.Name) {
			return nil, info, fmt.Errorf("build email: attachment %d: bad file name %q", i, a.Name)
		}
	}
	id := s.MessageID
	if id == "" {
		id = randomID()
	}
	msgID := messageID(id, domainOf(s.From))

	included := slices.Clone(atts)
	shown := slices.Clone(charts)
	var left []omitted
	var leftCharts []Image
	for {
		cv, err := chartViews(shown)
		if err != nil {
			return nil, info, err
		}
		msg, err := compose(r, s, subject, msgID, shown, cv, included, left, leftCharts, info.Budget)
		if err != nil {
			return nil, info, err
		}
		var cw countingWriter
		if _, err := msg.WriteTo(&cw); err != nil {
			return nil, info, fmt.Errorf("build email: encode: %w", err)
		}
		info.Size = cw.n
		if cw.n <= info.Budget {
			return msg, info, nil
		}
		switch {
		case len(included) > 0:
			// Leave out the largest attachment that is still in.
			big := 0
			for i, a := range included {
				if len(a.Data) > len(included[big].Data) {
					big = i
				}
			}
			a := included[big]
			left = append(left, omitted{Name: a.Name, Path: a.Path, Size: int64(len(a.Data))})
			info.LeftOut = append(info.LeftOut, a.Name)
			included = slices.Delete(included, big, big+1)
		case len(shown) > 0:
			// Then the largest chart: the figures are text, the HTML
			// report draws the charts.
			big := 0
			for i, c := range shown {
				if len(c.PNG) > len(shown[big].PNG) {
					big = i
				}
			}
			leftCharts = append(leftCharts, shown[big])
			info.LeftOutCharts = append(info.LeftOutCharts, shown[big].ContentID)
			shown = slices.Delete(shown, big, big+1)
		default:
			return nil, info, fmt.Errorf("build email: the message is %s without any attachment or chart, over the size budget of %s (%d bytes)",
				formatSize(cw.n), formatSize(info.Budget), info.Budget)
		}
	}
}

// messageID is the Message-ID value (without the angle brackets go-mail
// adds) for id at domain: characters a Message-ID cannot hold (RFC 5322
// dot-atom text) become "-". It never names the machine it was made on.
func messageID(id, domain string) string {
	clean := func(s, fallback string) string {
		var b strings.Builder
		for _, r := range s {
			if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".!#$%&'*+/=?^_`{|}~-", r)) {
				b.WriteRune(r)
			} else {
				b.WriteByte('-')
			}
		}
		out := strings.Trim(b.String(), ".")
		for strings.Contains(out, "..") {
			out = strings.ReplaceAll(out, "..", ".")
		}
		if out == "" {
			return fallback
		}
		return out
	}
	return clean(id, "report") + "@" + clean(domain, defaultIDDomain)
}

// defaultIDDomain is the Message-ID's domain when From has none.
const defaultIDDomain = "kinsta-report"

// domainOf is the domain of the From address ("Reports <r@example.com>"
// gives example.com), or defaultIDDomain.
func domainOf(from string) string {
	a, err := netmail.ParseAddress(from)
	if err != nil {
		return defaultIDDomain
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at < 0 || at == len(a.Address)-1 {
		return defaultIDDomain
	}
	return strings.ToLower(a.Address[at+1:])
}

// randomID is 128 random bits in hex, for a Message-ID nobody derived.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

func chartViews(charts []Image) ([]chartView, error) {
	seen := map[string]bool{}
	var out []chartView
	for i, c := range charts {
		switch {
		case !contentIDRe.MatchString(c.ContentID):
			return nil, fmt.Errorf("build email: chart %d: content id %q: want letters, digits, '.', '_', '-' or '@'", i, c.ContentID)
		case seen[c.ContentID]:
			return nil, fmt.Errorf("build email: chart %d: content id %q is used twice", i, c.ContentID)
		case len(c.PNG) == 0:
			return nil, fmt.Errorf("build email: chart %q has no PNG data", c.ContentID)
		case c.Width <= 0 || c.Height <= 0:
			return nil, fmt.Errorf("build email: chart %q: display size %dx%d: want a positive width and height", c.ContentID, c.Width, c.Height)
		}
		seen[c.ContentID] = true
		w, h := c.Width, c.Height
		if w > mailColumn {
			h = (h*mailColumn + w/2) / w
			w = mailColumn
		}
		out = append(out, chartView{Src: "cid:" + c.ContentID, Alt: c.Alt, Width: w, Height: h})
	}
	return out, nil
}

func compose(r report.Report, s Settings, subject, msgID string, charts []Image, cv []chartView, included []Attachment, left []omitted, leftCharts []Image, budget int64) (*mail.Msg, error) {
	var attached, leftOut []fileView
	for _, a := range included {
		attached = append(attached, fileView{Name: a.Name, Size: formatSize(int64(len(a.Data))), About: about(a.Name)})
	}
	for _, o := range left {
		p := o.Path
		if p == "" {
			p = o.Name
		}
		leftOut = append(leftOut, fileView{Name: o.Name, Size: formatSize(o.Size), About: about(o.Name), Path: filepath.ToSlash(p)})
	}
	view := newView(r, cv, attached, leftOut, budget)
	for _, c := range leftCharts {
		view.OmittedCharts = append(view.OmittedCharts, c.Alt)
	}
	// html/template would refuse a dynamic cid: URL; the content id is
	// checked against contentIDRe, so it is safe as it is.
	type htmlChart struct {
		Src           htmltemplate.URL
		Alt           string
		Width, Height int
	}
	hv := struct {
		emailView
		Charts []htmlChart
	}{emailView: view}
	for _, c := range cv {
		hv.Charts = append(hv.Charts, htmlChart{Src: htmltemplate.URL(c.Src), Alt: c.Alt, Width: c.Width, Height: c.Height})
	}

	ht, err := htmlBody()
	if err != nil {
		return nil, fmt.Errorf("build email: html template: %w", err)
	}
	tt, err := textBody()
	if err != nil {
		return nil, fmt.Errorf("build email: text template: %w", err)
	}
	var hb, tb bytes.Buffer
	if err := ht.Execute(&hb, hv); err != nil {
		return nil, fmt.Errorf("build email: html body: %w", err)
	}
	if err := tt.Execute(&tb, view); err != nil {
		return nil, fmt.Errorf("build email: text body: %w", err)
	}

	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := m.From(s.From); err != nil {
		return nil, fmt.Errorf("build email: from %q: %w", s.From, err)
	}
	for _, set := range []struct {
		field string
		addrs []string
		fn    func(...string) error
	}{{"to", s.To, m.To}, {"cc", s.Cc, m.Cc}, {"bcc", s.Bcc, m.Bcc}} {
		if len(set.addrs) == 0 {
			continue
		}
		if err := set.fn(set.addrs...); err != nil {
			return nil, fmt.Errorf("build email: %s: %w", set.field, err)
		}
	}
	m.Subject(subject)
	if !r.GeneratedAt.IsZero() {
		m.SetDateWithValue(r.GeneratedAt)
	}
	m.SetMessageIDWithValue(msgID)
	m.SetUserAgent("kinsta-report")
	// RFC 3834: keeps vacation responders from answering a report.
	m.SetGenHeader(mail.Header("Auto-Submitted"), "auto-generated")
	m.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	m.SetBodyString(mail.TypeTextPlain, tb.String())
	m.AddAlternativeString(mail.TypeTextHTML, hb.String())

	var embeds []*mail.File
	for _, c := range charts {
		name := c.Name
		if name == "" {
			name = c.ContentID + ".png"
		}
		f := memFile(name, c.PNG, "image/png")
		// go-mail writes the value as is: the brackets are ours (RFC 2392).
		f.Header.Set(string(mail.HeaderContentID), "<"+c.ContentID+">")
		embeds = append(embeds, f)
	}
	m.SetEmbeds(embeds)
	var files []*mail.File
	for _, a := range included {
		files = append(files, memFile(a.Name, a.Data, contentType(a.Name)))
	}
	m.SetAttachments(files)
	return m, nil
}

// memFile is a part whose content can be written any number of times (a
// size measurement, a dry run, retried sends), even after a failed write.
func memFile(name string, data []byte, ct string) *mail.File {
	return &mail.File{
		Name:        name,
		ContentType: mail.ContentType(ct),
		Header:      textproto.MIMEHeader{},
		Writer: func(w io.Writer) (int64, error) {
			n, err := w.Write(data)
			return int64(n), err
		},
	}
}

func contentType(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case ".html", ".htm":
		return "text/html; charset=utf-8"
	case ".json":
		return "application/json"
	case ".png":
		return "image/png"
	case ".csv":
		return "text/csv; charset=utf-8"
	default:
		return "application/octet-stream"
	}
}

func about(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx":
		return "workbook with every series, the slowest requests and the summaries"
	case ".html", ".htm":
		return "interactive charts; opens offline in a browser"
	case ".json":
		return "the report as JSON"
	default:
		return ""
	}
}

// WriteEML writes msg as a MIME message (an .eml file), exactly as Send
// would transmit it (without the Bcc header, as on the wire).
func WriteEML(w io.Writer, msg *mail.Msg) error {
	if msg == nil {
		return errors.New("write eml: no message")
	}
	if _, err := msg.WriteTo(w); err != nil {
		return fmt.Errorf("write eml: %w", err)
	}
	return nil
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
