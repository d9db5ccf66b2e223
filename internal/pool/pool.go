// Package pool is the one bounded-concurrency loop: the fan-out executors,
// combine's reads of its inputs, check's arrays and blob's tree copies
// all run their items through Each.
package pool

import "sync"

// Each calls work(i) for every i in [0, n) on min(workers, n) goroutines
// (at least one) and returns when all calls have returned. Each knows
// nothing of contexts or errors: a work function that should not start
// once its run is cancelled checks its context first, and records its
// outcome at its index.
func Each(n, workers int, work func(i int)) {
	workers = max(min(workers, n), 1)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				work(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
