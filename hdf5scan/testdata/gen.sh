#!/bin/sh
# Regenerates the fractal heap, v2 B-tree and global heap fixtures and
# heaps.json, their oracle: structure addresses read with h5debug and the
# names/objects libhdf5 (through h5py) reports. Run from this directory.
# Needs Debian's netcdf-bin, hdf5-tools and python3-h5py.
set -eu
cd "$(dirname "$0")"
/usr/bin/python3 gen.py
