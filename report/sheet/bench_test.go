package sheet_test

import (
	"io"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
	"github.com/kinsta-report/kinsta-report/report/sheet"
)

// bigReport is the benchmark's model: 200 apps, every metric, 30 days of
// hourly buckets (720), built once and only by the benchmarks.
var bigReport = sync.OnceValue(func() report.Report {
	return reporttest.Build(reporttest.Options{Apps: 200, Days: 30, Interval: time.Hour})
})

// peakHeap samples the live heap (without stopping the world) until stop is
// called, and returns the highest value seen, in bytes.
func peakHeap() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		return peak
	}
}

// benchPeak runs the benchmark loop and reports the peak live heap, and the
// peak above the heap in use before (the model).
func benchPeak(b *testing.B, write func() error) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	b.ReportAllocs()
	stop := peakHeap()
	for b.Loop() {
		if err := write(); err != nil {
			b.Fatal(err)
		}
	}
	peak := stop()
	b.ReportMetric(float64(peak)/1e6, "peak-heap-MB")
	b.ReportMetric(float64(peak-min(peak, base))/1e6, "peak-over-model-MB")
}

// BenchmarkWrite writes the whole workbook of the 200-app model.
func BenchmarkWrite(b *testing.B) {
	r := bigReport()
	benchPeak(b, func() error { return sheet.Write(io.Discard, r) })
}

// BenchmarkFloor is the floor Write is measured against: a bare excelize
// StreamWriter writing the same cells (the Summary's figures and every
// series sheet: period, bucket start and a value per app or process), with
// no styles, charts, widths, filters or other sheets.
func BenchmarkFloor(b *testing.B) {
	r := bigReport()
	benchPeak(b, func() error { return writeFloor(io.Discard, r) })
}

func writeFloor(w io.Writer, r report.Report) error {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	// One date style: without it excelize looks a style up for every time
	// cell, which would flatter Write.
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 22})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	// Summary: a row per app with every headline figure.
	rn := 1
	for _, p := range r.Periods {
		for _, a := range p.Apps {
			cells := []any{p.Name, a.Label()}
			for _, k := range r.Metrics {
				m := a.Metrics[k]
				if m == nil {
					continue
				}
				for _, s := range append([]report.Summary{m.Summary}, procSummaries(m)...) {
					for _, v := range []*float64{s.Total, s.Average, s.Peak} {
						if v != nil {
							cells = append(cells, *v)
						}
					}
				}
			}
			cells = append(cells, "", a.Name, a.ID)
			cell, _ := excelize.CoordinatesToCellName(1, rn)
			if err := sw.SetRow(cell, cells); err != nil {
				return err
			}
			rn++
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	// A sheet per series metric: a row per bucket, a column per series.
	for _, k := range r.Metrics {
		info, _ := report.Info(k)
		if info.Kind != report.KindSeries && info.Kind != report.KindProcesses {
			continue
		}
		name := string(k)
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return err
		}
		for _, p := range r.Periods {
			var cols [][]report.Point
			var heads = []any{"Period", "Bucket start"}
			for _, a := range p.Apps {
				m := a.Metrics[k]
				if m == nil {
					continue
				}
				if info.Kind == report.KindProcesses {
					for _, pr := range m.Processes {
						cols = append(cols, pr.Points)
						heads = append(heads, a.Label()+" / "+pr.Name)
					}
				} else {
					cols = append(cols, m.Points)
					heads = append(heads, a.Label())
				}
			}
			if err := sw.SetRow("A1", heads); err != nil {
				return err
			}
			row := make([]any, 2+len(cols))
			for i := range cols[0] {
				row[0], row[1] = p.Name, excelize.Cell{StyleID: dateStyle, Value: cols[0][i].Time}
				for c := range cols {
					row[2+c] = cols[c][i].Value
				}
				cell, _ := excelize.CoordinatesToCellName(1, i+2)
				if err := sw.SetRow(cell, row); err != nil {
					return err
				}
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	_, err = f.WriteTo(w)
	return err
}

func procSummaries(m *report.Metric) []report.Summary {
	var out []report.Summary
	for _, p := range m.Processes {
		out = append(out, p.Summary)
	}
	return out
}
