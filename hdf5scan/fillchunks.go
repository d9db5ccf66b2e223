package hdf5scan

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"gokerchunk/refs"
)

// What a user sees in xarray depends on the Zarr fill_value: xarray's zarr
// engine takes it as the variable's _FillValue and masks every equal
// value. So .zarray's fill_value is the variable's _FillValue attribute when
// it has one (the mask the source shows) and null otherwise, for every
// type. Never-written chunks must still read as the source's readers return
// them (the HDF5 fill value; netCDF's fill past a dataset's extent), so
// wherever fill_value does not give exactly that, the chunk is stored
// explicitly: one encoded constant chunk, repeated inline at each such
// position.

// fills are the values a dataset's unwritten elements read as.
type fills struct {
	// stored is what libhdf5 returns for unwritten storage: the fill
	// value message's value, zeros for the library default.
	stored []byte
	// beyond is what libnetcdf returns past the dataset's HDF5 extent,
	// inside its netCDF dimensions: _FillValue or netCDF's default.
	beyond []byte
	// attr is the _FillValue attribute (the Zarr fill_value), nil if none.
	attr []byte
}

// datasetFills works out a dataset's fills from its fill value messages and
// the _FillValue attribute.
func (s *scanner) datasetFills(ds *dataset, o *object) fills {
	var fl fills
	fl.attr = s.fillAttribute(ds, o)
	fl.stored = make([]byte, ds.dtype.size)
	if ds.hasFill && ds.fill.defined && len(ds.fill.value) == ds.dtype.size {
		fl.stored = ds.fill.value
	}
	fl.beyond = fl.stored
	if s.netCDF {
		if fl.attr != nil {
			fl.beyond = fl.attr
		} else if b := netCDFDefaultFill(ds.dtype); b != nil {
			fl.beyond = b
		}
	}
	return fl
}

// fillAttribute returns the _FillValue attribute's bytes in the dataset's
// byte order, or nil when there is none of the dataset's type.
func (s *scanner) fillAttribute(ds *dataset, o *object) []byte {
	for _, a := range o.attrs {
		if a.name != "_FillValue" || a.space.elements() != 1 {
			continue
		}
		if a.dtype.class == ds.dtype.class && a.dtype.size == ds.dtype.size {
			b := append([]byte(nil), a.data...)
			if a.dtype.bigEndian != ds.dtype.bigEndian {
				reverse(b)
			}
			return b
		}
		s.note("%s: _FillValue of type %s does not match the variable's %s: kept as an attribute", o.path, a.dtype, ds.dtype)
	}
	return nil
}

// zarrFill is the .zarray fill_value: the _FillValue attribute where xarray
// can take it as a mask, else null. Booleans, structured and opaque values
// stay null even then (xarray would mask every False or fail to open the
// dataset on a void fill value).
func (zt *zarrType) zarrFill(fl fills, t *datatype) (json.RawMessage, error) {
	if fl.attr == nil || zt.kind == 'V' || zt.kind == 'b' {
		return json.RawMessage("null"), nil
	}
	return zt.fillJSON(fl.attr, t)
}

// fillUnwritten stores explicit chunks wherever a never-written chunk would
// otherwise read as something other than the source's value: everywhere
// when fill_value is null, and where the value read differs from it. The
// cost is one encoded constant chunk per such position, bounded by the
// decoded-inline budget; past it the variable is unsupported (with
// --on-unsupported=inline lifting the bound).
func (s *scanner) fillUnwritten(ds *variable, z *refs.ZArray, m *refs.Manifest, plan *codecPlan, fl fills, strFill string) error {
	var inside, beyond []int // unwritten positions by the value they need
	extent := ds.space.dims
	extended := false // netCDF lengthened an axis past the HDF5 extent
	for a := 0; a < len(extent) && a < len(z.Shape); a++ {
		extended = extended || uint64(z.Shape[a]) > extent[a]
	}
	for i, t := range m.Target {
		if t != refs.NoChunk {
			continue
		}
		past := false
		if extended {
			coords := m.Coords(i)
			for a := 0; a < len(extent) && a < len(coords); a++ {
				past = past || uint64(coords[a])*uint64(z.Chunks[a]) >= extent[a]
			}
		}
		if past {
			beyond = append(beyond, i)
		} else {
			inside = append(inside, i)
		}
	}
	if len(inside)+len(beyond) == 0 {
		return nil
	}
	if m.Stored() == 0 && !ds.ztype.vlenString {
		// Nothing is referenced, so the codecs are free: one that
		// compresses a constant chunk to almost nothing.
		plan = &codecPlan{target: []filter{{id: filterDeflate, params: []uint32{1}}}}
		plan.codecs = []refs.Codec{{"id": "zlib", "level": 1}}
		z.Filters = plan.codecs
	}
	var spent int64
	for _, group := range []struct {
		at   []int
		fill []byte
	}{{inside, fl.stored}, {beyond, fl.beyond}} {
		if len(group.at) == 0 {
			continue
		}
		if !ds.ztype.vlenString && fl.attr != nil && string(z.FillValue) != "null" && bytes.Equal(group.fill, fl.attr) {
			continue // fill_value gives exactly this
		}
		chunk, err := s.fillChunk(ds, z, plan, group.fill, strFill)
		if err != nil {
			return err
		}
		spent += int64(len(group.at)) * (int64(len(chunk)) + fillKeyCost)
		if spent > s.maxDecodedInline() {
			return errUnsupported(fmt.Sprintf("%d never-written chunks would need %d MiB of explicit fill chunks, over the %d MiB budget (its fill_value must stay %s so that xarray masks what the source masks; --on-unsupported=inline stores them anyway)",
				len(inside)+len(beyond), spent>>20, s.maxDecodedInline()>>20, z.FillValue))
		}
		for _, i := range group.at {
			m.SetInline(i, chunk)
		}
	}
	return nil
}

// fillKeyCost is what one explicit chunk costs a JSON reference set beyond
// its bytes (its key and quoting), charged to the inline budget so that
// many small unwritten chunks are bounded too.
const fillKeyCost = 32

// fillChunk encodes one chunk of fill values with the array's codecs.
func (s *scanner) fillChunk(ds *variable, z *refs.ZArray, plan *codecPlan, fill []byte, strFill string) ([]byte, error) {
	n := chunkBytes(z, ds.ztype.size)
	if n > maxChunkBytes {
		return nil, errUnsupported(fmt.Sprintf("chunks of %d bytes to store as explicit fill", n))
	}
	count := int(n) / ds.ztype.size
	if ds.ztype.vlenString {
		if int64(count)*int64(4+len(strFill)) > s.maxDecodedInline() {
			return nil, errUnsupported(fmt.Sprintf("chunks of %d strings to store as explicit fill", count))
		}
		chunk := binary.LittleEndian.AppendUint32(nil, uint32(count))
		for i := 0; i < count; i++ {
			chunk = binary.LittleEndian.AppendUint32(chunk, uint32(len(strFill)))
			chunk = append(chunk, strFill...)
		}
		return chunk, nil
	}
	elem := fill
	if len(elem) > ds.ztype.size {
		elem = elem[:ds.ztype.size] // an array datatype: one element of its base
	}
	if plan != nil && plan.zfp != nil {
		// zfpy reads each chunk's own header: a constant field in
		// reversible mode does, whatever mode the stored chunks use.
		return plan.zfp.header.Constant(elem), nil
	}
	if plan != nil && !plan.encodable() {
		return nil, errUnsupported(fmt.Sprintf("never-written chunks need explicit fill chunks, and the codecs %s cannot be encoded here", describeFilters(plan.target)))
	}
	elem = append([]byte(nil), elem...)
	if ds.ztype.narrow != nil {
		widen(ds.ztype.narrow, elem)
	}
	chunk := bytes.Repeat(elem, count)
	if plan == nil {
		return chunk, nil
	}
	var err error
	for _, flt := range plan.target {
		if chunk, err = encodeFilter(flt, chunk, ds.dtype.size); err != nil {
			return nil, err
		}
	}
	return chunk, nil
}
