package job

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/kinsta-report/kinsta-report/internal/state"
	"github.com/kinsta-report/kinsta-report/report"
	"github.com/kinsta-report/kinsta-report/report/deliver"
	"github.com/kinsta-report/kinsta-report/report/notify"
)

// Outcomes of NotifyResult.Outcome.
const (
	NotifyPosted   = "posted"   // the receiver took it (2xx)
	NotifyWritten  = "written"  // a dry run wrote the payload beside the .eml
	NotifyAppended = "appended" // the Markdown went to $GITHUB_STEP_SUMMARY
	NotifySkipped  = "skipped"  // send: on_alert and nothing crossed; or no $GITHUB_STEP_SUMMARY
	NotifyAlready  = "already"  // the ledger says this channel has this window
	NotifyFailed   = "failed"
)

// NotifyResult is what became of one notify target of a report.
type NotifyResult struct {
	Kind, Name string
	Outcome    string
	// Err is why it failed; it names the target by kind and name, never its
	// URL or secret.
	Err string
}

// dryRunSecret signs the webhook payload a dry run writes when the
// target's secret variable is not set (-demo needs no variable).
const dryRunSecret = "dry-run"

// notifyPreflight checks, for a real run, that every variable the selected
// reports' targets name is set: a missing one is a config error naming it.
// Dry runs post nothing and need none.
func (r *run) notifyPreflight(selected []report.ReportConfig) []string {
	if r.o.DryRun {
		return nil
	}
	var lines []string
	for _, rc := range selected {
		for _, n := range rc.Notify {
			if _, err := r.cfg.ResolveNotify(n, r.o.Getenv); err != nil {
				lines = append(lines, strings.Split(err.Error(), "\n")...)
			}
		}
	}
	return lines
}

// runLink is where the full report is: the GitHub Actions run page (its
// artifacts hold the files) when the run is in Actions; else "".
func runLink(getenv func(string) string) string {
	server, repo, id := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || id == "" {
		return ""
	}
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return ""
	}
	if !githubRepoRE.MatchString(repo) || !digitsRE.MatchString(id) {
		return ""
	}
	return strings.TrimRight(server, "/") + "/" + repo + "/actions/runs/" + id
}

var (
	githubRepoRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	digitsRE     = regexp.MustCompile(`^[0-9]+$`)
)

// notifyAll announces one report window on each of its targets, after the
// email step: ShouldSend, Build, then Post (or, on a dry run, write the
// payload as <base>.<kind>.json beside the .eml). The Markdown summary is
// appended to $GITHUB_STEP_SUMMARY when set. A target that fails stops
// neither the others nor the email; its line on stderr names it by kind
// and name. It returns the files written and whether a target failed.
func (r *run) notifyAll(ctx context.Context, rc report.ReportConfig, d due, rep report.Report, dir, base string) (results []NotifyResult, files []string, failed bool) {
	if len(rc.Notify) == 0 {
		return nil, nil, false
	}
	link := runLink(r.o.Getenv)
	poster := r.o.Poster
	if poster == nil {
		poster = notify.NewPoster(nil)
	}
	perKind := map[string]int{}
	for _, n := range rc.Notify {
		perKind[n.Kind]++
	}
	// Each channel gets each due date once: the run's ledger records it,
	// unless the ledger does not decide for this due date (no state folder,
	// a *_to_date report): then every run posts.
	var store *state.Store
	if d.gated {
		store = r.ledger
	}
	dueDate := d.Date

	for _, n := range rc.Notify {
		res := NotifyResult{Kind: n.Kind, Name: n.Name}
		t := notify.Target{Kind: notify.Kind(n.Kind), Name: n.Name, Send: n.Send}
		fail := func(err error) {
			res.Outcome, res.Err = NotifyFailed, oneLine(err)
			failed = true
			fmt.Fprintf(r.stderr, "report %s: %s\n", rc.Name, res.Err)
		}
		if !notify.ShouldSend(t, rep) {
			res.Outcome = NotifySkipped
			results = append(results, res)
			continue
		}
		if r.o.DryRun || n.Kind == report.NotifyGitHubSummary {
			t.Secret = r.o.Getenv(n.SecretEnv)
			if n.Kind == report.NotifyWebhook && (t.Secret == "" || n.SecretEnv == "") {
				t.Secret = dryRunSecret
			}
		} else {
			sec, err := r.cfg.ResolveNotify(n, r.o.Getenv)
			if err != nil { // checked before the run; kept for safety
				fail(fmt.Errorf("notify %s: %w", t, err))
				results = append(results, res)
				continue
			}
			t.URL, t.Secret = sec.URL, sec.Secret
		}
		msg, err := notify.Build(t, rep, link, r.o.Clock())
		if err != nil {
			fail(err)
			results = append(results, res)
			continue
		}
		switch {
		case n.Kind == report.NotifyGitHubSummary:
			res.Outcome = NotifySkipped
			if r.o.DryRun {
				path := filepath.Join(dir, base+".summary.md")
				if err := deliver.WriteFileBytes(path, msg.Body); err != nil {
					fail(fmt.Errorf("notify %s: write %s: %w", t, path, err))
					break
				}
				files = append(files, path)
				res.Outcome = NotifyWritten
			}
			if err := appendStepSummary(r.o.Getenv("GITHUB_STEP_SUMMARY"), msg.Body); err != nil {
				fail(fmt.Errorf("notify %s: %w", t, err))
			} else if r.o.Getenv("GITHUB_STEP_SUMMARY") != "" {
				res.Outcome = NotifyAppended
			}
		case r.o.DryRun:
			stem := base + "." + n.Kind
			if perKind[n.Kind] > 1 {
				stem += "." + n.Name
			}
			written, err := writePayload(filepath.Join(dir, stem), msg)
			files = append(files, written...)
			if err != nil {
				fail(fmt.Errorf("notify %s: %w", t, err))
				break
			}
			res.Outcome = NotifyWritten
		default:
			outcome, err := postOnce(store, rc.Name, dueDate, n.Key(), r.o.Clock, func() error {
				return poster.Post(ctx, t, msg)
			})
			if err != nil {
				fail(err)
				break
			}
			res.Outcome = outcome
			if outcome == NotifyAlready {
				fmt.Fprintf(r.stderr, "report %s: notify %s: not posted, the ledger has it for %s already\n", rc.Name, t, dueDate)
			}
		}
		results = append(results, res)
	}
	return results, files, failed
}

// writePayload writes a dry run's payload as <stem>.json and, for the
// signed webhook, its headers as <stem>.sig, one "Name: value" line each,
// as they would be sent.
func writePayload(stem string, m notify.Message) ([]string, error) {
	var files []string
	if err := deliver.WriteFileBytes(stem+".json", m.Body); err != nil {
		return nil, fmt.Errorf("write %s: %w", stem+".json", err)
	}
	files = append(files, stem+".json")
	if len(m.Header) == 0 {
		return files, nil
	}
	var b strings.Builder
	for _, k := range []string{notify.SignatureHeader, "X-Kinsta-Report-Schema"} {
		if v := m.Header.Get(k); v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	if err := deliver.WriteFileBytes(stem+".sig", []byte(b.String())); err != nil {
		return files, fmt.Errorf("write %s: %w", stem+".sig", err)
	}
	return append(files, stem+".sig"), nil
}

// appendStepSummary appends md to the file $GITHUB_STEP_SUMMARY names
// (nothing when unset), after a blank line.
func appendStepSummary(path string, md []byte) error {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("append to GITHUB_STEP_SUMMARY: %w", err)
	}
	_, werr := f.Write(append(append([]byte("\n"), md...), '\n'))
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return fmt.Errorf("append to GITHUB_STEP_SUMMARY: %w", err)
	}
	return nil
}

// postOnce posts one window to one channel at most once, through the
// channel ledger: claim (report, due, channel), post, then confirm; a post
// that fails is recorded as failed, so a later run may try again. A claim
// already taken (sent, or begun by a run that never finished) is not
// posted: the outcome is NotifyAlready. A nil store posts every time.
// channel is the target's key, kind-name (report.NotifyConfig.Key), which
// the store's channel names accept.
func postOnce(st *state.Store, reportName, due, channel string, clock func() time.Time, post func() error) (string, error) {
	if st == nil {
		if err := post(); err != nil {
			return "", err
		}
		return NotifyPosted, nil
	}
	if _, err := st.ClaimChannel(reportName, due, channel, clock()); err != nil {
		if errors.Is(err, state.ErrTaken) {
			return NotifyAlready, nil
		}
		return "", fmt.Errorf("notify %s: %w", channel, err)
	}
	if err := post(); err != nil {
		if ferr := st.FailChannel(reportName, due, channel, clock(), oneLine(err)); ferr != nil {
			return "", errors.Join(err, fmt.Errorf("notify %s: %w", channel, ferr))
		}
		return "", err
	}
	if err := st.ConfirmChannel(reportName, due, channel, clock()); err != nil {
		return "", fmt.Errorf("notify %s: posted, but not recorded: %w", channel, err)
	}
	return NotifyPosted, nil
}

// notifyNote is the report line's word on its channels:
// "; posted to slack "ops", teams "ops"".
func notifyNote(rs []NotifyResult) string {
	var posted []string
	for _, x := range rs {
		if x.Outcome == NotifyPosted || x.Outcome == NotifyAppended {
			posted = append(posted, report.NotifyConfig{Kind: x.Kind, Name: x.Name}.String())
		}
	}
	if len(posted) == 0 {
		return ""
	}
	return "; posted to " + strings.Join(posted, ", ")
}
