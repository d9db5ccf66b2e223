package hdf5scan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Info describes a file's structure for people (`gokerchunk info`).
type Info struct {
	SuperblockVersion int
	OffsetSize        int
	LengthSize        int
	UserBlock         int64 // bytes before the superblock
	Objects           []ObjectInfo
	Notes             []string
}

// ObjectInfo describes one group or dataset.
type ObjectInfo struct {
	Path       string
	Group      bool
	Attributes int
	// Datasets only:
	DType    string   // numpy dtype, or the HDF5 type when it has none
	Shape    []uint64 // current dimensions
	MaxShape []int64  // maximum dimensions, -1 for unlimited
	Chunks   []uint64 // chunk shape (chunked layout only)
	Layout   string   // "contiguous", "chunked, v1 B-tree index", ...
	Filters  []string
	Dims     []string // dimension names as the scanner emits them
	// Hidden says why the dataset is not an array ("netCDF dimension").
	Hidden string
	// Unsupported says why the dataset cannot be referenced.
	Unsupported string
}

// Inspect walks the file and describes every object.
func Inspect(ctx context.Context, r io.ReaderAt, size int64, name string) (*Info, error) {
	f, sb, err := open(r, size, name)
	if err != nil {
		return nil, err
	}
	s := &scanner{
		f: f, opts: Options{URL: name}, ctx: ctx, gh: &globalHeap{},
		byAddr: map[uint64]*object{}, phony: map[string][]phonyDim{},
		res: &Result{},
	}
	if err := s.walk(sb.rootHeader); err != nil {
		return nil, err
	}
	if err := s.prepare(); err != nil {
		return nil, err
	}
	info := &Info{SuperblockVersion: sb.version, OffsetSize: f.offsetSize, LengthSize: f.lengthSize, UserBlock: f.base}
	// Described in netCDF-C's order (phony dimension numbering), listed in
	// preorder.
	described := map[*object]ObjectInfo{}
	for _, o := range s.netCDFOrder() {
		attrs := o.values
		oi := ObjectInfo{Path: o.path, Group: o.isGroup, Attributes: len(visibleAttrs(attrs))}
		if !o.isGroup {
			s.describeDataset(o, attrs, &oi)
		}
		described[o] = oi
	}
	for _, o := range s.objects {
		info.Objects = append(info.Objects, described[o])
	}
	info.Notes = append(f.ext.describe(), s.res.Notes...)
	return info, nil
}

func (s *scanner) describeDataset(o *object, attrs map[string]any, oi *ObjectInfo) {
	if name, _ := attrs["NAME"].(string); strings.HasPrefix(name, dimensionPlaceholder) {
		oi.Hidden = "netCDF dimension without a coordinate variable"
	}
	ds := o.ds
	if ds.invalid != nil {
		oi.setUnsupported(ds.invalid)
		return
	}
	if ds.storageErr != nil {
		oi.setUnsupported(ds.storageErr)
	}
	extra := oi.describeShape(ds)
	oi.describeStorage(ds)
	if oi.Hidden == "" && !ds.space.null {
		var err error
		if oi.Dims, err = s.dimensionNames(o, ds, attrs); err != nil {
			oi.setUnsupported(err)
		}
		for _, n := range extra {
			oi.Dims = append(oi.Dims, s.phonyDim(o.group, uint64(n), false, oi.Dims))
		}
	}
}

// setUnsupported records why the dataset cannot be referenced (the last
// reason found is shown).
func (oi *ObjectInfo) setUnsupported(err error) {
	var ue *UnsupportedError
	if errors.As(err, &ue) {
		oi.Unsupported = ue.Feature
	} else {
		oi.Unsupported = err.Error()
	}
}

// describeShape sets the shape, maximum shape and dtype, and returns the
// dimensions of an array datatype, which are trailing axes in Zarr.
func (oi *ObjectInfo) describeShape(ds *dataset) []int64 {
	oi.Shape = append([]uint64(nil), ds.space.dims...)
	for _, m := range ds.space.maxDims {
		if m == unlimitedDim {
			oi.MaxShape = append(oi.MaxShape, -1)
		} else {
			oi.MaxShape = append(oi.MaxShape, int64(m))
		}
	}
	zt, err := ds.dtype.zarrType()
	if err != nil {
		oi.DType = ds.dtype.String()
		oi.setUnsupported(err)
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
func (oi *ObjectInfo) describeStorage(ds *dataset) {
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
	filterBzip2: "bzip2", filterLZF: "lzf", filterBlosc: "blosc", filterLZ4: "lz4",
	filterBitshuffle: "bitshuffle", filterZFP: "zfp", filterZstd: "zstd",
}
