package refs

// The fsspec Parquet reference layout, as fsspec's LazyReferenceMapper
// (fsspec/implementations/reference.py, 2023.6 and later) writes and reads it:
//
//	dir/.zmetadata                 {"metadata": {key: document, ...}, "record_size": N}
//	dir/<array path>/refs.K.parq   rows for chunks K*N .. K*N+N-1 of the array
//
// Where each rule comes from in LazyReferenceMapper:
//   - .zmetadata: flush() writes json.dumps({"metadata": self.zmetadata,
//     "record_size": ...}), where each document was json.loads'ed and merged
//     into a dict (__setitem__), so documents are JSON objects; setup() reads
//     met["record_size"] and met["metadata"]. create(record_size=10000).
//   - Placement: _key_to_record splits a key at its last "/" into array path
//     and chunk index, ravels the "."-separated index in C order over
//     ceil(shape/chunks) (_get_chunk_sizes, which gives a scalar [1], so its
//     chunk "0" is row 0), record = i // record_size, row = i % record_size;
//     self.url = root + "/{field}/refs.{record}.parq".
//   - Padding: write() allocates np.full(self.record_size, np.nan) for path
//     and raw and np.zeros(self.record_size) for offset and size and writes
//     all of them, so every file, the last too, has record_size rows.
//     (fsspec 2023.5 trimmed the last file; ReadParquet accepts that.)
//   - Rows: a reference sets path (and offset, size when given); inline data
//     sets raw (kerchunk.df._proc_raw: the decoded bytes); a missing or
//     deleted key leaves path and raw null and offset, size 0.
//     _load_one_key reads raw first, then a null path as a missing key, then
//     offset == size == 0 as the whole target ([url]).
//   - Columns: DataFrame {"path", "offset", "size", "raw"} in that order
//     (_generate_record zips them by position), to_parquet with
//     compression="zstd", object_encoding path utf8 and raw bytes,
//     has_nulls ["path", "raw"] (offset and size required); path becomes
//     categorical, i.e. dictionary-encoded, when URLs repeat.
//   - Keys without "/", or that look like Zarr documents (_is_meta), are
//     kept in the metadata; any other key is taken for a chunk.
import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/parquet-go/parquet-go"
)

// DefaultRecordSize is fsspec's default number of rows per refs file
// (LazyReferenceMapper.create(record_size=10000), kerchunk's refs_to_dataframe).
const DefaultRecordSize = 10000

// MaxRecordSize bounds the rows per refs file that WriteParquet writes and
// ReadParquet accepts, so a corrupt record_size cannot size allocations.
const MaxRecordSize = 1 << 20

// parquetRow is the schema of a refs file; the field order is the column
// order fsspec writes (its DataFrame's), which its readers rely on: they zip
// the columns positionally.
type parquetRow struct {
	Path   *string `parquet:"path,optional,dict"`
	Offset int64   `parquet:"offset"`
	Size   int64   `parquet:"size"`
	Raw    []byte  `parquet:"raw,optional,plain"`
}

// Column indices in parquetRow.
const (
	colPath = iota
	colOffset
	colSize
	colRaw
	numColumns
)

// The root is named "schema", as fastparquet and pyarrow name it.
var parquetSchema = parquet.NewSchema("schema", parquet.SchemaOf(parquetRow{}))

// WriteParquet writes s as an fsspec Parquet reference directory at dir,
// recordSize rows per file (DefaultRecordSize when recordSize <= 0).
//
// dir must not exist: the set is written into a temporary sibling directory
// that is renamed to dir at the end, so a failed write leaves nothing behind
// and an existing directory is never half overwritten. The output depends
// only on s and recordSize.
//
// Sets fsspec cannot express are refused with an error naming the key:
// metadata documents that are not JSON objects, an array at the root or with
// the "/" dimension separator, a range of offset 0 and length 0 (fsspec reads
// it as the whole target), and Extra keys other than top-level JSON objects.
//
// Each array's references are read through Array.Chunks, one record at a
// time, so an array with a Source is written in the memory of one record.
// Its chunks are checked as they are written: a bad one fails the write
// (and leaves nothing behind) once the records before it are written.
func WriteParquet(dir string, s *Set, recordSize int) (err error) {
	if recordSize <= 0 {
		recordSize = DefaultRecordSize
	}
	if recordSize > MaxRecordSize {
		return fmt.Errorf("parquet refs %s: record size %d is above the limit %d", dir, recordSize, MaxRecordSize)
	}
	zmeta, err := parquetMetadata(s, recordSize)
	if err != nil {
		return fmt.Errorf("parquet refs %s: %w", dir, err)
	}
	var paths []string // the arrays with references
	for _, p := range s.ArrayPaths() {
		if s.Arrays[p].Chunks() == nil {
			continue
		}
		paths = append(paths, p)
		if err := checkParquetArray(s, p); err != nil {
			return fmt.Errorf("parquet refs %s: %w", dir, err)
		}
	}
	if _, err := os.Lstat(dir); err == nil {
		return fmt.Errorf("parquet refs %s: already exists", dir)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("parquet refs: %w", err)
	}
	parent, base := filepath.Split(filepath.Clean(dir))
	if parent == "" {
		parent = "."
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".tmp-")
	if err != nil {
		return fmt.Errorf("parquet refs %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("parquet refs %s: %w", dir, err)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".zmetadata"), zmeta, 0o644); err != nil {
		return fmt.Errorf("parquet refs %s: %w", dir, err)
	}
	w := newRecordWriter(recordSize)
	for _, p := range paths {
		if err := w.writeArray(filepath.Join(tmp, filepath.FromSlash(p)), s.Arrays[p].Chunks()); err != nil {
			return fmt.Errorf("parquet refs %s: array %q: %w", dir, p, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("parquet refs %s: %w", dir, err)
	}
	return nil
}

// parquetMetadata builds .zmetadata: every metadata document embedded as the
// JSON object it is (fsspec json.loads each one and merges it into a dict),
// keys sorted, in the shape of Python's json.dumps.
func parquetMetadata(s *Set, recordSize int) ([]byte, error) {
	docs, err := s.Documents()
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(docs)+len(s.Extra))
	for k := range docs {
		keys = append(keys, k)
	}
	for k, ref := range s.Extra {
		// fsspec keeps a key in the metadata when it has no "/" or looks
		// like a Zarr document (LazyReferenceMapper._is_meta); any other key
		// is taken for a chunk of the array named by its prefix.
		if strings.Contains(k, "/") && !strings.HasPrefix(k, ".z") && !strings.Contains(k, "/.z") {
			return nil, fmt.Errorf("key %q is neither metadata nor a chunk of a known array: the Parquet layout cannot hold it", k)
		}
		if ref.URL != "" {
			return nil, fmt.Errorf("key %q refers to %s: the Parquet layout holds only inline JSON objects outside arrays", k, ref.URL)
		}
		keys = append(keys, k)
		docs[k] = ref.Data
	}
	slices.Sort(keys)
	var b bytes.Buffer
	b.WriteString(`{"metadata": {`)
	for i, k := range keys {
		doc := bytes.TrimSpace(docs[k])
		if len(doc) == 0 || doc[0] != '{' || !json.Valid(finiteJSON(doc)) {
			return nil, fmt.Errorf("key %q: fsspec keeps metadata as JSON objects, and this value is not one", k)
		}
		if i > 0 {
			b.WriteString(", ")
		}
		writeASCIIString(&b, k)
		b.WriteString(": ")
		b.Write(doc)
	}
	b.WriteString(`}, "record_size": `)
	b.WriteString(strconv.Itoa(recordSize))
	b.WriteString("}")
	return b.Bytes(), nil
}

// checkParquetArray refuses arrays whose chunks fsspec could not find, as
// far as can be told without reading their references (writeArray checks
// each chunk).
func checkParquetArray(s *Set, path string) error {
	if err := checkFieldPath(path); err != nil {
		return err
	}
	a := s.Arrays[path]
	z, err := s.ZArray(path)
	if err != nil {
		return fmt.Errorf("array %q: %w", path, err)
	}
	if z.Separator() != "." {
		// fsspec splits a chunk key at its last "/" into array and index.
		return fmt.Errorf("array %q: dimension separator %q: fsspec's Parquet reader only parses \".\"", path, z.Separator())
	}
	grid := a.Chunks().Grid()
	if g := z.Grid(); !slices.Equal(g, grid) {
		return fmt.Errorf("array %q: manifest grid %v differs from the .zarray grid %v", path, grid, g)
	}
	if m := a.Manifest; m != nil {
		n, _ := GridSize(m.Grid, math.MaxInt)
		if l := uint64(len(m.Target)); l != n || l != uint64(len(m.Offset)) || l != uint64(len(m.Length)) {
			return fmt.Errorf("array %q: manifest holds %d chunk slots, its grid %v has %d", path, len(m.Target), m.Grid, n)
		}
	}
	return nil
}

// checkParquetChunk refuses chunk i (w's index j) if fsspec could not read
// it back.
func checkParquetChunk(w *Manifest, i, j int) error {
	t := w.Target[j]
	switch {
	case t == NoChunk || t == InlineChunk:
	case t < 0 || int(t) >= len(w.URLs):
		return checkTarget(i, t, len(w.URLs))
	case w.Offset[j] < 0 || w.Length[j] < -1:
		return fmt.Errorf("chunk %d: negative offset %d or length %d", i, w.Offset[j], w.Length[j])
	case w.Offset[j] == 0 && w.Length[j] == 0:
		return fmt.Errorf("chunk %d: a range of offset 0 and size 0 reads as the whole of %s in fsspec", i, w.URLs[t])
	}
	return nil
}

// checkFieldPath accepts array paths that name a directory below the root:
// fsspec finds chunks in root + "/" + path.
func checkFieldPath(path string) error {
	if path == "" {
		return fmt.Errorf("an array at the root has no directory of its own in the Parquet layout")
	}
	for _, part := range strings.Split(path, "/") {
		if part == "" || part == "." || part == ".." || strings.ContainsAny(part, "\\\x00") {
			return fmt.Errorf("array path %q cannot be a directory name", path)
		}
	}
	return nil
}

// recordWriter writes the refs files of arrays, reusing its buffers across
// files. Not the parquet.Writer: its Reset (parquet-go v0.32.0) clears the
// column paths that later files' column chunks share, and those files then
// name their columns "" (pyarrow and hyparquet find no columns in them).
type recordWriter struct {
	size int
	opts []parquet.WriterOption
	// workers encode record files at once: zstd and parquet-go's pages
	// cost most of a write, and each file stands alone.
	workers int
	win     Manifest     // the references of one record
	table   []string     // the table urls holds
	urls    [][]byte     // table's targets as bytes
	spare   []*recordJob // jobs kept from one array to the next
}

func newRecordWriter(recordSize int) *recordWriter {
	w := &recordWriter{size: recordSize, workers: min(runtime.GOMAXPROCS(0), 8)}
	w.opts = []parquet.WriterOption{
		parquetSchema,
		parquet.Compression(&parquet.Zstd),
		// Version 1 data pages, as fastparquet and pyarrow write by default.
		parquet.DataPageVersion(1),
		// A fixed name: the default carries parquet-go's build, and the
		// output must not change with it.
		&parquet.WriterConfig{CreatedBy: createdBy},
		// Min/max of URLs and chunk bytes help no reader of this layout.
		parquet.SkipPageBounds("path"),
		parquet.SkipPageBounds("raw"),
	}
	return w
}

// createdBy names the writer in every record file's footer: fixed, as
// the output must not change with parquet-go's build.
const createdBy = "gokerchunk"

// recordJob is one record file to encode: its references (a copy of the
// reader's window), the rows made of them, and where they go.
type recordJob struct {
	rec    int
	name   string
	win    Manifest
	urls   [][]byte // the targets win.Target indexes, as bytes
	values [numColumns][]parquet.Value
}

// writeArray writes refs.0.parq .. refs.K.parq of src into dir, asking
// src's reader for one record's positions at a time; the rows are encoded
// into files by w.workers goroutines, each record a file of its own, so
// the output does not depend on which worker wrote what. An array with no
// chunk positions (a zero-length dimension) gets no directory: fsspec
// reads none of it.
func (w *recordWriter) writeArray(dir string, src ChunkSource) (err error) {
	n, err := sourceLen(src)
	if err != nil || n == 0 {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	r, err := src.Open()
	if err != nil {
		return err
	}
	defer func() {
		if cerr := r.Close(); err == nil {
			err = cerr
		}
	}()
	w.table, w.urls = nil, nil

	// The first error by record, whoever met it.
	var mu sync.Mutex
	var firstErr error
	firstRec := -1
	fail := func(rec int, err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil || rec < firstRec {
			firstErr, firstRec = err, rec
		}
	}
	failed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return firstErr != nil
	}
	records := (n + w.size - 1) / w.size
	workers := min(w.workers, records)
	jobs := make(chan *recordJob)
	free := make(chan *recordJob, workers+1)
	made := 0
	for ; made <= workers && len(w.spare) > 0; made++ {
		free <- w.spare[len(w.spare)-1]
		w.spare = w.spare[:len(w.spare)-1]
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := bufio.NewWriterSize(nil, 1<<16)
			for job := range jobs {
				w.rows(job)
				if err := w.encode(job, buf); err != nil {
					fail(job.rec, fmt.Errorf("%s: %w", filepath.Base(job.name), err))
				}
				free <- job
			}
		}()
	}
	// fsspec writes a record only when a key in it was set, but reads every
	// record up to ceil(n/record_size) when it lists or iterates an array;
	// writing each one, missing chunks and all, keeps both working.
	filer, _ := src.(RecordFiler)
	for rec := 0; rec < records && !failed(); rec++ {
		name := filepath.Join(dir, "refs."+strconv.Itoa(rec)+".parq")
		if filer != nil {
			first := rec * w.size
			if file, ok := filer.RecordFile(first, min(w.size, n-first), w.size); ok {
				if err := Skip(r, min(w.size, n-first), &w.win); err != nil {
					fail(rec, err)
					break
				}
				if err := linkFile(file, name); err != nil {
					fail(rec, fmt.Errorf("%s: %w", filepath.Base(name), err))
					break
				}
				continue
			}
		}
		var job *recordJob
		select {
		case job = <-free:
		default:
			if made <= workers {
				job = &recordJob{}
				made++
			} else {
				job = <-free
			}
		}
		if err := w.fill(job, r, rec, n); err != nil {
			fail(rec, err)
			break
		}
		job.rec, job.name = rec, name
		jobs <- job
	}
	close(jobs)
	wg.Wait()
	for len(free) > 0 {
		w.spare = append(w.spare, <-free)
	}
	return firstErr
}

// linkFile makes name the same file as old: a hard link, or a copy where
// links cannot be made (another file system).
func linkFile(old, name string) error {
	if os.Link(old, name) == nil {
		return nil
	}
	data, err := os.ReadFile(old)
	if err != nil {
		return err
	}
	return os.WriteFile(name, data, 0o644)
}

// fill reads record rec's references from r, checks them and copies them
// into the job: the reader's window is the reader's again at its next call.
func (w *recordWriter) fill(job *recordJob, r ChunkReader, rec, n int) error {
	first := rec * w.size
	k := min(w.size, n-first)
	win := &w.win
	if err := r.Next(k, win); err != nil {
		return err
	}
	if len(win.Target) != k || len(win.Offset) != k || len(win.Length) != k {
		return fmt.Errorf("chunk reader gave %d, %d, %d references for %d positions from %d", len(win.Target), len(win.Offset), len(win.Length), k, first)
	}
	for j := range win.Target {
		if err := checkParquetChunk(win, first+j, j); err != nil {
			return err
		}
	}
	switch {
	case sameTable(win.URLs, w.table):
	case grownTable(w.table, win.URLs):
		// Appended to: jobs still being encoded read only the targets
		// they were given, which stay as they were.
		for _, u := range win.URLs[len(w.table):] {
			w.urls = append(w.urls, []byte(u))
		}
		w.table = win.URLs
	default:
		// A new slice: jobs still being encoded keep the one they got.
		w.table, w.urls = win.URLs, make([][]byte, 0, len(win.URLs))
		for _, u := range win.URLs {
			w.urls = append(w.urls, []byte(u))
		}
	}
	job.urls = w.urls
	job.win.Target = append(job.win.Target[:0], win.Target...)
	job.win.Offset = append(job.win.Offset[:0], win.Offset...)
	job.win.Length = append(job.win.Length[:0], win.Length...)
	clear(job.win.Inline)
	for i, data := range win.Inline {
		if job.win.Inline == nil {
			job.win.Inline = map[int][]byte{}
		}
		job.win.Inline[i] = append([]byte{}, data...)
	}
	return nil
}

// rows makes the job's references its rows; the last record is padded
// with missing chunks.
func (w *recordWriter) rows(job *recordJob) {
	for c := range job.values {
		job.values[c] = job.values[c][:0]
	}
	win := &job.win
	nullPath := parquet.NullValue().Level(0, 0, colPath)
	nullRaw := parquet.NullValue().Level(0, 0, colRaw)
	for i := 0; i < w.size; i++ {
		t := NoChunk
		if i < len(win.Target) {
			t = win.Target[i]
		}
		switch t {
		case NoChunk:
			job.append(nullPath, nullRaw, 0, 0)
		case InlineChunk:
			data := win.Inline[i]
			if data == nil {
				data = []byte{}
			}
			job.append(nullPath, parquet.ByteArrayValue(data).Level(0, 1, colRaw), 0, 0)
		default:
			off, length := win.Offset[i], win.Length[i]
			if length < 0 {
				off, length = 0, 0
			}
			job.append(parquet.ByteArrayValue(job.urls[t]).Level(0, 1, colPath), nullRaw, off, length)
		}
	}
}

// encode writes a job's rows to its file through buf.
func (w *recordWriter) encode(job *recordJob, buf *bufio.Writer) error {
	f, err := os.OpenFile(job.name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	buf.Reset(f)
	pw := parquet.NewWriter(buf, w.opts...)
	cols := pw.ColumnWriters()
	for c := range job.values {
		if _, err := cols[c].WriteRowValues(job.values[c]); err != nil {
			f.Close()
			return err
		}
	}
	if err := pw.Close(); err != nil {
		f.Close()
		return err
	}
	if err := buf.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// append adds one row; path and raw carry their levels and column indices.
func (job *recordJob) append(path, raw parquet.Value, offset, size int64) {
	job.values[colPath] = append(job.values[colPath], path)
	job.values[colOffset] = append(job.values[colOffset], parquet.Int64Value(offset).Level(0, 0, colOffset))
	job.values[colSize] = append(job.values[colSize], parquet.Int64Value(size).Level(0, 0, colSize))
	job.values[colRaw] = append(job.values[colRaw], raw)
}

// finiteJSON returns doc with the bare words NaN, Infinity and -Infinity
// outside strings replaced by numbers of the same length ("0e0",
// "0.000000", "-0.000000"), or doc itself when it has none. Python's json
// writes them for non-finite attributes (and MarshalCanonical does too);
// encoding/json refuses them. Offsets in the result are those of doc.
func finiteJSON(doc []byte) []byte {
	out, copied := doc, false
	inString, escaped := false, false
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		var word, repl string
		switch {
		case c == '"':
			inString = true
			continue
		case c == 'N':
			word, repl = "NaN", "0e0"
		case c == 'I':
			word, repl = "Infinity", "0.000000"
		case c == '-' && i+1 < len(doc) && doc[i+1] == 'I':
			word, repl = "-Infinity", "-0.000000"
		default:
			continue
		}
		if !bytes.HasPrefix(doc[i:], []byte(word)) {
			continue
		}
		if !copied {
			out, copied = bytes.Clone(doc), true
		}
		copy(out[i:], repl)
		i += len(word) - 1
	}
	return out
}
