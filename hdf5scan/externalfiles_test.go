package hdf5scan

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gokerchunk/format"
	"gokerchunk/refs"
)

// TestExternalFixtures reads the datasets stored in external raw files back
// through the references and compares them with h5py, then checks the
// chunking that follows the slots.
func TestExternalFixtures(t *testing.T) {
	compareWithH5pyValues(t, fixtureDir+"h5_storage_import.h5")
	res := compareWithH5pyValues(t, fixtureDir+"h5_storage_external.h5")
	dir, err := filepath.Abs(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	file := func(name string) string { return filepath.Join(dir, "h5_storage_external_"+name+".bin") }
	for _, tc := range []struct {
		array  string
		chunks []int64
		refs   []refs.Ref
	}{
		{"one", []int64{6, 4}, []refs.Ref{{URL: file("one"), Offset: 0, Length: 96}}},
		// 4 rows in the first file, 6 in the second: chunks of gcd(4, 10) = 2 rows.
		{"two", []int64{2, 3}, []refs.Ref{
			{URL: file("two_a"), Offset: 16, Length: 48}, {URL: file("two_a"), Offset: 64, Length: 48},
			{URL: file("two_b"), Offset: 0, Length: 48}, {URL: file("two_b"), Offset: 48, Length: 48},
			{URL: file("two_b"), Offset: 96, Length: 48},
		}},
		{"rest", []int64{5}, []refs.Ref{{URL: file("rest"), Offset: 0, Length: 10}}},
		// Two slots of one file in reverse order.
		{"same", []int64{2, 2}, []refs.Ref{{URL: file("same"), Offset: 8, Length: 4}, {URL: file("same"), Offset: 0, Length: 4}}},
	} {
		z, err := res.Set.ZArray(tc.array)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(z.Chunks, tc.chunks) {
			t.Errorf("%s: chunks %v, want %v", tc.array, z.Chunks, tc.chunks)
		}
		m := res.Set.Arrays[tc.array]
		var got []refs.Ref
		for i := range m.Len() {
			if r, ok := m.Chunk(i); ok {
				got = append(got, r)
			}
		}
		if !reflect.DeepEqual(got, tc.refs) {
			t.Errorf("%s: references %+v, want %+v", tc.array, got, tc.refs)
		}
	}
}

// TestExternalSplitRow: a slot ending inside a row cannot be followed by
// first-axis chunks; the dataset is unsupported, its neighbour is not.
func TestExternalSplitRow(t *testing.T) {
	path := fixtureDir + "unsupported/h5_storage_external_split.h5"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := scanBytes(data, path, Options{URL: path, SkipUnsupported: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Path != "/split" || !strings.Contains(res.Skipped[0].Feature, "inside a row") {
		t.Errorf("skipped %v, want /split (slots end inside a row)", res.Skipped)
	}
	if _, ok := res.Set.Arrays["ok_contiguous"]; !ok {
		t.Error("ok_contiguous is missing")
	}
}

func TestPlanExternal(t *testing.T) {
	f := &file{name: "t.h5"}
	slots := func(sizes ...uint64) *externalFileList {
		efl := &externalFileList{}
		for i, s := range sizes {
			efl.slots = append(efl.slots, externalSlot{name: string(rune('a' + i)), size: s})
		}
		return efl
	}
	for _, tc := range []struct {
		name     string
		efl      *externalFileList
		dims     []uint64
		elemSize int
		rows     uint64
		err      string // "unsupported: ..." for an UnsupportedError, else part of a FormatError
	}{
		{"one slot", slots(96), []uint64{6, 4}, 4, 6, ""},
		{"one larger slot", slots(1000), []uint64{6, 4}, 4, 6, ""},
		{"unlimited", slots(unlimitedSize), []uint64{6, 4}, 4, 6, ""},
		{"boundary every 4 rows of 10", slots(96, 144), []uint64{10, 3}, 8, 2, ""},
		{"boundaries 6 and 9 rows of 12", slots(6*8, 3*8, unlimitedSize), []uint64{12}, 8, 3, ""},
		{"boundary after 3 rows of 7", slots(3*4, 4*4), []uint64{7}, 4, 1, ""},
		{"slots beyond the data", slots(96, 96, 96), []uint64{6, 4}, 4, 6, ""},
		{"empty slot", slots(0, 48, 48), []uint64{6, 4}, 4, 3, ""},
		{"empty dataset", slots(8), []uint64{0, 4}, 4, 1, ""},
		{"scalar in one slot", slots(8), nil, 8, 1, ""},
		{"scalar split", slots(4, 4), nil, 8, 0, "unsupported: external data files split the scalar"},
		{"boundary inside a row", slots(20, 28), []uint64{3, 4}, 4, 0, "unsupported: external data file slots end inside a row"},
		{"too small", slots(40, 40), []uint64{6, 4}, 4, 0, "the slots hold 80 bytes, the dataset needs 96"},
		{"overflow", slots(unlimitedSize), []uint64{1 << 40, 1 << 40}, 4, 0, "overflows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es, err := f.planExternal(0, tc.efl, tc.dims, tc.elemSize)
			if tc.err != "" {
				var ue *format.UnsupportedError
				if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(tc.err, "unsupported: ")) ||
					errors.As(err, &ue) != strings.HasPrefix(tc.err, "unsupported: ") {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if es.rows != tc.rows {
				t.Errorf("rows %d, want %d", es.rows, tc.rows)
			}
		})
	}
}
