package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// Range is the timeframe and bucket size of a metric request. It is sent as
// timeframe_start and timeframe_end (UTC, milliseconds, "Z") and
// interval_in_seconds.
type Range struct {
	Start, End time.Time
	Interval   time.Duration
}

const wireTime = "2006-01-02T15:04:05.000Z"

func (r Range) query() (url.Values, error) {
	switch {
	case r.Start.IsZero() || r.End.IsZero():
		return nil, errors.New("fetch: range without a start or end")
	case !r.End.After(r.Start):
		return nil, fmt.Errorf("fetch: range end %s is not after its start %s", r.End.UTC().Format(wireTime), r.Start.UTC().Format(wireTime))
	case r.Interval < time.Second:
		return nil, fmt.Errorf("fetch: range interval %s is under a second", r.Interval)
	}
	return url.Values{
		"interval_in_seconds": {strconv.FormatInt(int64(r.Interval/time.Second), 10)},
		"timeframe_start":     {r.Start.UTC().Format(wireTime)},
		"timeframe_end":       {r.End.UTC().Format(wireTime)},
	}, nil
}

// Validation is what GET /validate says about the key.
type Validation struct {
	Name, Company, Status string
	// ExpiresAt is zero when the key does not expire.
	ExpiresAt time.Time
}

// Application is one item of the application list.
type Application struct {
	ID, Name, DisplayName, Status string
}

// decodeAt decodes a 2xx body, turning a decoding problem into an
// *APIError that names the endpoint and the element.
func decodeAt[T any](apiPath string, a answer, decode func([]byte) (T, error)) (T, error) {
	v, err := decode(a.body)
	if err != nil {
		var zero T
		return zero, &APIError{Method: "GET", Path: apiPath, Status: a.status, Message: err.Error(), Err: ErrBadResponse}
	}
	return v, nil
}

// Validate checks the key and returns its company.
// GET /validate
func (c *Client) Validate(ctx context.Context) (Validation, error) {
	const p = "/validate"
	ans, err := c.get(ctx, p, nil)
	if err != nil {
		return Validation{}, err
	}
	return decodeAt(p, ans, decodeValidation)
}

// pageSize is the limit sent to GET /applications.
const pageSize = 100

// maxPages stops a server that ignores offset from keeping us forever.
const maxPages = 1000

// Applications lists the company's applications, asking 100 a page and
// advancing offset by what each page held, until a page comes back empty:
// Kinsta gives no total and the largest limit it honours is undocumented,
// so a short page is not the last (one extra request per listing). A page
// that brings nothing new means the server ignores offset: an error.
// GET /applications?company={id}&limit=&offset=
func (c *Client) Applications(ctx context.Context, companyID string) ([]Application, error) {
	if companyID == "" {
		return nil, errors.New("fetch: applications: empty company id")
	}
	const p = "/applications"
	var all []Application
	seen := map[string]bool{}
	offset := 0
	for range maxPages {
		q := url.Values{
			"company": {companyID},
			"limit":   {strconv.Itoa(pageSize)},
			"offset":  {strconv.Itoa(offset)},
		}
		ans, err := c.get(ctx, p, q)
		if err != nil {
			return nil, err
		}
		items, err := decodeAt(p, ans, decodeApps)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			return all, nil
		}
		fresh := 0
		for _, a := range items {
			if seen[a.ID] {
				continue
			}
			seen[a.ID] = true
			all = append(all, a)
			fresh++
		}
		if fresh == 0 {
			return nil, &APIError{Method: "GET", Path: p, Status: ans.status, Err: ErrBadResponse,
				Message: fmt.Sprintf("page at offset %d repeats application %q: the server ignores offset", offset, items[0].ID)}
		}
		offset += len(items)
	}
	return nil, &APIError{Method: "GET", Path: p, Status: 200, Err: ErrBadResponse, Message: fmt.Sprintf("more than %d pages", maxPages)}
}

// Application returns one application by id.
// GET /applications/{id}
func (c *Client) Application(ctx context.Context, id string) (Application, error) {
	if id == "" {
		return Application{}, errors.New("fetch: application: empty id")
	}
	p := escapedPath("applications", id)
	ans, err := c.get(ctx, p, nil)
	if err != nil {
		return Application{}, err
	}
	return decodeAt(p, ans, decodeApplication)
}

// Users returns the company's user roster.
// GET /company/{id}/users
func (c *Client) Users(ctx context.Context, companyID string) ([]report.User, error) {
	if companyID == "" {
		return nil, errors.New("fetch: users: empty company id")
	}
	p := escapedPath("company", companyID, "users")
	ans, err := c.get(ctx, p, nil)
	if err != nil {
		return nil, err
	}
	return decodeAt(p, ans, decodeUsers)
}

// metric fetches /applications/{id}/metrics/{seg} with the range and extra
// query parameters and decodes it.
func metric[T any](ctx context.Context, c *Client, appID, seg string, r Range, extra url.Values, decode func([]byte) (T, error)) (T, error) {
	var zero T
	if appID == "" {
		return zero, fmt.Errorf("fetch: %s: empty application id", seg)
	}
	q, err := r.query()
	if err != nil {
		return zero, err
	}
	for k, v := range extra {
		q[k] = v
	}
	p := escapedPath("applications", appID, "metrics") + "/" + seg
	ans, err := c.get(ctx, p, q)
	if err != nil {
		return zero, err
	}
	return decodeAt(p, ans, decode)
}

func series(key string) func([]byte) ([]report.Point, error) {
	return func(b []byte) ([]report.Point, error) { return decodeSeries(b, key) }
}

// Bandwidth returns the app's egress per bucket.
// GET /applications/{id}/metrics/bandwidth
func (c *Client) Bandwidth(ctx context.Context, appID string, r Range) ([]report.Point, error) {
	return metric(ctx, c, appID, "bandwidth", r, nil, series("bandwidth"))
}

// BuildTime returns the build seconds per bucket, summed over resource
// types.
// GET /applications/{id}/metrics/build-time
func (c *Client) BuildTime(ctx context.Context, appID string, r Range) ([]report.Point, error) {
	return metric(ctx, c, appID, "build-time", r, nil, decodeBuildTime)
}

// RunTime returns the app's process runs.
// GET /applications/{id}/metrics/run-time
func (c *Client) RunTime(ctx context.Context, appID string, r Range) ([]report.Run, error) {
	return metric(ctx, c, appID, "run-time", r, nil, decodeRuns)
}

// HTTPRequests returns the requests per minute per bucket.
// GET /applications/{id}/metrics/http-requests
func (c *Client) HTTPRequests(ctx context.Context, appID string, r Range) ([]report.Point, error) {
	return metric(ctx, c, appID, "http-requests", r, nil, series("http_requests"))
}

// ResponseTime returns the response time (ms) per bucket: the average when
// percent is 0, else percent 50 or 95.
// GET /applications/{id}/metrics/response-time
func (c *Client) ResponseTime(ctx context.Context, appID string, r Range, percent int) ([]report.Point, error) {
	var extra url.Values
	switch percent {
	case 0:
	case 50, 95:
		extra = url.Values{"percent": {strconv.Itoa(percent)}}
	default:
		return nil, fmt.Errorf("fetch: response time percent %d: want 0 (average), 50 or 95", percent)
	}
	return metric(ctx, c, appID, "response-time", r, extra, series("response_time"))
}

// SlowestRequests returns the slowest request paths, slowest first; limit 0
// leaves Kinsta's default (10).
// GET /applications/{id}/metrics/slowest-requests
func (c *Client) SlowestRequests(ctx context.Context, appID string, r Range, limit int) ([]report.SlowRequest, error) {
	var extra url.Values
	switch {
	case limit < 0:
		return nil, fmt.Errorf("fetch: slowest requests limit %d is negative", limit)
	case limit > 0:
		extra = url.Values{"limit": {strconv.Itoa(limit)}}
	}
	return metric(ctx, c, appID, "slowest-requests", r, extra, decodeSlowest)
}

// CPUUsage returns the CPU usage series of each process.
// GET /applications/{id}/metrics/cpu-usage
func (c *Client) CPUUsage(ctx context.Context, appID string, r Range) ([]report.Process, error) {
	return metric(ctx, c, appID, "cpu-usage", r, nil, func(b []byte) ([]report.Process, error) { return decodeProcesses(b, "cpu_usage") })
}

// MemoryUsage returns the memory usage series of each process.
// GET /applications/{id}/metrics/memory-usage
func (c *Client) MemoryUsage(ctx context.Context, appID string, r Range) ([]report.Process, error) {
	return metric(ctx, c, appID, "memory-usage", r, nil, func(b []byte) ([]report.Process, error) { return decodeProcesses(b, "memory_usage") })
}

// Metric fetches one metric by its contract key. The result has Key, Unit
// and Points, Runs, Rows or Processes set; summaries are left to
// report.Finalize. slowestLimit is the slowest_requests limit (0: Kinsta's
// default).
// GET /applications/{id}/metrics/{metric}
func (c *Client) Metric(ctx context.Context, appID string, key report.MetricKey, r Range, slowestLimit int) (*report.Metric, error) {
	info, ok := report.Info(key)
	if !ok {
		return nil, fmt.Errorf("fetch: unknown metric %q", key)
	}
	m := &report.Metric{Key: key, Unit: info.Unit}
	var err error
	switch key {
	case report.Bandwidth:
		m.Points, err = c.Bandwidth(ctx, appID, r)
	case report.BuildTime:
		m.Points, err = c.BuildTime(ctx, appID, r)
	case report.RunTime:
		m.Runs, err = c.RunTime(ctx, appID, r)
	case report.HTTPRequests:
		m.Points, err = c.HTTPRequests(ctx, appID, r)
	case report.ResponseTimeAvg:
		m.Points, err = c.ResponseTime(ctx, appID, r, 0)
	case report.ResponseTimeP50:
		m.Points, err = c.ResponseTime(ctx, appID, r, 50)
	case report.ResponseTimeP95:
		m.Points, err = c.ResponseTime(ctx, appID, r, 95)
	case report.SlowestRequests:
		m.Rows, err = c.SlowestRequests(ctx, appID, r, slowestLimit)
	case report.CPUUsage:
		m.Processes, err = c.CPUUsage(ctx, appID, r)
	case report.MemoryUsage:
		m.Processes, err = c.MemoryUsage(ctx, appID, r)
	default:
		return nil, fmt.Errorf("fetch: metric %q has no endpoint", key)
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}
