package deliver

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

func TestSendServerDown(t *testing.T) {
	t.Parallel()
	s := testSettings()
	s.Port = freePort(t) // closed again: nothing listens
	s.Password = "pw-that-must-not-leak"
	msg, _, err := Build(testReport(t, reporttest.Options{Apps: 1}), s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var sl sleeps
	err = Send(t.Context(), s, msg, WithSleep(sl.sleep))
	if err == nil {
		t.Fatal("sent to a closed port")
	}
	if !strings.Contains(err.Error(), "gave up after 4 attempts") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %q", err)
	}
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second}
	if fmt.Sprint(sl.d) != fmt.Sprint(want) {
		t.Errorf("waits %v, want %v", sl.d, want)
	}
	if strings.Contains(err.Error(), s.Password) {
		t.Error("the password is in the error")
	}
}

func TestSendCancelled(t *testing.T) {
	t.Parallel()
	s := testSettings()
	s.Port = freePort(t)
	msg, _, err := Build(testReport(t, reporttest.Options{Apps: 1}), s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	err = Send(ctx, s, msg, WithSleep(func(context.Context, time.Duration) error {
		cancel()
		return context.Canceled
	}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

func TestSendSettings(t *testing.T) {
	t.Parallel()
	msg, _, err := Build(testReport(t, reporttest.Options{Apps: 1}), testSettings(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		edit   func(*Settings)
		errHas string
	}{
		{"unknown tls mode", func(s *Settings) { s.TLS = "skip-verify" }, `smtp tls "skip-verify"`},
		{"no host", func(s *Settings) { s.Host = "" }, "no SMTP host"},
		{"missing ca file", func(s *Settings) { s.CAFile = "/nonexistent/ca.pem" }, "smtp ca file"},
		{"ca file without PEM", func(s *Settings) { s.CAFile = notPEM }, "no PEM certificate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := testSettings()
			tc.edit(&s)
			err := Send(t.Context(), s, msg, WithSleep(new(sleeps).sleep))
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("error %v, want one with %q", err, tc.errHas)
			}
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestTransient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"451 reply", fmt.Errorf("dial failed: %w", &textproto.Error{Code: 451, Msg: "4.3.0 try again"}), true},
		{"421 reply", &textproto.Error{Code: 421, Msg: "service not available"}, true},
		{"535 auth", fmt.Errorf("SMTP AUTH failed: %w", &textproto.Error{Code: 535, Msg: "5.7.8 bad credentials"}), false},
		{"554 rejected", &textproto.Error{Code: 554, Msg: "5.7.1 rejected"}, false},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, true},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, true},
		{"eof", fmt.Errorf("send failed: %w", io.EOF), true},
		{"timeout", &net.OpError{Op: "read", Net: "tcp", Err: timeoutErr{}}, true},
		{"other", errors.New("STARTTLS mode set to: \"TLSMandatory\", but target host does not support STARTTLS"), false},
	}
	for _, tc := range tests {
		if got := transient(tc.err); got != tc.want {
			t.Errorf("%s: transient %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A server that echoes the AUTH PLAIN blob: with "ops@example.co" the
// password's own base64 is not a substring of the blob, so the blob itself
// must be redacted.
func TestRedactAuthPlainEcho(t *testing.T) {
	t.Parallel()
	const user, pw = "ops@example.co", "SMTPPASS_hunter2_zz"
	blob := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pw))
	if strings.Contains(blob, base64.StdEncoding.EncodeToString([]byte(pw))) {
		t.Fatal("test premise: the password's base64 must not be a substring of the blob")
	}
	err := redact(&textproto.Error{Code: 535, Msg: "5.7.8 bad credentials: " + blob}, user, pw)
	if strings.Contains(err.Error(), blob) || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("AUTH PLAIN blob not redacted: %q", err)
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	base := &textproto.Error{Code: 535, Msg: "bad password hunter2 (aHVudGVyMg==)"}
	err := redact(fmt.Errorf("auth: %w", base), "user", "hunter2")
	if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "aHVudGVyMg==") {
		t.Errorf("not redacted: %q", err)
	}
	var tp *textproto.Error
	if !errors.As(err, &tp) || tp.Code != 535 {
		t.Error("the cause is lost")
	}
}
