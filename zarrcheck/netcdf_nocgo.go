//go:build !cgo

package zarrcheck

import "errors"

// errNoCgo is what every source says in a build without cgo.
var errNoCgo = errors.New("gokerchunk was built without cgo: check reads the source with libnetcdf and libhdf5, which need a cgo build with libnetcdf-dev")

// OpenNetCDF needs libnetcdf, which a build without cgo cannot call.
func OpenNetCDF(path string) (Source, error) { return nil, errNoCgo }
