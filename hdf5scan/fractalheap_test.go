package hdf5scan

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gokerchunk/format"
)

// heapFixtures is testdata/heaps.json, written by testdata/gen.sh: the
// addresses h5debug reports for each dense group or attribute set, with the
// names h5py lists, and the objects of each global heap collection.
type heapFixtures struct {
	Heaps []struct {
		File        string   `json:"file"`
		Kind        string   `json:"kind"` // "links" or "attributes"
		Object      string   `json:"object"`
		Heap        uint64   `json:"heap"`
		NameIndex   uint64   `json:"name_index"`
		OrderIndex  uint64   `json:"order_index"` // 0: no creation-order index
		MaxNrec     []uint64 `json:"name_index_max_nrec"`
		Names       []string `json:"names"`
		NamesSHA256 string   `json:"names_sha256"`
		Huge        *struct {
			Name  string `json:"name"`
			First int32  `json:"first"`
			Step  int32  `json:"step"`
			Count int    `json:"count"`
		} `json:"huge"`
	} `json:"heaps"`
	GlobalHeaps []struct {
		File    string `json:"file"`
		Addr    uint64 `json:"addr"`
		Objects []struct {
			Index uint32 `json:"index"`
			Hex   string `json:"hex"`
		} `json:"objects"`
	} `json:"global_heaps"`
}

func loadHeapFixtures(t *testing.T) heapFixtures {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "heaps.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx heapFixtures
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	return fx
}

// fixtureBytes returns the contents of a testdata file, gunzipped if needed.
func fixtureBytes(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// fileOver wraps bytes as a file. The fixtures have the superblock at 0 and
// 8-byte offsets and lengths, so no superblock parsing is needed here.
func fileOver(name string, b []byte) *file {
	return &file{r: bytes.NewReader(b), size: int64(len(b)), name: name, offsetSize: 8, lengthSize: 8}
}

// linkName decodes the name of a link message (spec §IV.A.2.g).
func linkName(t *testing.T, msg []byte) string {
	t.Helper()
	if len(msg) < 2 || msg[0] != 1 {
		t.Fatalf("link message % x", msg)
	}
	flags, p := msg[1], 2
	if flags&0x08 != 0 {
		p++ // link type
	}
	if flags&0x04 != 0 {
		p += 8 // creation order
	}
	if flags&0x10 != 0 {
		p++ // character set
	}
	w := 1 << (flags & 3)
	var n uint64
	for i := w - 1; i >= 0; i-- {
		n = n<<8 | uint64(msg[p+i])
	}
	p += w
	return string(msg[p : p+int(n)])
}

// attributeName decodes the name of an attribute message, version 1 (padded
// fields) or 2/3 (spec §IV.A.2.m); the stored size includes the NUL.
func attributeName(t *testing.T, msg []byte) string {
	t.Helper()
	if len(msg) < 8 {
		t.Fatalf("attribute message % x", msg)
	}
	n := int(binary.LittleEndian.Uint16(msg[2:]))
	p := 8
	switch msg[0] {
	case 1:
	case 2:
		p = 8
	case 3:
		p = 9 // character set
	default:
		t.Fatalf("attribute message version %d", msg[0])
	}
	return strings.TrimRight(string(msg[p:p+n]), "\x00")
}

// TestDenseStorage walks each name index and creation-order index, resolves
// every heap ID and checks the names against what libhdf5 lists.
func TestDenseStorage(t *testing.T) {
	fx := loadHeapFixtures(t)
	for _, h := range fx.Heaps {
		t.Run(h.File+h.Object+"/"+h.Kind, func(t *testing.T) {
			f := fileOver(h.File, fixtureBytes(t, h.File))
			heap, err := f.openFractalHeap(h.Heap)
			if err != nil {
				t.Fatal(err)
			}
			// Record layouts (spec §III.A.2): type 5 hash(4)+ID(7), type 6
			// order(8)+ID(7), types 8/9 ID(8) first.
			nameType, orderType, idAt, idLen, orderIDAt := uint8(5), uint8(6), 4, 7, 8
			decode := linkName
			if h.Kind == "attributes" {
				nameType, orderType, idAt, idLen, orderIDAt = 8, 9, 0, 8, 0
				decode = attributeName
			}
			messages := map[string][]byte{}
			var names []string
			err = f.walkBTree2(h.NameIndex, nameType, func(rec []byte) error {
				msg, err := heap.object(rec[idAt : idAt+idLen])
				if err != nil {
					return err
				}
				name := decode(t, msg)
				messages[name] = msg
				names = append(names, name)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(names)
			checkNames(t, h.Names, h.NamesSHA256, names)

			if h.OrderIndex != 0 {
				var ordered []string
				err := f.walkBTree2(h.OrderIndex, orderType, func(rec []byte) error {
					ordered = append(ordered, decode(t, mustObject(t, heap, rec[orderIDAt:orderIDAt+idLen])))
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(ordered)
				checkNames(t, h.Names, h.NamesSHA256, ordered)
			}

			if h.Huge != nil {
				msg := messages[h.Huge.Name]
				want := make([]byte, 4*h.Huge.Count)
				for i := range h.Huge.Count {
					binary.LittleEndian.PutUint32(want[4*i:], uint32(h.Huge.First+int32(i)*h.Huge.Step))
				}
				if !bytes.HasSuffix(msg, want) {
					t.Errorf("huge attribute %q: %d-byte message does not end with the %d expected values", h.Huge.Name, len(msg), h.Huge.Count)
				}
			}
			if slices.Equal(h.MaxNrec, []uint64{45, 24, 22}) && len(heap.indirect) < 2 {
				t.Errorf("links_big should need child indirect blocks; read %d indirect blocks", len(heap.indirect))
			}
		})
	}
}

func mustObject(t *testing.T, h *fractalHeap, id []byte) []byte {
	t.Helper()
	b, err := h.object(id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkNames(t *testing.T, want []string, wantSHA string, got []string) {
	t.Helper()
	if wantSHA != "" {
		sum := sha256.Sum256([]byte(strings.Join(got, "\n")))
		if hex.EncodeToString(sum[:]) != wantSHA {
			t.Errorf("%d names, digest differs from libhdf5's", len(got))
		}
		return
	}
	if !slices.Equal(got, want) {
		t.Errorf("names\n got %q\nwant %q", got, want)
	}
}

// hugeFixture opens dense.nc's attribute heap and returns it with the
// location of its huge object, from the huge-object B-tree.
func hugeFixture(t *testing.T) (*file, *fractalHeap, hugeObject) {
	t.Helper()
	fx := loadHeapFixtures(t)
	for _, h := range fx.Heaps {
		if h.Huge == nil {
			continue
		}
		f := fileOver(h.File, fixtureBytes(t, h.File))
		heap, err := f.openFractalHeap(h.Heap)
		if err != nil {
			t.Fatal(err)
		}
		if err := heap.loadHugeIndex(); err != nil {
			t.Fatal(err)
		}
		if len(heap.huge) != 1 {
			t.Fatalf("%d huge objects, want 1", len(heap.huge))
		}
		for _, loc := range heap.huge {
			return f, heap, loc
		}
	}
	t.Fatal("no huge object fixture")
	return nil, nil, hugeObject{}
}

// TestHeapIDForms covers the ID forms the fixtures cannot produce: tiny
// objects (normal and extended length) and huge objects addressed directly
// by a long heap ID, plus the unsupported filtered forms.
func TestHeapIDForms(t *testing.T) {
	f, base, loc := hugeFixture(t)
	wantHuge, err := f.read("huge", loc.addr, int(loc.length))
	if err != nil {
		t.Fatal(err)
	}
	withIDLen := func(n, filterLen int) *fractalHeap {
		h := *base
		h.idLen, h.filterLen = n, filterLen
		return &h
	}
	direct := make([]byte, 17)
	direct[0] = 0x10
	binary.LittleEndian.PutUint64(direct[1:], loc.addr)
	binary.LittleEndian.PutUint64(direct[9:], loc.length)
	ext := append([]byte{0x21, 0x03}, bytes.Repeat([]byte{'x'}, 0x103+1)...)

	tests := []struct {
		name    string
		heap    *fractalHeap
		id      []byte
		want    []byte
		wantErr any // nil, *FormatError or *UnsupportedError
	}{
		{"tiny", withIDLen(7, 0), []byte{0x22, 'a', 'b', 'c', 0, 0, 0}, []byte("abc"), nil},
		{"tiny full", withIDLen(7, 0), []byte{0x25, '1', '2', '3', '4', '5', '6'}, []byte("123456"), nil},
		{"tiny 17-byte ID", withIDLen(17, 0), append([]byte{0x2f}, bytes.Repeat([]byte{'y'}, 16)...), bytes.Repeat([]byte{'y'}, 16), nil},
		{"tiny extended", withIDLen(len(ext), 0), ext, ext[2:], nil},
		{"tiny too long", withIDLen(7, 0), []byte{0x26, 1, 2, 3, 4, 5, 6}, nil, &format.Error{}},
		{"huge direct", withIDLen(17, 0), direct, wantHuge, nil},
		{"huge indirect", base, []byte{0x10, 1, 0, 0, 0, 0, 0, 0}, wantHuge, nil},
		{"huge unknown ID", base, []byte{0x10, 9, 0, 0, 0, 0, 0, 0}, nil, &format.Error{}},
		{"huge filtered", withIDLen(8, 10), []byte{0x10, 1, 0, 0, 0, 0, 0, 0}, nil, &format.UnsupportedError{}},
		{"managed filtered", withIDLen(8, 10), []byte{0x00, 0x40, 0, 0, 0, 10, 0, 0}, nil, &format.UnsupportedError{}},
		{"bad version", base, []byte{0x40, 0, 0, 0, 0, 0, 0, 0}, nil, &format.Error{}},
		{"bad type", base, []byte{0x30, 0, 0, 0, 0, 0, 0, 0}, nil, &format.Error{}},
		{"ID too long", base, make([]byte, 9), nil, &format.Error{}},
		{"managed beyond heap", base, []byte{0x00, 0, 0, 0, 0x40, 10, 0, 0}, nil, &format.Error{}},
		{"managed zero length", base, []byte{0x00, 0x40, 0, 0, 0, 0, 0, 0}, nil, &format.Error{}},
		{"managed in header", base, []byte{0x00, 0x01, 0, 0, 0, 10, 0, 0}, nil, &format.Error{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.heap.object(tc.id)
			checkErr(t, err, tc.wantErr)
			if err == nil && !bytes.Equal(got, tc.want) {
				t.Errorf("got %d bytes % .16x, want %d bytes % .16x", len(got), got, len(tc.want), tc.want)
			}
		})
	}
}

// checkErr checks err against a nil, *FormatError or *UnsupportedError
// prototype.
func checkErr(t *testing.T, err error, want any) {
	t.Helper()
	switch want.(type) {
	case nil:
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
	case *format.Error:
		var fe *format.Error
		if !errors.As(err, &fe) {
			t.Fatalf("error %v (%T), want a *FormatError", err, err)
		}
	case *format.UnsupportedError:
		var ue *format.UnsupportedError
		if !errors.As(err, &ue) {
			t.Fatalf("error %v (%T), want an *UnsupportedError", err, err)
		}
	}
}

// TestFractalHeapCorrupt damages the links_big heap (root indirect block,
// child indirect blocks, checksummed direct blocks) and expects a
// *FormatError, never a panic or a wrong answer.
func TestFractalHeapCorrupt(t *testing.T) {
	fx := loadHeapFixtures(t)
	var name string
	var heapAddr, index uint64
	for _, h := range fx.Heaps {
		if h.NamesSHA256 != "" {
			name, heapAddr, index = h.File, h.Heap, h.NameIndex
		}
	}
	orig := fixtureBytes(t, name)
	good := fileOver(name, orig)
	heap, err := good.openFractalHeap(heapAddr)
	if err != nil {
		t.Fatal(err)
	}
	var ids [][]byte
	if err := good.walkBTree2(index, 5, func(rec []byte) error {
		ids = append(ids, slices.Clone(rec[4:11]))
		_, err := heap.object(rec[4:11])
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var someDirect, someChildIndirect uint64
	for a, ib := range heap.indirect {
		if ib.rows < heap.rootRows {
			someChildIndirect = a
		}
	}
	for a := range heap.direct {
		someDirect = a
		break
	}
	if someChildIndirect == 0 || heap.flags&2 == 0 {
		t.Fatalf("fixture lacks child indirect blocks (%d) or direct-block checksums (flags %#x)", someChildIndirect, heap.flags)
	}

	tests := []struct {
		name   string
		mutate func(b []byte) []byte
	}{
		{"header bit flip", func(b []byte) []byte { b[heapAddr+20] ^= 1; return b }},
		{"header signature", func(b []byte) []byte { b[heapAddr] = 'X'; return b }},
		{"root indirect bit flip", func(b []byte) []byte { b[heap.rootAddr+30] ^= 0x80; return b }},
		{"child indirect bit flip", func(b []byte) []byte { b[someChildIndirect+25] ^= 4; return b }},
		{"direct block bit flip", func(b []byte) []byte { b[someDirect+100] ^= 1; return b }},
		{"truncated", func(b []byte) []byte { return b[:heap.rootAddr+40] }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := fileOver(name, tc.mutate(slices.Clone(orig)))
			h, err := f.openFractalHeap(heapAddr)
			if err == nil {
				for _, id := range ids {
					if _, err = h.object(id); err != nil {
						break
					}
				}
			}
			checkErr(t, err, &format.Error{})
		})
	}
}

// TestFractalHeapHeaderLimits feeds headers whose doubling-table parameters
// would make later arithmetic overflow or allocate without bound.
func TestFractalHeapHeaderLimits(t *testing.T) {
	base := &fractalHeap{f: fileOver("x", nil), idLen: 7, width: 4, startBlock: 512, maxDirect: 65536, maxHeapBits: 32, maxManaged: 4096}
	tests := []struct {
		name   string
		mutate func(h *fractalHeap)
		ok     bool
	}{
		{"defaults", func(h *fractalHeap) {}, true},
		{"width 3", func(h *fractalHeap) { h.width = 3 }, false},
		{"width 0", func(h *fractalHeap) { h.width = 0 }, false},
		{"start 0", func(h *fractalHeap) { h.startBlock = 0 }, false},
		{"direct below start", func(h *fractalHeap) { h.maxDirect = 256 }, false},
		{"heap bits 65", func(h *fractalHeap) { h.maxHeapBits = 65 }, false},
		{"heap bits 64", func(h *fractalHeap) { h.maxHeapBits = 64 }, true},
		{"heap bits below first row", func(h *fractalHeap) { h.maxHeapBits = 10 }, false},
		{"too many root rows", func(h *fractalHeap) { h.rootRows = 23 }, false},
		{"max root rows", func(h *fractalHeap) { h.rootRows = 22 }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := *base
			tc.mutate(&h)
			err := h.initDoublingTable()
			if tc.ok {
				checkErr(t, err, nil)
				if h.maxDirectRows != 9 || h.offBytes != (h.maxHeapBits+7)/8 || h.lenBytes != 2 {
					t.Errorf("maxDirectRows %d offBytes %d lenBytes %d", h.maxDirectRows, h.offBytes, h.lenBytes)
				}
			} else {
				checkErr(t, err, &format.Error{})
			}
		})
	}
}

// TestBitFlipsNeverPanic flips bytes across dense.nc and resolves every
// dense link, dense attribute and global heap object: each flip must give
// a result or an error, never a panic or a hang.
func TestBitFlipsNeverPanic(t *testing.T) {
	fx := loadHeapFixtures(t)
	orig := fixtureBytes(t, "dense.nc")
	step := 7
	if testing.Short() {
		step = 61
	}
	b := slices.Clone(orig)
	for i := 0; i < len(b); i += step {
		b[i] ^= 0xff
		f := fileOver("dense.nc", b)
		for _, h := range fx.Heaps {
			if h.File != "dense.nc" {
				continue
			}
			heap, err := f.openFractalHeap(h.Heap)
			if err != nil {
				continue
			}
			typ, at, n := uint8(5), 4, 7
			if h.Kind == "attributes" {
				typ, at, n = 8, 0, 8
			}
			_ = f.walkBTree2(h.NameIndex, typ, func(rec []byte) error {
				_, err := heap.object(rec[at : at+n])
				return err
			})
		}
		for _, c := range fx.GlobalHeaps {
			var gh globalHeap
			for _, o := range c.Objects {
				_, _ = f.globalHeapObject(&gh, c.Addr, o.Index)
			}
		}
		b[i] = orig[i]
	}
}
