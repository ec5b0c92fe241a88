package report

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"time"
)

// Schema is the JSON document's schema identifier.
const Schema = "kinsta-report/v1"

// The JSON document's shapes, as docs/reference.md shows them. Field order here is
// the order in the file.
type (
	jsonDoc struct {
		Schema      string       `json:"schema"`
		Report      string       `json:"report"`
		GeneratedAt string       `json:"generated_at"`
		Timezone    string       `json:"timezone"`
		CompanyID   string       `json:"company_id"`
		Periods     []jsonPeriod `json:"periods"`
		Users       []jsonUser   `json:"users"`
		// UsersMissing says why the roster is absent when it was asked for
		// but could not be fetched (additive to v1: users alone would read
		// as a company with no users).
		UsersMissing string  `json:"users_missing,omitempty"`
		API          jsonAPI `json:"api"`
		// Additive to v1.
		Alerts []jsonAlert `json:"alerts"`
		Notes  []string    `json:"notes"`
	}
	jsonPeriod struct {
		Name            string    `json:"name"`
		Start           string    `json:"start"`
		End             string    `json:"end"`
		IntervalSeconds int64     `json:"interval_seconds"`
		Apps            []jsonApp `json:"apps"`
		// Additive to v1.
		Notes    []string        `json:"notes,omitempty"`
		Previous *jsonPrevPeriod `json:"previous,omitempty"`

		Sites []jsonSite `json:"sites,omitempty"` // additive to v1: jsondoc_sites.go
	}
	jsonPrevPeriod struct {
		Start string `json:"start"`
		End   string `json:"end"`
	}
	jsonApp struct {
		ID          string          `json:"id"`
		Name        string          `json:"name"`
		DisplayName string          `json:"display_name"`
		Metrics     json.RawMessage `json:"metrics"`
		Missing     []jsonMissing   `json:"missing"`
	}
	jsonMissing struct {
		Metric MetricKey `json:"metric"`
		Error  string    `json:"error"`
	}
	jsonPoint struct {
		Time  string   `json:"time"`
		Value *float64 `json:"value"`
	}
	jsonRun struct {
		ProcessID string   `json:"process_id"`
		Plan      string   `json:"plan"`
		Seconds   *float64 `json:"seconds"`
		Start     string   `json:"start"`
		End       string   `json:"end"`
	}
	jsonSlow struct {
		Path              string   `json:"path"`
		AvgResponseTimeMS *float64 `json:"avg_response_time_ms"`
		RequestCount      *float64 `json:"request_count"`
	}
	jsonUser struct {
		ID       string `json:"id"`
		FullName string `json:"full_name"`
		Email    string `json:"email"`
		Image    string `json:"image"`
	}
	jsonAPI struct {
		Requests    int     `json:"requests"`
		Retries     int     `json:"retries"`
		RateLimited int     `json:"rate_limited"`
		WaitSeconds float64 `json:"wait_seconds"`
	}
	jsonAlert struct {
		App   string `json:"app"`
		AppID string `json:"app_id"`
		// EnvironmentID is additive: a site alert's environment id (a
		// site's environments share app_id); absent for an app alert.
		EnvironmentID string    `json:"environment_id,omitempty"`
		Period        string    `json:"period"`
		Metric        MetricKey `json:"metric"`
		Process       string    `json:"process,omitempty"`
		On            string    `json:"on"`
		Time          string    `json:"time,omitempty"`
		Value         *float64  `json:"value"`
		Limit         *float64  `json:"limit"`
		Unit          Unit      `json:"unit"`
		Threshold     string    `json:"threshold"`
	}
)

// WriteJSON writes the report as the contract's JSON document
// (schema kinsta-report/v1), indented, ending in a newline.
func WriteJSON(w io.Writer, r Report) error {
	b, err := MarshalJSON(r)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// MarshalJSON returns the report as the contract's JSON document.
func MarshalJSON(r Report) ([]byte, error) {
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	doc := jsonDoc{
		Schema:       Schema,
		Report:       r.Name,
		GeneratedAt:  r.GeneratedAt.UTC().Format(time.RFC3339),
		Timezone:     loc.String(),
		CompanyID:    r.CompanyID,
		Periods:      []jsonPeriod{},
		Users:        []jsonUser{},
		UsersMissing: r.UsersMissing,
		API: jsonAPI{
			Requests:    r.API.Requests,
			Retries:     r.API.Retries,
			RateLimited: r.API.RateLimited,
			WaitSeconds: math.Round(r.API.Wait.Seconds()*1000) / 1000,
		},
		Alerts: []jsonAlert{},
		Notes:  nonNil(r.Notes),
	}
	metrics := r.Metrics
	if len(metrics) == 0 {
		metrics = AllMetrics()
	}
	for _, p := range r.Periods {
		jp := jsonPeriod{
			Name:            p.Name,
			Start:           ts(p.Start),
			End:             ts(p.End),
			IntervalSeconds: int64(p.Interval / time.Second),
			Apps:            []jsonApp{},
			Notes:           p.Notes,
		}
		jp.Sites = sitesJSON(p.Sites)
		if p.Previous != nil {
			jp.Previous = &jsonPrevPeriod{Start: ts(p.Previous.Start), End: ts(p.Previous.End)}
		}
		for _, a := range p.Apps {
			ms, err := marshalMetrics(a, metrics, ts)
			if err != nil {
				return nil, err
			}
			ja := jsonApp{ID: a.ID, Name: a.Name, DisplayName: a.DisplayName, Metrics: ms, Missing: []jsonMissing{}}
			for _, m := range a.Missing {
				ja.Missing = append(ja.Missing, jsonMissing(m))
			}
			jp.Apps = append(jp.Apps, ja)
		}
		doc.Periods = append(doc.Periods, jp)
	}
	for _, u := range r.Users {
		doc.Users = append(doc.Users, jsonUser(u))
	}
	for _, a := range r.Alerts {
		ja := jsonAlert{
			App: a.App, AppID: a.AppID, EnvironmentID: a.EnvironmentID, Period: a.Period, Metric: a.Metric, Process: a.Process, On: a.On,
			Value: num(a.Value), Limit: num(a.Limit), Unit: a.Unit, Threshold: a.Threshold,
		}
		if a.HasTime {
			ja.Time = ts(a.Time)
		}
		doc.Alerts = append(doc.Alerts, ja)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// marshalMetrics writes an app's metrics object with its keys in contract
// order (encoding/json would sort a map's keys).
func marshalMetrics(a App, keys []MetricKey, ts func(time.Time) string) (json.RawMessage, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	first := true
	for _, k := range keys {
		m, ok := a.Metrics[k]
		if !ok || m == nil {
			continue
		}
		v, err := json.Marshal(metricJSON(m, ts))
		if err != nil {
			return nil, err
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(string(k))
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// orderedFields marshals as a JSON object with its fields in order.
type orderedFields []field

type field struct {
	key string
	val any
}

func (o orderedFields) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(f.key)
		buf.Write(kb)
		buf.WriteByte(':')
		vb, err := json.Marshal(f.val)
		if err != nil {
			return nil, err
		}
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func metricJSON(m *Metric, ts func(time.Time) string) any {
	info, _ := Info(m.Key)
	switch info.Kind {
	case KindRows:
		rows := []jsonSlow{}
		for _, r := range m.Rows {
			rows = append(rows, jsonSlow{Path: r.Path, AvgResponseTimeMS: num(r.AvgResponseTimeMS), RequestCount: num(r.RequestCount)})
		}
		return rows
	case KindRuns:
		runs := []jsonRun{}
		for _, r := range m.Runs {
			runs = append(runs, jsonRun{ProcessID: r.ProcessID, Plan: r.Plan, Seconds: num(r.Seconds), Start: ts(r.Start), End: ts(r.End)})
		}
		o := orderedFields{{"unit", info.Unit}, coverageField(m.Coverage)}
		o = appendFigures(o, info, m.Summary)
		return append(o, field{"runs", runs})
	case KindProcesses:
		procs := []orderedFields{}
		for _, p := range m.Processes {
			o := orderedFields{{"name", p.Name}, {"limit", num(p.Limit)}}
			o = appendFigures(o, info, p.Summary)
			procs = append(procs, append(o, field{"points", pointsJSON(p.Points, ts)}))
		}
		return orderedFields{{"unit", info.Unit}, coverageField(m.Coverage), {"processes", procs}}
	default:
		o := orderedFields{{"unit", info.Unit}, coverageField(m.Coverage)}
		o = appendFigures(o, info, m.Summary)
		return append(o, field{"points", pointsJSON(m.Points, ts)})
	}
}

// appendFigures adds the metric's summary figures (null when there is no
// data) and, when the report compares, "previous" and "change_percent".
func appendFigures(o orderedFields, info MetricInfo, s Summary) orderedFields {
	figs := func(f Figures) orderedFields {
		var out orderedFields
		if info.HasTotal {
			out = append(out, field{"total", numPtr(f.Total)})
		}
		if info.HasAverage {
			out = append(out, field{"average", numPtr(f.Average)})
		}
		if info.HasPeak {
			out = append(out, field{"peak", numPtr(f.Peak)})
		}
		return out
	}
	o = append(o, figs(Figures{Total: s.Total, Average: s.Average, Peak: s.Peak})...)
	if s.Change != nil {
		pct := Figures{Total: round2(s.Change.Percent.Total), Average: round2(s.Change.Percent.Average), Peak: round2(s.Change.Percent.Peak)}
		o = append(o, field{"previous", figs(s.Change.Previous)}, field{"change_percent", figs(pct)})
		o = append(o, field{"previous_coverage", round4(s.Change.PreviousCoverage)})
		if s.Change.Reason != "" {
			o = append(o, field{"change_note", s.Change.Reason})
		}
	}
	return o
}

// coverageField is a metric's coverage (coverage.go), 0 to 1 with four
// decimals; null where it does not apply.
func coverageField(c *float64) field { return field{"coverage", round4(c)} }

func round4(v *float64) *float64 {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return nil
	}
	return F(math.Round(*v*10000) / 10000)
}

func pointsJSON(ps []Point, ts func(time.Time) string) []jsonPoint {
	out := make([]jsonPoint, 0, len(ps))
	for _, p := range ps {
		out = append(out, jsonPoint{Time: ts(p.Time), Value: num(p.Value)})
	}
	return out
}

// num turns a float into a JSON number, or null when it is not finite
// (JSON has no NaN or Inf).
func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func numPtr(v *float64) *float64 {
	if v == nil {
		return nil
	}
	return num(*v)
}

// round2 rounds a percentage to two decimals: 12.34 % says all there is
// to say, 12.345678901234 % only looks precise.
func round2(v *float64) *float64 {
	if v == nil {
		return nil
	}
	return F(math.Round(*v*100) / 100)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
