package job

import (
	"context"
	"sync"
)

// maxInFlight bounds the goroutines a fan-out has running at once; the
// client bounds and paces what reaches the API.
const maxInFlight = 32

// fanOut calls each(t) for every task, at most maxInFlight at a time, and
// returns when all have returned. Once ctx ends it starts no more: each
// task not started gets skip(t) instead.
func fanOut[T any](ctx context.Context, tasks []T, each, skip func(T)) {
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	for _, t := range tasks {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			skip(t)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			each(t)
		}()
	}
	wg.Wait()
}
