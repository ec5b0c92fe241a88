package sheet_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kinsta-report/kinsta-report/internal/peer"
	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

// demoSized is a report the size of the demo's weekly one: five apps, every
// metric, a week of hourly buckets compared with the week before, and a
// second period of 30 daily buckets; users and an alert.
func demoSized(t testing.TB) report.Report {
	t.Helper()
	loc := berlin(t)
	r := reporttest.Build(reporttest.Options{Apps: 5, Days: 7, Interval: time.Hour, Location: loc, WithPrevious: true, WithAlerts: true})
	report.CompareWithPrevious(&r)
	month := reporttest.Build(reporttest.Options{Apps: 5, Days: 30, Interval: 24 * time.Hour, Location: loc,
		Start: time.Date(2026, 10, 24, 0, 0, 0, 0, loc)})
	p := month.Periods[0]
	p.Name = "last_30_days"
	r.Periods = append(r.Periods, p)
	return r
}

// TestPrintPages prints a demo-sized workbook to PDF with LibreOffice and
// counts its pages: the Summary prints on at most two, the whole workbook
// within a budget.
//
// The budget: a page per chart sheet (16: eight series metrics, two
// periods), a page per series data sheet (eight: they print their heading
// only, their hundreds of hourly rows are not for paper), the Summary (at
// most two), Figures (about 220 rows: five portrait-width pages), Run
// time, Slowest requests, Users, Alerts and About (ten together): 41. The
// same workbook printed 95 pages before the layout was made for paper.
func TestPrintPages(t *testing.T) {
	soffice := peer.Require(t, "soffice")
	pdftotext := peer.Require(t, "pdftotext")
	t.Parallel()
	const budget = 41
	text := pdfText(t, soffice, pdftotext, demoSized(t))
	pages := strings.Split(strings.TrimSuffix(string(text), "\f"), "\f")
	// The footer (sheet name left, "Page n of N" right) is a page's last
	// line; chart sheets have none.
	perSheet := map[string]int{}
	for _, p := range pages {
		lines := strings.Split(strings.TrimRight(p, "\n "), "\n")
		last := strings.TrimSpace(lines[len(lines)-1])
		if i := strings.Index(last, "Page "); i > 0 {
			perSheet[strings.TrimSpace(last[:i])]++
		} else {
			perSheet["(chart)"]++
		}
	}
	t.Logf("%d pages: %v", len(pages), perSheet)
	if n := perSheet["Summary"]; n < 1 || n > 2 {
		t.Errorf("the Summary prints on %d pages, want 1 or 2", n)
	}
	if len(pages) > budget {
		t.Errorf("the workbook prints on %d pages, budget %d: %v", len(pages), budget, perSheet)
	}
	for _, sh := range []string{"Bandwidth", "CPU usage", "Response time P95"} {
		if perSheet[sh] != 1 {
			t.Errorf("the series sheet %q prints on %d pages, want its heading on 1", sh, perSheet[sh])
		}
	}
}

// TestColumnWidths reads the workbook back and checks that every column of
// every table is at least as wide as its longest cell as shown (up to the
// cap), so that in print no text runs into its neighbour, and no wider
// than needed.
func TestColumnWidths(t *testing.T) {
	t.Parallel()
	r := demoSized(t)
	hostile := reporttest.Build(reporttest.Options{Apps: 4, HostileNames: true, WithAlerts: true})
	for _, rr := range []report.Report{r, hostile} {
		f, _ := render(t, "widths", rr)
		for _, sh := range f.GetSheetList() {
			if sh == "About" {
				continue // a form, not a table: its texts run on to the right
			}
			rows, err := f.GetRows(sh)
			if err != nil || len(rows) == 0 {
				continue // a chart sheet
			}
			hr := 0
			for i, row := range rows {
				if len(row) > 0 && (row[0] == "Period" || (hr == 0 && len(row) > 1 && row[0] == "App") || (sh == "Users" && row[0] == "Full name")) {
					hr = i + 1
					break
				}
			}
			if hr == 0 {
				t.Errorf("%s: no header row", sh)
				continue
			}
			// A header wraps onto up to three lines (bold: a tenth wider).
			headerNeeds := map[int]float64{}
			for c, h := range rows[hr-1] {
				need := math.Ceil(shownWidth(h)/3) * 1.1
				for _, w := range strings.Fields(h) {
					need = max(need, shownWidth(w)*1.1)
				}
				headerNeeds[c+1] = need
			}
			longest := map[int]float64{}
			if sh == "Summary" {
				// The labels of the rows above the table (in bold), below the title.
				for _, row := range rows[1 : hr-1] {
					if len(row) > 0 {
						longest[1] = max(longest[1], shownWidth(row[0])*1.1)
					}
				}
			}
			for _, row := range rows[hr:] {
				for c, v := range row {
					longest[c+1] = max(longest[c+1], shownWidth(v))
				}
			}
			for c, w := range longest {
				name, _ := excelize.ColumnNumberToName(c)
				got, err := f.GetColWidth(sh, name)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case w+1 > got && got < 60:
					t.Errorf("%s column %s: width %v, its longest cell takes %v", sh, name, got, w)
				case got > max(w, headerNeeds[c], 12)+4:
					t.Errorf("%s column %s: width %v, far wider than its longest cell (%v)", sh, name, got, w)
				}
			}
		}
	}
}

// shownWidth is how many character widths s takes: wide characters count
// twice.
func shownWidth(s string) float64 {
	n := 0.0
	for _, r := range s {
		if r >= 0x1100 && (r <= 0x115f || (r >= 0x2e80 && r <= 0xa4cf) || (r >= 0xac00 && r <= 0xd7a3) || r >= 0x1f300) {
			n += 2
		} else {
			n++
		}
	}
	return n
}
