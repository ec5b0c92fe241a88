package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// WebhookSchema names the generic webhook's JSON (docs/NOTIFY.md). A
// change that breaks a reader gets a new version; v1 only gains fields.
const WebhookSchema = "kinsta-report-webhook/v1"

// SignatureHeader carries the webhook's signature:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of t + "." + body>".
const SignatureHeader = "X-Kinsta-Report-Signature"

// DefaultTolerance is how old (or how far ahead) a signature's timestamp
// Verify accepts by default: the replay window.
const DefaultTolerance = 5 * time.Minute

// The generic webhook's shapes; docs/NOTIFY.md shows them. Strings from
// the API are as the API gave them (JSON escapes them; the reader escapes
// for wherever it shows them).
type (
	webhookDoc struct {
		Schema      string          `json:"schema"`
		Report      string          `json:"report"`
		GeneratedAt string          `json:"generated_at,omitempty"`
		Timezone    string          `json:"timezone"`
		Link        string          `json:"link,omitempty"`
		AlertCount  int             `json:"alert_count"`
		AlertedApps int             `json:"alerted_apps"`
		Alerts      []webhookAlert  `json:"alerts"`
		Periods     []webhookPeriod `json:"periods"`
		Notes       []string        `json:"notes"`
		API         webhookAPI      `json:"api"`
	}
	webhookAlert struct {
		App   string `json:"app"`
		AppID string `json:"app_id"`
		// EnvironmentID (added in v1) is a site alert's environment id:
		// a site's environments share app_id. Absent for an app alert.
		EnvironmentID string           `json:"environment_id,omitempty"`
		Period        string           `json:"period"`
		Metric        report.MetricKey `json:"metric"`
		Process       string           `json:"process,omitempty"`
		On            string           `json:"on"`
		Time          string           `json:"time,omitempty"`
		Value         *float64         `json:"value"`
		Limit         *float64         `json:"limit"`
		Unit          report.Unit      `json:"unit"`
		Threshold     string           `json:"threshold"`
	}
	webhookPeriod struct {
		Name          string       `json:"name"`
		Start         string       `json:"start"`
		End           string       `json:"end"`
		PreviousStart string       `json:"previous_start,omitempty"`
		PreviousEnd   string       `json:"previous_end,omitempty"`
		Apps          []webhookApp `json:"apps"`
		// Sites are the period's WordPress site environments: additive
		// within v1, left out when the report has none.
		Sites []webhookSite `json:"sites,omitempty"`
	}
	webhookSite struct {
		ID            string `json:"id"`
		Name          string `json:"name"`
		DisplayName   string `json:"display_name"`
		Environment   string `json:"environment"`
		EnvironmentID string `json:"environment_id"`
		// Figures are the site metrics' figures ("visits", "bandwidth",
		// "cdn_bandwidth", "disk_space"), each over the period's UTC days.
		Figures []webhookFigure  `json:"figures"`
		Missing []webhookMissing `json:"missing"`
	}
	webhookApp struct {
		ID          string           `json:"id"`
		Name        string           `json:"name"`
		DisplayName string           `json:"display_name"`
		Figures     []webhookFigure  `json:"figures"`
		Missing     []webhookMissing `json:"missing"`
	}
	webhookFigure struct {
		Metric string      `json:"metric"` // a report.MetricKey; in a site, a report.SiteMetricKey
		Figure string      `json:"figure"` // total | average | peak
		Unit   report.Unit `json:"unit"`
		Value  *float64    `json:"value"` // null: no data
		// Compared says whether the report compares with a previous
		// period; without it Previous and ChangePercent are null.
		Compared bool     `json:"compared"`
		Previous *float64 `json:"previous"`
		// ChangePercent is null also when it cannot be computed (no
		// value on either side, or a previous zero).
		ChangePercent *float64 `json:"change_percent"`
		// ChangeNote says why a change is withheld (a period covered too
		// thinly to compare); change_percent is null then.
		ChangeNote string `json:"change_note,omitempty"`
	}
	webhookMissing struct {
		Metric string `json:"metric"`
		Error  string `json:"error"`
	}
	webhookAPI struct {
		Requests    int     `json:"requests"`
		Retries     int     `json:"retries"`
		RateLimited int     `json:"rate_limited"`
		WaitSeconds float64 `json:"wait_seconds"`
	}
)

// webhookFigures are the figures the webhook gives per metric: the
// contract's summary figures (report.MetricInfo), for the series metrics
// and per-process metrics (the highest of any process).
var webhookFigures = []struct {
	name string
	has  func(report.MetricInfo) bool
	pick func(report.Figures) *float64
}{
	{"total", func(i report.MetricInfo) bool { return i.HasTotal }, report.PickTotal},
	{"average", func(i report.MetricInfo) bool { return i.HasAverage }, report.PickAverage},
	{"peak", func(i report.MetricInfo) bool { return i.HasPeak }, report.PickPeak},
}

// WebhookPayload is the generic webhook's JSON body (schema WebhookSchema):
// the alerts and, per period and app, the headline figures with their
// change, as numbers in the metric's unit. link, when not empty, says
// where the full report is.
func WebhookPayload(r report.Report, link string) ([]byte, error) {
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	ts := func(t time.Time) string { return t.In(loc).Format(time.RFC3339) }
	doc := webhookDoc{
		Schema:      WebhookSchema,
		Report:      r.Name,
		Timezone:    loc.String(),
		Link:        link,
		AlertCount:  len(r.Alerts),
		AlertedApps: report.AlertedApps(r.Alerts),
		Alerts:      []webhookAlert{},
		Periods:     []webhookPeriod{},
		Notes:       append([]string{}, r.Notes...),
		API: webhookAPI{Requests: r.API.Requests, Retries: r.API.Retries, RateLimited: r.API.RateLimited,
			WaitSeconds: r.API.Wait.Seconds()},
	}
	if !r.GeneratedAt.IsZero() {
		doc.GeneratedAt = ts(r.GeneratedAt)
	}
	for _, a := range r.Alerts {
		wa := webhookAlert{App: a.App, AppID: a.AppID, EnvironmentID: a.EnvironmentID, Period: a.Period, Metric: a.Metric, Process: a.Process,
			On: a.On, Value: finite(a.Value), Limit: finite(a.Limit), Unit: a.Unit, Threshold: a.Threshold}
		if a.HasTime {
			wa.Time = ts(a.Time)
		}
		doc.Alerts = append(doc.Alerts, wa)
	}
	metrics := r.Metrics
	if len(metrics) == 0 {
		metrics = report.AllMetrics()
	}
	for _, p := range r.Periods {
		wp := webhookPeriod{Name: p.Name, Start: ts(p.Start), End: ts(p.End), Apps: []webhookApp{}}
		if p.Previous != nil {
			wp.PreviousStart, wp.PreviousEnd = ts(p.Previous.Start), ts(p.Previous.End)
		}
		for _, a := range p.Apps {
			wa := webhookApp{ID: a.ID, Name: a.Name, DisplayName: a.DisplayName, Figures: []webhookFigure{}, Missing: []webhookMissing{}}
			for _, k := range metrics {
				if m := a.Metrics[k]; m != nil {
					wa.Figures = append(wa.Figures, metricFigures(k, m)...)
				}
			}
			for _, m := range a.Missing {
				wa.Missing = append(wa.Missing, webhookMissing{Metric: string(m.Metric), Error: m.Error})
			}
			wp.Apps = append(wp.Apps, wa)
		}
		for _, st := range p.Sites {
			wp.Sites = append(wp.Sites, webhookSiteOf(st))
		}
		doc.Periods = append(doc.Periods, wp)
	}
	return marshal(doc)
}

func metricFigures(k report.MetricKey, m *report.Metric) []webhookFigure {
	info, ok := report.Info(k)
	if !ok || info.Kind == report.KindRows {
		return nil
	}
	var out []webhookFigure
	for _, f := range webhookFigures {
		if !f.has(info) {
			continue
		}
		h := report.Headline{Key: k, Pick: f.pick}.Of(report.App{Metrics: map[report.MetricKey]*report.Metric{k: m}})
		out = append(out, figureOf(string(k), f.name, info.Unit, h.Current, h.Previous, h.Compared, h.Reason))
	}
	return out
}

// webhookSiteOf is a site environment's figures and missing metrics.
func webhookSiteOf(st report.Site) webhookSite {
	ws := webhookSite{ID: st.ID, Name: st.Name, DisplayName: st.DisplayName, Environment: st.Environment,
		EnvironmentID: st.EnvironmentID, Figures: []webhookFigure{}, Missing: []webhookMissing{}}
	for _, k := range report.AllSiteMetrics() {
		m := st.Metrics[k]
		if m == nil {
			continue
		}
		info, _ := report.SiteInfo(k)
		mi := report.MetricInfo{HasTotal: info.HasTotal, HasAverage: info.HasAverage, HasPeak: info.HasPeak}
		for _, f := range webhookFigures {
			if !f.has(mi) {
				continue
			}
			h := report.SiteHeadline{Key: k, Pick: f.pick}.Of(st)
			ws.Figures = append(ws.Figures, figureOf(string(k), f.name, info.Unit, h.Current, h.Previous, h.Compared, h.Reason))
		}
	}
	for _, ms := range st.Missing {
		ws.Missing = append(ws.Missing, webhookMissing{Metric: string(ms.Metric), Error: ms.Error})
	}
	return ws
}

// figureOf is one figure with its comparison: the change in percent, one
// decimal, unless the comparison is withheld (reason) or cannot be
// computed (no value on a side, or a previous zero).
func figureOf(metric, figure string, unit report.Unit, cur, prev *float64, compared bool, reason string) webhookFigure {
	wf := webhookFigure{Metric: metric, Figure: figure, Unit: unit, Value: finitePtr(cur), Compared: compared}
	if compared {
		wf.Previous = finitePtr(prev)
		wf.ChangeNote = reason
		if reason == "" && cur != nil && prev != nil && *prev != 0 {
			wf.ChangePercent = finite(math.Round((*cur-*prev)/math.Abs(*prev)*1000) / 10)
		}
	}
	return wf
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func finitePtr(v *float64) *float64 {
	if v == nil {
		return nil
	}
	return finite(*v)
}

// Sign returns the SignatureHeader value for body sent at t:
// "t=<unix seconds>,v1=<hex of HMAC-SHA256(secret, t + "." + body)>".
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + signature(secret, ts, body)
}

func signature(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// Errors of Verify.
var (
	ErrSignatureMissing  = errors.New("webhook signature missing or malformed")
	ErrSignatureMismatch = errors.New("webhook signature does not match")
	ErrSignatureExpired  = errors.New("webhook signature timestamp outside the tolerance")
)

// Verify checks a SignatureHeader value against body: some v1 signature
// (a sender rotating its secret may send several) must be the HMAC of the
// timestamp and the body under secret, and the timestamp must be within
// tolerance of now (DefaultTolerance when tolerance is 0), so a captured
// request cannot be replayed later. Compare in constant time.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var ts string
	var sigs []string
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrSignatureMissing
	}
	want := []byte(signature(secret, ts, body))
	if !slices.ContainsFunc(sigs, func(s string) bool { return hmac.Equal([]byte(s), want) }) {
		return ErrSignatureMismatch
	}
	if age := now.Sub(time.Unix(sec, 0)); age > tolerance || age < -tolerance {
		return fmt.Errorf("%w: signed %s ago, tolerance %s", ErrSignatureExpired, age.Round(time.Second), tolerance)
	}
	return nil
}

// WebhookMessage is the generic webhook's message: WebhookPayload signed
// with secret at now (SignatureHeader), with the schema in
// X-Kinsta-Report-Schema.
func WebhookMessage(r report.Report, link, secret string, now time.Time) (Message, error) {
	body, err := WebhookPayload(r, link)
	if err != nil {
		return Message{}, err
	}
	h := http.Header{}
	h.Set(SignatureHeader, Sign(secret, now, body))
	h.Set("X-Kinsta-Report-Schema", WebhookSchema)
	return Message{Body: body, ContentType: "application/json", Header: h}, nil
}
