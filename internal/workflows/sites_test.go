package workflows

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kinsta-report/kinsta-report/report"
)

// TestWorkflowPassesSitesKey: when a report of reports.yaml names sites
// served by another host than the applications', the run needs
// KINSTA_SITES_API_KEY (or exits 2 before any request), so report.yml must
// pass it from a secret of that name, and KINSTA_SITES_API_URL from a
// variable as it does KINSTA_API_URL.
func TestWorkflowPassesSitesKey(t *testing.T) {
	t.Parallel()
	cfg, err := report.LoadConfig("../../reports.yaml")
	if err != nil {
		t.Fatalf("reports.yaml: %v", err)
	}
	sites := false
	for _, rc := range cfg.Reports {
		sites = sites || rc.WantsSites()
	}
	if !sites {
		t.Skip("reports.yaml names no sites")
	}
	wf, err := os.ReadFile(filepath.Join(dir, "report.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !report.SameHost(cfg.API.BaseURL, cfg.API.SitesBaseURL) {
		if want := report.SitesAPIKeyEnv + ": ${{ secrets." + report.SitesAPIKeyEnv + " }}"; !strings.Contains(string(wf), want) {
			t.Errorf("reports.yaml fetches sites from %s, not the applications' %s, but report.yml does not pass %s to the run (want %q)",
				cfg.API.SitesBaseURL, cfg.API.BaseURL, report.SitesAPIKeyEnv, want)
		}
	}
	if want := report.SitesAPIURLEnv + ": ${{ vars." + report.SitesAPIURLEnv + " }}"; !strings.Contains(string(wf), want) {
		t.Errorf("report.yml does not pass %s from a repository variable (want %q)", report.SitesAPIURLEnv, want)
	}
}
