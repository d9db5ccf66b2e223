package hdf5scan

// fillValue is what a dataset's fill value messages say (spec §IV.A.2.e,
// §IV.A.2.f). Three states matter: a stored value, the library default
// (all-zero bytes) and "undefined" (no fill at all).
type fillValue struct {
	defined bool   // false: fill value explicitly undefined
	value   []byte // nil with defined: library default (zeros)
}

// parseFillValue decodes the new fill value message (type 0x05), versions
// 1 to 3.
func (f *file) parseFillValue(m message) (fillValue, error) {
	d := f.decoderOver("fill value message", m.off, m.data)
	fv := fillValue{defined: true}
	switch version := d.u8(); version {
	case 1, 2:
		d.u8() // space allocation time
		d.u8() // fill value write time
		// Size and value follow only when the fill value is defined
		// (libhdf5's H5O__fill_new_decode, both versions; PyTables writes
		// version 1 messages with the flag clear and a size of -1).
		// "Not defined" reads as the library default (zeros), as in libhdf5.
		if defined := d.u8(); defined != 0 {
			size := d.u32()
			if size > 0 && size != 0xFFFFFFFF {
				fv.value = d.bytes(int(size))
			}
		}
	case 3:
		flags := d.u8()
		if flags&0x10 != 0 {
			fv.defined = false
		}
		if flags&0x20 != 0 {
			size := int(d.u32())
			if size > 0 {
				fv.value = d.bytes(size)
			}
		}
	default:
		d.fail("fill value message version %d is not defined (1 to 3)", version)
	}
	if d.err != nil {
		return fillValue{}, d.err
	}
	return fv, nil
}

// parseFillValueOld decodes the old fill value message (type 0x04): size
// and raw value, written by earliest-format files beside the new message.
func (f *file) parseFillValueOld(m message) (fillValue, error) {
	d := f.decoderOver("old fill value message", m.off, m.data)
	size := int(d.u32())
	fv := fillValue{defined: true}
	if size > 0 {
		fv.value = d.bytes(size)
	}
	return fv, d.err
}
