#!/usr/bin/env bash
# The combine benchmark: synthetic sidecars of N daily inputs x 10 variables
# x 100 chunks (N = 1000: 1 000 000 references, 67 MB of JSON; every input's
# time in its own units, so every coordinate is converted), combined into
# JSON and into Parquet by the CLI, which reports its wall time and peak
# memory. Python kerchunk's MultiZarrToZarr needs about 10 s and 790 MB for
# N = 1000 on a machine like ours.
#   bash testdata/bench/combine.sh [N...]     (default: 250 500 1000 2000)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
NS=("$@")
[ ${#NS[@]} -gt 0 ] || NS=(250 500 1000 2000)
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
go build -o bin/gokerchunk ./cmd/gokerchunk
printf '%-7s %-9s %-8s %s\n' inputs "JSON in" format "combine summary"
for n in "${NS[@]}"; do
	go run ./testdata/bench/synth -n "$n" -o "$WORK/in-$n"
	size=$(du -sb "$WORK/in-$n" | awk '{printf "%.0f MB", $1/1e6}')
	for fmt in json parquet; do
		out="$WORK/out-$n.$fmt"
		summary=$(bin/gokerchunk combine -o "$out" --format "$fmt" "$WORK/in-$n" 2>&1 | grep '^combined')
		printf '%-7s %-9s %-8s %s\n' "$n" "$size" "$fmt" "${summary#*-> }"
		rm -rf "$out"
	done
	rm -rf "$WORK/in-$n"
done
