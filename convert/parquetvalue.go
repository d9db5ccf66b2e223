package convert

import (
	"math"
	"unsafe"

	"github.com/parquet-go/parquet-go"
)

// Making parquet.Values, the writers' input, through the API costs a
// constructor and a Value.Level call (which parquet-go's build does not
// inline) per value: a third of the conversion's time, measured on GHCN.
// A column's non-null Values differ only in their data, so valueMaker
// copies a template Value with the column's kind and levels and sets the
// data directly: the two words parquet.Value starts with, a pointer (byte
// arrays) and a 64-bit word (the number, or the byte array's length), as in
// parquet-go v0.32.0's value.go. The conversion of GHCN runs about 1.5
// times as fast for it.
//
// parquet.Value's layout is not part of its API, so it is checked once
// against Values the API makes (valueLayoutOK); should a parquet-go
// release change it, every Value is made through the API again, and
// TestValueLayout fails to say so.

// valueWords are the first two words of a parquet.Value.
type valueWords struct {
	ptr unsafe.Pointer
	u64 uint64
}

var valueLayoutOK = checkValueLayout()

// valueMaker makes the Values of one column: null, or a value of its type.
type valueMaker struct {
	typ  Type
	k    int
	null parquet.Value
	tmpl parquet.Value
}

func newValueMaker(t Type, k int) valueMaker {
	m := valueMaker{typ: t, k: k, null: parquet.Value{}.Level(0, 0, k)}
	if t == String {
		m.tmpl = parquet.ByteArrayValue(nil).Level(0, 1, k)
	} else {
		m.tmpl = m.slowBits(0)
	}
	return m
}

// slowValues is columnValues through the API.
func (m *valueMaker) slowValues(dst []parquet.Value, blk *block, rows []int32, src int, vals []value) []parquet.Value {
	for j, r := range rows {
		switch {
		case m.typ == String:
			if f := blk.field(int(r), src); len(f) == 0 {
				dst[j] = m.null
			} else {
				dst[j] = parquet.ByteArrayValue(f).Level(0, 1, m.k)
			}
		case vals[r].null:
			dst[j] = m.null
		case m.typ == Float32:
			dst[j] = m.slowBits(uint64(math.Float32bits(float32(vals[r].f))))
		case m.typ == Float64:
			dst[j] = m.slowBits(math.Float64bits(vals[r].f))
		default:
			dst[j] = m.slowBits(uint64(vals[r].i))
		}
	}
	return dst
}

// slowBits makes the value whose data word is u through the API: for
// Int32 and Date an int32, for Int64 the int64, for Float32 and Float64 the
// IEEE bits (a float32's in the low half), for Bool 0 or 1.
func (m *valueMaker) slowBits(u uint64) parquet.Value {
	var v parquet.Value
	switch m.typ {
	case Int32, Date:
		v = parquet.Int32Value(int32(u))
	case Int64:
		v = parquet.Int64Value(int64(u))
	case Float32:
		v = parquet.FloatValue(math.Float32frombits(uint32(u)))
	case Float64:
		v = parquet.DoubleValue(math.Float64frombits(u))
	case Bool:
		v = parquet.BooleanValue(u != 0)
	}
	return v.Level(0, 1, m.k)
}

// checkValueLayout tells whether valueMaker's Values are, bit for bit, the
// ones the API makes, for every type and a few values.
func checkValueLayout() bool {
	if unsafe.Sizeof(parquet.Value{}) < unsafe.Sizeof(valueWords{}) {
		return false
	}
	words := []uint64{0, 1, math.MaxUint64, 1 << 63, math.Float64bits(-1.5), uint64(math.Float32bits(2.5)), 0xdeadbeef}
	text := []byte("a value")
	for _, k := range []int{0, 1, 200} {
		for _, t := range []Type{Int32, Date, Int64, Float32, Float64, Bool} {
			m := newValueMaker(t, k)
			for _, u := range words {
				// Only the words the API can make: an int32's sign
				// extension, a float32's bits, a bool's 0 or 1.
				switch t {
				case Int32, Date:
					u = uint64(int32(u))
				case Float32:
					u = uint64(uint32(u))
				case Bool:
					u &= 1
				}
				v := m.tmpl
				(*valueWords)(unsafe.Pointer(&v)).u64 = u
				if v != m.slowBits(u) {
					return false
				}
			}
		}
		m := newValueMaker(String, k)
		for _, b := range [][]byte{text, text[2:5], text[:1]} {
			v := m.tmpl
			w := (*valueWords)(unsafe.Pointer(&v))
			w.ptr = unsafe.Pointer(unsafe.SliceData(b))
			w.u64 = uint64(len(b))
			if v != parquet.ByteArrayValue(b).Level(0, 1, k) {
				return false
			}
		}
	}
	return true
}
