package hdf5scan

import "fmt"

// dataset is everything the format layer knows about one HDF5 dataset: its
// header messages, each decoded once (by readDataset, when the walk is
// over) and read by every later stage: dimension lengths, netCDF-C's
// order, chunk index prefetch and walk, info and the translation to Zarr.
type dataset struct {
	path    string
	space   *dataspace // nil when its message is missing or does not decode
	dtype   *datatype  // nil likewise
	layout  *layout    // nil when the layout cannot be described
	filters []filter
	// filtersOff is the absolute offset of the filter pipeline message,
	// for errors about the filters' client data.
	filtersOff int64
	fill       fillValue
	hasFill    bool
	// external is set when the data lives in external files
	// (externalfiles.go).
	external *externalStorage

	// invalid says why the dataset cannot be described: a message that
	// is missing, does not decode, or is shared and could not be
	// resolved (the first such, in the order listed above). The messages
	// that did decode are still set: netCDF dimension lengths and
	// netCDF-C's order take what they can from a broken dataset.
	invalid error
	// storageErr says why the data of a dataset that is described
	// (invalid is nil) cannot be located: an unsupported layout such as a
	// virtual dataset (an *UnsupportedError), storage messages that
	// contradict the rest (a *FormatError) or external files that cannot
	// be chunked. info still lists such a dataset with this reason.
	storageErr error
}

// datasetMessages are the header messages readDataset decodes, in the
// order in which their problems are reported.
var datasetMessages = []uint16{msgDataspace, msgDatatype, msgLayout, msgFilterPipeline, msgFillValue, msgFillValueOld, msgExternalFiles}

// readDataset decodes the messages of the dataset at path, whose object
// header is h, that describe its data. What cannot be decoded is recorded
// in ds.invalid and ds.storageErr.
func (f *file) readDataset(path string, h *objectHeader) *dataset {
	ds := &dataset{path: path}
	// Shared messages were resolved when the header was read; one still
	// marked shared could not be.
	var sharedErr error
	for _, typ := range datasetMessages {
		if m, ok := h.find(typ); ok && m.flags&msgFlagShared != 0 {
			sharedErr = fmt.Errorf("%s: shared message type %#x: %w", path, typ, m.sharedErr)
			break
		}
	}
	// Each message is decoded whether or not an earlier one failed; the
	// first failure is the one reported.
	errs := []error{sharedErr, f.readSpaceAndType(h, ds)}
	var layoutErr error
	m, _ := h.find(msgLayout)
	if ds.layout, layoutErr = f.parseLayout(m); ds.layout == nil {
		errs = append(errs, layoutErr)
	}
	if m, ok := h.find(msgFilterPipeline); ok {
		var err error
		ds.filters, err = f.parseFilterPipeline(m)
		ds.filtersOff = m.off
		errs = append(errs, err)
	}
	errs = append(errs, f.readFill(ds, h))
	for _, err := range errs {
		if err != nil {
			ds.invalid = err
			return ds
		}
	}
	if layoutErr == nil {
		layoutErr = f.readStorage(ds, h)
	}
	ds.storageErr = layoutErr
	return ds
}

// readSpaceAndType decodes the dataspace and datatype messages.
func (f *file) readSpaceAndType(h *objectHeader, ds *dataset) error {
	var spaceErr, typeErr error
	if m, ok := h.find(msgDataspace); !ok {
		spaceErr = f.formatError("object header", f.abs(h.addr), "dataset %s has no dataspace message", ds.path)
	} else if ds.space, spaceErr = f.parseDataspace(m); spaceErr != nil {
		ds.space = nil
	}
	if m, ok := h.find(msgDatatype); !ok {
		typeErr = f.formatError("object header", f.abs(h.addr), "dataset %s has no datatype message", ds.path)
	} else {
		d := f.decoderOver("datatype message", m.off, m.data)
		if ds.dtype = f.parseDatatype(d, 0); d.err != nil {
			ds.dtype, typeErr = nil, d.err
		}
	}
	if spaceErr != nil {
		return spaceErr
	}
	return typeErr
}

// readFill decodes the fill value message, new or old.
func (f *file) readFill(ds *dataset, h *objectHeader) error {
	var err error
	if m, ok := h.find(msgFillValue); ok {
		ds.fill, err = f.parseFillValue(m)
		ds.hasFill = true
	} else if m, ok := h.find(msgFillValueOld); ok {
		ds.fill, err = f.parseFillValueOld(m)
		ds.hasFill = true
	}
	return err
}

// readStorage completes what the layout message leaves to other messages:
// the size of version 1 and 2 contiguous storage, which those versions do
// not record, and external data files.
func (f *file) readStorage(ds *dataset, h *objectHeader) error {
	l := ds.layout
	if l.class == layoutContiguous && l.size == undefinedAddr {
		n := ds.space.elements()
		if ds.dtype.size <= 0 || n > uint64(1<<62)/uint64(ds.dtype.size) {
			return f.formatError("dataspace message", f.abs(h.addr), "%s: %d elements of %d bytes", ds.path, n, ds.dtype.size)
		}
		l.size = n * uint64(ds.dtype.size)
	}
	m, ok := h.find(msgExternalFiles)
	if !ok {
		return nil
	}
	if l.class != layoutContiguous || l.address != undefinedAddr {
		return f.formatError("external data files message", m.off, "%s: external files with %s storage at address %#x", ds.path, l.describe(), l.address)
	}
	efl, err := f.parseExternalFiles(m)
	if err != nil {
		return err
	}
	if ds.space.null {
		return nil // no elements: reported as a null dataspace
	}
	ds.external, err = f.planExternal(m.off, efl, ds.space.dims, ds.dtype.size)
	return err
}
