// Package layout holds the test that keeps the packages to the house
// layout (docs/ARCHITECTURE.md): who may import what.
package layout

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/kinsta-report/kinsta-report"

// forbidden lists, per package, the import path prefixes it must not
// depend on: a module (ours or a third party's) neither directly nor
// through another package; a standard-library package (net/http) only
// directly, since a library such as excelize may use it inside.
var forbidden = map[string][]string{
	"report": {"net/http", module + "/fetch", module + "/report/sheet", module + "/report/chart", module + "/report/deliver",
		"github.com/xuri/excelize", "github.com/go-echarts", "github.com/wneessen/go-mail"},
	"fetch":            {"github.com/xuri/excelize", "github.com/go-echarts", "github.com/wneessen/go-mail", "github.com/go-analyze"},
	"fetch/kinstatest": {module + "/report/sheet", module + "/report/chart", module + "/report/deliver", "github.com/xuri/excelize", "github.com/go-echarts", "github.com/wneessen/go-mail"},
	"report/sheet":     {module + "/fetch", "net/http", "github.com/go-echarts", "github.com/wneessen/go-mail"},
	"report/chart":     {module + "/fetch", "net/http", "github.com/xuri/excelize", "github.com/wneessen/go-mail"},
	"report/deliver":   {module + "/fetch", "github.com/xuri/excelize", "github.com/go-echarts", "github.com/go-analyze"},
	"report/notify":    {module + "/fetch", module + "/report/sheet", module + "/report/chart", module + "/report/deliver", "github.com/xuri/excelize", "github.com/go-echarts", "github.com/wneessen/go-mail", "github.com/go-analyze"},
	"templates":        {module + "/"},
	// plan is pure: windows from a config and an instant, no I/O.
	"plan": {"net/http", "os", module + "/fetch", module + "/job", module + "/report/sheet", module + "/report/chart", module + "/report/deliver",
		"github.com/xuri/excelize", "github.com/go-echarts", "github.com/wneessen/go-mail"},
	// state is files on disk: no API, no renderers, no job.
	"internal/state": {"net/http", module + "/fetch", module + "/job", module + "/plan", module + "/report/sheet", module + "/report/chart", module + "/report/deliver",
		"github.com/xuri/excelize", "github.com/go-echarts", "github.com/wneessen/go-mail"},
	// backoff is the retry schedule fetch and report/notify share
	// (report/notify may not import fetch): the standard library only, no
	// I/O or logging.
	"internal/backoff": {module + "/", "github.com/", "golang.org/", "gopkg.in/", "net", "os", "log"},
	"job":              {},
	"cmd/report":       {},
}

// forbiddenDirect lists, per package, what it must not import itself,
// though a package it uses may: the job calls the renderers' entry points,
// never the libraries behind them; cmd/report calls the job, never the
// renderers; the renderers stay pure (model in, bytes out: no files,
// environment or logging).
var forbiddenDirect = map[string][]string{
	"job": {"github.com/xuri/excelize", "github.com/go-echarts", "github.com/go-analyze", "github.com/wneessen/go-mail"},
	"cmd/report": {module + "/report/sheet", module + "/report/chart", module + "/report/deliver", module + "/plan",
		"github.com/xuri/excelize", "github.com/go-echarts", "github.com/go-analyze", "github.com/wneessen/go-mail"},
	"report/sheet": {"os", "log", "log/slog", "net"},
	"report/chart": {"os", "log", "log/slog", "net"},
}

func TestPackagesKeepToTheLayout(t *testing.T) {
	t.Parallel()
	var pkgs []string
	for p := range forbidden {
		pkgs = append(pkgs, module+"/"+p)
	}
	cmd := exec.Command("go", append([]string{"list", "-json=ImportPath,Imports,Deps"}, pkgs...)...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for {
		var p struct {
			ImportPath string
			Imports    []string
			Deps       []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		seen++
		rel := strings.TrimPrefix(p.ImportPath, module+"/")
		for _, imp := range p.Imports {
			for _, bad := range forbiddenDirect[rel] {
				if imp == bad || strings.HasPrefix(imp, bad+"/") {
					t.Errorf("%s imports %s, which the layout forbids (docs/ARCHITECTURE.md)", rel, imp)
				}
			}
		}
		for _, dep := range p.Deps {
			direct := false
			for _, imp := range p.Imports {
				direct = direct || imp == dep
			}
			for _, bad := range forbidden[rel] {
				if isStd(bad) && !direct {
					continue
				}
				if dep == bad || strings.HasPrefix(dep, bad+"/") || (strings.HasSuffix(bad, "/") && strings.HasPrefix(dep, bad)) {
					t.Errorf("%s depends on %s, which the layout forbids (docs/ARCHITECTURE.md)", rel, dep)
				}
			}
		}
	}
	if seen != len(forbidden) {
		t.Errorf("go list described %d packages, want %d", seen, len(forbidden))
	}
}

// isStd says whether an import path is the standard library's (no dot in
// its first element).
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}
