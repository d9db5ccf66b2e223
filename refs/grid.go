package refs

// GridSize is the product of dims — the chunk positions of a chunk grid,
// the elements of a shape or of a chunk — when it is at most limit, and
// true. Otherwise, or when a dimension is negative, it is limit+1 and
// false: the product is never taken past limit, so no dimensions, however
// absurd (a corrupt file, a hostile .zarray), can overflow it. A zero
// dimension before the product exceeds limit makes it 0.
//
// It is the one place the size of a grid is computed: every reader and
// writer that allocates per chunk position or per element bounds it here.
func GridSize[T ~int | ~int64](dims []T, limit uint64) (uint64, bool) {
	n := uint64(1)
	for _, d := range dims {
		if d < 0 {
			return limit + 1, false
		}
		g := uint64(d)
		if g != 0 && n > limit/g {
			return limit + 1, false
		}
		n *= g
	}
	if n > limit {
		return limit + 1, false
	}
	return n, true
}
