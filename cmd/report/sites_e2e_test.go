package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
)

// TestRunDemoShowsSites: the shipped weekly-ops report names sites: all,
// so -demo's JSON carries every simulated site's live environment with its
// four metrics.
func TestRunDemoShowsSites(t *testing.T) {
	t.Parallel()
	res := runReport(t, repoConfig(t), nil, "-demo", "-report", "weekly-ops", "-now", "2026-11-23T06:00:00Z")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	b, err := os.ReadFile(filepath.Join(res.out, "weekly-ops", "weekly-ops_2026-11-23.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Periods []struct {
			Sites []struct {
				Name, Environment string
				Metrics           map[string]json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	for _, p := range d.Periods {
		if len(p.Sites) != len(kinstatest.DefaultSites()) {
			t.Fatalf("%d sites in a period, want the simulator's %d", len(p.Sites), len(kinstatest.DefaultSites()))
		}
		for _, s := range p.Sites {
			if s.Environment != "live" || len(s.Metrics) != 4 {
				t.Errorf("site %s: environment %q, %d metrics; want live and 4", s.Name, s.Environment, len(s.Metrics))
			}
		}
	}
}

// TestRunSitesOnlyOverTheirOwnHost: a sites-only report needs neither
// KINSTA_API_KEY nor the applications host: the sites host (loopback here)
// answers the company, the sites and their analytics.
func TestRunSitesOnlyOverTheirOwnHost(t *testing.T) {
	t.Parallel()
	srv := kinstatest.New(kinstatest.Options{APIKey: "sites-key"})
	mux := http.NewServeMux()
	mux.Handle("/v2/", http.StripPrefix("/v2", srv))
	hs := httptest.NewServer(mux)
	defer hs.Close()
	config := "api:\n  base_url: https://api.sevalla.com/v2\nreports:\n  - name: sites\n    sites: [blog]\n    environments: all\n    periods: [previous_week]\n    users: false\n"
	res := runReport(t, config, map[string]string{"KINSTA_SITES_API_KEY": "sites-key", "KINSTA_SITES_API_URL": hs.URL + "/v2"},
		"-now", "2026-11-23T06:00:00Z")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "0 apps, 2 site environments, 1 period") {
		t.Errorf("the report line does not show the sites:\n%s", res.stderr)
	}
	if srv.Requests() == 0 {
		t.Error("the sites host was never asked")
	}
}
