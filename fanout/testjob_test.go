package fanout

import (
	"context"
	"io"
)

// testRequest is the job the executors' tests run: fanout knows no real
// one (scan and csv2parquet register themselves from their packages).
type testRequest struct {
	Input           string `json:"input"`
	Output          string `json:"output"`
	InlineThreshold int    `json:"inline_threshold,omitempty"`
}

func (testRequest) Job() string                      { return "test" }
func (r testRequest) Target() (input, output string) { return r.Input, r.Output }
func (testRequest) LogStart() []any                  { return nil }
func (testRequest) LogDone(*Response) []any          { return nil }

func (r testRequest) Run(context.Context, io.Writer) (*Response, error) {
	return &Response{StatusCode: 200, Input: r.Input, Output: r.Output}, nil
}
