package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gokerchunk/blob"
	"gokerchunk/fanout"
	"gokerchunk/internal/s3test"
	"gokerchunk/refs"
	"gokerchunk/refs/refio"
)

// s3Setup starts versitygw with a bucket "data", points the AWS SDK at it
// and makes blob's default client send its requests through tr (when not
// nil) with fast retries. Path style is left to the command's
// --s3-path-style flag.
func s3Setup(t *testing.T) *s3test.Server {
	t.Helper()
	srv := s3test.Start(t)
	srv.Env(t)
	t.Setenv("GOKERCHUNK_S3_PATH_STYLE", "")
	srv.CreateBucket(t, "data")
	return srv
}

// useClient makes cfg blob's default client for the rest of the test.
func useClient(t *testing.T, cfg blob.Config) {
	t.Helper()
	old := blob.Default()
	cfg.RetryBaseDelay = time.Millisecond
	cfg.RetryMaxDelay = 10 * time.Millisecond
	blob.SetDefault(blob.NewClient(cfg))
	t.Cleanup(func() { blob.SetDefault(old) })
}

// localScan scans one local file to JSON bytes, references naming the
// absolute path.
func localScan(t *testing.T, in string, flags ...string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "x.json")
	if code, _, errOut := runCLI(t, append(append([]string{"scan", "-q", "-o", out}, flags...), in)...); code != exitOK {
		t.Fatalf("scan %s: exit %d\n%s", in, code, errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// s3Fixtures are the netCDF-4 fixtures and samples the S3 tests scan.
func s3Fixtures(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pat := range []string{"fixtures/nc4_*.nc", "sample/*.nc"} {
		m, _ := filepath.Glob(filepath.Join("..", "..", "testdata", pat))
		files = append(files, m...)
	}
	if len(files) < 8 {
		t.Fatalf("only %d fixtures", len(files))
	}
	for i, f := range files {
		files[i], _ = filepath.Abs(f)
	}
	return files
}

// TestS3ScanCheck scans fixtures in S3 into sidecars in S3 (with
// --s3-path-style; no inline chunks, so that every chunk is read through
// S3), checks each through its s3:// references against the local file
// with libnetcdf, and compares each sidecar with a local scan of the same
// file: equal but for the URL.
func TestS3ScanCheck(t *testing.T) {
	srv := s3Setup(t)
	useClient(t, blob.Config{})
	files := s3Fixtures(t)
	for _, f := range files {
		srv.CopyFile(t, f, "data", "fixtures/"+filepath.Base(f))
	}
	// A file that is not HDF5 fails alone, and leaves no sidecar.
	srv.CopyFile(t, writeFile(t, "bad.nc", bytes.Repeat([]byte("not hdf5 "), 100)), "data", "fixtures/bad.nc")

	code, _, errOut := runCLI(t, "scan", "--s3-path-style", "--stats", "--inline-threshold", "0", "--workers", "3", "s3://data/fixtures/", "-o", "s3://data/out/")
	if code != exitFailures || !strings.Contains(errOut, "s3://data/fixtures/bad.nc") || !strings.Contains(errOut, "1 error") {
		t.Fatalf("scan: exit %d, want %d with one error naming bad.nc\n%s", code, exitFailures, errOut)
	}
	var want []string
	for _, f := range files {
		want = append(want, "out/"+filepath.Base(f)+".json")
	}
	want = append(want, "out/"+fanout.ManifestName) // scan's run manifest
	slices.Sort(want)
	if got := srv.Keys(t, "data", "out/"); !slices.Equal(got, want) {
		t.Fatalf("sidecars %v, want %v", got, want)
	}
	for _, f := range files {
		url := "s3://data/fixtures/" + filepath.Base(f)
		if !strings.Contains(errOut, "stats: "+url+": ") {
			t.Errorf("no stats line for %s:\n%s", url, errOut)
		}
	}
	if !strings.Contains(errOut, "stats: total: "+plural(len(files)+1, "input")+": ") {
		t.Errorf("no total stats line:\n%s", errOut)
	}

	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			sidecar := srv.Get(t, "data", "out/"+name+".json")
			local := bytes.ReplaceAll(localScan(t, f, "--inline-threshold", "0"), []byte(`"`+f+`"`), []byte(`"s3://data/fixtures/`+name+`"`))
			if !bytes.Equal(sidecar, local) {
				t.Errorf("the S3 sidecar differs from the local scan with the URL replaced")
			}
			code, stdout, errOut := runCLI(t, "check", "--s3-path-style", "s3://data/out/"+name+".json", "--source", f)
			if code != exitOK || !strings.Contains(stdout, " 0 mismatch, 0 missing, 0 extra, 0 error") {
				t.Errorf("check: exit %d\n%s%s", code, stdout, errOut)
			}
		})
	}
}

// TestS3ScanNetCDF3 scans the netCDF-3 fixtures and a 24 MiB netCDF-3
// file from S3 without inlining: one GET each (the open's 1 MiB head holds
// the header, and the HDF5 signature is not looked for past byte 0, where
// the search would cost a GET at every power of two), sidecars equal to
// local scans, checked through their s3:// references.
func TestS3ScanNetCDF3(t *testing.T) {
	big := filepath.Join(t.TempDir(), "nc3_big.nc")
	cdl := writeFile(t, "big.cdl", []byte("netcdf big {\ndimensions: t = UNLIMITED ; y = 6 ; x = 1000000 ;\n"+
		"variables: float field(y, x) ; double t(t) ;\ndata: t = 0, 1 ;\n}\n"))
	out, err := exec.Command("ncgen", "-k", "64-bit offset", "-o", big, cdl).CombinedOutput()
	requireTool(t, err, "ncgen (netcdf-bin): "+string(out))
	files, _ := filepath.Glob(fixture(t, "fixtures") + "/nc3_*.nc")
	if len(files) < 6 {
		t.Fatalf("netCDF-3 fixtures: %v", files)
	}
	files = append(files, big)
	srv := s3Setup(t)
	useClient(t, blob.Config{S3PathStyle: true})
	for _, f := range files {
		srv.CopyFile(t, f, "data", "nc3/"+filepath.Base(f))
	}
	code, _, errOut := runCLI(t, "scan", "--stats", "--inline-threshold", "0", "s3://data/nc3/", "-o", "s3://data/out/")
	if code != exitOK {
		t.Fatalf("scan: exit %d\n%s", code, errOut)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			url := "s3://data/nc3/" + name
			if !strings.Contains(errOut, "stats: "+url+": 1 request (1 round trip, 0 retries)") {
				t.Errorf("%s did not cost one GET:\n%s", url, errOut)
			}
			local := bytes.ReplaceAll(localScan(t, f, "--inline-threshold", "0"), []byte(`"`+f+`"`), []byte(`"`+url+`"`))
			if !bytes.Equal(srv.Get(t, "data", "out/"+name+".json"), local) {
				t.Errorf("the S3 sidecar differs from the local scan with the URL replaced")
			}
			code, stdout, errOut := runCLI(t, "check", "s3://data/out/"+name+".json", "--source", f)
			if code != exitOK || !strings.Contains(stdout, " 0 mismatch, 0 missing, 0 extra, 0 error") {
				t.Errorf("check: exit %d\n%s%s", code, stdout, errOut)
			}
		})
	}
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestS3ScanFaults scans through a transport that resets, cuts or fails
// requests (GETs and PUTs): every fault is retried and each sidecar is
// byte-identical to a local scan's.
func TestS3ScanFaults(t *testing.T) {
	srv := s3Setup(t)
	files := s3Fixtures(t)
	for _, f := range files {
		srv.CopyFile(t, f, "data", "in/"+filepath.Base(f))
	}
	// Every other GET and every third PUT fail, the faults of each method
	// taken in turn.
	var mu sync.Mutex
	kinds := map[string]int{}
	seen := map[string]int{}
	cycle := map[string][]s3test.Fault{
		http.MethodGet: {s3test.Reset, s3test.ServerError, s3test.SlowDown, s3test.Truncate, s3test.TooMany},
		http.MethodPut: {s3test.Reset, s3test.ServerError, s3test.SlowDown},
	}
	tr := &s3test.Transport{Fault: func(_ int, req *http.Request) s3test.Fault {
		mu.Lock()
		defer mu.Unlock()
		faults := cycle[req.Method]
		seen[req.Method]++
		n := seen[req.Method]
		every := map[string]int{http.MethodGet: 2, http.MethodPut: 3}[req.Method]
		if faults == nil || n%every != 0 {
			return s3test.Pass
		}
		f := faults[(n/every-1)%len(faults)]
		kinds[req.Method+" "+f.String()]++
		return f
	}}
	useClient(t, blob.Config{Transport: tr, S3PathStyle: true})
	code, _, errOut := runCLI(t, "scan", "--stats", "--workers", "2", "s3://data/in/*.nc", "-o", "s3://data/out/")
	if code != exitOK {
		t.Fatalf("scan: exit %d\n%s", code, errOut)
	}
	for _, k := range []string{"GET reset", "GET 500", "GET 503 SlowDown", "GET truncate", "GET 429", "PUT reset", "PUT 500", "PUT 503 SlowDown"} {
		if kinds[k] == 0 {
			t.Errorf("no %s injected (%v)", k, kinds)
		}
	}
	if strings.Contains(errOut, "(0 round trips, 0 retries)") || !strings.Contains(errOut, "stats: total:") {
		t.Errorf("stats do not show the retries:\n%s", errOut)
	}
	for _, f := range files {
		name := filepath.Base(f)
		got := srv.Get(t, "data", "out/"+name+".json")
		want := bytes.ReplaceAll(localScan(t, f), []byte(`"`+f+`"`), []byte(`"s3://data/in/`+name+`"`))
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the sidecar written through faults differs from a fault-free scan", name)
		}
	}
	t.Logf("%d requests, %d faults injected: %v", tr.Requests(), tr.Faults(), kinds)
}

// setJSON is the reference set at url (JSON or Parquet, local or S3)
// read and written as JSON.
func setJSON(t *testing.T, url string) string {
	t.Helper()
	set, err := refio.Read(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := refs.WriteJSON(&b, set); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestS3Combine combines sidecars in S3 into JSON and Parquet in S3 and
// compares them with a combine of the same sidecars made locally; the
// combined set is checked through its s3:// references against the
// sources.
func TestS3Combine(t *testing.T) {
	srv := s3Setup(t)
	useClient(t, blob.Config{S3PathStyle: true, ListPageSize: 2})
	dir := fixture(t, filepath.Join("fixtures", "combine", "daily"))
	sources, _ := filepath.Glob(filepath.Join(dir, "*.nc"))
	for _, f := range sources {
		srv.CopyFile(t, f, "data", "daily/"+filepath.Base(f))
	}
	// Sidecars in S3, and the same made locally.
	if code, _, errOut := runCLI(t, "scan", "-q", "--inline-threshold", "0", "s3://data/daily/", "-o", "s3://data/sidecars/"); code != exitOK {
		t.Fatalf("scan: exit %d\n%s", code, errOut)
	}
	local := t.TempDir()
	if code, _, errOut := runCLI(t, "scan", "-q", "--inline-threshold", "0", "-o", local+"/", dir); code != exitOK {
		t.Fatalf("local scan: exit %d\n%s", code, errOut)
	}
	for _, out := range []string{"s3://data/combined.json", "s3://data/combined.parq"} {
		if code, _, errOut := runCLI(t, "combine", "-q", "-o", out, "s3://data/sidecars/"); code != exitOK {
			t.Fatalf("combine -o %s: exit %d\n%s", out, code, errOut)
		}
	}
	combined := t.TempDir()
	if code, _, errOut := runCLI(t, "combine", "-q", "-o", filepath.Join(combined, "combined.json"), local); code != exitOK {
		t.Fatalf("local combine: exit %d\n%s", code, errOut)
	}
	if keys := srv.Keys(t, "data", "combined.parq/"); !slices.Contains(keys, "combined.parq/.zmetadata") || len(keys) < 3 {
		t.Errorf("Parquet set in S3: %v", keys)
	}
	want := jsonOf(t, filepath.Join(combined, "combined.json"))
	want = strings.ReplaceAll(want, `"`+dir+"/", `"s3://data/daily/`)
	if !strings.Contains(want, `"s3://data/daily/atmos_3hr_20010101.nc"`) {
		t.Fatalf("the local combine names no source as expected:\n%.400s", want)
	}
	for _, out := range []string{"s3://data/combined.json", "s3://data/combined.parq"} {
		if setJSON(t, out) != want {
			t.Errorf("%s read back differs from the local combine (URLs replaced)", out)
		}
	}
	if got := srv.Get(t, "data", "combined.json"); !bytes.Equal(got, []byte(want)) {
		t.Errorf("combined.json in S3 is not byte-identical to the local one with URLs replaced")
	}
	code, stdout, errOut := runCLI(t, "check", "s3://data/combined.parq", "--source", filepath.Join(dir, "*.nc"))
	if code != exitOK || !strings.Contains(stdout, " 0 mismatch, 0 missing, 0 extra, 0 error") {
		t.Errorf("check of the combined set: exit %d\n%s%s", code, stdout, errOut)
	}
	// A glob over the sidecars matches scan's run manifest beside them,
	// which is passed over as with a local out/*.json.
	globbed := "s3://data/globbed.json"
	if code, _, errOut := runCLI(t, "combine", "-q", "-o", globbed, "s3://data/sidecars/*.json"); code != exitOK {
		t.Fatalf("combine of s3://data/sidecars/*.json: exit %d\n%s", code, errOut)
	}
	if got := srv.Get(t, "data", "globbed.json"); !bytes.Equal(got, []byte(want)) {
		t.Errorf("combine of the glob differs from the combine of the prefix")
	}
	// --append to the JSON in S3: the same inputs again collide.
	code, _, errOut = runCLI(t, "combine", "-q", "--append", "-o", "s3://data/combined.json", "s3://data/sidecars/atmos_3hr_20010101.nc.json")
	if code != exitFailures || !strings.Contains(errOut, "cannot combine") {
		t.Errorf("append of an input already there: exit %d\n%s", code, errOut)
	}

	// --append to a Parquet set in S3: the last day added to the first
	// three reads as the combine of all four, keeps the set's record size
	// (2), and the record files the day leaves unchanged are not uploaded
	// again.
	days := make([]string, len(sources))
	for i, f := range sources {
		days[i] = "s3://data/sidecars/" + filepath.Base(f) + ".json"
	}
	grown := "s3://data/grown.parq"
	args := append([]string{"combine", "-q", "--record-size", "2", "-o", grown}, days[:len(days)-1]...)
	if code, _, errOut := runCLI(t, args...); code != exitOK {
		t.Fatalf("combine -o %s: exit %d\n%s", grown, code, errOut)
	}
	records := 0
	for _, k := range srv.Keys(t, "data", "grown.parq/") {
		if strings.Contains(k, "/refs.") {
			records++
		}
	}
	var mu sync.Mutex
	var puts []string
	tr := &s3test.Transport{Fault: func(_ int, req *http.Request) s3test.Fault {
		if req.Method == http.MethodPut && strings.Contains(req.URL.Path, "/grown.parq/") {
			mu.Lock()
			puts = append(puts, req.URL.Path)
			mu.Unlock()
		}
		return s3test.Pass
	}}
	useClient(t, blob.Config{Transport: tr, S3PathStyle: true})
	if code, _, errOut := runCLI(t, "combine", "-q", "--append", "-o", grown, days[len(days)-1]); code != exitOK {
		t.Fatalf("combine --append -o %s: exit %d\n%s", grown, code, errOut)
	}
	if setJSON(t, grown) != want {
		t.Errorf("%s after the append differs from the combine of all days", grown)
	}
	after := len(srv.Keys(t, "data", "grown.parq/"))
	if after <= records {
		t.Errorf("%d files after the append to a set of %d record files: the set's record size (2) was not kept", after, records)
	}
	if len(puts) == 0 || len(puts) >= records {
		t.Errorf("the append uploaded %d files (%v) of a set of %d (%d record files before), want some and fewer than the records before", len(puts), puts, after, records)
	}
	t.Logf("append: %d of the set's %d files uploaded", len(puts), after)
}

// TestS3ScanRoundTrips scans a typical netCDF-4 file (12 MB, chunk B-tree
// nodes scattered over it; testdata/bench/typical_nc4.py) from S3 with
// 10 ms added to every request: at most 4 sequential round trips (the
// head, then the chunk index levels of all variables together), and a
// result equal to a local scan's.
func TestS3ScanRoundTrips(t *testing.T) {
	typical := filepath.Join(t.TempDir(), "typical.nc")
	out, err := exec.Command(debianPython, fixture(t, "bench/typical_nc4.py"), typical).CombinedOutput()
	requireTool(t, err, "python3-netcdf4 ("+string(out)+")")
	srv := s3Setup(t)
	srv.CopyFile(t, typical, "data", "typical.nc")
	tr := &s3test.Transport{Latency: 10 * time.Millisecond}
	useClient(t, blob.Config{Transport: tr, S3PathStyle: true})
	code, _, errOut := runCLI(t, "scan", "--stats", "s3://data/typical.nc", "-o", "s3://data/typical.json")
	if code != exitOK {
		t.Fatalf("scan: exit %d\n%s", code, errOut)
	}
	var reqs, rounds, retries int
	var fetched, unit string
	line := errOut[strings.Index(errOut, "stats: s3://data/typical.nc: "):]
	if _, err := fmt.Sscanf(line, "stats: s3://data/typical.nc: %d requests (%d round trips, %d retries), %s %s fetched",
		&reqs, &rounds, &retries, &fetched, &unit); err != nil {
		t.Fatalf("stats line %q: %v", line, err)
	}
	t.Logf("%d GETs, %d round trips, %s %s fetched; transport: %d requests in %d rounds", reqs, rounds, fetched, unit, tr.Requests(), tr.Rounds())
	if rounds < 1 || rounds > 4 {
		t.Errorf("%d sequential round trips, want at most 4", rounds)
	}
	want := bytes.ReplaceAll(localScan(t, typical), []byte(`"`+typical+`"`), []byte(`"s3://data/typical.nc"`))
	if got := srv.Get(t, "data", "typical.json"); !bytes.Equal(got, want) {
		t.Error("the sidecar differs from a local scan's")
	}
}

// TestHTTPScanCheck scans files served over HTTP (range requests, no
// listing) and checks the references, which name the http:// URLs.
func TestHTTPScanCheck(t *testing.T) {
	useClient(t, blob.Config{})
	dir := filepath.Dir(sampleFiles(t)[0])
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	in, _ := filepath.Abs(sampleFiles(t)[0])
	url := srv.URL + "/" + filepath.Base(in)
	out := filepath.Join(t.TempDir(), "x.json")
	if code, _, errOut := runCLI(t, "scan", "-q", "--inline-threshold", "0", "-o", out, url); code != exitOK {
		t.Fatalf("scan: exit %d\n%s", code, errOut)
	}
	got, _ := os.ReadFile(out)
	want := bytes.ReplaceAll(localScan(t, in, "--inline-threshold", "0"), []byte(`"`+in+`"`), []byte(`"`+url+`"`))
	if !bytes.Equal(got, want) {
		t.Error("the sidecar of the HTTP input differs from a local scan's with the URL replaced")
	}
	code, stdout, errOut := runCLI(t, "check", out, "--source", in)
	if code != exitOK || !strings.Contains(stdout, " 0 mismatch, 0 missing, 0 extra, 0 error") {
		t.Errorf("check: exit %d\n%s%s", code, stdout, errOut)
	}
	if code, _, errOut := runCLI(t, "scan", "-q", srv.URL+"/missing.nc"); code != exitFailures || !strings.Contains(errOut, srv.URL+"/missing.nc") {
		t.Errorf("missing URL: exit %d\n%s", code, errOut)
	}
}
