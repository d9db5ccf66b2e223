package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"gokerchunk/blob"
	"gokerchunk/combine"
	"gokerchunk/fanout"
	"gokerchunk/hdf5scan"
	"gokerchunk/refs"
	"gokerchunk/scan"
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
input, and _manifest.json: the outputs written and the inputs that failed,
with the reason and the attempts made. Outputs are written atomically (a
temporary file renamed, or one S3 PutObject): a failed scan leaves no
partial file.

--executor lambda scans each input in its own invocation of the AWS Lambda
function --function (cmd/gokerchunk-lambda), --concurrency at once; -o is
then always a directory or an S3 prefix. Throttled calls
(TooManyRequestsException) are retried with exponential backoff and jitter;
5xx answers, lost connections and function errors other than InputError (a
file that cannot be scanned) are retried up to 3 attempts. Credentials and
region come from the standard AWS environment and config files. The exit
status is 1 if any input failed.

--combine OUT then combines the sidecars along time, as "gokerchunk combine
-o OUT" with its defaults, when every input succeeded.

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
         bitshuffle, n-bit, scale-offset and szip, chunks stored with another
         filter mask, narrow integers, embedded strings) are inlined
         whatever their size; by default that is done only up to 16 MiB
         of decoded data per variable
Whatever is deliberately not turned into an array or attribute (hard links
seen twice, soft and external links, empty datasets) is listed as "note:".`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "output file, - for standard output, or a directory for several inputs (always a directory with --executor lambda)"},
			&cli.IntFlag{Name: "inline-threshold", Value: scan.DefaultInlineThreshold, Usage: "inline chunks smaller than this many bytes in the JSON (0: never)"},
			&cli.StringFlag{Name: "executor", Value: "local", Usage: "where the files are scanned: local (this process) or lambda (one AWS Lambda invocation per file)"},
			&cli.IntFlag{Name: "concurrency", Aliases: []string{"workers"}, Usage: "files scanned at once (default: all CPUs locally, " + strconv.Itoa(defaultLambdaConcurrency) + " on Lambda)"},
			&cli.StringFlag{Name: "function", Value: "gokerchunk", Usage: "the Lambda function (name or ARN) running gokerchunk-lambda, for --executor lambda"},
			&cli.StringFlag{Name: "lambda-endpoint", Usage: "the Lambda API endpoint URL, for --executor lambda (default: AWS's, or AWS_ENDPOINT_URL_LAMBDA)"},
			&cli.StringFlag{Name: "combine", Usage: "then combine the sidecars along time into this JSON file or Parquet directory (as gokerchunk combine -o OUT)"},
			&cli.StringFlag{Name: "on-unsupported", Value: "error", Usage: "what to do with a variable that cannot be represented: error, skip or inline"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress and no summary"},
			&cli.BoolFlag{Name: "stats", Usage: "print the requests, bytes, retries and wall time of each input and in total"},
			s3PathStyleFlag(),
		},
		Action: runScan,
	}
}

// defaultLambdaConcurrency is the Lambda executor's default: well under
// an account's usual 1000 concurrent executions, which other functions
// share.
const defaultLambdaConcurrency = 64

func runScan(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("scan needs at least one INPUT (see gokerchunk scan --help)")
	}
	configureBlob(c)
	inputs, err := blob.Expand(c.Context, c.Args().Slice(), inputExtensions)
	if err != nil {
		return expandError(err)
	}
	policy, err := scan.ParseOnUnsupported(c.String("on-unsupported"))
	if err != nil {
		return usagef("--on-unsupported %w", err)
	}
	if c.Int("inline-threshold") < 0 {
		return usagef("--inline-threshold must be 0 or more")
	}
	executor := c.String("executor")
	concurrency := c.Int("concurrency")
	switch {
	case executor != "local" && executor != "lambda":
		return usagef("--executor must be local or lambda, not %q", executor)
	case concurrency < 0:
		return usagef("--concurrency must be 1 or more")
	case concurrency == 0 && executor == "lambda":
		concurrency = defaultLambdaConcurrency
	case concurrency == 0:
		concurrency = runtime.NumCPU()
	}
	for _, name := range []string{"function", "lambda-endpoint"} {
		if c.IsSet(name) && executor != "lambda" {
			return usagef("--%s needs --executor lambda", name)
		}
	}

	// One input writes the file -o names (or standard output); several,
	// or any number on Lambda, write <dir>/<input name>.json and the run's
	// manifest beside them.
	out := c.String("output")
	dir := ""
	outputs := map[string]string{}
	if len(inputs) == 1 && executor == "local" && !isDirOutput(out) {
		if out == "" {
			out = "-"
		}
		outputs[inputs[0]] = out
	} else {
		switch {
		case out == "" || out == "-":
			if executor == "lambda" {
				return usagef("--executor lambda: -o must name a directory or an S3 prefix for the sidecars")
			}
			return usagef("%d inputs: -o must name a directory or an S3 prefix for the sidecars", len(inputs))
		case blob.IsS3(out):
		case blob.IsRemote(out):
			return usagef("-o %s: outputs go to local paths or s3://", out)
		}
		dir = out
		if outputs, err = sidecarNames(inputs, dir); err != nil {
			return err
		}
	}
	combineOut := c.String("combine")
	if combineOut != "" && out == "-" {
		return usagef("--combine needs the sidecars written to files (-o)")
	}
	if dir != "" && !blob.IsS3(dir) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}

	var ex fanout.Executor = fanout.LocalExecutor{Stdout: c.App.Writer}
	function := ""
	isLocal := func(u string) bool { return !blob.IsRemote(u) }
	if executor == "lambda" && (isLocal(dir) || slices.ContainsFunc(inputs, isLocal)) {
		// Allowed, for a function running on this machine (the Lambda
		// emulator); on AWS its local files are its own and are lost.
		fmt.Fprintln(c.App.ErrWriter, "note: --executor lambda with local paths: the function reads and writes them where it runs; on AWS, give s3:// inputs and -o s3://prefix/")
	}
	if executor == "lambda" {
		client, err := fanout.NewLambdaClient(c.Context, c.String("lambda-endpoint"))
		if err != nil {
			return err
		}
		function = c.String("function")
		ex = &fanout.LambdaExecutor{Client: client, Function: function, Retry: fanout.DefaultRetryPolicy}
	}
	reqs := make([]fanout.Request, len(inputs))
	for i, in := range inputs {
		reqs[i] = scan.Request{Input: in, Output: outputs[in], InlineThreshold: c.Int("inline-threshold"), OnUnsupported: policy}
	}

	stderr := c.App.ErrWriter
	quiet := c.Bool("quiet")
	showProgress := !quiet && len(inputs) > 1 && isTerminal(os.Stderr)
	start := time.Now()
	results := fanout.RunJobs(c.Context, ex, reqs, concurrency, jobProgress(stderr, "scanned", quiet, showProgress))
	if showProgress {
		fmt.Fprintln(stderr)
	}

	var arrays, chunks, inlined, failed, skipped, attempts, retries, throttles int
	var sidecars []string
	for _, r := range results {
		attempts += r.Attempts
		retries += max(r.Attempts-1, 0)
		throttles += r.Throttles
		if r.Err != nil {
			failed++
			fmt.Fprintf(stderr, "error: %s\n", describeError(r.Input, r.Err))
			continue
		}
		sidecars = append(sidecars, r.Output)
		st := r.Response.Stats
		arrays += st.Arrays
		chunks += st.Chunks
		inlined += st.Inlined
		for _, s := range r.Response.Skipped {
			skipped++
			fmt.Fprintf(stderr, "skipped: %s\n", s)
		}
		for _, n := range r.Response.Notes {
			fmt.Fprintf(stderr, "note: %s: %s\n", r.Input, n)
		}
	}
	manifest := ""
	if dir != "" {
		manifest = joinOutput(dir, fanout.ManifestName)
		if err := fanout.NewManifest(ex.Name(), function, start, results).Write(c.Context, manifest); err != nil {
			return err
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
		if executor == "lambda" {
			summary += fmt.Sprintf(", on Lambda %s: %s, %s, %d throttled", function,
				plural(attempts, "invocation"), plural(retries, "retry"), throttles)
		}
		summary += fmt.Sprintf(" in %.2fs", time.Since(start).Seconds())
		if manifest != "" {
			summary += "; manifest " + manifest
		}
		fmt.Fprintln(stderr, summary)
	}
	if c.Bool("stats") {
		writeCosts(stderr, results, time.Since(start))
	}
	if failed > 0 {
		if combineOut != "" {
			fmt.Fprintf(stderr, "error: not combining into %s: %s failed\n", combineOut, plural(failed, "input"))
		}
		return failure{}
	}
	if combineOut != "" {
		r := &combineRun{
			opts: combine.Options{ConcatDim: "time", Workers: runtime.NumCPU()},
			out:  combineOut, format: formatOf(combineOut), recordSize: refs.DefaultRecordSize,
			policy: policy, quiet: quiet, stderr: stderr,
		}
		return r.run(c.Context, sidecars)
	}
	return nil
}

// describeError names the file in every error, once.
func describeError(input string, err error) string {
	var fe *hdf5scan.FormatError
	var ue *hdf5scan.UnsupportedError
	var ke *scan.UnknownFormatError
	msg := err.Error()
	if errors.As(err, &fe) || errors.As(err, &ue) || errors.As(err, &ke) || strings.Contains(msg, input) {
		return msg
	}
	return input + ": " + msg
}

// writeCosts prints the --stats lines: one per input, then the total.
func writeCosts(w io.Writer, results []fanout.JobResult, wall time.Duration) {
	var total blob.Counts
	var sum float64
	for _, r := range results {
		var st fanout.Stats
		if r.Response != nil {
			st = r.Response.Stats
		}
		total = total.Plus(st.Counts)
		sum += st.Seconds
		fmt.Fprintf(w, "stats: %s: %s in %.3fs\n", r.Input, describeCounts(st.Counts), st.Seconds)
	}
	fmt.Fprintf(w, "stats: total: %s: %s; %.3fs of scanning in %.3fs wall time\n",
		plural(len(results), "input"), describeCounts(total), sum, wall.Seconds())
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

// jobProgress reports a fan-out run: each retry (not throttles) as a line,
// and on a terminal a progress line "<verb> done/total files".
func jobProgress(stderr io.Writer, verb string, quiet, showProgress bool) func(fanout.Progress) {
	return func(p fanout.Progress) {
		if r := p.Retry; r != nil && !r.Throttled && !quiet {
			if showProgress {
				fmt.Fprint(stderr, "\r\x1b[K")
			}
			fmt.Fprintf(stderr, "retry: %s: attempt %d failed, again in %.1fs: %v\n", r.Input, r.Attempt, r.Delay.Seconds(), r.Err)
		}
		if showProgress {
			fmt.Fprintf(stderr, "\r%s %d/%d files", verb, p.Done, p.Total)
			if p.Failed > 0 {
				fmt.Fprintf(stderr, ", %d failed", p.Failed)
			}
			if p.Retries+p.Throttles > 0 {
				fmt.Fprintf(stderr, " (%s, %d throttled)", plural(p.Retries, "retry"), p.Throttles)
			}
		}
	}
}
