package deliver

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

// fakeSMTP is a minimal SMTP server on loopback that accepts every message
// (250 after DATA) and then fails the session the way afterData says:
// "rset 421" answers the RSET that follows a message with 421 and hangs
// up, "drop" hangs up after RSET's 250 so that QUIT reads EOF.
type fakeSMTP struct {
	port      int
	afterData string

	mu       sync.Mutex
	accepted int
	sessions int
}

func startFakeSMTP(t *testing.T, afterData string) *fakeSMTP {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{port: l.Addr().(*net.TCPAddr).Port, afterData: afterData}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = l.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				f.session(c)
			}()
		}
	}()
	return f
}

func (f *fakeSMTP) session(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(30 * time.Second)) // a stuck client cannot hang the test
	f.mu.Lock()
	f.sessions++
	f.mu.Unlock()
	r := bufio.NewReader(c)
	say := func(s string) bool {
		_, err := c.Write([]byte(s + "\r\n"))
		return err == nil
	}
	if !say("220 fake.test ESMTP") {
		return
	}
	delivered := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-fake.test\r\n250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"), cmd == "NOOP":
			say("250 OK")
		case cmd == "DATA":
			say("354 go ahead")
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			f.mu.Lock()
			f.accepted++
			f.mu.Unlock()
			delivered = true
			say("250 2.0.0 queued as 1")
		case cmd == "RSET" && delivered && f.afterData == "rset 421":
			say("421 4.3.0 shutting down")
			return
		case cmd == "RSET" && delivered && f.afterData == "drop":
			say("250 OK")
			return
		case cmd == "RSET":
			say("250 OK")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 unknown command")
		}
	}
}

func (f *fakeSMTP) counts() (accepted, sessions int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.accepted, f.sessions
}

// A message the server accepted (250 after DATA) is delivered, whatever
// fails after it (a 421 to RSET, a dropped connection at QUIT): Send
// reports success and does not send it again, though the failure alone
// would be retried as transient.
func TestSendFailureAfterAcceptance(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"rset 421", "drop"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			srv := startFakeSMTP(t, mode)
			s := testSettings()
			s.Port = srv.port
			msg, _, err := Build(testReport(t, reporttest.Options{Apps: 1}), s, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			var sl sleeps
			err = Send(t.Context(), s, msg, WithSleep(sl.sleep))
			accepted, sessions := srv.counts()
			if err != nil {
				t.Errorf("Send: %v; want success, the server accepted the message", err)
			}
			if accepted != 1 || sessions != 1 || sl.count() != 0 {
				t.Errorf("server accepted the message %d times in %d sessions after %d retries; want once, no retry",
					accepted, sessions, sl.count())
			}
			if !msg.IsDelivered() {
				t.Error("the message is not marked delivered")
			}
			// Sending it again is refused: a caller retrying on its own
			// cannot duplicate it either.
			if err := Send(t.Context(), s, msg, WithSleep(sl.sleep)); err == nil || !strings.Contains(err.Error(), "delivered already") {
				t.Errorf("second Send: %v, want the delivered-already refusal", err)
			}
			if a, _ := srv.counts(); a != 1 {
				t.Errorf("server accepted the message %d times", a)
			}
		})
	}
}
