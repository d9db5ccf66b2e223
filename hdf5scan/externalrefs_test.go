package hdf5scan

import "testing"

func TestExternalURL(t *testing.T) {
	for _, tc := range []struct{ base, name, want string }{
		{"/data/a.h5", "b.bin", "/data/b.bin"},
		{"/data/a.h5", "sub/b.bin", "/data/sub/b.bin"},
		{"/data/a.h5", "./b.bin", "/data/b.bin"},
		{"/data/x/a.h5", "../b.bin", "/data/b.bin"},
		{"/data/a.h5", "/abs/b.bin", "/abs/b.bin"},
		{"a.h5", "b.bin", "b.bin"},
		{"rel/a.h5", "b.bin", "rel/b.bin"},
		{"file:///data/a.h5", "b.bin", "file:///data/b.bin"},
		{"s3://bucket/dir/a.h5", "b.bin", "s3://bucket/dir/b.bin"},
		{"s3://bucket/a.h5", "b.bin", "s3://bucket/b.bin"},
		{"https://host/p/a.h5", "b.bin", "https://host/p/b.bin"},
	} {
		if got := externalURL(tc.base, tc.name); got != tc.want {
			t.Errorf("externalURL(%q, %q) = %q, want %q", tc.base, tc.name, got, tc.want)
		}
	}
}
