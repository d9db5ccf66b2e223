package hdf5scan

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// The netCDF-4 conventions on top of HDF5 (netCDF-C's libhdf5 layer).

// dimensionPlaceholder starts the NAME attribute of a dimension scale that
// stands for a netCDF dimension without a coordinate variable; such
// datasets hold no data and are dimensions, not variables.
const dimensionPlaceholder = "This is a netCDF dimension but not a netCDF variable"

// nonCoordPrefix is prepended by netCDF-C to a variable that shares a
// dimension's name without being its coordinate variable.
const nonCoordPrefix = "_nc4_non_coord_"

// hiddenAttributes are bookkeeping attributes of HDF5 dimension scales and
// netCDF-C that are never user attributes.
var hiddenAttributes = map[string]bool{
	"CLASS":               true,
	"NAME":                true,
	"REFERENCE_LIST":      true,
	"DIMENSION_LIST":      true,
	"_Netcdf4Dimid":       true,
	"_Netcdf4Coordinates": true,
	"_nc3_strict":         true,
	"_NCProperties":       true,
}

// netCDFName strips netCDF-C's non-coordinate prefix from an object name.
func netCDFName(name string) string {
	return strings.TrimPrefix(name, nonCoordPrefix)
}

// netCDFDefaultFill returns netCDF's default fill value (netcdf.h NC_FILL_*)
// for a variable of type t without a _FillValue, encoded in t's byte order,
// or nil when the type has none.
func netCDFDefaultFill(t *datatype) []byte {
	var order binary.ByteOrder = binary.LittleEndian
	if t.bigEndian {
		order = binary.BigEndian
	}
	b := make([]byte, t.size)
	switch {
	case t.class == classFixedPoint && t.size == 1:
		if t.signed {
			b[0] = 0x81 // NC_FILL_BYTE -127
		} else {
			b[0] = 255 // NC_FILL_UBYTE
		}
	case t.class == classFixedPoint && t.size == 2:
		if t.signed {
			order.PutUint16(b, uint16(0x8001)) // NC_FILL_SHORT -32767
		} else {
			order.PutUint16(b, 65535)
		}
	case t.class == classFixedPoint && t.size == 4:
		if t.signed {
			order.PutUint32(b, 0x80000001) // NC_FILL_INT -2147483647
		} else {
			order.PutUint32(b, 4294967295)
		}
	case t.class == classFixedPoint && t.size == 8:
		if t.signed {
			order.PutUint64(b, 0x8000000000000002) // NC_FILL_INT64
		} else {
			order.PutUint64(b, 18446744073709551614)
		}
	case t.class == classFloat && t.size == 4:
		order.PutUint32(b, math.Float32bits(9.9692099683868690e+36))
	case t.class == classFloat && t.size == 8:
		order.PutUint64(b, math.Float64bits(9.9692099683868690e+36))
	case t.class == classString:
		// NC_FILL_CHAR is the NUL byte: all zeros already.
	default:
		return nil
	}
	return b
}

// dimensionNames names each axis of a dataset for _ARRAY_DIMENSIONS, as
// netCDF-C presents the file: the dimension scale attached to the axis
// (its netCDF name, the last path component), the dataset itself for a
// one-dimensional scale, else netCDF-C's phony_dim_N.
func (s *scanner) dimensionNames(o *object, ds *dataset, attrs map[string]any) ([]string, error) {
	rank := len(ds.space.dims)
	names := make([]string, rank)
	for axis := range names {
		if axis < len(o.scales) && len(o.scales[axis]) > 0 {
			n := len(o.scales[axis])
			if n > 1 {
				s.note("%s: axis %d has %d dimension scales: named after the last attached, as netCDF-C does", o.path, axis, n)
			}
			names[axis] = netCDFName(pathBase(s.byAddr[o.scales[axis][n-1]].path))
		}
	}
	if class, _ := attrs["CLASS"].(string); class == "DIMENSION_SCALE" && rank == 1 && names[0] == "" {
		names[0] = netCDFName(pathBase(o.path))
	}
	var used []string // what an axis must not take again: netCDF-C checks the variable's dimension ids
	for _, n := range names {
		if n != "" {
			used = append(used, n)
		}
	}
	for axis, n := range names {
		if n != "" {
			continue
		}
		names[axis] = s.phonyDim(o.group, ds.space.dims[axis], ds.space.maxDims[axis] == unlimitedDim, used)
		used = append(used, names[axis])
	}
	return names, nil
}

// netCDFListsType reports whether netCDF-C presents a dataset of type t as
// a variable (and so gives it dimensions): atomic types and strings; it
// leaves out compounds, enumerations, opaque and array types that are not
// committed (as h5py writes them), references and sequences.
func netCDFListsType(t *datatype) bool {
	switch t.class {
	case classFixedPoint, classFloat, classString:
		return true
	case classVlen:
		return t.vlenString
	}
	return false
}

func pathBase(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// phonyDim returns netCDF-C's name for an axis without a dimension scale:
// the first dimension of the group (its dimension scales first, then phony
// dimensions) of the same length and unlimitedness that the variable does
// not use yet, else a new phony_dim_N, N counting every dimension of the
// file made so far (dimension scales first, then in traversal order).
func (s *scanner) phonyDim(group string, length uint64, unlimited bool, used []string) string {
	for _, d := range s.phony[group] {
		if d.length == length && d.unlimited == unlimited && !contains(used, d.name) {
			return d.name
		}
	}
	name := fmt.Sprintf("phony_dim_%d", s.phonyCount)
	s.phonyCount++
	// netCDF-C makes a new dimension of length 0 unlimited, whatever the
	// axis's maximum: later fixed axes of length 0 do not match it.
	s.phony[group] = append(s.phony[group], phonyDim{length: length, unlimited: unlimited || length == 0, name: name})
	return name
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// attachedScales resolves DIMENSION_LIST: for each axis, a variable-length
// list of object references to the dimension scales attached to it (HDF5
// Dimension Scales spec). Only scales found in the group tree are kept.
func (s *scanner) attachedScales(o *object) ([][]uint64, error) {
	var a *attribute
	for _, x := range o.attrs {
		if x.name == "DIMENSION_LIST" {
			a = x
		}
	}
	if a == nil {
		return nil, nil
	}
	t := a.dtype
	if t.class != classVlen || t.vlenString || t.base == nil || t.base.class != classReference || t.base.refType != 0 {
		s.note("%s: DIMENSION_LIST of type %s ignored", o.path, t)
		return nil, nil
	}
	n := int(a.space.elements())
	out := make([][]uint64, n)
	for axis := 0; axis < n; axis++ {
		data, count, err := s.f.vlenData(s.gh, a.data[axis*t.size:(axis+1)*t.size])
		if err != nil {
			return nil, fmt.Errorf("%s: DIMENSION_LIST: %w", o.path, err)
		}
		w := t.base.size // an object reference is an address of this width
		if w < 1 || w > 8 {
			return nil, s.f.formatError("DIMENSION_LIST", a.off, "%s: %d-byte object references", o.path, w)
		}
		if uint64(count)*uint64(w) > uint64(len(data)) {
			return nil, s.f.formatError("DIMENSION_LIST", a.off, "%s: %d references in a %d-byte heap object", o.path, count, len(data))
		}
		for i := 0; i < int(count); i++ {
			d := s.f.decoderOver("object reference", a.off, data[i*w:(i+1)*w])
			addr := d.uint(w)
			if _, ok := s.byAddr[addr]; !ok {
				s.note("%s: axis %d refers to a dimension scale at address %d that is not in the group tree", o.path, axis, addr)
				continue
			}
			out[axis] = append(out[axis], addr)
		}
	}
	return out, nil
}
