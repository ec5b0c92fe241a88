package sheet_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
	"github.com/kinsta-report/kinsta-report/report/sheet"
)

// withSites adds two site environments to every period of r, one of them
// with a hostile name and a missing metric, and finishes the report.
func withSites(r report.Report) report.Report {
	day := func(i int) time.Time { return time.Date(2026, 11, 16+i, 0, 0, 0, 0, time.UTC) }
	pts := func(base float64) []report.Point {
		var out []report.Point
		for i := range 3 {
			out = append(out, report.Point{Time: day(i), Value: base + float64(i)})
		}
		return out
	}
	for i := range r.Periods {
		r.Periods[i].Sites = []report.Site{
			{ID: "s1", Name: "blog", DisplayName: "Company Blog", Environment: "live", EnvironmentID: "e1",
				Metrics: map[report.SiteMetricKey]*report.SiteMetric{
					report.SiteVisits:       {Key: report.SiteVisits, Unit: report.UnitVisits, Points: pts(1000)},
					report.SiteBandwidth:    {Key: report.SiteBandwidth, Unit: report.UnitBytes, Points: pts(2e9)},
					report.SiteCDNBandwidth: {Key: report.SiteCDNBandwidth, Unit: report.UnitBytes, Points: pts(1e9)},
					report.SiteDiskSpace:    {Key: report.SiteDiskSpace, Unit: report.UnitBytes, Points: pts(3e9)},
				},
				Usage: &report.SiteUsage{Visits: report.F(12345), Bandwidth: report.F(5e10), CDNBandwidth: report.F(2e10)}},
			{ID: "s2", Name: "evil", DisplayName: reporttest.Hostile[0], Environment: "staging", EnvironmentID: "e2",
				Metrics: map[report.SiteMetricKey]*report.SiteMetric{
					report.SiteVisits: {Key: report.SiteVisits, Unit: report.UnitVisits, Points: pts(5)},
				},
				Missing: []report.SiteMissing{{Metric: report.SiteBandwidth, Error: "boom"}}},
		}
	}
	report.Build(&r, nil)
	return r
}

func TestSites(t *testing.T) {
	t.Parallel()
	r := withSites(reporttest.Build(reporttest.Options{Location: berlin(t)}))
	f, data := render(t, "sites", r)
	sheets := f.GetSheetList()
	for _, want := range []string{"Site visits", "Site bandwidth", "Site CDN bandwidth", "Site disk space"} {
		if !slices.Contains(sheets, want) {
			t.Errorf("no %q sheet in %v", want, sheets)
		}
	}
	// The visits sheet: a row per day (Kinsta's dates, not shifted into
	// Berlin), a column per site environment.
	hr, header := findRow(t, f, "Site visits", "Period")
	if !slices.Equal(header[2:], []string{"Company Blog (visits)", reporttest.Hostile[0] + " (staging) (visits)"}) {
		t.Errorf("visits header %q", header)
	}
	if v := number(t, f, "Site visits", 3, hr+2); v != 1001 {
		t.Errorf("the blog's second day = %v, want 1001", v)
	}
	day, _ := f.GetCellValue("Site visits", cellName(2, hr+1))
	if !strings.HasPrefix(day, "2026-11-16") {
		t.Errorf("first day %q, want 2026-11-16", day)
	}
	// The Summary: the site table below the apps, the visits total and the
	// missing metric marked.
	rows, err := f.GetRows("Summary")
	if err != nil {
		t.Fatal(err)
	}
	var blog, evil []string
	for _, row := range rows {
		if len(row) > 1 && row[1] == "Company Blog" && blog == nil {
			blog = row
		}
		if len(row) > 1 && row[1] == reporttest.Hostile[0]+" (staging)" && evil == nil {
			evil = row
		}
	}
	if blog == nil || evil == nil {
		t.Fatalf("the Summary has no site rows: %q", rows)
	}
	if blog[2] != "3,003" {
		t.Errorf("blog visits total %q, want 3,003", blog[2])
	}
	if !slices.Contains(evil, "missing") || !strings.Contains(strings.Join(evil, "|"), "Site bandwidth: boom") {
		t.Errorf("the missing site metric is not marked: %q", evil)
	}
	cells := allCells(t, f) // fails on any formula
	if !slices.Contains(cells["Summary"], reporttest.Hostile[0]+" (staging)") {
		t.Error("the hostile site name is not shown literally on the Summary")
	}
	// Deterministic: the same report gives the same bytes.
	var again bytes.Buffer
	if err := sheet.Write(&again, r); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again.Bytes()) {
		t.Error("two renders of the same report differ")
	}
}

// TestHostileSiteNamesStayText: site names that look like formulas
// (=HYPERLINK, +1+1, @SUM) and markup stay literal text on the Summary's
// site table and in the site sheets' headers; no worksheet holds a formula.
func TestHostileSiteNamesStayText(t *testing.T) {
	t.Parallel()
	r := reporttest.Build(reporttest.Options{})
	day := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	for i := range r.Periods {
		r.Periods[i].Sites = nil
		for j, name := range reporttest.Hostile {
			r.Periods[i].Sites = append(r.Periods[i].Sites, report.Site{
				ID: fmt.Sprintf("s%d", j), Name: fmt.Sprintf("site-%d", j), DisplayName: name, Environment: "live", EnvironmentID: fmt.Sprintf("e%d", j),
				Metrics: map[report.SiteMetricKey]*report.SiteMetric{
					report.SiteVisits: {Key: report.SiteVisits, Unit: report.UnitVisits, Points: []report.Point{{Time: day, Value: 10}}},
				},
			})
		}
	}
	report.Build(&r, nil)
	f, data := render(t, "hostile-sites", r)
	for name, body := range parts(t, data) {
		if strings.HasPrefix(name, "xl/worksheets/") && (strings.Contains(body, "<f>") || strings.Contains(body, "<f ")) {
			t.Errorf("%s has a formula element", name)
		}
	}
	cells := allCells(t, f) // fails on any formula cell
	for _, name := range reporttest.Hostile {
		if !slices.Contains(cells["Summary"], name) {
			t.Errorf("the Summary does not show the site %q literally", name)
		}
		if !slices.Contains(cells["Site visits"], name+" (visits)") {
			t.Errorf("the Site visits sheet does not head a column %q literally", name+" (visits)")
		}
	}
}
