package hdf5scan

import (
	"bytes"
	"testing"
)

func TestParseFillValue(t *testing.T) {
	f := &file{name: "t.h5", offsetSize: 8, lengthSize: 8}
	for _, tc := range []struct {
		name    string
		data    []byte
		defined bool
		value   []byte
	}{
		{"v2 defined", []byte{2, 2, 2, 1, 4, 0, 0, 0, 1, 2, 3, 4}, true, []byte{1, 2, 3, 4}},
		{"v2 default: no size", []byte{2, 2, 2, 0}, true, nil},
		// PyTables: version 1, not defined, a size of -1 and nothing after.
		{"v1 not defined, size -1", []byte{1, 3, 2, 0, 0xff, 0xff, 0xff, 0xff}, true, nil},
		{"v1 defined", []byte{1, 3, 2, 1, 2, 0, 0, 0, 7, 8}, true, []byte{7, 8}},
		{"v3 undefined", []byte{3, 0x10 | 0x02}, false, nil},
		{"v3 value", []byte{3, 0x20, 1, 0, 0, 0, 9}, true, []byte{9}},
	} {
		fv, err := f.parseFillValue(message{typ: msgFillValue, data: tc.data})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if fv.defined != tc.defined || !bytes.Equal(fv.value, tc.value) {
			t.Errorf("%s: %+v, want defined %v value %v", tc.name, fv, tc.defined, tc.value)
		}
	}
	// A size the message cannot hold is an error, not an allocation.
	if _, err := f.parseFillValue(message{typ: msgFillValue, data: []byte{2, 2, 2, 1, 0, 0, 0, 0x7f}}); err == nil {
		t.Error("a 2 GiB fill value in a 8-byte message: no error")
	}
}
