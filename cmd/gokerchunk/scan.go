package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"gokerchunk/blob"
	"gokerchunk/fanout"
	"gokerchunk/hdf5scan"
)

func scanCommand() *cli.Command {
	return &cli.Command{
		Name:      "scan",
		Usage:     "write a kerchunk reference JSON for each NetCDF-4/HDF5 input",
		ArgsUsage: "INPUT...",
		Description: `INPUT is a file, a directory (every .nc, .nc4, .h5, .hdf5, .he5 and .hdf file
below it) or a glob pattern; or s3://bucket/key, an S3 prefix
(s3://bucket/dir/: every object below it with those extensions, all listing
pages), an S3 glob (s3://bucket/dir/*.nc; a "**" segment matches any number
of segments) or an http(s):// URL, mixed with local inputs as you like.
References name each input by its absolute path or its URL.

Remote inputs are read with ranged GETs through a block cache: the open
fetches the file's head (1 MiB) with its size, which usually holds all the
metadata, and each further miss costs one GET. Throttling, 5xx answers,
resets and truncated bodies are retried with backoff. S3 credentials,
region and endpoint come from the usual AWS environment variables
(AWS_REGION, AWS_ENDPOINT_URL_S3, AWS_PROFILE, ...) and ~/.aws files;
GOKERCHUNK_S3_ANONYMOUS=1 reads public buckets without credentials.

With one input, -o names the output file ("-" or no -o: standard output).
With several, or when -o ends in "/", -o names a directory (or an S3
prefix, s3://bucket/out/) that receives <input file name>.json for each
input. Outputs are written atomically (a temporary file renamed, or one S3
PutObject): a failed scan leaves no partial file.

--stats prints, per input and in total, the requests and bytes it cost,
the retries and the wall time.

Variables that cannot be referenced as stored are handled by --on-unsupported:
  error  (default) the file fails with an error naming the variable and why;
         in a batch the other files are still scanned and the summary counts
         the failures
  skip   the variable is left out and listed on standard error ("skipped:")
         and in the summary
  inline like skip, but variables whose chunks this tool can decode (filters
         without a numcodecs equivalent such as HDF5's lz4, lzf,
         bitshuffle, n-bit and scale-offset, chunks stored with another
         filter mask, narrow integers, embedded strings) are inlined
         whatever their size; by default that is done only up to 16 MiB
         of decoded data per variable
Whatever is deliberately not turned into an array or attribute (hard links
seen twice, soft and external links, empty datasets) is listed as "note:".`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "output file, - for standard output, or a directory for several inputs"},
			&cli.IntFlag{Name: "inline-threshold", Value: 500, Usage: "inline chunks smaller than this many bytes in the JSON (0: never)"},
			&cli.IntFlag{Name: "workers", Value: runtime.NumCPU(), Usage: "files scanned in parallel"},
			&cli.StringFlag{Name: "on-unsupported", Value: "error", Usage: "what to do with a variable that cannot be represented: error, skip or inline"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress and no summary"},
			&cli.BoolFlag{Name: "stats", Usage: "print the requests, bytes, retries and wall time of each input and in total"},
			s3PathStyleFlag(),
		},
		Action: runScan,
	}
}

func runScan(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("scan needs at least one INPUT (see gokerchunk scan --help)")
	}
	configureBlob(c)
	inputs, err := blob.Expand(c.Context, c.Args().Slice(), inputExtensions)
	if err != nil {
		return expandError(err)
	}
	policy := c.String("on-unsupported")
	var maxDecodedInline int64 // 0: the scanner's default
	switch policy {
	case "error", "skip":
	case "inline":
		maxDecodedInline = inlineUnlimited
	default:
		return usagef("--on-unsupported must be error, skip or inline, not %q", policy)
	}
	if c.Int("inline-threshold") < 0 {
		return usagef("--inline-threshold must be 0 or more")
	}
	out := c.String("output")
	outputs := map[string]string{}
	if len(inputs) == 1 && !isDirOutput(out) {
		if out == "" {
			out = "-"
		}
		outputs[inputs[0]] = out
	} else {
		switch {
		case out == "" || out == "-":
			return usagef("%d inputs: -o must name a directory or an S3 prefix for the sidecars", len(inputs))
		case isS3(out):
		case isRemote(out):
			return usagef("-o %s: outputs go to local paths or s3://", out)
		default:
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
		}
		if outputs, err = sidecarNames(inputs, out); err != nil {
			return err
		}
	}

	stderr := c.App.ErrWriter
	quiet := c.Bool("quiet")
	showProgress := !quiet && len(inputs) > 1 && isTerminal(os.Stderr)
	start := time.Now()
	// One entry per input, each written by the job of its input only.
	costs := make(map[string]*inputCost, len(inputs))
	for _, in := range inputs {
		costs[in] = &inputCost{}
	}
	job := func(ctx context.Context, in string) (*hdf5scan.Result, error) {
		cost := costs[in]
		t0 := time.Now()
		defer func() { cost.wall = time.Since(t0) }()
		return fanout.ScanFile(ctx, in, fanout.ScanOptions{
			Options: hdf5scan.Options{
				URL:              in,
				InlineThreshold:  c.Int("inline-threshold"),
				SkipUnsupported:  policy != "error",
				MaxDecodedInline: maxDecodedInline,
			},
			Output: outputs[in],
			Stdout: c.App.Writer,
			Stats:  &cost.stats,
		})
	}
	progress := func(done int) {
		if showProgress {
			fmt.Fprintf(stderr, "\rscanned %d/%d files", done, len(inputs))
		}
	}
	outcomes := fanout.Run(c.Context, inputs, c.Int("workers"), job, progress)
	if showProgress {
		fmt.Fprintln(stderr)
	}

	var arrays, chunks, inlined, failed, skipped int
	for _, o := range outcomes {
		if o.Err != nil {
			failed++
			fmt.Fprintf(stderr, "error: %s\n", describeError(o.Input, o.Err))
			continue
		}
		arrays += o.Result.Arrays
		chunks += o.Result.Chunks
		inlined += o.Result.Inlined
		for _, s := range o.Result.Skipped {
			skipped++
			fmt.Fprintf(stderr, "skipped: %s\n", s)
		}
		for _, n := range o.Result.Notes {
			fmt.Fprintf(stderr, "note: %s: %s\n", o.Input, n)
		}
	}
	if !quiet {
		summary := fmt.Sprintf("scanned %s: %s, %s, %s",
			plural(len(inputs), "file"), plural(arrays, "variable"), plural(chunks, "chunk"), plural(failed, "error"))
		if inlined > 0 {
			summary += fmt.Sprintf(" (%d inline)", inlined)
		}
		if skipped > 0 {
			summary += ", " + plural(skipped, "skipped variable")
		}
		fmt.Fprintf(stderr, "%s in %.2fs\n", summary, time.Since(start).Seconds())
	}
	if c.Bool("stats") {
		writeCosts(stderr, inputs, costs, time.Since(start))
	}
	if failed > 0 {
		return failure{}
	}
	return nil
}

// inlineUnlimited is the decoded data --on-unsupported=inline lets one
// variable inline: bounded only so that a corrupt file cannot make the
// scanner allocate without end.
const inlineUnlimited = 1 << 30

// describeError names the file in every error, once.
func describeError(input string, err error) string {
	var fe *hdf5scan.FormatError
	var ue *hdf5scan.UnsupportedError
	msg := err.Error()
	if errors.As(err, &fe) || errors.As(err, &ue) || strings.Contains(msg, input) {
		return msg
	}
	return input + ": " + msg
}

// inputCost is what scanning one input took.
type inputCost struct {
	stats blob.Stats
	wall  time.Duration
}

// writeCosts prints the --stats lines: one per input, then the total.
func writeCosts(w io.Writer, inputs []string, costs map[string]*inputCost, wall time.Duration) {
	var total blob.Counts
	var sum time.Duration
	for _, in := range inputs {
		c := costs[in].stats.Counts()
		total = total.Plus(c)
		sum += costs[in].wall
		fmt.Fprintf(w, "stats: %s: %s in %.3fs\n", in, describeCounts(c), costs[in].wall.Seconds())
	}
	fmt.Fprintf(w, "stats: total: %s: %s; %.3fs of scanning in %.3fs wall time\n",
		plural(len(inputs), "input"), describeCounts(total), sum.Seconds(), wall.Seconds())
}

// describeCounts says what reads cost: requests for remote targets, reads
// for local ones.
func describeCounts(c blob.Counts) string {
	s := fmt.Sprintf("%s, %s read", plural(int(c.Reads), "read"), byteSize(c.Bytes))
	if c.Requests > 0 {
		s = fmt.Sprintf("%s (%s, %s), %s fetched, %s",
			plural(int(c.Requests), "request"), plural(int(c.RoundTrips), "round trip"), retries(c.Retries),
			byteSize(c.Fetched), s)
	}
	return s
}

func retries(n int64) string {
	if n == 1 {
		return "1 retry"
	}
	return fmt.Sprintf("%d retries", n)
}

// byteSize is n in B, KiB, MiB or GiB.
func byteSize(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
}
