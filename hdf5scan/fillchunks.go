package hdf5scan

import (
	"bytes"
	"encoding/binary"
	"encoding/json"

	"gokerchunk/refs"
)

// xarray turns a Zarr fill_value into a _FillValue and masks equal values:
// for booleans that masks every False, and structured or opaque fill values
// (numpy void scalars) make it fail to open the whole dataset. kerchunk
// writes no fill value for such types, which leaves never-written chunks
// undefined. Instead the scanner writes none and, where chunks were never
// written, stores the fill value explicitly as inline chunks.

// needsExplicitFill reports the element kinds whose fill value must not
// appear in .zarray. Embedded strings are included: xarray would mask
// every "" and Debian's fsspec 2022.11 fails on their missing chunks.
func needsExplicitFill(kind byte) bool { return kind == 'V' || kind == 'b' || kind == 'O' }

// explicitFill inlines an encoded chunk of fill values at every unwritten
// chunk position and clears z.FillValue. When the codecs cannot be
// encoded here or the chunks would exceed the inline budget, the fill value
// stays in .zarray and a note says why.
func (s *scanner) explicitFill(ds *dataset, z *refs.ZArray, m *refs.Manifest, plan *codecPlan, fill []byte) error {
	if string(z.FillValue) == "null" {
		return nil
	}
	missing := m.Len() - m.Stored()
	if missing == 0 {
		z.FillValue = json.RawMessage("null")
		return nil
	}
	if plan != nil && !plan.encodable() {
		s.note("%s: fill_value kept in .zarray: the chunks' codecs cannot be encoded here (xarray needs mask_and_scale=False)", ds.path)
		return nil
	}
	n := chunkBytes(z, ds.ztype.size)
	if n > s.maxDecodedInline() {
		s.note("%s: fill_value kept in .zarray: chunks of %d bytes are too large to store explicitly", ds.path, n)
		return nil
	}
	var chunk []byte
	var err error
	if ds.ztype.vlenString {
		var str string
		if err := json.Unmarshal(z.FillValue, &str); err != nil {
			return err
		}
		count := int(n) / ds.ztype.size
		if size := 4 + int64(count)*int64(4+len(str)); size*int64(missing) > s.maxDecodedInline() {
			s.note("%s: fill_value kept in .zarray: %d unwritten chunks of %d bytes are too many to store explicitly", ds.path, missing, size)
			return nil
		}
		chunk = binary.LittleEndian.AppendUint32(nil, uint32(count))
		for i := 0; i < count; i++ {
			chunk = binary.LittleEndian.AppendUint32(chunk, uint32(len(str)))
			chunk = append(chunk, str...)
		}
		plan = nil
	} else {
		chunk = bytes.Repeat(fill[:ds.ztype.size], int(n)/ds.ztype.size)
	}
	if plan != nil {
		for _, flt := range plan.target {
			if chunk, err = encodeFilter(flt, chunk, ds.dtype.size); err != nil {
				return err
			}
		}
	}
	if int64(missing)*int64(len(chunk)) > s.maxDecodedInline() {
		s.note("%s: fill_value kept in .zarray: %d unwritten chunks are too many to store explicitly (xarray needs mask_and_scale=False)", ds.path, missing)
		return nil
	}
	for i, t := range m.Target {
		if t == refs.NoChunk {
			m.SetInline(i, chunk)
		}
	}
	z.FillValue = json.RawMessage("null")
	return nil
}
