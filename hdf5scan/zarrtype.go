package hdf5scan

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"gokerchunk/refs"
)

// zarrType is how an HDF5 datatype is presented as the element of a Zarr v2
// array, following what zarr-python itself writes for the numpy dtype h5py
// gives the data.
type zarrType struct {
	dtype json.RawMessage // a numpy type string ("<f4") or a structured list
	// kind is numpy's kind of the element: 'i', 'u', 'f', 'c', 'b', 'S',
	// 'V' (opaque and structured) or 'O' (embedded strings).
	kind byte
	size int // bytes per Zarr element
	// extra holds the dimensions of an HDF5 array datatype, which Zarr
	// (like numpy) presents as trailing axes of the array.
	extra []int64
	// vlenString: variable-length strings, whose chunks hold heap
	// references; the values are embedded with the vlen-utf8 codec.
	// Object references are embedded the same way, as the paths of the
	// objects they point to (objectRef).
	vlenString bool
	objectRef  bool
	// narrow: integers with fewer value bits than their size (n-bit
	// data, h5py's custom precisions), presented as full-width integers,
	// and floats of a reduced, non-IEEE layout (n-bit floats), presented
	// as the IEEE floats of their size; every chunk is decoded and
	// widened (see widen).
	narrow *datatype
}

// zarrTypeOf maps t onto a Zarr v2 element type or reports, as the feature
// of an UnsupportedError, why it cannot be one.
func zarrTypeOf(t *datatype) (*zarrType, error) {
	if t.size < 1 || t.size > maxStringSize {
		// Fill values and chunks are built from elements: one of
		// gigabytes exists only in corrupt files.
		return nil, errUnsupported(fmt.Sprintf("%s elements", t))
	}
	switch t.class {
	case classVlen:
		if !t.vlenString {
			return nil, errUnsupported("variable-length sequences (no Zarr v2 dtype that xarray reads holds them)")
		}
		return &zarrType{dtype: json.RawMessage(`"|O"`), kind: 'O', size: t.size, vlenString: true}, nil
	case classReference:
		if t.refType == 0 && t.size <= 8 {
			return &zarrType{dtype: json.RawMessage(`"|O"`), kind: 'O', size: t.size, vlenString: true, objectRef: true}, nil
		}
	case classFixedPoint:
		if !t.fullWidth && canWiden(t) {
			return narrowType(t)
		}
	case classFloat:
		if !t.ieee {
			// h5py (and xarray through it) reads such a type as the
			// numpy float of its size when that holds its values.
			if why := t.ieeeHolds(t.size); why != "" {
				return nil, errUnsupported(fmt.Sprintf("floating point of %d bytes with a non-IEEE bit layout: %s", t.size, why))
			}
			return narrowType(t)
		}
	case classArray:
		if t.base == nil || t.base.class == classArray || t.base.class == classVlen {
			return nil, errUnsupported(fmt.Sprintf("array datatype of %s", t.base))
		}
		zt, err := zarrTypeOf(t.base)
		if err != nil {
			return nil, err
		}
		n := int64(zt.size)
		for _, d := range t.arrayDim {
			zt.extra = append(zt.extra, int64(d))
			n *= int64(d)
			if n > int64(t.size) {
				break
			}
		}
		if n != int64(t.size) {
			return nil, errUnsupported(fmt.Sprintf("array datatype of %d bytes with dimensions %v of %d-byte elements", t.size, t.arrayDim, zt.size))
		}
		return zt, nil
	}
	descr, kind, err := numpyDescr(t)
	if err != nil {
		return nil, errUnsupported(err.Error())
	}
	doc, err := refs.MarshalCanonical(descr) // "<i4", not json.Marshal's "\u003ci4"
	if err != nil {
		return nil, err
	}
	zt := &zarrType{dtype: doc, kind: kind, size: t.size}
	return zt, nil
}

// narrowType is the Zarr type of the narrow integer or float type t: that
// of the full-width integer or the IEEE float of its size, its chunks
// widened (see widen).
func narrowType(t *datatype) (*zarrType, error) {
	full := *t
	full.fullWidth, full.ieee = true, true
	zt, err := zarrTypeOf(&full)
	if err == nil {
		zt.narrow = t
	}
	return zt, err
}

// numpyDescr is the numpy description of t as zarr-python writes it in .zarray:
// a type string, or for compounds a list of [name, descr] or [name, descr,
// shape] fields with unnamed "|V<n>" fields for padding (numpy's descr).
func numpyDescr(t *datatype) (any, byte, error) {
	order := "<"
	if t.bigEndian {
		order = ">"
	}
	switch t.class {
	case classFixedPoint, classBitfield:
		kind := byte('u')
		if t.signed && t.class == classFixedPoint {
			kind = 'i'
		}
		if !t.fullWidth {
			// numpy would read the padding bits (and miss the sign of
			// a narrower signed value).
			return nil, 0, fmt.Errorf("%d-byte integers with fewer value bits or a bit offset", t.size)
		}
		switch t.size {
		case 1:
			return fmt.Sprintf("|%c1", kind), kind, nil
		case 2, 4, 8:
			return fmt.Sprintf("%s%c%d", order, kind, t.size), kind, nil
		}
		return nil, 0, fmt.Errorf("%d-byte integers", t.size)
	case classFloat:
		if t.vaxOrder || !t.ieee {
			return nil, 0, fmt.Errorf("floating point of %d bytes with a non-IEEE bit layout", t.size)
		}
		return fmt.Sprintf("%sf%d", order, t.size), 'f', nil
	case classString:
		if t.size < 1 || t.size > maxStringSize {
			return nil, 0, fmt.Errorf("fixed-length strings of %d bytes", t.size)
		}
		return fmt.Sprintf("|S%d", t.size), 'S', nil
	case classOpaque:
		if t.size < 1 {
			return nil, 0, fmt.Errorf("opaque type of %d bytes", t.size)
		}
		if dt, ok := numpyTimeTag(t.tag, t.size); ok {
			return dt, dt[1], nil
		}
		return fmt.Sprintf("|V%d", t.size), 'V', nil
	case classEnum:
		if t.isBool() {
			return "|b1", 'b', nil
		}
		if t.base == nil || t.base.class != classFixedPoint {
			return nil, 0, fmt.Errorf("enumeration over %s", t.base)
		}
		return numpyDescr(t.base)
	case classCompound:
		if c, ok := complexDescr(t); ok {
			return c, 'c', nil
		}
		fields, err := compoundFields(t)
		return fields, 'V', err
	case classVlen:
		if t.vlenString {
			// numpy keeps them as object fields, which no Zarr v2
			// codec encodes (vlen-utf8 takes a whole object array).
			return nil, 0, fmt.Errorf("variable-length strings inside a compound or array type (a Zarr v2 structured dtype cannot hold an object field)")
		}
		return nil, 0, fmt.Errorf("variable-length sequences")
	case classReference:
		if t.refType == 1 {
			return nil, 0, fmt.Errorf("dataset region references")
		}
		return nil, 0, fmt.Errorf("object references")
	}
	return nil, 0, fmt.Errorf("%s datatype", t)
}

// widen rewrites elements of the narrow type t in place: integers as
// full-width integers of the same size and byte order (the value bits
// shifted down, the sign extended for signed types, padding cleared),
// floats as IEEE floats of the same size and byte order (ieeeHolds
// tells that they hold every value).
func widen(t *datatype, data []byte) {
	var order binary.ByteOrder = binary.LittleEndian
	if t.bigEndian {
		order = binary.BigEndian
	}
	for i := 0; i+t.size <= len(data); i += t.size {
		raw := uintN(order, data[i:], t.size)
		var v uint64
		switch {
		case t.class != classFloat:
			v = narrowValue(t, raw)
		case t.size == 4:
			v = uint64(math.Float32bits(float32(t.float.value(raw))))
		default:
			v = math.Float64bits(t.float.value(raw))
		}
		putUintN(order, data[i:], t.size, v)
	}
}

func putUintN(order binary.ByteOrder, b []byte, size int, v uint64) {
	switch size {
	case 1:
		b[0] = byte(v)
	case 2:
		order.PutUint16(b, uint16(v))
	case 4:
		order.PutUint32(b, uint32(v))
	default:
		order.PutUint64(b, v)
	}
}

// numpyTimeTag recognises h5py's datetime64/timedelta64 data: an 8-byte
// opaque type tagged "NUMPY:" and the numpy type, e.g. "NUMPY:<M8[s]".
func numpyTimeTag(tag string, size int) (string, bool) {
	dt, ok := strings.CutPrefix(tag, "NUMPY:")
	if !ok || size != 8 || len(dt) < 6 || (dt[0] != '<' && dt[0] != '>') || (dt[1] != 'M' && dt[1] != 'm') ||
		dt[2] != '8' || dt[3] != '[' || !strings.HasSuffix(dt, "]") {
		return "", false
	}
	for _, r := range dt[4 : len(dt)-1] {
		if r < 'a' || r > 'z' {
			return "", false
		}
	}
	return dt, true
}

// complexDescr is numpy's type string for a complex number stored as a
// compound of two floats (see complexFloat).
func complexDescr(t *datatype) (string, bool) {
	f, ok := t.complexFloat()
	if !ok {
		return "", false
	}
	order := "<"
	if f.bigEndian {
		order = ">"
	}
	return fmt.Sprintf("%sc%d", order, 2*f.size), true
}

// compoundFields lists the fields of a structured dtype in offset order,
// with padding between and after members made explicit as numpy does.
func compoundFields(t *datatype) ([]any, error) {
	members := append([]member(nil), t.members...)
	sort.SliceStable(members, func(i, j int) bool { return members[i].offset < members[j].offset })
	var fields []any
	pos := 0
	seen := map[string]bool{}
	for _, m := range members {
		if m.name == "" || seen[m.name] {
			return nil, fmt.Errorf("compound member name %q (empty or repeated)", m.name)
		}
		seen[m.name] = true
		if m.offset < pos || m.typ == nil || m.offset+m.typ.size > t.size {
			return nil, fmt.Errorf("compound member %q at offset %d overlaps another or the end of the %d-byte type", m.name, m.offset, t.size)
		}
		if m.offset > pos {
			fields = append(fields, []any{"", fmt.Sprintf("|V%d", m.offset-pos)})
		}
		typ := m.typ
		if typ.class == classArray {
			// numpy and zarr 2 take [name, descr, shape] fields; zarr 3
			// refuses them, and xarray then refuses the whole group.
			return nil, fmt.Errorf("compound member %q is an array %v: zarr 3 cannot open structured dtypes with sub-array fields", m.name, typ.arrayDim)
		}
		d, _, err := numpyDescr(typ)
		if err != nil {
			return nil, fmt.Errorf("compound member %q: %w", m.name, err)
		}
		fields = append(fields, []any{m.name, d})
		pos = m.offset + m.typ.size
	}
	if pos < t.size {
		fields = append(fields, []any{"", fmt.Sprintf("|V%d", t.size-pos)})
	}
	return fields, nil
}

// fillJSON encodes the fill bytes of one element as a Zarr v2 fill_value,
// as zarr-python does: base64 for bytes, structured and opaque types,
// [re, im] for complex numbers.
func (zt *zarrType) fillJSON(b []byte, t *datatype) (json.RawMessage, error) {
	if b == nil {
		return json.RawMessage("null"), nil
	}
	if len(b) > zt.size {
		b = b[:zt.size] // an array datatype: one element of its base
	}
	if zt.narrow != nil {
		b = append([]byte(nil), b...)
		widen(zt.narrow, b)
		full := *t
		full.fullWidth, full.ieee = true, true
		t = &full
	}
	switch zt.kind {
	case 'S', 'V':
		return json.Marshal(base64.StdEncoding.EncodeToString(b))
	case 'M', 'm':
		var order binary.ByteOrder = binary.LittleEndian
		if zt.dtype[1] == '>' { // dtype is the JSON string "<M8[s]"
			order = binary.BigEndian
		}
		return json.Marshal(int64(order.Uint64(b)))
	case 'b':
		return json.Marshal(b[0] != 0)
	case 'O':
		return json.RawMessage(`""`), nil
	}
	for t.class == classArray || (t.class == classEnum && t.base != nil) {
		t = t.base
	}
	v, err := elementValue(nil, nil, t, b)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case float32:
		return refs.FillFloat(float64(x)), nil
	case float64:
		return refs.FillFloat(x), nil
	case []any: // complex
		parts := make([]json.RawMessage, len(x))
		for i, p := range x {
			parts[i] = refs.FillFloat(toFloat(p))
		}
		return json.Marshal(parts)
	}
	return json.Marshal(v)
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float32:
		return float64(x)
	case float64:
		return x
	}
	return 0
}
