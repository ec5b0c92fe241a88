package report

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDisplayText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 40000)
	cases := []struct{ name, in, want string }{
		{"plain", "Shop", "Shop"},
		{"markup stays (escaping is the renderer's job)", "<b>x</b>", "<b>x</b>"},
		{"line breaks forge no lines", "Devil\r\nBcc: victim@evil.example", "Devil  Bcc: victim@evil.example"},
		{"terminal escapes", "shop\x1b]0;t\x07", "shop ]0;t "},
		{"C1 control", "a\u0085b", "a b"},
		{"right-to-left override dropped, isolated", "P\u202egnp.exe", "\u2068Pgnp.exe\u2069"},
		{"unclosed isolate dropped", "x\u2067y", "\u2068xy\u2069"},
		{"a lone PDI cannot close our isolate early", "x\u2069\u202ey", "\u2068xy\u2069"},
		{"right-to-left letters isolated", "متجر", "\u2068متجر\u2069"},
	}
	for _, tc := range cases {
		if got := DisplayText(tc.in); got != tc.want {
			t.Errorf("%s: DisplayText(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
	got := DisplayText(long)
	if n := utf8.RuneCountInString(got); n != MaxDisplayRunes+1 || !strings.HasSuffix(got, "…") {
		t.Errorf("a 40,000-rune name became %d runes", n)
	}
}

func TestForDisplayCopiesAndLeavesTheReportAlone(t *testing.T) {
	t.Parallel()
	rlo := "P\u202egnp.exe"
	r := Report{
		Periods: []Period{{Apps: []App{{Name: "a\nb", DisplayName: rlo, Metrics: map[MetricKey]*Metric{
			CPUUsage:        {Key: CPUUsage, Processes: []Process{{Name: rlo}}},
			SlowestRequests: {Key: SlowestRequests, Rows: []SlowRequest{{Path: "/x\r\ny"}}},
			Bandwidth:       {Key: Bandwidth},
		}, Missing: []Missing{{Metric: RunTime, Error: "e\x1b"}}}}}},
		Users:  []User{{FullName: rlo}},
		Alerts: []Alert{{App: rlo, Process: "w\n"}},
	}
	d := ForDisplay(r)
	const safeRLO = "\u2068Pgnp.exe\u2069"
	a := d.Periods[0].Apps[0]
	if a.Name != "a b" || a.DisplayName != safeRLO ||
		a.Metrics[CPUUsage].Processes[0].Name != safeRLO ||
		a.Metrics[SlowestRequests].Rows[0].Path != "/x  y" || a.Missing[0].Error != "e " ||
		d.Users[0].FullName != safeRLO || d.Alerts[0].App != safeRLO || d.Alerts[0].Process != "w " {
		t.Errorf("display copy = %+v", d)
	}
	if a.Metrics[Bandwidth] != r.Periods[0].Apps[0].Metrics[Bandwidth] {
		t.Error("a metric with no API text was copied needlessly")
	}
	// The original keeps the API's text: the JSON and the workbook use it.
	o := r.Periods[0].Apps[0]
	if o.Name != "a\nb" || o.DisplayName != rlo || o.Metrics[CPUUsage].Processes[0].Name != rlo ||
		o.Metrics[SlowestRequests].Rows[0].Path != "/x\r\ny" || r.Users[0].FullName != rlo || r.Alerts[0].App != rlo || o.Missing[0].Error != "e\x1b" {
		t.Errorf("ForDisplay changed the report it was given: %+v", r)
	}
}

// Site environments' names and errors come from the API as apps' do: the
// email and the chat messages draw them from ForDisplay too.
func TestForDisplaySites(t *testing.T) {
	t.Parallel()
	rlo := "P\u202egnp.exe"
	r := Report{Periods: []Period{{Sites: []Site{{ID: "s\n1", Name: "a\nb", DisplayName: rlo, Environment: "st\x1bg",
		Missing: []SiteMissing{{Metric: SiteVisits, Error: "e\x1b"}}}}}}}
	d := ForDisplay(r)
	s := d.Periods[0].Sites[0]
	if s.ID != "s 1" || s.Name != "a b" || s.DisplayName != "\u2068Pgnp.exe\u2069" || s.Environment != "st g" || s.Missing[0].Error != "e " {
		t.Errorf("display copy = %+v", s)
	}
	if o := r.Periods[0].Sites[0]; o.DisplayName != rlo || o.Missing[0].Error != "e\x1b" {
		t.Errorf("ForDisplay changed the report it was given: %+v", o)
	}
}
