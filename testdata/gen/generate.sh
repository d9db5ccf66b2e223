#!/usr/bin/env bash
# Regenerates every fixture in testdata/fixtures/ and testdata/sample/ from the
# CDL files and scripts beside this one. Run from anywhere:
#   bash testdata/gen/generate.sh
# Writers run under a frozen faketime clock (object header timestamps) so the
# output is byte-identical run to run; generate.sh --check proves it by
# generating twice into temp dirs and comparing sha256 sums.
set -euo pipefail

GEN="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TESTDATA="$(dirname "$GEN")"
PY=/usr/bin/python3 # Debian's Python has h5py + netCDF4; a pyenv python3 on PATH does not
FROZEN=(faketime -f '2020-01-01 00:00:00')

generate() {
	local fix="$1" sample="$2"
	mkdir -p "$fix/unsupported" "$fix/features" "$sample"
	rm -f "$fix"/*.nc "$fix"/*.h5 "$fix"/unsupported/*.nc "$fix"/unsupported/*.h5 \
		"$fix"/features/*.nc "$fix"/features/*.h5 "$fix"/sparse/*.h5 "$sample"/*.nc

	# netCDF-C via ncgen (superblock v2, object header v2, filter pipeline v2).
	"${FROZEN[@]}" ncgen -k nc4 -o "$fix/nc4_types.nc" "$GEN/nc4_types.cdl"
	"${FROZEN[@]}" ncgen -k nc4 -o "$fix/nc4_filters.nc" "$GEN/nc4_filters.cdl"
	"${FROZEN[@]}" ncgen -k nc7 -o "$fix/nc7_classic.nc" "$GEN/nc7_classic.cdl"

	# The netCDF classic formats (package netcdf3). ncgen writes CDF-1 and
	# CDF-2; CDF-5 goes through netCDF-4 and nccopy, as ncgen 4.9.0 writes
	# int64 data to CDF-5 through 32-bit ints (-9223372036854775807 becomes
	# 1). nc3_nccopy.nc is nc7_classic.nc (netCDF-4, classic model) copied to
	# CDF-1 by nccopy.
	"${FROZEN[@]}" ncgen -k classic -o "$fix/nc3_classic.nc" "$GEN/nc3_classic.cdl"
	"${FROZEN[@]}" ncgen -k "64-bit offset" -o "$fix/nc3_64bit.nc" "$GEN/nc3_64bit.cdl"
	local cdf5
	cdf5="$(mktemp -d)"
	"${FROZEN[@]}" ncgen -k nc4 -o "$cdf5/nc3_cdf5.nc" "$GEN/nc3_cdf5.cdl"
	"${FROZEN[@]}" nccopy -k cdf5 "$cdf5/nc3_cdf5.nc" "$fix/nc3_cdf5.nc"
	rm -rf "$cdf5"
	"${FROZEN[@]}" ncgen -k classic -o "$fix/nc3_onerec.nc" "$GEN/nc3_onerec.cdl"
	"${FROZEN[@]}" ncgen -k classic -o "$fix/nc3_norec.nc" "$GEN/nc3_norec.cdl"
	"${FROZEN[@]}" nccopy -k classic "$fix/nc7_classic.nc" "$fix/nc3_nccopy.nc"

	# netCDF-C via netCDF4-python, for what CDL cannot say (partial writes,
	# generated names, NC_STRING arrays, NaN and huge attributes).
	local s
	for s in nc4_attrs nc4_layouts nc4_groups nc4_many_chunks nc4_dense150; do
		"${FROZEN[@]}" "$PY" "$GEN/$s.py" "$fix/$s.nc"
	done

	# Plain HDF5 via h5py.
	for s in h5_earliest h5_earliest_filters h5_superblock1 h5_sizes4 h5_latest_contiguous h5_latest_chunked; do
		"${FROZEN[@]}" "$PY" "$GEN/$s.py" "$fix/$s.h5"
	done
	"${FROZEN[@]}" "$PY" "$GEN/h5_latest_chunked.py" --paged "$fix/h5_latest_paged.h5"

	# A 512-byte user block in front of a netCDF-4 file: the superblock moves to
	# 512, the stored base address stays 0 (h5jam), addresses are relative to 512.
	local ub
	ub="$(mktemp)"
	printf 'gokerchunk fixture user block: the HDF5 superblock follows at byte 512.\n' >"$ub"
	h5jam -i "$fix/nc4_types.nc" -u "$ub" -o "$fix/nc4_userblock.nc" >/dev/null
	rm -f "$ub"

	# nc4_filters.nc repacked in the newest format: h5repack -L keeps a
	# dataset's layout message unless -l rechunks it, so every variable gets
	# a new chunk shape -> layout v4, fixed-array indexes (filtered) and one
	# filtered single-chunk index (chunk = shape).
	"${FROZEN[@]}" h5repack -L \
		-l deflate:CHUNK=5x7 \
		-l shuffle_deflate,fletcher32,fletcher32_shuffle_deflate,fletcher32_shuffle_deflate_f8,fletcher32_shuffle_deflate_i2,big_endian_deflate:CHUNK=2x3 \
		-l fletcher32_odd,fletcher32_odd_deflate:CHUNK=3x3 \
		-i "$fix/nc4_filters.nc" -o "$fix/nc4_repacked_latest.nc"

	"${FROZEN[@]}" "$PY" "$GEN/unsupported.py" "$fix/unsupported"

	# The rest of the format (features/, see MANIFEST.md): plugin and
	# built-in filters beyond deflate, every datatype class, links, odd
	# dataspaces, virtual datasets, netCDF user types and dimension
	# oddities. Each Python generator reads its output back and fails on a
	# difference.
	local feat="$fix/features"
	"${FROZEN[@]}" "$PY" "$GEN/h5_plugin_filters.py" "$feat/h5_plugin_filters.h5"
	"${FROZEN[@]}" "$PY" "$GEN/h5_zfp.py" "$feat/h5_zfp.h5"
	"${FROZEN[@]}" "$PY" "$GEN/h5_datatypes.py" "$feat/h5_datatypes.h5"
	"${FROZEN[@]}" "$PY" "$GEN/h5_datatypes.py" --latest "$feat/h5_datatypes_latest.h5"
	"${FROZEN[@]}" "$PY" "$GEN/h5_links.py" "$feat" # + h5_links_target/_dangling/_cycle.h5
	"${FROZEN[@]}" "$PY" "$GEN/nc4_usertypes.py" "$feat/nc4_usertypes.nc"
	"${FROZEN[@]}" ncgen -k nc4 -o "$feat/nc4_usertypes_ncgen.nc" "$GEN/nc4_usertypes_ncgen.cdl"
	"${FROZEN[@]}" "$PY" "$GEN/nc4_dims_odd.py" "$feat/nc4_dims_odd.nc"
	"${FROZEN[@]}" "$PY" "$GEN/other_writers.py" "$feat" # h5netcdf_writer.nc, pytables_writer.h5
	"${FROZEN[@]}" "$PY" "$GEN/h5_lzo.py" "$feat/h5_lzo.h5" # PyTables' LZO filter (305)

	bash "$GEN/storage.sh" "$fix" # h5_storage_*: shared messages, paged file space, external files

	# Values a reader must pass through unchanged (MANIFEST.md "fill values,
	# strings, pipelines, compounds"): default fills without _FillValue,
	# char arrays, fixed-string padding, deflate before shuffle, compounds
	# with array / compound members. Each generator asserts what it wrote.
	"${FROZEN[@]}" "$PY" "$GEN/fill_netcdf_c.py" "$fix/fill_netcdf_c.nc"
	"${FROZEN[@]}" "$PY" "$GEN/fill_other_writers.py" "$fix" # fill_h5netcdf.nc, fill_h5py_ncprops.h5
	"${FROZEN[@]}" "$PY" "$GEN/str_char.py" "$fix/str_char.nc"
	"${FROZEN[@]}" "$PY" "$GEN/str_fixed_pad.py" "$fix/str_fixed_pad.h5"
	"${FROZEN[@]}" "$PY" "$GEN/pipe_deflate_shuffle.py" "$fix/pipe_deflate_shuffle.h5" "$fix/pipe_deflate_shuffle_nc.nc"
	"${FROZEN[@]}" "$PY" "$GEN/cmpd_array_member.py" "$feat/cmpd_array_member.h5" # sub-array fields: reported

	# Valid files the scanner once refused (MANIFEST.md "valid but uncommon"):
	# a version-1 compound with a dimensioned member (a patched h5py file),
	# references to a committed datatype,
	# a metadata cache image (C against the installed libhdf5).
	"${FROZEN[@]}" "$PY" "$GEN/cmpd_v1_array_member.py" "$feat/cmpd_v1_array_member.h5"
	"${FROZEN[@]}" "$PY" "$GEN/ref_committed_type.py" "$feat/ref_committed_type.h5"
	# Sparse chunk grids: a 4 GiB dataset with two chunks written (sparse/,
	# out of the fixtures every test reads whole) and small ones.
	mkdir -p "$fix/sparse"
	"${FROZEN[@]}" "$PY" "$GEN/h5_sparse_grid.py" "$fix/sparse/h5_sparse_4gib.h5" "$feat/h5_sparse_grid.h5"
	# Floats of a reduced, non-IEEE bit layout (n-bit floats), N-bit filter.
	"${FROZEN[@]}" "$PY" "$GEN/h5_nbit_float.py" "$feat/h5_nbit_float.h5"
	local bin
	bin="$(mktemp -d)"
	gcc -Wall -o "$bin/h5_mdc_image" "$GEN/h5_mdc_image.c" $(pkg-config --cflags --libs hdf5)
	"${FROZEN[@]}" "$bin/h5_mdc_image" "$feat/h5_mdc_image.h5"
	rm -rf "$bin"

	# Sets of files for `gokerchunk combine` (combine/README.md): only the
	# .nc files are regenerated, the README beside them is committed.
	mkdir -p "$fix/combine"
	find "$fix/combine" -name '*.nc' -delete
	"${FROZEN[@]}" "$PY" "$GEN/combine_sets.py" "$fix/combine"
	"${FROZEN[@]}" "$PY" "$GEN/sample.py" "$sample"
}

sums() { (cd "$1" && find . -type f \( -name '*.nc' -o -name '*.h5' -o -name '*.bin' \) | LC_ALL=C sort | xargs sha256sum); }

if [[ "${1:-}" == "--check" ]]; then
	a="$(mktemp -d)" b="$(mktemp -d)"
	trap 'rm -rf "$a" "$b"' EXIT
	generate "$a/fixtures" "$a/sample"
	generate "$b/fixtures" "$b/sample"
	diff <(sums "$a") <(sums "$b") && echo "deterministic: $(sums "$a" | wc -l) files identical across two runs"
	diff <(sums "$a/fixtures") <(sums "$TESTDATA/fixtures") >/dev/null &&
		diff <(sums "$a/sample") <(sums "$TESTDATA/sample") >/dev/null &&
		echo "committed fixtures match a fresh generation" ||
		{ echo "committed fixtures differ from a fresh generation" >&2; exit 1; }
	exit 0
fi

generate "$TESTDATA/fixtures" "$TESTDATA/sample"
echo "fixtures written to $TESTDATA/fixtures and $TESTDATA/sample"
