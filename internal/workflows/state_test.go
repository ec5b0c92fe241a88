package workflows

// The state (history and send ledger) survives from one scheduled run to the
// next only through report.yml's own shell scripts: the report job restores
// state/ from the reports branch, the publish job commits it back. These
// tests run those scripts, extracted from report.yml, with bash and git
// against a bare repository standing in for GitHub, as the jobs would.

import (
	"bytes"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/kinsta-report/kinsta-report/internal/peer"
)

// stepOf returns the step with the given id in a job of report.yml.
func stepOf(t *testing.T, w workflow, jobName, id string) step {
	t.Helper()
	for _, s := range w.Jobs[jobName].Steps {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("report.yml: job %s has no step with id %q", jobName, id)
	return step{}
}

// actions is a fake GitHub: a bare repository as the remote, and the
// environment the runner gives every step.
type actions struct {
	t      *testing.T
	bash   string
	git    string
	root   string // temp dir for everything
	remote string // file:// URL of the bare repository
	bare   string // its path
	w      workflow
	env    []string

	lastList string // the log of the last list step
}

func newActions(t *testing.T) *actions {
	t.Helper()
	a := &actions{
		t:    t,
		bash: peer.Require(t, "bash"),
		git:  peer.Require(t, "git"),
		root: t.TempDir(),
		w:    load(t, "report.yml"),
	}
	a.bare = filepath.Join(a.root, "origin.git")
	a.remote = "file://" + a.bare
	globalConfig := filepath.Join(a.root, "gitconfig")
	if err := os.WriteFile(globalConfig, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	a.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + a.root,
		"LC_ALL=C",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + globalConfig,
		"GITHUB_SERVER_URL=https://github.com",
		"GITHUB_REPOSITORY=acme/kinsta-reports",
	}
	for k, v := range a.w.Env { // the workflow's own env: (STATE_DIR)
		a.env = append(a.env, k+"="+v)
	}
	a.gitIn(a.root, "init", "--quiet", "--bare", "-b", "main", a.bare)
	seed := filepath.Join(a.root, "seed")
	a.gitIn(a.root, "clone", "--quiet", a.remote, seed)
	write(t, filepath.Join(seed, "reports.yaml"), "reports: []\n")
	a.gitIn(seed, "add", "reports.yaml")
	a.gitIn(seed, "-c", "user.name=seed", "-c", "user.email=seed@example.com", "commit", "--quiet", "-m", "seed")
	a.gitIn(seed, "push", "--quiet", "origin", "main")
	return a
}

func (a *actions) gitIn(dir string, args ...string) string {
	a.t.Helper()
	cmd := exec.Command(a.git, args...)
	cmd.Dir = dir
	cmd.Env = a.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		a.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// checkout does what actions/checkout does for a job: a shallow clone of
// the default branch into a fresh workspace.
func (a *actions) checkout(name string) string {
	a.t.Helper()
	ws := filepath.Join(a.root, name)
	a.gitIn(a.root, "clone", "--quiet", "--depth=1", a.remote, ws)
	return ws
}

// run runs a step's script as GitHub's default shell does (bash -e FILE)
// in the workspace, with the runner's environment and the step's extra
// variables; it returns the output and the error.
func (a *actions) run(ws, script string, extra map[string]string) (string, error) {
	a.t.Helper()
	runnerTemp := filepath.Join(ws + ".runner")
	if err := os.MkdirAll(runnerTemp, 0o755); err != nil {
		a.t.Fatal(err)
	}
	file := filepath.Join(runnerTemp, "step.sh")
	write(a.t, file, script)
	cmd := exec.Command(a.bash, "-e", file)
	cmd.Dir = ws
	cmd.Env = append(slices.Clone(a.env), "RUNNER_TEMP="+runnerTemp)
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		cmd.Env = append(cmd.Env, k+"="+extra[k])
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (a *actions) mustRun(ws, script string, extra map[string]string) string {
	a.t.Helper()
	out, err := a.run(ws, script, extra)
	if err != nil {
		a.t.Fatalf("step failed: %v\n%s", err, out)
	}
	return out
}

// restore runs the report job's restore step in a fresh workspace and
// returns the workspace.
func (a *actions) restore(name string) (ws, out string) {
	a.t.Helper()
	ws = a.checkout(name)
	s := stepOf(a.t, a.w, "report", "restore")
	// A token, as GitHub gives it: the step must still work (a file://
	// remote ignores the http header) and must not print it.
	out = a.mustRun(ws, s.Run, map[string]string{"GIT_TOKEN": "ghs_secret-token-value"})
	if strings.Contains(out, "ghs_secret-token-value") {
		a.t.Errorf("the restore step printed the token:\n%s", out)
	}
	return ws, out
}

// list runs the report job's "List the artifacts and the state" step and
// returns its outputs; the step's log goes to a.lastList.
func (a *actions) list(ws, runID, attempt string) map[string]string {
	a.t.Helper()
	outputFile := filepath.Join(a.root, "output-"+filepath.Base(ws)+"-"+attempt)
	a.lastList = a.mustRun(ws, stepOf(a.t, a.w, "report", "files").Run, map[string]string{
		"GITHUB_OUTPUT": outputFile, "GITHUB_RUN_ID": runID, "GITHUB_RUN_ATTEMPT": attempt,
	})
	b, err := os.ReadFile(outputFile)
	if err != nil {
		a.t.Fatal(err)
	}
	got := map[string]string{}
	for line := range strings.Lines(string(b)) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		got[k] = v
	}
	return got
}

// upload stands in for upload-artifact then download-artifact: out/ and the
// state folder, under their own names (the paths' common ancestor is the
// workspace), hidden files left out as upload-artifact does by default.
func (a *actions) upload(ws, name string) string {
	a.t.Helper()
	bundle := filepath.Join(a.root, "bundle-"+name)
	for _, d := range []string{"out", a.w.Env["STATE_DIR"]} {
		for rel, content := range tree(a.t, filepath.Join(ws, d)) {
			write(a.t, filepath.Join(bundle, d, rel), content)
		}
	}
	return bundle
}

// publish runs the publish job's commit step in a fresh workspace.
func (a *actions) publish(name, bundle, runID, commitReports string) string {
	a.t.Helper()
	ws := a.checkout(name)
	return a.mustRun(ws, stepOf(a.t, a.w, "publish", "publish").Run, map[string]string{
		"BUNDLE":             bundle,
		"COMMIT_REPORTS":     commitReports,
		"RUN_URL":            "https://github.com/acme/kinsta-reports/actions/runs/" + runID,
		"GITHUB_RUN_ID":      runID,
		"GITHUB_RUN_ATTEMPT": "1",
	})
}

// branchFiles is the reports branch on the remote: path → content.
func (a *actions) branchFiles(branch string) map[string]string {
	a.t.Helper()
	files := map[string]string{}
	for _, p := range strings.Fields(a.gitIn(a.bare, "ls-tree", "-r", "--name-only", branch)) {
		files[p] = a.gitIn(a.bare, "show", branch+":"+p)
	}
	return files
}

// tree reads every regular file under dir: path relative to dir → content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == dir {
				return filepath.SkipDir
			}
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			files[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeAll(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		write(t, filepath.Join(dir, rel), content)
	}
}

func diffFiles(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if g, ok := got[k]; !ok {
			t.Errorf("%s: %s missing", what, k)
		} else if g != want[k] {
			t.Errorf("%s: %s = %q, want %q", what, k, g, want[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected %s", what, k)
		}
	}
}

// TestStateSurvivesRuns is a dry run of two scheduled runs and the restore
// of a third against a bare remote: the reports branch keeps both runs'
// reports and the second run's state, and the next run gets that state back.
func TestStateSurvivesRuns(t *testing.T) {
	t.Parallel()
	a := newActions(t)
	stateDir := a.w.Env["STATE_DIR"]
	if stateDir == "" {
		t.Fatal("report.yml sets no STATE_DIR")
	}

	// Run 1: no reports branch yet.
	ws, out := a.restore("run1")
	if !strings.Contains(out, "No reports branch yet") {
		t.Errorf("first restore: %q, want it to say there is no reports branch yet", out)
	}
	if got := tree(t, filepath.Join(ws, stateDir)); len(got) != 0 {
		t.Errorf("first restore left state files: %v", got)
	}
	state1 := map[string]string{
		"ledger/weekly-ops.jsonl":          `{"date":"2026-11-23","claimed":"2026-11-23T06:17:03Z"}` + "\n" + `{"date":"2026-11-23","sent":"2026-11-23T06:17:09Z"}` + "\n",
		"history/shop/2026-11-22.jsonl.gz": "day 22",
	}
	writeAll(t, filepath.Join(ws, stateDir), state1)
	writeAll(t, filepath.Join(ws, "out"), map[string]string{"weekly-ops/weekly-ops_2026-11-23.json": "report 23"})
	o1 := a.list(ws, "101", "1")
	if o1["produced"] != "true" {
		t.Errorf("run 1 wrote a report and state: produced=%q, want true", o1["produced"])
	}
	a.publish("pub1", a.upload(ws, "run1"), "101", "true")

	// Run 2 restores run 1's state, adds to it and writes the next week.
	ws, _ = a.restore("run2")
	diffFiles(t, "state restored for run 2", tree(t, filepath.Join(ws, stateDir)), state1)
	state2 := maps.Clone(state1)
	state2["ledger/weekly-ops.jsonl"] += `{"date":"2026-11-30","claimed":"2026-11-30T06:17:02Z"}` + "\n" + `{"date":"2026-11-30","sent":"2026-11-30T06:17:08Z"}` + "\n"
	state2["history/shop/2026-11-29.jsonl.gz"] = "day 29"
	writeAll(t, filepath.Join(ws, stateDir), state2)
	writeAll(t, filepath.Join(ws, "out"), map[string]string{"weekly-ops/weekly-ops_2026-11-30.json": "report 30"})
	if o := a.list(ws, "102", "1"); o["produced"] != "true" {
		t.Errorf("run 2: produced=%q, want true", o["produced"])
	}
	// The log names the new report and the state files the run changed, not
	// the ones it restored unchanged.
	for _, want := range []string{"out/weekly-ops/weekly-ops_2026-11-30.json", "state/ledger/weekly-ops.jsonl", "state/history/shop/2026-11-29.jsonl.gz"} {
		if !strings.Contains(a.lastList, want) {
			t.Errorf("run 2's list step does not name %s:\n%s", want, a.lastList)
		}
	}
	if strings.Contains(a.lastList, "2026-11-22.jsonl.gz") {
		t.Errorf("run 2's list step names a state file it did not change:\n%s", a.lastList)
	}
	bundle2 := a.upload(ws, "run2")
	a.publish("pub2", bundle2, "102", "true")

	want := map[string]string{
		"out/weekly-ops/weekly-ops_2026-11-23.json": "report 23",
		"out/weekly-ops/weekly-ops_2026-11-30.json": "report 30",
	}
	for k, v := range state2 {
		want["state/"+k] = v
	}
	diffFiles(t, "reports branch after two runs", a.branchFiles("reports"), want)
	if n := strings.TrimSpace(a.gitIn(a.bare, "rev-list", "--count", "reports")); n != "2" {
		t.Errorf("reports branch has %s commits, want 2 (one per run)", n)
	}
	diffFiles(t, "main after two runs", a.branchFiles("main"), map[string]string{"reports.yaml": "reports: []\n"})

	// "Re-run failed jobs" of the publish job: the same bundle commits nothing.
	if out := a.publish("pub2-again", bundle2, "102", "true"); !strings.Contains(out, "Nothing new to commit") {
		t.Errorf("publishing the same files again: %q, want nothing new to commit", out)
	}
	if n := strings.TrimSpace(a.gitIn(a.bare, "rev-list", "--count", "reports")); n != "2" {
		t.Errorf("after publishing the same files again the reports branch has %s commits, want 2", n)
	}

	// Run 3 starts from run 2's state; with nothing due it has nothing to
	// publish.
	ws, _ = a.restore("run3")
	diffFiles(t, "state restored for run 3", tree(t, filepath.Join(ws, stateDir)), state2)
	o3 := a.list(ws, "103", "1")
	if o3["produced"] != "false" {
		t.Errorf("run 3 changed nothing: produced=%q, want false", o3["produced"])
	}
	// Its re-run claims a send that then fails before any file is written:
	// the claim alone must reach the branch, under an artifact name of its own.
	write(t, filepath.Join(ws, stateDir, "ledger/weekly-ops.jsonl"), state2["ledger/weekly-ops.jsonl"]+`{"date":"2026-12-07","claimed":"2026-12-07T06:17:02Z"}`+"\n")
	o3r := a.list(ws, "103", "2")
	if o3r["produced"] != "true" {
		t.Errorf("a run that only changed the state: produced=%q, want true", o3r["produced"])
	}
	if o3r["artifact"] == o3["artifact"] || o3r["artifact"] == "" {
		t.Errorf("artifact names of attempts 1 and 2: %q and %q, want two different names", o3["artifact"], o3r["artifact"])
	}
}

// TestStateKeptWithoutCommitReports: keeping the state is not optional;
// COMMIT_REPORTS only decides whether the reports go on the branch too.
func TestStateKeptWithoutCommitReports(t *testing.T) {
	t.Parallel()
	a := newActions(t)
	ws, _ := a.restore("run1")
	writeAll(t, filepath.Join(ws, a.w.Env["STATE_DIR"]), map[string]string{"ledger/daily.jsonl": "claimed\n"})
	writeAll(t, filepath.Join(ws, "out"), map[string]string{"daily/daily_2026-11-29.json": "report"})
	a.publish("pub1", a.upload(ws, "run1"), "201", "")
	diffFiles(t, "reports branch without COMMIT_REPORTS", a.branchFiles("reports"), map[string]string{"state/ledger/daily.jsonl": "claimed\n"})
}

// TestRestoreRefusesUnreadableBranch: a reports branch that cannot be read
// must stop the run: without the ledger it would mail everyone again.
func TestRestoreRefusesUnreadableBranch(t *testing.T) {
	t.Parallel()
	a := newActions(t)
	ws := a.checkout("run1")
	a.gitIn(ws, "remote", "set-url", "origin", "file://"+filepath.Join(a.root, "gone.git"))
	out, err := a.run(ws, stepOf(t, a.w, "report", "restore").Run, nil)
	if err == nil {
		t.Fatalf("restore from an unreadable remote succeeded:\n%s", out)
	}
	if !strings.Contains(out, "not running without the send ledger") {
		t.Errorf("restore from an unreadable remote says %q, want it to name the ledger", out)
	}
}

// TestStateWiring: the pieces between the scripts line up: the report job's
// artifact is the one the publish job downloads, the upload and the publish
// also run after a failed send, and the state is kept whether or not the
// reports are committed.
func TestStateWiring(t *testing.T) {
	t.Parallel()
	w := load(t, "report.yml")
	rep, pub := w.Jobs["report"], w.Jobs["publish"]
	if rep.Outputs["artifact"] != "${{ steps.files.outputs.artifact }}" {
		t.Errorf("report job output artifact = %q", rep.Outputs["artifact"])
	}
	var upload, download step
	for _, s := range rep.Steps {
		if strings.HasPrefix(s.Uses, "actions/upload-artifact@") {
			upload = s
		}
	}
	for _, s := range pub.Steps {
		if strings.HasPrefix(s.Uses, "actions/download-artifact@") {
			download = s
		}
	}
	if upload.With["name"] != "${{ steps.files.outputs.artifact }}" || !strings.Contains(upload.If, "always()") {
		t.Errorf("upload step: name %q, if %q; want the listed artifact name, always()", upload.With["name"], upload.If)
	}
	if p := upload.With["path"]; !strings.Contains(p, "out/") || !strings.Contains(p, "${{ env.STATE_DIR }}") {
		t.Errorf("upload path %q, want out/ and the state folder", p)
	}
	if download.With["name"] != "${{ needs.report.outputs.artifact }}" {
		t.Errorf("download name %q, want the report job's artifact output", download.With["name"])
	}
	if o := download.With["overwrite"]; o != "" {
		t.Errorf("download overwrite %q", o)
	}
	if !strings.Contains(pub.If, "!cancelled()") || strings.Contains(pub.If, "COMMIT_REPORTS") {
		t.Errorf("publish if: %q, want it to run after a failed send and whatever COMMIT_REPORTS says", pub.If)
	}
	if f := stepOf(t, w, "report", "files"); f.If != "always()" {
		t.Errorf("list step if %q, want always()", f.If)
	}
}

// TestScheduleFollowsConfig: report.yml fires every day in each time zone
// that reports.yaml uses (the top-level timezone, default UTC, and every
// report's own), and keeps the state in the config's state folder.
func TestScheduleFollowsConfig(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../reports.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Timezone string  `yaml:"timezone"`
		State    *string `yaml:"state"`
		Reports  []struct {
			Timezone string `yaml:"timezone"`
		} `yaml:"reports"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("reports.yaml: %v", err)
	}
	zones := map[string]bool{}
	top := cfg.Timezone
	if top == "" {
		top = "UTC"
	}
	zones[top] = true
	for _, r := range cfg.Reports {
		if r.Timezone != "" {
			zones[r.Timezone] = true
		}
	}

	w := load(t, "report.yml")
	raw, err := yaml.Marshal(w.On["schedule"])
	if err != nil {
		t.Fatal(err)
	}
	var entries []struct {
		Cron     string `yaml:"cron"`
		Timezone string `yaml:"timezone"`
	}
	if err := yaml.Unmarshal(raw, &entries); err != nil {
		t.Fatalf("report.yml schedule: %v", err)
	}
	scheduled := map[string]bool{}
	for _, e := range entries {
		f := strings.Fields(e.Cron)
		if len(f) != 5 || f[2] != "*" || f[3] != "*" || f[4] != "*" {
			t.Errorf("schedule %q: want a daily cron (due dates make a daily run safe, and a dropped run is made up the next day)", e.Cron)
		}
		zone := e.Timezone
		if zone == "" {
			zone = "UTC"
		}
		scheduled[zone] = true
	}
	for _, z := range slices.Sorted(maps.Keys(zones)) {
		if !scheduled[z] {
			t.Errorf("reports.yaml uses the zone %s, but report.yml has no schedule entry with timezone: %s", z, z)
		}
	}

	state := "state"
	if cfg.State != nil {
		state = *cfg.State
	}
	if state == "none" || state == "" {
		t.Errorf("reports.yaml state: %q: the daily workflow needs the send ledger", state)
	}
	if w.Env["STATE_DIR"] != state {
		t.Errorf("report.yml STATE_DIR=%q, reports.yaml state: %q; want them equal", w.Env["STATE_DIR"], state)
	}
}

// TestWorkflowPassesNotifyVariables: every variable that a notify target of
// reports.yaml names reaches the run step from a secret of that name, so the
// shipped setup does not stop with exit 2 for a variable the workflow forgot.
func TestWorkflowPassesNotifyVariables(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../reports.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Reports []struct {
			Notify []struct {
				URLEnv    string `yaml:"url_env"`
				SecretEnv string `yaml:"secret_env"`
			} `yaml:"notify"`
		} `yaml:"reports"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("reports.yaml: %v", err)
	}
	wf, err := os.ReadFile(filepath.Join(dir, "report.yml"))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, r := range cfg.Reports {
		for _, n := range r.Notify {
			for _, v := range []string{n.URLEnv, n.SecretEnv} {
				if v == "" {
					continue
				}
				seen++
				if want := v + ": ${{ secrets." + v + " }}"; !strings.Contains(string(wf), want) {
					t.Errorf("report.yml does not pass %s to the run (want %q)", v, want)
				}
			}
		}
	}
	if seen == 0 {
		t.Log("reports.yaml names no notify variables")
	}
}
