package codec

import (
	"bytes"
	"testing"
)

func TestFletcher32(t *testing.T) {
	ramp := make([]byte, 2001)
	for i := range ramp {
		ramp[i] = byte(i * 7)
	}
	// Checksums HDF5 wrote (h5py 3.7, fletcher32=True, one chunk per
	// dataset, read back with read_direct_chunk): the trailing 4 bytes read
	// as a little-endian uint32.
	tests := []struct {
		name string
		data []byte
		want uint32
	}{
		{name: "odd length", data: []byte("abcde"), want: 0x4ff029c7},
		{name: "folds over 360-word blocks", data: ramp, want: 0xa2750bb1},
		{name: "all ones keep 0xffff sums", data: bytes.Repeat([]byte{0xff}, 1000), want: 0xffffffff},
		{name: "one zero byte", data: []byte{0}, want: 0},
		{name: "empty", data: nil, want: 0},
	}
	for _, tt := range tests {
		if got := Fletcher32(tt.data); got != tt.want {
			t.Errorf("%s: Fletcher32 = %#08x, want %#08x", tt.name, got, tt.want)
		}
	}
}
