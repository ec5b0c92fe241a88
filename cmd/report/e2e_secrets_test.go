package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
)

// TestNoSecretInAnyFileOrLine: a -dry-run -v of the shipped reports.yaml,
// with every secret the config can name set to a recognisable value (both
// API keys, the SMTP password, the Slack and Teams URLs, the webhook URL and
// its signing secret), writes none of them to stderr or to any file the run
// leaves behind: artifacts, payloads, the job summary and the state folder,
// read inside the workbook's zip and the history's gzip.
func TestNoSecretInAnyFileOrLine(t *testing.T) {
	t.Parallel()
	const appsKey, sitesKey = "apps-key-SECRET-0a1b2c", "sites-key-SECRET-3d4e5f"
	serve := func(key string) *httptest.Server {
		mux := http.NewServeMux()
		mux.Handle("/v2/", http.StripPrefix("/v2", kinstatest.New(kinstatest.Options{APIKey: key})))
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		return srv
	}
	apps, sites := serve(appsKey), serve(sitesKey)
	// Two loopback servers differ only by port: name the sites host
	// "localhost" so that it is another host and takes its own key.
	sitesURL := strings.Replace(sites.URL, "127.0.0.1", "localhost", 1) + "/v2"
	summary := filepath.Join(t.TempDir(), "step-summary.md")
	env := map[string]string{
		"KINSTA_API_KEY":        appsKey,
		"KINSTA_API_URL":        apps.URL + "/v2",
		"KINSTA_SITES_API_KEY":  sitesKey,
		"KINSTA_SITES_API_URL":  sitesURL,
		"SMTP_PASSWORD":         "smtp-pw-SECRET-6a7b8c",
		"SLACK_WEBHOOK_OPS":     "https://hooks.slack.com/services/T000/B000/slack-SECRET-9d0e1f",
		"TEAMS_WEBHOOK_OPS":     "https://prod.westeurope.logic.azure.com/workflows/teams-SECRET-2a3b/triggers?sig=teams-sig-SECRET-4c5d",
		"REPORT_WEBHOOK_URL":    "https://bridge.example.com/hook/hook-path-SECRET-6e7f",
		"REPORT_WEBHOOK_SECRET": "whsec-SECRET-8a9b0c",
		"GITHUB_STEP_SUMMARY":   summary,
	}
	res := runReport(t, repoConfig(t), env, "-dry-run", "-v", "-now", "2026-11-23T06:00:00Z")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	secrets := []string{appsKey, sitesKey, "smtp-pw-SECRET", "slack-SECRET", "teams-SECRET", "teams-sig-SECRET", "hook-path-SECRET", "whsec-SECRET",
		"hooks.slack.com", "logic.azure.com", "bridge.example.com"}
	check := func(where string, b []byte) {
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds %q", where, s)
			}
		}
	}
	check("stderr", []byte(res.stderr))
	summaryMD, err := os.ReadFile(summary)
	if err != nil || len(summaryMD) == 0 {
		t.Fatalf("no job summary written: %v", err)
	}
	check("$GITHUB_STEP_SUMMARY", summaryMD)

	// The run's folder holds reports.yaml, out/ and state/ (beside the config).
	root := filepath.Dir(res.out)
	var files, stateFiles int
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "reports.yaml" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		files++
		if strings.HasPrefix(rel, "state"+string(filepath.Separator)) {
			stateFiles++
		}
		check(rel, b)
		switch {
		case strings.HasSuffix(path, ".xlsx"):
			zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				return err
			}
			for _, f := range zr.File {
				rc, err := f.Open()
				if err != nil {
					return err
				}
				part, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					return err
				}
				check(rel+"!"+f.Name, part)
			}
		case strings.HasSuffix(path, ".gz"):
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return err
			}
			plain, err := io.ReadAll(zr)
			if err != nil {
				return err
			}
			check(rel+" (gunzipped)", plain)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The walk saw what it should: every artifact kind and the history.
	for _, ext := range []string{".json", ".xlsx", ".html", ".eml", ".slack.json", ".teams.json", ".webhook.json", ".webhook.sig", ".summary.md"} {
		if _, err := os.Stat(filepath.Join(res.out, "weekly-ops", "weekly-ops_2026-11-23"+ext)); err != nil {
			t.Errorf("artifact %s: %v", ext, err)
		}
	}
	if stateFiles == 0 {
		t.Errorf("no state file written under %s (%d files in all): the history went unchecked", root, files)
	}
}
