package job_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
	"github.com/kinsta-report/kinsta-report/job"
)

// Issue 13 item 8: apps match in any case, by display name too.
func TestRunAppsMatchInAnyCase(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, "reports:\n  - name: r\n    apps: [SHOP, \"marketing SITE\"]\n    periods: [yesterday]\n    metrics: [bandwidth]\n    users: false\n")
	src, _ := simSource(t, cfg, kinstatest.Options{})
	res, stderr, _ := run(t, cfg, src, monday, nil)
	if res.Status != job.OK {
		t.Fatalf("status %v; stderr:\n%s", res.Status, stderr)
	}
	apps := map[string]bool{}
	for _, q := range src.requests {
		apps[q.App] = true
	}
	if len(apps) != 2 {
		t.Errorf("metrics fetched for %d apps, want 2 (shop, marketing-site)", len(apps))
	}
}

// Issue 13 item 8: 20,000 unmatched entries name the first few, count the
// rest and list the company's apps (with display names) once, each at the
// entry's own line.
func TestRunManyUnmatchedAppsPrintABoundedList(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("reports:\n  - name: r\n    periods: [yesterday]\n    apps:\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "      - nope-%d\n", i)
	}
	cfg := loadConfig(t, b.String())
	src, _ := simSource(t, cfg, kinstatest.Options{})
	res, stderr, _ := run(t, cfg, src, monday, nil)
	if res.Status != job.ConfigError {
		t.Fatalf("status %v, want a config error", res.Status)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 12 {
		t.Errorf("%d lines, want 10 entries, a count and the app list:\n%.2000s", len(lines), stderr)
	}
	if !strings.HasSuffix(lines[0], `reports.yaml:5: reports[0].apps[0]: no application matches "nope-0" (by id, name or display_name, in any case)`) ||
		!strings.HasSuffix(lines[1], `reports.yaml:6: reports[0].apps[1]: no application matches "nope-1" (by id, name or display_name, in any case)`) {
		t.Errorf("entries not at their own lines:\n%s\n%s", lines[0], lines[1])
	}
	if !strings.HasSuffix(lines[10], "reports.yaml:5: reports[0].apps: 19990 more entries match no application") {
		t.Errorf("count line: %s", lines[10])
	}
	if strings.Count(stderr, `"shop"`) != 1 || !strings.Contains(lines[11], `"shop" ("Shop")`) || !strings.Contains(lines[11], `"marketing-site" ("Marketing site")`) {
		t.Errorf("the app list, with display names, once: %s", lines[11])
	}
}

// Issue 13 item 6: a threshold app none of a listed report's apps is a
// config error before any metric is fetched, at the threshold's apps
// entry; another name of a listed app (its display name, any case) is fine.
func TestRunThresholdAppNotInAListedReportIsAConfigError(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, strings.Replace(alerts, "apps: [shop, docs-site]", "apps: [docs-site]", 1))
	src, _ := simSource(t, cfg, kinstatest.Options{})
	res, stderr, _ := run(t, cfg, src, "2026-11-23T07:00:00+01:00", nil, func(o *job.Options) { o.DryRun = true })
	if res.Status != job.ConfigError || len(src.requests) != 0 {
		t.Fatalf("status %v after %d metric requests, want a config error before any; stderr:\n%s", res.Status, len(src.requests), stderr)
	}
	if !strings.Contains(stderr, `reports.yaml:13: reports[0].thresholds[0].apps[0]: app "shop" is not one of this report's apps ("docs-site" ("Docs"))`) {
		t.Errorf("stderr:\n%s", stderr)
	}

	cfg = loadConfig(t, strings.Replace(alerts, "apps: [shop]", "apps: [SHOP]", 1))
	src, _ = simSource(t, cfg, kinstatest.Options{})
	if res, stderr, _ := run(t, cfg, src, "2026-11-23T07:00:00+01:00", nil, func(o *job.Options) { o.DryRun = true }); res.Status != job.OK {
		t.Errorf("SHOP for shop: status %v; stderr:\n%s", res.Status, stderr)
	}
}

// Issue 13 item 4: a run refuses a custom period that has not begun,
// before any metric request, at the period's line.
func TestRunFuturePeriodIsAConfigError(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, "reports:\n  - name: r\n    apps: [shop]\n    periods:\n      - yesterday\n      - {name: summer, start: 2027-06-01, end: 2027-06-07}\n    metrics: [bandwidth]\n")
	src, _ := simSource(t, cfg, kinstatest.Options{})
	res, stderr, _ := run(t, cfg, src, monday, nil)
	if res.Status != job.ConfigError || len(src.requests) != 0 {
		t.Fatalf("status %v after %d metric requests; stderr:\n%s", res.Status, len(src.requests), stderr)
	}
	if !strings.Contains(stderr, `reports.yaml:6: reports[0].periods[1]: custom period "summer" starts 2027-06-01 00:00 UTC, after now`) {
		t.Errorf("stderr:\n%s", stderr)
	}
}
