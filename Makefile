# gokerchunk — the two commands a fresh machine needs:
#   make demo   installs what is missing, builds, scans the sample files,
#               checks them against libnetcdf, combines them along time
#               and shows the result
#   make test   the whole test suite (what CI runs)
# and for AWS Lambda:
#   make lambda-zip  the function's deployment packages (linux/amd64 and
#                    linux/arm64 bootstrap zips in bin/)

SHELL := /bin/bash
GO ?= go
BIN := bin/gokerchunk
# Tools built from source are cached here so later runs reuse them.
TOOLS := $(HOME)/.cache/gokerchunk-tools/bin
STATICCHECK_VERSION := v0.8.2
# The AWS Lambda Runtime Interface Emulator runs the function in the
# fan-out tests (internal/lambdatest); pinned (no release tags on the
# module proxy).
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
# versitygw is the real S3 server the blob and CLI tests start (posix
# backend, 127.0.0.1); internal/s3test pins the same version.
VERSITYGW_VERSION := v1.8.0
# The HDF5 filter plugins let libhdf5 (under `check`, h5py and libnetcdf)
# read the plugin-filtered fixtures the scanner is compared against;
# bitshuffle brings the bitshuffle plugin (without it libhdf5 searching for
# filter 32008 trips over hdf5-plugin-lzf's plugin and the read fails);
# hdf5-filter-plugin-zfp-serial is H5Z-ZFP (filter 32013). python3-zfpy is
# what numcodecs' zfpy codec, which the scanner gives zfp datasets, calls
# (python3-numcodecs only recommends it). python3-tables (PyTables, with
# liblzo2-2) is the one reader of PyTables' LZO filter (305), which no HDF5
# plugin decodes: pycompat.py compares h5_lzo.h5 with it (TestPyTablesLZO).
APT_PACKAGES := zip libnetcdf-dev libhdf5-dev netcdf-bin hdf5-tools pkg-config \
	hdf5-filter-plugin hdf5-filter-plugin-blosc-serial hdf5-plugin-lzf bitshuffle hdf5-filter-plugin-zfp-serial \
	python3-h5py python3-netcdf4 python3-numpy python3-fsspec python3-zarr python3-xarray python3-dask \
	python3-h5netcdf python3-zfpy python3-tables
# What `make demo` needs of them: the build's libraries and the Python
# that opens the output (Debian 12's xarray, zarr 2 and fsspec).
DEMO_PACKAGES := libnetcdf-dev libhdf5-dev pkg-config python3-xarray python3-zarr python3-fsspec python3-numpy
# Today's Python stack (Debian sid: zarr 3, fsspec 2026, xarray 2026, h5py on
# HDF5 2.x, kerchunk) in a chroot built once by testdata/sid/build.sh;
# the compatibility tests run their scripts there through testdata/sid/run.sh
# (and in Debian 12's stack above as a second check).
SID_ROOT := $(HOME)/.cache/gokerchunk-tools/sid
# hyparquet (node) reads the Parquet reference files in refs' tests, a reader
# independent of parquet-go; pinned, installed beside the tools, outside the
# repository (the tests look there, or in GOKERCHUNK_NODE_MODULES).
NODE_MODULES := $(HOME)/.cache/gokerchunk-tools/node_modules
NODE_PACKAGES := hyparquet@1.31.5 hyparquet-compressors@1.1.2
# Only to regenerate fixtures (make fixtures).
FIXTURE_PACKAGES := faketime python3-hdf5plugin python3-tables

.PHONY: demo test deps deps-demo sid-env build lint lambda-zip fixtures bench bench-combine bench-scale bench-s3 bench-s3-many bench-convert fuzz clean

# apt-install installs the Debian packages $(1) names (as root, or through
# sudo when it is there), only those missing.
define apt-install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

# deps-demo installs what `make demo` needs and nothing more: the
# libraries the build links (libnetcdf, libhdf5) and the Python stack
# testdata/show.py opens the output with.
deps-demo:
	$(call apt-install,$(DEMO_PACKAGES))

# deps installs what the build and the tests need: the Debian packages,
# node's hyparquet, and the tools built from source into $(TOOLS).
deps:
	$(call apt-install,$(APT_PACKAGES))
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
		echo "installing: nodejs npm"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm >/dev/null; \
	fi
	@for p in $(NODE_PACKAGES); do \
		grep -qs "\"version\": \"$${p##*@}\"" $(NODE_MODULES)/$${p%@*}/package.json || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing into $(NODE_MODULES):$$missing"; \
		npm install --prefix $(dir $(NODE_MODULES)) --no-audit --no-fund --save-exact $(NODE_PACKAGES) >/dev/null; \
	fi
	@if ! $(GO) version -m $(TOOLS)/staticcheck 2>/dev/null | grep -q 'mod.*honnef.co/go/tools.*$(STATICCHECK_VERSION)'; then \
		echo "building staticcheck $(STATICCHECK_VERSION) into $(TOOLS)"; \
		GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION); \
	fi
	@if ! $(GO) version -m $(TOOLS)/aws-lambda-rie 2>/dev/null | grep -q "$(RIE_VERSION)"; then \
		echo "building aws-lambda-rie $(RIE_VERSION) into $(TOOLS)"; \
		GOBIN=$(TOOLS) $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION); \
	fi
	@if ! $(GO) version -m $(TOOLS)/versitygw 2>/dev/null | grep -q 'mod.*versitygw.*$(VERSITYGW_VERSION)'; then \
		echo "building versitygw $(VERSITYGW_VERSION) into $(TOOLS) (about 2 minutes)"; \
		GOBIN=$(TOOLS) $(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION); \
	fi

build:
	$(GO) build -o $(BIN) ./cmd/gokerchunk

demo: deps-demo build
	@rm -rf out/sample out/sample-combined.json && mkdir -p out/sample
	$(BIN) scan -o out/sample testdata/sample/
	@for f in testdata/sample/*.nc; do \
		echo "--- check $$f"; \
		$(BIN) check out/sample/$$(basename $$f).json --source $$f || exit 1; \
	done
	@echo "--- first lines of out/sample/tas_day_20200101.nc.json"
	@head -c 600 out/sample/tas_day_20200101.nc.json; echo " ..."
	@echo "--- opened with xarray through fsspec's reference filesystem"
	@/usr/bin/python3 testdata/show.py out/sample/*.nc.json
	@echo "--- the sidecars combined along time, checked against all three files"
	$(BIN) combine -o out/sample-combined.json out/sample/
	$(BIN) check out/sample-combined.json --source 'testdata/sample/*.nc'
	@/usr/bin/python3 testdata/show.py out/sample-combined.json

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(TOOLS)/staticcheck ./...
	CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/gokerchunk
	CGO_ENABLED=0 $(GO) build -tags lambda.norpc -o /dev/null ./cmd/gokerchunk-lambda

# sid-env builds today's Python stack once (about 8 minutes; the tests need
# it, the demo does not), with moto's server, the AWS API emulator the
# lambda deploy tests run against; a root of an older stamp is updated in
# place.
sid-env:
	@bash testdata/sid/build.sh $(SID_ROOT)

test: deps sid-env lint
	$(GO) test -race -count=1 -timeout 60m ./...

# lambda-zip builds the Lambda function as the provided.al2023 runtime runs
# it (a static executable named bootstrap, without the RPC mode) for both
# Lambda architectures, zipped for `gokerchunk lambda deploy` (which runs
# the same go build when the zip is missing: lambdadeploy.BuildZip) or the
# SAM template (cmd/gokerchunk-lambda/template.yaml).
LAMBDA_ARCHS := amd64 arm64
lambda-zip:
	@for arch in $(LAMBDA_ARCHS); do \
		dir=bin/lambda-$$arch; zip=bin/gokerchunk-lambda-$$arch.zip; \
		rm -rf $$dir $$zip && mkdir -p $$dir || exit 1; \
		CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' \
			-o $$dir/bootstrap ./cmd/gokerchunk-lambda || exit 1; \
		(cd $$dir && zip -q -X ../$$(basename $$zip) bootstrap) || exit 1; \
		echo "$$zip ($$(du -h $$zip | cut -f1))"; \
	done

# fixtures regenerates testdata/fixtures from the committed generators.
fixtures: deps
	@missing=$$(for p in $(FIXTURE_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	bash testdata/gen/generate.sh

# bench reports time, allocations and bytes read per file (one core).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -cpu 1 ./hdf5scan/ ./zarr/ ./codec/ ./refs/ ./combine/ ./cftime/ ./convert/

# bench-combine times `combine` on synthetic sidecars (1 000 inputs x 10
# variables x 100 chunks and more), into JSON and Parquet: wall time and
# peak memory as the inputs grow.
bench-combine:
	bash testdata/bench/combine.sh

# bench-scale combines synthetic sidecars of an hourly archive (50
# variables x 1000 chunks an input) at 10^6, 10^7 and 10^8 references
# (20, 200 and 2000 inputs, generated into a temporary directory and
# deleted; at 10^6 also bench-combine's 1000 daily inputs), into Parquet,
# and JSON up to 10^7: wall time, CPU time and peak RSS measured from
# outside (testdata/bench/rusage), output size. At 10^6 the outputs must be
# byte-identical to those of BASELINE's combine (built once into
# ~/.cache/gokerchunk-tools/bench). SCALES="6 7" for less; 10^8 needs
# about 7 GB of disk.
SCALES ?= 6 7 8
BASELINE ?= e9019d8
bench-scale:
	SCALES="$(SCALES)" BASELINE="$(BASELINE)" bash testdata/bench/scale.sh

# bench-s3 scans files from a local S3 server (versitygw) with 20 ms added
# to every request: GET requests, bytes fetched, sequential round trips and
# wall time per file, and the throughput of 1, 2, 4 and 8 workers.
bench-s3: deps
	$(GO) test -run '^$$' -bench 'S3Scan$$' -benchtime 5x ./cmd/gokerchunk/

# bench-s3-many runs `gokerchunk scan s3://.../` over N small netCDF-4
# objects (N=10000 by default) from versitygw with 20 ms added to every
# request, at concurrency 8 to 256: files/s, requests per file and the
# peak Go heap. N=2000 for a shorter run; CONCURRENCY=16,64 for fewer.
N ?= 10000
CONCURRENCY ?= 8,16,32,64,128,256
bench-s3-many: deps
	GOKERCHUNK_BENCH_N=$(N) GOKERCHUNK_BENCH_CONCURRENCY=$(CONCURRENCY) \
		$(GO) test -run '^$$' -bench S3ScanMany -benchtime 1x -timeout 60m ./cmd/gokerchunk/

# bench-convert converts a generated 1 GB GHCN-Daily year to Parquet on
# one core (convert csv2parquet): MB/s and peak memory. SIZE=200MB for a
# shorter run.
SIZE ?= 1GB
bench-convert:
	bash testdata/bench/convert.sh $(SIZE)

# fuzz runs each parser's fuzz target for FUZZTIME; crashers land in the
# package's testdata/fuzz and become regression tests.
FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzScan -fuzztime $(FUZZTIME) -fuzzminimizetime 5x ./hdf5scan/
	$(GO) test -run '^$$' -fuzz FuzzHeader -fuzztime $(FUZZTIME) -fuzzminimizetime 5x ./netcdf3/
	$(GO) test -run '^$$' -fuzz FuzzDecodeEvent -fuzztime $(FUZZTIME) -fuzzminimizetime 5x ./fanout/
	$(GO) test -run '^$$' -fuzz FuzzDecodeChunk -fuzztime $(FUZZTIME) -fuzzminimizetime 5x ./zarr/
	$(GO) test -run '^$$' -fuzz FuzzReadJSON -fuzztime $(FUZZTIME) -fuzzminimizetime 5x ./refs/
	$(GO) test -run '^$$' -fuzz FuzzReadParquetFile -fuzztime $(FUZZTIME) -fuzzminimizetime 5x ./refs/
	$(GO) test -run '^$$' -fuzz FuzzDecodeVLenUTF8 -fuzztime $(FUZZTIME) -fuzzminimizetime 5x ./zarr/
	$(GO) test -run '^$$' -fuzz FuzzParseUnits -fuzztime $(FUZZTIME) -fuzzminimizetime 5x ./cftime/
	$(GO) test -run '^$$' -fuzz FuzzSzip -fuzztime $(FUZZTIME) -fuzzminimizetime 5x ./codec/
	$(GO) test -run '^$$' -fuzz FuzzReadRecords -fuzztime $(FUZZTIME) -fuzzminimizetime 5x ./convert/
	for f in FuzzBlosc FuzzBlosclz FuzzLZ4 FuzzLZF FuzzLZO FuzzBitshuffle FuzzZstd; do \
		$(GO) test -run '^$$' -fuzz $$f -fuzztime $(FUZZTIME) -fuzzminimizetime 5x ./codec/ || exit 1; \
	done

clean:
	rm -rf bin out
