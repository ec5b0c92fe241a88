// The WordPress site keys of reports.yaml: api.sites_base_url, a report's
// sites and environments, site thresholds (metric: site.visits and so on),
// and which environment variable holds the key of the sites host.

package report

import (
	"fmt"
	"net/url"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultSitesBaseURL is the host of the WordPress site endpoints: Kinsta's
// own API (applications moved to Sevalla's host; sites did not).
const DefaultSitesBaseURL = "https://api.kinsta.com/v2"

// The environment variables of the two hosts' keys and base URLs.
const (
	// APIKeyEnv holds the key of the applications host (api.base_url).
	APIKeyEnv = "KINSTA_API_KEY"
	// SitesAPIKeyEnv holds the key of the sites host (api.sites_base_url).
	// When it is unset and both hosts are the same, APIKeyEnv is used.
	SitesAPIKeyEnv = "KINSTA_SITES_API_KEY"
	// SitesAPIURLEnv overrides api.sites_base_url, as KINSTA_API_URL
	// overrides api.base_url.
	SitesAPIURLEnv = "KINSTA_SITES_API_URL"
)

// DefaultEnvironment is the environment a report shows when it names none.
const DefaultEnvironment = "live"

// SitesConfig is a report's sites: all of the company's, or each entry
// matched by id, name or display_name (case-insensitive, see MatchesSite),
// and the environments to show of each (by name or display name,
// case-insensitive; default live).
type SitesConfig struct {
	All   bool
	Names []string
	// Environments are the environment names in config order; empty when
	// AllEnvironments.
	Environments    []string
	AllEnvironments bool
	// Line is the line of the report's sites key.
	Line int
}

// WantsApps says whether the report fetches applications: unless it names
// sites and no apps.
func (r ReportConfig) WantsApps() bool { return !r.NoApps }

// WantsSites says whether the report fetches WordPress sites.
func (r ReportConfig) WantsSites() bool { return r.Sites != nil }

// MatchesSite is the rule by which a config entry names a site (in a
// report's sites and a threshold's sites): its id, name or display_name,
// ignoring case.
func MatchesSite(want, id, name, displayName string) bool {
	want = strings.TrimSpace(want)
	return want != "" && (strings.EqualFold(want, id) || strings.EqualFold(want, name) || strings.EqualFold(want, displayName))
}

// MatchesEnvironment says whether a config entry of environments names the
// environment with this name and display name, ignoring case.
func MatchesEnvironment(want, name, displayName string) bool {
	want = strings.TrimSpace(want)
	return want != "" && (strings.EqualFold(want, name) || strings.EqualFold(want, displayName))
}

// sitesBaseURL checks api.sites_base_url and applies its default.
func (v *validator) sitesBaseURL(raw string) string {
	s := strings.TrimSpace(raw)
	if s == "" {
		return DefaultSitesBaseURL
	}
	if u, err := url.Parse(s); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		v.errorf("api.sites_base_url", "bad URL %q (want an http(s) URL such as %s)", raw, DefaultSitesBaseURL)
	}
	return strings.TrimRight(s, "/")
}

// sites reads a report's sites and environments. A report that names
// sites and leaves apps out fetches no applications.
func (v *validator) sites(p string, raw *rawReport, r *ReportConfig) {
	n := deref(&raw.Sites)
	if isNull(n) {
		if !isNull(deref(&raw.Environments)) {
			v.errorf(p+".environments", "environments without sites (want sites: all or a list of sites beside it, or remove environments)")
		}
		return
	}
	sc := &SitesConfig{Line: v.line(p + ".sites")}
	switch {
	case n.Kind == yaml.ScalarNode && n.Value == "all":
		sc.All = true
	case n.Kind != yaml.SequenceNode:
		v.errorf(p+".sites", "want all or a list of sites (each a site's id, name or display_name, e.g. [blog]), got %s", describeNode(n))
	case len(n.Content) == 0:
		v.errorf(p+".sites", "no sites (want all or a list of sites, or remove sites)")
	default:
		sc.Names = v.nameItems(p+".sites", n, nameItemsText{
			want: "want a site's id, name or display_name", all: "want sites: all, or a list of sites",
			twice: "site %q is listed twice (want each site once; names match ignoring case)",
		})
	}

	e := deref(&raw.Environments)
	switch {
	case isNull(e):
		sc.Environments = []string{DefaultEnvironment}
	case e.Kind == yaml.ScalarNode && e.Value == "all":
		sc.AllEnvironments = true
	case e.Kind != yaml.SequenceNode:
		hint := "[live, staging]"
		if e.Kind == yaml.ScalarNode {
			hint = "[" + e.Value + "]"
		}
		v.errorf(p+".environments", "want all or a list of environment names such as %s, got %s", hint, describeNode(e))
	case len(e.Content) == 0:
		v.errorf(p+".environments", "no environments (want e.g. [live], the default, or all)")
	default:
		sc.Environments = v.nameItems(p+".environments", e, nameItemsText{
			want: "want an environment name such as live or staging", all: "want environments: all, or a list of names",
			twice: "environment %q is listed twice (want each once; names match ignoring case)",
		})
	}
	r.Sites = sc
	if isNull(deref(&raw.Apps)) {
		r.Apps, r.AllApps, r.NoApps = nil, false, true
	}
}

// siteThresholdPrefix starts the metric of a site threshold: bandwidth is
// both an application and a site metric, so site metrics are always named
// site.visits, site.bandwidth, site.cdn_bandwidth and site.disk_space.
const siteThresholdPrefix = "site."

// IsSiteThresholdMetric says whether a threshold's metric names a site
// metric (site.visits, ...), known or not.
func IsSiteThresholdMetric(metric string) bool {
	return strings.HasPrefix(metric, siteThresholdPrefix)
}

// SiteThresholdMetric is the threshold metric name of a site metric, e.g.
// "site.visits".
func SiteThresholdMetric(k SiteMetricKey) MetricKey {
	return MetricKey(siteThresholdPrefix + string(k))
}

func siteThresholdList() string {
	var s []string
	for _, k := range AllSiteMetrics() {
		s = append(s, string(SiteThresholdMetric(k)))
	}
	return strings.Join(s, ", ")
}

// siteMetricHint adds the site metric names to an unknown metric's message
// when the name is a site metric's without the prefix.
func siteMetricHint(metric string) string {
	if _, ok := SiteInfo(SiteMetricKey(metric)); ok {
		return fmt.Sprintf("; or, for WordPress sites, %s", SiteThresholdMetric(SiteMetricKey(metric)))
	}
	return ""
}

// siteThreshold checks a threshold on a site metric.
func (v *validator) siteThreshold(p string, raw *rawThreshold, r ReportConfig) (Threshold, bool) {
	key := SiteMetricKey(strings.TrimPrefix(raw.Metric, siteThresholdPrefix))
	t := Threshold{Metric: MetricKey(raw.Metric), Site: key, On: raw.On, Sites: raw.Sites}
	if t.On == "" {
		t.On = OnPeak
	}
	ok := true
	info, known := SiteInfo(key)
	switch {
	case !known:
		v.errorf(p+".metric", "unknown site metric %q (want one of: %s)", raw.Metric, siteThresholdList())
		ok = false
	case r.Sites == nil:
		v.errorf(p+".metric", "%s is a site metric but the report names no sites, so it is never fetched (want sites: all or a list of sites)", raw.Metric)
		ok = false
	}
	switch t.On {
	case OnPeak, OnAverage, OnTotal, OnAnyBucket:
	default:
		v.errorf(p+".on", "unknown on %q (want one of: peak, average, total, any_bucket; default peak; a site's buckets are days)", raw.On)
		ok = false
	}
	if isNull(&raw.Above) {
		hint := "want a number"
		if known {
			hint = unitHint(info.Unit)
		}
		v.errorf(p+".above", "missing (%s)", hint)
		ok = false
	} else if known {
		val, err := scalarValue(&raw.Above)
		if _, isOfLimit, _ := parseOfLimit(raw.Above.Value); isOfLimit {
			err = fmt.Errorf("%q: a site has no plan limit to take a percentage of (want a value in the unit of %s)", raw.Above.Value, raw.Metric)
		} else if err == nil {
			t.Above, _, err = parseQuantity(info.Unit, raw.Metric, val)
		}
		if err != nil {
			v.errorf(p+".above", "%v", err)
			ok = false
		}
		t.Raw = raw.Above.Value
	}
	if len(raw.Apps) > 0 {
		v.errorf(p+".apps", "apps on a site threshold (want sites: a list of sites, by id, name or display_name)")
		ok = false
	}
	paths := v.listItems(p+".sites", len(raw.Sites), false, "a site's id, name or display_name")
	for j, s := range raw.Sites {
		if strings.TrimSpace(s) == "" {
			v.errorf(paths[j], "empty site (want a site's id, name or display_name)")
			ok = false
		}
	}
	return t, ok
}

// SitesKey returns the API key of the sites host and the variable it came
// from, read through getenv: KINSTA_SITES_API_KEY, else KINSTA_API_KEY when
// the sites host is the applications host (appsBaseURL, after
// KINSTA_API_URL). The error names the variable to set; it never holds a
// key.
func (c *Config) SitesKey(getenv func(string) string, appsBaseURL, sitesBaseURL string) (key, variable string, err error) {
	if k := getenv(SitesAPIKeyEnv); k != "" {
		return k, SitesAPIKeyEnv, nil
	}
	if SameHost(appsBaseURL, sitesBaseURL) {
		if k := getenv(APIKeyEnv); k != "" {
			return k, APIKeyEnv, nil
		}
		return "", "", fmt.Errorf("%s (or %s) is not set: the report's WordPress sites are fetched from %s; create an API key in MyKinsta (Company settings > API Keys) and export it, or run with -demo",
			SitesAPIKeyEnv, APIKeyEnv, shownURL(sitesBaseURL))
	}
	return "", "", fmt.Errorf("%s is not set: the report's WordPress sites are fetched from %s, another host than the applications' %s, so %s is not used for them; create a Kinsta API key in MyKinsta (Company settings > API Keys) and export it, or run with -demo",
		SitesAPIKeyEnv, shownURL(sitesBaseURL), shownURL(appsBaseURL), APIKeyEnv)
}

// shownURL is a base URL as an error may show it: without user info, query
// or fragment, which may carry a credential (KINSTA_API_URL and
// KINSTA_SITES_API_URL come from the environment and are only checked
// later).
func shownURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return "(an unparsable URL)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// SameHost says whether two base URLs name the same scheme and host
// (ignoring case and a trailing slash).
func SameHost(a, b string) bool {
	ua, err1 := url.Parse(strings.TrimSpace(a))
	ub, err2 := url.Parse(strings.TrimSpace(b))
	if err1 != nil || err2 != nil {
		return false
	}
	return strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host)
}

// nameItemsText is what nameItems says of a list's bad entries.
type nameItemsText struct {
	want  string // for an entry that is not a name
	all   string // for "all" inside the list
	twice string // for a repeated name (%q: the name)
}

// nameItems reads a list of names matched ignoring case (sites,
// environments): each must be a non-empty scalar other than "all", and
// none may repeat. It returns the names, trimmed, in order.
func (v *validator) nameItems(p string, n *yaml.Node, text nameItemsText) []string {
	var names []string
	seen := map[string]bool{}
	for j, item := range n.Content {
		ip := fmt.Sprintf("%s[%d]", p, j)
		item = deref(item)
		key := strings.ToLower(strings.TrimSpace(item.Value))
		switch {
		case item.Kind != yaml.ScalarNode || isNull(item) || key == "":
			v.errorf(ip, "%s, got %s", text.want, describeNode(item))
		case item.Value == "all":
			v.errorf(ip, "all in a list (%s)", text.all)
		case seen[key]:
			v.errorf(ip, text.twice, item.Value)
		default:
			seen[key] = true
			names = append(names, strings.TrimSpace(item.Value))
		}
	}
	return names
}
