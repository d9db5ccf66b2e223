//go:build !cgo

package zarrcheck

// OpenHDF5 needs libhdf5, which a build without cgo cannot call.
func OpenHDF5(path string) (Source, error) { return nil, errNoCgo }

func openHDF5File(path string) (hdf5File, error) { return nil, errNoCgo }
