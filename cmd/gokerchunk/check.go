package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"gokerchunk/blob"
	"gokerchunk/refs"
	"gokerchunk/refs/refio"
	"gokerchunk/zarr"
	"gokerchunk/zarrcheck"
)

func checkCommand() *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "verify a reference set: every reference resolves and decodes, and every array equals the source",
		ArgsUsage: "REFS",
		Description: `Reads every chunk through the references (byte range inside its target,
decodes to exactly the chunk's size) and compares every array, element by
element (NaN equals NaN, otherwise bit-exact; compounds member by member,
padding ignored; strings as strings; HDF5 fixed-length strings as
libhdf5 presents them under their padding type, against the Zarr "S" value
without trailing NULs), with the source file. Variables missing on either
side are reported. Prints a line per variable and a summary; exits 1 on any
difference.

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
cannot read at all (a damaged object header, a group it cannot list), with
the reason, and the check goes on with the others.

REFS is a kerchunk JSON file or a Parquet reference directory, local or on
S3 (s3://bucket/x.json, s3://bucket/set.parq); the chunks are read through
the references wherever they point (local files, s3://, http(s)://), the
sources with libnetcdf from local files. A combined
set is checked against all its sources (--source repeated, or a glob):
they are ordered by their own --concat-dim coordinate (CF times converted
with libnetcdf's units and calendar attributes to the combined units) and
each array is compared with the sources' values joined along that
dimension; arrays without it must be equal in every source.`,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "source", Usage: "the NetCDF/HDF5 file(s) the references were made from (required; repeat it, or give a glob, for a combined set)"},
			&cli.StringFlag{Name: "concat-dim", Value: "time", Usage: "with several sources: the dimension they were combined along"},
			s3PathStyleFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("check takes exactly one REFS (a JSON file or a Parquet directory)")
			}
			sources, err := expandSources(c.StringSlice("source"))
			if err != nil {
				return err
			}
			configureBlob(c)
			set, err := refio.Read(c.Context, c.Args().First())
			if err != nil {
				return err
			}
			src, allowExtra, err := openSources(c, set, sources)
			if err != nil {
				return err
			}
			defer src.Close()
			opener := blob.NewOpener()
			defer opener.Close()
			report, err := zarrcheck.Check(c.Context, set, opener, src, zarrcheck.Options{AllowExtra: allowExtra})
			if err != nil {
				return err
			}
			report.Write(c.App.Writer)
			if report.Failed() {
				return failure{}
			}
			return nil
		},
	}
}

// expandSources expands globs in the --source values.
func expandSources(vals []string) ([]string, error) {
	var out []string
	for _, v := range vals {
		if !strings.ContainsAny(v, "*?[") {
			out = append(out, v)
			continue
		}
		m, err := filepath.Glob(v)
		if err != nil || len(m) == 0 {
			return nil, usagef("--source %s: no file matches", v)
		}
		out = append(out, m...)
	}
	if len(out) == 0 {
		return nil, usagef("check needs --source FILE")
	}
	return out, nil
}

// openSources opens the source, or for several the sources joined along
// --concat-dim as the combined set describes them. allowExtra is set when
// the combined coordinate has no variable in the sources (it came from
// file names, attributes or positions).
func openSources(c *cli.Context, set *refs.Set, paths []string) (src zarrcheck.Source, allowExtra bool, err error) {
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
	dim := c.String("concat-dim")
	axes, err := concatAxes(set, dim)
	if err != nil {
		return nil, false, err
	}
	vars, err := sources[0].Variables(c.Context)
	if err != nil {
		return nil, false, err
	}
	allowExtra = true
	for _, v := range vars {
		if v.Path == dim {
			allowExtra = false
		}
	}
	joined, order, err := zarrcheck.Concat(c.Context, sources, paths, dim, axes)
	if err != nil {
		return nil, false, err
	}
	fmt.Fprintf(c.App.ErrWriter, "sources joined along %s in this order: %s\n", dim, strings.Join(order, ", "))
	if allowExtra {
		fmt.Fprintf(c.App.ErrWriter, "note: the sources have no %s variable: the combined one is not compared\n", dim)
	}
	return joined, allowExtra, nil
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
