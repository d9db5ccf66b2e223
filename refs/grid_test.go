package refs

import (
	"math"
	"testing"
)

func TestGridSize(t *testing.T) {
	for _, tc := range []struct {
		dims  []int64
		limit uint64
		want  uint64
		ok    bool
	}{
		{nil, 10, 1, true},
		{nil, 0, 1, false},
		{[]int64{2, 3, 4}, 100, 24, true},
		{[]int64{2, 3, 4}, 24, 24, true},
		{[]int64{2, 3, 4}, 23, 24, false},
		{[]int64{1 << 30, 1 << 30, 1 << 30}, 1 << 40, 1<<40 + 1, false},
		{[]int64{0, 1 << 62}, 10, 0, true},
		{[]int64{1 << 62, 0}, 10, 11, false}, // over the limit before the zero
		{[]int64{math.MaxInt64, math.MaxInt64, 2}, math.MaxInt64, math.MaxInt64 + 1, false},
		{[]int64{1 << 31, 1 << 31}, math.MaxInt64, 1 << 62, true},
		{[]int64{3, -1}, 100, 101, false},
		{[]int64{0, -1}, 100, 101, false},
	} {
		n, ok := GridSize(tc.dims, tc.limit)
		if n != tc.want || ok != tc.ok {
			t.Errorf("GridSize(%v, %d) = %d, %v; want %d, %v", tc.dims, tc.limit, n, ok, tc.want, tc.ok)
		}
	}
	// The type of the dimensions does not matter.
	if n, ok := GridSize([]int{4, 5}, 20); n != 20 || !ok {
		t.Errorf("GridSize([]int{4, 5}, 20) = %d, %v", n, ok)
	}
}
