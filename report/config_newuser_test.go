package report

import (
	"strings"
	"testing"
)

// parseErr parses src and returns its problems, one per line ("" when it
// loads).
func parseErr(t *testing.T, src string) string {
	t.Helper()
	_, err := ParseConfig("t.yaml", []byte(src))
	if err == nil {
		return ""
	}
	return err.Error()
}

// oneThreshold is a report with one threshold of the given lines.
func oneThreshold(lines ...string) string {
	return doc(append([]string{
		"reports:",
		"  - name: r",
		"    periods: [yesterday]",
		"    thresholds:",
	}, lines...)...)
}

// Issue 13 item 5: a mode the metric has no figure for is refused, by the
// metric table (HasTotal, HasAverage, HasPeak; any_bucket for series).
func TestThresholdModesFollowTheMetricTable(t *testing.T) {
	t.Parallel()
	bad := []struct{ metric, on, want string }{
		{"cpu_usage", "total", `t.yaml:7: reports[0].thresholds[0].on: on total does not apply to cpu_usage: a sum of percentages means nothing (want on: peak or average or any_bucket)`},
		{"run_time", "average", `t.yaml:7: reports[0].thresholds[0].on: on average does not apply to run_time: the report gives it no average (want on: total)`},
		{"run_time", "any_bucket", `reports[0].thresholds[0].on: on any_bucket does not apply to run_time: it has no buckets (want on: total)`},
		{"http_requests", "total", `on total does not apply to http_requests`},
		{"bandwidth", "average", `on average does not apply to bandwidth`},
		{"slowest_requests", "average", `on average does not apply to slowest_requests: its only figure is the slowest request's time (want on: peak)`},
	}
	for _, c := range bad {
		src := oneThreshold("      - metric: "+c.metric, "        above: 1", "        on: "+c.on)
		if got := parseErr(t, src); !strings.Contains(got, c.want) {
			t.Errorf("%s on %s:\n got %s\nwant %s", c.metric, c.on, got, c.want)
		}
	}
	// The default (peak) on a metric without a peak points at the threshold.
	if got := parseErr(t, oneThreshold("      - metric: run_time", "        above: 1h")); !strings.Contains(got, "t.yaml:5: reports[0].thresholds[0]: on peak (the default) does not apply to run_time") {
		t.Errorf("run_time with the default mode: %s", got)
	}
	good := []struct{ metric, on string }{
		{"cpu_usage", "peak"}, {"cpu_usage", "average"}, {"cpu_usage", "any_bucket"},
		{"run_time", "total"}, {"bandwidth", "total"}, {"bandwidth", "any_bucket"},
		{"http_requests", "average"}, {"slowest_requests", "peak"}, {"memory_usage", "any_bucket"},
	}
	for _, c := range good {
		if got := parseErr(t, oneThreshold("      - metric: "+c.metric, "        above: 1", "        on: "+c.on)); got != "" {
			t.Errorf("%s on %s refused: %s", c.metric, c.on, got)
		}
	}
}

// Issue 13 item 12 (threshold side): `above: 90% of limit` for the two
// metrics that have a plan limit, refused elsewhere.
func TestThresholdOfLimit(t *testing.T) {
	t.Parallel()
	for _, above := range []string{"90% of limit", "90 % of the limit", "90% OF plan limit", `"12.5% of limit"`, "90% of limits"} {
		cfg, err := ParseConfig("t.yaml", []byte(oneThreshold("      - metric: memory_usage", "        above: "+above)))
		if err != nil {
			t.Fatalf("%s: %v", above, err)
		}
		th := cfg.Reports[0].Thresholds[0]
		want := 90.0
		if strings.Contains(above, "12.5") {
			want = 12.5
		}
		if !th.OfLimit || th.Above != want {
			t.Errorf("%s: OfLimit %v Above %v, want true %v", above, th.OfLimit, th.Above, want)
		}
	}
	if got := parseErr(t, oneThreshold("      - metric: bandwidth", "        above: 90% of limit", "        on: total")); !strings.Contains(got, `reports[0].thresholds[0].above: "90% of limit": only cpu_usage and memory_usage have a plan limit`) {
		t.Errorf("bandwidth of limit: %s", got)
	}
	if got := parseErr(t, oneThreshold("      - metric: cpu_usage", "        above: -5% of limit")); !strings.Contains(got, "want a positive percentage of the plan limit") {
		t.Errorf("negative of limit: %s", got)
	}
}

// Issue 13 item 6: a threshold's app that is none of the report's listed
// apps (in any case) is a warning at -check; the run refuses it once it
// knows the apps' other names (job).
func TestThresholdAppsNotInTheReportWarn(t *testing.T) {
	t.Parallel()
	src := doc(
		"reports:",
		"  - name: r",
		"    apps: [shop, blog-api]",
		"    periods: [yesterday]",
		"    thresholds:",
		"      - metric: bandwidth",
		"        above: 5GB",
		"        on: total",
		"        apps: [SHOP, docs-site]",
	)
	cfg, err := ParseConfig("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 1 {
		t.Fatalf("warnings %v, want one (docs-site)", cfg.Warnings)
	}
	if got, want := cfg.Warnings[0].Error(), `t.yaml:9: reports[0].thresholds[0].apps[1]: warning: app "docs-site" is not among the report's apps as written ("shop", "blog-api")`; !strings.HasPrefix(got, want) {
		t.Errorf("got  %s\nwant %s…", got, want)
	}
	th := cfg.Reports[0].Thresholds[0]
	if th.Line != 6 || len(th.AppLines) != 2 || th.AppLines[1] != 9 {
		t.Errorf("threshold line %d, app lines %v", th.Line, th.AppLines)
	}
	// apps: all: nothing to compare against at -check.
	cfg, err = ParseConfig("t.yaml", []byte(strings.Replace(src, "apps: [shop, blog-api]", "apps: all", 1)))
	if err != nil || len(cfg.Warnings) != 0 {
		t.Errorf("apps: all: %v %v", err, cfg.Warnings)
	}
}

// Issue 13 item 7: one rule for every boolean key: unquoted true or false.
func TestBooleansOneRule(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"users", "compare_previous"} {
		for _, val := range []string{`"no"`, `no`, `"false"`, `yes`, `on`, `"true"`, `off`} {
			src := doc("reports:", "  - name: r", "    periods: [yesterday]", "    "+key+": "+val)
			got := parseErr(t, src)
			shown := strings.Trim(val, `"`)
			want := `t.yaml:4: reports[0].` + key + `: want true or false, got "` + shown + `" (booleans are unquoted true or false`
			if !strings.HasPrefix(got, want) {
				t.Errorf("%s: %s:\n got %s\nwant %s…", key, val, got, want)
			}
		}
		for _, val := range []string{"true", "false", "True", "FALSE"} {
			if got := parseErr(t, doc("reports:", "  - name: r", "    periods: [yesterday]", "    "+key+": "+val)); got != "" {
				t.Errorf("%s: %s refused: %s", key, val, got)
			}
		}
	}
}

// Issue 13 item 9: a company_id that is not a UUID fails -check, without
// echoing the value.
func TestCompanyIDMustBeAUUID(t *testing.T) {
	t.Parallel()
	got := parseErr(t, doc("api:", `  company_id: "not a uuid"`, "reports: [{name: r, periods: [yesterday]}]"))
	if !strings.HasPrefix(got, "t.yaml:2: api.company_id: not a company id (want a UUID") || strings.Contains(got, "not a uuid") {
		t.Errorf("got %s", got)
	}
	if got := parseErr(t, doc("api:", "  company_id: 54FB80AF-576c-4fdc-ba4f-b596c83f15a1", "reports: [{name: r, periods: [yesterday]}]")); got != "" {
		t.Errorf("a UUID refused: %s", got)
	}
}

// Issue 13 item 8: apps match in any case, so SHOP and shop are one entry
// twice; each entry's line is kept for the run's messages.
func TestAppsAnyCase(t *testing.T) {
	t.Parallel()
	got := parseErr(t, doc("reports:", "  - name: r", "    periods: [yesterday]", "    apps:", "      - shop", "      - SHOP"))
	if !strings.HasPrefix(got, `t.yaml:6: reports[0].apps[1]: app "SHOP" is listed twice`) {
		t.Errorf("got %s", got)
	}
	cfg, err := ParseConfig("t.yaml", []byte(doc("reports:", "  - name: r", "    periods: [yesterday]", "    apps:", "      - shop", "", "      - Marketing Site")))
	if err != nil {
		t.Fatal(err)
	}
	if l := cfg.Reports[0].AppLines; len(l) != 2 || l[0] != 5 || l[1] != 7 {
		t.Errorf("app lines %v, want [5 7]", l)
	}
	if !MatchesApp("Marketing Site", "id", "marketing-site", "marketing site") || !MatchesApp("SHOP", "id", "shop", "Shop") || MatchesApp("sho", "id", "shop", "Shop") {
		t.Errorf("MatchesApp is not a case-insensitive whole match")
	}
}
