package notify_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report/notify"
)

func ExampleVerify() {
	body := []byte(`{"schema":"kinsta-report-webhook/v1"}`)
	sent := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	header := notify.Sign("whsec_example", sent, body)

	fmt.Println(notify.Verify("whsec_example", header, body, sent.Add(30*time.Second), 5*time.Minute))
	fmt.Println(notify.Verify("another", header, body, sent, 5*time.Minute))
	fmt.Println(notify.Verify("whsec_example", header, body, sent.Add(time.Hour), 5*time.Minute))
	// Output:
	// <nil>
	// webhook signature does not match
	// webhook signature timestamp outside the tolerance: signed 1h0m0s ago, tolerance 5m0s
}

// verifyAsDocumented is docs/NOTIFY.md's standard-library verifier, word
// for word: the documentation must agree with Sign.
func verifyAsDocumented(secret, header string, body []byte, now time.Time) bool {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	want := []byte(hex.EncodeToString(mac.Sum(nil)))
	for _, s := range sigs {
		if hmac.Equal([]byte(s), want) {
			return true
		}
	}
	return false
}

func TestDocumentedVerifierAgreesWithSign(t *testing.T) {
	t.Parallel()
	body, err := notify.WebhookPayload(fixture(t, 2, false), "")
	if err != nil {
		t.Fatal(err)
	}
	h := notify.Sign("k", fixedNow, body)
	if !verifyAsDocumented("k", h, body, fixedNow.Add(time.Minute)) {
		t.Error("the documented verifier rejects a good signature")
	}
	if verifyAsDocumented("other", h, body, fixedNow) || verifyAsDocumented("k", h, body, fixedNow.Add(time.Hour)) {
		t.Error("the documented verifier accepts another secret or an old timestamp")
	}
}
