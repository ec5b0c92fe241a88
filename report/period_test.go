package report

import (
	"strings"
	"testing"
	"time"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s: %v", name, err)
	}
	return loc
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return tm
}

func TestResolvePeriod(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		zone       string
		now        string
		spec       PeriodSpec
		start, end string // RFC 3339 with the zone's offset
		hours      float64
	}{
		// The contract's own example: Monday 07:00 in Berlin.
		{"previous_week contract example", "Europe/Berlin", "2026-11-23T06:00:00Z", PeriodSpec{Name: "previous_week"}, "2026-11-16T00:00:00+01:00", "2026-11-23T00:00:00+01:00", 168},
		{"yesterday", "Europe/Berlin", "2026-11-23T06:00:00Z", PeriodSpec{Name: "yesterday"}, "2026-11-22T00:00:00+01:00", "2026-11-23T00:00:00+01:00", 24},
		{"last_7_days", "Europe/Berlin", "2026-11-23T06:00:00Z", PeriodSpec{Name: "last_7_days"}, "2026-11-16T00:00:00+01:00", "2026-11-23T00:00:00+01:00", 168},
		{"last_1_days is yesterday", "Europe/Berlin", "2026-11-23T06:00:00Z", PeriodSpec{Name: "last_1_days"}, "2026-11-22T00:00:00+01:00", "2026-11-23T00:00:00+01:00", 24},
		{"last_30_days across the autumn change", "Europe/Berlin", "2026-11-23T06:00:00Z", PeriodSpec{Name: "last_30_days"}, "2026-10-24T00:00:00+02:00", "2026-11-23T00:00:00+01:00", 30*24 + 1},
		{"previous_month across the autumn change", "Europe/Berlin", "2026-11-23T06:00:00Z", PeriodSpec{Name: "previous_month"}, "2026-10-01T00:00:00+02:00", "2026-11-01T00:00:00+01:00", 31*24 + 1},
		{"week_to_date", "Europe/Berlin", "2026-11-25T09:30:00Z", PeriodSpec{Name: "week_to_date"}, "2026-11-23T00:00:00+01:00", "2026-11-25T10:30:00+01:00", 58.5},
		{"week_to_date on Sunday night", "Europe/Berlin", "2026-11-29T22:59:00Z", PeriodSpec{Name: "week_to_date"}, "2026-11-23T00:00:00+01:00", "2026-11-29T23:59:00+01:00", 6*24 + 23 + 59.0/60},
		{"month_to_date", "Europe/Berlin", "2026-11-23T06:00:00Z", PeriodSpec{Name: "month_to_date"}, "2026-11-01T00:00:00+01:00", "2026-11-23T07:00:00+01:00", 22*24 + 7},
		{"previous_week at Monday midnight", "Europe/Berlin", "2026-11-22T23:00:00Z", PeriodSpec{Name: "previous_week"}, "2026-11-16T00:00:00+01:00", "2026-11-23T00:00:00+01:00", 168},
		{"week_to_date at Monday midnight is empty", "Europe/Berlin", "2026-11-22T23:00:00Z", PeriodSpec{Name: "week_to_date"}, "2026-11-23T00:00:00+01:00", "2026-11-23T00:00:00+01:00", 0},

		// DST: the 23 h and 25 h days stay one day.
		{"Berlin spring forward day", "Europe/Berlin", "2026-03-30T08:00:00Z", PeriodSpec{Name: "yesterday"}, "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00", 23},
		{"Berlin fall back day", "Europe/Berlin", "2026-10-26T09:00:00Z", PeriodSpec{Name: "yesterday"}, "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00", 25},
		{"Berlin week with the spring change", "Europe/Berlin", "2026-04-01T08:00:00Z", PeriodSpec{Name: "previous_week"}, "2026-03-23T00:00:00+01:00", "2026-03-30T00:00:00+02:00", 167},
		{"New York spring forward day", "America/New_York", "2026-03-09T15:00:00Z", PeriodSpec{Name: "yesterday"}, "2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00", 23},
		{"New York fall back day", "America/New_York", "2026-11-02T15:00:00Z", PeriodSpec{Name: "yesterday"}, "2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00", 25},
		{"New York week with the autumn change", "America/New_York", "2026-11-05T15:00:00Z", PeriodSpec{Name: "previous_week"}, "2026-10-26T00:00:00-04:00", "2026-11-02T00:00:00-05:00", 169},
		{"New York evening is still the local day", "America/New_York", "2026-11-24T03:00:00Z", PeriodSpec{Name: "yesterday"}, "2026-11-22T00:00:00-05:00", "2026-11-23T00:00:00-05:00", 24},

		// Midnight that does not exist: the day starts when the clocks jump.
		{"Santiago: the day without a midnight", "America/Santiago", "2026-09-07T15:00:00Z", PeriodSpec{Name: "yesterday"}, "2026-09-06T01:00:00-03:00", "2026-09-07T00:00:00-03:00", 23},
		{"Santiago: the day after it", "America/Santiago", "2026-09-08T15:00:00Z", PeriodSpec{Name: "yesterday"}, "2026-09-07T00:00:00-03:00", "2026-09-08T00:00:00-03:00", 24},
		{"Santiago: custom date on that day", "America/Santiago", "2026-11-23T06:00:00Z", PeriodSpec{Name: "x", Start: "2026-09-06", End: "2026-09-06"}, "2026-09-06T01:00:00-03:00", "2026-09-07T00:00:00-03:00", 23},

		// Month ends, the leap day and the year end.
		{"leap day is yesterday", "UTC", "2024-03-01T00:30:00Z", PeriodSpec{Name: "yesterday"}, "2024-02-29T00:00:00Z", "2024-03-01T00:00:00Z", 24},
		{"previous_month is a leap February", "UTC", "2024-03-01T00:30:00Z", PeriodSpec{Name: "previous_month"}, "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z", 29 * 24},
		{"previous_month on the 31st", "UTC", "2024-03-31T12:00:00Z", PeriodSpec{Name: "previous_month"}, "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z", 29 * 24},
		{"previous_month across the year end", "UTC", "2026-01-01T05:00:00Z", PeriodSpec{Name: "previous_month"}, "2025-12-01T00:00:00Z", "2026-01-01T00:00:00Z", 31 * 24},
		{"previous_week across the year end", "UTC", "2026-01-01T05:00:00Z", PeriodSpec{Name: "previous_week"}, "2025-12-22T00:00:00Z", "2025-12-29T00:00:00Z", 168},
		{"last_3_days across the leap day", "UTC", "2024-03-02T08:00:00Z", PeriodSpec{Name: "last_3_days"}, "2024-02-28T00:00:00Z", "2024-03-02T00:00:00Z", 72},
		{"month_to_date on the first", "UTC", "2024-03-01T00:30:00Z", PeriodSpec{Name: "month_to_date"}, "2024-03-01T00:00:00Z", "2024-03-01T00:30:00Z", 0.5},

		// Half-hour offsets.
		{"Kolkata: the local date is ahead of UTC", "Asia/Kolkata", "2026-11-22T20:00:00Z", PeriodSpec{Name: "yesterday"}, "2026-11-22T00:00:00+05:30", "2026-11-23T00:00:00+05:30", 24},
		{"Kolkata previous_week", "Asia/Kolkata", "2026-11-22T20:00:00Z", PeriodSpec{Name: "previous_week"}, "2026-11-16T00:00:00+05:30", "2026-11-23T00:00:00+05:30", 168},
		{"Adelaide spring forward day", "Australia/Adelaide", "2026-10-05T02:00:00Z", PeriodSpec{Name: "yesterday"}, "2026-10-04T00:00:00+09:30", "2026-10-05T00:00:00+10:30", 23},

		// Custom ranges.
		{"custom dates include the end day", "Europe/Berlin", "2026-11-23T06:00:00Z", PeriodSpec{Name: "april", Start: "2024-04-20", End: "2024-04-28"}, "2024-04-20T00:00:00+02:00", "2024-04-29T00:00:00+02:00", 9 * 24},
		{"custom RFC 3339 end is exclusive", "Europe/Berlin", "2026-11-23T06:00:00Z", PeriodSpec{Name: "x", Start: "2024-04-20", End: "2024-04-28T00:00:00Z"}, "2024-04-20T00:00:00+02:00", "2024-04-28T02:00:00+02:00", 8*24 + 2},
		{"custom one day across DST", "Europe/Berlin", "2026-11-23T06:00:00Z", PeriodSpec{Name: "dst", Start: "2026-03-29", End: "2026-03-29"}, "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00", 23},
		{"custom RFC 3339 both ends", "UTC", "2026-11-23T06:00:00Z", PeriodSpec{Name: "x", Start: "2024-04-20T12:00:00+02:00", End: "2024-04-20T18:00:00+02:00"}, "2024-04-20T10:00:00Z", "2024-04-20T16:00:00Z", 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			loc := mustLoc(t, tc.zone)
			name, start, end, err := ResolvePeriod(tc.spec, mustTime(t, tc.now), loc)
			if err != nil {
				t.Fatalf("ResolvePeriod: %v", err)
			}
			if name != tc.spec.Name {
				t.Errorf("name = %q, want %q", name, tc.spec.Name)
			}
			if got := start.Format(time.RFC3339); got != tc.start {
				t.Errorf("start = %s, want %s", got, tc.start)
			}
			if got := end.Format(time.RFC3339); got != tc.end {
				t.Errorf("end = %s, want %s", got, tc.end)
			}
			if start.Location() != loc || end.Location() != loc {
				t.Errorf("range not in %s: %v, %v", loc, start.Location(), end.Location())
			}
			if got := end.Sub(start).Hours(); got != tc.hours {
				t.Errorf("length = %vh, want %vh", got, tc.hours)
			}
		})
	}
}

func TestResolvePeriodErrors(t *testing.T) {
	t.Parallel()
	now := mustTime(t, "2026-11-23T06:00:00Z")
	tests := []struct {
		name string
		spec PeriodSpec
		want string
	}{
		{"misspelt", PeriodSpec{Name: "last_quater"}, `unknown period "last_quater" (want one of: yesterday, last_N_days`},
		{"last_0_days", PeriodSpec{Name: "last_0_days"}, `unknown period "last_0_days"`},
		{"leading zero", PeriodSpec{Name: "last_07_days"}, `unknown period "last_07_days"`},
		{"singular", PeriodSpec{Name: "last_1_day"}, `unknown period "last_1_day"`},
		{"end before start", PeriodSpec{Name: "x", Start: "2024-04-28", End: "2024-04-20"}, "is not after start"},
		{"bad date", PeriodSpec{Name: "x", Start: "2024-13-01", End: "2024-12-20"}, `"2024-13-01" is neither a date nor an RFC 3339 time`},
		{"no end", PeriodSpec{Name: "x", Start: "2024-04-01"}, "has no end"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, _, err := ResolvePeriod(tc.spec, now, time.UTC)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ResolvePeriod(%+v) error = %v, want it to contain %q", tc.spec, err, tc.want)
			}
		})
	}
}

func TestResolvePeriodNilLocationIsUTC(t *testing.T) {
	t.Parallel()
	_, start, _, err := ResolvePeriod(PeriodSpec{Name: "yesterday"}, mustTime(t, "2026-11-23T06:00:00+05:00"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := start.Format(time.RFC3339); got != "2026-11-22T00:00:00Z" {
		t.Errorf("start = %s, want 2026-11-22T00:00:00Z", got)
	}
}

func TestPreviousRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		zone       string
		period     string
		start, end string
		wantStart  string
		wantEnd    string
	}{
		{"previous_month", "Europe/Berlin", "previous_month", "2026-10-01T00:00:00+02:00", "2026-11-01T00:00:00+01:00", "2026-09-01T00:00:00+02:00", "2026-10-01T00:00:00+02:00"},
		{"previous_month before a leap February", "UTC", "previous_month", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"},
		{"previous_month across the year end", "UTC", "previous_month", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "2025-12-01T00:00:00Z", "2026-01-01T00:00:00Z"},
		{"month_to_date: same elapsed days", "Europe/Berlin", "month_to_date", "2026-11-01T00:00:00+01:00", "2026-11-23T07:00:00+01:00", "2026-10-01T00:00:00+02:00", "2026-10-23T07:00:00+02:00"},
		{"month_to_date clamped to the shorter month", "UTC", "month_to_date", "2024-03-01T00:00:00Z", "2024-03-31T12:00:00Z", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"},
		{"month_to_date on the leap day", "UTC", "month_to_date", "2024-02-01T00:00:00Z", "2024-02-29T06:00:00Z", "2024-01-01T00:00:00Z", "2024-01-29T06:00:00Z"},
		{"previous_week", "Europe/Berlin", "previous_week", "2026-11-16T00:00:00+01:00", "2026-11-23T00:00:00+01:00", "2026-11-09T00:00:00+01:00", "2026-11-16T00:00:00+01:00"},
		{"previous_week across the spring change", "Europe/Berlin", "previous_week", "2026-03-30T00:00:00+02:00", "2026-04-06T00:00:00+02:00", "2026-03-23T00:00:00+01:00", "2026-03-30T00:00:00+02:00"},
		{"week_to_date", "Europe/Berlin", "week_to_date", "2026-11-23T00:00:00+01:00", "2026-11-25T10:30:00+01:00", "2026-11-16T00:00:00+01:00", "2026-11-18T10:30:00+01:00"},
		{"yesterday after a 25 h day", "Europe/Berlin", "yesterday", "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00", "2026-10-24T00:00:00+02:00", "2026-10-25T00:00:00+02:00"},
		{"last_7_days", "America/New_York", "last_7_days", "2026-03-09T00:00:00-04:00", "2026-03-16T00:00:00-04:00", "2026-03-02T00:00:00-05:00", "2026-03-09T00:00:00-04:00"},
		{"last_30_days", "UTC", "last_30_days", "2026-10-24T00:00:00Z", "2026-11-23T00:00:00Z", "2026-09-24T00:00:00Z", "2026-10-24T00:00:00Z"},
		{"custom dates", "Europe/Berlin", "april", "2024-04-20T00:00:00+02:00", "2024-04-29T00:00:00+02:00", "2024-04-11T00:00:00+02:00", "2024-04-20T00:00:00+02:00"},
		{"custom times do not overlap", "UTC", "x", "2024-04-20T12:00:00Z", "2024-04-22T18:00:00Z", "2024-04-17T12:00:00Z", "2024-04-19T18:00:00Z"},
		{"yesterday before the Santiago gap day", "America/Santiago", "yesterday", "2026-09-07T00:00:00-03:00", "2026-09-08T00:00:00-03:00", "2026-09-06T01:00:00-03:00", "2026-09-07T00:00:00-03:00"},
		{"yesterday from the Santiago gap day", "America/Santiago", "yesterday", "2026-09-06T01:00:00-03:00", "2026-09-07T00:00:00-03:00", "2026-09-05T00:00:00-04:00", "2026-09-06T01:00:00-03:00"},
		{"custom hours within a day", "Asia/Kolkata", "x", "2024-04-20T09:00:00+05:30", "2024-04-20T17:00:00+05:30", "2024-04-19T09:00:00+05:30", "2024-04-19T17:00:00+05:30"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			loc := mustLoc(t, tc.zone)
			start, end := PreviousRange(tc.period, mustTime(t, tc.start), mustTime(t, tc.end), loc)
			if got := start.Format(time.RFC3339); got != tc.wantStart {
				t.Errorf("start = %s, want %s", got, tc.wantStart)
			}
			if got := end.Format(time.RFC3339); got != tc.wantEnd {
				t.Errorf("end = %s, want %s", got, tc.wantEnd)
			}
			if end.After(mustTime(t, tc.start)) {
				t.Errorf("previous range ends at %s, after the period's start %s", end, tc.start)
			}
		})
	}
}

func TestIntervalFor(t *testing.T) {
	t.Parallel()
	berlin := mustLoc(t, "Europe/Berlin")
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, berlin) }
	tests := []struct {
		name       string
		setting    string
		start, end time.Time
		want       time.Duration
	}{
		{"auto, one day", "auto", day(2026, 11, 22), day(2026, 11, 23), time.Hour},
		{"auto, empty setting", "", day(2026, 11, 22), day(2026, 11, 23), time.Hour},
		{"auto, seven days", "auto", day(2026, 11, 16), day(2026, 11, 23), time.Hour},
		{"auto, seven days of 169 h", "auto", day(2026, 10, 19), day(2026, 10, 26), time.Hour},
		{"auto, seven days of 167 h", "auto", day(2026, 3, 23), day(2026, 3, 30), time.Hour},
		{"auto, eight days", "auto", day(2026, 11, 15), day(2026, 11, 23), 24 * time.Hour},
		{"auto, a month", "auto", day(2026, 10, 1), day(2026, 11, 1), 24 * time.Hour},
		{"1h on a month", "1h", day(2026, 10, 1), day(2026, 11, 1), time.Hour},
		{"6h", "6h", day(2026, 11, 16), day(2026, 11, 23), 6 * time.Hour},
		{"1d on a day", "1d", day(2026, 11, 22), day(2026, 11, 23), 24 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := IntervalFor(tc.setting, tc.start, tc.end); got != tc.want {
				t.Errorf("IntervalFor(%q, %s, %s) = %s, want %s", tc.setting, tc.start, tc.end, got, tc.want)
			}
		})
	}
}

func TestBeyondRetention(t *testing.T) {
	t.Parallel()
	berlin := mustLoc(t, "Europe/Berlin")
	now := mustTime(t, "2026-11-23T06:00:00Z") // 07:00 in Berlin
	tests := []struct {
		period string
		want   bool
	}{
		{"yesterday", false},
		{"last_30_days", false},
		{"last_31_days", true},
		{"previous_week", false},
		{"previous_month", true},
		{"month_to_date", false},
	}
	for _, tc := range tests {
		t.Run(tc.period, func(t *testing.T) {
			t.Parallel()
			_, start, _, err := ResolvePeriod(PeriodSpec{Name: tc.period}, now, berlin)
			if err != nil {
				t.Fatal(err)
			}
			if got := BeyondRetention(start, now); got != tc.want {
				t.Errorf("BeyondRetention(%s, %s) = %v, want %v", start, now, got, tc.want)
			}
			if got := BeyondRetention(start, now.In(berlin)); got != tc.want {
				t.Errorf("BeyondRetention with now in Berlin = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLastDay(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 11, 23, 0, 0, 0, 0, berlin) // a week ending Monday the 23rd
	if got := LastDay(end, berlin).Format("2006-01-02"); got != "2026-11-22" {
		t.Errorf("LastDay = %s, want 2026-11-22", got)
	}
	if got := LastDay(end, time.UTC).Format("2006-01-02"); got != "2026-11-22" {
		t.Errorf("in UTC (23:00 the day before), LastDay = %s, want 2026-11-22", got)
	}
}
