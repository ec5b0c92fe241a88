package chart

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

func checkImages(t *testing.T, imgs []Image) {
	t.Helper()
	ids := map[string]bool{}
	for _, im := range imgs {
		cfg, err := png.DecodeConfig(bytes.NewReader(im.PNG))
		if err != nil {
			t.Errorf("%s: not a PNG: %v", im.Name, err)
			continue
		}
		if im.Width != 600 || cfg.Width != 2*im.Width || cfg.Height != 2*im.Height {
			t.Errorf("%s: PNG %dx%d shown at %dx%d; want 1200 wide at 2x", im.Name, cfg.Width, cfg.Height, im.Width, im.Height)
		}
		if im.Height < 100 || im.Height > 600 {
			t.Errorf("%s: shown %d high, want 100..600 for an email", im.Name, im.Height)
		}
		if _, err := png.Decode(bytes.NewReader(im.PNG)); err != nil {
			t.Errorf("%s: PNG does not decode: %v", im.Name, err)
		}
		if ids[im.ContentID] || ids[im.Name] {
			t.Errorf("%s: duplicate name or Content-ID %q", im.Name, im.ContentID)
		}
		ids[im.ContentID], ids[im.Name] = true, true
		if !strings.HasSuffix(im.Name, ".png") || strings.ContainsAny(im.ContentID, "<> \"") || !strings.Contains(im.ContentID, "@") {
			t.Errorf("bad name %q or Content-ID %q", im.Name, im.ContentID)
		}
		if im.Alt == "" {
			t.Errorf("%s: no alt text", im.Name)
		}
	}
}

func TestEmailCharts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		r        report.Report
		want     []string // image names
		wantAlts []string // substrings of the alt texts, in order
	}{
		{
			name: "three apps",
			r:    reporttest.Build(reporttest.Options{}),
			want: []string{"bandwidth-previous_week.png", "p95-response-time-previous_week.png"},
			wantAlts: []string{
				"Bandwidth by app, previous_week (Mon 16 Nov 2026 – Sun 22 Nov 2026), total: App 2 ",
				"P95 response time by app, previous_week (Mon 16 Nov 2026 – Sun 22 Nov 2026), average (peak): App 2 639 ms (702 ms); App 1 586 ms",
			},
		},
		{
			name:     "200 apps: top 8 and the rest as text",
			r:        reporttest.Build(reporttest.Options{Apps: 200}),
			want:     []string{"bandwidth-previous_week.png", "p95-response-time-previous_week.png"},
			wantAlts: []string{"; 192 other apps ", "App 192 "},
		},
		{
			name:     "hostile names",
			r:        reporttest.Build(reporttest.Options{HostileNames: true}),
			want:     []string{"bandwidth-previous_week.png", "p95-response-time-previous_week.png"},
			wantAlts: []string{reporttest.Hostile[2], reporttest.Hostile[0]},
		},
		{
			name: "no P95 anywhere",
			r: func() report.Report {
				r := reporttest.Build(reporttest.Options{Apps: 1, MissingMetric: report.ResponseTimeP95})
				return r
			}(),
			want: []string{"bandwidth-previous_week.png"},
		},
		{name: "empty", r: report.Report{Name: "empty"}},
		{
			name: "two periods of the same name",
			r: func() report.Report {
				r := reporttest.Build(reporttest.Options{Apps: 2})
				r.Periods = append(r.Periods, r.Periods[0])
				return r
			}(),
			want: []string{"bandwidth-previous_week.png", "p95-response-time-previous_week.png",
				"bandwidth-period2-previous_week.png", "p95-response-time-period2-previous_week.png"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			imgs, err := EmailCharts(tc.r)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, im := range imgs {
				names = append(names, im.Name)
			}
			if strings.Join(names, ",") != strings.Join(tc.want, ",") {
				t.Errorf("images %q, want %q", names, tc.want)
			}
			checkImages(t, imgs)
			for i, want := range tc.wantAlts {
				if i < len(imgs) && !strings.Contains(imgs[i].Alt, want) {
					t.Errorf("alt of %s = %q, want it to contain %q", imgs[i].Name, imgs[i].Alt, want)
				}
			}
		})
	}
}

func TestEmailChartsDeterministic(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{Apps: 12, HostileNames: true})
	a, err := EmailCharts(r)
	if err != nil {
		t.Fatal(err)
	}
	b, err := EmailCharts(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("%d then %d images", len(a), len(b))
	}
	for i := range a {
		if !bytes.Equal(a[i].PNG, b[i].PNG) || a[i].Alt != b[i].Alt {
			t.Errorf("%s differs between two runs", a[i].Name)
		}
	}
}

// The two bar shades must differ in grey-scale, not only in hue.
func TestEmailColorsGreyScale(t *testing.T) {
	t.Parallel()
	lum := func(i int) float64 {
		c := emailColors[i]
		return (0.2126*float64(c.R) + 0.7152*float64(c.G) + 0.0722*float64(c.B)) / 255
	}
	if d := lum(1) - lum(0); d < 0.4 {
		t.Errorf("bar shades differ by %.2f in luminance, want at least 0.4", d)
	}
}

func TestSlugify(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"previous_week":       "previous_week",
		"Last 7 days":         "last-7-days",
		`</script><b>x</b>`:   "script-b-x-b",
		"  ":                  "",
		"über-Monat 2026/11 ": "ber-monat-2026-11",
	} {
		if got := slugify(in); got != want {
			t.Errorf("slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkEmailCharts(b *testing.B) {
	r := reporttest.Build(reporttest.Options{Apps: 200})
	for b.Loop() {
		if _, err := EmailCharts(r); err != nil {
			b.Fatal(err)
		}
	}
}
