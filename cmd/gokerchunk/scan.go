package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"gokerchunk/blob"
	"gokerchunk/combine"
	"gokerchunk/fanout"
	"gokerchunk/refs"
	"gokerchunk/scan"
)

func scanCommand() *cli.Command {
	return &cli.Command{
		Name:      "scan",
		Usage:     "write a kerchunk reference JSON for each NetCDF-4/HDF5 or netCDF-3 input",
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

-o OUT is a directory (or an S3 prefix, s3://bucket/out/) when OUT ends in
"/" or is an existing directory, when an INPUT is a directory, an S3 prefix
or a glob (even one giving a single file), when there is more than one
input, with --mirror, and with --executor lambda or http. Otherwise it is
the one input's output file ("-" or no -o: standard output). A directory
OUT that is an existing file, or whose name ends in .json, is a usage error,
as are several inputs to standard output. The directory is created and
tried (a file written and removed) before anything is scanned: if it
cannot be written to, the scan stops there (exit status 1).

The directory receives <input file name>.json for each input, and
_manifest.json: the outputs written and the inputs that failed, with the
reason and the attempts made. Two inputs with the same file name (the
year/month/data.nc layout) are refused unless --mirror is given (inputs
of an S3 listing as they are listed: the run stops at the clash, its
manifest left in progress): each
sidecar then goes to <OUT>/<the input's path below its INPUT
argument>.json, the argument being taken as
  a directory DIR:              below DIR (DIR/2020/01/data.nc -> OUT/2020/01/data.nc.json)
  a glob:                       below its leading segments without * ? [
                                (data/*/*/*.nc: below data)
  an S3 prefix s3://b/dir/:     below the prefix
  an S3 glob s3://b/dir/**/x.nc: below its leading literal segments (s3://b/dir/)
  a file, an S3 object or URL:  below its own directory (OUT/data.nc.json)

An S3 prefix or glob is listed page by page while the inputs already
listed are scanned: the first scan starts with the first page, and the
listing goes on only as fast as the workers take inputs, so memory follows
the workers, not the number of inputs. The progress bar counts the inputs
found so far until the listing ends. --concurrency defaults to the CPUs for
local files and to 32 per CPU (at least 32, at most 256) when an input is
on S3 or HTTP: those scans mostly wait for round trips (see the README's
measurements).

The manifest is written from the start and rewritten (atomically, marked
"in_progress") as inputs finish, at most every 2 seconds: a run that is
interrupted (Ctrl-C, SIGTERM, a kill, a crash) leaves one naming the
inputs it finished, and combine refuses the directory until a run
finishes. --resume then goes on from there: an input the manifest records
as done is skipped when its sidecar is there and its source is the same
version (the size, ETag and modification time the listing gives; a changed
file is scanned again); the summary counts those skipped. Give the same
INPUT arguments and options as the interrupted run: the sidecars come out
byte for byte as one uninterrupted run writes them.

Outputs are written atomically (a temporary file renamed, or one S3
PutObject): a failed scan leaves no partial file. When an input fails, the
sidecar an earlier run left for it in the directory is removed (and listed
as "removed:"), so that the directory holds this run's sidecars only, and
the manifest lists the input as failed: "gokerchunk combine OUT/" then
refuses the directory, naming the failed inputs (see combine --help).

--executor lambda scans each input in its own invocation of the AWS Lambda
function --function (cmd/gokerchunk-lambda), --concurrency at once; -o is
then always a directory or an S3 prefix. Throttled calls
(TooManyRequestsException) are retried with exponential backoff and jitter;
5xx answers, lost connections and function errors other than InputError (a
file that cannot be scanned) are retried up to 3 attempts. Credentials and
region come from the standard AWS environment and config files. The exit
status is 1 if any input failed.

--executor http does the same over servers running "gokerchunk serve"
(on Modal, Cloud Run, or your own machines): each input is one POST to
the least loaded of --endpoint URL[,URL...], 4 per endpoint at once by
default. A lost connection or a 5xx answer is retried on another endpoint
(up to 3 attempts, with backoff), 429 as a throttle; 400 (the input cannot
be scanned) and 401 (the token is wrong) are not retried. --token-file F
sends the token F holds (Authorization: Bearer); with MODAL_KEY and
MODAL_SECRET set, Modal's proxy-auth headers (Modal-Key, Modal-Secret)
go too. The servers read the inputs and write the sidecars themselves:
give s3:// URLs unless they share this machine's files.

    gokerchunk scan --executor http --endpoint https://a.example,https://b.example \
        --token-file ~/.gokerchunk-token -o s3://bucket/refs/ s3://bucket/data/

--combine OUT then combines the sidecars along time, as "gokerchunk combine
-o OUT" with its defaults, when every input succeeded.

--stats prints, per input and in total, the requests and bytes it cost,
the retries and the wall time.

Variables that cannot be referenced as stored are handled by --on-unsupported:
  error  (default) the file fails with one error listing every such
         variable and why;
         in a batch the other files are still scanned and the summary counts
         the failures
  skip   the variable is left out and listed on standard error ("skipped:")
         and in the summary
  inline like skip, but variables whose chunks this tool can decode (filters
         without a numcodecs equivalent such as HDF5's lz4, lzf, lzo,
         bitshuffle, n-bit, scale-offset and szip, chunks stored with another
         filter mask, narrow integers, embedded strings) or must inline
         (zfp chunks, given the header numcodecs' zfpy codec reads) are
         inlined whatever their size; by default that is done only up to
         16 MiB of decoded (for zfp: inlined) data per variable
Whatever is deliberately not turned into an array or attribute (hard links
seen twice, soft and external links, empty datasets) is listed as "note:".

` + targetPrefixHelp + `
The rules travel with each job (--executor lambda and http apply them
too); a target that no OLD matches is listed as "note:". Scan local copies
and point the references at their home:

    gokerchunk scan --target-prefix /data/archive/=s3://bucket/archive/ -o refs/ /data/archive/`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "output file (- for standard output) for one file input; a directory or S3 prefix for several, for a directory, prefix or glob input, when it ends in / and with --executor lambda or http"},
			&cli.BoolFlag{Name: "mirror", Usage: "write each sidecar at its input's path below the INPUT argument that named it (OUT/2020/01/data.nc.json), not OUT/<file name>.json"},
			&cli.IntFlag{Name: "inline-threshold", Value: scan.DefaultInlineThreshold, Usage: "inline chunks smaller than this many bytes in the JSON (0: never)"},
			&cli.StringFlag{Name: "combine", Usage: "then combine the sidecars along time into this JSON file or Parquet directory (as gokerchunk combine -o OUT)"},
			&cli.StringFlag{Name: "on-unsupported", Value: "error", Usage: "what to do with a variable that cannot be represented: error, skip or inline"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only errors and skipped variables: no notes, progress, retries or summary"},
			&cli.BoolFlag{Name: "stats", Usage: "print the requests, bytes, retries and wall time of each input and in total"},
			&cli.BoolFlag{Name: "resume", Usage: "go on with an earlier run into the same -o directory: skip the inputs its manifest records as done whose sidecar is there and whose source has not changed (size, ETag, modification time)"},
			s3PathStyleFlag(),
			targetPrefixFlag(),
			templatesFlag(),
		}, executorFlags("scanned", "the CPUs for local files or 32 x CPUs (32 to 256) for remote ones")...),
		Action: runScan,
	}
}

// runScan: read the flags into a plan, run one scan job per input on
// the executor as the inputs are listed, record each outcome in the
// manifest as it comes, report them, summarise, and combine the sidecars
// when asked.
func runScan(c *cli.Context) error {
	plan, err := newScanPlan(c)
	if err != nil {
		return err
	}
	stderr := c.App.ErrWriter
	if !plan.quiet && plan.exec.remote() && (plan.dir != "" && !blob.IsRemote(plan.dir) || slices.ContainsFunc(plan.inputs, isLocal)) {
		// Allowed, for a function or servers running on this machine
		// (the Lambda emulator, local serve processes) or sharing its
		// file system; elsewhere their local files are their own.
		fmt.Fprintln(stderr, remoteLocalPathsNote(plan.exec))
	}
	ex, err := plan.exec.open(c.Context, c.App.Writer)
	if err != nil {
		return err
	}
	start := time.Now()
	log := &fanout.ManifestLog{Executor: ex.Name(), Function: plan.function(), Endpoints: plan.exec.endpoints, Started: start}
	if plan.dir != "" {
		log.URL = blob.Join(plan.dir, fanout.ManifestName)
	}
	done, err := plan.resumable(c.Context, stderr, log)
	if err != nil {
		return err
	}
	// The manifest is written (atomically, marked in progress) from the
	// start and as the outcomes come, so that an interrupted run leaves
	// one naming the inputs it finished; the last write completes it.
	// Writes outlive a cancelled run's context: they record it.
	keep := context.WithoutCancel(c.Context)
	if log.URL != "" {
		if _, err := log.Write(keep, false); err != nil {
			return err
		}
	}
	many := len(plan.inputs) > 1 || len(plan.lazy) > 0
	progress := newProgressView(stderr, "scanned", plan.quiet, many && isTerminal(os.Stderr))
	stopKeeping := log.Keep(keep)
	r := plan.run(c.Context, sourcedExecutor{Executor: ex, done: done}, progress, log)
	stopKeeping()
	progress.end()
	if r.err != nil || c.Context.Err() != nil {
		return plan.stopped(keep, stderr, log, r)
	}
	results := log.Results()
	t := reportScans(stderr, results, plan.quiet)
	manifest := ""
	if plan.dir != "" {
		removeStale(keep, stderr, results)
		manifest = log.URL
		if _, err := log.Write(keep, true); err != nil {
			return err
		}
	}
	if !plan.quiet {
		fmt.Fprintln(stderr, t.summary(plan, len(results), tallyAttempts(results), time.Since(start), manifest))
	}
	if c.Bool("stats") {
		writeCosts(stderr, results, time.Since(start))
	}
	if t.failed > 0 {
		if plan.combineOut != "" {
			fmt.Fprintf(stderr, "error: not combining into %s: %s failed\n", plan.combineOut, plural(t.failed, "input"))
		}
		return failure{}
	}
	if plan.combineOut != "" {
		r := &combineRun{
			opts: combine.Options{ConcatDim: "time", Workers: runtime.NumCPU()},
			out:  plan.combineOut, format: formatOf(plan.combineOut), recordSize: refs.DefaultRecordSize,
			policy: plan.policy, quiet: plan.quiet, stderr: stderr, templates: plan.templates,
		}
		return r.run(c.Context, t.sidecars)
	}
	return nil
}

// scanPlan is a scan command's flags and inputs, validated: what to scan,
// where each sidecar goes, and where the jobs run.
type scanPlan struct {
	known           []blob.Object     // the inputs known before the run, sorted
	inputs          []string          // their URLs
	lazy            []*blob.Listing   // the S3 listings that give the other inputs as the run goes
	outputs         map[string]string // sidecar of each known input
	namer           *sidecarNamer     // names the listed inputs' sidecars (nil without dir)
	dir             string            // the sidecars' directory or S3 prefix; "" for one output file
	exec            executorChoice
	policy          scan.OnUnsupported
	inlineThreshold int
	combineOut      string
	quiet           bool
	targetPrefix    []refs.PrefixRule // --target-prefix, applied by each job
	templates       bool
	mirror          bool
	resume          bool
}

func newScanPlan(c *cli.Context) (*scanPlan, error) {
	if c.NArg() == 0 {
		return nil, usagef("scan needs at least one INPUT (see gokerchunk scan --help)")
	}
	configureBlob(c)
	p := &scanPlan{inlineThreshold: c.Int("inline-threshold"), combineOut: c.String("combine"), quiet: c.Bool("quiet"),
		templates: c.Bool("templates"), mirror: c.Bool("mirror"), resume: c.Bool("resume")}
	var err error
	if p.targetPrefix, _, err = targetPrefixRules(c); err != nil {
		return nil, err
	}
	args, err := expandScanArgs(c.Context, c.Args().Slice())
	if err != nil {
		return nil, err
	}
	p.known, p.inputs, p.lazy = args.known, args.inputs, args.lazy
	if p.policy, err = scan.ParseOnUnsupported(c.String("on-unsupported")); err != nil {
		return nil, usagef("--on-unsupported %w", err)
	}
	if p.inlineThreshold < 0 {
		return nil, usagef("--inline-threshold must be 0 or more")
	}
	if p.exec, err = parseExecutor(c, defaultScanConcurrency(p.inputs, len(p.lazy) > 0)); err != nil {
		return nil, err
	}
	if err := p.placeOutputs(c.String("output"), args); err != nil {
		return nil, err
	}
	if p.resume && p.dir == "" {
		return nil, usagef("--resume needs -o DIR, the directory or S3 prefix an earlier run wrote its sidecars and manifest to")
	}
	if p.dir != "" {
		if err := prepareOutputDir(c.Context, p.dir, p.outputs); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// placeOutputs names each input's sidecar: the file -o names (or
// standard output) when dirOutputReason finds no reason for a directory,
// otherwise <dir>/<input name>.json (with --mirror, <dir>/<path below the
// argument>.json) and the run's manifest beside them. -o values that
// contradict the rule are usage errors.
func (p *scanPlan) placeOutputs(out string, a *scanArgs) error {
	why := p.dirOutputReason(out, a)
	if why == "" {
		if out == "" {
			out = "-"
		}
		if p.combineOut != "" && out == "-" {
			return usagef("--combine needs the sidecars written to files (-o)")
		}
		p.outputs = map[string]string{p.inputs[0]: out}
		return nil
	}
	switch {
	case out == "" || out == "-":
		return usagef("%s: -o must name a directory or an S3 prefix for the sidecars", why)
	case blob.IsS3(out):
	case blob.IsRemote(out):
		return usagef("-o %s: outputs go to local paths or s3://", out)
	default:
		if st, err := os.Stat(out); err == nil && !st.IsDir() {
			return usagef("-o %s is a file, but %s: -o must name a directory for the sidecars", out, why)
		}
	}
	if !strings.HasSuffix(out, "/") && strings.EqualFold(path.Ext(out), ".json") && !isDirOutput(out) {
		return usagef("-o %s names a file, but %s: -o must name a directory for the sidecars (%s/, say)", out, why, strings.TrimSuffix(out, path.Ext(out)))
	}
	p.dir = out
	var err error
	p.outputs, p.namer, err = sidecarNames(a, out, p.mirror)
	return err
}

// dirOutputReason says why -o is a directory, "" when it names the one
// input's file.
func (p *scanPlan) dirOutputReason(out string, a *scanArgs) string {
	switch {
	case p.exec.remote():
		return "--executor " + p.exec.kind
	case len(p.inputs) > 1 && len(p.lazy) == 0:
		return fmt.Sprintf("%d inputs", len(p.inputs))
	case a.collection != "":
		return "INPUT " + a.collection
	case p.mirror:
		return "--mirror"
	case isDirOutput(out):
		return "-o " + out + " is a directory"
	}
	return ""
}

// writeProbeName is the file written and removed in an output directory
// to learn, before any scan, that the sidecars can be written there.
const writeProbeName = ".gokerchunk-write-probe"

// prepareOutputDir makes a local output directory and the directories
// the sidecars go to below it, and tries writing a file there (in an S3
// prefix: an empty object, then deleted), so that a directory that
// cannot hold the outputs stops the run before any input is scanned.
func prepareOutputDir(ctx context.Context, dir string, outputs map[string]string) error {
	cannot := func(err error) error {
		return fmt.Errorf("-o %s: cannot write the sidecars there, nothing scanned: %w", dir, err)
	}
	if !blob.IsS3(dir) {
		made := map[string]bool{}
		for _, d := range append([]string{dir}, slices.Sorted(maps.Values(outputs))...) {
			if d != dir {
				d = filepath.Dir(d)
			}
			if made[d] {
				continue
			}
			made[d] = true
			if err := os.MkdirAll(d, 0o755); err != nil {
				return cannot(err)
			}
		}
	}
	probe := blob.Join(dir, writeProbeName)
	if err := blob.WriteAtomic(ctx, probe, func(io.Writer) error { return nil }); err != nil {
		return cannot(err)
	}
	if err := blob.Delete(ctx, probe); err != nil {
		return cannot(err)
	}
	return nil
}

// removeStale deletes the sidecar an earlier run left for each input
// that failed in this one, so that the directory holds this run's
// sidecars only and "combine OUT/" cannot read an outdated one.
func removeStale(ctx context.Context, stderr io.Writer, results []fanout.JobResult) {
	for _, r := range results {
		if r.Err == nil || r.Output == "" {
			continue
		}
		ok, err := blob.Exists(ctx, r.Output)
		if err == nil && ok {
			if err = blob.Delete(ctx, r.Output); err == nil {
				fmt.Fprintf(stderr, "removed: %s (an earlier run's sidecar of %s, which failed in this run)\n", r.Output, r.Input)
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "warning: an earlier run's sidecar of %s may remain at %s: %v\n", r.Input, r.Output, err)
		}
	}
}

// remoteLocalPathsNote warns that a remote executor reads and writes
// local paths where it runs.
func remoteLocalPathsNote(e executorChoice) string {
	if e.http() {
		return "note: --executor http with local paths: the servers read and write them where they run; unless they share this machine's files, give s3:// inputs and -o s3://prefix/"
	}
	return "note: --executor lambda with local paths: the function reads and writes them where it runs; on AWS, give s3:// inputs and -o s3://prefix/"
}

// function is the Lambda function the manifest names, "" locally.
func (p *scanPlan) function() string {
	if p.exec.lambda() {
		return p.exec.function
	}
	return ""
}

func isLocal(u string) bool { return !blob.IsRemote(u) }

// scanTally is what a scan run's outcomes add up to.
type scanTally struct {
	arrays, chunks, inlined, failed, skipped int
	resumed                                  int // kept from an earlier run (--resume)
	sidecars                                 []string
}

// reportScans prints each input's error, skipped variables and notes
// (unless quiet), and adds up the outcomes.
func reportScans(stderr io.Writer, results []fanout.JobResult, quiet bool) scanTally {
	var t scanTally
	for _, r := range results {
		if r.Err != nil {
			t.failed++
			fmt.Fprintf(stderr, "error: %s\n", describeError(r.Input, r.Err))
			continue
		}
		t.sidecars = append(t.sidecars, r.Output)
		if r.Resumed {
			t.resumed++
		}
		st := r.Response.Stats
		t.arrays += st.Arrays
		t.chunks += st.Chunks
		t.inlined += st.Inlined
		for _, s := range r.Response.Skipped {
			t.skipped++
			fmt.Fprintf(stderr, "skipped: %s\n", s)
		}
		for _, n := range r.Response.Notes {
			if !quiet {
				fmt.Fprintf(stderr, "note: %s: %s\n", r.Input, n)
			}
		}
	}
	return t
}

// summary is the run's last line.
func (t scanTally) summary(p *scanPlan, inputs int, a attemptTally, wall time.Duration, manifest string) string {
	s := fmt.Sprintf("scanned %s: %s, %s, %s",
		plural(inputs, "file"), plural(t.arrays, "variable"), plural(t.chunks, "chunk"), plural(t.failed, "error"))
	if t.resumed > 0 {
		s += fmt.Sprintf(" (%s already done, skipped: --resume)", plural(t.resumed, "file"))
	}
	if t.inlined > 0 {
		s += fmt.Sprintf(" (%d inline)", t.inlined)
	}
	if t.skipped > 0 {
		s += ", " + plural(t.skipped, "skipped variable")
	}
	if d := a.describe(p.exec); d != "" {
		s += ", " + d
	}
	s += fmt.Sprintf(" in %.2fs", wall.Seconds())
	if manifest != "" {
		s += "; manifest " + manifest
	}
	return s
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
