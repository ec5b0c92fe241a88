package notify_test

import (
	"bytes"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kinsta-report/kinsta-report/internal/peer"
	"github.com/kinsta-report/kinsta-report/report/notify"
)

// gfm renders Markdown as GitHub does: cmark-gfm (GitHub's fork of cmark)
// with GitHub's extensions (Debian package cmark-gfm, installed by .ci/run).
func gfm(t *testing.T, md string) string {
	t.Helper()
	bin := peer.Require(t, "cmark-gfm")
	cmd := exec.CommandContext(t.Context(), bin, "--unsafe", "-e", "table", "-e", "autolink", "-e", "tagfilter", "-e", "strikethrough")
	cmd.Stdin = strings.NewReader(md)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("cmark-gfm: %v: %s", err, stderr.String())
	}
	return out.String()
}

// The job summary, rendered by GitHub's Markdown engine with raw HTML
// allowed (--unsafe: the worst case), shows every hostile name as text:
// no link but ours, no image, no code, no extra table cell.
func TestJobSummaryRenderedByCmarkGFM(t *testing.T) {
	t.Parallel()
	r := hostileFixture(t)
	out := gfm(t, notify.JobSummary(r, "https://example.com/full?a=1&b=2"))
	if os.Getenv("NOTIFY_KEEP_HTML") != "" { // for a look in a browser
		_ = os.WriteFile(filepath.Join(os.Getenv("NOTIFY_KEEP_HTML"), "job-summary.html"), []byte(out), 0o600)
	}
	links := regexp.MustCompile(`<a [^>]*>`).FindAllString(out, -1)
	if len(links) != 1 || links[0] != `<a href="https://example.com/full?a=1&amp;b=2">` {
		t.Errorf("links %q, want only the full report's", links)
	}
	for _, bad := range []string{"<img", "<code", "<em>", "<strong><!channel", "javascript:alert(1)\""} {
		if strings.Contains(out, bad) {
			t.Errorf("rendered summary holds %q:\n%s", bad, out)
		}
	}
	// Every row has the header's cells.
	rows := regexp.MustCompile(`(?s)<tr>(.*?)</tr>`).FindAllStringSubmatch(out, -1)
	if len(rows) != 1+len(hostile) {
		t.Fatalf("%d table rows, want a header and %d apps:\n%s", len(rows), len(hostile), out)
	}
	cells := regexp.MustCompile(`<t[hd][ >]`)
	want := len(cells.FindAllString(rows[0][1], -1))
	for _, row := range rows[1:] {
		if n := len(cells.FindAllString(row[1], -1)); n != want {
			t.Errorf("row with %d cells, header has %d: %s", n, want, row[1])
		}
	}
	text := html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(out, ""))
	for _, h := range hostile {
		if !strings.Contains(text, h) {
			t.Errorf("name %q is not shown as text:\n%s", h, text)
		}
	}
}
