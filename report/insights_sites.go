package report

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// The insights of WordPress sites: summaries, the change against the
// previous period and the site thresholds (metric: site.visits and so on).
// Build calls buildSites after the applications' steps.

// buildSites summarises every site metric of every period (and previous
// period), compares each with the previous period's (same site and
// environment), and returns the crossings of the site thresholds of ts
// and the notes of thresholds that could not be checked.
func buildSites(r *Report, ts []Threshold) (alerts []Alert, notes []string) {
	for pi := range r.Periods {
		p := &r.Periods[pi]
		summarizeSites(p.Sites)
		if p.Previous != nil {
			summarizeSites(p.Previous.Sites)
		}
		for si := range p.Sites {
			s := &p.Sites[si]
			var prev *Site
			if p.Previous != nil {
				prev = findSite(p.Previous.Sites, s.ID, s.EnvironmentID)
			}
			for _, k := range AllSiteMetrics() {
				m := s.Metrics[k]
				if m == nil || p.Previous == nil {
					continue
				}
				var pm *SiteMetric
				if prev != nil {
					pm = prev.Metrics[k]
				}
				CompareSite(m, pm)
			}
		}
	}
	alerts = EvaluateSiteThresholds(r, ts)
	for i, th := range ts {
		if th.Site == "" {
			continue
		}
		for _, p := range r.Periods {
			for _, s := range p.Sites {
				if siteAdmitted(s, th.Sites) && s.Metrics[th.Site] == nil {
					notes = append(notes, fmt.Sprintf("Threshold %d (%s above %s) was not checked for the site %s in %s: the metric could not be fetched.",
						i+1, th.Metric, th.Raw, s.Label(), p.Name))
				}
			}
		}
	}
	return alerts, notes
}

func summarizeSites(sites []Site) {
	for si := range sites {
		for _, k := range AllSiteMetrics() {
			SummarizeSite(sites[si].Metrics[k])
		}
	}
}

func findSite(sites []Site, id, envID string) *Site {
	for i := range sites {
		if sites[i].ID == id && sites[i].EnvironmentID == envID {
			return &sites[i]
		}
	}
	return nil
}

func siteAdmitted(s Site, filter []string) bool {
	return len(filter) == 0 || slices.ContainsFunc(filter, func(want string) bool {
		return MatchesSite(want, s.ID, s.Name, s.DisplayName)
	})
}

// EvaluateSiteThresholds returns every crossing of the site thresholds of
// ts (those with Site set) in r, by period, then site (as in the report),
// then threshold, then day: as EvaluateThresholds does for apps, with a
// site's days as the buckets. An Alert of a site has App set to the site's
// label (with its environment when not live), AppID to the site's id,
// EnvironmentID to the environment's id and Metric to the threshold's
// metric ("site.visits"), so every output that lists alerts lists it
// unchanged. A site's environments share its id: a row is marked, and
// counted, by AlertKey (site id and environment id), so the live
// environment crossing does not mark its staging environment.
func EvaluateSiteThresholds(r *Report, ts []Threshold) []Alert {
	var alerts []Alert
	for _, p := range r.Periods {
		for _, s := range p.Sites {
			for _, t := range ts {
				info, ok := SiteInfo(t.Site)
				if t.Site == "" || !ok || !siteAdmitted(s, t.Sites) {
					continue
				}
				m := s.Metrics[t.Site]
				if m == nil {
					continue
				}
				on := t.On
				if on == "" {
					on = OnPeak
				}
				base := Alert{
					App: s.Label(), AppID: s.ID, EnvironmentID: s.EnvironmentID, Period: p.Name, Metric: t.Metric, On: on,
					Limit: t.Above, Unit: info.Unit, Threshold: t.Raw,
				}
				if base.Threshold == "" {
					base.Threshold = FormatValue(info.Unit, t.Above)
				}
				for _, c := range thresholdCrossings(thresholdTarget{points: m.Points, summary: m.Summary}, on, t.Above) {
					al := base
					al.Value = c.Value
					if on == OnAnyBucket {
						al.Time, al.HasTime = c.Time, true
					}
					alerts = append(alerts, al)
				}
			}
		}
	}
	return alerts
}

// siteAlertHeadline is AlertHeadline when a site crossed a threshold:
// "1 site crossed a threshold", "1 app and 2 sites crossed a threshold";
// ok is false when only apps did (AlertHeadline says it as before).
//
// The number counts site environments, the rows of the site tables that
// an alert marks: a site whose live environment alone crossed is "1 site"
// however many environments the report shows. When two environments of
// one site crossed, the noun says so: "2 site environments crossed a
// threshold" (the live and staging rows of one site), never "2 sites".
func siteAlertHeadline(alerts []Alert) (string, bool) {
	var apps, sites []Alert
	for _, a := range alerts {
		if IsSiteThresholdMetric(string(a.Metric)) {
			sites = append(sites, a)
		} else {
			apps = append(apps, a)
		}
	}
	if len(sites) == 0 {
		return "", false
	}
	count := func(n int, noun string) string {
		if n == 1 {
			return "1 " + noun
		}
		return fmt.Sprintf("%d %ss", n, noun)
	}
	envs, noun := AlertedApps(sites), "site"
	if envs > alertedSites(sites) {
		noun = "site environment"
	}
	s := count(envs, noun)
	if n := AlertedApps(apps); n > 0 {
		s = count(n, "app") + " and " + s
	}
	return s + " crossed a threshold", true
}

// alertedSites is the number of distinct sites (by ID, else label) in
// site alerts, whatever their environments.
func alertedSites(alerts []Alert) int {
	seen := map[string]bool{}
	for _, a := range alerts {
		k := "id\x00" + a.AppID
		if a.AppID == "" {
			k = "label\x00" + a.App
		}
		seen[k] = true
	}
	return len(seen)
}

// SiteMetricTitle is how outputs name a site metric in running text and
// alerts: "Site visits", "Site CDN bandwidth".
func SiteMetricTitle(k SiteMetricKey) string {
	info, ok := SiteInfo(k)
	if !ok {
		return "Site " + string(k)
	}
	t := info.Title
	if r := []rune(t); len(r) > 1 && !unicode.IsUpper(r[1]) {
		t = strings.ToLower(string(r[:1])) + string(r[1:])
	}
	return "Site " + t
}
