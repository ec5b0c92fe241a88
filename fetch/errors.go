package fetch

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The classes of failure. Every error a Client method returns wraps at most
// one of them (test with errors.Is); context errors are returned as they
// are (errors.Is(err, context.Canceled)).
var (
	// ErrUnauthorized: 401 (or 403), the key is missing, invalid or expired.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrNotFound: 404 or 410. Kinsta also answers 404 when the key may
	// not see the company or application (it has no 403).
	ErrNotFound = errors.New("not found or no permission")
	// ErrRateLimited: 429 (or a body saying "too many requests"), after
	// the retries ran out or when Retry-After was too long to wait.
	ErrRateLimited = errors.New("rate limited")
	// ErrServer: a 5xx answer, after the retries ran out.
	ErrServer = errors.New("server error")
	// ErrBadRequest: 400 or another 4xx not listed above.
	ErrBadRequest = errors.New("bad request")
	// ErrTimeout: the request timed out (WithRequestTimeout) on every try.
	ErrTimeout = errors.New("timeout")
	// ErrBadResponse: a 2xx answer whose body could not be decoded, or a
	// value that is not what the spec says (the error names the element).
	ErrBadResponse = errors.New("bad response")
	// ErrNotAPI: a 2xx answer that is a web page (HTML), not the API's
	// JSON: the base URL points at a website, not at the Kinsta API. Errors
	// wrapping ErrNotAPI also wrap ErrBadResponse.
	ErrNotAPI = fmt.Errorf("%w: an HTML page, not the Kinsta API's JSON", ErrBadResponse)
	// ErrMoved: the application endpoints answered 404/410 on Kinsta's own
	// host; they moved to the Sevalla API. Errors wrapping ErrMoved also
	// wrap ErrNotFound.
	ErrMoved = errors.New("application endpoints moved to the Sevalla API")
)

// SevallaBaseURL serves the application endpoints that Kinsta retired.
const SevallaBaseURL = "https://api.sevalla.com/v2"

// APIError is a failed request: an answer other than 2xx, a body that did
// not decode, or a transport failure. It never holds the API key, a header
// or the query string.
type APIError struct {
	Method string
	// Path is the API path relative to the base URL, without the query,
	// e.g. "/applications/{id}/metrics/bandwidth" with the id filled in.
	Path string
	// Status is the HTTP status; 0 when no answer arrived.
	Status int
	// Message is Kinsta's "message" (or the decoding problem, or the
	// transport error).
	Message string
	// Err is one of the sentinel errors (ErrUnauthorized, ...).
	Err error
	// RetryAfter is what the server asked us to wait (Retry-After or
	// x-ratelimit-reset), when it said.
	RetryAfter time.Duration
	// Moved is set when the error is a 404/410 of the application
	// endpoints on Kinsta's host (see ErrMoved).
	Moved bool

	transient bool // a connection failure worth retrying
}

// Error reads like "kinsta: 500 Internal Server Error: <message> (GET /path)".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("kinsta: ")
	switch {
	case e.Status != 0 && errors.Is(e.Err, ErrBadResponse):
		fmt.Fprintf(&b, "bad response (%d %s)", e.Status, http.StatusText(e.Status))
	case e.Status != 0:
		fmt.Fprintf(&b, "%d %s", e.Status, http.StatusText(e.Status))
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	fmt.Fprintf(&b, " (%s %s)", e.Method, e.Path)
	if e.Moved {
		b.WriteString("; Kinsta moved the application endpoints to the Sevalla API: set api.base_url in reports.yaml (or KINSTA_API_URL) to " + SevallaBaseURL)
	}
	return b.String()
}

// Unwrap gives errors.Is the sentinel (and ErrMoved when Moved).
func (e *APIError) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	if e.Moved {
		errs = append(errs, ErrMoved)
	}
	return errs
}

// classify maps an HTTP status (and Kinsta's message) to a sentinel.
func classify(status int, message string) error {
	switch {
	case status == http.StatusTooManyRequests,
		status >= 400 && strings.Contains(strings.ToLower(message), "too many requests"):
		return ErrRateLimited
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return ErrUnauthorized
	case status == http.StatusNotFound, status == http.StatusGone:
		return ErrNotFound
	case status >= 500:
		return ErrServer
	default:
		return ErrBadRequest
	}
}

// DecodeError is a value in a 2xx body that is not what the spec says. Path
// names the element the way the JSON nests it, e.g. "bandwidth[3].value".
type DecodeError struct {
	Path  string
	Value string // the raw JSON text, shortened
	Msg   string
}

func (e *DecodeError) Error() string {
	if e.Value == "" {
		return e.Path + ": " + e.Msg
	}
	return e.Path + " " + e.Value + ": " + e.Msg
}

// Unwrap makes every decoding error an ErrBadResponse.
func (e *DecodeError) Unwrap() error { return ErrBadResponse }

// ErrNetwork: no answer arrived (connection refused or reset, DNS). A
// refused, reset or dropped connection and a DNS failure are retried like a
// 5xx (WithMaxRetries, WithRetryBudget); a certificate error is not.
var ErrNetwork = errors.New("network error")
