package job_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
	"github.com/kinsta-report/kinsta-report/job"
)

// TestBucketsOutsideTheWindowAreTrimmed: an API that also answers the
// bucket before the window's start and the one at its end (kinstatest's
// OutsideWindow) yields the same figures as one that answers exactly, in
// UTC days fetched daily and in Berlin days folded from hours.
func TestBucketsOutsideTheWindowAreTrimmed(t *testing.T) {
	t.Parallel()
	berlin := `
timezone: Europe/Berlin
state: none
reports:
  - name: berlin
    apps: [shop, docs-site]
    periods: [previous_week, {name: day, start: 2026-11-18, end: 2026-11-18}]
    metrics: [bandwidth, http_requests, response_time_p95, cpu_usage, memory_usage, run_time]
    users: false
`
	for _, tc := range []struct{ name, config, file string }{
		{"utc daily", utcDaily + "state: none\n", filepath.Join("utc-daily", "utc-daily_2026-11-23.json")},
		{"berlin hourly folded", berlin, filepath.Join("berlin", "berlin_2026-11-23.json")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			docs := map[bool][]byte{}
			for _, outside := range []bool{false, true} {
				cfg := loadConfig(t, tc.config)
				src, _ := simSource(t, cfg, kinstatest.Options{OutsideWindow: outside})
				res, stderr, out := run(t, cfg, src, monday, nil)
				if res.Status != job.OK {
					t.Fatalf("outside=%v: status %v, stderr:\n%s", outside, res.Status, stderr)
				}
				b, err := os.ReadFile(filepath.Join(out, tc.file))
				if err != nil {
					t.Fatal(err)
				}
				docs[outside] = b
			}
			exact, extra := readDocBytes(t, docs[false]), readDocBytes(t, docs[true])
			for i, p := range exact.Periods {
				for j, a := range p.Apps {
					for k, m := range a.Metrics {
						if got := extra.Periods[i].Apps[j].Metrics[k]; !bytes.Equal(got, m) {
							t.Errorf("%s %s %s with buckets outside the window:\n got %.300s\nwant %.300s", p.Name, a.Name, k, got, m)
						}
					}
				}
			}
		})
	}
}

func readDocBytes(t *testing.T, b []byte) doc {
	t.Helper()
	p := filepath.Join(t.TempDir(), "doc.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return readDoc(t, p)
}
