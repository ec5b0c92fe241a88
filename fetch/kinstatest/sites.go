package kinstatest

import (
	"math"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// WordPress sites, as Kinsta's own host (api.kinsta.com) serves them:
//
//	GET /sites?company=
//	GET /sites/{site_id}
//	GET /sites/{site_id}/environments
//	GET /sites/environments/{env_id}/analytics/{visits|bandwidth|cdn-bandwidth|diskspace}
//	    ?company_id=&from=YYYY-MM-DD&to=YYYY-MM-DD (or time_span=) [&time_zone=±HH:00]
//	GET /sites/{site_id}/usage/{visits|bandwidth|cdn-bandwidth}/this-month
//
// Analytics answer 202 with the spec's shapes: values as strings, keys as
// dates without a zone ("2026-11-16T00:00:00"), one per day from from to to
// inclusive (UTC days; time_zone shifts nothing). Figures come from
// Site.Daily, a pure function of the environment id, the segment and the
// UTC day: visits on a weekday curve (Monday highest, Sunday lowest) with
// noise, staging a trickle; bandwidth ≈ visits × the site's page weight;
// CDN bandwidth a share of it; disk space slowly growing. total is the sum
// of the day values for the flows and the last day's value for disk space.
// This month's usage sums the live environment's days of the month of the
// server's clock (Options.Now) up to that day.

// Site is one simulated WordPress site.
type Site struct {
	ID, Name, DisplayName string
	// Environments default to live and staging (SiteEnvironments).
	Environments []Environment
	// VisitsPerDay is the live environment's mean daily visits (0: 1000).
	VisitsPerDay float64
	// PageWeight is the bytes served per visit (0: 2.5 MB).
	PageWeight float64
	// DiskBytes is the disk space on 2026-01-01 (0: 1.2 GB); it grows by
	// about 4 MB a day.
	DiskBytes float64
}

// Environment is one environment of a simulated site.
type Environment struct {
	ID, Name, DisplayName string
}

// SiteEnvironments returns the live and staging environments of a site
// named name, with ids derived from it.
func SiteEnvironments(name string) []Environment {
	return []Environment{
		{ID: UUID("env/" + name + "/live"), Name: "live", DisplayName: "Live"},
		{ID: UUID("env/" + name + "/staging"), Name: "staging", DisplayName: "Staging"},
	}
}

func newSite(name, display string, visits, pageWeight, disk float64) Site {
	return Site{ID: UUID("site/" + name), Name: name, DisplayName: display, Environments: SiteEnvironments(name),
		VisitsPerDay: visits, PageWeight: pageWeight, DiskBytes: disk}
}

// DefaultSites returns the simulated company's sites: a busy shop blog and
// a small brochure site.
func DefaultSites() []Site {
	return []Site{
		newSite("blog", "Company Blog", 4200, 1.8e6, 3.4e9),
		newSite("brochure", "Brochure <Site>", 350, 3.1e6, 0.9e9),
	}
}

// Sites returns the sites the server serves.
func (s *Server) Sites() []Site {
	if s.o.Sites == nil {
		return DefaultSites()
	}
	return append([]Site(nil), s.o.Sites...)
}

// The analytics path segments.
const (
	SegVisits       = "visits"
	SegBandwidth    = "bandwidth"
	SegCDNBandwidth = "cdn-bandwidth"
	SegDiskSpace    = "diskspace"
)

// seriesNames are the data[].name of each segment, as the spec's examples
// give them.
var seriesNames = map[string]string{
	SegVisits: "uniqueip", SegBandwidth: "bandwidth", SegCDNBandwidth: "cdn-bandwidth", SegDiskSpace: "diskSpaceUsage",
}

var weekday = [7]float64{0.55, 1.12, 1.06, 1.0, 0.98, 0.86, 0.6} // Sunday..Saturday

var diskEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func (st Site) env(envID string) (Environment, bool) {
	for _, e := range st.environments() {
		if e.ID == envID {
			return e, true
		}
	}
	return Environment{}, false
}

func (st Site) environments() []Environment {
	if st.Environments == nil {
		return SiteEnvironments(st.Name)
	}
	return st.Environments
}

func orDefault(v, d float64) float64 {
	if v == 0 {
		return d
	}
	return v
}

// Daily is the value the server sends for the environment envID, the
// analytics segment (SegVisits, SegBandwidth, SegCDNBandwidth,
// SegDiskSpace) and the UTC day holding day: a whole number (visits, or
// bytes). It is 0 for an unknown environment or segment.
func (st Site) Daily(envID, segment string, day time.Time) float64 {
	e, ok := st.env(envID)
	if !ok {
		return 0
	}
	d := day.UTC().Truncate(24 * time.Hour)
	date := d.Format("2006-01-02")
	live := e.Name == "live"
	visits := orDefault(st.VisitsPerDay, 1000)
	if !live {
		visits = max(visits*0.01, 3)
	}
	v := math.Round(visits * weekday[d.Weekday()] * (0.85 + 0.3*hash01(envID, "visits", date)))
	pw := orDefault(st.PageWeight, 2.5e6)
	bw := math.Round(v * pw * (0.9 + 0.2*hash01(envID, "bw", date)))
	switch segment {
	case SegVisits:
		return v
	case SegBandwidth:
		return bw
	case SegCDNBandwidth:
		share := 0.55
		if !live {
			share = 0.1
		}
		return math.Round(bw * share * (0.9 + 0.2*hash01(envID, "cdn", date)))
	case SegDiskSpace:
		base := orDefault(st.DiskBytes, 1.2e9)
		if !live {
			base *= 0.8
		}
		days := math.Floor(d.Sub(diskEpoch).Hours() / 24)
		return math.Round(base + days*4e6 + 2e6*hash01(envID, "disk", date))
	}
	return 0
}

// Days returns the days from..to (inclusive, UTC) with their values, as
// the server sends them, and the answer's total.
func (st Site) Days(envID, segment string, from, to time.Time) (days []time.Time, values []float64, total float64) {
	for d := from.UTC().Truncate(24 * time.Hour); !d.After(to); d = d.AddDate(0, 0, 1) {
		v := st.Daily(envID, segment, d)
		days = append(days, d)
		values = append(values, v)
		total += v
	}
	if segment == SegDiskSpace {
		total = 0
		if len(values) > 0 {
			total = values[len(values)-1]
		}
	}
	return days, values, total
}

// ThisMonth is what the usage endpoint answers for segment (SegVisits,
// SegBandwidth, SegCDNBandwidth) at now: the live environment's days of
// now's UTC month up to now's day.
func (st Site) ThisMonth(segment string, now time.Time) float64 {
	now = now.UTC()
	for _, e := range st.environments() {
		if e.Name != "live" {
			continue
		}
		first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		_, _, total := st.Days(e.ID, segment, first, now.Truncate(24*time.Hour))
		return total
	}
	return 0
}

const (
	msgNoSite        = "Could not find the site or the user does not have permissions to retrieve data"
	msgMissingParams = "One or more of the required parameters were not provided to the request"
	maxAnalyticsDays = 400
)

var timeZoneRE = regexp.MustCompile(`^-?(0[0-9]|1[0-4]):00$`)

var timeSpans = map[string]int{"24_hours": 1, "7_days": 7, "30_days": 30, "60_days": 60}

// routeSites serves /sites...; seg is the path split at "/".
func (s *Server) routeSites(w http.ResponseWriter, seg []string, q map[string][]string) {
	switch {
	case len(seg) == 1:
		s.siteList(w, q)
	case len(seg) == 2 && seg[1] != "environments":
		s.siteDetail(w, seg[1])
	case len(seg) == 3 && seg[2] == "environments":
		s.siteEnvironments(w, seg[1])
	case len(seg) == 5 && seg[1] == "environments" && seg[3] == "analytics":
		s.analytics(w, seg[2], seg[4], q)
	case len(seg) == 5 && seg[2] == "usage" && seg[4] == "this-month":
		s.usage(w, seg[1], seg[3])
	default:
		writeError(w, http.StatusNotFound, msgNotFound)
	}
}

type wireSiteEnv struct {
	ID                string           `json:"id"`
	Name              string           `json:"name"`
	DisplayName       string           `json:"display_name"`
	IsBlocked         bool             `json:"is_blocked"`
	IDEdgeCache       *string          `json:"id_edge_cache"`
	CDNCacheID        *string          `json:"cdn_cache_id"`
	OptOutPHPUpdate   *bool            `json:"is_opt_out_from_automatic_php_update"`
	WebRoot           string           `json:"web_root"`
	ImageOptimization *string          `json:"image_optimization_type"`
	AdditionalSFTP    bool             `json:"is_additional_sftp_accounts_enabled"`
	IsPremium         bool             `json:"is_premium"`
	WordPressVersion  *string          `json:"wordpress_version"`
	Domains           []wireSiteDomain `json:"domains"`
	PrimaryDomain     wireSiteDomain   `json:"primaryDomain"`
	SSHConnection     wireSSH          `json:"ssh_connection"`
	ContainerInfo     wireContainer    `json:"container_info"`
}

type wireSiteDomain struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	SiteID   string `json:"site_id"`
	IsActive bool   `json:"is_active"`
	Type     string `json:"type"`
}

type wireSSH struct {
	Port string `json:"ssh_port"`
	IP   struct {
		ExternalIP string `json:"external_ip"`
	} `json:"ssh_ip"`
}

type wireContainer struct {
	ID  string `json:"id"`
	PHP string `json:"php_engine_version"`
}

func strp(s string) *string { return &s }

func envWire(st Site, e Environment) wireSiteEnv {
	host := st.Name + ".example.com"
	if e.Name != "live" {
		host = e.Name + "-" + host
	}
	d := wireSiteDomain{ID: UUID("domain/" + e.ID), Name: host, SiteID: st.ID, IsActive: true, Type: e.Name}
	no := false
	w := wireSiteEnv{ID: e.ID, Name: e.Name, DisplayName: e.DisplayName, IDEdgeCache: strp(UUID("edge/" + e.ID)),
		OptOutPHPUpdate: &no, WebRoot: "/", ImageOptimization: strp("lossy"), WordPressVersion: strp("6.8.1"),
		Domains: []wireSiteDomain{d}, PrimaryDomain: d, ContainerInfo: wireContainer{ID: UUID("container/" + e.ID), PHP: "php8.3"}}
	w.SSHConnection.Port = strconv.Itoa(20000 + int(hash01(e.ID, "ssh")*10000))
	w.SSHConnection.IP.ExternalIP = "203.0.113.10"
	return w
}

func (s *Server) site(id string) (Site, bool) {
	for _, st := range s.Sites() {
		if st.ID == id {
			return st, true
		}
	}
	return Site{}, false
}

func (s *Server) siteList(w http.ResponseWriter, q map[string][]string) {
	company := first(q, "company")
	if company == "" {
		writeError(w, http.StatusBadRequest, msgMissingParams)
		return
	}
	if company != s.o.CompanyID {
		writeError(w, http.StatusNotFound, "Could not find data or the user does not have permissions to retrieve it")
		return
	}
	withEnvs := first(q, "include_environments") == "true"
	type item struct {
		ID           string        `json:"id"`
		Name         string        `json:"name"`
		DisplayName  string        `json:"display_name"`
		Status       string        `json:"status"`
		SiteLabels   []any         `json:"siteLabels"`
		Environments []wireSiteEnv `json:"environments,omitempty"`
	}
	items := []item{}
	for _, st := range s.Sites() {
		it := item{ID: st.ID, Name: st.Name, DisplayName: st.DisplayName, Status: "live", SiteLabels: []any{}}
		if withEnvs {
			for _, e := range st.environments() {
				it.Environments = append(it.Environments, envWire(st, e))
			}
		}
		items = append(items, it)
	}
	var body struct {
		Company struct {
			Sites []item `json:"sites"`
		} `json:"company"`
	}
	body.Company.Sites = items
	writeJSON(w, http.StatusOK, body)
}

// detailEnv is the environment shape of GET /sites/{id} (fewer fields).
type detailEnv struct {
	ID            string           `json:"id"`
	Name          string           `json:"name"`
	DisplayName   string           `json:"display_name"`
	IsPremium     bool             `json:"is_premium"`
	IsBlocked     bool             `json:"is_blocked"`
	Domains       []wireSiteDomain `json:"domains"`
	PrimaryDomain wireSiteDomain   `json:"primaryDomain"`
}

func (s *Server) siteDetail(w http.ResponseWriter, id string) {
	st, ok := s.site(id)
	if !ok {
		writeError(w, http.StatusNotFound, msgNoSite)
		return
	}
	envs := []detailEnv{}
	for _, e := range st.environments() {
		full := envWire(st, e)
		envs = append(envs, detailEnv{ID: e.ID, Name: e.Name, DisplayName: e.DisplayName, Domains: full.Domains, PrimaryDomain: full.PrimaryDomain})
	}
	var body struct {
		Site struct {
			ID           string      `json:"id"`
			Name         string      `json:"name"`
			DisplayName  string      `json:"display_name"`
			CompanyID    string      `json:"company_id"`
			Status       string      `json:"status"`
			Environments []detailEnv `json:"environments"`
		} `json:"site"`
	}
	body.Site.ID, body.Site.Name, body.Site.DisplayName = st.ID, st.Name, st.DisplayName
	body.Site.CompanyID, body.Site.Status, body.Site.Environments = s.o.CompanyID, "live", envs
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) siteEnvironments(w http.ResponseWriter, id string) {
	st, ok := s.site(id)
	if !ok {
		writeError(w, http.StatusNotFound, msgNoSite)
		return
	}
	envs := []wireSiteEnv{}
	for _, e := range st.environments() {
		envs = append(envs, envWire(st, e))
	}
	var body struct {
		Site struct {
			Environments []wireSiteEnv `json:"environments"`
		} `json:"site"`
	}
	body.Site.Environments = envs
	writeJSON(w, http.StatusOK, body)
}

// envSite finds the site of an environment id.
func (s *Server) envSite(envID string) (Site, bool) {
	for _, st := range s.Sites() {
		if _, ok := st.env(envID); ok {
			return st, true
		}
	}
	return Site{}, false
}

func parseDay(v string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", v, time.UTC)
	return t, err == nil
}

func (s *Server) analytics(w http.ResponseWriter, envID, segment string, q map[string][]string) {
	name, ok := seriesNames[segment]
	if !ok {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	company := first(q, "company_id")
	if company == "" || (segment == SegDiskSpace && first(q, "time_zone") == "") {
		writeError(w, http.StatusBadRequest, msgMissingParams)
		return
	}
	if tz := first(q, "time_zone"); tz != "" && !timeZoneRE.MatchString(tz) {
		writeError(w, http.StatusBadRequest, msgBadRequest)
		return
	}
	if company != s.o.CompanyID {
		writeError(w, http.StatusNotFound, msgNoCompany)
		return
	}
	st, ok := s.envSite(envID)
	if !ok {
		writeError(w, http.StatusNotFound, msgNoCompany)
		return
	}
	var from, to time.Time
	fs, ts := first(q, "from"), first(q, "to")
	switch {
	case fs != "" || ts != "":
		f, ok1 := parseDay(fs)
		t, ok2 := parseDay(ts)
		if !ok1 || !ok2 || t.Before(f) || t.Sub(f) > maxAnalyticsDays*24*time.Hour {
			writeError(w, http.StatusBadRequest, msgBadRequest)
			return
		}
		from, to = f, t
	default:
		span := first(q, "time_span")
		if span == "" {
			span = "7_days"
		}
		n, ok := timeSpans[span]
		if !ok || (segment == SegDiskSpace && span == "24_hours") {
			writeError(w, http.StatusBadRequest, msgBadRequest)
			return
		}
		to = s.o.Now().UTC().Truncate(24 * time.Hour)
		from = to.AddDate(0, 0, 1-n)
	}
	days, values, total := st.Days(envID, segment, from, to)
	type entry struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	dataset := make([]entry, len(days))
	for i, d := range days {
		dataset[i] = entry{Key: d.Format("2006-01-02T15:04:05"), Value: strconv.FormatFloat(values[i], 'f', -1, 64)}
	}
	type series struct {
		Name    string  `json:"name"`
		Total   float64 `json:"total"`
		Dataset []entry `json:"dataset"`
	}
	var body struct {
		Analytics struct {
			Response struct {
				Key  string   `json:"key"`
				Data []series `json:"data"`
			} `json:"analytics_response"`
		} `json:"analytics"`
	}
	body.Analytics.Response.Key = name
	body.Analytics.Response.Data = []series{{Name: name, Total: total, Dataset: dataset}}
	writeJSON(w, http.StatusAccepted, body)
}

func (s *Server) usage(w http.ResponseWriter, siteID, segment string) {
	if segment != SegVisits && segment != SegBandwidth && segment != SegCDNBandwidth {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	st, ok := s.site(siteID)
	if !ok {
		writeError(w, http.StatusNotFound, msgNoSite)
		return
	}
	v := st.ThisMonth(segment, s.o.Now())
	var body struct {
		Site struct {
			ID    string         `json:"id"`
			Usage map[string]any `json:"this_month_usage,omitempty"`
			CDN   map[string]any `json:"this_month_cdn_usage,omitempty"`
		} `json:"site"`
	}
	body.Site.ID = st.ID
	switch segment {
	case SegVisits:
		body.Site.Usage = map[string]any{"visits": v}
	case SegBandwidth:
		body.Site.Usage = map[string]any{"bandwidth": v}
	case SegCDNBandwidth:
		body.Site.CDN = map[string]any{"bandwidth": v}
	}
	writeJSON(w, http.StatusOK, body)
}
