#!/usr/bin/env bash
# build.sh DIR: a Debian sid root in DIR holding today's Python stack (zarr 3,
# fsspec, xarray, numcodecs, h5py on HDF5 2.x, netCDF4, h5netcdf, pyarrow,
# kerchunk), the readers users open our references with. The
# compatibility tests run their Python scripts in it with testdata/sid/run.sh.
# Built once (about 8 minutes) and reused: DIR/.complete marks a finished
# build, and a build that fails part-way is removed and redone next time.
set -euo pipefail
dir=${1:?usage: build.sh DIR}
# Bump when PACKAGES change: a finished root of an older stamp gets the
# missing packages installed (no rebuild), anything else is rebuilt.
stamp="v4"
# v2: the blosc and bitshuffle HDF5 filter plugins, so that h5py and
# netCDF4 in the root read the plugin-filtered fixtures the tests compare
# with (as make deps installs them for Debian 12's stack).
# v3: moto's server (python3-moto with boto3, flask, flask-cors), the AWS
# API emulator that `lambda deploy/url/remove`'s tests run against
# (IAM, Lambda and S3 control-plane calls, no Docker needed).
# v4: python3-zfpy, which numcodecs' zfpy codec calls (the scanner gives zfp
# datasets that codec; numcodecs only recommends it and recommends are not
# installed here), and the zfp filter plugin (H5Z-ZFP), so that h5py and
# netCDF4 read the zfp fixtures the tests compare with.
PACKAGES="python3-zarr python3-fsspec python3-xarray python3-numcodecs python3-h5py
python3-netcdf4 python3-h5netcdf python3-pyarrow python3-dask python3-cftime
python3-hdf5plugin hdf5-filter-plugin hdf5-filter-plugin-blosc-serial bitshuffle
hdf5-filter-plugin-zfp-serial python3-zfpy
python3-kerchunk python3-moto python3-boto3 python3-flask python3-flask-cors
ca-certificates"
# sid's Release file can be past its Valid-Until date on a mirror snapshot.
opts=(-o Acquire::Check-Valid-Until=false -o APT::Install-Recommends=false)

if [ "$(cat "$dir/.complete" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
if [ -s "$dir/.complete" ]; then
	# An older finished root: add what is missing, in a private mount
	# namespace with /proc (as run.sh runs it), nothing left mounted.
	echo "updating the Debian sid environment in $dir ($(cat "$dir/.complete") -> $stamp)"
	# shellcheck disable=SC2086
	if $SUDO unshare --mount --propagation private -- sh -c 'mount -t proc proc "$1/proc" && shift &&
		chroot "$@"' sh "$dir" "$dir" env DEBIAN_FRONTEND=noninteractive sh -c \
		'apt-get "$@" update -qq && apt-get "$@" install -y -qq '"$(echo $PACKAGES)"' && apt-get clean' \
		sh "${opts[@]}" >"$dir.log" 2>&1; then
		echo "$stamp" | $SUDO tee "$dir/.complete" >/dev/null
		rm -f "$dir.log"
		exit 0
	fi
	tail -20 "$dir.log"
	echo "update failed: rebuilding"
fi
if ! command -v debootstrap >/dev/null; then
	echo "installing: debootstrap"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq debootstrap >/dev/null
fi
# A failed or half-built root is removed first; nothing is mounted in it
# outside run.sh's lifetime.
$SUDO rm -rf "$dir"
mkdir -p "$(dirname "$dir")"
echo "building the Debian sid environment in $dir (about 8 minutes, once)"
mirror=$(grep -hoE 'https?://[^ ]*/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null | head -1 | tr -d ' ' || true)
mirror=${mirror:-http://deb.debian.org/debian}
$SUDO debootstrap --variant=minbase sid "$dir" "$mirror" >"$dir.log" 2>&1 || { tail -20 "$dir.log"; exit 1; }
# The machine's trust store, for any HTTPS the environment does.
$SUDO cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/ca-certificates.crt" 2>/dev/null || true
$SUDO chroot "$dir" env DEBIAN_FRONTEND=noninteractive apt-get "${opts[@]}" update -qq >>"$dir.log" 2>&1
# shellcheck disable=SC2086
$SUDO chroot "$dir" env DEBIAN_FRONTEND=noninteractive apt-get "${opts[@]}" install -y -qq $PACKAGES >>"$dir.log" 2>&1 || { tail -20 "$dir.log"; exit 1; }
$SUDO chroot "$dir" apt-get clean
$SUDO chroot "$dir" python3 -c 'import zarr, fsspec, xarray, numcodecs, h5py, netCDF4, h5netcdf, pyarrow, kerchunk, zfpy, moto.server; print("sid environment: moto", moto.__version__, "zarr", zarr.__version__, "fsspec", fsspec.__version__, "xarray", xarray.__version__, "numcodecs", numcodecs.__version__, "h5py", h5py.__version__, "HDF5", h5py.version.hdf5_version)'
echo "$stamp" | $SUDO tee "$dir/.complete" >/dev/null
rm -f "$dir.log"
