package scan

import (
	"io"
	"sync"

	"gokerchunk/blob"
)

// probe is the reader formats are matched and parsed through: it keeps
// the reads Match makes and answers the same reads (offset and length), in
// the same order, from them once when the parser makes them again. So
// recognising the format costs no read the parser would not make anyway,
// and the input's read counters are what the parser alone would cost.
type probe struct {
	r io.ReaderAt

	mu        sync.Mutex
	recording bool
	reads     []probeRead
}

type probeRead struct {
	off  int64
	data []byte
	err  error
}

func newProbe(r io.ReaderAt) *probe { return &probe{r: r, recording: true} }

// reader is the probe as the parser sees it: a blob.Prefetcher when the
// reader under it is one, so that the parser's prefetch hints still reach
// it.
func (p *probe) reader() io.ReaderAt {
	if pf, ok := p.r.(blob.Prefetcher); ok {
		return prefetchingProbe{p, pf}
	}
	return p
}

type prefetchingProbe struct {
	*probe
	pf blob.Prefetcher
}

func (p prefetchingProbe) Prefetch(ranges [][2]int64) { p.pf.Prefetch(ranges) }

// replay ends the recording: from now on the reads recorded are answered
// from memory, each once, while they come in the order they were made.
func (p *probe) replay() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.recording = false
}

func (p *probe) ReadAt(b []byte, off int64) (int, error) {
	p.mu.Lock()
	if p.recording {
		p.mu.Unlock()
		n, err := p.r.ReadAt(b, off)
		p.mu.Lock()
		p.reads = append(p.reads, probeRead{off: off, data: append([]byte(nil), b[:n]...), err: err})
		p.mu.Unlock()
		return n, err
	}
	if len(p.reads) > 0 && p.reads[0].off == off && len(p.reads[0].data) == len(b) && p.reads[0].err == nil {
		rd := p.reads[0]
		p.reads = p.reads[1:]
		p.mu.Unlock()
		return copy(b, rd.data), nil
	}
	p.reads = nil
	p.mu.Unlock()
	return p.r.ReadAt(b, off)
}
