package report_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

func decode(t *testing.T, r report.Report) map[string]any {
	t.Helper()
	b, err := report.MarshalJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("document is not JSON: %v", err)
	}
	return doc
}

func TestJSONDocumentShape(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	r := reporttest.Build(reporttest.Options{Apps: 2, Days: 7, Location: berlin, MissingMetric: report.MemoryUsage})
	doc := decode(t, r)

	for k, want := range map[string]any{
		"schema": "kinsta-report/v1", "report": "weekly-ops", "timezone": "Europe/Berlin",
		"company_id": "54fb80af-576c-4fdc-ba4f-b596c83f15a1", "generated_at": "2026-11-23T05:00:00Z",
	} {
		if doc[k] != want {
			t.Errorf("%s = %v, want %v", k, doc[k], want)
		}
	}
	p := doc["periods"].([]any)[0].(map[string]any)
	if p["start"] != "2026-11-16T00:00:00+01:00" || p["end"] != "2026-11-23T00:00:00+01:00" || p["interval_seconds"] != 86400.0 {
		t.Errorf("period = %v %v %v", p["start"], p["end"], p["interval_seconds"])
	}
	app0 := p["apps"].([]any)[0].(map[string]any)
	metrics := app0["metrics"].(map[string]any)
	if _, ok := metrics["memory_usage"]; ok {
		t.Error("a missing metric must be absent from metrics")
	}
	missing := app0["missing"].([]any)
	if len(missing) != 1 || missing[0].(map[string]any)["metric"] != "memory_usage" {
		t.Errorf("missing = %v", missing)
	}

	bw := metrics["bandwidth"].(map[string]any)
	if bw["unit"] != "bytes" {
		t.Errorf("bandwidth unit = %v", bw["unit"])
	}
	pts := bw["points"].([]any)
	var sum, peak float64
	for _, pt := range pts {
		v := pt.(map[string]any)["value"].(float64)
		sum += v
		peak = max(peak, v)
	}
	if len(pts) != 7 || bw["total"] != sum || bw["peak"] != peak {
		t.Errorf("bandwidth total/peak = %v/%v, want %v/%v over %d points", bw["total"], bw["peak"], sum, peak, len(pts))
	}
	if _, ok := bw["average"]; ok {
		t.Error("bandwidth has no average in the contract")
	}
	if pts[0].(map[string]any)["time"] != "2026-11-16T00:00:00+01:00" {
		t.Errorf("first point time = %v", pts[0])
	}
	rq := metrics["http_requests"].(map[string]any)
	if _, ok := rq["total"]; ok {
		t.Error("http_requests has no total in the contract")
	}
	if rq["unit"] != "requests_per_minute" || rq["average"] == nil || rq["peak"] == nil {
		t.Errorf("http_requests = %v", rq)
	}
	rt := metrics["run_time"].(map[string]any)
	if rt["unit"] != "seconds" || len(rt["runs"].([]any)) != 1 {
		t.Errorf("run_time = %v", rt)
	}
	cpu := metrics["cpu_usage"].(map[string]any)
	procs := cpu["processes"].([]any)
	if cpu["unit"] != "percent" || len(procs) != 2 || procs[0].(map[string]any)["name"] != "web" {
		t.Errorf("cpu_usage = %v", cpu)
	}
	slow := metrics["slowest_requests"].([]any)
	if slow[0].(map[string]any)["path"] != "/api/orders" || slow[0].(map[string]any)["request_count"] != 87.0 {
		t.Errorf("slowest_requests = %v", slow)
	}
	users := doc["users"].([]any)
	if users[0].(map[string]any)["full_name"] != "Ada Lovelace" {
		t.Errorf("users = %v", users)
	}
	api := doc["api"].(map[string]any)
	if api["requests"] != 42.0 || api["retries"] != 2.0 || api["rate_limited"] != 1.0 || api["wait_seconds"] != 1.5 {
		t.Errorf("api = %v", api)
	}
}

func TestJSONMetricOrderAndNulls(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Apps: 1, Days: 1})
	// An empty series has no figures: they are null, never 0.
	r.Periods[0].Apps[0].Metrics[report.HTTPRequests].Points = nil
	report.Finalize(&r)
	b, err := report.MarshalJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	last := -1
	for _, k := range report.AllMetrics() {
		i := strings.Index(s, `"`+string(k)+`":`)
		if i < last {
			t.Errorf("metric %s out of contract order", k)
		}
		last = i
	}
	doc := decode(t, r)
	rq := doc["periods"].([]any)[0].(map[string]any)["apps"].([]any)[0].(map[string]any)["metrics"].(map[string]any)["http_requests"].(map[string]any)
	if v, ok := rq["average"]; !ok || v != nil {
		t.Errorf("average of an empty series = %v (present %v), want null", v, ok)
	}
	if pts := rq["points"].([]any); len(pts) != 0 {
		t.Errorf("points = %v, want []", pts)
	}
}

func TestJSONKeepsHostileStringsLiteral(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Apps: len(reporttest.Hostile), Days: 1, HostileNames: true})
	doc := decode(t, r)
	apps := doc["periods"].([]any)[0].(map[string]any)["apps"].([]any)
	for i, h := range reporttest.Hostile {
		if got := apps[i].(map[string]any)["display_name"]; got != h {
			t.Errorf("app %d display_name = %q, want %q", i, got, h)
		}
	}
}

func TestJSONChangeAndAlerts(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Apps: 1, Days: 7, WithAlerts: true})
	m := r.Periods[0].Apps[0].Metrics[report.Bandwidth]
	m.Summary.Change = &report.Change{
		Previous: report.Figures{Total: report.F(100), Peak: report.F(0)},
		// 12.3456 % is 12.35 to two decimals (12.3 to one, 12 to none).
		Percent: report.Figures{Total: report.F(12.3456)},
	}
	doc := decode(t, r)
	bw := doc["periods"].([]any)[0].(map[string]any)["apps"].([]any)[0].(map[string]any)["metrics"].(map[string]any)["bandwidth"].(map[string]any)
	prev := bw["previous"].(map[string]any)
	cp := bw["change_percent"].(map[string]any)
	if prev["total"] != 100.0 || prev["peak"] != 0.0 || cp["total"] != 12.35 || cp["peak"] != nil {
		t.Errorf("previous = %v, change_percent = %v", prev, cp)
	}
	alerts := doc["alerts"].([]any)
	if len(alerts) != 1 || alerts[0].(map[string]any)["metric"] != "response_time_p95" || alerts[0].(map[string]any)["limit"] != 300.0 {
		t.Errorf("alerts = %v", alerts)
	}
}

func TestFixtureAlertsWithTheirMetricMissing(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Apps: 2, WithAlerts: true, MissingMetric: report.ResponseTimeP95})
	if len(r.Alerts) != 1 || r.Alerts[0].AppID != r.Periods[0].Apps[1].ID {
		t.Errorf("alerts = %+v, want one on the second app", r.Alerts)
	}
}
