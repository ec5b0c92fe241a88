package fetch

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// Seeds: the spec's own examples and the shapes the tests use.
var fuzzSeeds = []string{
	seriesBody("bandwidth", `[{"time":"1679587045511","value":"value"}]`),
	seriesBody("response_time", `[{"time":"1679587045511","value":"977"}]`),
	seriesBody("http_requests", `[{"time":1679587045511,"value":12.5},{"time":"1","value":null}]`),
	seriesBody("build_time", `[{"resource_type":"standard","data":[{"time":"1679587045511","value":127}]}]`),
	seriesBody("runtime", `[{"process_id":"1679587045511","seconds":"43223","plan":"s1","start_time":"1679587045511","end_time":"1679587045511"}]`),
	seriesBody("slowest_requests", `[{"avg_response_time_ms":120,"client_request_path":"/api","request_count":100}]`),
	processBody("cpu_usage", "cpu_limit", "1", `[{"time":"1679587045511","value":"value"}]`),
	processBody("memory_usage", "memory_limit", `"1"`, `[{"time":"1679587045511","value":"1"}]`),
	`{"company":{"apps":{"items":[{"id":"a","name":"n","display_name":"d","status":"deploymentSuccess"}]}}}`,
	`{"app":{"id":"a","name":"n"}}`,
	`{"company":{"users":[{"user":{"id":"u","email":"e","image":"i","full_name":"f"}}]}}`,
	`{"name":"k","expires_at":"1704081600000","company":"c","status":"active"}`,
	`{"message":"Bad request format","status":400,"data":null}`,
	`{"app":{"metrics":{"bandwidth":[{"time":"9223372036854775807","value":"1e999"}]}}}`,
	``, `null`, `[]`, `{"app":null}`, `{"app":{"metrics":null}}`,
}

func checkPoints(t *testing.T, ps []report.Point) {
	t.Helper()
	for i, p := range ps {
		if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
			t.Fatalf("point %d value %v", i, p.Value)
		}
		checkTime(t, p.Time)
	}
}

func checkTime(t *testing.T, tm time.Time) {
	t.Helper()
	if tm.IsZero() {
		return
	}
	if tm.Location() != time.UTC || tm.Year() < 1 || tm.Year() > 9999 {
		t.Fatalf("time %v outside UTC years 1-9999", tm)
	}
	if _, err := tm.MarshalJSON(); err != nil {
		t.Fatalf("time %v cannot be written as JSON: %v", tm, err)
	}
}

func checkErr(t *testing.T, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, ErrBadResponse) {
		t.Fatalf("error %v is not ErrBadResponse", err)
	}
}

func FuzzDecodeSeries(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, key := range []string{"bandwidth", "http_requests", "response_time"} {
			ps, err := decodeSeries(body, key)
			checkErr(t, err)
			checkPoints(t, ps)
		}
		ps, err := decodeBuildTime(body)
		checkErr(t, err)
		checkPoints(t, ps)
		for i := 1; i < len(ps); i++ {
			if !ps[i-1].Time.Before(ps[i].Time) {
				t.Fatalf("build time not sorted and unique at %d", i)
			}
		}
	})
}

func FuzzDecodeRows(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		runs, err := decodeRuns(body)
		checkErr(t, err)
		for _, r := range runs {
			if math.IsNaN(r.Seconds) || math.IsInf(r.Seconds, 0) {
				t.Fatalf("run seconds %v", r.Seconds)
			}
			checkTime(t, r.Start)
			checkTime(t, r.End)
		}
		rows, err := decodeSlowest(body)
		checkErr(t, err)
		for _, r := range rows {
			if math.IsNaN(r.AvgResponseTimeMS) || math.IsInf(r.RequestCount, 0) || math.IsNaN(r.RequestCount) || math.IsInf(r.AvgResponseTimeMS, 0) {
				t.Fatalf("row %+v", r)
			}
		}
	})
}

func FuzzDecodeProcesses(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, key := range []string{"cpu_usage", "memory_usage"} {
			ps, err := decodeProcesses(body, key)
			checkErr(t, err)
			for _, p := range ps {
				if math.IsNaN(p.Limit) || math.IsInf(p.Limit, 0) {
					t.Fatalf("limit %v", p.Limit)
				}
				checkPoints(t, p.Points)
			}
		}
	})
}

func FuzzDecodeCompany(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, err := decodeApps(body)
		checkErr(t, err)
		_, err = decodeApplication(body)
		checkErr(t, err)
		_, err = decodeUsers(body)
		checkErr(t, err)
		v, err := decodeValidation(body)
		checkErr(t, err)
		checkTime(t, v.ExpiresAt)
		_ = errorMessage(body, "secret-key")
	})
}

func FuzzDecodeScalars(f *testing.F) {
	for _, s := range []string{`"1"`, `1`, `"1679587045511"`, `1.5e12`, `"NaN"`, `"0x1p3"`, `"2023-03-23T16:57:25.511+01:00"`, `null`, `""`, `{}`, `"\u0000"`, `-9223372036854775808`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, ok, err := num("v", b)
		checkErr(t, err)
		if ok && (math.IsNaN(v) || math.IsInf(v, 0)) {
			t.Fatalf("num(%q) = %v", b, v)
		}
		tm, _, err := msTime("t", b)
		checkErr(t, err)
		checkTime(t, tm)
	})
}
