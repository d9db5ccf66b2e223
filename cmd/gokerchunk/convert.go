package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"gokerchunk/blob"
	"gokerchunk/convert"
	"gokerchunk/fanout"
)

func convertCommand() *cli.Command {
	return &cli.Command{
		Name:        "convert",
		Usage:       "convert data files between formats",
		Subcommands: []*cli.Command{csv2parquetCommand()},
	}
}

func csv2parquetCommand() *cli.Command {
	return &cli.Command{
		Name:      "csv2parquet",
		Usage:     "turn CSV files into a Hive-partitioned Parquet dataset",
		ArgsUsage: "INPUT...",
		Description: `Each INPUT (a CSV file, gzip-compressed or not, or a glob pattern; an
s3:// object, prefix or glob, or an http(s):// URL, read as a stream)
becomes one Parquet file per partition:

    OUTPUT_PREFIX/COL=VALUE/.../<input name>.parquet

where <input name> is the input's base name without .gz and .csv, so that
converting an input again replaces its files instead of adding to them (and
removes its files from partitions that no longer occur). Partition columns
(--partition-by, repeated or comma-separated, outermost first) are left out
of the files, as Hive, Spark and pyarrow lay datasets out; their values are
escaped in directory names as Hive escapes them, and an empty value is
__HIVE_DEFAULT_PARTITION__.

Column names come from the header (--header), from --columns, or from a
--schema that names every column in order. Types come from --schema
(COL:TYPE,...; string, int32, int64, float32, float64, bool, date) and are
otherwise inferred from the first --infer-rows rows: int64 for integers
without leading zeros, float64 for decimal numbers, bool for true/false,
date for YYYY-MM-DD, string for anything else (and for "0700", which a
number would not give back). Empty fields are nulls. For GHCN-Daily's
by_year files (no header):

    --columns ID,DATE,ELEMENT,DATA_VALUE,M_FLAG,Q_FLAG,S_FLAG,OBS_TIME \
    --schema DATE:date,DATA_VALUE:int32,OBS_TIME:string --partition-by ELEMENT

A bad row (a wrong number of fields, a value that is not its column's type,
a broken quoted field) is dropped and listed with its line number; more than
--max-bad-rows of them (default 0: any) fail the input. A failed input
leaves no file behind: partitions are written to part files in $TMPDIR
(about as much as the output) and then into a hidden staging directory
below OUTPUT_PREFIX, and moved into place only when the whole input
converted. OUTPUT_PREFIX may be an s3:// prefix: each file is then
uploaded (one PUT, or a multipart upload completed only when the whole
file is sent) once the whole input converted.

Memory is bounded by the partitions open at once (--max-open-partitions,
up to about 1.5 MB each) and the row groups they hold (--memory-limit), not
by the input: converting a 1 GB GHCN year by ELEMENT peaks near 110 MB. The
Go garbage collector is asked to keep the heap under 192 MiB per worker,
unless GOMEMLIMIT says otherwise. With more partitions than
--max-open-partitions taking rows at once, files are written in parts,
merged at the end (a note says so): raise it to avoid that.

Exit status: 0 when every input converted, 1 when one failed, 2 on a usage
error.

--executor lambda converts each INPUT in its own invocation of the AWS
Lambda function --function (cmd/gokerchunk-lambda), --concurrency at once,
retrying failures that may pass: the INPUTs must be s3:// or http(s)://
and OUTPUT_PREFIX an s3:// prefix, which the function reads and writes
itself, and only --partition-by, --header, --columns, --schema,
--compression and --max-bad-rows travel with it.

--executor http --endpoint URL[,URL...] [--token-file F] does the same
over servers running "gokerchunk serve" (see gokerchunk scan --help for
how requests are spread and retried); they read the INPUTs and write
OUTPUT_PREFIX where they run, so give s3:// URLs unless they share this
machine's files.`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "OUTPUT_PREFIX: the dataset's directory (required)"},
			&cli.StringSliceFlag{Name: "partition-by", Usage: "partition column(s), outermost first (required)"},
			&cli.BoolFlag{Name: "header", Usage: "the first line holds the column names"},
			&cli.StringSliceFlag{Name: "columns", Usage: "the column names, in order (with --header: replace the header's)"},
			&cli.StringFlag{Name: "schema", Usage: "COL:TYPE,... for some or all columns (string, int32, int64, float32, float64, bool, date)"},
			&cli.IntFlag{Name: "infer-rows", Value: convert.DefaultInferRows, Usage: "rows sampled to infer the types --schema does not give"},
			&cli.StringFlag{Name: "compression", Value: "zstd", Usage: "zstd or snappy"},
			&cli.BoolFlag{Name: "string-statistics", Usage: "keep min/max statistics of string columns (costs about a tenth more time)"},
			&cli.Int64Flag{Name: "max-bad-rows", Value: 0, Usage: "bad rows dropped before an input fails (-1: no limit)"},
			&cli.Int64Flag{Name: "row-group-rows", Value: convert.DefaultRowGroupRows, Usage: "rows per row group"},
			&cli.Int64Flag{Name: "memory-limit", Value: convert.DefaultMemoryLimit >> 20, Usage: "MiB that open row groups may hold across partitions before the largest is written early"},
			&cli.IntFlag{Name: "max-partitions", Value: convert.DefaultMaxPartitions, Usage: "partitions (files) one input may have"},
			&cli.IntFlag{Name: "max-open-partitions", Value: convert.DefaultMaxOpenPartitions, Usage: "partitions with an open Parquet writer; the least recently used is closed into a part file, merged at the end"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only errors and bad rows: no notes, progress, retries or summary"},
			s3PathStyleFlag(),
		}, executorFlags("converted", "1, as each holds its own memory,")...),
		Action: runCSV2Parquet,
	}
}

func csv2parquetOptions(c *cli.Context) (convert.Options, error) {
	opts := convert.Options{
		PartitionBy:       splitList(c.StringSlice("partition-by")),
		Header:            c.Bool("header"),
		Columns:           splitList(c.StringSlice("columns")),
		InferRows:         c.Int("infer-rows"),
		Compression:       c.String("compression"),
		StringStatistics:  c.Bool("string-statistics"),
		MaxBadRows:        c.Int64("max-bad-rows"),
		RowGroupRows:      c.Int64("row-group-rows"),
		MemoryLimit:       c.Int64("memory-limit") << 20,
		MaxPartitions:     c.Int("max-partitions"),
		MaxOpenPartitions: c.Int("max-open-partitions"),
	}
	if len(opts.PartitionBy) == 0 {
		return opts, usagef("csv2parquet needs --partition-by COL")
	}
	if c.IsSet("schema") {
		schema, err := convert.ParseSchema(c.String("schema"))
		if err != nil {
			return opts, usagef("--schema: %v", err)
		}
		opts.Schema = schema
	}
	if !opts.Header && opts.Columns == nil && opts.Schema == nil {
		return opts, usagef("csv2parquet needs the column names: --header, --columns A,B,... or a --schema of every column")
	}
	if _, err := convert.Codec(opts.Compression); err != nil {
		return opts, usagef("--compression: %v", err)
	}
	switch {
	case opts.InferRows < 1:
		return opts, usagef("--infer-rows must be at least 1")
	case opts.RowGroupRows < 1:
		return opts, usagef("--row-group-rows must be at least 1")
	case opts.MemoryLimit < 1:
		return opts, usagef("--memory-limit must be at least 1 (MiB)")
	case opts.MaxPartitions < 1:
		return opts, usagef("--max-partitions must be at least 1")
	case opts.MaxOpenPartitions < 1:
		return opts, usagef("--max-open-partitions must be at least 1")
	}
	return opts, nil
}

// runCSV2Parquet: read the flags into a plan, then convert the inputs
// here, or on Lambda or HTTP servers.
func runCSV2Parquet(c *cli.Context) error {
	plan, err := newConvertPlan(c)
	if err != nil {
		return err
	}
	if plan.exec.remote() {
		return runCSV2ParquetRemote(c, plan)
	}
	return runCSV2ParquetLocal(c, plan)
}

// convertPlan is a csv2parquet command's flags and inputs, validated.
type convertPlan struct {
	opts   convert.Options
	outDir string
	inputs []string
	exec   executorChoice
	quiet  bool
}

func newConvertPlan(c *cli.Context) (*convertPlan, error) {
	opts, err := csv2parquetOptions(c)
	if err != nil {
		return nil, err
	}
	p := &convertPlan{opts: opts, outDir: c.String("output"), quiet: c.Bool("quiet")}
	if p.outDir == "" {
		return nil, usagef("csv2parquet needs -o OUTPUT_PREFIX")
	}
	if blob.IsRemote(p.outDir) && !blob.IsS3(p.outDir) {
		return nil, usagef("-o %s: OUTPUT_PREFIX is a local directory or an s3:// prefix", p.outDir)
	}
	if c.NArg() == 0 {
		return nil, usagef("csv2parquet needs at least one INPUT (see gokerchunk convert csv2parquet --help)")
	}
	configureBlob(c)
	if p.exec, err = parseExecutor(c, 1); err != nil {
		return nil, err
	}
	if p.exec.remote() {
		for _, name := range []string{"infer-rows", "string-statistics", "row-group-rows", "memory-limit", "max-partitions", "max-open-partitions"} {
			if c.IsSet(name) {
				return nil, usagef("--%s is not sent with the job: leave it out with --executor %s", name, p.exec.kind)
			}
		}
	}
	if p.exec.lambda() {
		if !blob.IsS3(p.outDir) {
			return nil, usagef("--executor lambda: -o must be an s3:// prefix, which the function writes")
		}
	}
	if p.inputs, err = expandCSVInputs(c.Context, c.Args().Slice()); err != nil {
		return nil, err
	}
	if p.exec.lambda() {
		for _, in := range p.inputs {
			if !blob.IsRemote(in) {
				return nil, usagef("--executor lambda: %s is a local file, which the function cannot read (give s3:// or http(s):// inputs)", in)
			}
		}
	}
	return p, nil
}

// runCSV2ParquetLocal converts the inputs in this process, --concurrency
// at once.
func runCSV2ParquetLocal(c *cli.Context, plan *convertPlan) error {
	if os.Getenv("GOMEMLIMIT") == "" {
		// Closed partitions' writers are garbage; collecting it sooner
		// keeps the process near what it holds.
		prev := debug.SetMemoryLimit(int64(plan.exec.concurrency) * 192 << 20)
		defer debug.SetMemoryLimit(prev)
	}
	stderr := c.App.ErrWriter
	inputs := plan.inputs
	showProgress := !plan.quiet && isTerminal(os.Stderr)
	out := blob.NewTree(plan.outDir, "")
	start := time.Now()
	job := func(ctx context.Context, in string) (*convert.Result, error) {
		var progress func(n, size int64)
		if showProgress && len(inputs) == 1 {
			progress = func(n, size int64) {
				fmt.Fprintf(stderr, "\rconverting %s: %d/%d MB", path.Base(filepath.ToSlash(in)), n>>20, size>>20)
			}
		}
		return convertFile(ctx, in, out, plan.opts, progress)
	}
	progress := newProgressView(stderr, "converted", plan.quiet, showProgress && len(inputs) > 1)
	outcomes := fanout.Run(c.Context, inputs, plan.exec.concurrency, job, progress.count(len(inputs)))
	if showProgress && len(inputs) == 1 {
		fmt.Fprintln(stderr)
	}
	progress.end()
	t := reportConversions(stderr, plan, outcomes)
	if !plan.quiet {
		secs := time.Since(start).Seconds()
		mem := ""
		if m := peakMemory(); m != "" {
			mem = ", " + m
		}
		fmt.Fprintf(stderr, "converted %s: %s, %s (%s), %s, %.0f MB of CSV in %.2fs (%.0f MB/s)%s -> %s\n",
			plural(len(inputs)-t.failed, "file"), plural(int(t.rows), "row"), plural(len(t.partitions), "partition"), plural(t.files, "file"),
			plural(int(t.bad), "bad row"), float64(t.csvBytes)/1e6, secs, float64(t.csvBytes)/1e6/secs, mem, plan.outDir)
	}
	return t.exit(len(inputs))
}

// convertTally is what a conversion run's outcomes add up to.
type convertTally struct {
	rows, bad, csvBytes int64
	failed, files       int
	partitions          map[string]bool // local runs only
}

func (t convertTally) exit(inputs int) error {
	if t.failed > 0 {
		return failure{msg: fmt.Sprintf("%s of %d failed", plural(t.failed, "input"), inputs)}
	}
	return nil
}

// reportConversions prints each local input's bad rows, error and notes,
// and adds up the outcomes.
func reportConversions(stderr io.Writer, plan *convertPlan, outcomes []fanout.Outcome[*convert.Result]) convertTally {
	t := convertTally{partitions: map[string]bool{}}
	for _, o := range outcomes {
		res := o.Result
		if res != nil {
			for _, b := range res.FirstBadRows {
				fmt.Fprintf(stderr, "bad row: %s:%d: %s\n", o.Input, b.Line, b.Reason)
			}
			if more := res.BadRows - int64(len(res.FirstBadRows)); more > 0 {
				fmt.Fprintf(stderr, "bad row: %s: %d more\n", o.Input, more)
			}
		}
		if o.Err != nil {
			t.failed++
			var be *convert.BadRowsError
			if errors.As(o.Err, &be) {
				fmt.Fprintf(stderr, "error: %s: %s, more than --max-bad-rows %d allows; nothing written\n", o.Input, plural(int(res.BadRows), "bad row"), be.Max)
			} else if res != nil && res.Written {
				fmt.Fprintf(stderr, "error: %s: %v\n", o.Input, o.Err)
			} else {
				fmt.Fprintf(stderr, "error: %s: %v; nothing written\n", o.Input, o.Err)
			}
			continue
		}
		t.rows += res.Rows
		t.bad += res.BadRows
		t.csvBytes += res.CSVBytes
		t.files += len(res.Partitions)
		for _, p := range res.Partitions {
			t.partitions[p.Dir] = true
		}
		for _, r := range res.Removed {
			if plan.quiet {
				break
			}
			fmt.Fprintf(stderr, "note: removed %s, left by an earlier conversion of %s in a partition it no longer has\n", blob.Join(plan.outDir, r), o.Input)
		}
		if res.ClosedEarly > 0 && !plan.quiet {
			fmt.Fprintf(stderr, "note: %s: partitions were closed and reopened %d times (more than --max-open-partitions %d took rows at once); their files were merged from parts\n", o.Input, res.ClosedEarly, plan.opts.MaxOpenPartitions)
		}
		if !plan.quiet && len(plan.inputs) == 1 && len(res.Inferred) > 0 {
			var inferred []string
			for _, col := range res.Columns {
				for _, name := range res.Inferred {
					if col.Name == name {
						inferred = append(inferred, col.Name+":"+col.Type.String())
					}
				}
			}
			fmt.Fprintf(stderr, "inferred: %s\n", strings.Join(inferred, ","))
		}
	}
	return t
}

// convertFile converts one CSV input: a local file, or an s3:// or
// http(s):// URL read front to back (blob.OpenStream). progress, when not
// nil, is told the input bytes read and the input's size.
func convertFile(ctx context.Context, in string, out blob.Tree, opts convert.Options, progress func(n, size int64)) (*convert.Result, error) {
	var r io.ReadCloser
	var size int64
	if blob.IsRemote(in) {
		var err error
		if r, size, err = blob.OpenStream(ctx, in); err != nil {
			return &convert.Result{}, err
		}
	} else {
		f, err := os.Open(in)
		if err != nil {
			return &convert.Result{}, err
		}
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		r = f
	}
	defer r.Close()
	if progress != nil {
		opts.Progress = func(n int64) { progress(n, size) }
	}
	return convert.Convert(ctx, r, convert.FileName(in), out, opts)
}

// csvExtensions are the names an S3 prefix input contributes.
var csvExtensions = []string{".csv", ".gz", ".tsv", ".txt"}

// expandCSVInputs turns files, glob patterns and URLs (s3:// objects,
// prefixes and globs through blob.Expand; http(s):// as they are) into a
// list of inputs, refusing two inputs that would write the same file
// names.
func expandCSVInputs(ctx context.Context, args []string) ([]string, error) {
	var out []string
	byName := map[string]string{}
	for _, arg := range args {
		var matches []string
		if blob.IsRemote(arg) {
			var err error
			if matches, err = blob.Expand(ctx, []string{arg}, csvExtensions); err != nil {
				return nil, expandError(err)
			}
		} else {
			var err error
			if matches, err = localCSVInputs(arg); err != nil {
				return nil, err
			}
		}
		for _, m := range matches {
			name := convert.FileName(m)
			if prev, ok := byName[name]; ok {
				if prev == m {
					continue
				}
				return nil, usagef("%s and %s would both write %s in each partition", prev, m, name)
			}
			byName[name] = m
			out = append(out, m)
		}
	}
	return out, nil
}

// localCSVInputs is a local file, or the files a glob matches.
func localCSVInputs(arg string) ([]string, error) {
	matches, err := localMatches(arg)
	if err != nil {
		return nil, err
	}
	for _, m := range matches {
		st, err := os.Stat(m)
		if err != nil {
			return nil, usagef("%v", err)
		}
		if st.IsDir() {
			return nil, usagef("%s is a directory: give the CSV files (or a glob)", m)
		}
	}
	return matches, nil
}

// runCSV2ParquetRemote converts each input in its own Lambda invocation
// or request to a server.
func runCSV2ParquetRemote(c *cli.Context, plan *convertPlan) error {
	if !plan.quiet && plan.exec.http() && (!blob.IsRemote(plan.outDir) || slices.ContainsFunc(plan.inputs, isLocal)) {
		fmt.Fprintln(c.App.ErrWriter, remoteLocalPathsNote(plan.exec))
	}
	ex, err := plan.exec.open(c.Context, c.App.Writer)
	if err != nil {
		return err
	}
	reqs := make([]fanout.Request, len(plan.inputs))
	for i, in := range plan.inputs {
		reqs[i] = convert.Request{
			Input: in, Output: plan.outDir,
			PartitionCols: plan.opts.PartitionBy,
			Header:        plan.opts.Header,
			Columns:       plan.opts.Columns,
			Schema:        c.String("schema"),
			Compression:   plan.opts.Compression,
			MaxBadRows:    plan.opts.MaxBadRows,
		}
	}

	stderr := c.App.ErrWriter
	progress := newProgressView(stderr, "converted", plan.quiet, isTerminal(os.Stderr))
	start := time.Now()
	results := fanout.RunJobs(c.Context, ex, reqs, plan.exec.concurrency, progress.job)
	progress.end()

	var t convertTally
	for _, r := range results {
		if r.Err != nil {
			t.failed++
			fmt.Fprintf(stderr, "error: %s; nothing written\n", nameInputOnce(r.Input, r.Err))
			continue
		}
		st := r.Response.Stats
		t.rows += st.Rows
		t.bad += st.BadRows
		t.csvBytes += st.Bytes
		t.files += st.Files
		for _, b := range r.Response.BadRows {
			fmt.Fprintf(stderr, "bad row: %s:%s\n", r.Input, strings.TrimPrefix(b, "line "))
		}
		if more := st.BadRows - int64(len(r.Response.BadRows)); more > 0 {
			fmt.Fprintf(stderr, "bad row: %s: %d more\n", r.Input, more)
		}
		for _, n := range r.Response.Notes {
			if !plan.quiet {
				fmt.Fprintf(stderr, "note: %s\n", n)
			}
		}
	}
	if !plan.quiet {
		secs := time.Since(start).Seconds()
		fmt.Fprintf(stderr, "converted %s: %s, %s, %s, %.0f MB of CSV, %s, in %.2fs -> %s\n",
			plural(len(plan.inputs)-t.failed, "file"), plural(int(t.rows), "row"), plural(t.files, "file"), plural(int(t.bad), "bad row"),
			float64(t.csvBytes)/1e6, tallyAttempts(results).describe(plan.exec), secs, plan.outDir)
	}
	return t.exit(len(plan.inputs))
}

// nameInputOnce names the input in an error message unless it does.
func nameInputOnce(input string, err error) string {
	if msg := err.Error(); strings.Contains(msg, input) {
		return msg
	}
	return input + ": " + err.Error()
}
