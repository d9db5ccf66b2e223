package fanout

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"gokerchunk/blob"
	"gokerchunk/convert"
)

// validateCSV2Parquet checks a csv2parquet request's fields (Job, Input
// and Output are checked); failures are InputErrors.
func (r *ScanRequest) validateCSV2Parquet() error {
	bad := func(format string, args ...any) error {
		return &InputError{Input: r.Input, Err: fmt.Errorf(format, args...)}
	}
	if r.InlineThreshold != 0 || r.OnUnsupported != "" {
		return bad("csv2parquet takes no inline_threshold or on_unsupported")
	}
	if len(r.PartitionCols) == 0 {
		return bad("csv2parquet needs partition_cols")
	}
	if _, err := r.convertOptions(); err != nil {
		return bad("%v", err)
	}
	return nil
}

// convertOptions are the request's convert.Options; the other options keep
// convert's defaults.
func (r *ScanRequest) convertOptions() (convert.Options, error) {
	opts := convert.Options{
		PartitionBy: r.PartitionCols,
		Header:      r.Header,
		Columns:     r.Columns,
		Compression: r.Compression,
		MaxBadRows:  r.MaxBadRows,
	}
	if opts.Compression == "" {
		opts.Compression = "zstd"
	}
	if _, err := convert.Codec(opts.Compression); err != nil {
		return opts, fmt.Errorf("compression: %w", err)
	}
	if r.Schema != "" {
		schema, err := convert.ParseSchema(r.Schema)
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

// CSV2Parquet runs one csv2parquet request: converts the CSV at Input (a
// local path, s3:// or http(s):// URL, read front to back) into the
// dataset at Output (a local directory or an s3:// prefix), as convert
// csv2parquet does. A failure leaves no file of the input behind. Its
// errors are classified as Scan's: an *InputError (more bad rows than
// MaxBadRows, a missing input, a bad request) will fail again, a
// *RetryableError may not.
func CSV2Parquet(ctx context.Context, req ScanRequest) (*ScanResponse, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	opts, err := req.convertOptions()
	if err != nil {
		return nil, &InputError{Input: req.Input, Err: err}
	}
	start := time.Now()
	r, err := blob.Open(ctx, req.Input)
	if err != nil {
		return nil, classifyConvert(req.Input, err)
	}
	defer r.Close()
	stream := blob.NewSequentialReader(ctx, r, r.Size(), blob.DefaultSequentialChunk, blob.DefaultSequentialAhead)
	defer stream.Close()
	res, err := convert.Convert(ctx, stream, convert.FileName(req.Input), convert.NewOutput(req.Output, ""), opts)
	if err != nil {
		return nil, classifyConvert(req.Input, err)
	}
	resp := &ScanResponse{
		StatusCode: 200,
		Input:      req.Input,
		Output:     req.Output,
		Stats: ScanStats{
			Rows:       res.Rows,
			BadRows:    res.BadRows,
			Partitions: len(res.Partitions),
			Files:      len(res.Partitions),
			Counts:     blob.StatsOf(r).Counts(),
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
		resp.Notes = append(resp.Notes, fmt.Sprintf("removed %s, left by an earlier conversion of %s in a partition it no longer has", name, req.Input))
	}
	resp.Stats.Notes = len(resp.Notes)
	resp.Body = fmt.Sprintf("converted %s -> %s: %d rows, %d partitions, %d bad rows",
		req.Input, req.Output, res.Rows, len(res.Partitions), res.BadRows)
	return resp, nil
}

// classifyConvert wraps a conversion error: too many bad rows, CSV or
// options that do not fit (convert.DataError) and what classify calls an
// input's fault are InputErrors, which are not retried.
func classifyConvert(input string, err error) error {
	var be *convert.BadRowsError
	var de *convert.DataError
	var se *blob.SchemeError
	if errors.As(err, &be) || errors.As(err, &de) || errors.As(err, &se) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return &InputError{Input: input, Err: err}
	}
	return &RetryableError{Input: input, Err: err}
}
