package report

import (
	"slices"
	"strings"
	"testing"
)

func TestParseConfigSites(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig("r.yaml", []byte(doc(
		"reports:",
		"  - name: both",
		"    apps: [shop]",
		"    sites: all",
		"    periods: [yesterday]",
		"  - name: sites-only",
		"    sites: [Blog, 'Brochure <Site>']",
		"    environments: [live, Staging]",
		"    periods: [yesterday]",
		"    thresholds:",
		"      - {metric: site.visits, above: 5000, on: total, sites: [blog]}",
		"      - {metric: site.disk_space, above: 5GB}",
		"  - name: apps-only",
		"    periods: [yesterday]",
	)))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.API.SitesBaseURL != DefaultSitesBaseURL {
		t.Errorf("sites_base_url = %q, want the default %s", cfg.API.SitesBaseURL, DefaultSitesBaseURL)
	}
	both, only, apps := cfg.Reports[0], cfg.Reports[1], cfg.Reports[2]
	if !both.WantsApps() || !both.WantsSites() || !both.Sites.All || !slices.Equal(both.Sites.Environments, []string{"live"}) {
		t.Errorf("both: apps %v sites %+v, want apps and all sites' live environment", both.WantsApps(), both.Sites)
	}
	if only.WantsApps() || only.AllApps || !slices.Equal(only.Sites.Names, []string{"Blog", "Brochure <Site>"}) ||
		!slices.Equal(only.Sites.Environments, []string{"live", "Staging"}) {
		t.Errorf("sites-only: wants apps %v (all %v), sites %+v", only.WantsApps(), only.AllApps, only.Sites)
	}
	if len(only.Thresholds) != 2 {
		t.Fatalf("thresholds %+v", only.Thresholds)
	}
	v, d := only.Thresholds[0], only.Thresholds[1]
	if v.Site != SiteVisits || v.Metric != "site.visits" || v.Above != 5000 || v.On != OnTotal || !slices.Equal(v.Sites, []string{"blog"}) {
		t.Errorf("visits threshold %+v", v)
	}
	if d.Site != SiteDiskSpace || d.Above != 5e9 || d.On != OnPeak || d.Raw != "5GB" {
		t.Errorf("disk threshold %+v", d)
	}
	if apps.WantsSites() || !apps.WantsApps() || !apps.AllApps {
		t.Errorf("apps-only: %+v", apps)
	}
}

func TestParseConfigSitesErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		lines []string
		want  string
	}{
		{"sites not a list", []string{"    sites: blog"}, "r.yaml:4: reports[0].sites: want all or a list of sites"},
		{"empty sites", []string{"    sites: []"}, "reports[0].sites: no sites"},
		{"site twice ignoring case", []string{"    sites: [blog, BLOG]"}, `reports[0].sites[1]: site "BLOG" is listed twice`},
		{"environments without sites", []string{"    environments: [live]"}, "reports[0].environments: environments without sites"},
		{"environments not a list", []string{"    sites: all", "    environments: staging"}, "reports[0].environments: want all or a list of environment names such as [staging]"},
		{"bad sites host", nil, `api.sites_base_url: bad URL "ftp://x"`},
		{"site metric without prefix", []string{"    thresholds: [{metric: visits, above: 10}]"}, `unknown metric "visits" (want one of: bandwidth`},
		{"site threshold without sites", []string{"    thresholds: [{metric: site.visits, above: 10}]"}, "site.visits is a site metric but the report names no sites"},
		{"unknown site metric", []string{"    sites: all", "    thresholds: [{metric: site.pageviews, above: 10}]"}, `unknown site metric "site.pageviews" (want one of: site.visits, site.bandwidth, site.cdn_bandwidth, site.disk_space)`},
		{"apps on a site threshold", []string{"    sites: all", "    thresholds: [{metric: site.visits, above: 10, apps: [shop]}]"}, "apps on a site threshold"},
		{"sites on an app threshold", []string{"    apps: all", "    sites: all", "    thresholds: [{metric: bandwidth, above: 10, sites: [blog]}]"}, "sites on an application threshold"},
		{"app threshold in a sites-only report", []string{"    sites: all", "    thresholds: [{metric: cpu_usage, above: 80}]"}, "cpu_usage is an application metric but the report names only sites"},
		{"bytes on visits", []string{"    sites: all", "    thresholds: [{metric: site.visits, above: 5GB}]"}, "thresholds[0].above:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := "api: {}"
			if tc.name == "bad sites host" {
				api = "api: {sites_base_url: 'ftp://x'}"
			}
			lines := append([]string{api, "reports:", "  - name: r"}, tc.lines...)
			lines = append(lines, "    periods: [yesterday]")
			_, err := ParseConfig("r.yaml", []byte(doc(lines...)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	// The hint for a site metric named without its prefix.
	_, err := ParseConfig("r.yaml", []byte(doc("reports:", "  - name: r", "    periods: [yesterday]", "    thresholds: [{metric: disk_space, above: 1}]")))
	if err == nil || !strings.Contains(err.Error(), "or, for WordPress sites, site.disk_space") {
		t.Errorf("no hint at site.disk_space: %v", err)
	}
}

func TestSitesKey(t *testing.T) {
	t.Parallel()
	c := &Config{}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	kinsta, sevalla := "https://api.kinsta.com/v2", "https://api.sevalla.com/v2"
	cases := []struct {
		name       string
		env        map[string]string
		apps       string
		key, from  string
		errContain string
	}{
		{"own key wins", map[string]string{SitesAPIKeyEnv: "s", APIKeyEnv: "a"}, kinsta, "s", SitesAPIKeyEnv, ""},
		{"same host falls back", map[string]string{APIKeyEnv: "a"}, kinsta + "/", "a", APIKeyEnv, ""},
		{"other host does not", map[string]string{APIKeyEnv: "a"}, sevalla, "", "", "KINSTA_SITES_API_KEY is not set: the report's WordPress sites are fetched from https://api.kinsta.com/v2, another host than the applications' https://api.sevalla.com/v2"},
		{"none at all", nil, kinsta, "", "", "KINSTA_SITES_API_KEY (or KINSTA_API_KEY) is not set"},
		// KINSTA_API_URL comes from the environment: a credential in it
		// stays out of the error.
		{"credentials in the apps URL", map[string]string{APIKeyEnv: "a"}, "https://user:SECRETPW@api.sevalla.com/v2?token=SECRETTOK#SECRETFRAG", "", "", "another host than the applications' https://api.sevalla.com/v2, so"},
	}
	for _, tc := range cases {
		key, from, err := c.SitesKey(env(tc.env), tc.apps, kinsta)
		if key != tc.key || from != tc.from || (err == nil) != (tc.errContain == "") || (err != nil && !strings.Contains(err.Error(), tc.errContain)) {
			t.Errorf("%s: key %q from %q err %v", tc.name, key, from, err)
		}
		if err != nil && strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%s: the error shows a credential of a URL: %v", tc.name, err)
		}
		if err != nil && strings.Contains(err.Error(), "\"a\"") {
			t.Errorf("%s: the error shows a key", tc.name)
		}
	}
}

func TestMatchesSite(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		want string
		ok   bool
	}{{"blog", true}, {"BLOG", true}, {"company blog", true}, {"id-1", true}, {" blog ", true}, {"", false}, {"blo", false}} {
		if got := MatchesSite(tc.want, "ID-1", "blog", "Company Blog"); got != tc.ok {
			t.Errorf("MatchesSite(%q) = %v, want %v", tc.want, got, tc.ok)
		}
	}
}

// A site threshold relative to a plan limit is refused with the reason
// (sites have no plan limit), not as "not a number".
func TestSiteThresholdOfLimit(t *testing.T) {
	t.Parallel()
	got := parseErr(t, doc(
		"reports:",
		"  - name: r",
		"    sites: all",
		"    periods: [previous_week]",
		"    thresholds:",
		"      - metric: site.visits",
		"        above: 90% of limit",
	))
	if want := `t.yaml:7: reports[0].thresholds[0].above: "90% of limit": a site has no plan limit to take a percentage of (want a value in the unit of site.visits)`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
