package main

import (
	"os"
	"testing"

	"gokerchunk/internal/lambdatest"
)

func TestMain(m *testing.M) {
	// libhdf5 (under check) reads HDF5_EXTFILE_PREFIX when it first opens
	// a file and not after, so TestEndToEnd's setting comes too late once
	// an earlier test has run check: set it before any test.
	os.Setenv("HDF5_EXTFILE_PREFIX", "${ORIGIN}")
	code := m.Run()
	lambdatest.Cleanup()
	os.Exit(code)
}
