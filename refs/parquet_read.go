package refs

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/parquet-go/parquet-go"
)

const (
	// maxZMetadataSize bounds the .zmetadata document read into memory.
	maxZMetadataSize = 1 << 30
	// maxUnbackedChunks bounds the chunk positions of an array that no refs
	// file covers (fsspec leaves out records in which no key was set): the
	// rest of a manifest's size is justified by the files that exist.
	maxUnbackedChunks = 1 << 20
)

// ReadParquet reads an fsspec Parquet reference directory (see WriteParquet),
// as written by fsspec's LazyReferenceMapper, kerchunk's refs_to_dataframe or
// WriteParquet. It accepts what those readers accept: a record file that is
// missing (all its chunks missing), shorter than record_size (fsspec 2023.5
// trimmed the last one), or lacking columns (read as null). It is
// OpenParquet with every array's references read into a Manifest.
func ReadParquet(dir string) (*Set, error) {
	s, err := OpenParquet(dir)
	if err != nil {
		return nil, err
	}
	if err := s.Materialize(); err != nil {
		return nil, err
	}
	return s, nil
}

// OpenParquet reads the metadata of an fsspec Parquet reference directory
// (as ReadParquet does) and lists its record files, but leaves the
// references where they are: each array gets a Source whose passes read
// its refs.K.parq files one at a time, in order, checking each as
// ReadParquet does, so that a pass holds one record in memory, not the
// set. The files are read at each pass: they must stay as they are while
// the set is in use.
func OpenParquet(dir string) (*Set, error) {
	zpath := filepath.Join(dir, ".zmetadata")
	doc, err := readFileLimited(zpath, maxZMetadataSize)
	if err != nil {
		return nil, err
	}
	meta, rawRecordSize, err := parseZMetadata(doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", zpath, err)
	}
	recordSize, err := strconv.Atoi(string(rawRecordSize))
	if err != nil || recordSize <= 0 || recordSize > MaxRecordSize {
		return nil, fmt.Errorf("%s: record_size %s is not an integer from 1 to %d", zpath, rawRecordSize, MaxRecordSize)
	}
	s := NewSet()
	docs := map[string][]byte{}
	for k, v := range meta {
		if IsMetaKey(k) {
			docs[k] = v
		} else {
			s.Extra[k] = Ref{Data: v}
		}
	}
	if err := s.PutDocuments(docs); err != nil {
		return nil, fmt.Errorf("%s: %w", zpath, err)
	}
	for _, path := range s.ArrayPaths() {
		if err := checkFieldPath(path); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", zpath, MetaKey(path, ".zarray"), err)
		}
		context := fmt.Sprintf("parquet refs %s: array %q", dir, path)
		src, err := openParquetArray(filepath.Join(dir, filepath.FromSlash(path)), s.Arrays[path].ZArray, recordSize)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", context, err)
		}
		src.context = context
		s.Arrays[path].Source = src
	}
	return s, nil
}

// ParquetRecordSize returns the record_size of the fsspec Parquet
// reference directory at dir, read from its .zmetadata.
func ParquetRecordSize(dir string) (int, error) {
	zpath := filepath.Join(dir, ".zmetadata")
	doc, err := readFileLimited(zpath, maxZMetadataSize)
	if err != nil {
		return 0, err
	}
	n, err := ZMetadataRecordSize(doc)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", zpath, err)
	}
	return n, nil
}

// ZMetadataRecordSize is the record_size of a Parquet set's .zmetadata
// document.
func ZMetadataRecordSize(doc []byte) (int, error) {
	_, raw, err := parseZMetadata(doc)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil || n <= 0 || n > MaxRecordSize {
		return 0, fmt.Errorf("record_size %s is not an integer from 1 to %d", raw, MaxRecordSize)
	}
	return n, nil
}

// parseZMetadata splits .zmetadata into its metadata documents, each the
// bytes it has in doc, and the raw record_size. Python's json writes NaN and
// Infinity in attributes, so those are accepted.
func parseZMetadata(doc []byte) (map[string][]byte, []byte, error) {
	clean := finiteJSON(doc)
	if !json.Valid(clean) {
		return nil, nil, fmt.Errorf("not valid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(clean))
	var meta map[string][]byte
	var recordSize json.RawMessage
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		return nil, nil, fmt.Errorf("not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		var raw json.RawMessage
		switch tok {
		case "metadata":
			if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
				return nil, nil, fmt.Errorf("\"metadata\" is not an object")
			}
			meta = map[string][]byte{}
			for dec.More() {
				key, err := dec.Token()
				if err != nil {
					return nil, nil, err
				}
				start := dec.InputOffset()
				if err := dec.Decode(&raw); err != nil {
					return nil, nil, fmt.Errorf("metadata %v: %w", key, err)
				}
				meta[key.(string)] = bytes.Clone(bytes.TrimLeft(doc[start:dec.InputOffset()], " \t\r\n:"))
			}
			if _, err := dec.Token(); err != nil {
				return nil, nil, err
			}
		case "record_size":
			if err := dec.Decode(&recordSize); err != nil {
				return nil, nil, err
			}
		default:
			if err := dec.Decode(&raw); err != nil {
				return nil, nil, err
			}
		}
	}
	if meta == nil {
		return nil, nil, fmt.Errorf("no \"metadata\" object")
	}
	return meta, recordSize, nil
}

// readFileLimited reads a whole file after checking its size.
func readFileLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, more than the limit of %d", name, st.Size(), limit)
	}
	data := make([]byte, st.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return data, nil
}

// recordReader reads the refs files of arrays, reusing its buffers.
type recordReader struct {
	size    int
	values  []parquet.Value
	scratch []byte
	// One record's rows: url index (-1 null), offset, size, raw (nil null).
	path   []int32
	offset []int64
	length []int64
	raw    [][]byte
	urls   map[string]int32
}

// parquetSource is the references of one array of a Parquet reference
// directory, read from its record files at each pass.
type parquetSource struct {
	dir     string // the array's directory
	context string // what errors are prefixed with: the set and the array
	grid    []int
	n       int   // positions of grid
	size    int   // record_size
	files   []int // the records that have a file, ascending
}

// openParquetArray lists the record files of the array z in dir and checks
// that they justify its grid.
func openParquetArray(dir string, z *ZArray, recordSize int) (*parquetSource, error) {
	grid := z.Grid()
	size, ok := GridSize(grid, 1<<62)
	if !ok {
		return nil, fmt.Errorf("chunk grid of shape %v and chunks %v is too large", z.Shape, z.Chunks)
	}
	n := int(size)
	records := (n + recordSize - 1) / recordSize
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var files []int
	for _, e := range entries {
		num, isRefs := strings.CutPrefix(e.Name(), "refs.")
		num, isParq := strings.CutSuffix(num, ".parq")
		if !isRefs || !isParq || e.IsDir() {
			continue
		}
		k, err := strconv.Atoi(num)
		if err != nil || k < 0 || strconv.Itoa(k) != num {
			continue
		}
		if k >= records {
			return nil, fmt.Errorf("%s: the chunk grid %v needs %d record files", e.Name(), grid, records)
		}
		files = append(files, k)
	}
	if n > len(files)*recordSize+maxUnbackedChunks {
		return nil, fmt.Errorf("chunk grid %v of %d chunks is not covered by its %d record files of %d rows", grid, n, len(files), recordSize)
	}
	slices.Sort(files)
	return &parquetSource{dir: dir, grid: grid, n: n, size: recordSize, files: files}, nil
}

func (s *parquetSource) Grid() []int { return s.grid }

func (s *parquetSource) recordSize() int { return s.size }

// RecordFile returns the record file of positions first .. first+n-1 when
// they are one whole record of the set's record size that has a file.
func (s *parquetSource) RecordFile(first, n, recordSize int) (string, bool) {
	if recordSize != s.size || n != s.size || first%s.size != 0 || first+n > s.n {
		return "", false
	}
	rec := first / s.size
	if _, ok := slices.BinarySearch(s.files, rec); !ok {
		return "", false
	}
	name := filepath.Join(s.dir, "refs."+strconv.Itoa(rec)+".parq")
	if !writtenHere(name, s.size) {
		return "", false
	}
	return name, true
}

// writtenHere reports whether a record file's footer says WriteParquet
// wrote it, with rows rows: a file linked into a new set is not read, so
// only one that is what WriteParquet would write again is linked (another
// writer's file, or a damaged one, is read and written anew).
func writtenHere(name string, rows int) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false
	}
	pf, err := parquet.OpenFile(f, st.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return false
	}
	md := pf.Metadata()
	return md.CreatedBy == createdBy && md.NumRows == int64(rows) && len(pf.Schema().Columns()) == numColumns
}

// parquetReaders keeps the buffers of closed passes for the next: a set's
// arrays are read one after another, each in buffers of a record's size.
var parquetReaders = sync.Pool{New: func() any { return &parquetReader{seg: Manifest{Inline: map[int][]byte{}}} }}

func (s *parquetSource) Open() (ChunkReader, error) {
	r := parquetReaders.Get().(*parquetReader)
	r.src, r.rr.size, r.next, r.rec, r.off = s, s.size, 0, -1, 0
	return r, nil
}

// parquetReader is one pass over a parquetSource: it holds the record at
// the pass's position. A window within the record is handed out as views
// of it with the record's table; a window across records is copied, with
// a table of its own.
type parquetReader struct {
	src  *parquetSource
	rr   recordReader
	next int      // index in src.files of the next file to read
	rec  int      // the record seg holds
	seg  Manifest // the record: its positions from 0, its targets
	off  int      // the position in seg where the next window starts
	out  Manifest // a window across records
	idx  map[string]int32
	re   []int32 // seg's table mapped into out's
}

// load reads the record after the one held.
func (r *parquetReader) load() error {
	s, m := r.src, &r.seg
	r.rec++
	r.off = 0
	first := r.rec * s.size
	k := min(s.size, s.n-first)
	m.Target, m.Offset, m.Length = resize(m.Target, k), resize(m.Offset, k), resize(m.Length, k)
	for i := range k {
		m.Target[i], m.Offset[i], m.Length[i] = NoChunk, 0, 0
	}
	clear(m.Inline)
	// A new slice for each record's table: the caller may hold the last.
	m.URLs = nil
	if r.next >= len(s.files) || s.files[r.next] != r.rec {
		return nil // no file: every chunk of the record is missing
	}
	r.next++
	name := filepath.Join(s.dir, "refs."+strconv.Itoa(r.rec)+".parq")
	if err := r.rr.readRecord(name, m, first, s.n); err != nil {
		return fmt.Errorf("%s: %s: %w", s.context, name, err)
	}
	return nil
}

func (r *parquetReader) Next(n int, w *Manifest) error {
	clear(w.Inline)
	if n == 0 {
		w.Target, w.Offset, w.Length = w.Target[:0], w.Offset[:0], w.Length[:0]
		return nil
	}
	if r.rec < 0 || r.off == len(r.seg.Target) {
		if err := r.load(); err != nil {
			return err
		}
	}
	if r.off+n <= len(r.seg.Target) {
		m, end := &r.seg, r.off+n
		w.URLs = m.URLs
		w.Target, w.Offset, w.Length = m.Target[r.off:end], m.Offset[r.off:end], m.Length[r.off:end]
		if len(m.Inline) > 0 {
			if w.Inline == nil {
				w.Inline = map[int][]byte{}
			}
			for i, t := range w.Target {
				if t == InlineChunk {
					w.Inline[i] = m.Inline[r.off+i]
				}
			}
		}
		r.off = end
		return nil
	}
	o := &r.out
	o.URLs = nil // a new table
	o.Target, o.Offset, o.Length = o.Target[:0], o.Offset[:0], o.Length[:0]
	if r.idx == nil {
		r.idx = map[string]int32{}
	}
	clear(r.idx)
	for n > 0 {
		if r.off == len(r.seg.Target) {
			if err := r.load(); err != nil {
				return err
			}
		}
		m := &r.seg
		r.re = r.re[:0]
		for _, u := range m.URLs {
			j, ok := r.idx[u]
			if !ok {
				j = int32(len(o.URLs))
				o.URLs = append(o.URLs, u)
				r.idx[u] = j
			}
			r.re = append(r.re, j)
		}
		k := min(n, len(m.Target)-r.off)
		for i := r.off; i < r.off+k; i++ {
			t := m.Target[i]
			switch {
			case t >= 0:
				t = r.re[t]
			case t == InlineChunk:
				if w.Inline == nil {
					w.Inline = map[int][]byte{}
				}
				w.Inline[len(o.Target)] = m.Inline[i]
			}
			o.Target = append(o.Target, t)
		}
		o.Offset = append(o.Offset, m.Offset[r.off:r.off+k]...)
		o.Length = append(o.Length, m.Length[r.off:r.off+k]...)
		r.off += k
		n -= k
	}
	w.URLs, w.Target, w.Offset, w.Length = o.URLs, o.Target, o.Offset, o.Length
	return nil
}

// Skip passes over n positions; whole records are passed over unread.
func (r *parquetReader) Skip(n int) error {
	s := r.src
	for n > 0 {
		if r.rec >= 0 && r.off < len(r.seg.Target) {
			k := min(n, len(r.seg.Target)-r.off)
			r.off += k
			n -= k
			continue
		}
		next := r.rec + 1
		k := min(s.size, s.n-next*s.size)
		if k <= 0 {
			return fmt.Errorf("%s: skipping past its %d chunks", s.context, s.n)
		}
		if n >= k {
			r.rec, r.off = next, 0
			if r.next < len(s.files) && s.files[r.next] == next {
				r.next++
			}
			r.seg.Target, r.seg.Offset, r.seg.Length = r.seg.Target[:0], r.seg.Offset[:0], r.seg.Length[:0]
			n -= k
			continue
		}
		if err := r.load(); err != nil {
			return err
		}
	}
	return nil
}

func (r *parquetReader) Close() error {
	if r.src == nil {
		return nil // closed already
	}
	r.src = nil
	r.seg.Target, r.seg.URLs = r.seg.Target[:0], nil
	clear(r.seg.Inline)
	clear(r.rr.raw)
	parquetReaders.Put(r)
	return nil
}

// readRecord reads one refs file, that of chunks first.. of a grid of n
// chunks, into m: one record's positions (fewer for the last record) from
// index 0, every chunk missing, and an empty table it fills.
func (r *recordReader) readRecord(name string, m *Manifest, first, n int) (err error) {
	data, err := readFileLimited(name, maxRefsFileSize)
	if err != nil {
		return err
	}
	// parquet-go is not written for hostile input; the checks before it
	// cover what is known, and a panic in it still must not take the
	// caller down.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("corrupt Parquet data (decoder panic: %v)", p)
		}
	}()
	f, err := r.openRefsFile(data)
	if err != nil {
		return err
	}
	rows := int(f.NumRows())
	r.path = resize(r.path, rows)
	r.offset = resize(r.offset, rows)
	r.length = resize(r.length, rows)
	r.raw = resize(r.raw, rows)
	for i := range rows {
		r.path[i], r.offset[i], r.length[i], r.raw[i] = -1, 0, 0, nil
	}
	if r.urls == nil {
		r.urls = map[string]int32{}
	}
	clear(r.urls)
	for c, name := range [numColumns]string{"path", "offset", "size", "raw"} {
		if err := r.readColumn(f, c, name, m); err != nil {
			return fmt.Errorf("column %q: %w", name, err)
		}
	}
	for row := range rows {
		raw, p := r.raw[row], r.path[row]
		if row >= m.Len() {
			if raw != nil || p >= 0 {
				return fmt.Errorf("row %d holds a reference, but chunk %d lies beyond the grid's %d", row, first+row, n)
			}
			continue
		}
		// fsspec's order: raw wins, then a missing path means no chunk, then
		// offset and size 0 mean the whole target.
		switch {
		case raw != nil:
			m.SetInline(row, raw)
		case p < 0:
		default:
			off, size := r.offset[row], r.length[row]
			if off < 0 || size < 0 {
				return fmt.Errorf("row %d: negative offset %d or size %d", row, off, size)
			}
			if off == 0 && size == 0 {
				size = -1
			}
			m.Target[row], m.Offset[row], m.Length[row] = p, off, size
		}
	}
	return nil
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// openRefsFile checks data with the bounds of parquet_bounds.go and opens it.
func (r *recordReader) openRefsFile(data []byte) (*parquet.File, error) {
	n := len(data)
	if n < 12 || string(data[:4]) != "PAR1" || string(data[n-4:]) != "PAR1" {
		return nil, fmt.Errorf("not a Parquet file (no PAR1 magic at both ends)")
	}
	footerLen := int(binary.LittleEndian.Uint32(data[n-8:]))
	if footerLen > n-12 || footerLen > maxParquetFooter {
		return nil, fmt.Errorf("footer of %d bytes in a file of %d (limit %d)", footerLen, n, maxParquetFooter)
	}
	body := data[:n-8-footerLen]
	if k, err := skimThrift(data[len(body) : n-8]); err != nil {
		return nil, fmt.Errorf("footer: %w", err)
	} else if k != footerLen {
		return nil, fmt.Errorf("footer: %d trailing bytes", footerLen-k)
	}
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(n), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, err
	}
	md := f.Metadata()
	if md.NumRows < 0 || md.NumRows > int64(r.size) {
		return nil, fmt.Errorf("%d rows, record_size is %d", md.NumRows, r.size)
	}
	var rows int64
	budget := int64(maxRefsDecoded)
	paths := f.Schema().Columns()
	for g, rg := range md.RowGroups {
		if len(rg.Columns) != len(paths) {
			return nil, fmt.Errorf("row group %d: %d column chunks for %d columns", g, len(rg.Columns), len(paths))
		}
		if rg.NumRows < 0 || rg.NumRows > md.NumRows-rows {
			return nil, fmt.Errorf("row group %d: %d rows in a file of %d", g, rg.NumRows, md.NumRows)
		}
		rows += rg.NumRows
		for c := range rg.Columns {
			// Readers other than parquet-go find column chunks by this path.
			if p := rg.Columns[c].MetaData.PathInSchema; !slices.Equal(p, paths[c]) {
				return nil, fmt.Errorf("row group %d, column %d: column chunk of %q in the place of %q", g, c, p, paths[c])
			}
			if err := checkColumnChunk(body, &rg.Columns[c].MetaData, rg.NumRows, &budget, &r.scratch); err != nil {
				return nil, fmt.Errorf("row group %d, column %d: %w", g, c, err)
			}
		}
	}
	if rows != md.NumRows {
		return nil, fmt.Errorf("row groups hold %d rows, the file %d", rows, md.NumRows)
	}
	if len(f.RowGroups()) != len(md.RowGroups) {
		return nil, fmt.Errorf("%d row groups opened of %d", len(f.RowGroups()), len(md.RowGroups))
	}
	return f, nil
}

// readColumn reads column c (named name) of every row group into the record
// buffers. A column the file lacks stays null, as fsspec reads it.
func (r *recordReader) readColumn(f *parquet.File, c int, name string, m *Manifest) error {
	leaf, ok := f.Schema().Lookup(name)
	if !ok {
		return nil
	}
	want := parquet.ByteArray
	if c == colOffset || c == colSize {
		want = parquet.Int64
	}
	if len(leaf.Path) != 1 || leaf.MaxRepetitionLevel != 0 || leaf.Node.Type().Kind() != want {
		return fmt.Errorf("type %s (repetition level %d), want a top-level %s", leaf.Node.Type(), leaf.MaxRepetitionLevel, want)
	}
	if r.values == nil {
		r.values = make([]parquet.Value, 4096)
	}
	base := 0
	for _, rg := range f.RowGroups() {
		chunks := rg.ColumnChunks()
		if leaf.ColumnIndex >= len(chunks) {
			return fmt.Errorf("row group lacks the column")
		}
		rows := int(rg.NumRows())
		row, err := r.readChunk(chunks[leaf.ColumnIndex], c, base, base+rows, m)
		if err != nil {
			return err
		}
		if row != base+rows {
			return fmt.Errorf("%d values for %d rows", row-base, rows)
		}
		base += rows
	}
	return nil
}

// readChunk stores the values of one column chunk in rows row.. of the
// record buffers and returns the row after the last.
func (r *recordReader) readChunk(chunk parquet.ColumnChunk, c, row, end int, m *Manifest) (int, error) {
	pages := chunk.Pages()
	defer pages.Close()
	for {
		p, err := pages.ReadPage()
		if err == io.EOF {
			return row, nil
		}
		if err != nil {
			return row, err
		}
		row, err = r.readPage(p, c, row, end, m)
		parquet.Release(p)
		if err != nil {
			return row, err
		}
	}
}

func (r *recordReader) readPage(p parquet.Page, c, row, end int, m *Manifest) (int, error) {
	vals := p.Values()
	for {
		n, err := vals.ReadValues(r.values)
		if row+n > end {
			return row, fmt.Errorf("more values than the row group's rows")
		}
		for _, v := range r.values[:n] {
			if !v.IsNull() {
				switch c {
				case colPath:
					b := v.ByteArray()
					idx, ok := r.urls[string(b)]
					if !ok {
						idx = int32(len(m.URLs))
						m.URLs = append(m.URLs, string(b))
						r.urls[string(b)] = idx
					}
					r.path[row] = idx
				case colOffset:
					r.offset[row] = v.Int64()
				case colSize:
					r.length[row] = v.Int64()
				case colRaw:
					r.raw[row] = append([]byte{}, v.ByteArray()...)
				}
			}
			row++
		}
		if err == io.EOF {
			return row, nil
		}
		if err != nil {
			return row, err
		}
	}
}
