package convert

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"gokerchunk/blob"
)

// Hive-style partition directories: COL=VALUE/COL=VALUE/..., one level per
// partition column in the order given, names and values escaped as Hive's
// FileUtils.escapePathName does (pyarrow's HivePartitioning and Spark
// unescape them when they read the dataset back).

// DefaultPartitionValue is the directory value of a null (empty) partition
// field, Hive's name for it.
const DefaultPartitionValue = "__HIVE_DEFAULT_PARTITION__"

// hiveEscapes marks the ASCII bytes Hive's FileUtils.escapePathName writes
// as %XX: control characters, DEL and "#%'*/:=?\{[]^.
var hiveEscapes = func() (t [128]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	for _, c := range "\"#%'*/:=?\\\x7f{[]^" {
		t[c] = true
	}
	return t
}()

// appendEscaped appends s to dst escaped for a path segment as Hive does.
// Bytes outside ASCII pass as they are (Hive leaves non-ASCII characters).
func appendEscaped(dst, s []byte) []byte {
	const hex = "0123456789ABCDEF"
	for _, c := range s {
		if c < 0x80 && hiveEscapes[c] {
			dst = append(dst, '%', hex[c>>4], hex[c&15])
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// partitionDir is the directory a row goes to: "COL=VALUE/..." for the
// partition columns' fields. Typed columns use the canonical text of the
// value (an int32 written "007" goes to COL=7, a date to COL=YYYY-MM-DD),
// so that equal values share a directory.
func partitionDir(dst []byte, cols []partitionColumn, fields [][]byte, vals []value) []byte {
	for i, pc := range cols {
		if i > 0 {
			dst = append(dst, '/')
		}
		dst = append(dst, pc.escapedName...)
		dst = append(dst, '=')
		f := fields[pc.index]
		switch {
		case len(f) == 0:
			dst = append(dst, DefaultPartitionValue...)
		case pc.typ == String:
			dst = appendEscaped(dst, f)
		default:
			// Digits, signs, ".", "e", "Inf", "NaN", "true", "false":
			// nothing Hive escapes.
			dst = formatValue(dst, pc.typ, f, vals[pc.index])
		}
	}
	return dst
}

// partitionColumn is a CSV column that names directories.
type partitionColumn struct {
	index       int
	typ         Type
	escapedName string
}

// removeStale deletes fileName from partition directories of an earlier
// run that this run did not write, so that a rerun replaces the input's
// whole contribution to the dataset rather than leaving rows of partitions
// that no longer occur. Only directories shaped like this run's partition
// columns (COL=... at each level) are looked into.
func removeStale(ctx context.Context, out blob.Tree, cols []partitionColumn, fileName string, written map[string]bool) ([]string, error) {
	var removed []string
	var walk func(dir string, level int) error
	walk = func(dir string, level int) error {
		entries, err := out.List(ctx, dir)
		if err != nil {
			return err
		}
		prefix := cols[level].escapedName + "="
		for _, e := range entries {
			sub, isDir := strings.CutSuffix(e, "/")
			if !isDir || !strings.HasPrefix(sub, prefix) {
				continue
			}
			sub = dir + sub
			if level+1 < len(cols) {
				if err := walk(sub+"/", level+1); err != nil {
					return err
				}
				continue
			}
			if written[sub] {
				continue
			}
			files, err := out.List(ctx, sub)
			if err != nil {
				return err
			}
			if slices.Contains(files, fileName) {
				name := sub + "/" + fileName
				if err := out.Remove(ctx, name); err != nil {
					return err
				}
				removed = append(removed, name)
			}
		}
		return nil
	}
	if err := walk("", 0); err != nil {
		return removed, fmt.Errorf("removing files of an earlier run from partitions this run did not write: %w", err)
	}
	return removed, nil
}

// recentPartitions is how many partitions are looked for among the last
// ones used before the map: GHCN's rows cycle through a station-day's few
// elements.
const recentPartitions = 8

// partition returns the partition of record r, opening it on first use.
// Records are matched on the raw text of their partition fields first;
// the directory name (escaped, typed values in canonical form) is only
// made for a text not seen before.
func (c *converter) partition(b *block, r int) (*partitionFile, error) {
	var key []byte
	if len(c.partCols) == 1 {
		key = b.field(r, c.partCols[0].index)
	} else {
		// Each field prefixed by its length, so that keys are unambiguous.
		c.keyBuf = c.keyBuf[:0]
		for _, pc := range c.partCols {
			f := b.field(r, pc.index)
			c.keyBuf = binary.AppendUvarint(c.keyBuf, uint64(len(f)))
			c.keyBuf = append(c.keyBuf, f...)
		}
		key = c.keyBuf
	}
	key8, short := pack8(key)
	for i, p := range c.recent {
		if p == nil {
			break
		}
		if short && p.keyShort && p.key8 == key8 && len(p.key) == len(key) || !short && string(p.key) == string(key) {
			if i > 0 {
				// Move it one place up: the most used stay in front.
				c.recent[i-1], c.recent[i] = p, c.recent[i-1]
			}
			return p, nil
		}
	}
	p := c.byKey[string(key)]
	if p == nil {
		var err error
		if p, err = c.partitionByDir(b, r); err != nil {
			return nil, err
		}
		if p.key == nil {
			p.key = bytes.Clone(key)
			p.key8, p.keyShort = key8, short
		}
		// Typed values written differently ("7", "007") share a partition
		// under several keys; the map stays bounded all the same.
		if len(c.byKey) < 4*c.opts.MaxPartitions {
			c.byKey[string(key)] = p
		}
	}
	copy(c.recent[1:], c.recent[:recentPartitions-1])
	c.recent[0] = p
	return p, nil
}

// partitionByDir finds or opens the partition of record r by its directory.
func (c *converter) partitionByDir(b *block, r int) (*partitionFile, error) {
	fields := b.record(c.fields[:0], r)
	c.fields = fields
	for _, pc := range c.partCols {
		if pc.typ != String {
			c.rowVals[pc.index] = c.vals[pc.index][r]
		}
	}
	c.dirBuf = partitionDir(c.dirBuf[:0], c.partCols, fields, c.rowVals)
	if p := c.parts[string(c.dirBuf)]; p != nil {
		return p, nil
	}
	if len(c.parts) >= c.opts.MaxPartitions {
		return nil, dataErrorf("more than %d partitions (the next is %s): partition by columns with fewer distinct values", c.opts.MaxPartitions, c.dirBuf)
	}
	dir := string(c.dirBuf)
	p := &partitionFile{dir: dir}
	c.parts[dir] = p
	c.order = append(c.order, p)
	return p, nil
}
