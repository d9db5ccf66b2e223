package netcdf3

import (
	"encoding/json"
	"fmt"
)

// ncType is an external data type of the classic formats (netCDF classic
// format specification, nc_type; netcdf.h NC_BYTE ... NC_UINT64). Every
// multi-byte value is stored big-endian (XDR).
type ncType uint32

const (
	ncByte   ncType = 1
	ncChar   ncType = 2
	ncShort  ncType = 3
	ncInt    ncType = 4
	ncFloat  ncType = 5
	ncDouble ncType = 6
	// CDF-5 only.
	ncUByte  ncType = 7
	ncUShort ncType = 8
	ncUInt   ncType = 9
	ncInt64  ncType = 10
	ncUInt64 ncType = 11
)

// typeInfo is what a type is on disk and in Zarr.
type typeInfo struct {
	name  string // as CDL writes it
	size  int    // bytes per element
	dtype string // numpy type string: what the stored bytes are
}

var types = [...]typeInfo{
	ncByte:   {"byte", 1, "|i1"},
	ncChar:   {"char", 1, "|S1"},
	ncShort:  {"short", 2, ">i2"},
	ncInt:    {"int", 4, ">i4"},
	ncFloat:  {"float", 4, ">f4"},
	ncDouble: {"double", 8, ">f8"},
	ncUByte:  {"ubyte", 1, "|u1"},
	ncUShort: {"ushort", 2, ">u2"},
	ncUInt:   {"uint", 4, ">u4"},
	ncInt64:  {"int64", 8, ">i8"},
	ncUInt64: {"uint64", 8, ">u8"},
}

// dtypeJSON holds each type's dtype as the JSON string .zarray holds,
// made once: arrays share them and never change them.
var dtypeJSON = func() [len(types)]json.RawMessage {
	var out [len(types)]json.RawMessage
	for t, info := range types {
		if info.dtype != "" {
			out[t] = json.RawMessage(`"` + info.dtype + `"`)
		}
	}
	return out
}()

// valid reports whether t is a type of the given format version: CDF-1
// and CDF-2 know the six original types, CDF-5 adds the unsigned and
// 64-bit integers.
func (t ncType) valid(version byte) bool {
	if version == 5 {
		return t >= ncByte && t <= ncUInt64
	}
	return t >= ncByte && t <= ncDouble
}

func (t ncType) info() typeInfo { return types[t] }

func (t ncType) size() int { return types[t].size }

func (t ncType) String() string {
	if t >= ncByte && t <= ncUInt64 {
		return types[t].name
	}
	return fmt.Sprintf("type %d", uint32(t))
}
