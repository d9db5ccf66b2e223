package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"gokerchunk/blob"
	"gokerchunk/fanout"
	"gokerchunk/refs"
	"gokerchunk/refs/refio"
	"gokerchunk/scan"
	"gokerchunk/zarr"
	"gokerchunk/zarrcheck"
)

func checkCommand() *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "verify a reference set: every reference resolves and decodes, and every array equals the source",
		ArgsUsage: "REFS (a reference set, or a directory or glob of them)",
		Description: `Reads every chunk through the references (byte range inside its target,
decodes to exactly the chunk's size) and compares every array, element by
element (NaN equals NaN, otherwise bit-exact; compounds member by member,
padding ignored; strings as strings; HDF5 fixed-length strings as
libhdf5 presents them under their padding type, against the Zarr "S" value
without trailing NULs), with the source file. Variables missing on either
side are reported. Prints a line per variable and a summary; exits 1 on any
difference. A large variable is compared slab by slab along its first axis
(at most 64 MiB and 8192 chunks a slab, read from both sides), so memory
holds two slabs, not the variable; a variable of millions of small chunks
takes libhdf5 microseconds a chunk, written or not.

Equal values are not enough: a variable whose metadata make xarray show
something else fails with status "metadata", saying what a user would see.
fill_value must equal the source's _FillValue attribute as a value of the
array's dtype (xarray masks every element equal to it), and be null when
the source has none; a _FillValue left in .zattrs must agree too;
_ARRAY_DIMENSIONS must name one dimension per axis, the source's dimension
names in netCDF files.

The source is read with libnetcdf and libhdf5:
  - netCDF classic (no HDF5 superblock): libnetcdf;
  - HDF5 without the _NCProperties root attribute (plain HDF5, h5py):
    libhdf5, every dataset a variable, read in the file's own datatype;
  - netCDF-4: libnetcdf's variables, read with libnetcdf, except compound,
    opaque and vlen types, HDF5 fixed-length strings (libnetcdf misreads
    them) and h5py booleans, which libhdf5 reads; datasets libnetcdf does
    not list (other than dimension scales) are read with libhdf5 too.
A variable libhdf5 reads whose HDF5 extent is shorter than its netCDF
dimensions is listed as unchecked, not compared; so is an object libhdf5
cannot read at all (a damaged object header, a group it cannot list), or
whose values a library cannot decode (a filter plugin missing), with the
library's reason, and the check goes on with the others.

Variables scan leaves out on purpose are unchecked, not missing, when the
set has no array for them: those it cannot reference (left out with
--on-unsupported=skip) and netCDF dimensions without a coordinate variable
(hidden). check asks the scanner which they are: it scans the source's
metadata in memory with --on-unsupported=skip and reads what "gokerchunk
info" prints.

REFS is a kerchunk JSON file or a Parquet reference directory, local or on
S3 (s3://bucket/x.json, s3://bucket/set.parq); the chunks are read through
the references wherever they point (local files, s3://, http(s)://), the
sources with libnetcdf from local files. A combined
set is checked against all its sources (--source repeated, or a glob):
they are ordered by their own --concat-dim coordinate (CF times converted
with libnetcdf's units and calendar attributes to the combined units) and
each array is compared with the sources' values joined along that
dimension; arrays without it must be equal in every source.

REFS may be a local directory (every *.json below it but scan's
_manifest.json) or a glob, and --source a directory (the NetCDF/HDF5 files
below it): each set is checked against the sources its chunks point at
(same absolute path; a remote target by file name, a local copy; or the
sidecar named <file>.json as scan names it), with a report per set headed
"== SET" and a total line. Exit status 1 if any set fails:

    gokerchunk check out/ --source data/

A --source file the references do not point at draws a warning on stderr
("warning: --source X is not a file the references point at (they point at
Y)") and is checked all the same.

On a terminal, stderr shows "reading /tas: 120/400 chunks" while the
chunks of a large array are read. -q prints only the variables that fail
(and, for several sets, the names of those that fail): no progress, no
summary, no warnings.`,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "source", Usage: "the NetCDF/HDF5 file(s) the references were made from, or a directory of them (required; repeat it, or give a glob, for a combined set)"},
			&cli.StringFlag{Name: "concat-dim", Value: "time", Usage: "with several sources: the dimension they were combined along"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the variables that fail: no progress, no summary, no warnings"},
			s3PathStyleFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("check takes exactly one REFS (a JSON file, a Parquet directory, or a directory or glob of them)")
			}
			configureBlob(c)
			r, err := newCheckRun(c)
			if err != nil {
				return err
			}
			return r.run(c.Context)
		},
	}
}

// checkRun is one check command: the reference sets, the source files
// they are checked against, and where the reports go.
type checkRun struct {
	sets []string
	// many is set when REFS is a directory or a glob: a report per set,
	// headed by its name, and a total.
	many    bool
	sources []string
	// pick is set when a --source is a directory or REFS names several
	// sets: each set is checked against the sources its references point
	// at. Otherwise it is checked against every --source as given.
	pick           bool
	concatDim      string
	quiet          bool
	stdout, stderr io.Writer
	progress       *chunkProgress // nil when not shown
}

func newCheckRun(c *cli.Context) (*checkRun, error) {
	r := &checkRun{concatDim: c.String("concat-dim"), quiet: c.Bool("quiet"), stdout: c.App.Writer, stderr: c.App.ErrWriter}
	var err error
	if r.sets, r.many, err = refsInputs(c.Context, c.Args().First()); err != nil {
		return nil, err
	}
	if r.sources, r.pick, err = sourceInputs(c.Context, c.StringSlice("source")); err != nil {
		return nil, err
	}
	r.pick = r.pick || r.many
	if !r.quiet && isTerminal(os.Stderr) {
		r.progress = &chunkProgress{w: r.stderr}
	}
	return r, nil
}

// refsInputs expands REFS: a local directory (not a Parquet reference
// directory) to every *.json below it but scan's run manifest, a glob to
// its matches; anything else is one reference set. many says whether
// REFS could name several.
func refsInputs(ctx context.Context, arg string) (sets []string, many bool, err error) {
	st, statErr := os.Stat(arg)
	isDir := statErr == nil && st.IsDir() && !isParquetRefs(arg)
	if blob.IsRemote(arg) || (!isDir && !strings.ContainsAny(arg, "*?[")) {
		return []string{arg}, false, nil
	}
	found, err := blob.Expand(ctx, []string{arg}, []string{".json"})
	if err != nil {
		return nil, false, usagef("%v", err)
	}
	for _, f := range found {
		if st, err := os.Stat(f); filepath.Base(f) == fanout.ManifestName || err != nil ||
			(st.IsDir() && !isParquetRefs(f)) {
			continue
		}
		sets = append(sets, f)
	}
	if len(sets) == 0 {
		return nil, false, usagef("%s: no reference sets (*.json, Parquet directories)", arg)
	}
	return sets, true, nil
}

// sourceInputs expands the --source values: globs to their matches,
// directories to the NetCDF/HDF5 files below them (pick says a value was a
// directory).
func sourceInputs(ctx context.Context, vals []string) (sources []string, pick bool, err error) {
	if len(vals) == 0 {
		return nil, false, usagef("check needs --source FILE (or a directory of sources)")
	}
	for _, v := range vals {
		if st, err := os.Stat(v); err == nil && st.IsDir() {
			pick = true
		}
		if blob.IsRemote(v) {
			return nil, false, usagef("--source %s: the sources are read with libnetcdf from local files", v)
		}
	}
	sources, err = blob.Expand(ctx, vals, scan.InputExtensions)
	if err != nil {
		return nil, false, usagef("--source: %v", err)
	}
	return sources, pick, nil
}

func (r *checkRun) run(ctx context.Context) error {
	if !r.many {
		report, err := r.check(ctx, r.sets[0])
		if err != nil {
			return err
		}
		r.write(report, "")
		if report.Failed() {
			return failure{}
		}
		return nil
	}
	var (
		total  zarrcheck.Report
		failed []string
	)
	for _, name := range r.sets {
		report, err := r.check(ctx, name)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			fmt.Fprintf(r.stdout, "== %s\nerror: %v\n", name, err)
			failed = append(failed, name)
			continue
		}
		r.write(report, name)
		total.Entries = append(total.Entries, report.Entries...)
		if report.Failed() {
			failed = append(failed, name)
		}
	}
	if !r.quiet {
		fmt.Fprintf(r.stdout, "total: %s, %d failed", plural(len(r.sets), "reference set"), len(failed))
		if len(failed) > 0 {
			fmt.Fprintf(r.stdout, " (%s)", strings.Join(failed, ", "))
		}
		fmt.Fprintf(r.stdout, "; %s\n", total.Summary())
	}
	if len(failed) > 0 {
		return failure{}
	}
	return nil
}

// write prints a report, after the set's name when several are checked;
// quiet, only the variables that fail.
func (r *checkRun) write(report *zarrcheck.Report, name string) {
	if r.quiet {
		if report.Failed() && name != "" {
			fmt.Fprintf(r.stdout, "== %s\n", name)
		}
		report.WriteFailures(r.stdout)
		return
	}
	if name != "" {
		fmt.Fprintf(r.stdout, "== %s\n", name)
	}
	report.Write(r.stdout)
}

// check checks one reference set against its sources.
func (r *checkRun) check(ctx context.Context, name string) (*zarrcheck.Report, error) {
	set, err := refio.Read(ctx, name)
	if err != nil {
		return nil, err
	}
	paths, err := r.sourcesFor(name, targetURLs(set))
	if err != nil {
		return nil, err
	}
	src, allowExtra, err := r.openSources(ctx, set, paths)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	opener := blob.NewOpener()
	defer opener.Close()
	opts := zarrcheck.Options{AllowExtra: allowExtra, Unreferenced: r.unreferenced(ctx, paths)}
	if r.progress != nil {
		opts.Progress = r.progress.update
	}
	return zarrcheck.Check(ctx, set, opener, src, opts)
}

// sourcesFor chooses the sources of the set called name, whose chunks lie
// in targets. Picking, they are the --source files the set points at
// (pointsAt); otherwise every --source, with a warning for one it does not
// point at (a wrong file checks as a wall of mismatches).
func (r *checkRun) sourcesFor(name string, targets []string) ([]string, error) {
	var matched []string
	for _, s := range r.sources {
		if pointsAt(name, targets, s) {
			matched = append(matched, s)
		} else if !r.pick && len(targets) > 0 && !r.quiet {
			fmt.Fprintf(r.stderr, "warning: --source %s is not a file the references point at (they point at %s)\n", s, describeTargets(targets))
		}
	}
	if !r.pick {
		return r.sources, nil
	}
	if len(matched) == 0 {
		if len(targets) == 0 {
			return nil, fmt.Errorf("no --source is its file (scan names a sidecar <file name>.json; its chunks are all inline)")
		}
		return nil, fmt.Errorf("no --source is a file its references point at (they point at %s)", describeTargets(targets))
	}
	return matched, nil
}

// pointsAt tells whether the set called name was made from source: a
// target of its chunks is source (compared as absolute paths), or a
// remote target has source's file name (a local copy), or the set has the
// name scan gives the sidecar of source (scan.SidecarName), which covers
// sets whose chunks are all inline or in HDF5 external data files.
func pointsAt(name string, targets []string, source string) bool {
	abs := absPath(source)
	for _, t := range targets {
		if blob.IsRemote(t) {
			if path.Base(t) == filepath.Base(source) {
				return true
			}
		} else if absPath(strings.TrimPrefix(t, "file://")) == abs {
			return true
		}
	}
	return path.Base(filepath.ToSlash(name)) == filepath.Base(source)+".json"
}

// absPath is p absolute, symbolic links resolved when they can be.
func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if real, err := filepath.EvalSymlinks(p); err == nil {
		p = real
	}
	return p
}

// targetURLs lists the distinct files the chunks of set lie in, sorted.
func targetURLs(set *refs.Set) []string {
	seen := map[string]bool{}
	for _, a := range set.Arrays {
		var urls []string
		if a.Manifest != nil {
			urls = a.Manifest.URLs
		} else if sp, ok := a.Source.(*refs.SparseChunks); ok {
			urls = sp.URLs()
		}
		for _, u := range urls {
			seen[u] = true
		}
	}
	for _, ref := range set.Extra {
		if ref.URL != "" {
			seen[ref.URL] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// describeTargets names the first target and how many others there are.
func describeTargets(targets []string) string {
	if len(targets) == 1 {
		return targets[0]
	}
	return fmt.Sprintf("%s and %d more", targets[0], len(targets)-1)
}

// unreferenced asks the scanner which variables of the sources it turns
// into no array on purpose, and why: those it leaves out as unsupported
// (what a scan with --on-unsupported=skip lists as skipped; scan.Inspect
// alone does not know them all: a filter without a codec shows only when
// the codec chain is built) and netCDF dimensions without coordinate
// variables, which it hides (scan.Inspect). Both read only metadata, in
// every format scan reads, and cost little beside reading every chunk;
// zarrcheck itself stays independent of the scanner. A source the scanner
// cannot read gives nothing: its variables absent from the set stay
// missing.
func (r *checkRun) unreferenced(ctx context.Context, sources []string) map[string]string {
	out := map[string]string{}
	add := func(objPath, reason string) {
		if p := strings.TrimPrefix(objPath, "/"); out[p] == "" {
			out[p] = reason
		}
	}
	warn := func(s string, err error) {
		if !r.quiet {
			fmt.Fprintf(r.stderr, "warning: cannot tell which variables scan leaves out of %s: %v\n", s, err)
		}
	}
	for _, s := range sources {
		res, err := scan.File(ctx, s, scan.FileOptions{Options: scan.Options{OnUnsupported: scan.UnsupportedSkip}})
		if err != nil {
			warn(s, err)
			continue
		}
		for _, ue := range res.Skipped {
			add(ue.Path, "scan leaves it out (--on-unsupported=skip): unsupported: "+ue.Feature)
		}
		info, err := scan.Inspect(ctx, s)
		if err != nil {
			warn(s, err)
			continue
		}
		for _, o := range info.Objects {
			if !o.Group && o.Hidden != "" {
				add(o.Path, "scan hides it: "+o.Hidden)
			}
		}
	}
	return out
}

// openSources opens the source, or for several the sources joined along
// --concat-dim as the combined set describes them. allowExtra is set when
// the combined coordinate has no variable in the sources (it came from
// file names, attributes or positions).
func (r *checkRun) openSources(ctx context.Context, set *refs.Set, paths []string) (src zarrcheck.Source, allowExtra bool, err error) {
	if len(paths) == 1 {
		src, err = zarrcheck.Open(paths[0])
		return src, false, err
	}
	var sources []zarrcheck.Source
	defer func() {
		if err != nil {
			for _, s := range sources {
				s.Close()
			}
		}
	}()
	for _, p := range paths {
		s, err := zarrcheck.Open(p)
		if err != nil {
			return nil, false, err
		}
		sources = append(sources, s)
	}
	dim := r.concatDim
	axes, err := concatAxes(set, dim)
	if err != nil {
		return nil, false, err
	}
	vars, err := sources[0].Variables(ctx)
	if err != nil {
		return nil, false, err
	}
	allowExtra = true
	for _, v := range vars {
		if v.Path == dim {
			allowExtra = false
		}
	}
	joined, order, err := zarrcheck.Concat(ctx, sources, paths, dim, axes)
	if err != nil {
		return nil, false, err
	}
	if !r.quiet {
		fmt.Fprintf(r.stderr, "sources joined along %s in this order: %s\n", dim, strings.Join(order, ", "))
		if allowExtra {
			fmt.Fprintf(r.stderr, "note: the sources have no %s variable: the combined one is not compared\n", dim)
		}
	}
	return joined, allowExtra, nil
}

// chunkProgress shows on a terminal how far the reading of a large array
// has come: one line, rewritten in place, erased when the array is done.
type chunkProgress struct {
	w    io.Writer
	mu   sync.Mutex
	last time.Time
}

// progressMinChunks is the size from which an array counts as large.
const progressMinChunks = 64

func (p *chunkProgress) update(path string, done, total int) {
	if total < progressMinChunks {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := time.Now(); done < total && now.Sub(p.last) >= 100*time.Millisecond {
		p.last = now
	} else if done < total {
		return
	}
	io.WriteString(p.w, progressLine(path, done, total))
}

// progressLine is what chunkProgress writes: the line, from the start of
// the terminal line, or nothing (the line erased) once the array is done.
func progressLine(path string, done, total int) string {
	const erase = "\r\x1b[K"
	if done >= total {
		return erase
	}
	return fmt.Sprintf("%sreading /%s: %d/%d chunks", erase, path, done, total)
}

// concatAxes reads from a combined set where each array has the concat
// dimension and which arrays hold CF times (the coordinate, its bounds).
func concatAxes(set *refs.Set, dim string) (map[string]zarrcheck.ConcatAxis, error) {
	type attrs struct {
		Dims                    []string
		Units, Calendar, Bounds string
	}
	read := func(path string) attrs {
		at := set.Attrs(path)
		var a attrs
		a.Dims, _ = at.Strings("_ARRAY_DIMENSIONS")
		a.Units, _ = at.String("units")
		a.Calendar, _ = at.String("calendar")
		a.Bounds, _ = at.String("bounds")
		return a
	}
	coord := read(dim)
	out := map[string]zarrcheck.ConcatAxis{}
	for _, path := range set.ArrayPaths() {
		a := read(path)
		ax := zarrcheck.ConcatAxis{Axis: slices.Index(a.Dims, dim)}
		units, calendar := a.Units, a.Calendar
		if units == "" && coord.Bounds == path {
			units, calendar, ax.Bounds = coord.Units, coord.Calendar, dim
		}
		if ax.Axis >= 0 && strings.Contains(strings.ToLower(units), " since ") {
			z, err := set.ZArray(path)
			if err != nil {
				return nil, err
			}
			dt, err := zarr.ParseDTypeJSON(z.DType)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			ax.Units, ax.Calendar = units, calendar
			ax.Type = zarrcheck.ElemType{Kind: dt.Kind, Size: dt.Size, Name: dt.Str}
		}
		out[path] = ax
	}
	return out, nil
}
