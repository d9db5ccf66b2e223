// Package zarrcheck verifies a reference set against the file it was made
// from: every chunk reference resolves inside its target and decodes to the
// chunk's size, and every array read back through the references equals the
// values independent readers (libnetcdf, libhdf5) return for the same
// variable.
//
// Open chooses the reader of each variable:
//
//   - A file without an HDF5 superblock (netCDF classic) is read with
//     libnetcdf.
//   - An HDF5 file whose root group lacks the _NCProperties attribute that
//     netCDF-C writes (plain HDF5, h5py) is read with libhdf5 alone: every
//     dataset reached through hard links is a variable, read in the file's
//     own datatype.
//   - A netCDF-4 file lists libnetcdf's variables, with their netCDF
//     shapes, and reads them with libnetcdf, except those libhdf5 reads from
//     their dataset: types libnetcdf cannot read (compound, opaque, vlen),
//     HDF5 fixed-length strings (which libnetcdf 4.9 presents as strings,
//     misreads and frees twice) and h5py booleans; plus the datasets
//     libnetcdf does not list, other than dimension scales (its dimensions).
//     A variable read with libhdf5 whose HDF5 extent falls short of its
//     netCDF dimensions is listed as unchecked.
//
// An object libhdf5 cannot read at all (a damaged object header, a group
// it cannot open or list) is listed as unchecked with the reason
// (Variable.Unreadable); the other variables are checked as usual.
//
// Numbers compare by value (NaN equals NaN, otherwise bit-exact, byte order
// aside); compounds and structured dtypes member by member, by name,
// padding ignored; complex dtypes against h5py's {r, i} compounds; strings
// as strings. An HDF5 fixed-length string compares as its readers present
// it (H5Tget_strpad: NULLTERM cut at the first NUL, NULLPAD without
// trailing NULs, SPACEPAD without trailing spaces) with the string numpy
// makes of the Zarr "S" value (its bytes without trailing NULs).
//
// Equal values are not enough: the metadata must make xarray's zarr engine
// show what the source holds (StatusMetadata otherwise). The array's
// fill_value must equal the source's _FillValue attribute as a value of the
// array's dtype, and be null when the source has none, since xarray masks
// every element equal to it; a _FillValue in .zattrs must agree too.
// _ARRAY_DIMENSIONS must name one dimension per axis, the source's names
// when it has them (libnetcdf's; plain HDF5 datasets have none).
package zarrcheck

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"gokerchunk/blob"
	"gokerchunk/internal/pool"
	"gokerchunk/refs"
	"gokerchunk/zarr"
)

// Options tune Check.
type Options struct {
	// Workers is how many arrays are checked at once; 0 or 1 checks them one
	// after another. The sources serialise their library calls, so extra
	// workers mostly overlap chunk fetching and decoding.
	Workers int
	// AllowExtra reports arrays that have no source variable without
	// counting them as failures.
	AllowExtra bool
	// Unreferenced maps the path of a source variable that the scanner
	// turns into no array on purpose to why (left out as unsupported, a
	// netCDF dimension without a coordinate variable): when the reference
	// set has no array for it, it is unchecked with that reason instead of
	// missing. The caller takes it from the scanner's own description of
	// the file; zarrcheck does not import the scanner, whose reading of
	// the file it exists to verify.
	Unreferenced map[string]string
	// Progress, when not nil, is called after each stored chunk of an
	// array is fetched and decoded through its reference, with how many of
	// the array's stored chunks are done. With several workers it is
	// called concurrently.
	Progress func(path string, done, total int)
}

// Check verifies set against src, opening chunk targets through o. Problems
// with single variables become report entries, sorted by path; the error is
// for failures that stop the whole check (listing the source, a cancelled
// context). Each array is read whole on both sides, so memory grows with
// the largest array times the number of workers.
func Check(ctx context.Context, set *refs.Set, o *blob.Opener, src Source, opts Options) (*Report, error) {
	vars, err := src.Variables(ctx)
	if err != nil {
		return nil, fmt.Errorf("check: list source variables: %w", err)
	}
	c := &checker{set: set, store: zarr.Open(set, o), src: src, targets: &targetSizes{opener: o},
		unreferenced: opts.Unreferenced, progress: opts.Progress}
	byPath := make(map[string]*Variable, len(vars))
	for i := range vars {
		byPath[vars[i].Path] = &vars[i]
	}
	inSet := map[string]bool{}
	paths := make([]string, 0, len(vars))
	for _, p := range c.store.Arrays() {
		inSet[p] = true
		paths = append(paths, p)
	}
	for p := range byPath {
		if !inSet[p] {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)

	entries := make([]Entry, len(paths))
	pool.Each(len(paths), opts.Workers, func(i int) {
		if ctx.Err() == nil {
			entries[i] = c.check(ctx, paths[i], inSet[paths[i]], byPath[paths[i]])
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	return &Report{Entries: entries, AllowExtra: opts.AllowExtra}, nil
}

// checker holds what the per-array checks share.
type checker struct {
	set     *refs.Set
	store   *zarr.Store
	src     Source
	targets *targetSizes
	// unreferenced and progress are Options.Unreferenced and
	// Options.Progress.
	unreferenced map[string]string
	progress     func(path string, done, total int)
}

// check produces the entry of one path: inSet says whether the reference set
// has the array, v is the source variable or nil.
func (c *checker) check(ctx context.Context, path string, inSet bool, v *Variable) Entry {
	e := Entry{Path: path}
	fail := func(s Status, format string, args ...any) Entry {
		e.Status, e.Detail = s, fmt.Sprintf(format, args...)
		return e
	}
	unreadable := v != nil && v.Unreadable != nil
	switch {
	case !inSet && unreadable:
		return fail(StatusUnchecked, "the source object cannot be read (%v), and the reference set has no array for it", v.Unreadable)
	case !inSet && c.unreferenced[path] != "":
		return fail(StatusUnchecked, "not in the reference set: %s", c.unreferenced[path])
	case !inSet:
		return fail(StatusMissing, "source variable /%s has no array in the reference set", path)
	}
	unsupported := v != nil && !unreadable && !v.Type.Supported()
	a, err := c.store.Array(path)
	switch {
	case err != nil && unsupported:
		return fail(StatusError, "source type %s: %v; open array: %v", v.Type.Name, ErrUnsupported, err)
	case err != nil:
		return fail(StatusError, "open array: %v", err)
	}
	chunks, err := c.checkRefs(ctx, a)
	e.Chunks = chunks
	if err != nil {
		return fail(StatusError, "%v", err)
	}
	if v == nil {
		return fail(StatusExtra, "the source has no variable /%s", path)
	}
	if unreadable {
		return fail(StatusUnchecked, "references resolve and decode; values not compared: the source object cannot be read: %v", v.Unreadable)
	}
	if unsupported {
		return fail(StatusError, "source type %s: %v", v.Type.Name, ErrUnsupported)
	}
	return withMetadata(c.compareValues(ctx, a, v, e), c.checkMetadata(a, v))
}

// withMetadata adds the metadata differences of an array to its entry: a
// variable whose values agree (or could not be compared) fails with
// StatusMetadata, one that failed already says them too.
func withMetadata(e Entry, problems []string) Entry {
	if len(problems) == 0 {
		return e
	}
	msg := strings.Join(problems, "; ")
	switch e.Status {
	case StatusOK:
		e.Status, e.Detail = StatusMetadata, msg
	case StatusUnchecked:
		e.Status, e.Detail = StatusMetadata, msg+"; values not compared: "+e.Detail
	default:
		e.Detail += "; metadata: " + msg
	}
	return e
}

// compareValues compares the values of array a, read through its
// references, with those of the source variable v.
func (c *checker) compareValues(ctx context.Context, a *zarr.Array, v *Variable, e Entry) Entry {
	fail := func(s Status, format string, args ...any) Entry {
		e.Status, e.Detail = s, fmt.Sprintf(format, args...)
		return e
	}
	if v.Type.Kind == 'T' || a.DType.Kind == 'O' {
		return c.checkStrings(ctx, a, v, e)
	}
	cmp, msg := planComparison(a, v)
	if msg != "" {
		return fail(StatusMismatch, "%s", msg)
	}
	// Slabs along the first axis, each read through the references and
	// from the source and compared, so that memory holds two slabs, not
	// two copies of the variable.
	var (
		rowElems = cmp.elements // elements of one step along the first axis
		steps    = int64(1)
	)
	if len(cmp.shape) > 0 {
		steps = cmp.shape[0]
		rowElems = 1
		for _, d := range cmp.shape[1:] {
			rowElems *= d
		}
	}
	rowBytes := rowElems * int64(max(cmp.refSize, cmp.srcSize))
	perSlab := max(1, slabBytes/max(rowBytes, 1))
	if len(cmp.shape) > 0 {
		// And at most slabChunks chunks: libhdf5 keeps state for every
		// chunk a read selects (kilobytes each, even for chunks never
		// written), so a slab of millions of small chunks would take
		// gigabytes there.
		chunkRow := int64(1) // chunks in one chunk's length along the first axis
		for _, g := range a.Meta.Grid()[1:] {
			chunkRow *= int64(g)
		}
		c0 := a.Meta.Chunks[0]
		perSlab = min(perSlab, c0*max(1, slabChunks/max(chunkRow, 1)))
		// Whole chunks along the first axis, so that no chunk is read
		// and decoded for two slabs.
		if perSlab > c0 {
			perSlab -= perSlab % c0
		}
	}
	ordered, swap := cmp.inSourceOrder()
	var (
		differ      int64
		first       = int64(-1)
		description string
	)
	for s0 := int64(0); s0 < steps || s0 == 0; s0 += perSlab {
		var start, count []int64
		n := cmp.elements
		if len(cmp.shape) > 0 {
			start, count = make([]int64, len(cmp.shape)), slices.Clone(cmp.shape)
			start[0], count[0] = s0, min(perSlab, steps-s0)
			n = count[0] * rowElems
		}
		ref, err := a.Read(ctx, start, count)
		if err != nil {
			return fail(StatusError, "read through references: %v", err)
		}
		srcStart, srcCount := start, count
		if start != nil && len(cmp.srcTail) > 0 {
			// Characters collapsed into strings: the source has the
			// string length as one more dimension, read whole.
			srcStart = append(slices.Clone(start), make([]int64, len(cmp.srcTail))...)
			srcCount = append(slices.Clone(count), cmp.srcTail...)
		}
		srcVals, err := c.src.Read(ctx, v.Path, srcStart, srcCount)
		if errors.Is(err, ErrNotCompared) {
			return fail(StatusUnchecked, "%v", err)
		}
		if err != nil {
			return fail(StatusError, "read source: %v", err)
		}
		wantRef, wantSrc := n*int64(cmp.refSize), n*int64(cmp.srcSize)
		if int64(len(ref)) != wantRef || int64(len(srcVals)) != wantSrc {
			return fail(StatusError, "read %d bytes through references and %d from the source, want %d and %d", len(ref), len(srcVals), wantRef, wantSrc)
		}
		if swap {
			swapElements(ref, cmp.refSize)
		}
		if d := ordered.compare(ref, srcVals, n); d.count > 0 {
			if first < 0 {
				first, description = s0*rowElems+d.first, ordered.describe(ref, srcVals, d)
			}
			differ += d.count
		}
		if len(cmp.shape) == 0 || steps == 0 {
			break
		}
	}
	e.Elements = cmp.elements
	if differ > 0 {
		return fail(StatusMismatch, "%d of %d elements differ; first at %s%s",
			differ, cmp.elements, unravel(first, cmp.shape), description)
	}
	e.Status = StatusOK
	return e
}

// slabBytes bounds the bytes of one slab of a variable that
// compareValues reads at once from each side (at least one step along
// the first axis is read, however large); a variable within it is read
// whole. A variable, not a constant, so that tests can make it small.
var slabBytes int64 = 64 << 20

// slabChunks bounds the chunks of one slab (see compareValues).
const slabChunks = 8192

// comparison is how an array and a variable are compared element-wise.
type comparison struct {
	*layout
	shape    []int64
	elements int64
	// srcTail are the source's dimensions after the array's: the
	// string length of characters collapsed into strings.
	srcTail []int64
}

// planComparison decides whether the array and the variable hold the same kind
// of values in the same shape, and if not says why. A netCDF char variable
// matches a Zarr |S1 array of its shape, or an |Sn array whose shape lacks
// the variable's last dimension n (character strings collapsed to one
// element each).
func planComparison(a *zarr.Array, v *Variable) (comparison, string) {
	zs := a.Meta.Shape
	dt := a.DType
	srcShape, srcType := v.Shape, v.Type
	if dt.Kind == 'S' && srcType.Kind == 'S' && srcType.Size == 1 && dt.Size > 1 &&
		len(srcShape) == len(zs)+1 && srcShape[len(zs)] == int64(dt.Size) {
		srcShape = srcShape[:len(zs)]
		srcType = ElemType{Kind: 'S', Size: dt.Size, Name: fmt.Sprintf("%s(%d)", srcType.Name, dt.Size)}
	}
	l, msg := newLayout(dt, srcType)
	if msg != "" {
		return comparison{}, msg
	}
	if !slices.Equal(zs, srcShape) {
		return comparison{}, fmt.Sprintf("shape %v, source shape %v", zs, v.Shape)
	}
	n := int64(1)
	for _, d := range zs {
		n *= d
	}
	return comparison{layout: l, shape: zs, elements: n, srcTail: v.Shape[len(srcShape):]}, ""
}

// checkStrings compares an object array of strings with a variable-length
// string variable, string by string.
func (c *checker) checkStrings(ctx context.Context, a *zarr.Array, v *Variable, e Entry) Entry {
	fail := func(s Status, format string, args ...any) Entry {
		e.Status, e.Detail = s, fmt.Sprintf(format, args...)
		return e
	}
	if a.DType.Kind != 'O' || v.Type.Kind != 'T' {
		return fail(StatusMismatch, "dtype %s does not match source type %s", a.DType.Str, v.Type.Name)
	}
	if !slices.Equal(a.Meta.Shape, v.Shape) {
		return fail(StatusMismatch, "shape %v, source shape %v", a.Meta.Shape, v.Shape)
	}
	ref, err := a.ReadStrings(ctx)
	if err != nil {
		return fail(StatusError, "read through references: %v", err)
	}
	src, err := c.src.ReadStrings(ctx, v.Path)
	if errors.Is(err, ErrNotCompared) {
		return fail(StatusUnchecked, "%v", err)
	}
	if err != nil {
		return fail(StatusError, "read source: %v", err)
	}
	if len(ref) != len(src) {
		return fail(StatusError, "read %d strings through references and %d from the source", len(ref), len(src))
	}
	e.Elements = int64(len(ref))
	var differ, first int
	for i := range ref {
		if ref[i] != src[i] {
			if differ == 0 {
				first = i
			}
			differ++
		}
	}
	if differ > 0 {
		return fail(StatusMismatch, "%d of %d elements differ; first at %s: reference %q, source %q",
			differ, len(ref), unravel(int64(first), v.Shape), ref[first], src[first])
	}
	e.Status = StatusOK
	return e
}
