package workflows

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/kinsta-report/kinsta-report/internal/peer"
)

const dir = "../../.github/workflows"

func workflowFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows in %s: %v", dir, err)
	}
	return files
}

// TestActionlint runs actionlint v1.7.12 from the repository root, as CI does.
func TestActionlint(t *testing.T) {
	t.Parallel()
	bin := peer.Require(t, "actionlint")
	cmd := exec.CommandContext(t.Context(), bin, "-no-color")
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("actionlint: %v\n%s", err, out)
	}
}

var usesRe = regexp.MustCompile(`^\s*(?:-\s+)?uses:\s*(\S+)(.*)$`)
var pinRe = regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)
var versionRe = regexp.MustCompile(`^\s*#\s*v\d+\.\d+\.\d+\s*$`)

// TestPinnedActions: every action is pinned to a full commit SHA with the
// release it is, so a moved tag cannot change what runs.
func TestPinnedActions(t *testing.T) {
	t.Parallel()
	for _, f := range workflowFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for i, line := range strings.Split(string(b), "\n") {
			m := usesRe.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			n++
			if !pinRe.MatchString(m[1]) || !versionRe.MatchString(m[2]) {
				t.Errorf("%s:%d: %q: want owner/repo@<40-hex SHA> # vX.Y.Z", filepath.Base(f), i+1, strings.TrimSpace(line))
			}
		}
		if n == 0 {
			t.Errorf("%s uses no actions", filepath.Base(f))
		}
	}
}

type workflow struct {
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Concurrency struct {
		Group            string `yaml:"group"`
		CancelInProgress bool   `yaml:"cancel-in-progress"`
	} `yaml:"concurrency"`
	Env  map[string]string `yaml:"env"`
	Jobs map[string]job    `yaml:"jobs"`
}

type job struct {
	If          string            `yaml:"if"`
	Needs       any               `yaml:"needs"`
	Permissions map[string]string `yaml:"permissions"`
	Outputs     map[string]string `yaml:"outputs"`
	Steps       []step            `yaml:"steps"`
}

type step struct {
	ID   string            `yaml:"id"`
	Name string            `yaml:"name"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	Env  map[string]string `yaml:"env"`
	With map[string]string `yaml:"with"`
}

func load(t *testing.T, name string) workflow {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(b, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return w
}

// TestWorkflowRules checks what actionlint does not: no ${{ }} inside shell
// scripts (inputs go through env), read-only by default, write only where
// the reports are committed, and the report workflow never runs twice at once.
func TestWorkflowRules(t *testing.T) {
	t.Parallel()
	for _, f := range workflowFiles(t) {
		name := filepath.Base(f)
		w := load(t, name)
		if w.Permissions["contents"] != "read" || len(w.Permissions) != 1 {
			t.Errorf("%s: top-level permissions %v, want only contents: read", name, w.Permissions)
		}
		for jn, j := range w.Jobs {
			for _, s := range j.Steps {
				if strings.Contains(s.Run, "${{") {
					t.Errorf("%s: job %s, step %q: an expression inside run:; pass it through env", name, jn, s.Name)
				}
			}
			if j.Permissions != nil && (name != "report.yml" || jn != "publish") {
				t.Errorf("%s: job %s widens permissions: %v", name, jn, j.Permissions)
			}
		}
	}

	w := load(t, "report.yml")
	if _, ok := w.On["schedule"]; !ok {
		t.Error("report.yml has no schedule")
	}
	if _, ok := w.On["workflow_dispatch"]; !ok {
		t.Error("report.yml has no workflow_dispatch")
	}
	if w.Concurrency.Group == "" || w.Concurrency.CancelInProgress {
		t.Errorf("report.yml concurrency %+v: want a group that never cancels a run in progress", w.Concurrency)
	}
	if p := w.Jobs["publish"].Permissions; p["contents"] != "write" {
		t.Errorf("publish job permissions %v, want contents: write", p)
	}
	var env map[string]string
	for _, s := range w.Jobs["report"].Steps {
		if s.Name == "Run the report" {
			env = s.Env
		}
		if strings.HasPrefix(s.Uses, "actions/setup-go@") && s.With["go-version-file"] != "go.mod" {
			t.Errorf("setup-go with %v, want go-version-file: go.mod", s.With)
		}
	}
	for k, v := range map[string]string{
		"KINSTA_API_KEY": "${{ secrets.KINSTA_API_KEY }}",
		"SMTP_PASSWORD":  "${{ secrets.SMTP_PASSWORD }}",
		"KINSTA_API_URL": "${{ vars.KINSTA_API_URL }}",
		"NOW":            "${{ inputs.now }}",
		"RESEND":         "${{ inputs.resend }}",
	} {
		if env[k] != v {
			t.Errorf("Run the report: env %s=%q, want %q", k, env[k], v)
		}
	}
}
