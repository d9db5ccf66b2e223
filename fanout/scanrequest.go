package fanout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"gokerchunk/blob"
	"gokerchunk/hdf5scan"
	"gokerchunk/scan"
)

// The jobs the executors and the Lambda function run: JobScan (the
// default) writes one input's kerchunk sidecar, JobCSV2Parquet converts one
// CSV input into a partitioned Parquet dataset (convert csv2parquet).
const (
	JobScan        = "scan"
	JobCSV2Parquet = "csv2parquet"
)

// DefaultInlineThreshold is kerchunk's: chunks under 500 bytes go inline.
const DefaultInlineThreshold = 500

// ScanRequest is one input's job (a scan unless Job says otherwise): what
// the local executor runs and what the Lambda executor sends as the
// invocation's event (see DecodeEvent for the shapes the function
// accepts).
type ScanRequest struct {
	Job             string `json:"job,omitempty"`
	Input           string `json:"input"`
	Output          string `json:"output"`
	InlineThreshold int    `json:"inline_threshold"`
	// OnUnsupported is error (the default), skip or inline, as scan's
	// --on-unsupported.
	OnUnsupported scan.OnUnsupported `json:"on_unsupported,omitempty"`

	// The csv2parquet job's options, as convert csv2parquet's flags
	// (Output is the OUTPUT_PREFIX). A scan has none of them.
	PartitionCols []string `json:"partition_cols,omitempty"`
	Header        bool     `json:"header,omitempty"`
	Columns       []string `json:"columns,omitempty"`
	Schema        string   `json:"schema,omitempty"`
	Compression   string   `json:"compression,omitempty"`
	MaxBadRows    int64    `json:"max_bad_rows,omitempty"`
}

// ScanResponse is what one successful scan reports, locally or as the
// Lambda function's result. StatusCode and Body follow the API Gateway
// convention so that the function can also sit behind a function URL.
type ScanResponse struct {
	StatusCode int    `json:"statusCode"`
	Body       string `json:"body"`
	Input      string `json:"input"`
	Output     string `json:"output"`
	// Skipped and Notes are the scanner's messages, each naming the input;
	// BadRows the first bad rows a conversion dropped ("line N: reason").
	Skipped []string  `json:"skipped,omitempty"`
	BadRows []string  `json:"bad_rows,omitempty"`
	Notes   []string  `json:"notes,omitempty"`
	Stats   ScanStats `json:"stats"`
}

// ScanStats counts what one job produced and cost: a scan's arrays to
// notes, a conversion's rows to output bytes.
type ScanStats struct {
	Arrays  int `json:"arrays"`
	Chunks  int `json:"chunks"`
	Inlined int `json:"inlined"`
	Skipped int `json:"skipped"`
	Notes   int `json:"notes"`
	// Rows and BadRows are the rows written and dropped; Partitions the
	// partition directories written, Files the files (one per partition)
	// and OutputBytes their size.
	Rows        int64 `json:"rows,omitempty"`
	BadRows     int64 `json:"bad_rows,omitempty"`
	Partitions  int   `json:"partitions,omitempty"`
	Files       int   `json:"files,omitempty"`
	OutputBytes int64 `json:"output_bytes,omitempty"`
	// Counts are the input reader's: reads and the bytes they returned,
	// and for remote inputs the requests, bytes fetched, retries and
	// sequential round trips they cost.
	blob.Counts
	Seconds float64 `json:"seconds"`
}

// validate checks a request's fields, as the function must before it
// touches the input; failures are InputErrors.
func (r *ScanRequest) validate() error {
	if r.Job == "" {
		r.Job = JobScan
	}
	if r.Job != JobScan && r.Job != JobCSV2Parquet {
		return &InputError{Input: r.Input, Err: fmt.Errorf("unknown job %q (this function runs %q and %q)", r.Job, JobScan, JobCSV2Parquet)}
	}
	if r.Input == "" {
		return &InputError{Err: errors.New("the event names no input (\"input\" or \"input_path\")")}
	}
	if r.Output == "" {
		return &InputError{Input: r.Input, Err: errors.New("the event names no output (\"output\" or \"output_path\")")}
	}
	if r.Job == JobCSV2Parquet {
		return r.validateCSV2Parquet()
	}
	if r.PartitionCols != nil || r.Header || r.Columns != nil || r.Schema != "" || r.Compression != "" || r.MaxBadRows != 0 {
		return &InputError{Input: r.Input, Err: errors.New("a scan takes no partition_cols, header, columns, schema, compression or max_bad_rows")}
	}
	if r.InlineThreshold < 0 {
		return &InputError{Input: r.Input, Err: fmt.Errorf("inline_threshold must be 0 or more, not %d", r.InlineThreshold)}
	}
	if r.OnUnsupported == "" {
		r.OnUnsupported = scan.UnsupportedError
	}
	if _, err := scan.ParseOnUnsupported(string(r.OnUnsupported)); err != nil {
		return &InputError{Input: r.Input, Err: fmt.Errorf("on_unsupported %w", err)}
	}
	return nil
}

// RunRequest runs one request of either job (Scan or CSV2Parquet).
func RunRequest(ctx context.Context, req ScanRequest, stdout io.Writer) (*ScanResponse, error) {
	if req.Job == JobCSV2Parquet {
		return CSV2Parquet(ctx, req)
	}
	return Scan(ctx, req, stdout)
}

// Scan runs one request: scans the input and writes its sidecar (stdout
// receives it when Output is "-"). Its errors are classified for the
// Lambda executor's retries: an *InputError will fail again, anything else
// (a *RetryableError) may pass on another attempt.
func Scan(ctx context.Context, req ScanRequest, stdout io.Writer) (*ScanResponse, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	var reads blob.Stats
	res, err := scan.File(ctx, req.Input, scan.FileOptions{
		Options: scan.Options{URL: req.Input, InlineThreshold: req.InlineThreshold, OnUnsupported: req.OnUnsupported},
		Output:  req.Output,
		Stdout:  stdout,
		Stats:   &reads,
	})
	if err != nil {
		return nil, classify(req.Input, err)
	}
	resp := &ScanResponse{
		StatusCode: 200,
		Input:      req.Input,
		Output:     req.Output,
		Notes:      res.Notes,
		Stats: ScanStats{
			Arrays:  res.Arrays,
			Chunks:  res.Chunks,
			Inlined: res.Inlined,
			Skipped: len(res.Skipped),
			Notes:   len(res.Notes),
			Counts:  reads.Counts(),
			Seconds: time.Since(start).Seconds(),
		},
	}
	for _, s := range res.Skipped {
		resp.Skipped = append(resp.Skipped, s.Error())
	}
	resp.Body = fmt.Sprintf("scanned %s -> %s: %d arrays, %d chunks (%d inline), %d skipped",
		req.Input, req.Output, res.Arrays, res.Chunks, res.Inlined, len(res.Skipped))
	return resp, nil
}

// InputError is a failure that another attempt would repeat: the input
// is not a file the scanner can reference as asked (corrupt, unsupported,
// missing, not permitted) or the request itself is wrong. Its name is the
// errorType the Lambda function reports, which tells the executor not to
// retry.
type InputError struct {
	Input string
	Err   error
}

func (e *InputError) Error() string { return nameInput(e.Input, e.Err) }
func (e *InputError) Unwrap() error { return e.Err }

// RetryableError is any other failure of a scan (writing the output, a
// read that failed on the way, the function's deadline): another attempt
// may succeed.
type RetryableError struct {
	Input string
	Err   error
}

func (e *RetryableError) Error() string { return nameInput(e.Input, e.Err) }
func (e *RetryableError) Unwrap() error { return e.Err }

// errorTypeInput is InputError's name as aws-lambda-go reports it in
// errorType (the error's type name).
const errorTypeInput = "InputError"

// classify wraps a scan error as an InputError or a RetryableError.
func classify(input string, err error) error {
	var fe *hdf5scan.FormatError
	var ue *hdf5scan.UnsupportedError
	var se *blob.SchemeError
	var re *blob.RangeError
	var ke *scan.UnknownFormatError
	switch {
	case errors.As(err, &fe), errors.As(err, &ue), errors.As(err, &se), errors.As(err, &re), errors.As(err, &ke),
		errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return &InputError{Input: input, Err: err}
	}
	return &RetryableError{Input: input, Err: err}
}

// nameInput makes sure a message names the input, once.
func nameInput(input string, err error) string {
	msg := err.Error()
	if input == "" || strings.Contains(msg, input) {
		return msg
	}
	return input + ": " + msg
}
