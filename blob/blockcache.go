package blob

import (
	"container/list"
	"sync"
)

// blockCache holds fetched blocks of remote targets, least recently used
// first out once their bytes pass the limit. One cache may serve many
// readers (an Opener's), each under its own id.
type blockCache struct {
	mu      sync.Mutex
	limit   int64
	used    int64
	lru     list.List // of *cacheEntry, most recently used at the front
	entries map[blockKey]*list.Element
}

type blockKey struct {
	reader uint64
	index  int64 // offset / block size
}

type cacheEntry struct {
	key  blockKey
	data []byte
}

func newBlockCache(limit int64) *blockCache {
	return &blockCache{limit: limit, entries: map[blockKey]*list.Element{}}
}

// get returns a cached block. The slice is never written again, so the
// caller may keep reading it after the block is evicted.
func (c *blockCache) get(k blockKey) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok {
		return nil, false
	}
	c.lru.MoveToFront(e)
	return e.Value.(*cacheEntry).data, true
}

// put caches a block, evicting the least recently used ones over the
// limit (the new block itself stays even when it alone exceeds it).
func (c *blockCache) put(k blockKey, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		c.used -= int64(len(e.Value.(*cacheEntry).data))
		e.Value.(*cacheEntry).data = data
		c.used += int64(len(data))
		c.lru.MoveToFront(e)
	} else {
		c.entries[k] = c.lru.PushFront(&cacheEntry{key: k, data: data})
		c.used += int64(len(data))
	}
	for c.used > c.limit && c.lru.Len() > 1 {
		c.remove(c.lru.Back())
	}
}

// drop forgets every block of one reader (when it is closed).
func (c *blockCache) drop(reader uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.lru.Front(); e != nil; {
		next := e.Next()
		if e.Value.(*cacheEntry).key.reader == reader {
			c.remove(e)
		}
		e = next
	}
}

func (c *blockCache) remove(e *list.Element) {
	ce := c.lru.Remove(e).(*cacheEntry)
	delete(c.entries, ce.key)
	c.used -= int64(len(ce.data))
}
