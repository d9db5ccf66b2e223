package hdf5scan

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestSuperblockExtensionFixtures checks what the superblock extensions of
// the storage fixtures hold, and that the paged file reads back like h5py.
func TestSuperblockExtensionFixtures(t *testing.T) {
	for _, tc := range []struct {
		file  string
		fs    *fileSpaceInfo
		btree []bool // per SOHM index: a v2 B-tree (else a list)
		note  string
	}{
		{"h5_storage_paged.nc", &fileSpaceInfo{version: 1, strategy: "PAGE", persist: true, pageSize: 4096}, nil,
			"file space strategy PAGE (paged aggregation, 4096-byte pages), free space persisted"},
		{"h5_storage_sohm.h5", nil, []bool{false, false}, "shared object header messages: 2 indexes"},
		{"h5_storage_sohm_btree.h5", nil, []bool{true, true}, "shared object header messages: 2 indexes"},
		{"h5_storage_sohm_repack.nc", nil, []bool{false, false, false, false, false}, "shared object header messages: 5 indexes"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(fixtureDir + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			f, _, err := open(bytes.NewReader(data), int64(len(data)), tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.ext.fileSpace, tc.fs) {
				t.Errorf("file space info %+v, want %+v", f.ext.fileSpace, tc.fs)
			}
			if tc.btree != nil {
				table, err := f.sohmTableRead()
				if err != nil {
					t.Fatal(err)
				}
				var got []bool
				for _, ix := range table.indexes {
					got = append(got, ix.btree)
				}
				if !reflect.DeepEqual(got, tc.btree) {
					t.Errorf("B-tree indexes %v, want %v", got, tc.btree)
				}
			}
			info, err := Inspect(context.Background(), bytes.NewReader(data), int64(len(data)), tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(info.Notes, tc.note) {
				t.Errorf("notes %q lack %q", info.Notes, tc.note)
			}
		})
	}
	compareWithH5pyValues(t, fixtureDir+"h5_storage_paged.nc")
}

func TestParseFileSpaceInfo(t *testing.T) {
	f := &file{name: "t.h5", offsetSize: 8, lengthSize: 8}
	le := binary.LittleEndian
	v1 := func(strategy, persist byte, page uint64) []byte {
		b := le.AppendUint64([]byte{1, strategy, persist}, 1) // threshold
		b = le.AppendUint64(b, page)
		b = le.AppendUint16(b, 0)
		b = le.AppendUint64(b, 1<<20) // EOA before the free-space managers
		if persist != 0 {
			b = append(b, make([]byte, 6*8)...)
		}
		return b
	}
	v0 := func(strategy byte) []byte { return le.AppendUint64([]byte{0, strategy}, 1) }
	for _, tc := range []struct {
		name string
		msg  []byte
		want *fileSpaceInfo
		err  string
	}{
		{"v1 paged", v1(1, 0, 8192), &fileSpaceInfo{version: 1, strategy: "PAGE", pageSize: 8192}, ""},
		{"v1 paged persisted", v1(1, 1, 4096), &fileSpaceInfo{version: 1, strategy: "PAGE", persist: true, pageSize: 4096}, ""},
		{"v1 aggregation ignores the page size", v1(0, 0, 4096), &fileSpaceInfo{version: 1, strategy: "FSM_AGGR"}, ""},
		{"v1 none", v1(3, 0, 4096), &fileSpaceInfo{version: 1, strategy: "NONE"}, ""},
		{"v0 all persisted", v0(1), &fileSpaceInfo{version: 0, strategy: "FSM_AGGR", persist: true}, ""},
		{"v0 aggregators", v0(3), &fileSpaceInfo{version: 0, strategy: "AGGR"}, ""},
		{"v1 strategy 4", v1(4, 0, 4096), nil, "strategy 4 is not defined"},
		{"v0 strategy 0", v0(0), nil, "strategy 0 is not defined"},
		{"version 2", []byte{2, 1, 0}, nil, "version 2 is not defined"},
		{"truncated", v1(1, 0, 4096)[:10], nil, "ends after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, err := f.parseFileSpaceInfo(message{typ: msgFileSpaceInfo, data: tc.msg})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(fs, tc.want) {
				t.Errorf("got %+v, %v; want %+v", fs, err, tc.want)
			}
		})
	}
}

// TestCacheImage reads a file closed with a metadata cache image: the
// object headers and chunk index live only in the image block (their home
// addresses hold zeros), and every dataset must read back like h5py.
func TestCacheImage(t *testing.T) {
	path := fixtureDir + "features/h5_mdc_image.h5"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, sb, err := open(bytes.NewReader(data), int64(len(data)), path)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.ext.cacheImage) == 0 {
		t.Fatal("no cache image entries")
	}
	if home := data[f.abs(sb.rootHeader):][:4]; !bytes.Equal(home, make([]byte, 4)) {
		t.Fatalf("the root object header is written at home (%x): the fixture no longer exercises the image", home)
	}
	info, err := Inspect(context.Background(), bytes.NewReader(data), int64(len(data)), path)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("metadata cache image: %d entries", len(f.ext.cacheImage)); !slices.Contains(info.Notes, want) {
		t.Errorf("notes %q lack %q", info.Notes, want)
	}
	compareWithH5pyValues(t, path)

	// The image is part of the superblock extension, which libhdf5 reads
	// on open: a damaged image fails the file.
	var img message
	for _, m := range f.headers[f.extAddr].messages {
		if m.typ == msgCacheImage {
			img = m
		}
	}
	block := int64(binary.LittleEndian.Uint64(img.data[1:]))
	bad := slices.Clone(data)
	bad[f.base+block+30]++ // inside the first entry's image: the checksum fails
	if _, _, err := open(bytes.NewReader(bad), int64(len(bad)), path); err == nil || !strings.Contains(err.Error(), "metadata cache image") || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("damaged image: err = %v, want a metadata cache image checksum error", err)
	}
}

// TestFileSpaceInfoWasUnknown sets the "was unknown" flag on the file space
// info message of a paged file and makes its strategy undefined: libhdf5
// ignores such a message (H5F__super_read), so the scan must as well, and
// values still read back.
func TestFileSpaceInfoWasUnknown(t *testing.T) {
	path := fixtureDir + "h5_storage_paged.nc"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, _, err := open(bytes.NewReader(data), int64(len(data)), path)
	if err != nil {
		t.Fatal(err)
	}
	h := f.headers[f.extAddr]
	var fs message
	for _, m := range h.messages {
		if m.typ == msgFileSpaceInfo {
			fs = m
		}
	}
	// h5repack wrote the extension as a version-1 header: message type
	// (2), size (2), flags (1), reserved (3), no checksum.
	if h.version != 1 {
		t.Fatalf("extension object header version %d, want 1", h.version)
	}
	flagsAt := fs.off - 4
	patch := func(flags byte) []byte {
		b := slices.Clone(data)
		b[flagsAt] = flags
		b[fs.off+1] = 9 // strategy: not defined
		return b
	}
	if _, _, err := open(bytes.NewReader(patch(0)), int64(len(data)), path); err == nil || !strings.Contains(err.Error(), "strategy 9 is not defined") {
		t.Fatalf("undefined strategy without the flag: err = %v", err)
	}
	b := patch(msgFlagWasUnknown | 0x10) // was unknown, mark if unknown
	g, _, err := open(bytes.NewReader(b), int64(len(b)), path)
	if err != nil {
		t.Fatal(err)
	}
	if g.ext.fileSpace != nil {
		t.Errorf("file space info %+v read from a message marked unknown", g.ext.fileSpace)
	}
	want := scanFixture(t, path, 0)
	got, err := scanBytes(b, path, Options{URL: path})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Set, want.Set) {
		t.Error("the patched file scans differently")
	}
}
