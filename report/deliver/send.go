package deliver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/kinsta-report/kinsta-report/internal/backoff"
)

// SendOption tunes Send; the defaults suit a weekly job.
type SendOption func(*sendConfig)

type sendConfig struct {
	attempts int
	backoff  time.Duration
	maxWait  time.Duration
	timeout  time.Duration
	sleep    func(context.Context, time.Duration) error
	onRetry  func(attempt int, wait time.Duration, err error)
}

// WithAttempts caps the number of attempts (default 4: one try and three
// retries). Values below 1 mean 1.
func WithAttempts(n int) SendOption {
	return func(c *sendConfig) { c.attempts = max(n, 1) }
}

// WithBackoff sets the first wait between attempts (default 5s), doubled
// after each attempt up to limit (default 1m).
func WithBackoff(first, limit time.Duration) SendOption {
	return func(c *sendConfig) { c.backoff, c.maxWait = first, limit }
}

// WithTimeout sets the time one attempt may take for the connection and
// each SMTP exchange, the DATA transfer included (default 2m).
func WithTimeout(d time.Duration) SendOption {
	return func(c *sendConfig) { c.timeout = d }
}

// WithSleep replaces the wait between attempts (tests pass one that
// returns at once). sleep must return ctx.Err() when ctx ends first.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) SendOption {
	return func(c *sendConfig) { c.sleep = sleep }
}

// WithRetryHook is called before each wait with the failed attempt's number
// (from 1) and error, so the caller can log retries.
func WithRetryHook(f func(attempt int, wait time.Duration, err error)) SendOption {
	return func(c *sendConfig) { c.onRetry = f }
}

// Send delivers msg over SMTP as s describes: STARTTLS (mandatory), implicit
// TLS or none, certificates always verified (against the system roots plus
// s.CAFile), SMTP AUTH when s.Username is set. Transient failures (4xx
// replies, refused or reset connections, timeouts) are retried with capped
// exponential backoff; a permanent failure (5xx, TLS, auth) returns at
// once. Errors carry the server's answer and never the password. A message
// is sent once: Send refuses a message it has delivered already.
func Send(ctx context.Context, s Settings, msg *mail.Msg, opts ...SendOption) error {
	cfg := sendConfig{attempts: 4, backoff: 5 * time.Second, maxWait: time.Minute, timeout: 2 * time.Minute, sleep: backoff.Sleep}
	for _, o := range opts {
		o(&cfg)
	}
	if msg == nil {
		return errors.New("send email: no message")
	}
	if msg.IsDelivered() {
		return errors.New("send email: this message was delivered already")
	}
	client, addr, err := newClient(s, cfg.timeout)
	if err != nil {
		return fmt.Errorf("send email: %w", err)
	}
	// No jitter: one job sends one message, so there is no herd to spread.
	schedule := backoff.Schedule{Base: cfg.backoff, Cap: cfg.maxWait}
	for attempt := 1; ; attempt++ {
		err := client.DialAndSendWithContext(ctx, msg)
		if err == nil || msg.IsDelivered() {
			// A failure after the server accepted the message (RSET, QUIT)
			// does not lose it; sending again would duplicate it.
			return nil
		}
		err = redact(err, s.Username, s.Password)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("send email via %s: %w (last error: %w)", addr, ctxErr, err)
		}
		if !transient(err) {
			return fmt.Errorf("send email via %s: permanent failure (attempt %d): %w", addr, attempt, err)
		}
		if attempt >= cfg.attempts {
			return fmt.Errorf("send email via %s: gave up after %d attempts: %w", addr, attempt, err)
		}
		wait := schedule.Ceiling(attempt - 1)
		if cfg.onRetry != nil {
			cfg.onRetry(attempt, wait, err)
		}
		if serr := cfg.sleep(ctx, wait); serr != nil {
			return fmt.Errorf("send email via %s: %w (last error: %w)", addr, serr, err)
		}
	}
}

// newClient configures a go-mail client; addr is host:port for messages.
func newClient(s Settings, timeout time.Duration) (*mail.Client, string, error) {
	if s.Host == "" {
		return nil, "", errors.New("no SMTP host")
	}
	tc := &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	if s.CAFile != "" {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return nil, "", fmt.Errorf("smtp ca file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, "", fmt.Errorf("smtp ca file %s: no PEM certificate in it", s.CAFile)
		}
		tc.RootCAs = pool
	}
	opts := []mail.Option{mail.WithTimeout(timeout), mail.WithTLSConfig(tc)}
	switch strings.ToLower(s.TLS) {
	case "", "starttls":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
		if s.Port == 0 {
			s.Port = 587
		}
	case "tls":
		opts = append(opts, mail.WithSSLPort(false))
		if s.Port == 0 {
			s.Port = 465
		}
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
		if s.Port == 0 {
			s.Port = 25
		}
	default:
		return nil, "", fmt.Errorf("smtp tls %q: want starttls, tls or none", s.TLS)
	}
	opts = append(opts, mail.WithPort(s.Port))
	if s.Username != "" {
		// PLAIN and LOGIN are refused by go-mail on an unencrypted
		// connection except to localhost; CRAM-MD5 keeps the password off
		// the wire where a relay offers nothing else.
		opts = append(opts,
			mail.WithOpportunisticSMTPAuth(mail.SMTPAuthPlain, mail.SMTPAuthLogin, mail.SMTPAuthCramMD5),
			mail.WithUsername(s.Username), mail.WithPassword(s.Password))
	}
	c, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return nil, "", fmt.Errorf("smtp client: %w", err)
	}
	return c, net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), nil
}

// transient says whether an attempt may succeed if repeated: a 4xx reply,
// a refused, reset or dropped connection, a timeout.
func transient(err error) bool {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return tp.Code >= 400 && tp.Code < 500
	}
	var se *mail.SendError
	if errors.As(err, &se) {
		if code := se.ErrorCode(); code != 0 {
			return code >= 400 && code < 500
		}
		if se.IsTemp() {
			return true
		}
	}
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &ne) && ne.Timeout():
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.IsTemporary || dns.IsTimeout
	}
	return false
}

// redactedError hides the password (and its base64 forms, as AUTH PLAIN and
// LOGIN send it) should any layer echo it; transient still sees the cause.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redact(err error, username, password string) error {
	if password == "" {
		return err
	}
	msg := err.Error()
	out := msg
	b64 := base64.StdEncoding.EncodeToString
	// The password as typed, as AUTH LOGIN sends it, and inside the AUTH
	// PLAIN blob (authzid NUL user NUL password): base64 of the password
	// alone appears in that blob only when the prefix happens to be a
	// multiple of three bytes long.
	for _, secret := range []string{
		password,
		b64([]byte(password)),
		b64([]byte("\x00" + username + "\x00" + password)),
		b64([]byte(username + "\x00" + username + "\x00" + password)),
	} {
		out = strings.ReplaceAll(out, secret, "[redacted]")
	}
	if out == msg {
		return err
	}
	return &redactedError{msg: out, err: err}
}
