package fetch

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// Wire types of the site endpoints (spec 1.87.0), decoded as tolerantly as
// the application ones: strings or numbers, null, unknown fields ignored,
// a bad value named by its element.

type wireDomain struct {
	Name text `json:"name"`
}

type wireEnv struct {
	ID            text            `json:"id"`
	Name          text            `json:"name"`
	DisplayName   text            `json:"display_name"`
	IsPremium     json.RawMessage `json:"is_premium"`
	IsBlocked     json.RawMessage `json:"is_blocked"`
	PrimaryDomain *wireDomain     `json:"primaryDomain"`
}

type wireSite struct {
	ID           text       `json:"id"`
	Name         text       `json:"name"`
	DisplayName  text       `json:"display_name"`
	Status       text       `json:"status"`
	CompanyID    text       `json:"company_id"`
	Environments []*wireEnv `json:"environments"`
}

type wireSites struct {
	Company *struct {
		Sites []*wireSite `json:"sites"`
	} `json:"company"`
}

type wireSiteDetail struct {
	Site *wireSite `json:"site"`
}

type wireAnalytics struct {
	Analytics *struct {
		Response *struct {
			Key  text `json:"key"`
			Data []*struct {
				Name    text            `json:"name"`
				Total   json.RawMessage `json:"total"`
				Dataset []*struct {
					Key   json.RawMessage `json:"key"`
					Value json.RawMessage `json:"value"`
				} `json:"dataset"`
			} `json:"data"`
		} `json:"analytics_response"`
	} `json:"analytics"`
}

type wireUsage struct {
	Site *struct {
		ID        text `json:"id"`
		ThisMonth *struct {
			Visits    json.RawMessage `json:"visits"`
			Bandwidth json.RawMessage `json:"bandwidth"`
		} `json:"this_month_usage"`
		ThisMonthCDN *struct {
			Bandwidth json.RawMessage `json:"bandwidth"`
		} `json:"this_month_cdn_usage"`
	} `json:"site"`
}

// boolean reads true, false, "true", "false", 1, 0; anything else (null,
// absent) is false.
func boolean(b json.RawMessage) bool {
	s, _, ok := scalar(b)
	return ok && (strings.EqualFold(s, "true") || s == "1")
}

func (e *wireEnv) model() Environment {
	out := Environment{ID: string(e.ID), Name: string(e.Name), DisplayName: string(e.DisplayName),
		IsPremium: boolean(e.IsPremium), IsBlocked: boolean(e.IsBlocked)}
	if e.PrimaryDomain != nil {
		out.PrimaryDomain = string(e.PrimaryDomain.Name)
	}
	return out
}

func envs(path string, ws []*wireEnv) ([]Environment, error) {
	out := make([]Environment, 0, len(ws))
	for i, e := range ws {
		if e == nil || e.ID == "" {
			return nil, &DecodeError{Path: fmt.Sprintf("%s[%d].id", path, i), Msg: "missing"}
		}
		out = append(out, e.model())
	}
	return out, nil
}

func (s *wireSite) model(path string) (Site, error) {
	if s.ID == "" {
		return Site{}, &DecodeError{Path: path + ".id", Msg: "missing"}
	}
	es, err := envs(path+".environments", s.Environments)
	if err != nil {
		return Site{}, err
	}
	return Site{ID: string(s.ID), Name: string(s.Name), DisplayName: string(s.DisplayName), Status: string(s.Status),
		CompanyID: string(s.CompanyID), Environments: es}, nil
}

// decodeSites decodes GET /sites.
func decodeSites(body []byte) ([]Site, error) {
	var w wireSites
	if err := unmarshal(body, &w); err != nil {
		return nil, err
	}
	if w.Company == nil {
		return nil, &DecodeError{Path: "company", Msg: "missing"}
	}
	out := make([]Site, 0, len(w.Company.Sites))
	for i, s := range w.Company.Sites {
		p := fmt.Sprintf("company.sites[%d]", i)
		if s == nil {
			return nil, &DecodeError{Path: p, Msg: "missing"}
		}
		m, err := s.model(p)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// decodeSite decodes GET /sites/{site_id}.
func decodeSite(body []byte) (Site, error) {
	var w wireSiteDetail
	if err := unmarshal(body, &w); err != nil {
		return Site{}, err
	}
	if w.Site == nil {
		return Site{}, &DecodeError{Path: "site", Msg: "missing"}
	}
	return w.Site.model("site")
}

// decodeEnvironments decodes GET /sites/{site_id}/environments.
func decodeEnvironments(body []byte) ([]Environment, error) {
	var w wireSiteDetail
	if err := unmarshal(body, &w); err != nil {
		return nil, err
	}
	if w.Site == nil {
		return nil, &DecodeError{Path: "site", Msg: "missing"}
	}
	return envs("site.environments", w.Site.Environments)
}

// dayKey parses a dataset key: a date-time without a zone
// ("2025-10-28T00:00:00", taken as UTC), a date, or an RFC 3339 time.
func dayKey(path string, b json.RawMessage) (time.Time, error) {
	s, _, ok := scalar(b)
	if !ok {
		return time.Time{}, &DecodeError{Path: path, Msg: "missing"}
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999", "2006-01-02", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, &DecodeError{Path: path, Value: shorten(b), Msg: "not a date"}
}

// decodeAnalytics decodes an analytics answer (visits, bandwidth,
// cdn-bandwidth, diskspace). A dataset entry without a value (null or "")
// is a day without data and is left out; one without a key is an error.
func decodeAnalytics(body []byte) (Analytics, error) {
	var w wireAnalytics
	if err := unmarshal(body, &w); err != nil {
		return Analytics{}, err
	}
	if w.Analytics == nil {
		return Analytics{}, &DecodeError{Path: "analytics", Msg: "missing"}
	}
	r := w.Analytics.Response
	if r == nil {
		return Analytics{}, &DecodeError{Path: "analytics.analytics_response", Msg: "missing"}
	}
	out := Analytics{Key: string(r.Key), Series: make([]AnalyticsSeries, 0, len(r.Data))}
	for i, d := range r.Data {
		p := fmt.Sprintf("analytics.analytics_response.data[%d]", i)
		if d == nil {
			return Analytics{}, &DecodeError{Path: p, Msg: "missing"}
		}
		s := AnalyticsSeries{Name: string(d.Name), Points: make([]report.Point, 0, len(d.Dataset))}
		total, ok, err := num(p+".total", d.Total)
		if err != nil {
			return Analytics{}, err
		}
		if ok {
			s.Total = report.F(total)
		}
		for j, e := range d.Dataset {
			ep := fmt.Sprintf("%s.dataset[%d]", p, j)
			if e == nil {
				return Analytics{}, &DecodeError{Path: ep, Msg: "missing"}
			}
			t, err := dayKey(ep+".key", e.Key)
			if err != nil {
				return Analytics{}, err
			}
			v, ok, err := num(ep+".value", e.Value)
			if err != nil {
				return Analytics{}, err
			}
			if !ok {
				continue
			}
			s.Points = append(s.Points, report.Point{Time: t, Value: v})
		}
		sort.SliceStable(s.Points, func(a, b int) bool { return s.Points[a].Time.Before(s.Points[b].Time) })
		out.Series = append(out.Series, s)
	}
	return out, nil
}

// decodeSiteMetric decodes an analytics answer into key's metric (see
// Client.SiteMetric).
func decodeSiteMetric(body []byte, key report.SiteMetricKey) (*report.SiteMetric, error) {
	a, err := decodeAnalytics(body)
	if err != nil {
		return nil, err
	}
	info, _ := report.SiteInfo(key)
	m := &report.SiteMetric{Key: key, Unit: info.Unit, Points: []report.Point{}}
	s, err := a.pick(key)
	if err != nil {
		return nil, &DecodeError{Path: "analytics.analytics_response.data", Msg: err.Error()}
	}
	if s != nil {
		m.Points, m.APITotal = report.Normalize(s.Points), s.Total
	}
	return m, nil
}

// decodeUsage decodes a this-month usage answer: visits and bandwidth
// under site.this_month_usage, CDN bandwidth under
// site.this_month_cdn_usage.bandwidth.
func decodeUsage(body []byte, key report.SiteMetricKey) (float64, error) {
	var w wireUsage
	if err := unmarshal(body, &w); err != nil {
		return 0, err
	}
	if w.Site == nil {
		return 0, &DecodeError{Path: "site", Msg: "missing"}
	}
	var raw json.RawMessage
	var path string
	switch key {
	case report.SiteVisits, report.SiteBandwidth:
		if w.Site.ThisMonth == nil {
			return 0, &DecodeError{Path: "site.this_month_usage", Msg: "missing"}
		}
		raw, path = w.Site.ThisMonth.Visits, "site.this_month_usage.visits"
		if key == report.SiteBandwidth {
			raw, path = w.Site.ThisMonth.Bandwidth, "site.this_month_usage.bandwidth"
		}
	case report.SiteCDNBandwidth:
		if w.Site.ThisMonthCDN == nil {
			return 0, &DecodeError{Path: "site.this_month_cdn_usage", Msg: "missing"}
		}
		raw, path = w.Site.ThisMonthCDN.Bandwidth, "site.this_month_cdn_usage.bandwidth"
	default:
		return 0, fmt.Errorf("fetch: no usage endpoint for %q", key)
	}
	v, ok, err := num(path, raw)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, &DecodeError{Path: path, Msg: "missing"}
	}
	return v, nil
}
