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
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gokerchunk/internal/s3test"
)

// rangeServer serves one object with Range support (http.ServeContent)
// and records the Range header of every request.
type rangeServer struct {
	*httptest.Server
	data []byte
	mu   sync.Mutex
	log  []string // "GET bytes=0-99", "HEAD "
	// fail, when set, may answer a request itself (n counts from 1).
	fail func(n int, w http.ResponseWriter, r *http.Request) bool
	// noRanges makes the server ignore Range (always 200, whole object).
	noRanges bool
}

func newRangeServer(t *testing.T, data []byte) *rangeServer {
	s := &rangeServer{data: data}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.log = append(s.log, r.Method+" "+r.Header.Get("Range"))
		n := len(s.log)
		fail := s.fail
		s.mu.Unlock()
		if fail != nil && fail(n, w, r) {
			return
		}
		if s.noRanges {
			r.Header.Del("Range")
		}
		http.ServeContent(w, r, "object", time.Time{}, bytes.NewReader(s.data))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *rangeServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

func (s *rangeServer) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// testData is n pseudo-random bytes (so a misplaced range shows).
func testData(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

const kib = 1 << 10

// smallBlocks is a client with 64 KiB blocks, a 128 KiB head and fast
// retries.
func smallBlocks(cfg Config) *Client {
	cfg.BlockSize = 64 * kib
	cfg.HeadSize = 128 * kib
	cfg.RetryBaseDelay = time.Millisecond
	cfg.RetryMaxDelay = 5 * time.Millisecond
	return NewClient(cfg)
}

func readAt(t *testing.T, r Reader, off, n int64) []byte {
	t.Helper()
	b, err := ReadRange(context.Background(), r, "test", off, n)
	if err != nil {
		t.Fatalf("read [%d, %d): %v", off, off+n, err)
	}
	return b
}

func TestHTTPReaderBlocksAndCoalescing(t *testing.T) {
	data := testData(2 << 20)
	srv := newRangeServer(t, data)
	c := smallBlocks(Config{})
	r, err := c.Open(context.Background(), srv.URL+"/x.nc")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Size() != int64(len(data)) {
		t.Fatalf("Size %d, want %d", r.Size(), len(data))
	}
	steps := []struct {
		name   string
		off, n int64
		want   []string // the requests this read adds
	}{
		{name: "inside the head", off: 100, n: 5000, want: nil},
		{name: "across the head's end", off: 128*kib - 10, n: 20, want: []string{"GET bytes=131072-196607"}},
		{name: "cached now", off: 128*kib + 5, n: 100, want: nil},
		{name: "two missing blocks, one GET", off: 256*kib + 3, n: 64 * kib, want: []string{"GET bytes=262144-393215"}},
		// Blocks 8 and 10 missing, 9 cached by the next step's setup: see below.
		{name: "a far block", off: 600 * kib, n: 8, want: []string{"GET bytes=589824-655359"}},
		{name: "missing, cached, missing: one GET over all three", off: 520 * kib, n: 150 * kib, want: []string{"GET bytes=524288-720895"}},
		{name: "a large read goes direct", off: 1 << 20, n: 400 * kib, want: []string{"GET bytes=1048576-1458175"}},
		{name: "and is not cached", off: 1<<20 + 10, n: 10, want: []string{"GET bytes=1048576-1114111"}},
		{name: "the last, short block", off: int64(len(data)) - 3, n: 3, want: []string{"GET bytes=2031616-2097151"}},
	}
	prev := srv.requests()
	if len(prev) != 1 || prev[0] != "GET bytes=0-131071" {
		t.Fatalf("open sent %v, want one GET of the head", prev)
	}
	for _, st := range steps {
		srv.reset()
		got := readAt(t, r, st.off, st.n)
		if !bytes.Equal(got, data[st.off:st.off+st.n]) {
			t.Fatalf("%s: wrong bytes", st.name)
		}
		if reqs := srv.requests(); fmt.Sprint(reqs) != fmt.Sprint(st.want) {
			t.Errorf("%s: requests %v, want %v", st.name, reqs, st.want)
		}
	}
	s := StatsOf(r).Counts()
	var fetched int64 = 128 * kib // the head
	requests := int64(1)
	for _, st := range steps {
		requests += int64(len(st.want))
		for _, w := range st.want {
			var a, b int64
			fmt.Sscanf(w, "GET bytes=%d-%d", &a, &b)
			fetched += b - a + 1
		}
	}
	if s.Fetched != fetched || s.Requests != requests || s.RoundTrips != requests || s.Retries != 0 || s.Reads != int64(len(steps)) {
		t.Errorf("stats %+v, want %d requests fetching %d bytes", s, requests, fetched)
	}
}

func TestHTTPReaderSmallObjectIsOneGET(t *testing.T) {
	data := testData(23081)
	srv := newRangeServer(t, data)
	c := smallBlocks(Config{})
	r, err := c.Open(context.Background(), srv.URL+"/x.nc")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, off := range []int64{0, 8, 23000, 12000, 1} {
		got := readAt(t, r, off, min(81, int64(len(data))-off))
		if !bytes.Equal(got, data[off:off+int64(len(got))]) {
			t.Fatalf("wrong bytes at %d", off)
		}
	}
	// io.ReaderAt: a read past the end returns what there is and io.EOF.
	p := make([]byte, 100)
	n, err := r.ReadAt(p, int64(len(data))-10)
	if n != 10 || err != io.EOF || !bytes.Equal(p[:10], data[len(data)-10:]) {
		t.Errorf("read over the end: %d, %v", n, err)
	}
	if n, err := r.ReadAt(p, int64(len(data))); n != 0 || err != io.EOF {
		t.Errorf("read at the end: %d, %v", n, err)
	}
	if reqs := srv.requests(); len(reqs) != 1 {
		t.Errorf("requests %v, want the open's GET only", reqs)
	}
	if s := StatsOf(r).Counts(); s.RoundTrips != 1 || s.Fetched != int64(len(data)) {
		t.Errorf("stats %+v", s)
	}
}

func TestHTTPReaderEmptyAndMissing(t *testing.T) {
	srv := newRangeServer(t, nil)
	c := smallBlocks(Config{})
	r, err := c.Open(context.Background(), srv.URL+"/empty")
	if err != nil {
		t.Fatal(err)
	}
	if r.Size() != 0 {
		t.Errorf("size %d", r.Size())
	}
	r.Close()

	srv.fail = func(_ int, w http.ResponseWriter, r *http.Request) bool {
		http.NotFound(w, r)
		return true
	}
	_, err = c.Open(context.Background(), srv.URL+"/missing.nc")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), srv.URL+"/missing.nc") {
		t.Errorf("open of a missing object: %v", err)
	}
	if n := len(srv.requests()); n != 2 {
		t.Errorf("%d requests, want 2 (one for the empty object, one for the missing: 404 is not retried)", n)
	}
}

func TestHTTPReaderServerIgnoringRange(t *testing.T) {
	small := newRangeServer(t, testData(1000))
	small.noRanges = true
	c := smallBlocks(Config{})
	r, err := c.Open(context.Background(), small.URL)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAt(t, r, 990, 10); !bytes.Equal(got, small.data[990:]) {
		t.Error("wrong bytes")
	}
	r.Close()

	big := newRangeServer(t, testData(300*kib))
	big.noRanges = true
	if _, err := c.Open(context.Background(), big.URL); err == nil || !strings.Contains(err.Error(), "ignores Range") {
		t.Errorf("open of a large object without range support: %v", err)
	}
}

func TestHTTPReaderConcurrentMissesFetchOnce(t *testing.T) {
	data := testData(1 << 20)
	srv := newRangeServer(t, data)
	release := make(chan struct{})
	srv.fail = func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n > 1 {
			<-release // hold the block's GET until every reader waits for it
		}
		return false
	}
	c := smallBlocks(Config{})
	r, err := c.Open(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			off := int64(700*kib + i*100)
			p := make([]byte, 50)
			if _, err := r.ReadAt(p, off); err != nil || !bytes.Equal(p, data[off:off+50]) {
				errs <- fmt.Errorf("reader %d: %v", i, err)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if reqs := srv.requests(); len(reqs) != 2 {
		t.Errorf("requests %v, want the head and one GET of the block", reqs)
	}
}

func TestCacheEviction(t *testing.T) {
	data := testData(1 << 20)
	srv := newRangeServer(t, data)
	c := smallBlocks(Config{CacheSize: 128 * kib}) // two blocks
	r, err := c.Open(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, off := range []int64{300 * kib, 400 * kib, 500 * kib, 300 * kib, 500 * kib} {
		readAt(t, r, off, 10)
	}
	// Block 300K was evicted by the third read and fetched again; 500K
	// was still cached. The head's blocks went first.
	if n := len(srv.requests()); n != 5 {
		t.Errorf("%d requests (%v), want 5", n, srv.requests())
	}
}

// hijackClose answers with headers promising body bytes, sends half, and
// closes the connection: a truncated body, or with half == 0 a reset.
func hijackClose(w http.ResponseWriter, r *http.Request, data []byte, half bool) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	if !half {
		return
	}
	var a, b int
	fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &a, &b)
	b = min(b, len(data)-1)
	fmt.Fprintf(buf, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes %d-%d/%d\r\nContent-Length: %d\r\n\r\n", a, b, len(data), b-a+1)
	buf.Write(data[a : a+(b-a+1)/2])
	buf.Flush()
}

func TestHTTPReaderRetries(t *testing.T) {
	data := testData(1 << 20)
	tests := []struct {
		name     string
		fail     func(w http.ResponseWriter, r *http.Request)
		failures int // how many requests in a row fail
	}{
		{name: "503 SlowDown", failures: 2, fail: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "SlowDown", http.StatusServiceUnavailable)
		}},
		{name: "429", failures: 1, fail: func(w http.ResponseWriter, r *http.Request) { http.Error(w, "slow", http.StatusTooManyRequests) }},
		{name: "500", failures: 3, fail: func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusInternalServerError) }},
		{name: "connection reset", failures: 2, fail: func(w http.ResponseWriter, r *http.Request) { hijackClose(w, r, data, false) }},
		{name: "truncated body", failures: 2, fail: func(w http.ResponseWriter, r *http.Request) { hijackClose(w, r, data, true) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRangeServer(t, data)
			// The open's first attempts fail, then those of a block read.
			srv.fail = func(n int, w http.ResponseWriter, r *http.Request) bool {
				if n <= tt.failures || n > tt.failures+1 && n <= 2*tt.failures+1 {
					tt.fail(w, r)
					return true
				}
				return false
			}
			c := smallBlocks(Config{})
			r, err := c.Open(context.Background(), srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if got := readAt(t, r, 900*kib, 1000); !bytes.Equal(got, data[900*kib:900*kib+1000]) {
				t.Fatal("wrong bytes after retries")
			}
			if n := len(srv.requests()); n != 2*tt.failures+2 {
				t.Errorf("the server saw %d requests, want %d", n, 2*tt.failures+2)
			}
			s := StatsOf(r).Counts()
			want := int64(2 * tt.failures)
			if tt.name == "connection reset" {
				// net/http itself sends a GET again once when the server
				// closed a reused connection without answering.
				want = max(s.Retries, 1)
			}
			if s.Retries != want || s.Requests != s.Retries+2 || s.RoundTrips != s.Requests {
				t.Errorf("stats %+v, want %d retries", s, want)
			}
		})
	}
}

func TestHTTPReaderGivesUp(t *testing.T) {
	srv := newRangeServer(t, testData(1000))
	srv.fail = func(_ int, w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, "down", http.StatusBadGateway)
		return true
	}
	c := smallBlocks(Config{MaxAttempts: 3})
	_, err := c.Open(context.Background(), srv.URL+"/x.nc")
	if err == nil || !strings.Contains(err.Error(), srv.URL+"/x.nc") || !strings.Contains(err.Error(), "502") ||
		!strings.Contains(err.Error(), "after 3 attempts") {
		t.Errorf("error %v", err)
	}
	if n := len(srv.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	srv.reset()
	srv.fail = func(_ int, w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, "no", http.StatusForbidden)
		return true
	}
	if _, err := c.Open(context.Background(), srv.URL); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("error %v", err)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("%d requests for a 403, want 1 (not retried)", n)
	}
}

func TestHTTPReaderCancel(t *testing.T) {
	srv := newRangeServer(t, testData(1000))
	srv.fail = func(_ int, w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	c := NewClient(Config{RetryBaseDelay: time.Second, RetryMaxDelay: time.Second})
	start := time.Now()
	if _, err := c.Open(ctx, srv.URL); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("the backoff ignored the context: %v", d)
	}
}

// TestTransportFaults runs reads through s3test.Transport, the fault
// injector the S3 tests use, against the plain HTTP reader.
func TestTransportFaults(t *testing.T) {
	data := testData(1 << 20)
	srv := newRangeServer(t, data)
	for _, f := range []s3test.Fault{s3test.ServerError, s3test.SlowDown, s3test.TooMany, s3test.Reset, s3test.Truncate} {
		t.Run(f.String(), func(t *testing.T) {
			tr := &s3test.Transport{Fault: func(n int, _ *http.Request) s3test.Fault {
				if n%2 == 1 {
					return f
				}
				return s3test.Pass
			}}
			c := smallBlocks(Config{Transport: tr})
			r, err := c.Open(context.Background(), srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for _, off := range []int64{200 * kib, 500 * kib, 800 * kib} {
				if got := readAt(t, r, off, 300); !bytes.Equal(got, data[off:off+300]) {
					t.Fatal("wrong bytes")
				}
			}
			s := StatsOf(r).Counts()
			if s.Retries != 4 || s.Requests != 8 || tr.Faults() != 4 {
				t.Errorf("stats %+v, %d faults; want 4 retries of 8 requests", s, tr.Faults())
			}
		})
	}
}

func TestOpenerSharesCacheAndCounts(t *testing.T) {
	data := testData(600 * kib)
	srv := newRangeServer(t, data)
	o := smallBlocks(Config{}).NewOpener()
	defer o.Close()
	ctx := context.Background()
	for range 3 {
		r, err := o.Open(ctx, srv.URL+"/a")
		if err != nil {
			t.Fatal(err)
		}
		readAt(t, r, 300*kib, 10)
		r.Close()
	}
	if n := len(srv.requests()); n != 2 {
		t.Errorf("%d requests, want the open and one block", n)
	}
	if s := o.Stats().Counts(); s.Requests != 2 || s.Reads != 3 || s.Bytes != 30 {
		t.Errorf("opener stats %+v", s)
	}
}

func TestParseContentRange(t *testing.T) {
	tests := []struct {
		in               string
		start, end, size int64
		bad              bool
	}{
		{in: "bytes 0-99/100", start: 0, end: 99, size: 100},
		{in: "bytes 5-5/*", start: 5, end: 5, size: -1},
		{in: "bytes */0", start: -1, end: -1, size: 0},
		{in: "bytes 0-100/100", bad: true},
		{in: "bytes 9-3/100", bad: true},
		{in: "bytes -1-3/100", bad: true},
		{in: "items 0-1/2", bad: true},
		{in: "bytes 0-1", bad: true},
		{in: "", bad: true},
	}
	for _, tt := range tests {
		a, b, n, err := parseContentRange(tt.in)
		if tt.bad != (err != nil) || !tt.bad && (a != tt.start || b != tt.end || n != tt.size) {
			t.Errorf("parseContentRange(%q) = %d, %d, %d, %v", tt.in, a, b, n, err)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	p := retryPolicy{attempts: 10, base: 100 * time.Millisecond, max: time.Second}
	for i := 1; i <= 9; i++ {
		want := min(p.base<<(i-1), p.max)
		for range 50 {
			if d := p.delay(i, errTruncated); d < want/2 || d > want {
				t.Fatalf("delay(%d) = %v, want within [%v, %v]", i, d, want/2, want)
			}
		}
	}
	if d := p.delay(1, &StatusError{Code: 503, RetryAfter: 700 * time.Millisecond}); d != 700*time.Millisecond {
		t.Errorf("Retry-After ignored: %v", d)
	}
	if d := p.delay(1, &StatusError{Code: 503, RetryAfter: time.Hour}); d != time.Second {
		t.Errorf("Retry-After not capped: %v", d)
	}
}

func TestBlockCacheLRU(t *testing.T) {
	c := newBlockCache(30)
	for i := range int64(4) {
		c.put(blockKey{1, i}, make([]byte, 10))
		if i == 2 {
			c.get(blockKey{1, 0}) // 0 is now more recent than 1
		}
	}
	for i, want := range []bool{true, false, true, true} {
		if _, ok := c.get(blockKey{1, int64(i)}); ok != want {
			t.Errorf("block %d cached: %v, want %v", i, ok, want)
		}
	}
	c.put(blockKey{2, 0}, make([]byte, 5))
	c.drop(1)
	if c.used != 5 || c.lru.Len() != 1 {
		t.Errorf("after drop: %d bytes in %d blocks", c.used, c.lru.Len())
	}
}

func TestPrefetch(t *testing.T) {
	data := testData(4 << 20)
	srv := newRangeServer(t, data)
	c := smallBlocks(Config{})
	r, err := c.Open(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	srv.reset()
	ranges := [][2]int64{
		{100, 50},                  // in the head: nothing to fetch
		{1<<20 + 10, 100},          // block 16
		{1<<20 + 64*kib, 100},      // block 17: adjacent, one GET 16-17
		{1<<20 + 3*64*kib, 100},    // block 19: a GET of its own
		{2<<20 + 64*kib - 10, 20},  // blocks 32 and 33
		{3 << 20, 10},              // block 48
		{4<<20 - 5, 100},           // block 63, clipped at the end
		{5 << 20, 10},              // outside: ignored
		{1<<20 + 3*64*kib + 5, 10}, // block 19 again
	}
	r.(Prefetcher).Prefetch(ranges)
	for _, rg := range ranges[:7] {
		n := min(rg[1], int64(len(data))-rg[0])
		if got := readAt(t, r, rg[0], n); !bytes.Equal(got, data[rg[0]:rg[0]+n]) {
			t.Fatalf("wrong bytes at %d", rg[0])
		}
	}
	got := srv.requests()
	slices.Sort(got)
	want := []string{"GET bytes=1048576-1179647", "GET bytes=1245184-1310719", "GET bytes=2097152-2228223", "GET bytes=3145728-3211263", "GET bytes=4128768-4194303"}
	if !slices.Equal(got, want) {
		t.Errorf("requests %v, want %v", got, want)
	}
	// The reads waited for the prefetches, sent together: one round trip
	// at most (none if they had all arrived), not one per range.
	if s := StatsOf(r).Counts(); s.Requests != 6 || s.RoundTrips > 2 {
		t.Errorf("stats %+v", s)
	}
	// A second hint for what is cached sends nothing.
	r.(Prefetcher).Prefetch(ranges)
	readAt(t, r, 3<<20, 10)
	if n := len(srv.requests()); n != 5 {
		t.Errorf("%d requests after a second hint", n)
	}
}
