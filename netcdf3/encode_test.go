package netcdf3

import (
	"bytes"
	"encoding/binary"
)

// A netCDF classic writer for tests: files the fixtures cannot give
// (many records, large variables, headers that break one rule), laid out
// as netCDF-C lays them out (non-record variables after the header in
// order, each padded to 4 bytes, then the records).

type testDim struct {
	name   string
	length uint64 // 0: the record dimension
}

type testAttr struct {
	name string
	typ  ncType
	n    uint64
	data []byte // big-endian values, unpadded
}

type testVar struct {
	name  string
	dims  []int
	typ   ncType
	attrs []testAttr
	// fill is the byte every data byte of the variable gets; the data of
	// record r of a record variable gets fill+r.
	fill byte
}

type testFile struct {
	version byte
	numrecs uint64
	dims    []testDim
	attrs   []testAttr
	vars    []testVar
}

type testEncoder struct {
	bytes.Buffer
	version byte
}

func (e *testEncoder) count(n uint64) {
	if e.version == 5 {
		e.Write(binary.BigEndian.AppendUint64(nil, n))
	} else {
		e.Write(binary.BigEndian.AppendUint32(nil, uint32(n)))
	}
}

func (e *testEncoder) u32(n uint32) { e.Write(binary.BigEndian.AppendUint32(nil, n)) }

func (e *testEncoder) name(s string) {
	e.count(uint64(len(s)))
	e.WriteString(s)
	e.Write(make([]byte, padding(int64(len(s)))))
}

func (e *testEncoder) attrs(list []testAttr) {
	if len(list) == 0 {
		e.u32(tagAbsent)
		e.count(0)
		return
	}
	e.u32(tagAttribute)
	e.count(uint64(len(list)))
	for _, a := range list {
		e.name(a.name)
		e.u32(uint32(a.typ))
		e.count(a.n)
		e.Write(a.data)
		e.Write(make([]byte, padding(int64(len(a.data)))))
	}
}

// sizes returns each variable's data size (per record for record
// variables) and whether it is a record variable.
func (f *testFile) sizes() ([]int64, []bool) {
	sizes, rec := make([]int64, len(f.vars)), make([]bool, len(f.vars))
	for i, v := range f.vars {
		n := int64(1)
		if v.typ.valid(5) {
			n = int64(v.typ.size())
		}
		for axis, d := range v.dims {
			if d >= len(f.dims) {
				continue // a broken header on purpose
			}
			if f.dims[d].length == 0 && axis == 0 {
				rec[i] = true
				continue
			}
			n *= int64(f.dims[d].length)
		}
		sizes[i] = n
	}
	return sizes, rec
}

// encode writes the file. numrecs in the header is f.numrecs; the data
// holds that many records.
func (f *testFile) encode() []byte {
	sizes, rec := f.sizes()
	header := func(begins []int64) []byte {
		e := &testEncoder{version: f.version}
		e.WriteString("CDF")
		e.WriteByte(f.version)
		if f.version == 5 {
			e.count(f.numrecs)
		} else {
			e.u32(uint32(f.numrecs))
		}
		if len(f.dims) == 0 {
			e.u32(tagAbsent)
			e.count(0)
		} else {
			e.u32(tagDimension)
			e.count(uint64(len(f.dims)))
			for _, d := range f.dims {
				e.name(d.name)
				e.count(d.length)
			}
		}
		e.attrs(f.attrs)
		if len(f.vars) == 0 {
			e.u32(tagAbsent)
			e.count(0)
		} else {
			e.u32(tagVariable)
			e.count(uint64(len(f.vars)))
			for i, v := range f.vars {
				e.name(v.name)
				e.count(uint64(len(v.dims)))
				for _, d := range v.dims {
					e.count(uint64(d))
				}
				e.attrs(v.attrs)
				e.u32(uint32(v.typ))
				e.count(uint64(sizes[i] + padding(sizes[i])))
				if f.version == 1 {
					e.u32(uint32(begins[i]))
				} else {
					e.Write(binary.BigEndian.AppendUint64(nil, uint64(begins[i])))
				}
			}
		}
		return e.Bytes()
	}
	begins := make([]int64, len(f.vars))
	hsize := int64(len(header(begins)))
	off := hsize
	var recsize int64
	nrec := 0
	for i := range f.vars {
		if !rec[i] {
			begins[i] = off
			off += sizes[i] + padding(sizes[i])
		}
	}
	beginRec := off
	for i := range f.vars {
		if rec[i] {
			begins[i] = beginRec + recsize
			recsize += sizes[i] + padding(sizes[i])
			nrec++
		}
	}
	if nrec == 1 {
		for i := range f.vars {
			if rec[i] {
				recsize = sizes[i]
			}
		}
	}
	out := header(begins)
	for i, v := range f.vars {
		if !rec[i] {
			out = append(out, bytes.Repeat([]byte{v.fill}, int(sizes[i]))...)
			out = append(out, make([]byte, padding(sizes[i]))...)
		}
	}
	for r := range f.numrecs {
		rec0 := len(out)
		out = append(out, make([]byte, recsize)...)
		for i, v := range f.vars {
			if rec[i] {
				at := rec0 + int(begins[i]-beginRec)
				copy(out[at:], bytes.Repeat([]byte{v.fill + byte(r)}, int(sizes[i])))
			}
		}
	}
	return out
}
