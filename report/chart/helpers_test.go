package chart

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
	"github.com/kinsta-report/kinsta-report/templates"
)

// withChanges fills Summary.Change from each period's Previous, as the
// comparison step does, so the tests see arrows and percentages.
func withChanges(r *report.Report) {
	pct := func(cur, prev *float64) *float64 {
		if cur == nil || prev == nil || *prev == 0 {
			return nil
		}
		return report.F((*cur - *prev) / *prev * 100)
	}
	change := func(cur, prev report.Summary) *report.Change {
		return &report.Change{
			Previous: report.Figures{Total: prev.Total, Average: prev.Average, Peak: prev.Peak},
			Percent:  report.Figures{Total: pct(cur.Total, prev.Total), Average: pct(cur.Average, prev.Average), Peak: pct(cur.Peak, prev.Peak)},
		}
	}
	for pi := range r.Periods {
		per := &r.Periods[pi]
		if per.Previous == nil {
			continue
		}
		prevApps := map[string]report.App{}
		for _, a := range per.Previous.Apps {
			prevApps[a.ID] = a
		}
		for _, a := range per.Apps {
			pa, ok := prevApps[a.ID]
			if !ok {
				continue
			}
			for k, m := range a.Metrics {
				pm := pa.Metrics[k]
				if pm == nil {
					continue
				}
				m.Summary.Change = change(m.Summary, pm.Summary)
				for i := range m.Processes {
					if i < len(pm.Processes) {
						m.Processes[i].Summary.Change = change(m.Processes[i].Summary, pm.Processes[i].Summary)
					}
				}
			}
		}
	}
}

// smallReport is the golden model: two apps, three days, a missing metric,
// an alert, a comparison and notes, in a zone with an offset.
func smallReport(t testing.TB) report.Report {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("load zone: %v", err)
	}
	r := reporttest.Build(reporttest.Options{Apps: 2, Days: 3, Location: loc, MissingMetric: report.CPUUsage, WithPrevious: true, WithAlerts: true})
	withChanges(&r)
	r.Notes = []string{"previous_month reaches back past Kinsta's 30-day retention"}
	r.Periods[0].Notes = []string{"bandwidth is reported per day"}
	// One fall (better) and one app that was new to bandwidth.
	a1 := r.Periods[0].Apps[1]
	p50 := a1.Metrics[report.ResponseTimeP50].Summary
	p50.Change.Previous.Average = report.F(*p50.Average / 0.875) // a 12.5 % fall
	p50.Change.Percent.Average = report.F(-12.5)
	bw := a1.Metrics[report.Bandwidth].Summary.Change
	bw.Previous.Total, bw.Percent.Total = report.F(0), nil
	return r
}

// hostileReport puts the hostile payloads in every string the page shows:
// app names, request paths, a user, process names and ids, notes, errors.
func hostileReport(t testing.TB) report.Report {
	t.Helper()
	r := reporttest.Build(reporttest.Options{Apps: 4, HostileNames: true, MissingMetric: report.BuildTime, WithPrevious: true, WithAlerts: true})
	withChanges(&r)
	h := reporttest.Hostile
	r.Name = h[0]
	r.Notes = []string{h[1], h[2]}
	r.Periods[0].Notes = []string{h[0]}
	a := r.Periods[0].Apps[0]
	a.Missing[0].Error = h[2]
	a.Metrics[report.CPUUsage].Processes[0].Name = h[0]
	a.Metrics[report.MemoryUsage].Processes[1].Name = h[1]
	a.Metrics[report.RunTime].Runs[0].ProcessID = h[2]
	a.Metrics[report.RunTime].Runs[0].Plan = h[1]
	r.Periods[0].Apps[0] = a
	r.Alerts[0].Process = h[2]
	r.Alerts[0].Threshold = h[1]
	r.UsersMissing = ""
	return r
}

func render(t testing.TB, r report.Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	return b.Bytes()
}

// unpacked returns the page with its two packed scripts (pack.go) opened:
// ECharts, which must unpack to templates.EChartsJS, becomes a marker, and
// the chart data becomes its JSON text. Golden files and the checks that
// read our own markup or the data use it.
func unpacked(t testing.TB, page []byte) []byte {
	t.Helper()
	for _, id := range []string{"kr-echarts", "kr-data"} {
		open := []byte(`<script type="application/gzip" id="` + id + `">`)
		if n := bytes.Count(page, open); n != 1 {
			t.Fatalf("the page has %d packed scripts %s, want 1", n, id)
		}
		i := bytes.Index(page, open) + len(open)
		j := i + bytes.Index(page[i:], []byte("</script>"))
		text := unpackText(t, page[i:j])
		if id == "kr-echarts" {
			if text != templates.EChartsJS {
				t.Fatalf("the packed ECharts (%d bytes) is not echarts.min.js (%d bytes)", len(text), len(templates.EChartsJS))
			}
			text = "/* echarts.min.js " + templates.EChartsVersion + " */"
		}
		page = slices.Concat(page[:i], []byte(text), page[j:])
	}
	return page
}

// unpackText decodes what pack wrote: base64 of gzip.
func unpackText(t testing.TB, packed []byte) string {
	t.Helper()
	if !regexp.MustCompile(`^[A-Za-z0-9+/]*={0,2}$`).Match(packed) {
		t.Fatalf("packed script is not plain base64: %.80q", packed)
	}
	z, err := base64.StdEncoding.DecodeString(string(packed))
	if err != nil {
		t.Fatalf("packed script: %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatalf("packed script: %v", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("packed script: %v", err)
	}
	return string(b)
}

var scriptRE = regexp.MustCompile(`(?is)<script([^>]*)>(.*?)</script>`)

// scripts returns each <script> element's attributes and body.
func scripts(page []byte) [][2]string {
	var out [][2]string
	for _, m := range scriptRE.FindAllSubmatch(page, -1) {
		out = append(out, [2]string{strings.TrimSpace(string(m[1])), string(m[2])})
	}
	return out
}
