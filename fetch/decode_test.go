package fetch

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDecodeErrorsNameTheElement(t *testing.T) {
	t.Parallel()
	pt := func(v string) string { return `{"time":"` + ms1 + `","value":` + v + `}` }
	tests := []struct {
		name   string
		decode func([]byte) error
		body   string
		want   string // the whole DecodeError text
	}{
		{"bandwidth word", sd("bandwidth"), seriesBody("bandwidth", `[`+pt(`"1"`)+`,`+pt(`"value"`)+`]`), `bandwidth[1].value "value": not a number`},
		{"bandwidth boolean", sd("bandwidth"), seriesBody("bandwidth", `[`+pt(`true`)+`]`), `bandwidth[0].value true: not a number`},
		{"bandwidth object", sd("bandwidth"), seriesBody("bandwidth", `[`+pt(`{"a":1}`)+`]`), `bandwidth[0].value {"a":1}: not a number`},
		{"NaN", sd("http_requests"), seriesBody("http_requests", `[`+pt(`"NaN"`)+`]`), `http_requests[0].value "NaN": not a finite number`},
		{"Inf", sd("response_time"), seriesBody("response_time", `[`+pt(`"-Inf"`)+`]`), `response_time[0].value "-Inf": not a finite number`},
		{"huge", sd("response_time"), seriesBody("response_time", `[`+pt(`1e999`)+`]`), `response_time[0].value 1e999: number out of range`},
		{"time missing", sd("bandwidth"), seriesBody("bandwidth", `[{"value":"1"}]`), `bandwidth[0].time: missing`},
		{"time not ms", sd("bandwidth"), seriesBody("bandwidth", `[{"time":"yesterday","value":"1"}]`), `bandwidth[0].time "yesterday": not an epoch-milliseconds timestamp`},
		{"time fraction", sd("bandwidth"), seriesBody("bandwidth", `[{"time":1.5,"value":"1"}]`), `bandwidth[0].time 1.5: not an epoch-milliseconds timestamp`},
		{"time out of range", sd("bandwidth"), seriesBody("bandwidth", `[{"time":"9223372036854775807","value":"1"}]`), `bandwidth[0].time "9223372036854775807": timestamp out of range`},
		{"array is an object", sd("bandwidth"), seriesBody("bandwidth", `{"time":"1"}`), `app.metrics.bandwidth: unexpected JSON object`},
		{"long value shortened", sd("bandwidth"), seriesBody("bandwidth", `[`+pt(`"`+strings.Repeat("x", 100)+`"`)+`]`), `bandwidth[0].value "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"…: not a number`},
		{"build time nested", func(b []byte) error { _, err := decodeBuildTime(b); return err },
			seriesBody("build_time", `[{"resource_type":"s","data":[]},{"data":[`+pt(`1`)+`,`+pt(`"x"`)+`]}]`), `build_time[1].data[1].value "x": not a number`},
		{"run seconds", func(b []byte) error { _, err := decodeRuns(b); return err },
			seriesBody("runtime", `[{"process_id":"a","seconds":"lots"}]`), `runtime[0].seconds "lots": not a number`},
		{"run seconds missing", func(b []byte) error { _, err := decodeRuns(b); return err },
			seriesBody("runtime", `[{"process_id":"a","seconds":null}]`), `runtime[0].seconds: missing`},
		{"run start", func(b []byte) error { _, err := decodeRuns(b); return err },
			seriesBody("runtime", `[{"seconds":"1","start_time":"soon"}]`), `runtime[0].start_time "soon": not an epoch-milliseconds timestamp`},
		{"slowest ms", func(b []byte) error { _, err := decodeSlowest(b); return err },
			seriesBody("slowest_requests", `[{"avg_response_time_ms":"slow","client_request_path":"/"}]`), `slowest_requests[0].avg_response_time_ms "slow": not a number`},
		{"slowest count", func(b []byte) error { _, err := decodeSlowest(b); return err },
			seriesBody("slowest_requests", `[{"avg_response_time_ms":1,"request_count":"many"}]`), `slowest_requests[0].request_count "many": not a number`},
		{"cpu value", func(b []byte) error { _, err := decodeProcesses(b, "cpu_usage"); return err },
			processBody("cpu_usage", "cpu_limit", "1", `[`+pt(`"value"`)+`]`), `processes[0].metrics.cpu_usage[0].value "value": not a number`},
		{"memory limit", func(b []byte) error { _, err := decodeProcesses(b, "memory_usage"); return err },
			processBody("memory_usage", "memory_limit", `"big"`, `[]`), `processes[0].memory_limit "big": not a number`},
		{"process without app", func(b []byte) error { _, err := decodeProcesses(b, "cpu_usage"); return err }, `{"apps":{}}`, `app: missing`},
		{"users company missing", func(b []byte) error { _, err := decodeUsers(b); return err }, `{"users":[]}`, `company: missing`},
		{"users user missing", func(b []byte) error { _, err := decodeUsers(b); return err }, `{"company":{"users":[{"x":1}]}}`, `company.users[0].user: missing`},
		{"users id an object", func(b []byte) error { _, err := decodeUsers(b); return err }, `{"company":{"users":[{"user":{"id":{}}}]}}`, `company.users.user.id: unexpected JSON object`},
		{"apps item id missing", func(b []byte) error { _, err := decodeApps(b); return err }, `{"company":{"apps":{"items":[{"name":"x"}]}}}`, `company.apps.items[0].id: missing`},
		{"apps company missing", func(b []byte) error { _, err := decodeApps(b); return err }, `{}`, `company: missing`},
		{"application missing", func(b []byte) error { _, err := decodeApplication(b); return err }, `{"app":null}`, `app: missing`},
		{"validate expiry", func(b []byte) error { _, err := decodeValidation(b); return err }, `{"company":"c","expires_at":"never"}`, `expires_at "never": not an epoch-milliseconds timestamp`},
		{"validate company", func(b []byte) error { _, err := decodeValidation(b); return err }, `{"company":null}`, `company: missing`},
		{"truncated", sd("bandwidth"), `{"app":{"metrics":{"bandwidth":[`, `body: invalid JSON at byte 32: unexpected end of JSON input`},
		{"not JSON", sd("bandwidth"), `<html>`, `body: invalid JSON at byte 1: invalid character '<' looking for beginning of value`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.decode([]byte(tc.body))
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v\nwant   %s", err, tc.want)
			}
			if !errors.Is(err, ErrBadResponse) {
				t.Errorf("err %v is not ErrBadResponse", err)
			}
		})
	}
}

func sd(key string) func([]byte) error {
	return func(b []byte) error { _, err := decodeSeries(b, key); return err }
}

func TestTimestampShapes(t *testing.T) {
	t.Parallel()
	want := time.Date(2023, 3, 23, 15, 57, 25, 511e6, time.UTC)
	for _, in := range []string{`"1679587045511"`, `1679587045511`, `1.679587045511e12`, `" 1679587045511 "`, `"2023-03-23T16:57:25.511+01:00"`} {
		got, ok, err := msTime("t", []byte(in))
		if err != nil || !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("msTime(%s) = %v, %v, %v", in, got, ok, err)
		}
	}
	for _, in := range []string{``, `null`, `""`, `"  "`} {
		if _, ok, err := msTime("t", []byte(in)); ok || err != nil {
			t.Errorf("msTime(%q): ok %v err %v, want no value", in, ok, err)
		}
	}
	if _, _, err := msTime("t", []byte(`2023`)); err != nil {
		t.Errorf("a small number is epoch ms: %v", err)
	}
}

func TestNumberShapes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]float64{`"977"`: 977, `977`: 977, `"-1.5e3"`: -1500, `0`: 0, `"0.000001"`: 1e-6} {
		got, ok, err := num("v", []byte(in))
		if err != nil || !ok || got != want {
			t.Errorf("num(%s) = %v, %v, %v; want %v", in, got, ok, err, want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		`{"message":"Unauthenticated.","status":401,"data":null}`: "Unauthenticated.",
		`{"status":429}`:      "",
		`<html>oops</html>`:   "",
		"line one\nline\ttwo": "line one line two",
		`{"message":` + `"` + strings.Repeat("é", 300) + `"}`: strings.Repeat("é", 200) + "…",
		`{"message":{"nested":true}}`:                         "",
	}
	for in, want := range tests {
		if got := errorMessage([]byte(in), ""); got != want {
			t.Errorf("errorMessage(%.30q) = %q, want %q", in, got, want)
		}
	}
}
