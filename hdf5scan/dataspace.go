package hdf5scan

// dataspace is a decoded dataspace message (spec §IV.A.2.b).
type dataspace struct {
	null    bool     // no elements at all (h5py Empty)
	dims    []uint64 // empty for a scalar
	maxDims []uint64 // unlimitedDim marks an unlimited dimension
}

// unlimitedDim is HDF5's H5S_UNLIMITED maximum dimension (all bits set).
const unlimitedDim = ^uint64(0)

// maxRank is HDF5's H5S_MAX_RANK.
const maxRank = 32

// elements is the number of elements the dataspace holds.
func (s *dataspace) elements() uint64 {
	if s.null {
		return 0
	}
	n := uint64(1)
	for _, d := range s.dims {
		n *= d
	}
	return n
}

func (f *file) parseDataspace(m message) (*dataspace, error) {
	d := f.decoderOver("dataspace message", m.off, m.data)
	version := d.u8()
	rank := int(d.u8())
	flags := d.u8()
	s := &dataspace{}
	switch version {
	case 1:
		d.skip(5) // reserved
	case 2:
		switch typ := d.u8(); typ {
		case 0: // scalar
		case 1: // simple
		case 2:
			s.null = true
		default:
			d.fail("dataspace type %d is not defined", typ)
		}
	default:
		d.fail("dataspace version %d is not defined (1 or 2)", version)
	}
	if rank > maxRank {
		d.fail("rank %d exceeds HDF5's maximum of %d", rank, maxRank)
	}
	if d.err != nil {
		return nil, d.err
	}
	s.dims = make([]uint64, rank)
	for i := range s.dims {
		s.dims[i] = d.length()
	}
	s.maxDims = append([]uint64(nil), s.dims...)
	if flags&1 != 0 {
		for i := range s.maxDims {
			s.maxDims[i] = d.length()
			if f.lengthSize < 8 && s.maxDims[i] == 1<<(8*uint(f.lengthSize))-1 {
				s.maxDims[i] = unlimitedDim
			}
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	return s, nil
}
