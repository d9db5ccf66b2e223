package netcdf3

import (
	"context"
	"fmt"
	"io"
	"strings"

	"gokerchunk/format"
)

// Inspect reads the header and describes the file for `gokerchunk info`:
// the root group with the global attributes, then every variable with its
// type, shape, chunks as Scan makes them and where its data lies.
func Inspect(ctx context.Context, r io.ReaderAt, size int64, name string) (*format.Info, error) {
	f, err := open(r, size, name)
	if err != nil {
		return nil, err
	}
	s := newScanner(ctx, r, f, Options{URL: name})
	summary := fmt.Sprintf("netCDF-3 %s, %d-byte header", versionName(f.version), f.header.size)
	if f.nrecvars > 0 || f.recDim >= 0 {
		summary += fmt.Sprintf(", %d records of %d bytes", f.records, f.recsize)
		if f.streaming {
			summary += " (numrecs STREAMING: counted from the file size)"
		}
	}
	info := &format.Info{Summary: summary}
	info.Objects = append(info.Objects, format.ObjectInfo{Path: "/", Group: true, Attributes: len(f.attrs)})
	for i := range f.vars {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		info.Objects = append(info.Objects, s.describe(i))
	}
	dims := make([]string, len(f.dims))
	for i, d := range f.dims {
		dims[i] = fmt.Sprintf("%s = %d", d.name, d.length)
		if i == f.recDim {
			dims[i] = fmt.Sprintf("%s = UNLIMITED (%d currently)", d.name, f.records)
		}
	}
	if len(dims) > 0 {
		info.Notes = append(info.Notes, "dimensions: "+strings.Join(dims, ", "))
	}
	return info, nil
}

// describe describes variable i as Scan would reference it.
func (s *scanner) describe(i int) format.ObjectInfo {
	v, vl := &s.f.vars[i], &s.f.varData[i]
	oi := format.ObjectInfo{Path: "/" + v.name, Attributes: len(v.attrs), DType: v.typ.info().dtype, Shape: vl.shape}
	for axis, id := range v.dimids {
		oi.Dims = append(oi.Dims, s.f.dims[id].name)
		if id == s.f.recDim {
			oi.MaxShape = append(oi.MaxShape, -1)
		} else {
			oi.MaxShape = append(oi.MaxShape, int64(vl.shape[axis]))
		}
	}
	if vl.record {
		oi.Layout = fmt.Sprintf("records of %d bytes at %d, every %d bytes", vl.nbytes, v.begin, s.f.recsize)
	} else {
		oi.Layout = fmt.Sprintf("contiguous, %d bytes at %d", vl.nbytes, v.begin)
	}
	// The chunks are Scan's; it makes no reads before it inlines.
	if err := s.emit(i); err != nil {
		oi.Unsupported = err.Error()
		if ue, ok := err.(*format.UnsupportedError); ok {
			oi.Unsupported = ue.Feature
		}
		return oi
	}
	for _, c := range s.res.Set.Arrays[v.name].ZArray.Chunks {
		oi.Chunks = append(oi.Chunks, uint64(c))
	}
	return oi
}
