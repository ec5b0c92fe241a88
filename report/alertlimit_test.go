package report

import "testing"

func TestAlertLimit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		a    Alert
		want string
	}{
		{"no threshold text", Alert{Unit: UnitMS, Limit: 800}, "800 ms"},
		{"a bare number is in the metric's unit already", Alert{Unit: UnitPercent, Limit: 80, Threshold: "80"}, "80.0 %"},
		{"the same reading is not repeated", Alert{Unit: UnitMS, Limit: 800, Threshold: "800ms"}, "800 ms"},
		{"trailing zeros read the same", Alert{Unit: UnitPercent, Limit: 50, Threshold: "50%"}, "50.0 %"},
		{"other units follow in brackets", Alert{Unit: UnitBytes, Limit: 1.5 * 1024 * 1024 * 1024, Threshold: "1.5GiB"}, "1.61 GB (1.5GiB)"},
		{"config text is defused", Alert{Unit: UnitBytes, Limit: 1.5 * 1024 * 1024 * 1024, Threshold: "1.5GiB\n"}, "1.61 GB (1.5GiB)"},
	}
	for _, tc := range cases {
		if got := AlertLimit(tc.a); got != tc.want {
			t.Errorf("%s: AlertLimit = %q, want %q", tc.name, got, tc.want)
		}
	}
}
