package netcdf3

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// The header (netCDF classic format specification, "The Format in
// Detail"; netCDF-C libsrc/v1hpg.c):
//
//	header   = magic numrecs dim_list gatt_list var_list
//	magic    = 'C' 'D' 'F' VERSION          // \x01, \x02 or \x05
//	numrecs  = NON_NEG | STREAMING
//	dim_list = ABSENT | NC_DIMENSION nelems [dim ...]
//	att_list = ABSENT | NC_ATTRIBUTE nelems [attr ...]
//	var_list = ABSENT | NC_VARIABLE  nelems [var ...]
//	dim      = name dim_length              // length 0: the record dimension
//	attr     = name nc_type nelems [values ...]  // values padded to 4 bytes
//	var      = name nelems [dimid ...] vatt_list nc_type vsize begin
//	name     = nelems namestring            // padded to 4 bytes
//
// NON_NEG and nelems are 4 bytes in CDF-1 and CDF-2 and 8 in CDF-5, as are
// dimids; begin is 4 bytes in CDF-1 and 8 in CDF-2 and CDF-5; tags and
// nc_type are always 4 bytes.

// List tags.
const (
	tagAbsent    = 0
	tagDimension = 0x0A
	tagVariable  = 0x0B
	tagAttribute = 0x0C
)

// header is the parsed header.
type header struct {
	version byte // 1 (CDF-1, classic), 2 (CDF-2, 64-bit offset), 5 (CDF-5, 64-bit data)
	// numrecs is the number of records the header states; streaming
	// says it is STREAMING (all ones) instead, the records being what the
	// file holds.
	numrecs   uint64
	streaming bool
	dims      []dimension
	attrs     []attribute
	vars      []variable
	// size is the header's length in bytes: the data starts after it.
	size int64
}

type dimension struct {
	name   string
	length uint64 // 0 for the record dimension
}

// attribute is one attribute as stored: its values raw (big-endian, the
// padding left out), a slice of the header's bytes.
type attribute struct {
	name  string
	typ   ncType
	n     uint64 // elements
	data  []byte
	where int64 // offset of the attribute in the header, for messages
}

// variable is one variable's header entry.
type variable struct {
	name   string
	dimids []int
	attrs  []attribute
	typ    ncType
	vsize  uint64 // as stored: redundant, and capped at 2^32-1 in CDF-1/2
	begin  int64
	where  int64 // offset of the entry in the header, for errors
}

// versionName names the format variants as netCDF-C's documentation does.
func versionName(v byte) string {
	switch v {
	case 1:
		return "CDF-1 (classic)"
	case 2:
		return "CDF-2 (64-bit offset)"
	case 5:
		return "CDF-5 (64-bit data)"
	}
	return fmt.Sprintf("CDF version %d", v)
}

// magic reports whether b starts with the magic number of a classic
// format: "CDF" and a version byte of 1, 2 or 5.
func magic(b []byte) (byte, bool) {
	if len(b) < 4 || b[0] != 'C' || b[1] != 'D' || b[2] != 'F' {
		return 0, false
	}
	switch b[3] {
	case 1, 2, 5:
		return b[3], true
	}
	return 0, false
}

// readHeader parses the header.
func (d *decoder) readHeader() (*header, error) {
	m := d.bytes("magic number", 4)
	if d.err != nil {
		return nil, d.err
	}
	v, ok := magic(m)
	if !ok {
		d.fail("magic number", 0, "%q is not CDF\\x01, CDF\\x02 or CDF\\x05", m)
		return nil, d.err
	}
	d.version = v
	h := &header{version: v}
	// numrecs is a NON_NEG, or STREAMING: all bits set in its width.
	off := d.pos
	if v == 5 {
		h.numrecs = d.u64("numrecs")
		h.streaming = h.numrecs == 1<<64-1
		if !h.streaming && h.numrecs > 1<<63-1 {
			d.fail("numrecs", off, "%d is not a non-negative 64-bit integer", h.numrecs)
		}
	} else {
		h.numrecs = uint64(d.u32("numrecs"))
		h.streaming = h.numrecs == 1<<32-1
	}
	h.dims = d.dimList()
	h.attrs = d.attList("global attribute list")
	h.vars = d.varList(len(h.dims))
	if d.err != nil {
		return nil, d.err
	}
	h.size = d.pos
	return h, nil
}

// countSize is the size of NON_NEG and nelems fields; offsetSize that of
// begin.
func (d *decoder) countSize() int64 {
	if d.version == 5 {
		return 8
	}
	return 4
}

func (d *decoder) offsetSize() int64 {
	if d.version == 1 {
		return 4
	}
	return 8
}

// listHead reads a list's tag and element count: ABSENT (zero tag, zero
// count) or the list's own tag. netCDF-C accepts any tag before a zero
// count; so does this, as an empty list is unambiguous.
func (d *decoder) listHead(structure string, tag uint32) uint64 {
	off := d.pos
	t := d.u32(structure)
	n := d.count(structure)
	if d.err == nil && n > 0 && t != tag {
		d.fail(structure, off, "tag %#x before %d elements, want %#x", t, n, tag)
		return 0
	}
	return n
}

// ncName reads a name: its length, its UTF-8 bytes and the padding. A name
// becomes a Zarr path or attribute key: it must be one netCDF-C could
// have written (not empty, valid UTF-8, no '/' or NUL, not starting with
// '.'), which also keeps it from making a path of several nodes or a
// metadata key.
func (d *decoder) ncName(structure string) string {
	off := d.pos
	n := d.count(structure)
	if d.err == nil && n > uint64(d.remaining()) {
		d.failShort(structure, off, "name of %d bytes, the file ends %d bytes after this offset", n, d.remaining())
	}
	b := d.bytes(structure, int64(n))
	d.bytes(structure, padding(int64(n)))
	if d.err != nil {
		return ""
	}
	switch {
	case n == 0:
		d.fail(structure, off, "empty name")
	case !utf8.Valid(b):
		d.fail(structure, off, "name %q is not UTF-8", b)
	case bytes.ContainsAny(b, "/\x00"), b[0] == '.':
		d.fail(structure, off, "%q is not a netCDF name", b)
	}
	return string(b)
}

// dimList reads the dimensions.
func (d *decoder) dimList() []dimension {
	const structure = "dimension list"
	off := d.pos
	n := d.listHead(structure, tagDimension)
	if !d.countFits(structure, off, n, 2*d.countSize(), "dimensions") {
		return nil
	}
	dims := make([]dimension, n)
	seen := make(map[string]bool, n)
	for i := range dims {
		at := d.pos
		dims[i].name = d.ncName("dimension name")
		dims[i].length = d.count("dimension length")
		if d.err != nil {
			return nil
		}
		if seen[dims[i].name] {
			d.fail("dimension", at, "a second dimension named %q", dims[i].name)
			return nil
		}
		seen[dims[i].name] = true
	}
	return dims
}

// attList reads an attribute list (the global one, or a variable's).
// Attributes are kept in order, the first of a repeated name winning as
// in netCDF-C's lookup by name.
func (d *decoder) attList(structure string) []attribute {
	off := d.pos
	n := d.listHead(structure, tagAttribute)
	if !d.countFits(structure, off, n, 2*d.countSize()+4, "attributes") {
		return nil
	}
	attrs := make([]attribute, 0, n)
	for range n {
		a := d.attribute()
		if d.err != nil {
			return nil
		}
		attrs = append(attrs, a)
	}
	return attrs
}

func (d *decoder) attribute() attribute {
	a := attribute{where: d.pos}
	a.name = d.ncName("attribute name")
	off := d.pos
	a.typ = ncType(d.u32("attribute type"))
	if d.err == nil && !a.typ.valid(d.version) {
		d.fail("attribute type", off, "attribute %q: %s is not a type of %s", a.name, a.typ, versionName(d.version))
	}
	off = d.pos
	a.n = d.count("attribute nelems")
	if d.err != nil {
		return a
	}
	size := int64(a.typ.size())
	if a.n > uint64(d.remaining())/uint64(size) {
		d.failShort("attribute values", off, "attribute %q: %d values of %d bytes, the file ends %d bytes after this offset", a.name, a.n, size, d.remaining())
		return a
	}
	nbytes := int64(a.n) * size
	// The values alias the header buffer, which is never written: a
	// buffer that grows is copied, the old one left as it was.
	a.data = d.bytes("attribute values", nbytes)
	d.bytes("attribute values", padding(nbytes))
	return a
}

// varList reads the variables; ndims is the number of dimensions their
// ids index.
func (d *decoder) varList(ndims int) []variable {
	const structure = "variable list"
	off := d.pos
	n := d.listHead(structure, tagVariable)
	cs := d.countSize()
	if !d.countFits(structure, off, n, 4*cs+8+d.offsetSize(), "variables") {
		return nil
	}
	vars := make([]variable, n)
	seen := make(map[string]bool, n)
	for i := range vars {
		v := &vars[i]
		v.where = d.pos
		v.name = d.ncName("variable name")
		if d.err == nil && seen[v.name] {
			d.fail("variable", v.where, "a second variable named %q", v.name)
		}
		seen[v.name] = true
		off := d.pos
		rank := d.count("variable nelems")
		if !d.countFits("variable nelems", off, rank, cs, "dimension ids") {
			return nil
		}
		v.dimids = make([]int, rank)
		for j := range v.dimids {
			at := d.pos
			var id uint64
			if d.version == 5 {
				id = d.u64("dimension id")
			} else {
				id = uint64(d.u32("dimension id"))
			}
			if d.err == nil && id >= uint64(ndims) {
				d.fail("dimension id", at, "variable %q: dimension id %d, the file has %d dimensions", v.name, id, ndims)
			}
			v.dimids[j] = int(id)
		}
		v.attrs = d.attList("variable attribute list")
		off = d.pos
		v.typ = ncType(d.u32("variable type"))
		if d.err == nil && !v.typ.valid(d.version) {
			d.fail("variable type", off, "variable %q: %s is not a type of %s", v.name, v.typ, versionName(d.version))
		}
		v.vsize = d.count("variable vsize")
		v.begin = d.offset("variable begin")
		if d.err != nil {
			return nil
		}
	}
	return vars
}

// IsMagic reports whether b starts with the magic number of a classic
// format (CDF-1, CDF-2 or CDF-5).
func IsMagic(b []byte) bool {
	_, ok := magic(b)
	return ok
}
