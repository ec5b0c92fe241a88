package deliver

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
	"testing"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

// testReport is the fixture most tests mail: three apps, a previous period
// to compare with, an alert and a missing metric.
func testReport(t *testing.T, o reporttest.Options) report.Report {
	t.Helper()
	r := reporttest.Build(o)
	report.CompareWithPrevious(&r)
	return r
}

// chartPNG draws a small line chart (drawn at 2x) so the rendered mail
// shows something chart-like.
func chartPNG(t *testing.T, w, h int, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.White)
		}
	}
	grid := color.RGBA{0xe5, 0xe7, 0xeb, 0xff}
	for y := h / 5; y < h; y += h / 5 {
		for x := 0; x < w; x++ {
			img.Set(x, y, grid)
		}
	}
	line := []color.RGBA{{0x53, 0x33, 0xed, 0xff}, {0x06, 0x76, 0x47, 0xff}, {0xd9, 0x2d, 0x20, 0xff}}
	for s, c := range line {
		prev := -1
		for x := 0; x < w; x++ {
			y := h/2 + (s-1)*h/6 + int(float64(h/6)*math.Sin(float64(x+seed*37+s*50)/float64(w)*12))
			if prev >= 0 {
				lo, hi := min(prev, y), max(prev, y)
				for yy := lo; yy <= hi; yy++ {
					for d := -2; d <= 2; d++ {
						if yy+d >= 0 && yy+d < h {
							img.Set(x, yy+d, c)
						}
					}
				}
			}
			prev = y
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func testCharts(t *testing.T) []Image {
	return []Image{
		{ContentID: "chart-bandwidth@kinsta-report", Name: "bandwidth.png", Alt: "Bandwidth per day, all apps", PNG: chartPNG(t, 1200, 500, 1), Width: 600, Height: 250},
		{ContentID: "chart-p95@kinsta-report", Name: "p95.png", Alt: "P95 response time per day, all apps", PNG: chartPNG(t, 1200, 500, 2), Width: 600, Height: 250},
	}
}

func testAttachments(xlsxSize, htmlSize int) []Attachment {
	xlsx := make([]byte, xlsxSize)
	for i := range xlsx {
		xlsx[i] = byte(i*7 + i/251) // not compressible into a pattern the encoder could hide
	}
	htmlDoc := []byte("<!DOCTYPE html><title>report</title>" + strings.Repeat("<p>chart data é ✓</p>\n", max(htmlSize/24, 1)))
	return []Attachment{
		{Name: "weekly-ops_2026-11-23.xlsx", Data: xlsx, Path: "out/weekly-ops/weekly-ops_2026-11-23.xlsx"},
		{Name: "weekly-ops_2026-11-23.html", Data: htmlDoc, Path: "out/weekly-ops/weekly-ops_2026-11-23.html"},
	}
}

func testSettings() Settings {
	return Settings{
		Host: "127.0.0.1", TLS: "none",
		From:    "Kinsta Reports <reports@example.com>",
		To:      []string{"ops@example.com", "Lead Dev <lead@example.com>"},
		Cc:      []string{"cto@example.com"},
		Bcc:     []string{"archive@example.com"},
		Subject: "Kinsta {{.Report}}: {{.Start}} to {{.End}}{{if .Alerts}} ({{.Alerts}} alerts){{end}}",
	}
}

// part is a parsed MIME part: its headers, its decoded body and its
// children when it is multipart.
type part struct {
	Type     string
	Params   map[string]string
	Header   map[string][]string
	Body     []byte
	Children []*part
}

// tree is the MIME structure, e.g. multipart/mixed[multipart/related[...]].
func (p *part) tree() string {
	if len(p.Children) == 0 {
		return p.Type
	}
	var kids []string
	for _, c := range p.Children {
		kids = append(kids, c.tree())
	}
	return p.Type + "[" + strings.Join(kids, ",") + "]"
}

func (p *part) walk(f func(*part)) {
	f(p)
	for _, c := range p.Children {
		c.walk(f)
	}
}

func (p *part) find(typ string) *part {
	var got *part
	p.walk(func(q *part) {
		if got == nil && q.Type == typ {
			got = q
		}
	})
	return got
}

func parseMessage(t *testing.T, raw []byte) (*mail.Message, *part) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v", err)
	}
	p, err := parsePart(m.Header, m.Body)
	if err != nil {
		t.Fatalf("parse MIME: %v", err)
	}
	return m, p
}

func parsePart(h map[string][]string, body io.Reader) (*part, error) {
	get := func(k string) string {
		if v := h[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	ct := get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	typ, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, fmt.Errorf("content type %q: %w", ct, err)
	}
	p := &part{Type: typ, Params: params, Header: h}
	if strings.HasPrefix(typ, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			np, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
			c, err := parsePart(np.Header, np)
			if err != nil {
				return nil, err
			}
			p.Children = append(p.Children, c)
		}
		return p, nil
	}
	var r io.Reader = body
	switch strings.ToLower(get("Content-Transfer-Encoding")) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	}
	p.Body, err = io.ReadAll(r)
	return p, err
}

var cidRe = regexp.MustCompile(`src="cid:([^"]+)"`)

// checkMessage asserts what every report email must be: the MIME tree,
// every cid: of the HTML with its part, the attachments byte-identical.
func checkMessage(t *testing.T, root *part, wantTree string, atts []Attachment) (text, html string) {
	t.Helper()
	if got := root.tree(); got != wantTree {
		t.Errorf("MIME tree:\n got %s\nwant %s", got, wantTree)
	}
	tp, hp := root.find("text/plain"), root.find("text/html")
	if tp == nil || hp == nil {
		t.Fatalf("no text/plain or text/html part in %s", root.tree())
	}
	ids := map[string]*part{}
	root.walk(func(p *part) {
		if v := p.Header["Content-Id"]; len(v) > 0 {
			id := v[0]
			if !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, ">") {
				t.Errorf("Content-ID %q: want angle brackets", id)
			}
			ids[strings.Trim(id, "<>")] = p
		}
	})
	cids := cidRe.FindAllStringSubmatch(string(hp.Body), -1)
	for _, m := range cids {
		p, ok := ids[m[1]]
		if !ok {
			t.Errorf("cid:%s in the HTML has no part", m[1])
			continue
		}
		if p.Type != "image/png" || !bytes.HasPrefix(p.Body, []byte("\x89PNG")) {
			t.Errorf("cid:%s is %s, not a PNG", m[1], p.Type)
		}
	}
	for _, a := range atts {
		var got *part
		root.walk(func(p *part) {
			if p.Params["name"] == a.Name {
				got = p
			}
		})
		if got == nil {
			t.Errorf("attachment %s not found", a.Name)
			continue
		}
		if d := got.Header["Content-Disposition"]; len(d) == 0 || !strings.HasPrefix(d[0], "attachment") {
			t.Errorf("attachment %s: Content-Disposition %q", a.Name, d)
		}
		if !bytes.Equal(got.Body, a.Data) {
			t.Errorf("attachment %s: %d bytes differ from the %d given", a.Name, len(got.Body), len(a.Data))
		}
	}
	return string(tp.Body), string(hp.Body)
}
