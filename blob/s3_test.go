package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"gokerchunk/internal/s3test"
)

// s3Server starts versitygw with a bucket "test", points the AWS SDK at it
// and returns a client with 64 KiB blocks and fast retries whose requests
// go through tr (when not nil).
func s3Server(t *testing.T, tr *s3test.Transport, cfg Config) (*s3test.Server, *Client) {
	t.Helper()
	srv := s3test.Start(t)
	srv.Env(t)
	srv.CreateBucket(t, "test")
	if tr != nil {
		cfg.Transport = tr
	}
	cfg.S3PathStyle = true
	return srv, smallBlocks(cfg)
}

func fixturePath(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join("..", "testdata", "fixtures", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestS3Read(t *testing.T) {
	srv, c := s3Server(t, nil, Config{})
	src := fixturePath(t, "nc4_dense150.nc")
	data, _ := os.ReadFile(src)
	srv.CopyFile(t, src, "test", "dir/dense.nc")
	srv.CopyFile(t, writeTemp(t, "empty", nil), "test", "empty")
	ctx := context.Background()

	r, err := c.Open(ctx, "s3://test/dir/dense.nc")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Size() != int64(len(data)) {
		t.Fatalf("size %d, want %d", r.Size(), len(data))
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		off := rng.Int64N(int64(len(data)))
		n := min(rng.Int64N(100*kib), int64(len(data))-off)
		if got := readAt(t, r, off, n); !bytes.Equal(got, data[off:off+n]) {
			t.Fatalf("bytes [%d, %d) differ", off, off+n)
		}
	}
	// 305 KB in 64 KiB blocks: the head (2 blocks) and at most 3 more GETs,
	// plus direct GETs of reads over 4 blocks (none: reads are < 100 KiB).
	if s := StatsOf(r).Counts(); s.Requests > 4 || s.Retries != 0 || s.Fetched > int64(len(data)) {
		t.Errorf("stats %+v", s)
	}

	e, err := c.Open(ctx, "s3://test/empty")
	if err != nil || e.Size() != 0 {
		t.Fatalf("empty object: %v", err)
	}
	e.Close()

	_, err = c.Open(ctx, "s3://test/dir/missing.nc")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "s3://test/dir/missing.nc") {
		t.Errorf("missing object: %v", err)
	}
	_, err = c.Open(ctx, "s3://nobucket/x.nc")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing bucket: %v", err)
	}
	for _, u := range []string{"s3://test/dir/", "s3:///x", "s3://test"} {
		if _, err := c.Open(ctx, u); err == nil || !strings.Contains(err.Error(), u) {
			t.Errorf("Open(%q): %v", u, err)
		}
	}

	got, err := c.ReadAll(ctx, "s3://test/dir/dense.nc")
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("ReadAll: %v", err)
	}
	for u, want := range map[string]bool{"s3://test/dir/dense.nc": true, "s3://test/dir/nope": false, "s3://test/dir": false} {
		if ok, err := c.Exists(ctx, u); err != nil || ok != want {
			t.Errorf("Exists(%s) = %v, %v", u, ok, err)
		}
	}
}

// everyOther injects fault into every other GET (and into nothing else).
func everyOther(fault s3test.Fault) func(int, *http.Request) s3test.Fault {
	var mu sync.Mutex
	gets := 0
	return func(_ int, req *http.Request) s3test.Fault {
		if req.Method != http.MethodGet {
			return s3test.Pass
		}
		mu.Lock()
		defer mu.Unlock()
		gets++
		if gets%2 == 1 {
			return fault
		}
		return s3test.Pass
	}
}

func TestS3ReadFaults(t *testing.T) {
	tr := &s3test.Transport{}
	srv, _ := s3Server(t, tr, Config{})
	src := fixturePath(t, "nc4_dense150.nc")
	data, _ := os.ReadFile(src)
	srv.CopyFile(t, src, "test", "dense.nc")
	for _, f := range []s3test.Fault{s3test.ServerError, s3test.SlowDown, s3test.TooMany, s3test.Reset, s3test.Truncate} {
		t.Run(f.String(), func(t *testing.T) {
			tr := &s3test.Transport{Fault: everyOther(f)}
			c := smallBlocks(Config{Transport: tr, S3PathStyle: true})
			r, err := c.Open(context.Background(), "s3://test/dense.nc")
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for _, off := range []int64{150 * kib, 220 * kib} {
				if got := readAt(t, r, off, 1000); !bytes.Equal(got, data[off:off+1000]) {
					t.Fatal("wrong bytes")
				}
			}
			if s := StatsOf(r).Counts(); s.Retries != 3 || s.Requests != 6 || tr.Faults() != 3 {
				t.Errorf("stats %+v, %d faults; want 3 retries of 6 requests", s, tr.Faults())
			}
		})
	}
}

// uploads lists the multipart uploads in progress in bucket "test".
func uploads(t *testing.T, srv *s3test.Server) int {
	t.Helper()
	out, err := srv.Client().ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: ptr("test")})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Uploads)
}

func ptr[T any](v T) *T { return &v }

// writeChunks writes data in pieces of varying size, as encoders do.
func writeChunks(w io.Writer, data []byte) error {
	for i, step := 0, 1; i < len(data); i, step = i+step, step*3%100003+1 {
		if _, err := w.Write(data[i:min(i+step, len(data))]); err != nil {
			return err
		}
	}
	return nil
}

func TestS3WriteAtomic(t *testing.T) {
	tr := &s3test.Transport{}
	var mu sync.Mutex
	var log []string
	tr.Fault = func(_ int, req *http.Request) s3test.Fault {
		mu.Lock()
		defer mu.Unlock()
		q := req.URL.Query()
		switch {
		case q.Has("uploads"):
			log = append(log, "create")
		case q.Has("partNumber"):
			log = append(log, "part")
		case q.Has("uploadId") && req.Method == http.MethodPost:
			log = append(log, "complete")
		case q.Has("uploadId") && req.Method == http.MethodDelete:
			log = append(log, "abort")
		case req.Method == http.MethodPut:
			log = append(log, "put")
		}
		return s3test.Pass
	}
	taken := func() []string {
		mu.Lock()
		defer mu.Unlock()
		l := log
		log = nil
		return l
	}
	const mib = 1 << 20
	srv, c := s3Server(t, tr, Config{MultipartThreshold: 6 * mib, PartSize: 5 * mib})
	ctx := context.Background()
	errBoom := errors.New("boom")
	big := testData(13*mib + 12345)

	tests := []struct {
		name    string
		key     string
		old     []byte // written first, when not nil
		write   func(io.Writer) error
		panics  bool
		want    []byte // the object afterwards; nil: none
		wantErr error
		wantLog []string
	}{
		{name: "small", key: "a.json", write: func(w io.Writer) error { return writeChunks(w, []byte(`{"x": 1}`)) },
			want: []byte(`{"x": 1}`), wantLog: []string{"put"}},
		{name: "empty", key: "empty", write: func(io.Writer) error { return nil }, want: []byte{}, wantLog: []string{"put"}},
		{name: "small failure keeps the old object", key: "b.json", old: []byte("old"),
			write:   func(w io.Writer) error { w.Write([]byte("partial")); return errBoom },
			want:    []byte("old"),
			wantErr: errBoom},
		{name: "multipart", key: "big.parq", write: func(w io.Writer) error { return writeChunks(w, big) },
			want: big, wantLog: []string{"create", "part", "part", "part", "complete"}},
		{name: "multipart at a part boundary", key: "even", write: func(w io.Writer) error { return writeChunks(w, big[:10*mib]) },
			want: big[:10*mib], wantLog: []string{"create", "part", "part", "complete"}},
		{name: "multipart failure leaves nothing", key: "fail.parq", write: func(w io.Writer) error {
			if err := writeChunks(w, big[:11*mib]); err != nil {
				return err
			}
			return errBoom
		}, wantErr: errBoom, wantLog: []string{"create", "part", "part", "abort"}},
		{name: "multipart panic leaves nothing", key: "panic.parq", panics: true, write: func(w io.Writer) error {
			writeChunks(w, big[:7*mib])
			panic("encoder bug")
		}, wantLog: []string{"create", "part", "abort"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := "s3://test/out/" + tt.key
			if tt.old != nil {
				if err := c.WriteAtomic(ctx, url, func(w io.Writer) error { _, err := w.Write(tt.old); return err }); err != nil {
					t.Fatal(err)
				}
			}
			taken()
			var err error
			func() {
				defer func() {
					if p := recover(); (p != nil) != tt.panics {
						t.Fatalf("panic %v", p)
					}
				}()
				err = c.WriteAtomic(ctx, url, tt.write)
			}()
			if !errors.Is(err, tt.wantErr) || err != nil && !strings.Contains(err.Error(), url) {
				t.Fatalf("error %v, want %v naming the URL", err, tt.wantErr)
			}
			if got := taken(); tt.wantLog != nil && !slices.Equal(got, tt.wantLog) {
				t.Errorf("requests %v, want %v", got, tt.wantLog)
			}
			keys := srv.Keys(t, "test", "out/"+tt.key)
			if tt.want == nil {
				if len(keys) != 0 {
					t.Errorf("a failed write left %v", keys)
				}
			} else if got := srv.Get(t, "test", "out/"+tt.key); !bytes.Equal(got, tt.want) {
				t.Errorf("object holds %d bytes, want %d", len(got), len(tt.want))
			}
			if n := uploads(t, srv); n != 0 {
				t.Errorf("%d multipart uploads left open", n)
			}
		})
	}
}

func TestS3Expand(t *testing.T) {
	srv, c := s3Server(t, nil, Config{ListPageSize: 2})
	for _, k := range []string{"a/x.nc", "a/y.H5", "a/z.txt", "a/sub/w.nc", "a/sub/deep/v.nc", "ab/u.nc", "b/q.nc", "b/x.nc"} {
		srv.CopyFile(t, writeTemp(t, "f", []byte(k)), "test", k)
	}
	local := writeTemp(t, "l.nc", nil)
	ext := []string{".nc", ".h5"}
	tests := []struct {
		patterns []string
		want     []string // keys, or local paths
		noMatch  bool
	}{
		{patterns: []string{"s3://test/a/"}, want: []string{"a/sub/deep/v.nc", "a/sub/w.nc", "a/x.nc", "a/y.H5"}},
		{patterns: []string{"s3://test/a"}, want: []string{"a/sub/deep/v.nc", "a/sub/w.nc", "a/x.nc", "a/y.H5"}},
		{patterns: []string{"s3://test/a/*.nc"}, want: []string{"a/x.nc"}},
		{patterns: []string{"s3://test/a/**/*.nc"}, want: []string{"a/sub/deep/v.nc", "a/sub/w.nc", "a/x.nc"}},
		{patterns: []string{"s3://test/*/x.nc"}, want: []string{"a/x.nc", "b/x.nc"}},
		{patterns: []string{"s3://test/a?/[t-v].nc"}, want: []string{"ab/u.nc"}},
		{patterns: []string{"s3://test/a/z.txt", "s3://test/a/z.txt"}, want: []string{"a/z.txt"}},
		{patterns: []string{"s3://test/b/", local, "https://example.com/x.nc"}, want: []string{"b/q.nc", "b/x.nc", "https://example.com/x.nc", local}},
		{patterns: []string{"s3://test/c/"}, noMatch: true},
		{patterns: []string{"s3://test/a/*.zarr"}, noMatch: true},
		{patterns: []string{"s3://test/a/z"}, noMatch: true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.patterns, " "), func(t *testing.T) {
			got, err := c.Expand(context.Background(), tt.patterns, ext)
			if tt.noMatch {
				var nm *NoMatchError
				if !errors.As(err, &nm) {
					t.Fatalf("got %v, %v; want a NoMatchError", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, w := range tt.want {
				if !strings.HasPrefix(w, "/") && !strings.Contains(w, "://") {
					w = "s3://test/" + w
				}
				want = append(want, w)
			}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestS3Tree(t *testing.T) {
	tr := &s3test.Transport{}
	var mu sync.Mutex
	var puts []string
	tr.Fault = func(_ int, req *http.Request) s3test.Fault {
		if req.Method == http.MethodPut {
			mu.Lock()
			puts = append(puts, req.URL.Path)
			mu.Unlock()
		}
		return s3test.Pass
	}
	srv, c := s3Server(t, tr, Config{})
	ctx := context.Background()
	dir := t.TempDir()
	files := map[string]string{".zmetadata": "{}", "tas/refs.0.parq": "p0", "tas/refs.1.parq": "p1", "time/refs.0.parq": "t0", "x/.zmetadata": "inner"}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o644)
	}
	// A stale record from an earlier, larger set.
	srv.CopyFile(t, writeTemp(t, "old", []byte("old")), "test", "set.parq/tas/refs.2.parq")
	if err := c.PutTree(ctx, dir, "s3://test/set.parq"); err != nil {
		t.Fatal(err)
	}
	if len(puts) != len(files) {
		t.Fatalf("PUTs %v", puts)
	}
	for _, p := range puts[:len(puts)-2] {
		if strings.HasSuffix(p, ".zmetadata") {
			t.Errorf("PUT order %v: .zmetadata before a record file", puts)
		}
	}
	want := []string{"set.parq/.zmetadata", "set.parq/tas/refs.0.parq", "set.parq/tas/refs.1.parq", "set.parq/time/refs.0.parq", "set.parq/x/.zmetadata"}
	if got := srv.Keys(t, "test", "set.parq/"); !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v (stale record deleted)", got, want)
	}
	back := t.TempDir()
	if err := c.GetTree(ctx, "s3://test/set.parq/", back); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if got, err := os.ReadFile(filepath.Join(back, filepath.FromSlash(name))); err != nil || string(got) != content {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
	if err := c.GetTree(ctx, "s3://test/none", t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("GetTree of nothing: %v", err)
	}
	_ = fmt.Sprint

	// The same tree again with one record changed (same size, other
	// bytes) and one added: only those two are uploaded, the objects
	// that hold a file's bytes are left as they are.
	os.WriteFile(filepath.Join(dir, "tas", "refs.1.parq"), []byte("P1"), 0o644)
	os.WriteFile(filepath.Join(dir, "tas", "refs.2.parq"), []byte("p2"), 0o644)
	files["tas/refs.1.parq"], files["tas/refs.2.parq"] = "P1", "p2"
	mu.Lock()
	puts = nil
	mu.Unlock()
	if err := c.PutTree(ctx, dir, "s3://test/set.parq"); err != nil {
		t.Fatal(err)
	}
	slices.Sort(puts)
	if want := []string{"/test/set.parq/tas/refs.1.parq", "/test/set.parq/tas/refs.2.parq"}; !slices.Equal(puts, want) {
		t.Errorf("PUTs of the changed tree %v, want %v", puts, want)
	}
	back = t.TempDir()
	if err := c.GetTree(ctx, "s3://test/set.parq/", back); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if got, err := os.ReadFile(filepath.Join(back, filepath.FromSlash(name))); err != nil || string(got) != content {
			t.Errorf("after the second upload, %s: %q, %v", name, got, err)
		}
	}
}

// TestS3ListingEach: an S3 prefix's Listing knows its root before any
// listing request; Each gives the objects in key order with their size,
// ETag and modification time, and asks for a page only once the caller
// took the previous one: stopping after the first object costs one page.
func TestS3ListingEach(t *testing.T) {
	tr := &s3test.Transport{}
	srv, c := s3Server(t, tr, Config{ListPageSize: 2})
	for i := range 7 {
		srv.CopyFile(t, writeTemp(t, "f", bytes.Repeat([]byte("x"), i+1)), "test", fmt.Sprintf("many/%d.nc", i))
	}
	ctx := context.Background()
	l, err := c.ListPattern(ctx, "s3://test/many/", []string{".nc"})
	if err != nil {
		t.Fatal(err)
	}
	if !l.Lazy() || !l.Collection || l.Root != "s3://test/many/" || tr.Requests() != 0 {
		t.Fatalf("listing %+v after %d requests, want a lazy collection below s3://test/many/ and no request yet", l, tr.Requests())
	}
	var got []Object
	if err := l.Each(ctx, func(o Object) error { got = append(got, o); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 7 || tr.Requests() != 4 {
		t.Fatalf("%d objects in %d requests, want 7 in 4 pages", len(got), tr.Requests())
	}
	for i, o := range got {
		if o.URL != fmt.Sprintf("s3://test/many/%d.nc", i) || o.Size != int64(i+1) || o.ETag == "" || o.Modified.IsZero() {
			t.Errorf("object %d: %+v", i, o)
		}
	}
	stop := errors.New("stop")
	tr.ResetCounts()
	if err := l.Each(ctx, func(Object) error { return stop }); err != stop || tr.Requests() != 1 {
		t.Errorf("stopped at the first object: %v after %d requests, want stop after 1", err, tr.Requests())
	}
}
