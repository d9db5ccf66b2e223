package scan

import (
	"context"
	"fmt"
	"io"
	"os"

	"gokerchunk/blob"
	"gokerchunk/format"
	"gokerchunk/refs"
	"gokerchunk/refs/refio"
)

// FileOptions configure File.
type FileOptions struct {
	Options
	// Output is where the sidecar JSON goes: a path or s3:// URL, "-" for
	// Stdout, or "" to write nothing (the result's Set is still returned).
	Output string
	Stdout io.Writer
	// Stats, when not nil, receives the counters of the input's reader
	// (requests, bytes, retries), also when the scan fails.
	Stats *blob.Stats
	// Retarget, when not nil, rewrites the set's targets before it is
	// written (and in the returned Set); a target it leaves alone is a
	// note of the result.
	Retarget *refs.Retarget
	// Templates writes the sidecar with kerchunk templates
	// (refs.JSONOptions).
	Templates bool
}

// File scans one input: opens url through blob, recognises its format
// (Detect), runs the format's parser and, if asked, writes the kerchunk
// JSON sidecar. The output is written atomically (a local temporary file
// renamed, or one S3 PutObject), so a failed scan never leaves a partial
// sidecar.
func File(ctx context.Context, url string, opts FileOptions) (*format.Result, error) {
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
	p := newProbe(r)
	f, err := Detect(p.reader(), r.Size(), url)
	if err != nil {
		return nil, err
	}
	p.replay()
	res, err := f.Scan(ctx, p.reader(), r.Size(), url, opts.Options)
	if err != nil {
		return nil, err
	}
	if err := opts.OnUnsupported.check(url, res); err != nil {
		return nil, err
	}
	if opts.Retarget != nil {
		for _, u := range opts.Retarget.Apply(res.Set).Unmatched {
			res.Notes = append(res.Notes, fmt.Sprintf("target %s matches no --target-prefix OLD: its references keep it", u))
		}
	}
	enc := refio.Encoding{Format: refio.JSON, Templates: opts.Templates}
	switch opts.Output {
	case "":
	case "-":
		w := opts.Stdout
		if w == nil {
			w = os.Stdout
		}
		if err := refs.WriteJSONOptions(w, res.Set, refs.JSONOptions{Templates: enc.Templates}); err != nil {
			return nil, fmt.Errorf("write JSON for %s: %w", url, err)
		}
	default:
		if err := enc.Write(ctx, opts.Output, res.Set); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// Inspect describes the groups and variables of the input at url, in
// whichever format it is (`gokerchunk info`).
func Inspect(ctx context.Context, url string) (*format.Info, error) {
	r, err := blob.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	p := newProbe(r)
	f, err := Detect(p.reader(), r.Size(), url)
	if err != nil {
		return nil, err
	}
	p.replay()
	return f.Inspect(ctx, p.reader(), r.Size(), url)
}
