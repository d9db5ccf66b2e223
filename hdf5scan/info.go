package hdf5scan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"gokerchunk/format"
)

// Inspect walks the file and describes every object for `gokerchunk
// info`.
func Inspect(ctx context.Context, r io.ReaderAt, size int64, name string) (*format.Info, error) {
	f, sb, err := open(r, size, name)
	if err != nil {
		return nil, err
	}
	s := &scanner{
		// Damaged objects are described in the notes, not fatal.
		f: f, opts: Options{URL: name, SkipUnsupported: true}, ctx: ctx, gh: &globalHeap{},
		byAddr: map[uint64]*object{}, phony: map[string][]phonyDim{},
		res: &format.Result{},
	}
	if err := s.walk(sb.rootHeader); err != nil {
		return nil, err
	}
	if err := s.prepare(); err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("HDF5 superblock v%d, %d-byte offsets, %d-byte lengths", sb.version, f.offsetSize, f.lengthSize)
	if f.base > 0 {
		summary += fmt.Sprintf(", %d-byte user block", f.base)
	}
	info := &format.Info{Summary: summary}
	// Described in netCDF-C's order (phony dimension numbering), listed in
	// preorder.
	described := map[*object]format.ObjectInfo{}
	for _, o := range s.netCDFOrder() {
		attrs := o.values
		oi := format.ObjectInfo{Path: o.path, Group: o.isGroup, Attributes: len(visibleAttrs(attrs))}
		if !o.isGroup {
			s.describeDataset(o, attrs, &oi)
		}
		described[o] = oi
	}
	for _, o := range s.objects {
		info.Objects = append(info.Objects, described[o])
	}
	info.Notes = append(f.ext.describe(), s.res.Notes...)
	for _, d := range s.res.Damaged {
		info.Notes = append(info.Notes, d.Error())
	}
	return info, nil
}

func (s *scanner) describeDataset(o *object, attrs map[string]any, oi *format.ObjectInfo) {
	if name, _ := attrs["NAME"].(string); strings.HasPrefix(name, dimensionPlaceholder) {
		oi.Hidden = "netCDF dimension without a coordinate variable"
	}
	ds := o.ds
	if ds.invalid != nil {
		setUnsupported(oi, ds.invalid)
		return
	}
	if ds.space.null && oi.Hidden == "" {
		// zarrarray.go notes it and writes no array: nothing to read.
		oi.Hidden = "a null dataspace (no shape, no elements): not an array"
	}
	if ds.storageErr != nil {
		setUnsupported(oi, ds.storageErr)
	}
	extra := describeShape(oi, ds)
	describeStorage(oi, ds)
	if oi.Hidden == "" && !ds.space.null {
		var err error
		if oi.Dims, err = s.dimensionNames(o, ds, attrs); err != nil {
			setUnsupported(oi, err)
		}
		for _, n := range extra {
			oi.Dims = append(oi.Dims, s.phonyDim(o.group, uint64(n), false, oi.Dims))
		}
	}
}

// setUnsupported records why the dataset cannot be referenced (the last
// reason found is shown).
func setUnsupported(oi *format.ObjectInfo, err error) {
	var ue *format.UnsupportedError
	if errors.As(err, &ue) {
		oi.Unsupported = ue.Feature
	} else {
		oi.Unsupported = err.Error()
	}
}

// describeShape sets the shape, maximum shape and dtype, and returns the
// dimensions of an array datatype, which are trailing axes in Zarr.
func describeShape(oi *format.ObjectInfo, ds *dataset) []int64 {
	oi.Shape = append([]uint64(nil), ds.space.dims...)
	for _, m := range ds.space.maxDims {
		if m == unlimitedDim {
			oi.MaxShape = append(oi.MaxShape, -1)
		} else {
			oi.MaxShape = append(oi.MaxShape, int64(m))
		}
	}
	zt, err := zarrTypeOf(ds.dtype)
	if err != nil {
		oi.DType = ds.dtype.String()
		setUnsupported(oi, err)
		return nil
	}
	oi.DType = string(zt.dtype)
	var name string
	if json.Unmarshal(zt.dtype, &name) == nil {
		oi.DType = name // a plain type string, shown without quotes
	}
	for _, n := range zt.extra {
		oi.Shape = append(oi.Shape, uint64(n))
		oi.MaxShape = append(oi.MaxShape, n)
	}
	return zt.extra
}

// describeStorage sets the layout, chunk shape and filters.
func describeStorage(oi *format.ObjectInfo, ds *dataset) {
	if ds.layout != nil {
		oi.Layout = ds.layout.describe()
		oi.Chunks = ds.layout.chunk
	}
	if ds.external != nil {
		oi.Layout += ", " + ds.external.files.describe()
	}
	for _, flt := range ds.filters {
		name := flt.name
		if name == "" {
			name = knownFilterNames[flt.id]
		}
		oi.Filters = append(oi.Filters, fmt.Sprintf("%s(%d)%v", name, flt.id, flt.params))
	}
}

var knownFilterNames = map[uint16]string{
	filterDeflate: "deflate", filterShuffle: "shuffle", filterFletcher32: "fletcher32",
	filterSzip: "szip", filterNbit: "nbit", filterScaleOffset: "scaleoffset",
	filterBzip2: "bzip2", filterLZF: "lzf", filterLZO: "lzo", filterBlosc: "blosc", filterLZ4: "lz4",
	filterBitshuffle: "bitshuffle", filterZFP: "zfp", filterZstd: "zstd",
}
