package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"gokerchunk/blob"
	"gokerchunk/fanout"
	"gokerchunk/format"
	"gokerchunk/refs"
)

// JobName is the scan job's name in fanout's registry and in Lambda
// events; an event that names no job is a scan (fanout.DefaultJob).
const JobName = "scan"

// DefaultInlineThreshold is kerchunk's: chunks under 500 bytes go inline.
const DefaultInlineThreshold = 500

func init() { fanout.Register(JobName, job{}) }

// Request is one input's scan as fanout's executors run it: scan the
// input and write its sidecar.
type Request struct {
	Input           string `json:"input"`
	Output          string `json:"output"`
	InlineThreshold int    `json:"inline_threshold"`
	// OnUnsupported is error (the default), skip or inline, as scan's
	// --on-unsupported.
	OnUnsupported OnUnsupported `json:"on_unsupported,omitempty"`
	// TargetPrefix rewrites the sidecar's targets before it is written,
	// as scan's --target-prefix (refs.Retarget): a function or a server
	// scanning a local copy names the file's home in the references.
	TargetPrefix []refs.PrefixRule `json:"target_prefix,omitempty"`
	// Templates writes the sidecar with kerchunk templates, as scan's
	// --templates.
	Templates bool `json:"templates,omitempty"`
}

func (Request) Job() string                      { return JobName }
func (r Request) Target() (input, output string) { return r.Input, r.Output }

func (r Request) LogStart() []any {
	return []any{"inline_threshold", r.InlineThreshold, "on_unsupported", r.OnUnsupported}
}

func (r Request) LogDone(resp *fanout.Response) []any {
	s := resp.Stats
	return []any{"arrays", s.Arrays, "chunks", s.Chunks, "inlined", s.Inlined, "skipped", s.Skipped,
		"notes", s.Notes, "reads", s.Reads, "bytes", s.Bytes, "seconds", s.Seconds}
}

// validate checks the request's options, defaulting OnUnsupported;
// failures are InputErrors.
func (r *Request) validate() error {
	if r.InlineThreshold < 0 {
		return &fanout.InputError{Input: r.Input, Err: fmt.Errorf("inline_threshold must be 0 or more, not %d", r.InlineThreshold)}
	}
	if r.OnUnsupported == "" {
		r.OnUnsupported = UnsupportedError
	}
	if _, err := ParseOnUnsupported(string(r.OnUnsupported)); err != nil {
		return &fanout.InputError{Input: r.Input, Err: fmt.Errorf("on_unsupported %w", err)}
	}
	if _, err := refs.NewRetarget(r.TargetPrefix); err != nil {
		return &fanout.InputError{Input: r.Input, Err: fmt.Errorf("target_prefix: %w", err)}
	}
	return nil
}

// Run scans the input and writes its sidecar (stdout receives it when
// Output is "-").
func (r Request) Run(ctx context.Context, stdout io.Writer) (*fanout.Response, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	var reads blob.Stats
	retarget, _ := refs.NewRetarget(r.TargetPrefix) // checked by validate
	res, err := File(ctx, r.Input, FileOptions{
		Options:   Options{URL: r.Input, InlineThreshold: r.InlineThreshold, OnUnsupported: r.OnUnsupported},
		Output:    r.Output,
		Stdout:    stdout,
		Stats:     &reads,
		Retarget:  retarget,
		Templates: r.Templates,
	})
	if err != nil {
		return nil, classify(r.Input, err)
	}
	resp := &fanout.Response{
		StatusCode: 200,
		Input:      r.Input,
		Output:     r.Output,
		Notes:      res.Notes,
		Stats: fanout.Stats{
			Arrays:  res.Arrays,
			Chunks:  res.Chunks,
			Inlined: res.Inlined,
			Skipped: len(res.Skipped) + len(res.Damaged),
			Notes:   len(res.Notes),
			Counts:  reads.Counts(),
			Seconds: time.Since(start).Seconds(),
		},
	}
	for _, s := range res.Skipped {
		resp.Skipped = append(resp.Skipped, s.Error())
	}
	for _, d := range res.Damaged {
		resp.Skipped = append(resp.Skipped, d.Error())
	}
	resp.Body = fmt.Sprintf("scanned %s -> %s: %d arrays, %d chunks (%d inline), %d skipped",
		r.Input, r.Output, res.Arrays, res.Chunks, res.Inlined, len(resp.Skipped))
	return resp, nil
}

// job decodes scan requests for fanout.
type job struct{}

func (job) Fields() []string {
	return []string{"inline_threshold", "on_unsupported", "target_prefix", "templates"}
}

func (job) Decode(input, output string, opts []byte) (fanout.Request, error) {
	var o struct {
		InlineThreshold *int              `json:"inline_threshold"`
		OnUnsupported   OnUnsupported     `json:"on_unsupported"`
		TargetPrefix    []refs.PrefixRule `json:"target_prefix"`
		Templates       bool              `json:"templates"`
	}
	dec := json.NewDecoder(bytes.NewReader(opts))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return nil, &fanout.InputError{Input: input, Err: fmt.Errorf("bad event: %w", err)}
	}
	r := Request{Input: input, Output: output, InlineThreshold: DefaultInlineThreshold, OnUnsupported: o.OnUnsupported,
		TargetPrefix: o.TargetPrefix, Templates: o.Templates}
	if o.InlineThreshold != nil {
		r.InlineThreshold = *o.InlineThreshold
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// Takes tells the objects an S3 notification makes the function scan:
// those with one of InputExtensions.
func (job) Takes(key string) bool { return IsInput(key) }

// ForObject is the scan of a new object into its sidecar in outputPrefix,
// named as `scan -o PREFIX/` names it, with the scan's defaults.
func (job) ForObject(input, outputPrefix string) (fanout.Request, error) {
	r := Request{Input: input, Output: SidecarName(outputPrefix, input), InlineThreshold: DefaultInlineThreshold}
	if err := r.validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// classify wraps a scan error as a fanout.InputError (the input is not a
// file the scanner can reference as asked: corrupt, unsupported, of an
// unknown format, missing, not permitted) or a fanout.RetryableError.
func classify(input string, err error) error {
	var fe *format.Error
	var ue *format.UnsupportedError
	var te *format.TruncatedError
	var ke *UnknownFormatError
	var se *blob.SchemeError
	var re *blob.RangeError
	switch {
	case errors.As(err, &fe), errors.As(err, &ue), errors.As(err, &te), errors.As(err, &ke), errors.As(err, &se), errors.As(err, &re),
		errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return &fanout.InputError{Input: input, Err: err}
	}
	return &fanout.RetryableError{Input: input, Err: err}
}
