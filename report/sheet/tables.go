package sheet

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/kinsta-report/kinsta-report/report"
)

// wants reports whether the report asked for a metric.
func (b *book) wants(k report.MetricKey) bool {
	for _, m := range b.r.Metrics {
		if m == k {
			return true
		}
	}
	return false
}

// missingNotes lists, per period, the apps whose metric could not be
// fetched.
func (b *book) missingNotes(k report.MetricKey) []string {
	var out []string
	for _, p := range b.r.Periods {
		var apps []string
		for _, a := range p.Apps {
			if _, ok := missingReason(a, k); ok {
				apps = append(apps, a.Label())
			}
		}
		if len(apps) > 0 {
			out = append(out, fmt.Sprintf("Missing in %s for %d app(s), see the About sheet: %s", p.Name, len(apps), strings.Join(apps, ", ")))
		}
	}
	return out
}

// table is a simple streamed sheet: a title, note rows, a header and rows.
type table struct {
	name      string
	title     string
	notes     []string
	heads     []string
	colStyles []int
	freeze    int   // columns frozen at the left
	numeric   []int // 0-based columns of numbers (right-aligned headers)
	landscape bool  // print landscape even when portrait is wide enough
}

// writeTable streams a table sheet; rows is called with an emit function
// for each data row, twice: once to measure the columns (every column is as
// wide as its longest cell, see widths), then to write.
func (b *book) writeTable(t table, rows func(emit func(cells ...any) error) error) error {
	m := b.newWidths(len(t.heads), t.colStyles)
	m.header(t.heads)
	if err := rows(func(cells ...any) error {
		m.row(cells)
		return nil
	}); err != nil {
		return err
	}
	widths := m.result()
	header := len(t.notes) + 3
	sw, err := b.newSheet(b.sheetName(t.name), sheetOpts{
		widths:     widths,
		colStyles:  t.colStyles,
		freezeRow:  header,
		freezeCols: t.freeze,
		landscape:  t.landscape,
		printTitle: header,
	})
	if err != nil {
		return err
	}
	if err := row(sw, 1, styled(b.st.title, str(t.title))); err != nil {
		return err
	}
	for i, n := range t.notes {
		if err := b.noteRow(sw, 2+i, n, widths); err != nil {
			return err
		}
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", header), b.headerCells(t.heads, t.numeric...), headerHeight(t.heads, widths)); err != nil {
		return err
	}
	r := header
	err = rows(func(cells ...any) error {
		r++
		if r > maxRows {
			return fmt.Errorf("more than Excel's %d rows", maxRows)
		}
		return row(sw, r, cells...)
	})
	if err != nil {
		return err
	}
	if err := b.autoFilter(sw.Sheet, header, r, len(t.heads)); err != nil {
		return err
	}
	return sw.Flush()
}

func (b *book) writeRuns() error {
	if !b.wants(report.RunTime) {
		return nil
	}
	var mx float64
	for _, p := range b.r.Periods {
		for _, a := range p.Apps {
			if m := a.Metrics[report.RunTime]; m != nil {
				for _, run := range m.Runs {
					mx = max(mx, math.Abs(run.Seconds))
				}
			}
		}
	}
	sc := scaleFor(report.UnitSeconds, mx)
	num, err := b.numStyle(sc.format)
	if err != nil {
		return err
	}
	notes := append([]string{"Every process run of every app; the Summary has each app's total."}, b.missingNotes(report.RunTime)...)
	return b.writeTable(table{
		name:      "Run time",
		title:     "Run time: process runs",
		notes:     notes,
		heads:     []string{"Period", "App", "Process", "Plan", "Start", "End", "Run time (" + sc.unit + ")"},
		colStyles: []int{0, 0, 0, 0, b.st.dateTime, b.st.dateTime, num},
		freeze:    2,
		numeric:   []int{6},
	}, func(emit func(...any) error) error {
		for _, p := range b.r.Periods {
			for _, a := range p.Apps {
				m := a.Metrics[report.RunTime]
				if m == nil {
					continue
				}
				for _, run := range m.Runs {
					if err := emit(str(p.Name), str(a.Label()), str(run.ProcessID), str(run.Plan),
						b.dateCell(run.Start, b.st.dateTime), b.dateCell(run.End, b.st.dateTime), sc.value(run.Seconds)); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}

func (b *book) writeSlowest() error {
	if !b.wants(report.SlowestRequests) {
		return nil
	}
	ms, err := b.numStyle("#,##0.0")
	if err != nil {
		return err
	}
	notes := append([]string{"The slowest request paths of each app, slowest first, as Kinsta reports them."}, b.missingNotes(report.SlowestRequests)...)
	return b.writeTable(table{
		name:      "Slowest requests",
		title:     "Slowest requests",
		notes:     notes,
		heads:     []string{"Period", "App", "Rank", "Path", "Average response time (ms)", "Requests"},
		colStyles: []int{0, 0, b.st.count, 0, ms, b.st.count},
		freeze:    2,
		numeric:   []int{2, 4, 5},
	}, func(emit func(...any) error) error {
		for _, p := range b.r.Periods {
			for _, a := range p.Apps {
				m := a.Metrics[report.SlowestRequests]
				if m == nil {
					continue
				}
				for i, rq := range m.Rows {
					if err := emit(str(p.Name), str(a.Label()), i+1, str(rq.Path),
						finite(rq.AvgResponseTimeMS), finite(rq.RequestCount)); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}

// finite is v, or nil (an empty cell) when v is not a finite number.
func finite(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

func (b *book) writeUsers() error {
	if b.r.Users == nil && b.r.UsersMissing == "" {
		return nil
	}
	var notes []string
	if b.r.UsersMissing != "" {
		notes = append(notes, "The user roster could not be fetched: "+b.r.UsersMissing)
	} else {
		notes = append(notes, fmt.Sprintf("The company's %d user(s), as Kinsta lists them.", len(b.r.Users)))
	}
	return b.writeTable(table{
		name:   "Users",
		title:  "Users",
		notes:  notes,
		heads:  []string{"Full name", "Email", "Gravatar URL", "User ID"},
		freeze: 1,
	}, func(emit func(...any) error) error {
		for _, u := range b.r.Users {
			if err := emit(str(u.FullName), str(u.Email), str(u.Image), str(u.ID)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (b *book) writeAlerts() error {
	if len(b.r.Alerts) == 0 {
		return nil
	}
	return b.writeTable(table{
		name:  "Alerts",
		title: "Alerts: " + report.AlertHeadline(b.r.Alerts),
		notes: []string{"Every threshold crossing. Value and Limit are in the metric's unit (the Unit column); " +
			"Bucket start is set for any_bucket thresholds. A site's alert has the site's ID in App ID and its environment's in Environment ID."},
		heads:     []string{"App", "Period", "Metric", "Process", "On", "Bucket start", "Value", "Limit", "Unit", "Value (readable)", "Limit (readable)", "Threshold", "App ID", "Environment ID"},
		colStyles: []int{0, 0, 0, 0, 0, b.st.dateHour, b.st.number, b.st.number},
		freeze:    1,
		numeric:   []int{6, 7},
	}, func(emit func(...any) error) error {
		for _, a := range b.r.Alerts {
			var at any
			if a.HasTime {
				at = b.dateCell(a.Time, b.st.dateHour)
			}
			if err := emit(str(a.App), str(a.Period), report.MetricTitle(a.Metric), str(a.Process), str(a.On), at,
				finite(a.Value), finite(a.Limit), string(a.Unit),
				report.FormatValue(a.Unit, a.Value), report.FormatValue(a.Unit, a.Limit), str(a.Threshold), str(a.AppID), str(a.EnvironmentID)); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeAbout writes the About sheet: what the workbook is, where its data
// came from, and what is missing and why.
func (b *book) writeAbout() error {
	sw, err := b.newSheet(b.sheetName("About"), sheetOpts{
		widths:    []float64{26, 20, 20, 16, 10, 44},
		landscape: true,
	})
	if err != nil {
		return err
	}
	r := 0
	emit := func(cells ...any) error {
		r++
		return row(sw, r, cells...)
	}
	blank := func() { r++ }
	section := func(title string) error {
		blank()
		return emit(styled(b.st.subtitle, title))
	}
	kv := func(k string, v ...any) error {
		return emit(append([]any{styled(b.st.label, k)}, v...)...)
	}
	_, offset := b.r.GeneratedAt.In(b.r.Location).Zone()
	steps := []func() error{
		func() error { return emit(styled(b.st.title, str("About this workbook: "+b.r.Name))) },
		func() error { return kv("Report", str(b.r.Name)) },
		func() error {
			return kv("Generated at", b.dateCell(b.r.GeneratedAt, b.st.dateTime), fmt.Sprintf("UTC%+03d:%02d", offset/3600, abs(offset%3600)/60))
		},
		func() error {
			return kv("Time zone", str(b.r.Location.String()), "Every date and time in this workbook is local time in this zone.")
		},
		func() error { return kv("Company ID", str(b.r.CompanyID)) },
		func() error {
			var keys []string
			for _, k := range b.r.Metrics {
				keys = append(keys, string(k))
			}
			return kv("Metrics", strings.Join(keys, ", "))
		},
		func() error { return section("Periods") },
		func() error {
			return emit(b.headerCells([]string{"Period", "Start", "End (exclusive)", "Buckets", "Apps", "Compared with"}, 4)...)
		},
		func() error {
			for _, p := range b.r.Periods {
				cmp := ""
				if p.Previous != nil {
					cmp = b.localText(p.Previous.Start) + " to " + b.localText(p.Previous.End)
				}
				if err := emit(str(p.Name), b.dateCell(p.Start, b.st.dateHour), b.dateCell(p.End, b.st.dateHour),
					intervalText(p.Interval), len(p.Apps), cmp); err != nil {
					return err
				}
			}
			return nil
		},
		func() error { return section("Kinsta API accounting") },
		func() error { return kv("Requests", b.r.API.Requests) },
		func() error { return kv("Retries", b.r.API.Retries) },
		func() error { return kv("Rate limited (HTTP 429)", b.r.API.RateLimited) },
		func() error { return kv("Waited (s)", styled(b.st.number, b.r.API.Wait.Seconds())) },
		func() error { return section("Missing data") },
		func() error {
			n := b.missingCount()
			if n == 0 && b.r.UsersMissing == "" {
				return emit(str("None: every metric of every app was fetched."))
			}
			if n > 0 {
				// "Why" comes last, so that a long reason runs on to the right.
				if err := emit(b.headerCells([]string{"Period", "App", "Metric", "Why"})...); err != nil {
					return err
				}
				for _, p := range b.r.Periods {
					for _, a := range p.Apps {
						for _, m := range a.Missing {
							if err := emit(str(p.Name), str(a.Label()), report.MetricTitle(m.Metric), str(m.Error)); err != nil {
								return err
							}
						}
					}
				}
			}
			if b.r.UsersMissing != "" {
				return kv("Users", str("not fetched: "+b.r.UsersMissing))
			}
			return nil
		},
		func() error {
			notes := b.notes()
			if len(notes) == 0 {
				return nil
			}
			if err := section("Notes"); err != nil {
				return err
			}
			for _, n := range notes {
				if err := emit(str(n)); err != nil {
					return err
				}
			}
			return nil
		},
		func() error {
			if !b.hasLimit(report.CPUUsage, "") && !b.hasLimit(report.MemoryUsage, "") {
				return nil
			}
			if err := section("Plan limits"); err != nil {
				return err
			}
			for _, l := range [][2]string{
				{"memory_limit", "taken as bytes, the unit of the memory figures: % of plan limit = the memory figure ÷ memory_limit. Kinsta does not document the unit (assumed)."},
				{"cpu_limit", "taken as millicores (1000 = one CPU core); Kinsta does not document the unit (assumed). Kinsta gives CPU usage as a percentage of the process's CPU, so the CPU figures are a share of the limit already and no other share is computed."},
			} {
				if err := kv(l[0], l[1]); err != nil {
					return err
				}
			}
			return nil
		},
		func() error { return section("How to read this workbook") },
		func() error {
			for _, l := range [][2]string{
				{TextMissing, "the metric could not be fetched from Kinsta; the reason is listed above"},
				{TextNoData, "the metric was fetched but has no value for this figure"},
				{TextNA, "does not apply (for example: nothing to compare with)"},
				{TextNew, "the previous value was zero, so there is no percentage change"},
				{"empty cell", "on a series sheet: no data for that bucket (never shown as 0)"},
				{"units", "the unit of every column is in its header; bytes are in powers of 1000 (1 GB = 1,000,000,000 bytes)"},
				{"charts", fmt.Sprintf("each chart shows the top %d apps (or processes) by the metric's total or average; the data sheet has them all", ChartSeriesMax)},
			} {
				if err := kv(l[0], l[1]); err != nil {
					return err
				}
			}
			return nil
		},
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// noteRow writes a note above a table: across the table's columns (merged),
// wrapped onto as many lines as it needs, so that it prints whole however
// narrow the table (text running on past the last column is cut in print).
func (b *book) noteRow(sw *excelize.StreamWriter, r int, text string, widths []float64) error {
	total := 0.0
	for _, w := range widths {
		total += w
	}
	lines := max(1, int(math.Ceil(textWidth(text)*1.05/math.Max(total-widthPad, 10))))
	if len(widths) > 1 {
		last, _ := excelize.CoordinatesToCellName(len(widths), r)
		if err := sw.MergeCell("A"+strconv.Itoa(r), last); err != nil {
			return err
		}
	}
	return sw.SetRow("A"+strconv.Itoa(r), []any{styled(b.st.noteWrap, str(text))}, excelize.RowOpts{Height: float64(15*lines + 2)})
}
