package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// WordPress sites live on Kinsta's own host (DefaultBaseURL), applications
// on Sevalla's: a run that reports both makes one Client per host and key.
//
// What Kinsta documents, and what this package assumes where it does not
// (spec 1.87.0 and the analytics announcement of November 2025):
//
//   - from and to are calendar dates, YYYY-MM-DD (documented). Both are
//     taken as inclusive (assumed: the announcement's example asks
//     2025-10-01 to 2025-10-15 for "daily breakdowns over your chosen
//     period").
//   - The dataset keys are dates without a zone ("2025-10-28T00:00:00"),
//     one per day. Visits, bandwidth and CDN bandwidth take no zone
//     parameter; their days are taken as UTC days (assumed, undocumented).
//     Disk space requires time_zone ("±HH:00"); this client sends "00:00",
//     so its days are UTC days too. Keys are decoded as UTC midnights.
//   - How far back from may go is not documented. time_span offers at most
//     60_days, and Kinsta's docs say its analytics log data is kept 30
//     days; AnalyticsLookback is the 60 days assumed.
//   - Units are not documented. Visits are counts (Kinsta's docs: unique
//     IPs per 24-hour period, summed over days); bandwidth, CDN bandwidth
//     and disk space are taken as bytes (assumed, as the application
//     bandwidth metric is).
//   - The analytics endpoints answer 202 in the spec; any 2xx is accepted.
//   - The usage endpoints give this month's usage but no plan allowance.

// AnalyticsLookback is how far back before today a site analytics from date
// is assumed to be served (undocumented: the longest time_span).
const AnalyticsLookback = 60 * 24 * time.Hour

// wireDate is the from/to format of the analytics endpoints.
const wireDate = "2006-01-02"

// analyticsTimeZone is the time_zone sent to the disk space endpoint: UTC,
// so that its days line up with the other analytics.
const analyticsTimeZone = "00:00"

// Site is one WordPress site. Environments is filled by Site (and by Sites
// when include_environments is honoured); use Environments otherwise.
type Site struct {
	ID, Name, DisplayName, Status, CompanyID string
	Environments                             []Environment
}

// Environment is one environment of a site (live, staging, ...).
type Environment struct {
	ID, Name, DisplayName string
	IsPremium, IsBlocked  bool
	// PrimaryDomain is the environment's primary domain name, "" when not
	// given.
	PrimaryDomain string
}

// Days is an inclusive range of calendar days: the year, month and day of
// From and To (in their own locations) are sent as from and to.
type Days struct {
	From, To time.Time
}

func (d Days) query() (url.Values, error) {
	if d.From.IsZero() || d.To.IsZero() {
		return nil, errors.New("fetch: days without a from or to date")
	}
	from, to := d.From.Format(wireDate), d.To.Format(wireDate)
	if to < from {
		return nil, fmt.Errorf("fetch: days to %s is before from %s", to, from)
	}
	return url.Values{"from": {from}, "to": {to}}, nil
}

// Analytics is the decoded analytics answer: the answer's key and each
// series of data[], in the API's order.
type Analytics struct {
	Key    string
	Series []AnalyticsSeries
}

// AnalyticsSeries is one element of data[]: its name, its total (nil when
// absent) and its daily points (UTC midnights, sorted; days without a value
// left out).
type AnalyticsSeries struct {
	Name   string
	Total  *float64
	Points []report.Point
}

// Sites lists the company's sites. The spec pages nothing: one answer holds
// every site.
// GET /sites?company={id}
func (c *Client) Sites(ctx context.Context, companyID string) ([]Site, error) {
	if companyID == "" {
		return nil, errors.New("fetch: sites: empty company id")
	}
	const p = "/sites"
	ans, err := c.get(ctx, p, url.Values{"company": {companyID}})
	if err != nil {
		return nil, err
	}
	return decodeAt(p, ans, decodeSites)
}

// Site returns one site by id, with its environments.
// GET /sites/{site_id}
func (c *Client) Site(ctx context.Context, siteID string) (Site, error) {
	if siteID == "" {
		return Site{}, errors.New("fetch: site: empty id")
	}
	p := escapedPath("sites", siteID)
	ans, err := c.get(ctx, p, nil)
	if err != nil {
		return Site{}, err
	}
	return decodeAt(p, ans, decodeSite)
}

// Environments returns a site's environments.
// GET /sites/{site_id}/environments
func (c *Client) Environments(ctx context.Context, siteID string) ([]Environment, error) {
	if siteID == "" {
		return nil, errors.New("fetch: environments: empty site id")
	}
	p := escapedPath("sites", siteID, "environments")
	ans, err := c.get(ctx, p, nil)
	if err != nil {
		return nil, err
	}
	return decodeAt(p, ans, decodeEnvironments)
}

// analytics sends one analytics request and returns the answer and path.
func (c *Client) analytics(ctx context.Context, envID, companyID string, key report.SiteMetricKey, d Days) (answer, string, error) {
	info, ok := report.SiteInfo(key)
	switch {
	case !ok:
		return answer{}, "", fmt.Errorf("fetch: unknown site metric %q", key)
	case envID == "":
		return answer{}, "", fmt.Errorf("fetch: %s: empty environment id", key)
	case companyID == "":
		return answer{}, "", fmt.Errorf("fetch: %s: empty company id", key)
	}
	q, err := d.query()
	if err != nil {
		return answer{}, "", err
	}
	q.Set("company_id", companyID)
	if key == report.SiteDiskSpace {
		q.Set("time_zone", analyticsTimeZone)
	}
	p := "/sites/environments/" + url.PathEscape(envID) + "/analytics/" + info.Segment
	ans, err := c.get(ctx, p, q)
	return ans, p, err
}

// SiteAnalytics returns the raw analytics answer of one site metric of one
// environment over days.
// GET /sites/environments/{env_id}/analytics/{visits|bandwidth|cdn-bandwidth|diskspace}
func (c *Client) SiteAnalytics(ctx context.Context, envID, companyID string, key report.SiteMetricKey, d Days) (Analytics, error) {
	ans, p, err := c.analytics(ctx, envID, companyID, key, d)
	if err != nil {
		return Analytics{}, err
	}
	return decodeAt(p, ans, decodeAnalytics)
}

// SiteMetric fetches one site metric of one environment over days as a
// report.SiteMetric (Key, Unit, Points, APITotal; summaries are left to
// report.SummarizeSite). The series is picked from data[] by its name
// (SeriesName); other names are ignored; a lone series is taken whatever
// its name; an empty data[] is a metric without points.
// GET /sites/environments/{env_id}/analytics/{visits|bandwidth|cdn-bandwidth|diskspace}
func (c *Client) SiteMetric(ctx context.Context, envID, companyID string, key report.SiteMetricKey, d Days) (*report.SiteMetric, error) {
	ans, p, err := c.analytics(ctx, envID, companyID, key, d)
	if err != nil {
		return nil, err
	}
	return decodeAt(p, ans, func(b []byte) (*report.SiteMetric, error) { return decodeSiteMetric(b, key) })
}

// SeriesName returns the data[].name the spec gives each site metric's
// series (visits: "uniqueip", disk space: "diskSpaceUsage").
func SeriesName(key report.SiteMetricKey) string {
	switch key {
	case report.SiteVisits:
		return "uniqueip"
	case report.SiteBandwidth:
		return "bandwidth"
	case report.SiteCDNBandwidth:
		return "cdn-bandwidth"
	case report.SiteDiskSpace:
		return "diskSpaceUsage"
	}
	return ""
}

// pick returns the series of key: the one named SeriesName(key), else the
// only one; nil when data[] is empty.
func (a Analytics) pick(key report.SiteMetricKey) (*AnalyticsSeries, error) {
	want := SeriesName(key)
	for i := range a.Series {
		if a.Series[i].Name == want {
			return &a.Series[i], nil
		}
	}
	switch len(a.Series) {
	case 0:
		return nil, nil
	case 1:
		return &a.Series[0], nil
	}
	names := make([]string, len(a.Series))
	for i, s := range a.Series {
		names[i] = fmt.Sprintf("%q", s.Name)
	}
	return nil, fmt.Errorf("data[] holds %d series (%v) and none is named %q", len(a.Series), names, want)
}

// UsageThisMonth returns a site's usage this month of visits, bandwidth or
// cdn_bandwidth (bytes), summed over its environments by Kinsta.
// GET /sites/{site_id}/usage/{visits|bandwidth|cdn-bandwidth}/this-month
func (c *Client) UsageThisMonth(ctx context.Context, siteID string, key report.SiteMetricKey) (float64, error) {
	if siteID == "" {
		return 0, errors.New("fetch: usage: empty site id")
	}
	var seg string
	switch key {
	case report.SiteVisits, report.SiteBandwidth, report.SiteCDNBandwidth:
		info, _ := report.SiteInfo(key)
		seg = info.Segment
	default:
		return 0, fmt.Errorf("fetch: usage of %q: want visits, bandwidth or cdn_bandwidth", key)
	}
	p := escapedPath("sites", siteID, "usage") + "/" + seg + "/this-month"
	ans, err := c.get(ctx, p, nil)
	if err != nil {
		return 0, err
	}
	return decodeAt(p, ans, func(b []byte) (float64, error) { return decodeUsage(b, key) })
}

// Usage fetches a site's three this-month usage figures. A failing endpoint
// leaves its figure nil and adds an entry to Errors; err is only for the
// context ending.
func (c *Client) Usage(ctx context.Context, siteID string, asOf time.Time) (*report.SiteUsage, error) {
	u := &report.SiteUsage{AsOf: asOf}
	for _, k := range []report.SiteMetricKey{report.SiteVisits, report.SiteBandwidth, report.SiteCDNBandwidth} {
		v, err := c.UsageThisMonth(ctx, siteID, k)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			u.Errors = append(u.Errors, report.SiteMissing{Metric: k, Error: err.Error()})
			continue
		}
		switch k {
		case report.SiteVisits:
			u.Visits = report.F(v)
		case report.SiteBandwidth:
			u.Bandwidth = report.F(v)
		case report.SiteCDNBandwidth:
			u.CDNBandwidth = report.F(v)
		}
	}
	return u, nil
}

// PeriodDays returns the calendar days of the half-open period
// [start, end), in start's and end's own location: the report's local
// dates are asked for as they are (Kinsta's days carry no zone; see the
// notes above). An end at a local midnight is not a day of the period.
func PeriodDays(start, end time.Time) Days {
	last := end.Add(-time.Nanosecond).In(end.Location())
	return Days{
		From: time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC),
		To:   time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, time.UTC),
	}
}
