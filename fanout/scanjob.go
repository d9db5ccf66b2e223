package fanout

import (
	"context"
	"fmt"
	"io"
	"os"

	"gokerchunk/blob"
	"gokerchunk/hdf5scan"
	"gokerchunk/refs"
)

// ScanOptions configure ScanFile.
type ScanOptions struct {
	hdf5scan.Options
	// Output is where the sidecar JSON goes: a path or s3:// URL, "-" for
	// Stdout, or "" to write nothing (the result's Set is still returned).
	Output string
	Stdout io.Writer
	// Stats, when not nil, receives the counters of the input's reader
	// (requests, bytes, retries), also when the scan fails.
	Stats *blob.Stats
}

// ScanFile scans one input and writes its kerchunk JSON sidecar. The
// output is written atomically (blob.WriteAtomic: a local temporary file
// renamed, or one S3 PutObject), so a failed scan never leaves a partial
// sidecar.
func ScanFile(ctx context.Context, url string, opts ScanOptions) (*hdf5scan.Result, error) {
	r, err := blob.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if opts.Stats != nil {
		defer func() { opts.Stats.Add(blob.StatsOf(r).Counts()) }()
	}
	if opts.URL == "" {
		opts.URL = url
	}
	res, err := hdf5scan.Scan(ctx, r, r.Size(), url, opts.Options)
	if err != nil {
		return nil, err
	}
	switch opts.Output {
	case "":
	case "-":
		w := opts.Stdout
		if w == nil {
			w = os.Stdout
		}
		if err := refs.WriteJSON(w, res.Set); err != nil {
			return nil, fmt.Errorf("write JSON for %s: %w", url, err)
		}
	default:
		if err := blob.WriteAtomic(ctx, opts.Output, func(w io.Writer) error { return refs.WriteJSON(w, res.Set) }); err != nil {
			return nil, err
		}
	}
	return res, nil
}
