package deliver

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports keeps delivery apart from fetching and the renderers
// (docs/ARCHITECTURE.md: report/deliver must not import fetch, excelize, go-echarts).
func TestImports(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not on PATH")
	}
	out, err := exec.CommandContext(t.Context(), goBin, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, bad := range []string{
			"github.com/kinsta-report/kinsta-report/fetch",
			"github.com/kinsta-report/kinsta-report/report/chart",
			"github.com/kinsta-report/kinsta-report/report/sheet",
			"github.com/xuri/excelize",
			"github.com/go-echarts/go-echarts",
		} {
			if dep == bad || strings.HasPrefix(dep, bad+"/") {
				t.Errorf("report/deliver depends on %s", dep)
			}
		}
	}
}
