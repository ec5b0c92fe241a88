package job

import (
	"errors"
	"testing"
	"time"

	"github.com/kinsta-report/kinsta-report/internal/state"
)

// TestPostOnce: through the channel ledger, a channel gets a window once;
// a failed post is retried by the next call; a nil store posts every time.
func TestPostOnce(t *testing.T) {
	t.Parallel()
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return time.Date(2026, 11, 23, 6, 30, 0, 0, time.UTC) }
	posts := 0
	post := func() error { posts++; return nil }
	const rep, due, ch = "weekly-ops", "2026-11-23", "slack-ops-channel"

	if out, err := postOnce(st, rep, due, ch, clock, post); err != nil || out != NotifyPosted || posts != 1 {
		t.Fatalf("first: %q, %v, %d posts", out, err, posts)
	}
	if out, err := postOnce(st, rep, due, ch, clock, post); err != nil || out != NotifyAlready || posts != 1 {
		t.Errorf("second: %q, %v, %d posts; want already, no post", out, err, posts)
	}
	if e, _ := st.LookupChannel(rep, due, ch); e.Status != state.Sent {
		t.Errorf("ledger %+v, want sent", e)
	}
	// Another channel of the same window, and the same channel next week.
	if out, _ := postOnce(st, rep, due, "teams-ops", clock, post); out != NotifyPosted || posts != 2 {
		t.Errorf("teams-ops: %q, %d posts", out, posts)
	}
	if out, _ := postOnce(st, rep, "2026-11-30", ch, clock, post); out != NotifyPosted || posts != 3 {
		t.Errorf("next week: %q, %d posts", out, posts)
	}

	// A failed post is recorded as failed and tried again next time.
	boom := errors.New(`notify webhook "pager": post: 500 Internal Server Error (gave up after 4 attempts)`)
	if _, err := postOnce(st, rep, due, "webhook-pager", clock, func() error { return boom }); !errors.Is(err, boom) {
		t.Errorf("failed post: %v", err)
	}
	if out, err := postOnce(st, rep, due, "webhook-pager", clock, post); err != nil || out != NotifyPosted || posts != 4 {
		t.Errorf("retry after a failure: %q, %v, %d posts", out, err, posts)
	}
	if e, _ := st.LookupChannel(rep, due, "webhook-pager"); e.Status != state.Sent || e.Attempts != 2 || e.Failures != 1 {
		t.Errorf("ledger %+v, want sent on the 2nd attempt", e)
	}

	// No store: no ledger, every call posts.
	for range 2 {
		if out, err := postOnce(nil, rep, due, ch, clock, post); err != nil || out != NotifyPosted {
			t.Errorf("nil store: %q, %v", out, err)
		}
	}
	if posts != 6 {
		t.Errorf("%d posts, want 6", posts)
	}
}

func TestRunLink(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	full := map[string]string{"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/ops", "GITHUB_RUN_ID": "123"}
	if got := runLink(env(full)); got != "https://github.com/acme/ops/actions/runs/123" {
		t.Errorf("link %q", got)
	}
	for _, bad := range []map[string]string{
		{},
		{"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/ops"},
		{"GITHUB_SERVER_URL": "javascript:alert(1)", "GITHUB_REPOSITORY": "acme/ops", "GITHUB_RUN_ID": "1"},
		{"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/ops)](x", "GITHUB_RUN_ID": "1"},
		{"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/ops", "GITHUB_RUN_ID": "1 or 2"},
	} {
		if got := runLink(env(bad)); got != "" {
			t.Errorf("runLink(%v) = %q, want none", bad, got)
		}
	}
}
