package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"gokerchunk/blob"
	"gokerchunk/combine"
	"gokerchunk/fanout"
	"gokerchunk/refs"
	"gokerchunk/refs/refio"
	"gokerchunk/scan"
)

func combineCommand() *cli.Command {
	return &cli.Command{
		Name:      "combine",
		Usage:     "merge many reference sets along a dimension (time) into one JSON or Parquet reference set",
		ArgsUsage: "INPUT...",
		Description: `INPUT is a kerchunk JSON sidecar, an fsspec Parquet reference directory (one
holding .zmetadata), a directory of sidecars (every *.json below it) or a
NetCDF-4/HDF5 file (.nc, .nc4, .h5, .hdf5, .he5, .hdf; scanned on the fly),
or a glob pattern; on S3 the same: s3://bucket/x.json, s3://bucket/set.parq
(a prefix holding .zmetadata), s3://bucket/dir/ (every sidecar, Parquet set
and NetCDF/HDF5 file below it) or s3://bucket/dir/*.json. scan's run
manifest (_manifest.json, beside the sidecars) is not an input and is passed
over, but honoured: a directory (or S3 prefix) holding a manifest that
lists inputs whose scan failed is refused, naming them, as their sidecars
are missing; name the sidecars (OUT/*.json) to combine the others. Inputs
are read in parallel and may come in any order: they are ordered by their
coordinate along the concat dimension. Their references wait in a
temporary file (in $TMPDIR, about 20 bytes a reference, removed however
the run ends) until the output is written, so memory holds the inputs'
metadata, not the archive's references.

Several dimensions: --concat-dim repeated joins along each, the outermost
first, as xarray's combine_nested(concat_dim=[...]) does: with
--concat-dim member --concat-dim time, each member's inputs are joined
along time, then the members along member, and every member must cover
the same times. --new-dim NAME=SPEC adds a dimension the inputs do not
have, one step per input, its value from SPEC as for --coord (regex:RE
on the file name, attr:NAME, index) and its coordinate written inline. It
goes in front of every variable that has one of the other concat
dimensions (with none, every variable but the dimension coordinates);
variables without them are compared across inputs as below. --append
with several dimensions adds along the outermost (new members, each
covering the set's steps along the others); give the same --new-dim.

Coordinates (--coord DIM=SPEC) come from ` + combine.CoordSpecHelp + `.
CF times whose units differ between inputs are converted to the first
input's units (or --time-units), in their calendar (all CF calendars), and
the coordinate, with time bounds that lack units of their own, is written
inline.

combine refuses, naming the inputs, rather than guess:
  - a coordinate value two inputs share, or ranges that overlap (along
    each concat dimension);
  - along several dimensions, groups (members, say) that cover other steps
    along the inner ones: an input missing from one of them;
  - chunks along the concat dimension that do not line up: every input but
    the last must hold a whole number of chunks, and every input the same
    chunk shape (Zarr v2 has one chunk length per dimension);
  - a variable missing from some input, or with other dimensions, dtype,
    fill value, filters or compressor (but see --rewrite-mismatched);
  - attributes that change what the numbers mean (scale_factor, add_offset,
    _FillValue, missing_value, units, calendar, valid_*) that differ;
  - CF times stored packed (scale_factor, add_offset on the time
    coordinate or a time array it converts);
  - variables without the concat dimension whose values differ (their
    references may differ: the values are compared; with --identical-dims,
    only the variables listed may differ in their references).
Other attribute differences keep the first input's value and are listed as
"note:".

Inputs that store a variable differently: an archive that moved from
netCDF-3 to netCDF-4 holds the same variable big-endian, uncompressed, one
record a chunk in its old files, and little-endian, chunked and compressed
in its new ones. One Zarr array has one dtype, chunk shape and codec chain,
so references alone cannot join them. --rewrite-mismatched joins them: for
each such variable the layout that leaves the most values referenced is
kept (among those combine can write: no codecs, shuffle, zlib, gzip,
fletcher32), and the other inputs' values are decoded and written inline
in it (chunks of nothing but the fill value are left out). A "note:" says
which inputs were rewritten and how many bytes that put in the output;
past 1 GiB of decoded values in one join the run is refused: convert the
files instead (nccopy). Dtypes must still hold the same values (">f4" and
"<f4", not "<f4" and "<f8"), and fill values agree.

Output: kerchunk JSON version 1 (streamed), or with --format parquet (the
default when OUT ends in .parq or .parquet) fsspec's Parquet layout
(LazyReferenceMapper): .zmetadata, <array>/refs.N.parq with --record-size
rows each. OUT is replaced atomically; with --append, OUT is read first and
the inputs are added to it (a local Parquet OUT is read in place, and the
record files the inputs leave as they were are linked, not written again). OUT may be on S3 (s3://bucket/combined.json, one
PutObject, or multipart past 64 MiB, never visible in part; or
s3://bucket/combined.parq: written locally, then uploaded file by file with
.zmetadata last, so that readers never find a .zmetadata whose record files
are missing, objects that already hold a file's bytes left in place, so an
--append keeps the set's record size and uploads what changed; replacing a
Parquet set that is being read is not atomic).

` + targetPrefixHelp + `
The rules apply to the combined set's targets (its inputs may have been
scanned elsewhere); a target that no OLD matches is warned about.

Exit status: 0 when combined, 1 when the inputs cannot be combined or an
input cannot be read, 2 on a usage error.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "the combined reference set: a JSON file, or a directory for --format parquet (required)"},
			&cli.StringSliceFlag{Name: "concat-dim", Usage: "a dimension to concatenate along; repeat it for several, the outermost first (--concat-dim member --concat-dim time)", DefaultText: "time, or only the --new-dim dims when there are some"},
			&cli.StringSliceFlag{Name: "new-dim", Usage: "NAME=SPEC: a dimension the inputs do not have, one step per input, its value from SPEC (regex:RE, attr:NAME, index)"},
			&cli.StringSliceFlag{Name: "identical-dims", Usage: "variables without the concat dimension (lat,lon) that may differ in references but must hold equal values; others must have identical references", DefaultText: "all compared by value"},
			&cli.StringSliceFlag{Name: "coord", Usage: "DIM=SPEC: where the coordinate values come from (values, cf, regex:RE, attr:NAME, index)"},
			&cli.StringFlag{Name: "time-units", Usage: "CF units of the combined time coordinate, e.g. \"days since 2000-01-01\"", DefaultText: "the first input's"},
			&cli.StringFlag{Name: "format", Usage: "json or parquet", DefaultText: "parquet when OUT ends in .parq or .parquet, json otherwise"},
			&cli.IntFlag{Name: "record-size", Value: refs.DefaultRecordSize, Usage: "references per Parquet file"},
			&cli.BoolFlag{Name: "append", Usage: "add the inputs to the existing OUT"},
			&cli.BoolFlag{Name: "rewrite-mismatched", Usage: "join inputs that store a variable in other byte orders, chunks or codecs (netCDF-3 and netCDF-4 files) by writing the odd ones out inline"},
			&cli.IntFlag{Name: "concurrency", Aliases: []string{"workers"}, Usage: "inputs read (or scanned) at once", DefaultText: "all CPUs"},
			&cli.StringFlag{Name: "on-unsupported", Value: "error", Usage: "for NetCDF/HDF5 inputs scanned on the fly: error, skip or inline (see scan --help)"},
			&cli.IntFlag{Name: "inline-threshold", Value: 500, Usage: "for NetCDF/HDF5 inputs scanned on the fly: inline chunks smaller than this many bytes (0: never)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only errors and skipped variables: no notes, progress or summary"},
			s3PathStyleFlag(),
			targetPrefixFlag(),
			templatesFlag(),
		},
		Action: runCombine,
	}
}

func runCombine(c *cli.Context) error {
	r, err := combineOptions(c)
	if err != nil {
		return err
	}
	if c.NArg() == 0 {
		return usagef("combine needs at least one INPUT (see gokerchunk combine --help)")
	}
	configureBlob(c)
	inputs, err := expandCombineInputs(c.Context, c.Args().Slice())
	if err != nil {
		return err
	}
	if c.Bool("append") {
		if err := outputExists(c.Context, r.out); err != nil {
			return err
		}
		inputs = append([]string{r.out}, inputs...)
		r.appendTo = r.out
		r.opts.AppendTo = r.out
		if r.format == "parquet" && !c.IsSet("record-size") {
			// The set's own record size: its unchanged records are then
			// linked (locally) or left in place (in S3), and its layout
			// stays as it was.
			if n, err := refio.ParquetRecordSize(c.Context, r.out); err == nil {
				r.recordSize = n
			}
		}
	}
	return r.run(c.Context, inputs)
}

// combineRun is one combine: its options and where it reports.
type combineRun struct {
	opts       combine.Options
	out        string
	format     string // json or parquet
	recordSize int
	policy     scan.OnUnsupported // --on-unsupported, for NetCDF/HDF5 inputs scanned on the fly
	// inlineThreshold is --inline-threshold for inputs scanned on the fly.
	inlineThreshold int
	quiet           bool
	stderr          io.Writer
	// retarget (--target-prefix) rewrites the combined set's targets;
	// templates (--templates) writes JSON with templates.
	retarget  *refs.Retarget
	templates bool
	// appendTo is OUT under --append: a local Parquet set is read in
	// place, lazily, and its record files that the inputs leave as they
	// are linked into the new set rather than written again.
	appendTo string
}

// readFailure tells an error beneath a combine.Error that is a failed
// read (a missing file, an HTTP or S3 error, a cut connection, a
// cancelled run) rather than inputs that do not fit together: it is
// reported as itself, not as "cannot combine".
func readFailure(err error) bool {
	var pe *fs.PathError
	var sc interface{ HTTPStatusCode() int }
	var ne net.Error
	return errors.As(err, &pe) || errors.As(err, &sc) || errors.As(err, &ne) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// run combines the inputs (reference sets or source files) into r.out.
func (r *combineRun) run(ctx context.Context, inputs []string) error {
	stderr := r.stderr
	start := time.Now()
	opener := blob.NewOpener()
	defer opener.Close()
	opts := r.opts
	opts.Opener = opener

	// The inputs' references wait in a spill file while combine works on
	// their metadata: memory holds one input per worker, not the archive.
	spill, err := combine.NewSpill("")
	if err != nil {
		return fmt.Errorf("%w: combine keeps the inputs' references in a temporary file there (about 20 bytes a reference); set TMPDIR to a writable directory with room for them", err)
	}
	defer spill.Close()
	sets, err := r.readInputs(ctx, inputs, spill)
	if err != nil {
		return err
	}
	res, err := combine.Combine(ctx, sets, opts)
	if err != nil {
		var ce *combine.Error
		if errors.As(err, &ce) && !readFailure(err) {
			fmt.Fprintf(stderr, "error: cannot combine: %v\n", err)
			return failure{}
		}
		return err
	}
	for _, n := range res.Notices {
		if !r.quiet {
			fmt.Fprintf(stderr, "note: %s\n", n)
		}
	}
	// Counted before the write: --target-prefix wraps what it rewrites.
	var chunks, inline int
	counted := true
	for _, a := range res.Set.Arrays {
		stored, in, ok := a.Counts()
		chunks, inline, counted = chunks+stored, inline+in, counted && ok
	}
	if r.retarget != nil {
		reportRetarget(stderr, r.retarget.Apply(res.Set), r.quiet)
	}
	enc := refio.Encoding{Format: refio.Format(r.format), RecordSize: r.recordSize, Templates: r.templates && r.format == "json"}
	if err := writeCombined(ctx, r.out, enc, res.Set); err != nil {
		return err
	}
	if !r.quiet {
		references := fmt.Sprintf("%s (%d inline)", plural(chunks, "reference"), inline)
		if !counted {
			references = "references not counted (" + r.out + "'s are read in place)"
		}
		mem := ""
		if m := peakMemory(); m != "" {
			mem = ", " + m
		}
		along := ""
		for _, e := range res.Outer {
			along += fmt.Sprintf("%s (%d: %s .. %s) and ", e.Dim, e.Steps, e.First, e.Last)
		}
		fmt.Fprintf(stderr, "combined %s along %s%s: %d steps (%s .. %s), %s, %s -> %s in %.2fs%s\n",
			plural(len(inputs), "input"), along, res.Dim, res.Steps, res.First, res.Last,
			plural(len(res.Set.Arrays), "variable"), references, r.out, time.Since(start).Seconds(), mem)
	}
	return nil
}

// combineOptions reads the flags into a combine to run: combine.Options,
// the output path and its format, and the options of inputs scanned on
// the fly.
func combineOptions(c *cli.Context) (*combineRun, error) {
	var opts combine.Options
	var err error
	out := c.String("output")
	if out == "" || out == "-" {
		return nil, usagef("combine needs -o OUT (a JSON file or a Parquet directory)")
	}
	if blob.IsRemote(out) && !blob.IsS3(out) {
		return nil, usagef("-o %s: outputs go to local paths or s3://", out)
	}
	if opts.Dims, err = concatDims(c); err != nil {
		return nil, err
	}
	if c.IsSet("identical-dims") {
		opts.IdenticalDims = splitList(c.StringSlice("identical-dims"))
		if opts.IdenticalDims == nil {
			opts.IdenticalDims = []string{}
		}
	}
	opts.TimeUnits = c.String("time-units")
	opts.RewriteMismatched = c.Bool("rewrite-mismatched")
	switch opts.Workers = c.Int("concurrency"); {
	case opts.Workers < 0:
		return nil, usagef("--concurrency must be 1 or more")
	case opts.Workers == 0:
		opts.Workers = runtime.NumCPU()
	}
	format := c.String("format")
	switch format {
	case "":
		format = formatOf(out)
	case "json", "parquet":
	default:
		return nil, usagef("--format must be json or parquet, not %q", format)
	}
	if c.Int("record-size") <= 0 || c.Int("record-size") > refs.MaxRecordSize {
		return nil, usagef("--record-size must be between 1 and %d", refs.MaxRecordSize)
	}
	if c.Int("inline-threshold") < 0 {
		return nil, usagef("--inline-threshold must be 0 or more")
	}
	policy, err := scan.ParseOnUnsupported(c.String("on-unsupported"))
	if err != nil {
		return nil, usagef("--on-unsupported %w", err)
	}
	_, retarget, err := targetPrefixRules(c)
	if err != nil {
		return nil, err
	}
	if c.Bool("templates") && format != "json" {
		return nil, usagef("--templates: %s is written as Parquet, which has no templates", out)
	}
	return &combineRun{
		opts: opts, out: out, format: format, recordSize: c.Int("record-size"),
		policy: policy, inlineThreshold: c.Int("inline-threshold"),
		quiet: c.Bool("quiet"), stderr: c.App.ErrWriter,
		retarget: retarget, templates: c.Bool("templates"),
	}, nil
}

// concatDims reads --concat-dim, --new-dim and --coord into the
// dimensions to join along, the outermost first: those --concat-dim names
// in its order, new dims it does not name in front, in theirs. Without
// --concat-dim: time, or the new dims alone when there are some.
func concatDims(c *cli.Context) ([]combine.Dim, error) {
	names := splitList(c.StringSlice("concat-dim"))
	var added []combine.Dim
	for _, spec := range c.StringSlice("new-dim") {
		name, s, ok := strings.Cut(spec, "=")
		if !ok || name == "" {
			return nil, usagef("--new-dim %q: want NAME=SPEC, e.g. member=regex:_m(\\d+)_", spec)
		}
		coord, err := combine.ParseCoordSpec(s)
		if err != nil {
			return nil, usagef("--new-dim %s: %v", name, err)
		}
		if k := coord.Kind; k != combine.CoordRegex && k != combine.CoordAttr && k != combine.CoordIndex {
			return nil, usagef("--new-dim %s=%s: the inputs have no %s to read values from; want regex:RE, attr:NAME or index", name, s, name)
		}
		if slices.ContainsFunc(added, func(d combine.Dim) bool { return d.Name == name }) {
			return nil, usagef("--new-dim %s is given twice", name)
		}
		added = append(added, combine.Dim{Name: name, Coord: coord, New: true})
	}
	if len(names) == 0 && len(added) == 0 {
		names = []string{"time"}
	}
	var dims []combine.Dim
	for _, d := range added {
		if !slices.Contains(names, d.Name) {
			dims = append(dims, d)
		}
	}
	for _, n := range names {
		i := slices.IndexFunc(added, func(d combine.Dim) bool { return d.Name == n })
		if i >= 0 {
			dims = append(dims, added[i])
			continue
		}
		if slices.ContainsFunc(dims, func(d combine.Dim) bool { return d.Name == n }) {
			return nil, usagef("--concat-dim %s is given twice", n)
		}
		dims = append(dims, combine.Dim{Name: n})
	}
	for _, spec := range c.StringSlice("coord") {
		name, s, ok := strings.Cut(spec, "=")
		i := slices.IndexFunc(dims, func(d combine.Dim) bool { return d.Name == name })
		if !ok || i < 0 {
			return nil, usagef("--coord %q: want DIM=SPEC for a concat dimension (%s)", spec, dimNames(dims))
		}
		if dims[i].New {
			return nil, usagef("--coord %q: %s is a --new-dim, whose SPEC says where its values come from", spec, name)
		}
		coord, err := combine.ParseCoordSpec(s)
		if err != nil {
			return nil, usagef("--coord: %v", err)
		}
		dims[i].Coord = coord
	}
	return dims, nil
}

// dimNames lists the dimensions' names, "member and time".
func dimNames(dims []combine.Dim) string {
	names := make([]string, len(dims))
	for i, d := range dims {
		names[i] = d.Name
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// formatOf is the output format an OUT names: parquet for a name ending in
// .parq or .parquet, json otherwise.
func formatOf(out string) string {
	if ext := strings.ToLower(filepath.Ext(strings.TrimRight(out, "/"))); ext == ".parq" || ext == ".parquet" {
		return "parquet"
	}
	return "json"
}

// splitList flattens repeated and comma-separated values.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// expandCombineInputs turns the arguments into reference sets and source
// files to read: files as given, directories as the Parquet set they are
// or the sidecars and source files below them, glob patterns expanded.
// Duplicates are dropped; the order does not matter (combine sorts).
func expandCombineInputs(ctx context.Context, args []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if blob.IsRemote(p) {
			p = strings.TrimSuffix(p, "/")
		} else if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, arg := range args {
		if blob.IsRemote(arg) {
			got, err := expandRemoteCombineInput(ctx, arg)
			if err != nil {
				return nil, err
			}
			for _, u := range got {
				add(u)
			}
			continue
		}
		matches, err := localMatches(arg)
		if err != nil {
			return nil, err
		}
		for _, m := range matches {
			st, err := os.Stat(m)
			if err != nil {
				return nil, usagef("%v", err)
			}
			if filepath.Base(m) == fanout.ManifestName && !st.IsDir() {
				// scan's record of a run, beside its sidecars (and so
				// in out/*.json): not a reference set
				continue
			}
			if !st.IsDir() || isParquetRefs(m) {
				add(m)
				continue
			}
			n := 0
			err = filepath.WalkDir(m, func(p string, d fs.DirEntry, err error) error {
				switch {
				case err != nil:
					return err
				case d.IsDir() && p != m && isParquetRefs(p):
					add(p)
					n++
					return filepath.SkipDir
				case d.Name() == fanout.ManifestName && !d.IsDir():
					return refuseFailedScan(ctx, p)
				case d.Type().IsRegular() && (strings.EqualFold(filepath.Ext(p), ".json") || scan.IsInput(p)):
					add(p)
					n++
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			if n == 0 {
				return nil, usagef("%s: no sidecars (*.json), Parquet reference sets or NetCDF/HDF5 files in the directory", m)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// expandRemoteCombineInput expands one s3:// or http(s):// combine input:
// an object as it is, a prefix holding .zmetadata as a Parquet set, any
// other prefix as the sidecars, Parquet sets and source files below it, and
// a glob as the objects it matches.
func expandRemoteCombineInput(ctx context.Context, arg string) ([]string, error) {
	if !blob.IsS3(arg) || strings.ContainsAny(arg, "*?[") {
		got, err := blob.Expand(ctx, []string{arg}, nil)
		if err != nil {
			return nil, expandError(err)
		}
		// s3://bucket/out/*.json matches scan's run manifest too, as
		// out/*.json does locally: passed over in the same way.
		out := got[:0]
		for _, u := range got {
			if path.Base(u) != fanout.ManifestName {
				out = append(out, u)
			}
		}
		if len(out) == 0 {
			return nil, usagef("%s: matches no reference set or NetCDF/HDF5 file", arg)
		}
		return out, nil
	}
	prefix := strings.TrimSuffix(arg, "/")
	if !strings.HasSuffix(arg, "/") {
		if ok, err := blob.Exists(ctx, arg); err != nil || ok {
			return []string{arg}, err
		}
	}
	if ok, err := blob.Exists(ctx, prefix+"/.zmetadata"); err != nil || ok {
		return []string{prefix}, err
	}
	objs, err := blob.List(ctx, prefix+"/")
	if err != nil {
		return nil, err
	}
	// Parquet sets first: their record files are not inputs of their own.
	var sets []string
	for _, o := range objs {
		if dir, ok := strings.CutSuffix(o.URL, "/.zmetadata"); ok {
			sets = append(sets, dir+"/")
		}
	}
	out := []string{}
	for _, s := range sets {
		out = append(out, strings.TrimSuffix(s, "/"))
	}
	for _, o := range objs {
		inSet := false
		for _, s := range sets {
			inSet = inSet || strings.HasPrefix(o.URL, s)
		}
		if inSet {
			continue // a Parquet set's record file
		}
		if path.Base(o.URL) == fanout.ManifestName {
			if err := refuseFailedScan(ctx, o.URL); err != nil {
				return nil, err
			}
			continue
		}
		if strings.EqualFold(path.Ext(o.URL), ".json") || scan.IsInput(o.URL) {
			out = append(out, o.URL)
		}
	}
	if len(out) == 0 {
		return nil, usagef("%s: no sidecars (*.json), Parquet reference sets or NetCDF/HDF5 files below it", arg)
	}
	return out, nil
}

// refuseFailedScan refuses the directory of a scan manifest (found in a
// directory or S3 prefix given to combine) that lists inputs whose scan
// failed, or that a scan left unfinished: their sidecars are missing, and
// combining the others would leave holes along the concat dimension
// without a word.
func refuseFailedScan(ctx context.Context, manifest string) error {
	m, err := fanout.ReadManifestURL(ctx, manifest)
	if err != nil {
		return err
	}
	dir := strings.TrimSuffix(manifest, fanout.ManifestName)
	if m.InProgress {
		return fmt.Errorf("%s: the scan that wrote %s did not finish (it was interrupted or is still running; %s done so far); nothing combined: scan again with --resume to finish it, or name the sidecars to combine (%s*.json)",
			manifest, dir, plural(m.Succeeded+m.Failed, "input"), dir)
	}
	if len(m.Failures) == 0 {
		return nil
	}
	var failed []string
	for i, f := range m.Failures {
		if i == 3 {
			failed = append(failed, fmt.Sprintf("and %d more", len(m.Failures)-i))
			break
		}
		failed = append(failed, describeError(f.Input, errors.New(f.Reason)))
	}
	return fmt.Errorf("%s: the scan that wrote %s failed for %s (%s); nothing combined: scan again into %s, or name the sidecars to combine (%s*.json) to leave the failed inputs out",
		manifest, dir, plural(len(m.Failures), "input"), strings.Join(failed, "; "), dir, dir)
}

// outputExists checks, for --append, that OUT is there: a file, a Parquet
// directory, an S3 object or an S3 Parquet set.
func outputExists(ctx context.Context, out string) error {
	if !blob.IsS3(out) {
		if _, err := os.Stat(out); err != nil {
			return usagef("--append: %v", err)
		}
		return nil
	}
	for _, u := range []string{out, strings.TrimSuffix(out, "/") + "/.zmetadata"} {
		if ok, err := blob.Exists(ctx, u); err != nil || ok {
			return err
		}
	}
	return usagef("--append: %s does not exist", out)
}

func isParquetRefs(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, ".zmetadata"))
	return err == nil
}

// readInputs reads every input in parallel: reference sets as they are,
// NetCDF/HDF5 files scanned in memory, each held in the spill as soon as it
// is read (a local Parquet set appended to is read in place instead). A
// failure names the input; a spill that cannot be written fails the run.
func (r *combineRun) readInputs(ctx context.Context, inputs []string, spill *combine.Spill) ([]combine.Input, error) {
	stderr := r.stderr
	showProgress := !r.quiet && len(inputs) > 1 && isTerminal(os.Stderr)
	hold := func(name string, set *refs.Set) (*refs.Set, error) {
		held, err := spill.Hold(combine.Input{Name: name, Set: set})
		return held.Set, err
	}
	job := func(ctx context.Context, in string) (*refs.Set, error) {
		if in == r.appendTo && !blob.IsRemote(in) && isParquetRefs(in) {
			return refs.OpenParquet(in)
		}
		if isSourceInput(in) {
			opts := scan.Options{URL: in, InlineThreshold: r.inlineThreshold, OnUnsupported: r.policy}
			res, err := scan.File(ctx, in, scan.FileOptions{Options: opts})
			if err != nil {
				return nil, err
			}
			for _, s := range res.Skipped {
				fmt.Fprintf(stderr, "skipped: %s\n", s)
			}
			for _, d := range res.Damaged {
				fmt.Fprintf(stderr, "skipped: %s\n", d)
			}
			return hold(in, res.Set)
		}
		var held *refs.Set
		err := refio.ReadLazily(ctx, in, func(set *refs.Set) (err error) {
			held, err = hold(in, set)
			return err
		})
		return held, err
	}
	// A spill that cannot be written fails the run, not an input: stop
	// reading, and say it once.
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	spilling := func(ctx context.Context, in string) (*refs.Set, error) {
		set, err := job(ctx, in)
		var se *combine.SpillError
		if errors.As(err, &se) {
			stop(se)
		}
		return set, err
	}
	progress := newProgressView(stderr, "read", r.quiet, showProgress)
	outcomes := fanout.Run(ctx, inputs, max(r.opts.Workers, 1), spilling, progress.count(len(inputs)))
	progress.end()
	var se *combine.SpillError
	if errors.As(context.Cause(ctx), &se) {
		return nil, fmt.Errorf("%w; nothing written", se)
	}
	sets := make([]combine.Input, 0, len(outcomes))
	failed := 0
	for _, o := range outcomes {
		if o.Err != nil {
			failed++
			fmt.Fprintf(stderr, "error: %s\n", describeError(o.Input, o.Err))
			continue
		}
		sets = append(sets, combine.Input{Name: o.Input, Set: o.Result})
	}
	if failed > 0 {
		return nil, failure{msg: fmt.Sprintf("%s of %d could not be read; nothing written", plural(failed, "input"), len(inputs))}
	}
	return sets, nil
}

// isSourceInput tells a NetCDF/HDF5 input (scanned) from a reference set
// (read): remote ones by their extension, local files by theirs or, when
// it tells nothing, by a first byte other than '{'.
func isSourceInput(in string) bool {
	if blob.IsRemote(in) {
		return scan.IsInput(in)
	}
	st, err := os.Stat(in)
	return err == nil && !st.IsDir() && !isJSONFile(in)
}

// isJSONFile tells a sidecar from a source file: by extension, or by a
// first byte of '{'.
func isJSONFile(path string) bool {
	if strings.EqualFold(filepath.Ext(path), ".json") {
		return true
	}
	if scan.IsInput(path) {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [1]byte
	_, err = io.ReadFull(f, b[:])
	return err == nil && b[0] == '{'
}

// writeCombined replaces out with the set (refio.Write); a JSON out that
// is a local directory is refused, naming the flag that would fit.
func writeCombined(ctx context.Context, out string, enc refio.Encoding, set *refs.Set) error {
	if enc.Format == refio.JSON && !blob.IsS3(out) {
		if st, err := os.Stat(out); err == nil && st.IsDir() {
			return fmt.Errorf("%s is a directory; JSON output needs a file name (or --format parquet)", out)
		}
	}
	return enc.Write(ctx, out, set)
}
