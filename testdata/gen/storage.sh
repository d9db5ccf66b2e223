#!/usr/bin/env bash
# The "shared and uncommon storage" fixtures (h5_storage_*): shared object
# header messages, committed datatypes, superblock extension with paged file
# space, external data files (their raw .bin files lie beside them). Called
# by generate.sh with the fixture directory; writers run under the same
# frozen clock.
#   bash testdata/gen/storage.sh FIXTURE_DIR
set -euo pipefail

GEN="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FIX="$1"
PY=/usr/bin/python3
FROZEN=(faketime -f '2020-01-01 00:00:00')

mkdir -p "$FIX/unsupported"
rm -f "$FIX"/h5_storage_*.bin "$FIX"/unsupported/h5_storage_*.bin

# Shared object header messages written by a real tool: h5repack -s 8 shares
# every dataspace, datatype, fill value and filter pipeline message of at
# least 8 bytes (attributes are not shared: its attribute index gets no
# message types). Input without vlen-string fill values (see
# shared/docs/FIXTURE-RECIPES.md).
"${FROZEN[@]}" h5repack -s 8 "$FIX/nc4_layouts.nc" "$FIX/h5_storage_sohm_repack.nc"

# SOHM with attributes shared too, list and B-tree indexes.
"${FROZEN[@]}" "$PY" "$GEN/h5_storage_sohm.py" "$FIX/h5_storage_sohm.h5"
"${FROZEN[@]}" "$PY" "$GEN/h5_storage_sohm.py" --btree "$FIX/h5_storage_sohm_btree.h5"

# Committed (named) datatypes, oldest and newest formats.
"${FROZEN[@]}" "$PY" "$GEN/h5_storage_committed.py" "$FIX/h5_storage_committed.h5"
"${FROZEN[@]}" "$PY" "$GEN/h5_storage_committed.py" --latest "$FIX/h5_storage_committed_latest.h5"

# Superblock extension with a file space info message: paged aggregation,
# 4 KiB pages, free space persisted (free-space manager addresses).
"${FROZEN[@]}" h5repack -S PAGE -G 4096 -P 1 "$FIX/nc4_layouts.nc" "$FIX/h5_storage_paged.nc"

# External data files: h5py (several layouts of slots) and h5import.
"${FROZEN[@]}" "$PY" "$GEN/h5_storage_external.py" "$FIX/h5_storage_external.h5"
"${FROZEN[@]}" "$PY" "$GEN/h5_storage_external.py" --split "$FIX/unsupported/h5_storage_external_split.h5"
(cd "$FIX" && "${FROZEN[@]}" h5import "$GEN/h5_storage_import.txt" -c "$GEN/h5_storage_import.cfg" \
	-o h5_storage_import.h5 >/dev/null)
