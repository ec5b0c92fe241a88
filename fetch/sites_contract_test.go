//go:build unix

package fetch

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
	"github.com/kinsta-report/kinsta-report/internal/peer"
	"github.com/kinsta-report/kinsta-report/report"
)

// The site contract test drives every site method through Prism on
// Kinsta's spec 1.87.0 (the copy in testdata/openapi, or
// $KINSTA_OPENAPI_SPEC): in mock mode, where Prism rejects any request that
// breaks the spec and answers the spec's examples (202, values as
// strings), and in proxy mode (--errors) in front of kinstatest, where
// Prism also checks each of the simulator's answers against the spec and
// turns a violation into an error.

func siteSpec(t *testing.T) string {
	t.Helper()
	return findSpec(t, specFiles[0]) // Kinsta's own spec: sites never moved to Sevalla
}

// startPrismArgs runs prism with args plus a loopback host and port (in
// its own process group, killed at cleanup) and waits until path answers.
func startPrismArgs(t *testing.T, bin string, args []string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	_ = l.Close()
	var out syncBuffer
	cmd := exec.Command(bin, append(args, "-h", "127.0.0.1", "-p", port)...)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		peer.Fail(t, "prism %s did not start: %v", bin, err)
		return ""
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		if t.Failed() {
			t.Logf("prism output (tail):\n%s", tail(out.String(), 3000))
		}
	})
	base := "http://127.0.0.1:" + port
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/validate", nil)
		req.Header.Set("Authorization", "Bearer "+testKey)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
			return base
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("prism exited before it was ready: %v\n%s", err, tail(out.String(), 3000))
		case <-ctx.Done():
			t.Fatalf("prism not ready after 90s\n%s", tail(out.String(), 3000))
		case <-tick.C:
		}
	}
}

type siteCall struct {
	name string
	call func() (any, error)
}

// siteCalls is every site method with ids that fit what serves them.
func siteCalls(ctx context.Context, c *Client, company, siteID, envID string, d Days) []siteCall {
	calls := []siteCall{
		{"Sites", func() (any, error) { return c.Sites(ctx, company) }},
		{"Site", func() (any, error) { return c.Site(ctx, siteID) }},
		{"Environments", func() (any, error) { return c.Environments(ctx, siteID) }},
		{"Usage", func() (any, error) {
			u, err := c.Usage(ctx, siteID, time.Time{})
			if err == nil && len(u.Errors) > 0 {
				err = fmt.Errorf("usage errors: %v", u.Errors)
			}
			return u, err
		}},
	}
	for _, k := range report.AllSiteMetrics() {
		calls = append(calls,
			siteCall{"SiteAnalytics " + string(k), func() (any, error) { return c.SiteAnalytics(ctx, envID, company, k, d) }},
			siteCall{"SiteMetric " + string(k), func() (any, error) { return c.SiteMetric(ctx, envID, company, k, d) }})
		if k != report.SiteDiskSpace {
			calls = append(calls, siteCall{"UsageThisMonth " + string(k), func() (any, error) { return c.UsageThisMonth(ctx, siteID, k) }})
		}
	}
	return calls
}

func checkSiteCalls(t *testing.T, rec *recorder, calls []siteCall) {
	t.Helper()
	for _, tc := range calls {
		got, err := tc.call()
		exs := rec.take()
		if len(exs) == 0 {
			t.Errorf("%s: no request reached Prism (err %v)", tc.name, err)
		}
		for _, ex := range exs {
			if ex.status < 200 || ex.status > 299 {
				t.Errorf("%s: Prism answered %d to %s: %s", tc.name, ex.status, ex.path, tail(ex.body, 800))
			}
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
		} else if s := fmt.Sprint(got); s == "" || s == "[]" || s == "{ []}" {
			t.Errorf("%s: empty result %q", tc.name, s)
		}
	}
}

func TestSitesContractPrismMock(t *testing.T) {
	bin := peer.Require(t, "prism")
	if bin == "" {
		return
	}
	base := startPrismArgs(t, bin, []string{"mock", siteSpec(t)})
	rec := &recorder{base: http.DefaultTransport}
	c, err := NewClient(testKey, WithBaseURL(base), WithHTTPClient(&http.Client{Transport: rec}), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	const id = "54fb80af-576c-4fdc-ba4f-b596c83f15a1"
	d := Days{From: day(2025, 10, 20), To: day(2025, 10, 30)}
	checkSiteCalls(t, rec, siteCalls(t.Context(), c, id, id, id, d))

	// The spec's example answer, decoded: one day, 1000.
	m, err := c.SiteMetric(t.Context(), id, id, report.SiteVisits, d)
	rec.take()
	if err != nil || len(m.Points) != 1 || m.Points[0].Value != 1000 || !m.Points[0].Time.Equal(day(2025, 10, 28)) {
		t.Errorf("visits from the spec example = %+v, %v", m, err)
	}

	// Control: Prism rejects a disk space request without time_zone, so the
	// client's 2xx above mean its requests fit the spec.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/sites/environments/"+id+"/analytics/diskspace?company_id="+id, nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 400 && resp.StatusCode != 422 {
		t.Errorf("Prism answered %d to disk space without time_zone, want 400 or 422", resp.StatusCode)
	}
}

// TestSitesContractPrismProxy puts Prism (proxy, --errors) in front of
// kinstatest: every site answer of the simulator must fit the spec.
func TestSitesContractPrismProxy(t *testing.T) {
	bin := peer.Require(t, "prism")
	if bin == "" {
		return
	}
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	sim := kinstatest.New(kinstatest.Options{Now: func() time.Time { return now }})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	base := startPrismArgs(t, bin, []string{"proxy", "--errors", siteSpec(t), srv.URL})
	rec := &recorder{base: http.DefaultTransport}
	c, err := NewClient(testKey, WithBaseURL(base), WithHTTPClient(&http.Client{Transport: rec}), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	st := sim.Sites()[1] // a display name with markup
	d := Days{From: day(2026, 10, 24), To: day(2026, 11, 22)}
	for _, env := range st.Environments {
		checkSiteCalls(t, rec, siteCalls(t.Context(), c, sim.CompanyID(), st.ID, env.ID, d))
	}
	// include_environments=true (the full environment shape) and
	// time_span fit the spec too.
	for _, path := range []string{
		"/sites?company=" + sim.CompanyID() + "&include_environments=true",
		"/sites/environments/" + st.Environments[0].ID + "/analytics/visits?company_id=" + sim.CompanyID() + "&time_span=24_hours",
		"/sites/environments/" + st.Environments[0].ID + "/analytics/diskspace?company_id=" + sim.CompanyID() + "&time_span=60_days&time_zone=-05:00",
	} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode/100 != 2 || resp.Header.Get("sl-violations") != "" {
			t.Errorf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("sl-violations"))
		}
	}
	// Control: Prism does report a simulator answer that breaks the spec.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"analytics":{"analytics_response":{"key":1,"data":"x"}}}`))
	}))
	t.Cleanup(bad.Close)
	badBase := startPrismArgs(t, bin, []string{"proxy", "--errors", siteSpec(t), bad.URL})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, badBase+"/sites/environments/e/analytics/visits?company_id=c&from=2026-11-01&to=2026-11-02", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode/100 == 2 && resp.Header.Get("sl-violations") == "" {
		t.Errorf("Prism passed an answer that breaks the spec: %d", resp.StatusCode)
	}
}
