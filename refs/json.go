package refs

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unsafe"
)

// JSONOptions are the choices of WriteJSONOptions; the zero value writes
// what WriteJSON does.
type JSONOptions struct {
	// Templates writes kerchunk version 1 templates: each target that two
	// or more references share is named in "templates" (u when there is
	// one such target, else u0, u1, ... in the order the references come)
	// and its references read ["{{u}}", offset, length]. fsspec expands
	// them by plain substitution (simple_templates, its default), which
	// misreads any other "{{" in a target: such a set is refused.
	Templates bool
}

// WriteJSON writes s as kerchunk reference JSON version 1, streaming: the
// metadata documents and extra keys first, sorted, then each array's chunks
// in the C order of its grid, arrays sorted by path. Nothing but one
// reference at a time is formatted in memory, and each array is read
// through Array.Chunks a window of positions at a time, so writing a
// million chunk references costs no more memory than the Set itself, and
// an array with a Source costs one window. Key order means nothing to
// readers; fixing it makes equal sets give equal bytes.
func WriteJSON(w io.Writer, s *Set) error {
	return WriteJSONOptions(w, s, JSONOptions{})
}

// WriteJSONOptions is WriteJSON with options. With Templates, each array
// is read twice: once to count its targets, once to write.
func WriteJSONOptions(w io.Writer, s *Set, opts JSONOptions) error {
	docs, err := s.Documents()
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(docs)+len(s.Extra))
	for k := range docs {
		keys = append(keys, k)
	}
	for k := range s.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	var tmpl *templates
	if opts.Templates {
		if tmpl, err = newTemplates(s, keys); err != nil {
			return err
		}
	}

	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(`{"version": 1, `)
	var scratch bytes.Buffer
	if tmpl != nil && len(tmpl.order) > 0 {
		tmpl.write(&scratch)
		bw.Write(scratch.Bytes())
	}
	bw.WriteString(`"refs": {`)
	first := true
	emit := func(key []byte, ref Ref) {
		scratch.Reset()
		if !first {
			scratch.WriteByte(',')
		}
		first = false
		scratch.WriteByte('\n')
		writeASCIIString(&scratch, unsafe.String(unsafe.SliceData(key), len(key)))
		scratch.WriteString(": ")
		writeRefValue(&scratch, ref)
		bw.Write(scratch.Bytes())
	}
	for _, k := range keys {
		if doc, ok := docs[k]; ok {
			emit([]byte(k), Ref{Data: doc})
		} else {
			ref := s.Extra[k]
			ref.URL = tmpl.placeholder(ref.URL)
			emit([]byte(k), ref)
		}
	}
	var key []byte
	for _, path := range s.ArrayPaths() {
		a := s.Arrays[path]
		src := a.Chunks()
		if src == nil {
			continue
		}
		sep := a.ZArray.Separator()
		grid := src.Grid()
		coords := make([]int, len(grid))
		// The URL each target of the current table is written as.
		var table, shown []string
		next := 0 // the position after the last window's
		err := EachStoredWindow(src, streamWindow, func(first int, w *Manifest) error {
			switch {
			case first == 0:
			case first == next:
				advance(grid, coords)
			default:
				coordsOf(grid, first, coords) // past a stretch without chunks
			}
			next = first + len(w.Target)
			if !sameTable(w.URLs, table) {
				table, shown = w.URLs, w.URLs
				if tmpl != nil {
					shown = make([]string, len(table))
					for i, u := range table {
						shown[i] = tmpl.placeholder(u)
					}
				}
			}
			for i, t := range w.Target {
				if i > 0 {
					advance(grid, coords)
				}
				var ref Ref
				switch {
				case t == NoChunk:
					continue
				case t == InlineChunk:
					ref.Data = w.Inline[i]
				case t >= 0 && int(t) < len(shown):
					ref = Ref{URL: shown[t], Offset: w.Offset[i], Length: w.Length[i]}
				default:
					return checkTarget(first+i, t, len(shown))
				}
				key = appendChunkKey(key[:0], path, coords, sep)
				emit(key, ref)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("array %q: %w", path, err)
		}
	}
	bw.WriteString("\n}}\n")
	return bw.Flush()
}

// templates are the names WriteJSONOptions gives shared targets.
type templates struct {
	order []string          // the targets named, in the order of their first reference
	names map[string]string // target → its placeholder, "{{u}}"
}

// newTemplates names the targets that two or more of s's references share
// (keys: the document's top-level keys, in the order written).
func newTemplates(s *Set, keys []string) (*templates, error) {
	count := map[string]int{}
	var order []string
	add := func(u string, n int) error {
		if strings.Contains(u, "{{") || strings.Contains(u, "}}") {
			return fmt.Errorf("target %q holds \"{{\" or \"}}\", which readers of templates would take for a template: write it without templates", u)
		}
		if _, ok := count[u]; !ok {
			order = append(order, u)
		}
		count[u] += n
		return nil
	}
	for _, k := range keys {
		if ref, ok := s.Extra[k]; ok && ref.URL != "" {
			if err := add(ref.URL, 1); err != nil {
				return nil, err
			}
		}
	}
	// Each array's references are counted per target of its reader's
	// current table, and added when the table changes and at the end:
	// a target's first reference still decides its place in order.
	for _, path := range s.ArrayPaths() {
		src := s.Arrays[path].Chunks()
		if src == nil {
			continue
		}
		var table []string
		var perTarget []int
		// Targets of table in the order of their first reference, by
		// index and by name (table is not read once the reader moves on).
		var first []int32
		var firstURL []string
		flush := func() error {
			for i, t := range first {
				if err := add(firstURL[i], perTarget[t]); err != nil {
					return err
				}
			}
			first, firstURL = first[:0], firstURL[:0]
			return nil
		}
		err := EachStoredWindow(src, streamWindow, func(pos int, w *Manifest) error {
			if !sameTable(w.URLs, table) {
				if err := flush(); err != nil {
					return err
				}
				table = w.URLs
				perTarget = append(perTarget[:0], make([]int, len(table))...)
			}
			for i, t := range w.Target {
				if t < 0 {
					continue
				}
				if int(t) >= len(table) {
					return checkTarget(pos+i, t, len(table))
				}
				if perTarget[t] == 0 {
					first, firstURL = append(first, t), append(firstURL, table[t])
				}
				perTarget[t]++
			}
			return nil
		})
		if err == nil {
			err = flush()
		}
		if err != nil {
			return nil, fmt.Errorf("array %q: %w", path, err)
		}
	}
	tm := &templates{names: map[string]string{}}
	for _, u := range order {
		if count[u] >= 2 {
			tm.order = append(tm.order, u)
		}
	}
	for i, u := range tm.order {
		name := "u"
		if len(tm.order) > 1 {
			name += strconv.Itoa(i)
		}
		tm.names[u] = "{{" + name + "}}"
	}
	return tm, nil
}

// placeholder is how a reference to url is written: its template's
// placeholder, or url itself.
func (tm *templates) placeholder(url string) string {
	if tm == nil {
		return url
	}
	if p, ok := tm.names[url]; ok {
		return p
	}
	return url
}

// write writes the "templates" member, one template a line, and the
// separator after it.
func (tm *templates) write(b *bytes.Buffer) {
	b.WriteString(`"templates": {`)
	for i, u := range tm.order {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
		p := tm.names[u]
		writeASCIIString(b, p[2:len(p)-2])
		b.WriteString(": ")
		writeASCIIString(b, u)
	}
	b.WriteString("\n}, ")
}

func writeRefValue(b *bytes.Buffer, r Ref) {
	if r.URL == "" {
		writeASCIIString(b, EncodeInline(r.Data))
		return
	}
	b.WriteByte('[')
	writeASCIIString(b, r.URL)
	if r.Length >= 0 {
		var num [20]byte
		b.WriteString(", ")
		b.Write(strconv.AppendInt(num[:0], r.Offset, 10))
		b.WriteString(", ")
		b.Write(strconv.AppendInt(num[:0], r.Length, 10))
	}
	b.WriteByte(']')
}

// EncodeInline applies kerchunk's rule for inline values: the bytes as a
// plain string when all are printable ASCII and they do not start with
// "base64:", otherwise "base64:" followed by the standard encoding.
func EncodeInline(data []byte) string {
	plain := !bytes.HasPrefix(data, []byte("base64:"))
	for _, c := range data {
		if c < 0x20 || c >= 0x7f {
			plain = false
			break
		}
	}
	if plain {
		return string(data)
	}
	return "base64:" + base64.StdEncoding.EncodeToString(data)
}

// DecodeInline reverses EncodeInline.
func DecodeInline(s string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(s, "base64:"); ok {
		return base64.StdEncoding.DecodeString(rest)
	}
	return []byte(s), nil
}

// ReadJSON reads kerchunk reference JSON, version 0 (a flat object of keys)
// or version 1 ({"version": 1, "refs": ..., "templates": ...}).
func ReadJSON(r io.Reader) (*Set, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reference JSON: %w", err)
	}
	return parseJSON(b)
}

func parseJSON(b []byte) (*Set, error) {
	set, err := parseJSONMode(b, true)
	if errors.Is(err, errReadAgain) {
		return parseJSONMode(b, false)
	}
	return set, err
}

// errReadAgain: a document the direct reading of "refs" did not finish,
// to be read again the general way.
var errReadAgain = errors.New("read again")

// parseJSONMode reads a document; with direct, the "refs" of a version 1
// document that holds its metadata documents before its chunk keys (as
// this package, kerchunk and VirtualiZarr write them) go straight into
// their manifests (readRefsDirect), rather than into a list of keys
// placed once all is read. Anything else, and any error, is read again
// the general way (errReadAgain), which is the reference: both ways give
// the same set (FuzzReadJSON).
func parseJSONMode(b []byte, direct bool) (*Set, error) {
	p := &refParser{b: b}
	var (
		directSet    *Set
		sawTemplates bool
		version      json.RawMessage
		gen          bool
		all          []keyRef
		templates    = map[string]string{}
		flat         []keyRef
		flatErr      error
		refsObject   bool
		notObject    string // "refs" or "templates" when its value is not an object
	)
	// The top level is read once: "refs" is only located (templates may
	// follow it), the other keys are kept as version 0 references in case
	// there is no "version".
	err := p.object(func(key string) error {
		switch key {
		case "version":
			start := p.pos
			if err := p.skipValue(0); err != nil {
				return err
			}
			version = bytes.TrimSpace(p.b[start:p.pos])
			return nil
		case "gen":
			gen = true
			return p.skipValue(0)
		case "templates":
			sawTemplates = true
			if p.peek() == '{' {
				return p.object(func(name string) error {
					v, err := p.str()
					templates[name] = v
					return err
				})
			}
			notObject = key
		case "refs":
			if p.peek() == '{' {
				refsObject = true
				// One reference a line or a list each, as writers put
				// them: a bound on the keys known before reading them,
				// itself bounded by the document's size (a key and its
				// value take 8 bytes at least, `"k": "",`).
				estimate := min(max(bytes.Count(p.b, []byte{'\n'}), bytes.Count(p.b, []byte{'['})), len(p.b)/8)
				if direct && string(version) == "1" && !sawTemplates {
					set, err := p.readRefsDirect(estimate)
					if err != nil {
						return errReadAgain
					}
					directSet = set
					return nil
				}
				// Sized once rather than grown (and copied) a dozen
				// times over a large document.
				all = make([]keyRef, 0, estimate)
				return p.object(func(key string) error {
					ref, err := p.refValue()
					if err != nil {
						return fmt.Errorf("reference JSON: key %q: %w", key, err)
					}
					all = append(all, keyRef{key, ref})
					return nil
				})
			}
			notObject = key
		}
		if flatErr != nil {
			return p.skipValue(0)
		}
		start := p.pos
		ref, err := p.refValue()
		if err != nil {
			// Not a reference (a key of version 1 readers ignore, or
			// an error only if there is no "version"): skip the whole
			// value, from its start, not from where refValue stopped.
			flatErr = fmt.Errorf("reference JSON: key %q: %w", key, err)
			p.pos = start
			return p.skipValue(0)
		}
		flat = append(flat, keyRef{key, ref})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if p.peek() != 0 {
		return nil, p.errorf("data after the top-level object")
	}
	if version == nil {
		if refsObject {
			return nil, fmt.Errorf("reference JSON: \"refs\" but no \"version\"")
		}
		if flatErr != nil {
			return nil, flatErr
		}
		return fromEntries(flat)
	}
	if string(version) != "1" {
		return nil, fmt.Errorf("reference JSON: version %s is not supported (0 or 1)", version)
	}
	if gen {
		return nil, fmt.Errorf("reference JSON: \"gen\" key generators are not supported")
	}
	if notObject != "" {
		return nil, fmt.Errorf("reference JSON: %q is not an object", notObject)
	}
	if directSet != nil {
		if sawTemplates {
			return nil, errReadAgain // templates after "refs" apply to it
		}
		return directSet, nil
	}
	// Templates may follow "refs": they are applied once all is read,
	// each distinct URL once (references to one target share its string).
	if len(templates) > 0 {
		expanded := map[string]string{}
		for i := range all {
			u := all[i].ref.URL
			if !strings.Contains(u, "{{") {
				continue
			}
			e, ok := expanded[u]
			if !ok {
				e = expandTemplates(u, templates)
				expanded[u] = e
			}
			all[i].ref.URL = e
		}
	}
	return fromEntries(all)
}

// readRefsDirect reads the "refs" object into a Set as it goes: the
// metadata documents until the first chunk key, then each chunk key into
// its manifest. A metadata document after a chunk key, and any error,
// give errReadAgain. estimate bounds the keys of the document ahead of
// reading them (maxUnbackedJSONChunks more) and so what the manifests may
// allocate; once read, their positions are held to the keys read, as the
// general way holds them.
func (p *refParser) readRefsDirect(estimate int) (*Set, error) {
	docs := map[string][]byte{}
	var b *setBuilder
	keys := 0
	err := p.object(func(key string) error {
		ref, err := p.refValue()
		if err != nil {
			return err
		}
		keys++
		if IsMetaKey(key) {
			if b != nil || ref.URL != "" {
				return errReadAgain
			}
			docs[strings.Clone(key)] = ref.Data
			return nil
		}
		if b == nil {
			if b, err = startSet(docs, uint64(estimate)); err != nil {
				return err
			}
		}
		return b.place(key, ref)
	})
	if err == nil && b == nil {
		b, err = startSet(docs, uint64(keys))
	}
	if err != nil || b.positions > uint64(keys)+maxUnbackedJSONChunks {
		return nil, errReadAgain
	}
	return b.set()
}

// decodeInlineBytes is DecodeInline on bytes, always returning a copy.
func decodeInlineBytes(s []byte) ([]byte, error) {
	if rest, ok := bytes.CutPrefix(s, []byte("base64:")); ok {
		out := make([]byte, base64.StdEncoding.DecodedLen(len(rest)))
		n, err := base64.StdEncoding.Decode(out, rest)
		return out[:n], err
	}
	return bytes.Clone(s), nil
}

// expandTemplates substitutes kerchunk's "{{name}}" placeholders (also
// written "{{ name }}", as jinja reads them); a name without a template is
// left as it is. Substituted text is not expanded again.
func expandTemplates(s string, templates map[string]string) string {
	if len(templates) == 0 || !strings.Contains(s, "{{") {
		return s
	}
	var b strings.Builder
	for {
		open := strings.Index(s, "{{")
		if open < 0 {
			break
		}
		end := strings.Index(s[open+2:], "}}")
		if end < 0 {
			break
		}
		name := strings.TrimSpace(s[open+2 : open+2+end])
		val, ok := templates[name]
		if !ok {
			val = s[open : open+2+end+2]
		}
		b.WriteString(s[:open])
		b.WriteString(val)
		s = s[open+2+end+2:]
	}
	b.WriteString(s)
	return b.String()
}

// IsMetaKey reports whether key names a Zarr v2 metadata document.
func IsMetaKey(key string) bool {
	name := key[strings.LastIndexByte(key, '/')+1:]
	switch name {
	case ".zarray", ".zattrs", ".zgroup", ".zmetadata":
		return true
	}
	return false
}

// FromRefs builds a Set from a flat key → reference map: metadata documents
// go to the groups and arrays, chunk keys of every array described by a .zarray into its
// manifest, and anything else into Extra.
func FromRefs(all map[string]Ref) (*Set, error) {
	entries := make([]keyRef, 0, len(all))
	for k, r := range all {
		entries = append(entries, keyRef{k, r})
	}
	return fromEntries(entries)
}

// keyRef is one key of a reference document.
type keyRef struct {
	key string
	ref Ref
}

// arrayBuild is an array's manifest while its chunk keys are read.
type arrayBuild struct {
	// m is the dense manifest, or for a sparse array (sparseGrid set)
	// one slot a key in the order read, at positions of sparseGrid.
	m          *Manifest
	sparseGrid []int
	positions  []int
	sep        string
	urls       map[string]int32
	last       int32 // the target of the last reference, -1 before the first
}

// maxUnbackedJSONChunks bounds the chunk positions, over all arrays of a
// document, that its keys do not account for: a .zarray of a few bytes may
// describe any grid, and its dense manifest costs about 20 bytes a
// position. It is four times the floor the scanner allows one array
// (hdf5scan's maxGridPositions), so the sparse grids it writes read back.
const maxUnbackedJSONChunks = 1 << 24

// fromEntries builds a Set from the keys of a reference document in
// document order (a repeated key: the last one wins).
func fromEntries(entries []keyRef) (*Set, error) {
	docs := map[string][]byte{}
	for _, e := range entries {
		if !IsMetaKey(e.key) {
			continue
		}
		if e.ref.URL != "" {
			return nil, fmt.Errorf("metadata key %q refers to %s instead of holding the document", e.key, e.ref.URL)
		}
		// Keys may share the document's memory (refParser.key).
		docs[strings.Clone(e.key)] = e.ref.Data
	}
	b, err := startSet(docs, uint64(len(entries)))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if IsMetaKey(e.key) {
			continue
		}
		if err := b.place(e.key, e.ref); err != nil {
			return nil, err
		}
	}
	return b.set()
}

// set is the Set built, its sparse arrays' keys in C order (a key given
// twice: the last one).
func (b *setBuilder) set() (*Set, error) {
	for path, a := range b.arrays {
		if a.sparseGrid == nil {
			continue
		}
		src, err := sparseFromKeys(a.sparseGrid, a.positions, a.m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		b.s.Arrays[path].Source = src
	}
	return b.s, nil
}

// setBuilder places the keys of a reference document into a Set: every
// metadata document at once (startSet), then chunk key after chunk key.
type setBuilder struct {
	s           *Set
	arrays      map[string]*arrayBuild
	slashArrays []string // arrays whose "/" separator spreads chunk indices over path levels
	positions   uint64   // of all the manifests
	idx         []int
}

// startSet makes the groups and arrays of the metadata documents, each
// array with a manifest of missing chunks. entries is the number of keys
// of the document, which bounds the positions the manifests may have
// (maxUnbackedJSONChunks more).
func startSet(docs map[string][]byte, entries uint64) (*setBuilder, error) {
	s := NewSet()
	if err := s.PutDocuments(docs); err != nil {
		return nil, err
	}
	b := &setBuilder{s: s, arrays: map[string]*arrayBuild{}}
	// In path order, so that which array exhausts the budget does not
	// depend on map order.
	budget := entries + maxUnbackedJSONChunks
	for _, path := range s.ArrayPaths() {
		k := MetaKey(path, ".zarray")
		z := s.Arrays[path].ZArray
		grid := z.Grid()
		a := &arrayBuild{sep: z.Separator(), urls: map[string]int32{}, last: -1}
		if n, ok := GridSize(grid, budget); ok {
			budget -= n
			b.positions += n
			a.m = NewManifest(grid)
			s.Arrays[path].Manifest = a.m
		} else {
			// More positions than the keys justify a dense manifest
			// for: the array's keys are gathered as they come, and
			// held as SparseChunks (set).
			if _, ok := GridSize(grid, MaxSparseGrid); !ok {
				return nil, fmt.Errorf("%s: a chunk grid of shape %v, chunks %v has more than %d positions, the most a sparse manifest may have", k, z.Shape, z.Chunks, uint64(MaxSparseGrid))
			}
			a.m, a.sparseGrid = NewManifest([]int{0}), grid
		}
		b.arrays[path] = a
		if z.Separator() == "/" {
			b.slashArrays = append(b.slashArrays, path)
		}
	}
	sort.Strings(b.slashArrays)
	return b, nil
}

// place puts a chunk key's reference in its array's manifest, or in Extra
// when no array has the key.
func (b *setBuilder) place(k string, ref Ref) error {
	slash := strings.LastIndexByte(k, '/')
	path, rest := "", k
	if slash >= 0 {
		path, rest = k[:slash], k[slash+1:]
	}
	a, ok := b.arrays[path]
	if !ok || a.sep == "/" {
		ok = false
		for _, p := range b.slashArrays {
			if strings.HasPrefix(k, p+"/") {
				path, rest, a, ok = p, k[len(p)+1:], b.arrays[p], true
				break
			}
		}
	}
	if !ok {
		b.s.Extra[strings.Clone(k)] = ref
		return nil
	}
	m, grid := a.m, a.m.Grid
	if a.sparseGrid != nil {
		grid = a.sparseGrid
	}
	var err error
	if b.idx, err = parseChunkIndex(b.idx[:0], rest, grid, a.sep); err != nil {
		return fmt.Errorf("key %q: %w", k, err)
	}
	i := Linear(grid, b.idx)
	if a.sparseGrid != nil {
		a.positions = append(a.positions, i)
		i = m.grow()
	}
	if ref.URL == "" {
		m.SetInline(i, ref.Data)
		return nil
	}
	// References mostly come in runs of one target.
	t := a.last
	if t < 0 || m.URLs[t] != ref.URL {
		var ok bool
		if t, ok = a.urls[ref.URL]; !ok {
			t = int32(len(m.URLs))
			m.URLs = append(m.URLs, ref.URL)
			a.urls[ref.URL] = t
		}
		a.last = t
	}
	if len(m.Inline) > 0 {
		delete(m.Inline, i)
	}
	m.Target[i], m.Offset[i], m.Length[i] = t, ref.Offset, ref.Length
	return nil
}
