package job

import (
	"errors"
	"strings"
	"testing"

	"github.com/kinsta-report/kinsta-report/fetch"
	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
)

// TestApplicationsOnRetiredKinstaHostSaysSevalla: the simulated API answers
// 404 on /applications as the retired Kinsta host does; the client knows
// the host by name, and the in-process transport serves any host.
func TestApplicationsOnRetiredKinstaHostSaysSevalla(t *testing.T) {
	t.Parallel()
	srv := kinstatest.New(kinstatest.Options{APIKey: "k", MovedApplications: true})
	c, err := fetch.NewClient("k", fetch.WithBaseURL("http://api.kinsta.com/v2"), fetch.WithHTTPClient(srv.Client()), fetch.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewAPISource(c, kinstatest.DefaultCompanyID).Applications(t.Context())
	msg := err.Error()
	if !errors.Is(err, fetch.ErrMoved) || !strings.HasPrefix(msg, "list applications: ") || !strings.Contains(msg, "api.sevalla.com") || strings.Contains(msg, "company_id") {
		t.Errorf("message = %s", msg)
	}
}

func TestExplainAPIError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want string
	}{
		{fetch.ErrUnauthorized, "step: the API key was rejected (401): check KINSTA_API_KEY: "},
		{fetch.ErrNotFound, "step: not found or no permission (404); check api.company_id"},
		{errors.New("boom"), "step: boom"},
	}
	for _, tc := range cases {
		got := explainAPIError("step", tc.err)
		if !strings.HasPrefix(got.Error(), tc.want) || !errors.Is(got, tc.err) {
			t.Errorf("explainAPIError(%v) = %q, want it to start %q and wrap the error", tc.err, got, tc.want)
		}
	}
}

// A base URL that is a website: the step names the settings to check.
func TestExplainNotTheAPI(t *testing.T) {
	t.Parallel()
	err := explainAPIError("validate the API key", &fetch.APIError{Method: "GET", Path: "/validate", Status: 200, Err: fetch.ErrNotAPI, Message: "the base URL does not look like the Kinsta API"})
	msg := err.Error()
	for _, want := range []string{"validate the API key: ", "does not look like the Kinsta API", "api.base_url", "KINSTA_API_URL", fetch.SevallaBaseURL} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}
