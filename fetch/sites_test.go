package fetch

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
	"github.com/kinsta-report/kinsta-report/report"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// sitesClient serves body with status at every path and records the
// requests.
type cannedSites struct {
	mu     sync.Mutex
	status int
	body   string
	reqs   []*url.URL
}

func (c *cannedSites) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.reqs = append(c.reqs, r.URL)
	c.mu.Unlock()
	w.WriteHeader(c.status)
	_, _ = w.Write([]byte(c.body))
}

func cannedClient(t *testing.T, status int, body string) (*Client, *cannedSites) {
	t.Helper()
	h := &cannedSites{status: status, body: body}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := NewClient(testKey, WithBaseURL(srv.URL+"/v2"), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return c, h
}

func TestDecodeAnalyticsShapes(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		key        report.SiteMetricKey
		want       []report.Point
		wantTotal  *float64
		wantErr    string // substring of the error; "" when it must decode
		wantSeries int
	}{
		{
			name: "spec shape: strings, zone-less keys",
			body: `{"analytics":{"analytics_response":{"key":"uniqueip","data":[{"name":"uniqueip","total":1500,"dataset":[
				{"key":"2025-10-28T00:00:00","value":"1000"},{"key":"2025-10-29T00:00:00","value":"500"}]}]}}}`,
			key:        report.SiteVisits,
			want:       []report.Point{{Time: day(2025, 10, 28), Value: 1000}, {Time: day(2025, 10, 29), Value: 500}},
			wantTotal:  report.F(1500),
			wantSeries: 1,
		},
		{
			name: "numbers, total as a string, dates only, out of order, unknown fields",
			body: `{"extra":1,"analytics":{"analytics_response":{"key":"bandwidth","data":[{"name":"bandwidth","total":"2.5e3","x":[1],"dataset":[
				{"key":"2025-10-29","value":2000},{"key":"2025-10-28","value":500.5,"other":"y"}]}]}}}`,
			key:        report.SiteBandwidth,
			want:       []report.Point{{Time: day(2025, 10, 28), Value: 500.5}, {Time: day(2025, 10, 29), Value: 2000}},
			wantTotal:  report.F(2500),
			wantSeries: 1,
		},
		{
			name:       "empty data",
			body:       `{"analytics":{"analytics_response":{"key":"cdn-bandwidth","data":[]}}}`,
			key:        report.SiteCDNBandwidth,
			want:       []report.Point{},
			wantSeries: 0,
		},
		{
			name:       "empty dataset, null total",
			body:       `{"analytics":{"analytics_response":{"key":"diskSpaceUsage","data":[{"name":"diskSpaceUsage","total":null,"dataset":[]}]}}}`,
			key:        report.SiteDiskSpace,
			want:       []report.Point{},
			wantSeries: 1,
		},
		{
			name: "null and empty values are days without data",
			body: `{"analytics":{"analytics_response":{"key":"uniqueip","data":[{"name":"uniqueip","total":3,"dataset":[
				{"key":"2025-10-28T00:00:00","value":null},{"key":"2025-10-29T00:00:00","value":""},{"key":"2025-10-30T00:00:00","value":"3"}]}]}}}`,
			key:        report.SiteVisits,
			want:       []report.Point{{Time: day(2025, 10, 30), Value: 3}},
			wantTotal:  report.F(3),
			wantSeries: 1,
		},
		{
			name: "unknown names in data[] are ignored beside the expected one",
			body: `{"analytics":{"analytics_response":{"key":"uniqueip","data":[
				{"name":"bots","total":9,"dataset":[{"key":"2025-10-28T00:00:00","value":"9"}]},
				{"name":"uniqueip","total":7,"dataset":[{"key":"2025-10-28T00:00:00","value":"7"}]}]}}}`,
			key:        report.SiteVisits,
			want:       []report.Point{{Time: day(2025, 10, 28), Value: 7}},
			wantTotal:  report.F(7),
			wantSeries: 2,
		},
		{
			name:       "a lone series is taken whatever its name",
			body:       `{"analytics":{"analytics_response":{"key":"visits","data":[{"name":"visits","total":4,"dataset":[{"key":"2025-10-28T00:00:00","value":"4"}]}]}}}`,
			key:        report.SiteVisits,
			want:       []report.Point{{Time: day(2025, 10, 28), Value: 4}},
			wantTotal:  report.F(4),
			wantSeries: 1,
		},
		{
			name: "several unknown names and none expected",
			body: `{"analytics":{"analytics_response":{"key":"x","data":[{"name":"a","total":1,"dataset":[]},{"name":"b","total":1,"dataset":[]}]}}}`,
			key:  report.SiteVisits, wantErr: `none is named "uniqueip"`, wantSeries: 2,
		},
		{
			name:    "bad value named by element",
			body:    `{"analytics":{"analytics_response":{"key":"uniqueip","data":[{"name":"uniqueip","total":1,"dataset":[{"key":"2025-10-28T00:00:00","value":"lots"}]}]}}}`,
			key:     report.SiteVisits,
			wantErr: `analytics.analytics_response.data[0].dataset[0].value "lots": not a number`,
		},
		{
			name:    "bad key named by element",
			body:    `{"analytics":{"analytics_response":{"key":"uniqueip","data":[{"name":"uniqueip","total":1,"dataset":[{"key":"yesterday","value":"1"}]}]}}}`,
			key:     report.SiteVisits,
			wantErr: `analytics.analytics_response.data[0].dataset[0].key "yesterday": not a date`,
		},
		{
			name:    "missing key",
			body:    `{"analytics":{"analytics_response":{"key":"uniqueip","data":[{"name":"uniqueip","total":1,"dataset":[{"value":"1"}]}]}}}`,
			key:     report.SiteVisits,
			wantErr: `data[0].dataset[0].key: missing`,
		},
		{
			name:    "bad total",
			body:    `{"analytics":{"analytics_response":{"key":"uniqueip","data":[{"name":"uniqueip","total":"n/a","dataset":[]}]}}}`,
			key:     report.SiteVisits,
			wantErr: `data[0].total "n/a": not a number`,
		},
		{name: "no analytics", body: `{}`, key: report.SiteVisits, wantErr: "analytics: missing"},
		{name: "no analytics_response", body: `{"analytics":{}}`, key: report.SiteVisits, wantErr: "analytics.analytics_response: missing"},
		{name: "not JSON", body: `<html>`, key: report.SiteVisits, wantErr: "invalid JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, aerr := decodeAnalytics([]byte(tc.body))
			m, err := decodeSiteMetric([]byte(tc.body), tc.key)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				if aerr == nil && len(a.Series) != tc.wantSeries {
					t.Errorf("series = %d, want %d", len(a.Series), tc.wantSeries)
				}
				return
			}
			if err != nil || aerr != nil {
				t.Fatalf("err = %v / %v", err, aerr)
			}
			if len(a.Series) != tc.wantSeries {
				t.Errorf("series = %d, want %d", len(a.Series), tc.wantSeries)
			}
			info, _ := report.SiteInfo(tc.key)
			if m.Key != tc.key || m.Unit != info.Unit {
				t.Errorf("key/unit = %s/%s", m.Key, m.Unit)
			}
			if len(m.Points) != len(tc.want) {
				t.Fatalf("points = %v, want %v", m.Points, tc.want)
			}
			for i := range tc.want {
				if !m.Points[i].Time.Equal(tc.want[i].Time) || m.Points[i].Time.Location() != time.UTC || m.Points[i].Value != tc.want[i].Value {
					t.Errorf("point %d = %v, want %v", i, m.Points[i], tc.want[i])
				}
			}
			if (m.APITotal == nil) != (tc.wantTotal == nil) || (m.APITotal != nil && *m.APITotal != *tc.wantTotal) {
				t.Errorf("api total = %v, want %v", m.APITotal, tc.wantTotal)
			}
		})
	}
}

func TestSiteMetric202And200(t *testing.T) {
	body := `{"analytics":{"analytics_response":{"key":"diskSpaceUsage","data":[{"name":"diskSpaceUsage","total":1000,"dataset":[{"key":"2025-10-28T00:00:00","value":"1000"}]}]}}}`
	for _, status := range []int{http.StatusAccepted, http.StatusOK} {
		c, h := cannedClient(t, status, body)
		m, err := c.SiteMetric(t.Context(), "env/1", "co", report.SiteDiskSpace, Days{From: day(2025, 10, 28), To: day(2025, 10, 28)})
		if err != nil {
			t.Fatalf("status %d: %v", status, err)
		}
		if len(m.Points) != 1 || m.Points[0].Value != 1000 {
			t.Errorf("status %d: points %v", status, m.Points)
		}
		u := h.reqs[0]
		if u.EscapedPath() != "/v2/sites/environments/env%2F1/analytics/diskspace" {
			t.Errorf("path = %s", u.EscapedPath())
		}
		q := u.Query()
		if q.Get("company_id") != "co" || q.Get("from") != "2025-10-28" || q.Get("to") != "2025-10-28" || q.Get("time_zone") != "00:00" {
			t.Errorf("query = %s", u.RawQuery)
		}
	}
}

func TestSitesBadInput(t *testing.T) {
	c, h := cannedClient(t, 200, `{}`)
	ctx := t.Context()
	d := Days{From: day(2025, 10, 2), To: day(2025, 10, 1)}
	if _, err := c.SiteMetric(ctx, "e", "co", report.SiteVisits, d); err == nil || !strings.Contains(err.Error(), "before from") {
		t.Errorf("reversed days: %v", err)
	}
	if _, err := c.SiteMetric(ctx, "e", "co", "pageviews", Days{From: day(2025, 10, 1), To: day(2025, 10, 1)}); err == nil {
		t.Error("unknown metric: no error")
	}
	if _, err := c.UsageThisMonth(ctx, "s", report.SiteDiskSpace); err == nil {
		t.Error("disk space usage: no error")
	}
	for _, f := range []func() error{
		func() error { _, err := c.Sites(ctx, ""); return err },
		func() error { _, err := c.Site(ctx, ""); return err },
		func() error { _, err := c.Environments(ctx, ""); return err },
		func() error { _, err := c.SiteMetric(ctx, "", "co", report.SiteVisits, d); return err },
	} {
		if f() == nil {
			t.Error("empty id: no error")
		}
	}
	if len(h.reqs) != 0 {
		t.Errorf("bad input sent %d requests", len(h.reqs))
	}
}

func TestDecodeSitesShapes(t *testing.T) {
	sites, err := decodeSites([]byte(`{"company":{"sites":[{"id":"s1","name":"blog","display_name":"<b>Blog</b>","status":"live","siteLabels":[],"future":{}},
		{"id":"s2","name":null,"display_name":42,"status":"live","environments":[{"id":"e1","name":"live","display_name":"Live","is_blocked":"false","is_premium":true,"primaryDomain":{"name":"x.example"}}]}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(sites) != 2 || sites[0].DisplayName != "<b>Blog</b>" || sites[1].Name != "" || sites[1].DisplayName != "42" ||
		len(sites[1].Environments) != 1 || !sites[1].Environments[0].IsPremium || sites[1].Environments[0].IsBlocked ||
		sites[1].Environments[0].PrimaryDomain != "x.example" {
		t.Errorf("sites = %+v", sites)
	}
	for body, want := range map[string]string{
		`{}`:                                   "company: missing",
		`{"company":{"sites":[{"name":"x"}]}}`: "company.sites[0].id: missing",
		`{"company":{"sites":[{"id":"s","environments":[{"name":"live"}]}]}}`: "company.sites[0].environments[0].id: missing",
		`{"company":{"sites":"none"}}`:                                        "company.sites",
	} {
		if _, err := decodeSites([]byte(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", body, err, want)
		}
	}
	s, err := decodeSite([]byte(`{"site":{"id":"s","name":"n","display_name":"N","company_id":"c","status":"live","environments":[{"id":"e","name":"staging"}]}}`))
	if err != nil || s.CompanyID != "c" || len(s.Environments) != 1 || s.Environments[0].Name != "staging" {
		t.Errorf("site = %+v, %v", s, err)
	}
	if _, err := decodeSite([]byte(`{"site":null}`)); err == nil || !strings.Contains(err.Error(), "site: missing") {
		t.Errorf("null site: %v", err)
	}
	envs, err := decodeEnvironments([]byte(`{"site":{"environments":[{"id":"a","name":"live"},{"id":"b","name":"staging","unknown":[1,2]}]}}`))
	if err != nil || len(envs) != 2 || envs[1].ID != "b" {
		t.Errorf("envs = %+v, %v", envs, err)
	}
}

func TestDecodeUsageShapes(t *testing.T) {
	tests := []struct {
		body    string
		key     report.SiteMetricKey
		want    float64
		wantErr string
	}{
		{`{"site":{"id":"s","this_month_usage":{"visits":100}}}`, report.SiteVisits, 100, ""},
		{`{"site":{"id":"s","this_month_usage":{"visits":"100"}}}`, report.SiteVisits, 100, ""},
		{`{"site":{"id":"s","this_month_usage":{"bandwidth":"1.5e9"}}}`, report.SiteBandwidth, 1.5e9, ""},
		{`{"site":{"id":"s","this_month_cdn_usage":{"bandwidth":7}}}`, report.SiteCDNBandwidth, 7, ""},
		{`{"site":{"id":"s","this_month_usage":{"bandwidth":7}}}`, report.SiteCDNBandwidth, 0, "site.this_month_cdn_usage: missing"},
		{`{"site":{"id":"s","this_month_usage":{"visits":null}}}`, report.SiteVisits, 0, "site.this_month_usage.visits: missing"},
		{`{"site":{"id":"s","this_month_usage":{"visits":"many"}}}`, report.SiteVisits, 0, `site.this_month_usage.visits "many": not a number`},
		{`{}`, report.SiteVisits, 0, "site: missing"},
	}
	for _, tc := range tests {
		v, err := decodeUsage([]byte(tc.body), tc.key)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: err = %v, want %q", tc.body, err, tc.wantErr)
			}
			continue
		}
		if err != nil || v != tc.want {
			t.Errorf("%s: %v, %v; want %v", tc.body, v, err, tc.want)
		}
	}
}

// TestSitesAgainstSimulator drives every site method against kinstatest
// and checks the figures against the simulator's own functions.
func TestSitesAgainstSimulator(t *testing.T) {
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	sim := kinstatest.New(kinstatest.Options{APIKey: testKey, Now: func() time.Time { return now }})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := NewClient(testKey, WithBaseURL(srv.URL+"/v2"), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	co := sim.CompanyID()

	sites, err := c.Sites(ctx, co)
	if err != nil {
		t.Fatal(err)
	}
	want := sim.Sites()
	if len(sites) != len(want) || len(want) < 2 {
		t.Fatalf("sites = %+v, want %d", sites, len(want))
	}
	d := Days{From: day(2026, 10, 24), To: day(2026, 11, 22)} // 30 days
	for i, ws := range want {
		if sites[i].ID != ws.ID || sites[i].Name != ws.Name || sites[i].DisplayName != ws.DisplayName {
			t.Errorf("site %d = %+v, want %+v", i, sites[i], ws)
		}
		one, err := c.Site(ctx, ws.ID)
		if err != nil || one.ID != ws.ID || one.CompanyID != co || len(one.Environments) != 2 {
			t.Fatalf("Site(%s) = %+v, %v", ws.ID, one, err)
		}
		envs, err := c.Environments(ctx, ws.ID)
		if err != nil || len(envs) != 2 || envs[0].Name != "live" || envs[1].Name != "staging" {
			t.Fatalf("Environments(%s) = %+v, %v", ws.ID, envs, err)
		}
		for _, env := range envs {
			for _, k := range report.AllSiteMetrics() {
				info, _ := report.SiteInfo(k)
				m, err := c.SiteMetric(ctx, env.ID, co, k, d)
				if err != nil {
					t.Fatalf("%s %s %s: %v", ws.Name, env.Name, k, err)
				}
				days, values, total := ws.Days(env.ID, info.Segment, d.From, d.To)
				if len(m.Points) != 30 || len(days) != 30 {
					t.Fatalf("%s %s %s: %d points, want 30", ws.Name, env.Name, k, len(m.Points))
				}
				for j := range days {
					if !m.Points[j].Time.Equal(days[j]) || m.Points[j].Value != values[j] {
						t.Errorf("%s %s %s day %d = %v, want %v %v", ws.Name, env.Name, k, j, m.Points[j], days[j], values[j])
					}
				}
				if m.APITotal == nil || *m.APITotal != total {
					t.Errorf("%s %s %s: api total %v, want %v", ws.Name, env.Name, k, m.APITotal, total)
				}
			}
		}
		u, err := c.Usage(ctx, ws.ID, now)
		if err != nil || len(u.Errors) != 0 {
			t.Fatalf("Usage(%s) = %+v, %v", ws.ID, u, err)
		}
		if *u.Visits != ws.ThisMonth(kinstatest.SegVisits, now) || *u.Bandwidth != ws.ThisMonth(kinstatest.SegBandwidth, now) ||
			*u.CDNBandwidth != ws.ThisMonth(kinstatest.SegCDNBandwidth, now) || *u.Visits <= 0 {
			t.Errorf("usage = %v %v %v", *u.Visits, *u.Bandwidth, *u.CDNBandwidth)
		}
	}

	// Unknown ids are Kinsta's 404s.
	if _, err := c.Site(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown site: %v", err)
	}
	if _, err := c.SiteMetric(ctx, "nope", co, report.SiteVisits, d); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown environment: %v", err)
	}
}

// TestSimulatedTrafficIsRealistic checks the shape of the simulated data:
// weekdays busier than weekends, bandwidth about visits × page weight, CDN
// a share of it, disk growing.
func TestSimulatedTrafficIsRealistic(t *testing.T) {
	st := kinstatest.DefaultSites()[0]
	live, staging := st.Environments[0].ID, st.Environments[1].ID
	var week, weekend, wdays, wedays float64
	from := day(2026, 9, 1)
	for i := range 56 {
		d := from.AddDate(0, 0, i)
		v := st.Daily(live, kinstatest.SegVisits, d)
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			weekend += v
			wedays++
		} else {
			week += v
			wdays++
		}
		bw := st.Daily(live, kinstatest.SegBandwidth, d)
		if r := bw / (v * st.PageWeight); r < 0.89 || r > 1.11 {
			t.Errorf("%s: bandwidth/visits/page weight = %.3f", d.Format(time.DateOnly), r)
		}
		if cdn := st.Daily(live, kinstatest.SegCDNBandwidth, d); cdn <= 0 || cdn >= bw {
			t.Errorf("%s: cdn %v not within (0, %v)", d.Format(time.DateOnly), cdn, bw)
		}
		if sv := st.Daily(staging, kinstatest.SegVisits, d); sv >= v/10 {
			t.Errorf("%s: staging visits %v vs live %v", d.Format(time.DateOnly), sv, v)
		}
	}
	if week/wdays < 1.4*weekend/wedays {
		t.Errorf("weekday mean %.0f not well above weekend mean %.0f", week/wdays, weekend/wedays)
	}
	if a, b := st.Daily(live, kinstatest.SegDiskSpace, from), st.Daily(live, kinstatest.SegDiskSpace, from.AddDate(0, 0, 30)); b <= a {
		t.Errorf("disk space did not grow over 30 days: %v → %v", a, b)
	}
}

func TestPeriodDays(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	d := PeriodDays(time.Date(2026, 11, 16, 0, 0, 0, 0, berlin), time.Date(2026, 11, 23, 0, 0, 0, 0, berlin))
	q, err := d.query()
	if err != nil || q.Get("from") != "2026-11-16" || q.Get("to") != "2026-11-22" {
		t.Errorf("week = %v, %v", q, err)
	}
	d = PeriodDays(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC))
	if q, _ := d.query(); q.Get("from") != "2026-11-01" || q.Get("to") != "2026-11-23" {
		t.Errorf("month to date = %v", q)
	}
}
