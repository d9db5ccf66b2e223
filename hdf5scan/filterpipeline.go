package hdf5scan

// HDF5 filter identifiers (spec §IV.A.2.l; H5Zpublic.h).
const (
	filterDeflate     = 1
	filterShuffle     = 2
	filterFletcher32  = 3
	filterSzip        = 4
	filterNbit        = 5
	filterScaleOffset = 6
	// Registered third-party filters (HDF Group's filter registry).
	filterLZO        = 305 // PyTables' LZO1X filter (src/H5Zlzo.c)
	filterBzip2      = 307
	filterLZF        = 32000
	filterBlosc      = 32001
	filterLZ4        = 32004
	filterBitshuffle = 32008
	filterZFP        = 32013
	filterZstd       = 32015
)

// filter is one stage of a dataset's filter pipeline, in encoding order.
type filter struct {
	id       uint16
	name     string
	optional bool
	params   []uint32 // client data values
}

// parseFilterPipeline decodes the filter pipeline message, versions 1 and 2.
func (f *file) parseFilterPipeline(m message) ([]filter, error) {
	d := f.decoderOver("filter pipeline message", m.off, m.data)
	version := d.u8()
	n := int(d.u8())
	if version == 1 {
		d.skip(6)
	} else if version != 2 {
		d.fail("filter pipeline version %d is not defined (1 or 2)", version)
	}
	if n > 32 {
		d.fail("%d filters: HDF5 allows at most 32", n)
	}
	var out []filter
	for i := 0; i < n && d.err == nil; i++ {
		var flt filter
		flt.id = d.u16()
		nameLen := 0
		if version == 1 || flt.id >= 256 {
			nameLen = int(d.u16())
		}
		flags := d.u16()
		flt.optional = flags&1 != 0
		nvals := int(d.u16())
		if nameLen > 0 {
			name := d.bytes(nameLen)
			if version == 1 {
				// Padded to a multiple of 8 bytes, NUL included.
				d.skip((nameLen+7)&^7 - nameLen)
			}
			for j, c := range name {
				if c == 0 {
					name = name[:j]
					break
				}
			}
			flt.name = string(name)
		}
		if nvals > d.remaining()/4 {
			d.fail("filter %d has %d client values in a %d-byte message", flt.id, nvals, d.remaining())
			break
		}
		for j := 0; j < nvals; j++ {
			flt.params = append(flt.params, d.u32())
		}
		if version == 1 && nvals%2 == 1 {
			d.skip(4)
		}
		out = append(out, flt)
	}
	if d.err != nil {
		return nil, d.err
	}
	return out, nil
}
