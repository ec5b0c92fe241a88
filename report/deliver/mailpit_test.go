package deliver

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/internal/peer"
	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

// mailpit is a real SMTP server started by a test on loopback ports, read
// back through its HTTP API.
type mailpit struct {
	smtpPort int
	api      string
}

func freePort(t *testing.T) int { return peer.FreePort(t) }

func startMailpit(t *testing.T, extra ...string) *mailpit {
	t.Helper()
	port, api := peer.Mailpit(t, extra...)
	return &mailpit{smtpPort: port, api: api}
}

func (mp *mailpit) get(t *testing.T, path string) []byte {
	t.Helper()
	resp, err := http.Get(mp.api + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v: %s", path, resp.StatusCode, err, b)
	}
	return b
}

func (mp *mailpit) do(t *testing.T, method, path, body string) {
	t.Helper()
	req, err := http.NewRequest(method, mp.api+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d: %s", method, path, resp.StatusCode, b)
	}
}

type mpAddress struct{ Name, Address string }

type mpAttachment struct {
	PartID, FileName, ContentType, ContentID string
	Size                                     int
}

type mpMessage struct {
	ID, Subject string
	MessageID   string // without the angle brackets
	From        mpAddress
	To, Cc, Bcc []mpAddress
	Text, HTML  string
	Inline      []mpAttachment
	Attachments []mpAttachment
}

// only returns the one message mailpit holds, in full.
func (mp *mailpit) only(t *testing.T) mpMessage {
	t.Helper()
	var list struct {
		Total    int
		Messages []struct{ ID string }
	}
	if err := json.Unmarshal(mp.get(t, "/api/v1/messages"), &list); err != nil {
		t.Fatal(err)
	}
	if list.Total != 1 || len(list.Messages) != 1 {
		t.Fatalf("mailpit holds %d messages, want 1", list.Total)
	}
	var m mpMessage
	if err := json.Unmarshal(mp.get(t, "/api/v1/message/"+list.Messages[0].ID), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func (mp *mailpit) clear(t *testing.T) { mp.do(t, http.MethodDelete, "/api/v1/messages", "") }

func addresses(as []mpAddress) string {
	var s []string
	for _, a := range as {
		s = append(s, a.Address)
	}
	return strings.Join(s, ",")
}

// sleeps records the waits Send asked for and returns at once.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.d)
}

func (mp *mailpit) settings() Settings {
	s := testSettings()
	s.Port = mp.smtpPort
	return s
}

// TestMailpit sends report emails through a real SMTP server and reads
// them back: subject, recipients, the MIME tree, cid: parts, attachments
// byte-identical, the size budget, hostile names, a transient 451.
func TestMailpit(t *testing.T) {
	t.Parallel()
	mp := startMailpit(t, "--smtp-auth-accept-any", "--smtp-auth-allow-insecure", "--enable-chaos")

	// A one-day report under a budget smaller than its charts: sent
	// without them, saying so, its subject naming the day once.
	t.Run("charts over budget", func(t *testing.T) {
		mp.clear(t)
		r := testReport(t, reporttest.Options{Apps: 2, Days: 1, Start: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)})
		s := mp.settings()
		s.Subject = ""
		s.MaxMessageBytes = 15_000
		msg, info, err := Build(r, s, testCharts(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := Send(t.Context(), s, msg, WithSleep(new(sleeps).sleep), WithTimeout(10*time.Second)); err != nil {
			t.Fatal(err)
		}
		m := mp.only(t)
		if m.Subject != "Kinsta weekly-ops: 2026-11-29" {
			t.Errorf("subject %q", m.Subject)
		}
		if len(m.Inline) != 0 || len(info.LeftOutCharts) != 2 {
			t.Errorf("inline parts %+v, left out %q; want the 2 charts left out", m.Inline, info.LeftOutCharts)
		}
		if !strings.Contains(m.Text, "2 charts (the HTML report draws them") || !strings.Contains(m.HTML, "2 charts (the HTML report draws them") {
			t.Errorf("no note of the left-out charts:\n%s", m.Text)
		}
	})

	t.Run("full report", func(t *testing.T) {
		mp.clear(t)
		r := testReport(t, reporttest.Options{WithPrevious: true, WithAlerts: true, MissingMetric: report.MemoryUsage})
		atts := testAttachments(300_000, 60_000)
		s := mp.settings()
		s.Username, s.Password = "reports", "not-checked-here"
		s.MessageID = "acme.weekly-ops.2026-11-23"
		msg, _, err := Build(r, s, testCharts(t), atts)
		if err != nil {
			t.Fatal(err)
		}
		var sl sleeps
		if err := Send(t.Context(), s, msg, WithSleep(sl.sleep), WithTimeout(10*time.Second)); err != nil {
			t.Fatal(err)
		}
		m := mp.only(t)
		if m.Subject != "Kinsta weekly-ops: 2026-11-16 to 2026-11-22 (1 alerts)" {
			t.Errorf("subject %q", m.Subject)
		}
		if m.MessageID != "acme.weekly-ops.2026-11-23@example.com" {
			t.Errorf("Message-ID %q, want the given id at the From domain", m.MessageID)
		}
		if got := addresses(m.To); got != "ops@example.com,lead@example.com" {
			t.Errorf("to %s", got)
		}
		if got := addresses(m.Cc); got != "cto@example.com" {
			t.Errorf("cc %s", got)
		}
		if got := addresses(m.Bcc); got != "archive@example.com" {
			t.Errorf("bcc (from the envelope) %s", got)
		}
		if m.From.Address != "reports@example.com" || m.From.Name != "Kinsta Reports" {
			t.Errorf("from %+v", m.From)
		}
		// Inline parts and attachments as mailpit sees them, byte for byte.
		charts := testCharts(t)
		if len(m.Inline) != len(charts) {
			t.Fatalf("inline parts %+v", m.Inline)
		}
		for i, in := range m.Inline {
			if in.ContentID != charts[i].ContentID || in.ContentType != "image/png" {
				t.Errorf("inline %d: %+v", i, in)
			}
			if !strings.Contains(m.HTML, `src="cid:`+in.ContentID+`"`) {
				t.Errorf("HTML does not show cid:%s", in.ContentID)
			}
			if got := mp.get(t, "/api/v1/message/"+m.ID+"/part/"+in.PartID); !bytes.Equal(got, charts[i].PNG) {
				t.Errorf("chart %s differs", in.ContentID)
			}
		}
		if len(m.Attachments) != len(atts) {
			t.Fatalf("attachments %+v", m.Attachments)
		}
		for i, a := range m.Attachments {
			if a.FileName != atts[i].Name {
				t.Errorf("attachment %d is %s, want %s", i, a.FileName, atts[i].Name)
			}
			if got := mp.get(t, "/api/v1/message/"+m.ID+"/part/"+a.PartID); !bytes.Equal(got, atts[i].Data) {
				t.Errorf("attachment %s: %d bytes, not identical to the %d given", a.FileName, len(got), len(atts[i].Data))
			}
		}
		// The raw message as received: the MIME tree and every cid: part.
		_, root := parseMessage(t, mp.get(t, "/api/v1/message/"+m.ID+"/raw"))
		checkMessage(t, root, fullTree, atts)
		if sl.count() != 0 {
			t.Errorf("%d retries on a healthy server", sl.count())
		}
		if err := Send(t.Context(), s, msg); err == nil || !strings.Contains(err.Error(), "delivered already") {
			t.Errorf("a second Send of the same message: %v", err)
		}
	})

	t.Run("size budget", func(t *testing.T) {
		mp.clear(t)
		r := testReport(t, reporttest.Options{})
		atts := testAttachments(1_500_000, 20_000)
		s := mp.settings()
		s.MaxMessageBytes = 1_000_000
		msg, info, err := Build(r, s, testCharts(t), atts)
		if err != nil {
			t.Fatal(err)
		}
		if len(info.LeftOut) != 1 {
			t.Fatalf("left out %q", info.LeftOut)
		}
		if err := Send(t.Context(), s, msg, WithTimeout(10*time.Second)); err != nil {
			t.Fatal(err)
		}
		m := mp.only(t)
		if len(m.Attachments) != 1 || m.Attachments[0].FileName != atts[1].Name {
			t.Errorf("attachments %+v, want only the html", m.Attachments)
		}
		for _, body := range []string{m.Text, m.HTML} {
			if !strings.Contains(body, "Left out of this email") || !strings.Contains(body, atts[0].Path) {
				t.Errorf("the body does not say the xlsx was left out")
			}
		}
	})

	t.Run("hostile names", func(t *testing.T) {
		mp.clear(t)
		r := testReport(t, reporttest.Options{Apps: 4, HostileNames: true})
		msg, _, err := Build(r, mp.settings(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := Send(t.Context(), mp.settings(), msg, WithTimeout(10*time.Second)); err != nil {
			t.Fatal(err)
		}
		m := mp.only(t)
		for _, h := range reporttest.Hostile[:4] {
			if !strings.Contains(m.Text, h) {
				t.Errorf("text does not show %q literally", h)
			}
		}
		for _, raw := range []string{"<script>", "<img src=x"} {
			if strings.Contains(m.HTML, raw) {
				t.Errorf("HTML holds raw %q", raw)
			}
		}
	})

	t.Run("transient 451 then delivered", func(t *testing.T) {
		mp.clear(t)
		mp.do(t, http.MethodPut, "/api/v1/chaos", `{"Sender":{"ErrorCode":451,"Probability":100}}`)
		t.Cleanup(func() { mp.do(t, http.MethodPut, "/api/v1/chaos", `{"Sender":{"ErrorCode":451,"Probability":0}}`) })
		msg, _, err := Build(testReport(t, reporttest.Options{Apps: 1}), mp.settings(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var sl sleeps
		var hooked []string
		heal := func(attempt int, _ time.Duration, err error) {
			hooked = append(hooked, err.Error())
			if attempt == 2 {
				mp.do(t, http.MethodPut, "/api/v1/chaos", `{"Sender":{"ErrorCode":451,"Probability":0}}`)
			}
		}
		err = Send(t.Context(), mp.settings(), msg, WithSleep(sl.sleep), WithRetryHook(heal), WithBackoff(time.Second, 3*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if len(sl.d) != 2 || sl.d[0] != time.Second || sl.d[1] != 2*time.Second {
			t.Errorf("waits %v, want [1s 2s]", sl.d)
		}
		if len(hooked) != 2 || !strings.Contains(hooked[0], "451") {
			t.Errorf("retry hook saw %q", hooked)
		}
		mp.only(t)
	})

	t.Run("permanent 550", func(t *testing.T) {
		mp.clear(t)
		mp.do(t, http.MethodPut, "/api/v1/chaos", `{"Recipient":{"ErrorCode":550,"Probability":100}}`)
		t.Cleanup(func() { mp.do(t, http.MethodPut, "/api/v1/chaos", `{"Recipient":{"ErrorCode":550,"Probability":0}}`) })
		msg, _, err := Build(testReport(t, reporttest.Options{Apps: 1}), mp.settings(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var sl sleeps
		err = Send(t.Context(), mp.settings(), msg, WithSleep(sl.sleep))
		if err == nil || !strings.Contains(err.Error(), "550") || !strings.Contains(err.Error(), "permanent") {
			t.Fatalf("error %v, want a permanent 550", err)
		}
		if sl.count() != 0 {
			t.Errorf("a 5xx was retried %d times", sl.count())
		}
	})
}

func TestMailpitWrongPassword(t *testing.T) {
	t.Parallel()
	auth := filepath.Join(t.TempDir(), "smtp-auth")
	if err := os.WriteFile(auth, []byte("reports:the-right-one\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mp := startMailpit(t, "--smtp-auth-file", auth, "--smtp-auth-allow-insecure")
	r := testReport(t, reporttest.Options{Apps: 1})
	s := mp.settings()
	s.Username, s.Password = "reports", "Wr0ng-Secret-9f1c"
	msg, _, err := Build(r, s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var sl sleeps
	err = Send(t.Context(), s, msg, WithSleep(sl.sleep))
	if err == nil {
		t.Fatal("sent with a wrong password")
	}
	t.Logf("error: %v", err)
	if !strings.Contains(err.Error(), "535") || !strings.Contains(err.Error(), "permanent") {
		t.Errorf("error %q lacks the server's 535 answer", err)
	}
	if strings.Contains(err.Error(), s.Password) {
		t.Errorf("error shows the password: %q", err)
	}
	if sl.count() != 0 {
		t.Errorf("an auth failure was retried %d times", sl.count())
	}

	// The right password goes through.
	s.Password = "the-right-one"
	if err := Send(t.Context(), s, msg); err != nil {
		t.Fatal(err)
	}
	mp.only(t)
}

// selfSigned writes a certificate for 127.0.0.1 and localhost and its key
// as PEM files.
func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// A fixed validity window around the fixtures' dates and today's
	// runs; no clock read.
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(42),
		Subject:               pkix.Name{CommonName: "kinsta-report test SMTP"},
		NotBefore:             time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestMailpitSTARTTLS(t *testing.T) {
	t.Parallel()
	cert, key := selfSigned(t)
	mp := startMailpit(t, "--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-require-starttls", "--smtp-auth-accept-any")
	msg, _, err := Build(testReport(t, reporttest.Options{Apps: 1}), mp.settings(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("unknown authority", func(t *testing.T) {
		s := mp.settings()
		s.TLS = "starttls"
		var sl sleeps
		err := Send(t.Context(), s, msg, WithSleep(sl.sleep))
		if err == nil || !strings.Contains(err.Error(), "x509") || !strings.Contains(err.Error(), "unknown authority") {
			t.Fatalf("error %v, want x509 unknown authority", err)
		}
		if sl.count() != 0 {
			t.Errorf("a certificate failure was retried")
		}
	})
	t.Run("plain refused", func(t *testing.T) {
		s := mp.settings() // tls: none
		err := Send(t.Context(), s, msg, WithSleep(new(sleeps).sleep))
		if err == nil || !strings.Contains(err.Error(), "530") {
			t.Fatalf("error %v, want the server's 530", err)
		}
	})
	t.Run("CA file", func(t *testing.T) {
		s := mp.settings()
		s.TLS, s.CAFile = "starttls", cert
		s.Username, s.Password = "reports", "secret" // PLAIN, now encrypted
		if err := Send(t.Context(), s, msg); err != nil {
			t.Fatal(err)
		}
		mp.only(t)
	})
}

func TestMailpitImplicitTLS(t *testing.T) {
	t.Parallel()
	cert, key := selfSigned(t)
	mp := startMailpit(t, "--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-require-tls", "--smtp-auth-accept-any")
	s := mp.settings()
	s.TLS, s.CAFile = "tls", cert
	s.Username, s.Password = "reports", "secret"
	msg, _, err := Build(testReport(t, reporttest.Options{Apps: 1}), s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Send(t.Context(), s, msg); err != nil {
		t.Fatal(err)
	}
	mp.only(t)
}
