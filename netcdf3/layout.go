package netcdf3

import (
	"fmt"

	"gokerchunk/format"
	"gokerchunk/refs"
)

// Where the data lies (netCDF classic format specification, "Notes on
// computing file offsets"; netCDF-C libsrc/var.c NC_var_shape and
// v1hpg.c NC_computeshapes, nc3internal.c NC_check_voffs):
//
//   - A non-record variable's values are contiguous at its begin, in C
//     order, its size rounded up to 4 bytes.
//   - Record variables (those whose first dimension is the record
//     dimension) are interleaved: record r of every record variable, in
//     header order, then record r+1. A record variable's part of a record
//     starts at its begin + r * recsize. recsize is the sum of the record
//     variables' per-record sizes, each rounded up to 4 bytes, except
//     when the file has exactly one record variable: then its records
//     follow each other without padding.

// maxDataBytes bounds a variable's size (or its size per record) so that
// offsets and sizes computed from it cannot overflow; no file holds that
// much.
const maxDataBytes = 1 << 62

// dataLayout is where the data of every variable lies.
type dataLayout struct {
	records  uint64 // the records the file holds: the record dimension's length
	recDim   int    // index of the record dimension, -1 when there is none
	recsize  int64  // bytes from one record to the next
	beginRec int64  // offset of the first record
	nrecvars int
	varData  []varLayout // by variable, in header order
}

// varLayout is where one variable's data lies.
type varLayout struct {
	record bool
	shape  []uint64 // the variable's shape, numrecs on the record axis
	// nbytes is the size of its data (of one record, for a record
	// variable); padded is nbytes rounded up to 4, netCDF-C's len.
	nbytes int64
	padded int64
}

// layoutOf works out the data layout from the header and checks it as
// netCDF-C does when it opens a file: the record dimension only as a
// variable's first, the header before every variable's data, non-record
// variables in header order without overlapping, then the record
// variables likewise. size is the file's size, which gives the number of
// records when the header says STREAMING.
func layoutOf(h *header, size int64, name string) (*dataLayout, error) {
	fail := func(structure string, off int64, msg string, args ...any) error {
		return &format.Error{File: name, Structure: structure, Offset: off, Msg: fmt.Sprintf(msg, args...)}
	}
	l := &dataLayout{recDim: -1, varData: make([]varLayout, len(h.vars))}
	for i, dim := range h.dims {
		if dim.length != 0 {
			continue
		}
		if l.recDim >= 0 {
			return nil, fail("dimension list", 0, "dimensions %q and %q both have length 0: a file has at most one record dimension", h.dims[l.recDim].name, dim.name)
		}
		l.recDim = i
	}
	var firstRec *varLayout
	var elems []int64
	for i := range h.vars {
		v, vl := &h.vars[i], &l.varData[i]
		elems = elems[:0]
		for axis, id := range v.dimids {
			if id == l.recDim {
				if axis > 0 {
					return nil, fail("variable", v.where, "variable %q has the record dimension %q as axis %d, not the first", v.name, h.dims[id].name, axis)
				}
				vl.record = true
				continue
			}
			elems = append(elems, int64(h.dims[id].length)) // at most 2^63-1 (decoder.count)
		}
		n, ok := refs.GridSize(append(elems, int64(v.typ.size())), maxDataBytes)
		if !ok {
			return nil, fail("variable", v.where, "variable %q of %s with dimensions %v is larger than %d bytes", v.name, v.typ, elems[:len(elems)-1], uint64(maxDataBytes))
		}
		vl.nbytes = int64(n)
		vl.padded = vl.nbytes + padding(vl.nbytes)
		if vl.record {
			l.nrecvars++
			if firstRec == nil {
				firstRec = vl
				l.beginRec = v.begin
			}
			if l.recsize += vl.padded; l.recsize > maxDataBytes {
				return nil, fail("variable", v.where, "records of more than %d bytes", uint64(maxDataBytes))
			}
		}
	}
	// netCDF-C packs the records of a single record variable; it tells
	// that case by the sum of the padded sizes being the first one's,
	// which also holds when the others are empty.
	if firstRec != nil && l.recsize == firstRec.padded {
		l.recsize = firstRec.nbytes
	}
	if err := l.checkOrder(h, fail); err != nil {
		return nil, err
	}
	l.records = h.numrecs
	if h.streaming {
		l.records = 0
		if l.recsize > 0 && size > l.beginRec {
			l.records = uint64((size - l.beginRec) / l.recsize)
		}
	}
	for i := range h.vars {
		v, vl := &h.vars[i], &l.varData[i]
		vl.shape = make([]uint64, len(v.dimids))
		for axis, id := range v.dimids {
			vl.shape[axis] = h.dims[id].length
			if id == l.recDim {
				vl.shape[axis] = l.records
			}
		}
	}
	return l, nil
}

// checkOrder checks the variables' offsets as NC_computeshapes and
// NC_check_voffs do: each non-record variable at or after the end of the
// header and of the one before it, the record variables likewise after
// the last non-record variable.
func (l *dataLayout) checkOrder(h *header, fail func(string, int64, string, ...any) error) error {
	prev, after := h.size, -1 // the end of the header, then of variable after
	for _, record := range []bool{false, true} {
		for i := range h.vars {
			v, vl := &h.vars[i], &l.varData[i]
			if vl.record != record {
				continue
			}
			if v.begin < prev {
				what := "the header"
				if after >= 0 {
					what = fmt.Sprintf("variable %q", h.vars[after].name)
				}
				return fail("variable", v.where, "variable %q begins at %d, before the end of %s at %d", v.name, v.begin, what, prev)
			}
			if v.begin > maxDataBytes {
				return fail("variable", v.where, "variable %q begins at %d", v.name, v.begin)
			}
			prev, after = v.begin+vl.padded, i
		}
	}
	return nil
}

// dataEnd is the offset just past the data of variable i (of its last
// record), or false when that lies past maxDataBytes. A record variable
// without records has no data: 0.
func (l *dataLayout) dataEnd(h *header, i int) (int64, bool) {
	v, vl := &h.vars[i], &l.varData[i]
	if !vl.record {
		return v.begin + vl.nbytes, true // both at most maxDataBytes
	}
	if l.records == 0 {
		return 0, true
	}
	if l.records-1 > uint64(maxDataBytes/max(l.recsize, 1)) {
		return 0, false
	}
	// Each term is at most maxDataBytes: the sum fits in a uint64.
	end := uint64(v.begin) + (l.records-1)*uint64(l.recsize) + uint64(vl.nbytes)
	return int64(end), end <= maxDataBytes
}
