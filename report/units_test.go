package report

import (
	"strings"
	"testing"
)

func TestParseLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		metric MetricKey
		in     any
		want   float64
		raw    string
	}{
		{"bytes plain int", Bandwidth, 1000, 1000, "1000"},
		{"5GB", Bandwidth, "5GB", 5e9, "5GB"},
		{"1.5 GiB with a space", MemoryUsage, "1.5 GiB", 1.5 * (1 << 30), "1.5 GiB"},
		{"512MiB", MemoryUsage, "512MiB", 512 << 20, "512MiB"},
		{"lower case gb", Bandwidth, "2gb", 2e9, "2gb"},
		{"KB decimal", Bandwidth, "3KB", 3000, "3KB"},
		{"KiB binary", Bandwidth, "3KiB", 3072, "3KiB"},
		{"TB", Bandwidth, "1TB", 1e12, "1TB"},
		{"B", Bandwidth, "10 B", 10, "10 B"},
		{"800ms", ResponseTimeP95, "800ms", 800, "800ms"},
		{"2s in ms", ResponseTimeAvg, "2s", 2000, "2s"},
		{"1.5m in ms", ResponseTimeP50, "1.5m", 90000, "1.5m"},
		{"plain ms", ResponseTimeP95, 800, 800, "800"},
		{"float ms", ResponseTimeP95, 799.5, 799.5, "799.5"},
		{"2s in seconds", BuildTime, "2s", 2, "2s"},
		{"500ms in seconds", BuildTime, "500ms", 0.5, "500ms"},
		{"1h in seconds", RunTime, "1h", 3600, "1h"},
		{"1.5m in seconds", BuildTime, "1.5m", 90, "1.5m"},
		{"80%", CPUUsage, "80%", 80, "80%"},
		{"80 % with a space", CPUUsage, "80 %", 80, "80 %"},
		{"plain percent", CPUUsage, 80, 80, "80"},
		{"requests per minute", HTTPRequests, 600, 600, "600"},
		{"numeric string", HTTPRequests, "600", 600, "600"},
		{"zero", CPUUsage, 0, 0, "0"},
		{"int64", Bandwidth, int64(7), 7, "7"},
		{"slowest requests ms", SlowestRequests, "1s", 1000, "1s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, raw, err := ParseLimit(tc.metric, tc.in)
			if err != nil {
				t.Fatalf("ParseLimit(%s, %#v): %v", tc.metric, tc.in, err)
			}
			if got != tc.want || raw != tc.raw {
				t.Errorf("ParseLimit(%s, %#v) = %v, %q; want %v, %q", tc.metric, tc.in, got, raw, tc.want, tc.raw)
			}
		})
	}
}

func TestParseLimitErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		metric MetricKey
		in     any
		want   []string // substrings of the error
	}{
		{"ms on bytes", Bandwidth, "800ms", []string{`unit "ms" does not fit bandwidth`, "bytes", "5GB"}},
		{"percent on ms", ResponseTimeP95, "80%", []string{`unit "%" does not fit response_time_p95`, "ms", "800ms"}},
		{"bytes on cpu", CPUUsage, "5GB", []string{`unit "GB" does not fit cpu_usage`, "80%"}},
		{"unit on requests", HTTPRequests, "600rpm", []string{`unit "rpm" does not fit http_requests`, "plain number"}},
		{"capital M is not minutes", ResponseTimeP95, "2M", []string{`unit "M"`}},
		{"negative number", CPUUsage, -5, []string{"-5 is negative", "0 or more"}},
		{"negative string", Bandwidth, "-5GB", []string{"-5GB is negative"}},
		{"not a number", CPUUsage, "lots", []string{`"lots" is not a number`, "80%"}},
		{"empty", CPUUsage, "", []string{`"" is not a number`}},
		{"missing", CPUUsage, nil, []string{"missing value"}},
		{"bool", CPUUsage, true, []string{"true is not a number"}},
		{"unknown metric", MetricKey("cpu"), 5, []string{`unknown metric "cpu"`, "cpu_usage"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := ParseLimit(tc.metric, tc.in)
			if err == nil {
				t.Fatalf("ParseLimit(%s, %#v): no error", tc.metric, tc.in)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ParseLimit(%s, %#v) error %q does not contain %q", tc.metric, tc.in, err, w)
				}
			}
		})
	}
}
