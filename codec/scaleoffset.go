package codec

import (
	"encoding/binary"
	"math"
	"strconv"
)

// Parameters of the scale-offset filter, the indices of its cd_values
// (H5Zscaleoffset.c, H5Z_SCALEOFFSET_PARM_*). [0] and [1] are the user's
// (H5Pset_scaleoffset), the rest set_local's.
const (
	soffParmScaleType   = 0  // H5Z_SO_FLOAT_DSCALE, H5Z_SO_FLOAT_ESCALE or H5Z_SO_INT
	soffParmScaleFactor = 1  // D for D-scale, the minimum bits for integers (0: computed)
	soffParmNelmts      = 2  // elements in a chunk
	soffParmClass       = 3  // 0 integer, 1 floating point
	soffParmSize        = 4  // element size in bytes
	soffParmSign        = 5  // 0 unsigned, 1 two's complement
	soffParmOrder       = 6  // 0 little-endian, 1 big-endian
	soffParmFillAvail   = 7  // 1 when the dataset's fill value is defined
	soffParmFillValue   = 8  // the fill value, 4 bytes per cd_value, least significant first
	soffNParms          = 20 // H5Z_SCALEOFFSET_TOTAL_NPARMS
)

// Scale types of H5Pset_scaleoffset (H5Z_SO_scale_type_t).
const (
	soffFloatDScale = 0
	soffFloatEScale = 1
	soffInt         = 2
)

// soffHeader is the size of the chunk header: the minimum bits (4 bytes,
// little-endian), the size of the minimum value (1 byte, 8 as libhdf5
// writes it) and the minimum value (little-endian, in 16 bytes of which
// libhdf5 uses 8).
const soffHeader = 21

// ScaleOffset decodes a chunk of HDF5's scale-offset filter
// (H5Z_FILTER_SCALEOFFSET, 6) as H5Z__filter_scaleoffset of libhdf5 does,
// given the filter's 20 cd_values as the filter pipeline message stores
// them. The result is the chunk's elements in the dataset's byte order.
//
// Integers are stored as value - minimum in the chunk's minimum number of
// bits (libhdf5 computes it per chunk unless the user gave one). When the
// dataset's fill value is defined, elements equal to it are stored as all
// ones and come back as the fill value. Floating-point data (D-scale, the
// only method libhdf5 implements) is stored as round((value - minimum) *
// 10^D) in the same way, elements within 10^-D of the fill value as all
// ones, and is decoded with libhdf5's arithmetic: the integer, converted
// to the float type, divided by 10^D and added to the minimum, each step
// rounded to the float type.
//
// Chunks whose minimum bits equal the element size are stored raw after
// the header in the byte order of the machine that wrote them, which this
// decoder takes to be little-endian (libhdf5 itself misreads such chunks
// on a machine of the other byte order than the writer's). When the user
// gave a minimum bits equal to the element size, libhdf5 stores the chunk
// unchanged, without a header.
//
// libhdf5 refuses to write E-scale (H5Z_SO_FLOAT_ESCALE) and negative
// decimal scale factors; cd_values asking for E-scale give an
// *UnsupportedError.
func ScaleOffset(dst, src []byte, cdValues []uint32, limit int) ([]byte, error) {
	const format = "scaleoffset"
	limit = max(limit, 0)
	if len(cdValues) != soffNParms {
		return nil, formatErr(format, -1, "%d cd_values, want %d", len(cdValues), soffNParms)
	}
	scaleType := cdValues[soffParmScaleType]
	factor := int32(cdValues[soffParmScaleFactor])
	nelmts := int64(cdValues[soffParmNelmts])
	class := cdValues[soffParmClass]
	size := int64(cdValues[soffParmSize])
	be := cdValues[soffParmOrder] == 1
	fillDefined := cdValues[soffParmFillAvail] == 1

	switch class {
	case 1:
		if scaleType != soffFloatDScale && scaleType != soffFloatEScale {
			return nil, formatErr(format, -1, "scale type %d for floating-point data", scaleType)
		}
	case 0:
		if scaleType != soffInt {
			return nil, formatErr(format, -1, "scale type %d for integer data", scaleType)
		}
		factor = max(factor, 0)
	}
	if scaleType == soffFloatEScale {
		return nil, &UnsupportedError{Format: format, Feature: "E-scaling (libhdf5 does not implement it either)"}
	}
	if scaleType != soffFloatDScale {
		if int64(factor) > size*8 {
			return nil, formatErr(format, -1, "minimum bits %d exceed the %d-byte element", factor, size)
		}
		if int64(factor) == size*8 {
			// The filter does nothing to such chunks.
			if len(src) > limit {
				return nil, overLimit(format, limit)
			}
			out := grow(dst, len(src))
			copy(out, src)
			return out, nil
		}
	}

	if len(src) < soffHeader {
		return nil, formatErr(format, 0, "%d bytes, shorter than the %d-byte header", len(src), soffHeader)
	}
	minbits := int64(binary.LittleEndian.Uint32(src))
	var minval uint64
	for i := range min(int(src[4]), 8) {
		minval |= uint64(src[5+i]) << (8 * i)
	}
	if minbits > size*8 {
		return nil, formatErr(format, 0, "minimum bits %d exceed the %d-byte element", minbits, size)
	}
	if size != 0 && nelmts > int64(limit)/size {
		return nil, overLimit(format, limit)
	}
	n, esize := int(nelmts), int(size)
	data := src[soffHeader:]

	if minbits == size*8 {
		if len(data) < n*esize {
			return nil, formatErr(format, len(src), "%d bytes of full-precision data, want %d", len(data), n*esize)
		}
		out := grow(dst, n*esize)
		copy(out, data)
		if be {
			swapElements(out, esize)
		}
		return out, nil
	}
	// H5Z__scaleoffset_get_type: the C type the values are processed in.
	switch {
	case class == 0 && cdValues[soffParmSign] <= 1 && (esize == 1 || esize == 2 || esize == 4 || esize == 8):
	case class == 1 && (esize == 4 || esize == 8):
	default:
		return nil, formatErr(format, -1, "no C type of class %d, sign %d and size %d", class, cdValues[soffParmSign], esize)
	}
	if need := (nelmts*minbits + 7) / 8; int64(len(data)) < need {
		return nil, formatErr(format, len(src), "%d packed bytes for %d %d-bit values, want %d", len(data), n, minbits, need)
	}
	out := grow(dst, n*esize)
	fill := uint64(cdValues[soffParmFillValue]) | uint64(cdValues[soffParmFillValue+1])<<32
	r := packedBits{src: data}
	bits := uint(minbits)
	// The value of all minbits bits set stands for the fill value (only
	// when one is defined; minbits is below the element size here).
	sentinel := uint64(1)<<bits - 1
	if class == 0 {
		for i := range n {
			v, _ := r.readWide(bits) // length checked above; minbits 0 reads nothing
			if fillDefined && v == sentinel {
				v = fill
			} else {
				v += minval
			}
			putUint(out[i*esize:], v, esize, be)
		}
		return out, nil
	}
	if esize == 4 {
		pow := float32(pow10(int(factor), 32))
		lo := math.Float32frombits(uint32(minval))
		for i := range n {
			v, _ := r.read(bits)
			u := uint32(fill)
			if !fillDefined || v != sentinel {
				q := float32(int32(v)) / pow
				u = math.Float32bits(q + lo)
			}
			putUint(out[i*4:], uint64(u), 4, be)
		}
		return out, nil
	}
	pow := pow10(int(factor), 64)
	lo := math.Float64frombits(minval)
	for i := range n {
		v, _ := r.readWide(bits)
		u := fill
		if !fillDefined || v != sentinel {
			q := float64(int64(v)) / pow
			u = math.Float64bits(q + lo)
		}
		putUint(out[i*8:], u, 8, be)
	}
	return out, nil
}

// pow10 is 10^d correctly rounded to a float of bitSize bits, as libhdf5's
// pow(10.0, D) and powf(10.0f, D) give it for the decimal scale factors a
// dataset can have.
func pow10(d, bitSize int) float64 {
	// ParseFloat rounds correctly and gives ±Inf or 0 out of range.
	f, _ := strconv.ParseFloat("1e"+strconv.Itoa(d), bitSize)
	return f
}

// swapElements reverses the bytes of every size-byte element of b
// (H5Z__scaleoffset_convert).
func swapElements(b []byte, size int) {
	if size <= 1 {
		return
	}
	for i := 0; i+size <= len(b); i += size {
		e := b[i : i+size]
		for j := range size / 2 {
			e[j], e[size-1-j] = e[size-1-j], e[j]
		}
	}
}
