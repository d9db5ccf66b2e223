package hdf5scan

import "testing"

func TestGridPositions(t *testing.T) {
	for _, tc := range []struct {
		grid  []int
		limit uint64
		want  uint64
	}{
		{nil, 10, 1},
		{[]int{2, 3, 4}, 100, 24},
		{[]int{2, 3, 4}, 24, 24},
		{[]int{2, 3, 4}, 23, 24},
		{[]int{1 << 30, 1 << 30, 1 << 30}, 1 << 40, 1<<40 + 1},
		{[]int{0, 1 << 62}, 10, 0},
	} {
		if got := gridPositions(tc.grid, tc.limit); got != tc.want {
			t.Errorf("gridPositions(%v, %d) = %d, want %d", tc.grid, tc.limit, got, tc.want)
		}
	}
}
