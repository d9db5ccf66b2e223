package refs

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// oddSource serves a Manifest as a ChunkSource the way no writer expects:
// from segments of odd sizes (1, 4, 2, 7, 3, 1, ...), each with a table of
// its own that lists the segment's targets backwards, once or twice, after
// a target nothing refers to (junk). A window within one segment gets the
// segment's table (the same slice each time); one across segments gets a
// new table. Its buffers are overwritten at each call, and two passes at
// once fail the test.
type oddSource struct {
	t      testing.TB
	m      *Manifest
	junk   bool
	tables map[int][]string // by segment
	open   bool
	passes int
}

var oddSizes = []int{1, 4, 2, 7, 3, 1, 1, 5}

func newOddSource(t testing.TB, m *Manifest, junk bool) *oddSource {
	return &oddSource{t: t, m: m, junk: junk, tables: map[int][]string{}}
}

func (s *oddSource) Grid() []int { return slices.Clone(s.m.Grid) }

func (s *oddSource) Open() (ChunkReader, error) {
	if s.open {
		s.t.Errorf("two passes at once")
	}
	s.open = true
	s.passes++
	return &oddReader{s: s}, nil
}

// segment is the segment holding position i, and where it starts and ends.
func (s *oddSource) segment(i int) (seg, start, end int) {
	for {
		size := oddSizes[seg%len(oddSizes)]
		if i < start+size {
			return seg, start, start + size
		}
		seg++
		start += size
	}
}

// table lists the targets of positions [start, end) backwards.
func (s *oddSource) table(start, end int) []string {
	var urls []string
	if s.junk {
		urls = append(urls, "junk://nothing refers to this")
	}
	var seen []string
	for i := start; i < end; i++ {
		if t := s.m.Target[i]; t >= 0 && !slices.Contains(seen, s.m.URLs[t]) {
			seen = append(seen, s.m.URLs[t])
		}
	}
	slices.Reverse(seen)
	urls = append(urls, seen...)
	if s.junk && len(seen) > 0 {
		urls = append(urls, seen[0]) // one target twice
	}
	return urls
}

type oddReader struct {
	s      *oddSource
	pos    int
	target []int32
	offset []int64
	length []int64
}

func (r *oddReader) Next(n int, w *Manifest) error {
	s := r.s
	if !s.open {
		s.t.Errorf("Next after Close")
	}
	if n < 0 || r.pos+n > s.m.Len() {
		s.t.Fatalf("Next(%d) at %d of %d", n, r.pos, s.m.Len())
	}
	end := r.pos + n
	seg, start, segEnd := s.segment(r.pos)
	segEnd = min(segEnd, s.m.Len())
	var urls []string
	if n > 0 && end <= segEnd {
		if urls = s.tables[seg]; urls == nil {
			urls = s.table(start, segEnd)
			s.tables[seg] = urls
		}
	} else {
		urls = s.table(r.pos, end)
	}
	// Overwrite what the last call gave, so a caller that kept it shows.
	for i := range r.target {
		r.target[i], r.offset[i], r.length[i] = -7, -7, -7
	}
	r.target, r.offset, r.length = resize(r.target, n), resize(r.offset, n), resize(r.length, n)
	clear(w.Inline)
	if w.Inline == nil {
		w.Inline = map[int][]byte{}
	}
	for i := range n {
		j := r.pos + i
		t := s.m.Target[j]
		if t >= 0 {
			// The last entry naming the target (it may be named twice).
			u := s.m.URLs[t]
			t = int32(len(urls) - 1)
			for urls[t] != u {
				t--
			}
		}
		if t == InlineChunk {
			w.Inline[i] = s.m.Inline[j]
		}
		r.target[i], r.offset[i], r.length[i] = t, s.m.Offset[j], s.m.Length[j]
	}
	w.URLs, w.Target, w.Offset, w.Length = urls, r.target, r.offset, r.length
	r.pos = end
	return nil
}

func (r *oddReader) Close() error {
	r.s.open = false
	return nil
}

// streamSet is richSet with an array of 600 chunks over five targets, some
// inline, some missing, and a two-dimensional one over two targets.
func streamSet(t testing.TB) *Set {
	s := richSet(t)
	m := addArray(t, s, "many", []int64{600}, []int64{1})
	for i := range m.Len() {
		if i%3 != 0 {
			m.SetRange(i, "/data/many-"+string(rune('a'+i%5))+".nc", int64(i*100), 100)
		} else if i%9 == 0 {
			m.SetInline(i, bytes.Repeat([]byte{byte(i)}, i%40))
		}
	}
	m = addArray(t, s, "grp/plane", []int64{9, 10}, []int64{2, 3}) // 5 x 4
	for i := range m.Len() {
		if i != 6 {
			m.SetRange(i, []string{"s3://b/x.nc", "s3://b/y.nc"}[i/7%2], int64(i+1), 3)
		}
	}
	return s
}

// withSources returns a copy of s whose arrays have an oddSource each
// instead of their Manifest (a copy of it).
func withSources(t testing.TB, s *Set, junk bool) (*Set, []*oddSource) {
	out := &Set{Groups: s.Groups, Extra: map[string]Ref{}, Arrays: map[string]*Array{}}
	for k, v := range s.Extra {
		out.Extra[k] = v
	}
	var srcs []*oddSource
	for p, a := range s.Arrays {
		b := &Array{ZArray: a.ZArray, Attrs: a.Attrs}
		if a.Manifest != nil {
			m := *a.Manifest
			m.URLs, m.Target, m.Offset, m.Length = slices.Clone(m.URLs), slices.Clone(m.Target), slices.Clone(m.Offset), slices.Clone(m.Length)
			src := newOddSource(t, &m, junk)
			b.Source = src
			srcs = append(srcs, src)
		}
		out.Arrays[p] = b
	}
	return out, srcs
}

// setWindow sets streamWindow for the rest of the test.
func setWindow(t *testing.T, n int) {
	old := streamWindow
	streamWindow = n
	t.Cleanup(func() { streamWindow = old })
}

func writeJSONBytes(t *testing.T, s *Set, opts JSONOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteJSONOptions(&b, s, opts); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// readTree reads every file under dir by its path there.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out[filepath.ToSlash(rel)], err = os.ReadFile(p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTree(t *testing.T, want, got map[string][]byte) {
	t.Helper()
	if len(want) == 0 || !slices.Equal(slices.Sorted(maps.Keys(want)), slices.Sorted(maps.Keys(got))) {
		t.Fatalf("files %v, want %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
	for k, v := range want {
		if !bytes.Equal(v, got[k]) {
			t.Errorf("%s differs", k)
		}
	}
}

// TestWriteJSONSources: a set written with its arrays behind ChunkSources,
// read in windows of any size, gives the bytes of the set written with
// Manifests, with templates and without.
func TestWriteJSONSources(t *testing.T) {
	s := streamSet(t)
	for _, opts := range []JSONOptions{{}, {Templates: true}} {
		want := writeJSONBytes(t, s, opts)
		for _, window := range []int{1, 2, 3, 7, 64, 1 << 16} {
			t.Run(fmt.Sprintf("templates=%v/window=%d", opts.Templates, window), func(t *testing.T) {
				setWindow(t, window)
				for _, junk := range []bool{false, true} {
					src, srcs := withSources(t, s, junk)
					if got := writeJSONBytes(t, src, opts); !bytes.Equal(got, want) {
						t.Fatalf("junk %v: written from sources:\n%s\n---\nfrom manifests:\n%s", junk, got, want)
					}
					// Templates take a first pass to count.
					for _, o := range srcs {
						if want := map[bool]int{false: 1, true: 2}[opts.Templates]; o.passes != want || o.open {
							t.Errorf("%d passes (open %v), want %d", o.passes, o.open, want)
						}
					}
				}
			})
		}
	}
	// A target that looks like a template is refused from a source too.
	s.Arrays["many"].SetRange(5, "/data/{{x}}.nc", 3, 4)
	src, _ := withSources(t, s, true)
	if err := WriteJSONOptions(&bytes.Buffer{}, src, JSONOptions{Templates: true}); err == nil || !strings.Contains(err.Error(), "{{x}}") {
		t.Errorf("target with {{: %v", err)
	}
}

// TestWriteParquetSources: a set written to Parquet from ChunkSources whose
// windows never match a record gives the files written from Manifests.
func TestWriteParquetSources(t *testing.T) {
	s := streamSet(t)
	for _, rs := range []int{1, 3, 4, 7, 1000, DefaultRecordSize} {
		t.Run(strconv.Itoa(rs), func(t *testing.T) {
			want := readTree(t, writeRefsDir(t, s, rs))
			src, _ := withSources(t, s, true)
			sameTree(t, want, readTree(t, writeRefsDir(t, src, rs)))
		})
	}
	// A chunk fsspec cannot read back fails the write, leaving nothing.
	s.Arrays["many"].SetRange(599, "/x", 0, 0)
	src, _ := withSources(t, s, true)
	parent := t.TempDir()
	if err := WriteParquet(filepath.Join(parent, "out"), src, 100); err == nil || !strings.Contains(err.Error(), `array "many": chunk 599: a range of offset 0 and size 0 reads as the whole of /x`) {
		t.Errorf("error %v", err)
	}
	if left, _ := os.ReadDir(parent); len(left) != 0 {
		t.Errorf("failed write left %v", left)
	}
}

// TestWriteShortManifest: a Manifest with fewer slots than its grid fails
// the writers with an error, not a panic.
func TestWriteShortManifest(t *testing.T) {
	s := sampleSet(t)
	m := s.Arrays["grp/t"].Manifest
	m.Target, m.Offset, m.Length = m.Target[:3], m.Offset[:3], m.Length[:3]
	if err := WriteJSON(&bytes.Buffer{}, s); err == nil || !strings.Contains(err.Error(), "chunk slots") {
		t.Errorf("JSON: %v", err)
	}
	if err := WriteParquet(filepath.Join(t.TempDir(), "p"), s, 2); err == nil || !strings.Contains(err.Error(), "chunk slots") {
		t.Errorf("Parquet: %v", err)
	}
}

// TestReadManifest: a source read into a Manifest is the set it came from,
// its table each target once in the order they come.
func TestReadManifest(t *testing.T) {
	s := streamSet(t)
	setWindow(t, 5)
	src, _ := withSources(t, s, true)
	if err := src.Materialize(); err != nil {
		t.Fatal(err)
	}
	sameSet(t, s, src)
	if got := src.Arrays["grp/plane"].URLs; !slices.Equal(got, []string{"junk://nothing refers to this", "s3://b/x.nc", "s3://b/y.nc"}) {
		t.Errorf("table %q", got)
	}
}

// TestOpenParquet: a Parquet set opened lazily writes what the set it was
// written from writes, JSON and Parquet of any record size, and reads as
// ReadParquet reads it.
func TestOpenParquet(t *testing.T) {
	s := streamSet(t)
	dir := writeRefsDir(t, s, 7)
	open, err := OpenParquet(dir)
	if err != nil {
		t.Fatal(err)
	}
	for p, a := range open.Arrays {
		if a.Manifest != nil || a.Source == nil {
			t.Errorf("array %s: manifest %v, source %v", p, a.Manifest != nil, a.Source)
		}
	}
	for _, window := range []int{1, 5, 7, 1 << 16} {
		t.Run(fmt.Sprintf("window=%d", window), func(t *testing.T) {
			setWindow(t, window)
			for _, opts := range []JSONOptions{{}, {Templates: true}} {
				if got, want := writeJSONBytes(t, open, opts), writeJSONBytes(t, s, opts); !bytes.Equal(got, want) {
					t.Errorf("templates %v: JSON of the opened set:\n%s\n---\nof the set:\n%s", opts.Templates, got, want)
				}
			}
		})
	}
	for _, rs := range []int{3, 7, 11} {
		sameTree(t, readTree(t, writeRefsDir(t, s, rs)), readTree(t, writeRefsDir(t, open, rs)))
	}
	read, err := ReadParquet(dir)
	if err != nil {
		t.Fatal(err)
	}
	sameSet(t, s, read)
	if err := open.Materialize(); err != nil {
		t.Fatal(err)
	}
	sameSet(t, read, open)
	if !slices.Equal(open.Arrays["many"].URLs, read.Arrays["many"].URLs) {
		t.Errorf("tables %q and %q", open.Arrays["many"].URLs, read.Arrays["many"].URLs)
	}
}

// TestOpenParquetCorruptRecord: OpenParquet reads no record; a corrupt one
// fails the pass that reaches it, naming the file, and a write from it
// leaves nothing behind.
func TestOpenParquetCorruptRecord(t *testing.T) {
	dir := writeRefsDir(t, streamSet(t), 100)
	bad := filepath.Join(dir, "many", "refs.3.parq")
	if err := os.WriteFile(bad, []byte("PAR1 not a Parquet file PAR1"), 0o644); err != nil {
		t.Fatal(err)
	}
	open, err := OpenParquet(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&bytes.Buffer{}, open); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("JSON: %v", err)
	}
	parent := t.TempDir()
	// With the set's own record size WriteParquet links the record files
	// WriteParquet wrote (RecordFiler); a damaged one it reads, and fails.
	if err := WriteParquet(filepath.Join(parent, "p"), open, 100); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Parquet: %v", err)
	}
	if left, _ := os.ReadDir(parent); len(left) != 0 {
		t.Errorf("failed write left %v", left)
	}
	if _, err := ReadParquet(dir); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("ReadParquet: %v", err)
	}
}

// TestRetargetApplySource: Apply rewrites a Source-only array as it does a
// Manifest, with the same report, and back again.
func TestRetargetApplySource(t *testing.T) {
	rules := []PrefixRule{{Old: "/data/", New: "s3://b/archive/"}, {Old: "s3://bucket/", New: "/mnt/bucket/"}}
	there, err := NewRetarget(rules)
	if err != nil {
		t.Fatal(err)
	}
	back, _ := NewRetarget([]PrefixRule{{Old: "s3://b/archive/", New: "/data/"}, {Old: "/mnt/bucket/", New: "s3://bucket/"}})
	setWindow(t, 5)
	s := streamSet(t)
	s.Extra["far"] = Ref{URL: "/elsewhere/c.nc", Offset: 400, Length: 50}
	src, srcs := withSources(t, s, false)
	wantRep := there.Apply(s)
	gotRep := there.Apply(src)
	if fmt.Sprint(gotRep) != fmt.Sprint(wantRep) || wantRep.Changed == 0 || len(wantRep.Unmatched) == 0 {
		t.Errorf("report from sources %+v, from manifests %+v", gotRep, wantRep)
	}
	for _, o := range srcs {
		if o.passes != 1 {
			t.Errorf("Apply made %d passes over a source, want 1", o.passes)
		}
	}
	for _, opts := range []JSONOptions{{}, {Templates: true}} {
		if got, want := writeJSONBytes(t, src, opts), writeJSONBytes(t, s, opts); !bytes.Equal(got, want) {
			t.Errorf("templates %v: retargeted from sources:\n%s\n---\nfrom manifests:\n%s", opts.Templates, got, want)
		}
	}
	delete(s.Extra, "far") // not in the Parquet layout
	delete(src.Extra, "far")
	sameTree(t, readTree(t, writeRefsDir(t, s, 7)), readTree(t, writeRefsDir(t, src, 7)))
	back.Apply(src)
	if got, orig := writeJSONBytes(t, src, JSONOptions{}), writeJSONBytes(t, streamSet(t), JSONOptions{}); !bytes.Equal(got, orig) {
		t.Errorf("there and back:\n%s\n---\n%s", got, orig)
	}
	// Unmatched targets of a source, the table's unreferenced ones too.
	src, _ = withSources(t, streamSet(t), true)
	rep := there.Apply(src)
	if !slices.Contains(rep.Unmatched, "junk://nothing refers to this") {
		t.Errorf("unmatched %q", rep.Unmatched)
	}
}

// failSource fails its passes at position at.
type failSource struct {
	grid []int
	at   int
	err  error
}

func (s *failSource) Grid() []int { return s.grid }

func (s *failSource) Open() (ChunkReader, error) { return &failReader{s: s}, nil }

type failReader struct {
	s   *failSource
	pos int
}

func (r *failReader) Next(n int, w *Manifest) error {
	if r.pos+n > r.s.at {
		return r.s.err
	}
	r.pos += n
	w.URLs = []string{"/data/f.nc"}
	w.Target, w.Offset, w.Length = make([]int32, n), make([]int64, n), make([]int64, n)
	for i := range w.Offset {
		w.Offset[i], w.Length[i] = int64(i+1), 1
	}
	clear(w.Inline)
	return nil
}

func (r *failReader) Close() error { return nil }

// TestRetargetApplySourceError: a source Apply cannot read fails every
// write of the set with its error.
func TestRetargetApplySourceError(t *testing.T) {
	setWindow(t, 1)
	s := sampleSet(t)
	boom := errors.New("boom: the source is unreadable")
	a := s.Arrays["grp/t"]
	a.Manifest, a.Source = nil, &failSource{grid: a.ZArray.Grid(), at: 3, err: boom}
	rt, _ := NewRetarget([]PrefixRule{{Old: "/data/", New: "s3://b/"}})
	rep := rt.Apply(s)
	if rep.References != 3 || rep.Changed != 3 {
		t.Errorf("report %+v, want the 3 references read", rep)
	}
	if err := WriteJSON(&bytes.Buffer{}, s); !errors.Is(err, boom) {
		t.Errorf("JSON: %v", err)
	}
	if err := WriteParquet(filepath.Join(t.TempDir(), "p"), s, 3); !errors.Is(err, boom) {
		t.Errorf("Parquet: %v", err)
	}
}

// TestWriteParquetLinksRecords: a set read lazily and written with its own
// record size links every whole record file it has, and writes the rest
// (a last, partial record), to the same bytes.
func TestWriteParquetLinksRecords(t *testing.T) {
	s := streamSet(t)
	dir := writeRefsDir(t, s, 100)
	open, err := OpenParquet(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "again")
	if err := WriteParquet(out, open, 100); err != nil {
		t.Fatal(err)
	}
	sameTree(t, readTree(t, dir), readTree(t, out))
	linked := 0
	for p := range readTree(t, out) {
		a, errA := os.Stat(filepath.Join(dir, p))
		b, errB := os.Stat(filepath.Join(out, p))
		if errA == nil && errB == nil && os.SameFile(a, b) {
			linked++
		}
	}
	if linked == 0 {
		t.Error("no record file linked")
	}
}
