package job

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/kinsta-report/kinsta-report/fetch"
	"github.com/kinsta-report/kinsta-report/plan"
	"github.com/kinsta-report/kinsta-report/report"
)

// Source is where a run's data comes from: the company, its applications,
// the user roster and each metric. The Kinsta API (APISource) is the first
// implementation; a store of closed days can wrap it, serving what it
// holds and delegating the rest.
type Source interface {
	// Company returns the id of the company the run reports on.
	Company(ctx context.Context) (string, error)
	// Applications lists the company's applications (ID, Name and
	// DisplayName set), in any order.
	Applications(ctx context.Context) ([]report.App, error)
	// Users returns the company's user roster.
	Users(ctx context.Context) ([]report.User, error)
	// Metric fetches metric r.Metric of app r.App over [r.Start, r.End) in
	// buckets of r.Interval, unshaped (the job trims and folds it).
	Metric(ctx context.Context, r plan.Request) (*report.Metric, error)
	// Stats is the API accounting so far (requests, retries, waits).
	Stats() report.APIStats
}

// APISource is the Kinsta API as a Source.
type APISource struct {
	client  *fetch.Client
	company string
}

// NewAPISource serves a run from client. companyID is api.company_id; when
// empty, Company asks GET /validate.
func NewAPISource(client *fetch.Client, companyID string) *APISource {
	return &APISource{client: client, company: companyID}
}

// NewAPIClient is the run's one client: the config's pacing and retries,
// the logger, the user agent, then opts (e.g. fetch.WithHTTPClient for the
// simulated API of -demo).
func NewAPIClient(cfg *report.Config, apiKey, baseURL string, log *slog.Logger, opts ...fetch.Option) (*fetch.Client, error) {
	all := []fetch.Option{
		fetch.WithLogger(log),
		fetch.WithUserAgent("kinsta-report/1"),
		fetch.WithConcurrency(cfg.API.Concurrency),
		fetch.WithRate(cfg.API.RequestsPerMinute),
		fetch.WithMaxRetries(cfg.API.MaxRetries),
	}
	all = append(all, opts...)
	all = append(all, fetch.WithBaseURL(baseURL))
	return fetch.NewClient(apiKey, all...)
}

// Company returns api.company_id, or asks GET /validate once.
func (s *APISource) Company(ctx context.Context) (string, error) {
	if s.company != "" {
		return s.company, nil
	}
	v, err := s.client.Validate(ctx)
	if err != nil {
		return "", explainAPIError("find the company (GET /validate)", err)
	}
	s.company = v.Company
	return s.company, nil
}

// Applications lists the company's applications.
func (s *APISource) Applications(ctx context.Context) ([]report.App, error) {
	company, err := s.Company(ctx)
	if err != nil {
		return nil, err
	}
	list, err := s.client.Applications(ctx, company)
	if err != nil {
		return nil, explainAPIError("list applications", err)
	}
	apps := make([]report.App, len(list))
	for i, a := range list {
		apps[i] = report.App{ID: a.ID, Name: a.Name, DisplayName: a.DisplayName}
	}
	return apps, nil
}

// Users returns the roster, sorted by full name.
func (s *APISource) Users(ctx context.Context) ([]report.User, error) {
	company, err := s.Company(ctx)
	if err != nil {
		return nil, err
	}
	users, err := s.client.Users(ctx, company)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(users, func(a, b report.User) int {
		return strings.Compare(strings.ToLower(a.FullName), strings.ToLower(b.FullName))
	})
	return users, nil
}

// Metric fetches one metric of one app.
func (s *APISource) Metric(ctx context.Context, r plan.Request) (*report.Metric, error) {
	rg := fetch.Range{Start: r.Start, End: r.End, Interval: r.Interval}
	return s.client.Metric(ctx, r.App, r.Metric, rg, r.SlowestLimit)
}

// Stats is the client's accounting so far.
func (s *APISource) Stats() report.APIStats { return s.client.Stats() }

// explainAPIError turns the errors that stop a run before anything was
// fetched into one clear line.
func explainAPIError(step string, err error) error {
	switch {
	case errors.Is(err, fetch.ErrMoved):
		return fmt.Errorf("%s: %w", step, err) // already says to point api.base_url at Sevalla
	case errors.Is(err, fetch.ErrNotAPI):
		return fmt.Errorf("%s: %w: check api.base_url in the config or KINSTA_API_URL (applications: %s)", step, err, fetch.SevallaBaseURL)
	case errors.Is(err, fetch.ErrUnauthorized):
		return fmt.Errorf("%s: the API key was rejected (401): check KINSTA_API_KEY: %w", step, err)
	case errors.Is(err, fetch.ErrNotFound):
		return fmt.Errorf("%s: not found or no permission (404); check api.company_id and that the key's role can read the company: %w", step, err)
	}
	return fmt.Errorf("%s: %w", step, err)
}

// missingReason is the error as the report shows it: the API's words,
// without our step prefixes.
func missingReason(err error) string {
	var ae *fetch.APIError
	if errors.As(err, &ae) {
		return ae.Error()
	}
	return err.Error()
}
