#!/usr/bin/env bash
# run.sh [--bind DIR]... CMD [ARGS...]: run CMD inside the Debian sid root
# that build.sh made (today's Python stack: zarr 3, fsspec, xarray, h5py on
# HDF5 2.x, netCDF4, h5netcdf, pyarrow, kerchunk), e.g.
#   testdata/sid/run.sh python3 testdata/pycompat.py REFS.json SOURCE.nc
#
# The root is $GOKERCHUNK_SID_ROOT, by default ~/.cache/gokerchunk-tools/sid
# (`make sid-env` builds it). Reference sets hold absolute paths, so /tmp,
# this repository (found from this script's location) and every --bind DIR
# are bind-mounted inside the root at the same paths, and /proc is mounted.
# The mounts live in a private mount namespace (unshare) that ends with CMD:
# nothing to unmount, and parallel runs do not see each other's mounts. The
# working directory is kept when it is under a bound directory, else it is /.
# PATH is reset to the root's system directories and PYTHONPATH/PYTHONHOME
# are dropped so that CMD finds the root's Python, not the host's;
# HDF5_PLUGIN_PATH names the root's HDF5 filter plugins (sid's HDF5 2.x
# looks in /usr/hdf5/lib/plugin by default, where Debian installs none);
# the rest of the environment (e.g. HDF5_EXTFILE_PREFIX) is passed through.
#
# Exit status: CMD's; 2 for usage errors; 125 when the root is not built.
# Needs root (unshare, mount, chroot).
set -euo pipefail

usage() {
	echo "usage: testdata/sid/run.sh [--bind DIR]... CMD [ARGS...]" >&2
	exit 2
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
root=${GOKERCHUNK_SID_ROOT:-$HOME/.cache/gokerchunk-tools/sid}

binds=(/tmp "$repo")
while [ $# -gt 0 ]; do
	case $1 in
	--bind)
		[ $# -ge 2 ] || usage
		[ -d "$2" ] || { echo "run.sh: --bind $2: not a directory" >&2; exit 2; }
		binds+=("$(cd "$2" && pwd -P)")
		shift 2
		;;
	--bind=*)
		d=${1#--bind=}
		[ -d "$d" ] || { echo "run.sh: --bind $d: not a directory" >&2; exit 2; }
		binds+=("$(cd "$d" && pwd -P)")
		shift
		;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || usage

if [ ! -s "$root/.complete" ] || [ ! -x "$root/usr/bin/python3" ]; then
	echo "run.sh: the Debian sid root $root is not built: run \`make sid-env\`" \
		"(or testdata/sid/build.sh DIR and set GOKERCHUNK_SID_ROOT=DIR)" >&2
	exit 125
fi
root=$(cd "$root" && pwd -P)

plugins=
for d in "$root"/usr/lib/*/hdf5/serial/plugins; do
	[ -d "$d" ] && plugins=${d#"$root"}
done

# Shorter paths first, so that a directory under an already bound one is
# seen through that mount and skipped.
mapfile -t binds < <(printf '%s\n' "${binds[@]}" | awk '{ print length, $0 }' | sort -n -k1,1 | cut -d' ' -f2- | uniq)
keep=()
for d in "${binds[@]}"; do
	covered=
	for k in "${keep[@]}"; do
		case $d/ in "$k"/*) covered=1 ;; esac
	done
	[ -n "$covered" ] || keep+=("$d")
done

cwd=/
pwd=$(pwd -P)
for k in "${keep[@]}"; do
	case $pwd/ in "$k"/*) cwd=$pwd ;; esac
done

# unshare makes the new namespace's mounts private, which needs / to be a
# mount point: inside a plain chroot it is not (bind-mount the chroot's root
# onto itself first).
if command -v mountpoint >/dev/null && ! mountpoint -q /; then
	echo "run.sh: / is not a mount point (a plain chroot?), so unshare cannot keep the" \
		"bind mounts private; bind-mount the chroot's root onto itself first" >&2
	exit 125
fi

# The inner shell runs in the new namespace: bind, mount proc, chroot.
# shellcheck disable=SC2016
exec unshare --mount --propagation private -- bash -c '
	set -e
	root=$1 cwd=$2 plugins=$3 n=$4
	shift 4
	for ((i = 0; i < n; i++)); do
		mkdir -p "$root$1"
		mount --bind "$1" "$root$1"
		shift
	done
	mount -t proc proc "$root/proc"
	exec chroot "$root" /usr/bin/env -u PYTHONPATH -u PYTHONHOME -u VIRTUAL_ENV \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HDF5_PLUGIN_PATH="$plugins" \
		sh -c "cd \"\$0\" && exec \"\$@\"" "$cwd" "$@"
' run.sh "$root" "$cwd" "$plugins" "${#keep[@]}" "${keep[@]}" "$@"
