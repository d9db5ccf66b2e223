package hdf5scan

import "testing"

func TestLookup3(t *testing.T) {
	// Values from Bob Jenkins' lookup3.c driver (hashlittle, initval 0).
	for _, tc := range []struct {
		in   string
		want uint32
	}{
		{"", 0xdeadbeef},
		{"Four score and seven years ago", 0x17770551},
	} {
		if got := lookup3([]byte(tc.in)); got != tc.want {
			t.Errorf("lookup3(%q) = %#x, want %#x", tc.in, got, tc.want)
		}
	}
}
