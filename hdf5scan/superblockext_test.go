package hdf5scan

import (
	"bytes"
	"context"
	"encoding/binary"
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
