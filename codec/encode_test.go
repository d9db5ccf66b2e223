package codec

import (
	"bytes"
	"testing"
)

func TestEncodeRoundTrip(t *testing.T) {
	src := bytes.Repeat([]byte("gokerchunk "), 300)
	for level := range 10 {
		z, err := ZlibEncode(src, level)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := Zlib(nil, z, len(src)); err != nil || !bytes.Equal(got, src) {
			t.Errorf("zlib level %d: %v", level, err)
		}
		g, err := GzipEncode(src, level)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := Gzip(nil, g, len(src)); err != nil || !bytes.Equal(got, src) {
			t.Errorf("gzip level %d: %v", level, err)
		}
	}
	if _, err := ZlibEncode(src, 10); err == nil {
		t.Error("ZlibEncode at level 10 encoded")
	}
	f := AppendFletcher32(src[:7])
	if len(f) != 11 || !bytes.Equal(f[:7], src[:7]) || Fletcher32(src[:7]) != uint32(f[7])|uint32(f[8])<<8|uint32(f[9])<<16|uint32(f[10])<<24 {
		t.Errorf("AppendFletcher32 = %x", f)
	}
}
