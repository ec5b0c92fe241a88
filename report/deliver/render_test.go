package deliver

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/internal/peer"
	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/reporttest"
)

// TestRenderChromium loads the HTML body in headless Chromium, as a mail
// client would show it (cid: parts resolved to files), with the network
// off: it must render, and no hostile name may run. With
// KINSTA_REPORT_KEEP=DIR the page and its screenshot stay in DIR to look at.
func TestRenderChromium(t *testing.T) {
	t.Parallel()
	chromium := peer.RequireAt(t, "chromium", "/usr/bin/chromium")
	r := testReport(t, reporttest.Options{Apps: 4, HostileNames: true, WithPrevious: true, WithAlerts: true, MissingMetric: report.MemoryUsage})
	charts := testCharts(t)
	atts := testAttachments(900_000, 20_000)
	s := testSettings()
	s.MaxMessageBytes = 700_000 // the xlsx is left out: the note shows
	msg, _, err := Build(r, s, charts, atts)
	if err != nil {
		t.Fatal(err)
	}
	var eml bytes.Buffer
	if err := WriteEML(&eml, msg); err != nil {
		t.Fatal(err)
	}
	_, root := parseMessage(t, eml.Bytes())
	page := string(root.find("text/html").Body)

	dir := os.Getenv("KINSTA_REPORT_KEEP")
	if dir == "" {
		dir = t.TempDir()
	}
	// A mail client resolves cid: to the inline parts; here, to files.
	for _, c := range charts {
		name := filepath.Join(dir, c.Name)
		if err := os.WriteFile(name, c.PNG, 0o644); err != nil {
			t.Fatal(err)
		}
		page = strings.ReplaceAll(page, `src="cid:`+c.ContentID+`"`, `src="`+c.Name+`"`)
	}
	htmlFile := filepath.Join(dir, "email.html")
	if err := os.WriteFile(htmlFile, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "email.png")
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	run := func(args ...string) []byte {
		t.Helper()
		base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", // no network
			"--user-data-dir=" + t.TempDir(), "--hide-scrollbars", "--virtual-time-budget=2000"}
		// Chromium is present: a crash fails the test, never skips it.
		return peer.Run(t, exec.CommandContext(ctx, chromium, append(base, args...)...))
	}
	dom := run("--dump-dom", "file://"+htmlFile)
	// The names contain the words as text; a script that ran would have
	// set the attribute on <body>.
	if body := regexp.MustCompile(`<body[^>]*>`).Find(dom); bytes.Contains(body, []byte("data-pwned")) {
		t.Error("a hostile name ran as script in the HTML body")
	}
	for _, h := range []string{"1 app crossed a threshold", "Left out of this email", "Previous week"} {
		if !bytes.Contains(dom, []byte(h)) {
			t.Errorf("the rendered body lacks %q", h)
		}
	}
	run("--screenshot="+shot, "--window-size=720,2200", "file://"+htmlFile)
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 10_000 {
		t.Fatalf("no screenshot: %v", err)
	}
}
