// Package pool is the one bounded-concurrency loop: the fan-out executors,
// combine's reads of its inputs, check's arrays and blob's tree copies
// all run their items through Each (or Drain, when the items arrive
// while the work goes on).
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
	go func() {
		for i := range n {
			next <- i
		}
		close(next)
	}()
	Drain(next, workers, work)
}

// Drain calls work for every item received from items on workers
// goroutines (at least one) until items is closed, and returns when all
// calls have returned. A sender on an unbuffered channel waits for a free
// worker: what it has not yet sent (the rest of a listing) is not held
// in memory. Like Each, it knows nothing of contexts or errors.
func Drain[T any](items <-chan T, workers int, work func(T)) {
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for it := range items {
				work(it)
			}
		})
	}
	wg.Wait()
}
