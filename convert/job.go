package convert

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
)

// JobName is the csv2parquet job's name in fanout's registry and in
// Lambda events.
const JobName = "csv2parquet"

func init() { fanout.Register(JobName, job{}) }

// Request is one CSV input's conversion as fanout's executors run it, with
// convert csv2parquet's options (Output is the OUTPUT_PREFIX).
type Request struct {
	Input         string   `json:"input"`
	Output        string   `json:"output"`
	PartitionCols []string `json:"partition_cols,omitempty"`
	Header        bool     `json:"header,omitempty"`
	Columns       []string `json:"columns,omitempty"`
	Schema        string   `json:"schema,omitempty"`
	Compression   string   `json:"compression,omitempty"`
	MaxBadRows    int64    `json:"max_bad_rows,omitempty"`
}

func (Request) Job() string                      { return JobName }
func (r Request) Target() (input, output string) { return r.Input, r.Output }

func (r Request) LogStart() []any {
	return []any{"partition_cols", r.PartitionCols, "max_bad_rows", r.MaxBadRows}
}

func (r Request) LogDone(resp *fanout.Response) []any {
	s := resp.Stats
	return []any{"rows", s.Rows, "bad_rows", s.BadRows, "partitions", s.Partitions,
		"output_bytes", s.OutputBytes, "requests", s.Requests, "bytes", s.Bytes, "seconds", s.Seconds}
}

// validate checks the request's options; failures are InputErrors.
func (r Request) validate() error {
	if len(r.PartitionCols) == 0 {
		return &fanout.InputError{Input: r.Input, Err: errors.New("csv2parquet needs partition_cols")}
	}
	if _, err := r.options(); err != nil {
		return &fanout.InputError{Input: r.Input, Err: err}
	}
	return nil
}

// options are the request's Options; the other options keep Convert's
// defaults.
func (r Request) options() (Options, error) {
	opts := Options{
		PartitionBy: r.PartitionCols,
		Header:      r.Header,
		Columns:     r.Columns,
		Compression: r.Compression,
		MaxBadRows:  r.MaxBadRows,
	}
	if opts.Compression == "" {
		opts.Compression = "zstd"
	}
	if _, err := Codec(opts.Compression); err != nil {
		return opts, fmt.Errorf("compression: %w", err)
	}
	if r.Schema != "" {
		schema, err := ParseSchema(r.Schema)
		if err != nil {
			return opts, fmt.Errorf("schema: %w", err)
		}
		opts.Schema = schema
	}
	if !opts.Header && opts.Columns == nil && opts.Schema == nil {
		return opts, errors.New("csv2parquet needs the column names: header, columns or a schema of every column")
	}
	if opts.MaxBadRows < -1 {
		return opts, fmt.Errorf("max_bad_rows must be -1 (no limit) or more, not %d", opts.MaxBadRows)
	}
	return opts, nil
}

// Run converts the CSV at Input (a local path, s3:// or http(s):// URL,
// read front to back) into the dataset at Output (a local directory or an
// s3:// prefix), as convert csv2parquet does. A failure leaves no file of
// the input behind. An *InputError (more bad rows than MaxBadRows, a
// missing input, a bad request) will fail again, a *RetryableError may
// not.
func (r Request) Run(ctx context.Context, _ io.Writer) (*fanout.Response, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	opts, err := r.options()
	if err != nil {
		return nil, &fanout.InputError{Input: r.Input, Err: err}
	}
	start := time.Now()
	in, err := blob.Open(ctx, r.Input)
	if err != nil {
		return nil, classify(r.Input, err)
	}
	defer in.Close()
	stream := blob.NewSequentialReader(ctx, in, in.Size(), blob.DefaultSequentialChunk, blob.DefaultSequentialAhead)
	defer stream.Close()
	res, err := Convert(ctx, stream, FileName(r.Input), blob.NewTree(r.Output, ""), opts)
	if err != nil {
		return nil, classify(r.Input, err)
	}
	resp := &fanout.Response{
		StatusCode: 200,
		Input:      r.Input,
		Output:     r.Output,
		Stats: fanout.Stats{
			Rows:       res.Rows,
			BadRows:    res.BadRows,
			Partitions: len(res.Partitions),
			Files:      len(res.Partitions),
			Counts:     blob.StatsOf(in).Counts(),
			Seconds:    time.Since(start).Seconds(),
		},
	}
	for _, p := range res.Partitions {
		resp.Stats.OutputBytes += p.Bytes
	}
	for _, b := range res.FirstBadRows {
		resp.BadRows = append(resp.BadRows, b.String())
	}
	for _, name := range res.Removed {
		resp.Notes = append(resp.Notes, fmt.Sprintf("removed %s, left by an earlier conversion of %s in a partition it no longer has", name, r.Input))
	}
	resp.Stats.Notes = len(resp.Notes)
	resp.Body = fmt.Sprintf("converted %s -> %s: %d rows, %d partitions, %d bad rows",
		r.Input, r.Output, res.Rows, len(res.Partitions), res.BadRows)
	return resp, nil
}

// job decodes csv2parquet requests for fanout.
type job struct{}

func (job) Fields() []string {
	return []string{"partition_cols", "header", "columns", "schema", "compression", "max_bad_rows"}
}

func (job) Decode(input, output string, opts []byte) (fanout.Request, error) {
	r := Request{Input: input, Output: output}
	dec := json.NewDecoder(bytes.NewReader(opts))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, &fanout.InputError{Input: input, Err: fmt.Errorf("bad event: %w", err)}
	}
	r.Input, r.Output = input, output
	if err := r.validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// classify wraps a conversion error: too many bad rows, CSV or options
// that do not fit (DataError), an unknown scheme, a missing or forbidden
// input are fanout.InputErrors, which are not retried.
func classify(input string, err error) error {
	var be *BadRowsError
	var de *DataError
	var se *blob.SchemeError
	if errors.As(err, &be) || errors.As(err, &de) || errors.As(err, &se) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return &fanout.InputError{Input: input, Err: err}
	}
	return &fanout.RetryableError{Input: input, Err: err}
}
