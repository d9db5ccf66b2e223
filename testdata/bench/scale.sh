#!/usr/bin/env bash
# The combine scale benchmark (make bench-scale): synthetic sidecars of an
# hourly archive, one input an hour of VARS variables x CHUNKS chunks
# (default 50 x 1000: 50 000 references, 3.4 MB of JSON an input; every
# input's time in its own units, so every coordinate is converted), 10^S
# references for each S of SCALES: 20, 200 and 2000 inputs for 6, 7 and 8.
# At 10^6, bench-combine's shape too (1000 daily inputs of 10 x 100, 69 KB
# each), many small inputs rather than a few large ones.
# Each set is generated into a temporary directory (testdata/bench/synth),
# combined by the tree's CLI into Parquet, and into JSON up to 10^7 (10^8 of
# JSON is about 7 GB that nobody reads), and deleted. Wall time, CPU time
# (user + system) and peak resident memory are measured from outside the
# process by testdata/bench/rusage (the child's rusage from wait4, ru_maxrss
# for the peak), not taken from the CLI's summary; the generation is
# measured the same way. The inputs were just written, so combine reads
# them from the page cache.
# At 10^6 the tree's JSON and Parquet are compared byte for byte with those
# of BASELINE's combine on the same inputs (BASELINE's CLI is built once,
# cached by commit under ~/.cache/gokerchunk-tools/bench/); a difference is
# shown (the first differing file, byte and line) and fails the run after
# the table.
#   SCALES="6 7" bash testdata/bench/scale.sh     (default: 6 7 8)
# BASELINE (default e9019d8), VARS, CHUNKS and EVERY (hour or day) change
# the baseline and an input's shape; the data goes to a directory made in
# GOKERCHUNK_BENCH_DIR (default $TMPDIR or /tmp): 10^8 needs about 7 GB of
# inputs and 50 MB of Parquet there.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
SCALES="${SCALES:-6 7 8}"
BASELINE="${BASELINE:-e9019d8}"
VARS="${VARS:-50}"
CHUNKS="${CHUNKS:-1000}"
EVERY="${EVERY:-hour}"
CACHE="$HOME/.cache/gokerchunk-tools/bench"
PER=$((VARS * CHUNKS))
for s in $SCALES; do
	if ! [[ $s =~ ^[0-9]$ ]] || (((10 ** s) % PER != 0)); then
		echo "scale.sh: SCALES: 10^$s references are not a whole number of inputs of $VARS x $CHUNKS" >&2
		exit 2
	fi
done

WORK="$(mktemp -d "${GOKERCHUNK_BENCH_DIR:-${TMPDIR:-/tmp}}/bench-scale.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
go build -o bin/gokerchunk ./cmd/gokerchunk
go build -o "$WORK/synth" ./testdata/bench/synth
go build -o "$WORK/rusage" ./testdata/bench/rusage

# baseline builds BASELINE's CLI once into $CACHE, named by its commit.
baseline() {
	local hash src
	hash="$(git rev-parse --verify "$BASELINE^{commit}")"
	BASE="$CACHE/gokerchunk-$hash"
	[ -x "$BASE" ] && return
	echo "building $BASELINE's gokerchunk into $BASE"
	src="$WORK/baseline-src"
	mkdir -p "$src" "$CACHE"
	git archive "$hash" | tar -x -C "$src"
	(cd "$src" && go build -o "$BASE.tmp" ./cmd/gokerchunk)
	mv "$BASE.tmp" "$BASE"
	rm -rf "$src"
}

ROWS=()
# measure LABEL FORMAT OUTPUT COMMAND...: runs COMMAND under rusage and
# adds a row of the table (OUTPUT's size on disk).
measure() {
	local label=$1 format=$2 output=$3 wall kb cpu
	shift 3
	if ! "$WORK/rusage" -o "$WORK/rusage.txt" "$@" >"$WORK/log" 2>&1; then
		cat "$WORK/log" >&2
		echo "scale.sh: failed: $*" >&2
		exit 1
	fi
	read -r wall kb cpu <"$WORK/rusage.txt"
	ROWS+=("$(awk -v r="$label" -v n="$INPUTS" -v sh="$SHAPE" -v f="$format" -v w="$wall" -v c="$cpu" -v kb="$kb" -v b="$(du -sb "$output" | cut -f1)" -v refs="$REFS" 'BEGIN {
		printf "%-5s %6d %-9s %-16s %8.2f %8.2f %8.2f %12.0f %10.1f", r, n, sh, f, w, c, w / (refs / 1e6), kb / 1024, b / 1e6 }')")
	printf '%s\n' "${ROWS[-1]}"
}

# same A B: byte-identical or the first difference (and FAILED set).
FAILED=
same() {
	local a=$1 b=$2 first line
	if [ -d "$a" ]; then
		if first="$(diff -rq "$a" "$b" | head -1)" && [ -z "$first" ]; then
			echo "$(basename "$b"): byte-identical to $BASELINE's ($(find "$a" -type f | wc -l) files)"
			return
		fi
		echo "$(basename "$b"): DIFFERS from $BASELINE's: $first"
		if [[ $first =~ ^Files\ (.*)\ and\ (.*)\ differ$ ]]; then
			cmp "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" || true
		fi
	else
		if first="$(cmp "$a" "$b" 2>&1)"; then
			echo "$(basename "$b"): byte-identical to $BASELINE's"
			return
		fi
		echo "$(basename "$b"): DIFFERS from $BASELINE's: $first"
		if [[ $first =~ line\ ([0-9]+) ]]; then
			line=${BASH_REMATCH[1]}
			printf '  %-10s %s\n' "$BASELINE:" "$(sed -n "${line}p" "$a" | cut -c1-300)"
			printf '  %-10s %s\n' "tree:" "$(sed -n "${line}p" "$b" | cut -c1-300)"
		fi
	fi
	FAILED=1
}

HEADER="$(printf '%-5s %6s %-9s %-16s %8s %8s %8s %12s %10s' refs inputs "an input" format "wall s" "cpu s" "s/10^6" "peak RSS MB" "output MB")"

# scale S EVERY VARS CHUNKS: 10^S references in inputs of VARS x CHUNKS,
# one every EVERY, generated, combined (compared with BASELINE's at 10^6)
# and deleted.
scale() {
	local s=$1 every=$2 vars=$3 chunks=$4 in f out formats
	REFS=$((10 ** s))
	INPUTS=$((REFS / (vars * chunks)))
	SHAPE="${vars}x$chunks/${every:0:1}"
	in="$WORK/in-$s"
	measure "10^$s" generate "$in" "$WORK/synth" -n "$INPUTS" -vars "$vars" -chunks "$chunks" -every "$every" -o "$in"
	formats=(parquet)
	[ "$s" -gt 7 ] || formats=(json parquet)
	for f in "${formats[@]}"; do
		out="$WORK/out-$s-${vars}x$chunks.$f"
		measure "10^$s" "$f" "$out" bin/gokerchunk combine -q -o "$out" --format "$f" "$in"
		if [ "$s" = 6 ]; then
			baseline
			measure "10^$s" "$f@$BASELINE" "$out.base" "$BASE" combine -q -o "$out.base" --format "$f" "$in"
			same "$out.base" "$out"
			rm -rf "$out.base"
		fi
		rm -rf "$out"
	done
	rm -rf "$in"
}

echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$HEADER"
for s in $SCALES; do
	scale "$s" "$EVERY" "$VARS" "$CHUNKS"
	# bench-combine's shape too: many small inputs (1000 days of 10 x 100).
	[ "$s" != 6 ] || scale 6 day 10 100
done

echo
echo "an input: variables x chunks, one an hour or a day; s/10^6: wall seconds per 10^6 references; cpu: user + system"
echo "$HEADER"
printf '%s\n' "${ROWS[@]}"
awk '$4 == "json" || $4 == "parquet" { if ($8 > max) { max = $8; at = $1 " " $4 } }
	END { if (max > 0) printf "largest peak RSS of combine: %.0f MB (%s); expected under 500 MB at every scale\n", max, at }' <<<"$(printf '%s\n' "${ROWS[@]}")"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine shows in wall time, less in cpu time)"
[ -z "$FAILED" ] || { echo "scale.sh: the outputs at 10^6 differ from $BASELINE's" >&2; exit 1; }
