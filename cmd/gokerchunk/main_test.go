package main

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	// External data files (h5_storage_external*.h5) are named relative to
	// the HDF5 file, as the scanner resolves them; libhdf5 (under `check`)
	// resolves them against the file's directory only with this prefix,
	// and reads the variable once, when the library starts: it must be set
	// before any test runs a check, not by the test that needs it.
	os.Setenv("HDF5_EXTFILE_PREFIX", "${ORIGIN}")
	os.Exit(m.Run())
}
