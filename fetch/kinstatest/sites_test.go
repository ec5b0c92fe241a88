package kinstatest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
)

func siteGet(t *testing.T, base, path, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestSitesWireAndValidation(t *testing.T) {
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	sim := kinstatest.New(kinstatest.Options{APIKey: "k", Now: func() time.Time { return now }})
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	base := ts.URL + "/v2"
	co := sim.CompanyID()
	st := sim.Sites()[0]
	live := st.Environments[0].ID
	an := "/sites/environments/" + live + "/analytics/"

	// The spec's shapes: 202, values and keys as strings, total a number.
	code, body := siteGet(t, base, an+"visits?company_id="+co+"&from=2026-11-01&to=2026-11-03", "k")
	if code != http.StatusAccepted {
		t.Fatalf("visits: %d %s", code, body)
	}
	var w struct {
		Analytics struct {
			Response struct {
				Key  string `json:"key"`
				Data []struct {
					Name    string  `json:"name"`
					Total   float64 `json:"total"`
					Dataset []struct {
						Key   string `json:"key"`
						Value string `json:"value"`
					} `json:"dataset"`
				} `json:"data"`
			} `json:"analytics_response"`
		} `json:"analytics"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		t.Fatal(err)
	}
	d := w.Analytics.Response.Data
	if w.Analytics.Response.Key != "uniqueip" || len(d) != 1 || len(d[0].Dataset) != 3 || d[0].Dataset[0].Key != "2026-11-01T00:00:00" {
		t.Fatalf("visits = %s", body)
	}
	want := st.Daily(live, kinstatest.SegVisits, time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC))
	if d[0].Dataset[1].Value != kinstatest.FormatValue(want) || want <= 0 {
		t.Errorf("day 2 = %q, want %v", d[0].Dataset[1].Value, want)
	}

	// time_span counts back from the server's day.
	code, body = siteGet(t, base, an+"diskspace?company_id="+co+"&time_span=7_days&time_zone=02:00", "k")
	if code != http.StatusAccepted || !strings.Contains(string(body), `"2026-11-17T00:00:00"`) || !strings.Contains(string(body), `"2026-11-23T00:00:00"`) ||
		strings.Contains(string(body), `"2026-11-16T00:00:00"`) {
		t.Errorf("disk space 7 days: %d %s", code, body)
	}

	for path, wantCode := range map[string]int{
		an + "visits?from=2026-11-01&to=2026-11-02":                               400, // no company_id
		an + "diskspace?company_id=" + co + "&from=2026-11-01&to=2026-11-02":      400, // no time_zone
		an + "diskspace?company_id=" + co + "&time_zone=2:00&time_span=7_days":    400,
		an + "diskspace?company_id=" + co + "&time_zone=00:00&time_span=24_hours": 400,
		an + "visits?company_id=" + co + "&from=2026-11-03&to=2026-11-01":         400,
		an + "visits?company_id=" + co + "&from=01/11/2026&to=2026-11-02":         400,
		an + "visits?company_id=" + co + "&time_span=90_days":                     400,
		an + "visits?company_id=other&time_span=7_days":                           404,
		"/sites/environments/nope/analytics/visits?company_id=" + co:              404,
		an + "pageviews?company_id=" + co:                                         404,
		"/sites/nope":                                                             404,
		"/sites/nope/environments":                                                404,
		"/sites/" + st.ID + "/usage/diskspace/this-month":                         404,
		"/sites":                            400,
		"/sites?company=other":              404,
		"/sites/" + st.ID:                   200,
		"/sites/" + st.ID + "/environments": 200,
		"/sites/" + st.ID + "/usage/cdn-bandwidth/this-month": 200,
		"/sites?company=" + co + "&include_environments=true": 200,
	} {
		if code, body := siteGet(t, base, path, "k"); code != wantCode {
			t.Errorf("%s: %d, want %d (%s)", path, code, wantCode, body)
		}
	}
	if code, _ := siteGet(t, base, "/sites?company="+co, "wrong"); code != 401 {
		t.Errorf("wrong key: %d", code)
	}
	// No sites at all.
	empty := httptest.NewServer(kinstatest.New(kinstatest.Options{Sites: []kinstatest.Site{}}))
	t.Cleanup(empty.Close)
	if code, body := siteGet(t, empty.URL, "/sites?company="+co, "k"); code != 200 || string(body) != `{"company":{"sites":[]}}` {
		t.Errorf("no sites: %d %s", code, body)
	}
	// This month's usage sums the live days of the month so far.
	var sum float64
	for d := 1; d <= 23; d++ {
		sum += st.Daily(live, kinstatest.SegVisits, time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC))
	}
	if got := st.ThisMonth(kinstatest.SegVisits, now); got != sum {
		t.Errorf("this month = %v, want %v", got, sum)
	}
}
