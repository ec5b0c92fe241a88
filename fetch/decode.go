package fetch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// The wire types mirror Kinsta's v2 responses (spec 1.87.0; the Sevalla v2
// host serves the same). Every scalar that the spec types as a number or a
// timestamp is kept as raw JSON and converted once, in this file, with the
// element's path, so a bad value is an error that names it rather than a
// zero. Unknown fields are ignored.

// text accepts a JSON string, number, boolean or null (as "") where the spec
// says string.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*t = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(s)
	case b[0] == '{':
		return &json.UnmarshalTypeError{Value: "object", Type: reflect.TypeFor[string]()}
	case b[0] == '[':
		return &json.UnmarshalTypeError{Value: "array", Type: reflect.TypeFor[string]()}
	default:
		*t = text(b)
	}
	return nil
}

type wirePoint struct {
	Time  json.RawMessage `json:"time"`
	Value json.RawMessage `json:"value"`
}

type wireRun struct {
	ProcessID text            `json:"process_id"`
	Seconds   json.RawMessage `json:"seconds"`
	Plan      text            `json:"plan"`
	StartTime json.RawMessage `json:"start_time"`
	EndTime   json.RawMessage `json:"end_time"`
}

type wireSlow struct {
	AvgResponseTimeMS json.RawMessage `json:"avg_response_time_ms"`
	ClientRequestPath text            `json:"client_request_path"`
	RequestCount      json.RawMessage `json:"request_count"`
}

// wireAppMetrics is the envelope of bandwidth, build-time, run-time,
// http-requests, response-time and slowest-requests.
type wireAppMetrics struct {
	App *struct {
		ID          text `json:"id"`
		DisplayName text `json:"display_name"`
		Metrics     struct {
			Bandwidth    []wirePoint `json:"bandwidth"`
			HTTPRequests []wirePoint `json:"http_requests"`
			ResponseTime []wirePoint `json:"response_time"`
			BuildTime    []struct {
				ResourceType text        `json:"resource_type"`
				Data         []wirePoint `json:"data"`
			} `json:"build_time"`
			Runtime         []wireRun  `json:"runtime"`
			SlowestRequests []wireSlow `json:"slowest_requests"`
		} `json:"metrics"`
	} `json:"app"`
}

// wireProcessMetrics is the envelope of cpu-usage and memory-usage.
type wireProcessMetrics struct {
	App *struct {
		ID        text `json:"id"`
		AppName   text `json:"app_name"`
		Processes []struct {
			ID          text            `json:"id"`
			ProcessName text            `json:"process_name"`
			CPULimit    json.RawMessage `json:"cpu_limit"`
			MemoryLimit json.RawMessage `json:"memory_limit"`
			Metrics     struct {
				CPUUsage    []wirePoint `json:"cpu_usage"`
				MemoryUsage []wirePoint `json:"memory_usage"`
			} `json:"metrics"`
		} `json:"processes"`
	} `json:"app"`
}

type wireApp struct {
	ID          text `json:"id"`
	Name        text `json:"name"`
	DisplayName text `json:"display_name"`
	Status      text `json:"status"`
}

type wireApps struct {
	Company *struct {
		Apps struct {
			Items []*wireApp `json:"items"`
		} `json:"apps"`
	} `json:"company"`
}

type wireAppDetail struct {
	App *wireApp `json:"app"`
}

type wireUsers struct {
	Company *struct {
		Users []struct {
			User *struct {
				ID       text `json:"id"`
				Email    text `json:"email"`
				Image    text `json:"image"`
				FullName text `json:"full_name"`
			} `json:"user"`
		} `json:"users"`
	} `json:"company"`
}

type wireValidate struct {
	Name      text            `json:"name"`
	ExpiresAt json.RawMessage `json:"expires_at"`
	Company   text            `json:"company"`
	Status    text            `json:"status"`
}

// wireError is Kinsta's StatusResponseSchema.
type wireError struct {
	Message text `json:"message"`
}

// unmarshal decodes body into v, turning encoding/json's errors into a
// DecodeError that names where it went wrong.
func unmarshal(body []byte, v any) error {
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		p := te.Field
		if p == "" {
			p = "body"
		}
		return &DecodeError{Path: p, Msg: "unexpected JSON " + te.Value}
	case errors.As(err, &se):
		return &DecodeError{Path: "body", Msg: fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, se)}
	default:
		// A text field that got an object or array, or a truncated body.
		return &DecodeError{Path: "body", Msg: strings.TrimPrefix(err.Error(), "json: ")}
	}
}

// shorten returns the raw JSON text of a value for an error, at most 40
// bytes.
func shorten(b []byte) string {
	const max = 40
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "…"
	}
	return string(b)
}

// scalar returns the text inside a JSON string or the JSON text of any
// other value, and whether there is a value at all (absent, null and ""
// are none).
func scalar(b json.RawMessage) (s string, isString, ok bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return "", false, false
	}
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return string(b), true, true
		}
		s = strings.TrimSpace(s)
		return s, true, s != ""
	}
	return string(b), false, true
}

// num converts a number given as a JSON number or a string of one. ok is
// false when there is no value (absent, null or ""). Anything else that is
// not a finite number is an error naming path.
func num(path string, b json.RawMessage) (v float64, ok bool, err error) {
	s, _, ok := scalar(b)
	if !ok {
		return 0, false, nil
	}
	bad := func(msg string) error {
		return &DecodeError{Path: path, Value: shorten(bytes.TrimSpace(b)), Msg: msg}
	}
	f, perr := strconv.ParseFloat(s, 64)
	if perr != nil {
		if errors.Is(perr, strconv.ErrRange) {
			return 0, false, bad("number out of range")
		}
		return 0, false, bad("not a number")
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false, bad("not a finite number")
	}
	return f, true, nil
}

// Timestamps before year 1 or after 9999 cannot be written as RFC 3339 (the
// JSON document would fail), so they are errors.
var (
	minTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)
)

// msTime converts epoch milliseconds given as a JSON number or a string of
// digits (or, leniently, an RFC 3339 string as Sevalla v3 sends) to a UTC
// time. ok is false when there is no value.
func msTime(path string, b json.RawMessage) (t time.Time, ok bool, err error) {
	s, isString, ok := scalar(b)
	if !ok {
		return time.Time{}, false, nil
	}
	bad := func(msg string) error {
		return &DecodeError{Path: path, Value: shorten(bytes.TrimSpace(b)), Msg: msg}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		t = time.UnixMilli(n).UTC()
	} else if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f != math.Trunc(f) || math.Abs(f) > 1<<62 {
			return time.Time{}, false, bad("not an epoch-milliseconds timestamp")
		}
		t = time.UnixMilli(int64(f)).UTC()
	} else if pt, err := time.Parse(time.RFC3339Nano, s); isString && err == nil {
		t = pt.UTC()
	} else {
		return time.Time{}, false, bad("not an epoch-milliseconds timestamp")
	}
	if t.Before(minTime) || t.After(maxTime) {
		return time.Time{}, false, bad("timestamp out of range")
	}
	return t, true, nil
}

// points converts a series. A point without a value (null or "") is a
// bucket without data and is left out; a point without a time is an error.
func points(path string, ws []wirePoint) ([]report.Point, error) {
	out := make([]report.Point, 0, len(ws))
	for i, w := range ws {
		p := fmt.Sprintf("%s[%d]", path, i)
		t, ok, err := msTime(p+".time", w.Time)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &DecodeError{Path: p + ".time", Msg: "missing"}
		}
		v, ok, err := num(p+".value", w.Value)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		out = append(out, report.Point{Time: t, Value: v})
	}
	return out, nil
}

var errNoApp = &DecodeError{Path: "app", Msg: "missing"}

func decodeAppMetrics(body []byte) (*wireAppMetrics, error) {
	var w wireAppMetrics
	if err := unmarshal(body, &w); err != nil {
		return nil, err
	}
	if w.App == nil {
		return nil, errNoApp
	}
	return &w, nil
}

// decodeSeries decodes bandwidth, http-requests and response-time; key is
// the array's name under app.metrics.
func decodeSeries(body []byte, key string) ([]report.Point, error) {
	w, err := decodeAppMetrics(body)
	if err != nil {
		return nil, err
	}
	m := w.App.Metrics
	switch key {
	case "bandwidth":
		return points(key, m.Bandwidth)
	case "http_requests":
		return points(key, m.HTTPRequests)
	case "response_time":
		return points(key, m.ResponseTime)
	}
	return nil, fmt.Errorf("fetch: unknown series %q", key)
}

// decodeBuildTime follows the contract's rule within each resource type (a
// repeated timestamp keeps the last value) and then sums the resource types
// per timestamp, sorted by time.
func decodeBuildTime(body []byte) ([]report.Point, error) {
	w, err := decodeAppMetrics(body)
	if err != nil {
		return nil, err
	}
	sum := map[int64]float64{}
	for i, bt := range w.App.Metrics.BuildTime {
		ps, err := points(fmt.Sprintf("build_time[%d].data", i), bt.Data)
		if err != nil {
			return nil, err
		}
		last := make(map[int64]float64, len(ps))
		for _, p := range ps {
			last[p.Time.UnixMilli()] = p.Value
		}
		for ms, v := range last {
			sum[ms] += v
		}
	}
	out := make([]report.Point, 0, len(sum))
	for ms, v := range sum {
		out = append(out, report.Point{Time: time.UnixMilli(ms).UTC(), Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}

// decodeRuns decodes run-time (array key "runtime"). A run without seconds
// is an error; missing start or end times stay zero.
func decodeRuns(body []byte) ([]report.Run, error) {
	w, err := decodeAppMetrics(body)
	if err != nil {
		return nil, err
	}
	out := make([]report.Run, 0, len(w.App.Metrics.Runtime))
	for i, r := range w.App.Metrics.Runtime {
		p := fmt.Sprintf("runtime[%d]", i)
		secs, ok, err := num(p+".seconds", r.Seconds)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &DecodeError{Path: p + ".seconds", Msg: "missing"}
		}
		start, _, err := msTime(p+".start_time", r.StartTime)
		if err != nil {
			return nil, err
		}
		end, _, err := msTime(p+".end_time", r.EndTime)
		if err != nil {
			return nil, err
		}
		out = append(out, report.Run{ProcessID: string(r.ProcessID), Plan: string(r.Plan), Seconds: secs, Start: start, End: end})
	}
	return out, nil
}

// decodeSlowest decodes slowest-requests, in the API's order (slowest
// first). A missing request_count is 0; a missing response time is an error.
func decodeSlowest(body []byte) ([]report.SlowRequest, error) {
	w, err := decodeAppMetrics(body)
	if err != nil {
		return nil, err
	}
	out := make([]report.SlowRequest, 0, len(w.App.Metrics.SlowestRequests))
	for i, r := range w.App.Metrics.SlowestRequests {
		p := fmt.Sprintf("slowest_requests[%d]", i)
		avg, ok, err := num(p+".avg_response_time_ms", r.AvgResponseTimeMS)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &DecodeError{Path: p + ".avg_response_time_ms", Msg: "missing"}
		}
		count, _, err := num(p+".request_count", r.RequestCount)
		if err != nil {
			return nil, err
		}
		out = append(out, report.SlowRequest{Path: string(r.ClientRequestPath), AvgResponseTimeMS: avg, RequestCount: count})
	}
	return out, nil
}

// decodeProcesses decodes cpu-usage ("cpu_usage") and memory-usage
// ("memory_usage"). A process is named by process_name, else its id; a
// missing limit is 0.
func decodeProcesses(body []byte, key string) ([]report.Process, error) {
	var w wireProcessMetrics
	if err := unmarshal(body, &w); err != nil {
		return nil, err
	}
	if w.App == nil {
		return nil, errNoApp
	}
	out := make([]report.Process, 0, len(w.App.Processes))
	for i, pr := range w.App.Processes {
		p := fmt.Sprintf("processes[%d]", i)
		limitRaw, series := pr.CPULimit, pr.Metrics.CPUUsage
		limitKey := "cpu_limit"
		if key == "memory_usage" {
			limitRaw, series, limitKey = pr.MemoryLimit, pr.Metrics.MemoryUsage, "memory_limit"
		}
		limit, _, err := num(p+"."+limitKey, limitRaw)
		if err != nil {
			return nil, err
		}
		pts, err := points(p+".metrics."+key, series)
		if err != nil {
			return nil, err
		}
		name := string(pr.ProcessName)
		if name == "" {
			name = string(pr.ID)
		}
		out = append(out, report.Process{Name: name, Limit: limit, Points: pts})
	}
	return out, nil
}

// decodeApps decodes one page of GET /applications.
func decodeApps(body []byte) ([]Application, error) {
	var w wireApps
	if err := unmarshal(body, &w); err != nil {
		return nil, err
	}
	if w.Company == nil {
		return nil, &DecodeError{Path: "company", Msg: "missing"}
	}
	out := make([]Application, 0, len(w.Company.Apps.Items))
	for i, a := range w.Company.Apps.Items {
		if a == nil || a.ID == "" {
			return nil, &DecodeError{Path: fmt.Sprintf("company.apps.items[%d].id", i), Msg: "missing"}
		}
		out = append(out, a.model())
	}
	return out, nil
}

func (a *wireApp) model() Application {
	return Application{ID: string(a.ID), Name: string(a.Name), DisplayName: string(a.DisplayName), Status: string(a.Status)}
}

// decodeApplication decodes GET /applications/{id}.
func decodeApplication(body []byte) (Application, error) {
	var w wireAppDetail
	if err := unmarshal(body, &w); err != nil {
		return Application{}, err
	}
	if w.App == nil {
		return Application{}, errNoApp
	}
	if w.App.ID == "" {
		return Application{}, &DecodeError{Path: "app.id", Msg: "missing"}
	}
	return w.App.model(), nil
}

// decodeUsers decodes GET /company/{id}/users.
func decodeUsers(body []byte) ([]report.User, error) {
	var w wireUsers
	if err := unmarshal(body, &w); err != nil {
		return nil, err
	}
	if w.Company == nil {
		return nil, &DecodeError{Path: "company", Msg: "missing"}
	}
	out := make([]report.User, 0, len(w.Company.Users))
	for i, u := range w.Company.Users {
		if u.User == nil {
			return nil, &DecodeError{Path: fmt.Sprintf("company.users[%d].user", i), Msg: "missing"}
		}
		out = append(out, report.User{ID: string(u.User.ID), FullName: string(u.User.FullName), Email: string(u.User.Email), Image: string(u.User.Image)})
	}
	return out, nil
}

// decodeValidation decodes GET /validate; expires_at null is a zero time.
func decodeValidation(body []byte) (Validation, error) {
	var w wireValidate
	if err := unmarshal(body, &w); err != nil {
		return Validation{}, err
	}
	exp, _, err := msTime("expires_at", w.ExpiresAt)
	if err != nil {
		return Validation{}, err
	}
	if w.Company == "" {
		return Validation{}, &DecodeError{Path: "company", Msg: "missing"}
	}
	return Validation{Name: string(w.Name), Company: string(w.Company), Status: string(w.Status), ExpiresAt: exp}, nil
}

// errorMessage extracts Kinsta's message from an error body; for a body
// that is not Kinsta's JSON it returns a short plain-text excerpt, or "".
func errorMessage(body []byte, secret string) string {
	// Redact before clean shortens the text: a cut-off key would no longer
	// match, and its first characters would reach the error.
	redact := func(s string) string {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
		return s
	}
	var w wireError
	if json.Unmarshal(body, &w) == nil {
		return clean(redact(string(w.Message)))
	}
	s := strings.TrimSpace(string(body))
	if s == "" || s[0] == '<' || s[0] == '{' || s[0] == '[' {
		return ""
	}
	return clean(redact(s))
}

// clean keeps a message to one printable line of at most 200 runes.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}
