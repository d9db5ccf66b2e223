//go:build cgo

package zarrcheck

/*
#cgo pkg-config: hdf5
#include <hdf5.h>

// quiet_hdf5 stops libhdf5 from printing its error stack on stderr: netCDF-C
// probes attributes that plain HDF5 files lack, the HDF5 source probes
// objects, and each probe would print a screenful of HDF5-DIAG lines
// although the caller handles the failure.
static void quiet_hdf5(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
*/
import "C"

import (
	"runtime"
	"sync"
)

// libLock serialises every call into libnetcdf and libhdf5: libnetcdf is
// not thread-safe, not even across distinct files, and calls libhdf5
// itself, so the two libraries share one lock.
var libLock sync.Mutex

// withLibs runs f, which calls libnetcdf or libhdf5, holding libLock on one
// OS thread whose libhdf5 error printing is off. Debian builds libhdf5
// thread-safe, which makes that setting per thread: turning it off once, on
// whichever thread ran first, left the others printing.
func withLibs(f func()) {
	libLock.Lock()
	defer libLock.Unlock()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	C.quiet_hdf5()
	f()
}
