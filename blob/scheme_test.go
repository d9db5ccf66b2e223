package blob

import "testing"

func TestIsRemote(t *testing.T) {
	for _, tc := range []struct {
		url          string
		remote, isS3 bool
	}{
		{"s3://b/k.nc", true, true},
		{"S3://b/k.nc", true, true},
		{"https://h/x.nc", true, false},
		{"HTTP://h/x.nc", true, false},
		{"file:///d/x.nc", false, false},
		{"/d/x.nc", false, false},
		{"d/a://b.nc", false, false}, // a path holding "://" is a path
	} {
		if got := IsRemote(tc.url); got != tc.remote {
			t.Errorf("IsRemote(%q) = %v", tc.url, got)
		}
		if got := IsS3(tc.url); got != tc.isS3 {
			t.Errorf("IsS3(%q) = %v", tc.url, got)
		}
	}
}
