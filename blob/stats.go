package blob

import "sync/atomic"

// Stats counts the reads made through readers, so that benchmarks and the
// CLI can report how many requests and bytes a scan or a check cost. The
// counters are atomic: one Stats may be shared by concurrent readers.
type Stats struct {
	Reads atomic.Int64 // ReadAt calls
	Bytes atomic.Int64 // bytes returned by them
}

func (s *Stats) add(n int) {
	if s == nil {
		return
	}
	s.Reads.Add(1)
	s.Bytes.Add(int64(n))
}

// StatsOf returns the counters of a reader from this package, or nil for a
// reader that keeps none.
func StatsOf(r Reader) *Stats {
	if c, ok := r.(interface{ Stats() *Stats }); ok {
		return c.Stats()
	}
	return nil
}
