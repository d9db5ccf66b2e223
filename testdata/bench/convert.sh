#!/usr/bin/env bash
# The csv2parquet benchmark: a generated GHCN-Daily by_year file of SIZE
# (default 1GB, about the largest real years) converted by the CLI on one
# core (GOMAXPROCS=1), partitioned by ELEMENT with NOAA's types. Prints the
# CLI's summary (rows, partitions, MB/s of wall time, peak memory), the CPU
# time and MB/s per CPU second, and the dataset's size.
#   bash testdata/bench/convert.sh [SIZE]      (e.g. 200MB; default 1GB)
# The generated file goes to a temporary directory, or is kept in
# $GOKERCHUNK_BENCH_DIR, when set, for the next run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
SIZE="${1:-1GB}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
CACHE="${GOKERCHUNK_BENCH_DIR:-$WORK}"
mkdir -p "$CACHE"
IN="$CACHE/ghcn-$SIZE-seed1.csv"
if [ ! -s "$IN" ]; then
	echo "generating $IN"
	go run ./testdata/bench/ghcn -size "$SIZE" -seed 1 -o "$IN.tmp"
	mv "$IN.tmp" "$IN"
fi
OUT="$WORK/out"
go build -o bin/gokerchunk ./cmd/gokerchunk
TIMES="$WORK/times"
GOMAXPROCS=1 /usr/bin/time -f '%U %S %M' -o "$TIMES" bin/gokerchunk convert csv2parquet "$IN" -o "$OUT" \
	--columns ID,DATE,ELEMENT,DATA_VALUE,M_FLAG,Q_FLAG,S_FLAG,OBS_TIME \
	--schema DATE:date,DATA_VALUE:int32,OBS_TIME:string --partition-by ELEMENT
read -r user sys maxkb < "$TIMES"
bytes=$(stat -c %s "$IN")
awk -v u="$user" -v s="$sys" -v b="$bytes" -v kb="$maxkb" 'BEGIN {
	printf "cpu %.2fs (user %.2fs, system %.2fs): %.0f MB of CSV per CPU second; max resident %.0f MB\n", u+s, u, s, b/1e6/(u+s), kb/1024 }'
echo "input $(du -h "$IN" | cut -f1), dataset $(du -sh "$OUT" | cut -f1) in $(find "$OUT" -name '*.parquet' | wc -l) files"
