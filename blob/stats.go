package blob

import "sync/atomic"

// Stats counts the reads made through readers and the requests remote
// readers sent for them, so that benchmarks and the CLI can report what a
// scan or a check cost. The counters are atomic: one Stats may be shared by
// concurrent readers.
type Stats struct {
	Reads atomic.Int64 // ReadAt calls
	Bytes atomic.Int64 // bytes returned by them

	// The rest stay zero for local files.
	Requests atomic.Int64 // requests sent (GET, HEAD), every attempt counted
	Fetched  atomic.Int64 // bytes received in response bodies
	Retries  atomic.Int64 // attempts that repeated a failed one
	// RoundTrips counts the times a caller waited for the network: the
	// open, each cache miss (however many blocks one ranged GET brought)
	// and each retry. For a reader used by one goroutine at a time, as a
	// scan does, it is the number of sequential round trips.
	RoundTrips atomic.Int64
}

// Counts is a copy of a Stats' counters at one moment, for reports.
type Counts struct {
	Reads      int64 `json:"reads"`
	Bytes      int64 `json:"bytes"`
	Requests   int64 `json:"requests"`
	Fetched    int64 `json:"fetched"`
	Retries    int64 `json:"retries"`
	RoundTrips int64 `json:"round_trips"`
}

// Counts returns the counters' current values (zero for a nil Stats).
func (s *Stats) Counts() Counts {
	if s == nil {
		return Counts{}
	}
	return Counts{
		Reads:      s.Reads.Load(),
		Bytes:      s.Bytes.Load(),
		Requests:   s.Requests.Load(),
		Fetched:    s.Fetched.Load(),
		Retries:    s.Retries.Load(),
		RoundTrips: s.RoundTrips.Load(),
	}
}

// Add adds c to the counters (for totals over many readers).
func (s *Stats) Add(c Counts) {
	if s == nil {
		return
	}
	s.Reads.Add(c.Reads)
	s.Bytes.Add(c.Bytes)
	s.Requests.Add(c.Requests)
	s.Fetched.Add(c.Fetched)
	s.Retries.Add(c.Retries)
	s.RoundTrips.Add(c.RoundTrips)
}

// Plus returns the sum of two Counts.
func (c Counts) Plus(o Counts) Counts {
	return Counts{
		Reads:      c.Reads + o.Reads,
		Bytes:      c.Bytes + o.Bytes,
		Requests:   c.Requests + o.Requests,
		Fetched:    c.Fetched + o.Fetched,
		Retries:    c.Retries + o.Retries,
		RoundTrips: c.RoundTrips + o.RoundTrips,
	}
}

func (s *Stats) add(n int) {
	if s == nil {
		return
	}
	s.Reads.Add(1)
	s.Bytes.Add(int64(n))
}

// counters is the pair of Stats a reader updates: its own and, for a
// reader of an Opener, the Opener's (nil otherwise).
type counters struct {
	own, shared *Stats
}

func (c counters) read(n int) { c.own.add(n); c.shared.add(n) }

func (c counters) request() {
	c.own.Requests.Add(1)
	if c.shared != nil {
		c.shared.Requests.Add(1)
	}
}

func (c counters) fetched(n int64) {
	c.own.Fetched.Add(n)
	if c.shared != nil {
		c.shared.Fetched.Add(n)
	}
}

func (c counters) retry() {
	c.own.Retries.Add(1)
	if c.shared != nil {
		c.shared.Retries.Add(1)
	}
}

func (c counters) roundTrip() {
	c.own.RoundTrips.Add(1)
	if c.shared != nil {
		c.shared.RoundTrips.Add(1)
	}
}

// StatsOf returns the counters of a reader from this package, or nil for a
// reader that keeps none.
func StatsOf(r Reader) *Stats {
	if c, ok := r.(interface{ Stats() *Stats }); ok {
		return c.Stats()
	}
	return nil
}
