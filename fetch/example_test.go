package fetch_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kinsta-report/kinsta-report/fetch"
	"github.com/kinsta-report/kinsta-report/fetch/kinstatest"
	"github.com/kinsta-report/kinsta-report/report"
)

// A client of the simulated API, served in-process: find the company, list
// its applications and fetch one metric.
func ExampleClient_Metric() {
	sim := kinstatest.New(kinstatest.Options{})
	c, err := fetch.NewClient("demo-key",
		fetch.WithBaseURL("http://kinsta.demo/v2"),
		fetch.WithHTTPClient(sim.Client()),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	v, err := c.Validate(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	apps, err := c.Applications(ctx, v.Company)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := fetch.Range{
		Start:    time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC),
		End:      time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
		Interval: 24 * time.Hour,
	}
	m, err := c.Metric(ctx, apps[0].ID, report.Bandwidth, r, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(apps) > 0, m.Key, m.Unit, len(m.Points), m.Points[0].Time)
	fmt.Println(c.Stats().Requests, "requests")
	// Output:
	// true bandwidth bytes 7 2026-11-16 00:00:00 +0000 UTC
	// 4 requests
}
