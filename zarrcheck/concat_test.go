package zarrcheck

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// TestConcatRegions: a region of a joined variable reads what the same
// region of the whole joined variable holds, whether it lies in one
// source or spans several, along the first axis or another.
func TestConcatRegions(t *testing.T) {
	u1 := ElemType{Kind: 'u', Size: 1, Name: "ubyte"}
	counter := byte(0)
	values := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			counter++
			b[i] = counter
		}
		return b
	}
	var srcs []Source
	for _, steps := range []int64{2, 3, 1} {
		s := &memSource{}
		s.add("v", u1, []int64{steps, 3}, values(int(steps)*3)) // joined along axis 0
		s.add("w", u1, []int64{2, steps}, values(2*int(steps))) // joined along axis 1
		s.add("lat", u1, []int64{3}, []byte{7, 8, 9})           // the same everywhere
		srcs = append(srcs, s)
	}
	axes := map[string]ConcatAxis{"v": {Axis: 0}, "w": {Axis: 1}}
	joined, _, err := Concat(context.Background(), srcs, []string{"a", "b", "c"}, "time", axes)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		path         string
		start, count []int64
	}{
		{"v", []int64{0, 0}, []int64{6, 3}},
		{"v", []int64{1, 0}, []int64{3, 3}}, // the last step of a, all of b's but one
		{"v", []int64{2, 1}, []int64{2, 2}}, // inside b
		{"v", []int64{5, 0}, []int64{1, 3}}, // c alone
		{"v", []int64{4, 0}, []int64{0, 3}}, // empty
		{"w", []int64{0, 1}, []int64{2, 4}}, // across all three along axis 1
		{"w", []int64{1, 5}, []int64{1, 1}},
		{"lat", []int64{1}, []int64{2}},
	} {
		t.Run(fmt.Sprintf("%s %v %v", tc.path, tc.start, tc.count), func(t *testing.T) {
			whole, err := joined.Read(ctx, tc.path, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			vars, _ := joined.Variables(ctx)
			var shape []int64
			for _, v := range vars {
				if v.Path == tc.path {
					shape = v.Shape
				}
			}
			got, err := joined.Read(ctx, tc.path, tc.start, tc.count)
			if err != nil {
				t.Fatal(err)
			}
			want := extractRegion(whole, shape, region{Start: tc.start, Count: tc.count}, 1)
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v (whole %v)", got, want, whole)
			}
		})
	}
	// The whole of v is the sources' values in order: extractRegion and
	// the join are checked against numbers, not against each other.
	if v, _ := joined.Read(ctx, "v", nil, nil); !slices.Equal(v[:3], []byte{1, 2, 3}) || v[6] != 11 || v[15] != 26 {
		t.Errorf("v = %v", v)
	}
	if _, err := joined.Read(ctx, "v", []int64{5, 0}, []int64{2, 3}); err == nil {
		t.Error("a region past the end was read")
	}
}

func TestExtractRegion(t *testing.T) {
	// A 3x4 array of 2-byte elements numbered 0..11 (one byte each half).
	buf := make([]byte, 24)
	for i := range 12 {
		buf[2*i], buf[2*i+1] = byte(i), byte(i)
	}
	got := extractRegion(buf, []int64{3, 4}, region{Start: []int64{1, 1}, Count: []int64{2, 2}}, 2)
	if want := []byte{5, 5, 6, 6, 9, 9, 10, 10}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
