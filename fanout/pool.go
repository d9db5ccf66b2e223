// Package fanout runs one job per input with bounded concurrency and
// collects one outcome per input, in input order.
package fanout

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	"gokerchunk/internal/pool"
)

// Outcome is the result of one input's job.
type Outcome[T any] struct {
	Input  string
	Result T
	Err    error
}

// Run calls job for every input on a pool of workers (at least one) and
// returns the outcomes in input order. progress, when not nil, is called
// after each job with the number of finished jobs; calls are serialised.
// A cancelled ctx stops the workers from starting further jobs; those
// inputs get ctx.Err().
func Run[T any](ctx context.Context, inputs []string, workers int, job func(context.Context, string) (T, error), progress func(done int)) []Outcome[T] {
	out := make([]Outcome[T], len(inputs))
	var mu sync.Mutex
	done := 0
	pool.Each(len(inputs), workers, func(i int) {
		o := Outcome[T]{Input: inputs[i]}
		if err := ctx.Err(); err != nil {
			o.Err = err
		} else {
			o.Result, o.Err = safeCall(ctx, inputs[i], job)
		}
		out[i] = o
		mu.Lock()
		done++
		if progress != nil {
			progress(done)
		}
		mu.Unlock()
	})
	return out
}

// safeCall runs one job and turns a panic into that input's error: a bug
// triggered by one file of a ten-thousand-file run must not lose the rest.
func safeCall[T any](ctx context.Context, input string, job func(context.Context, string) (T, error)) (res T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: internal error (please report it): %v\n%s", input, p, debug.Stack())
		}
	}()
	return job(ctx, input)
}
