//go:build !cgo

package zarrcheck

import "errors"

// OpenNetCDF needs libnetcdf, which a build without cgo cannot call.
func OpenNetCDF(path string) (Source, error) {
	return nil, errors.New("gokerchunk was built without cgo: checking against libnetcdf needs a cgo build with libnetcdf-dev")
}
