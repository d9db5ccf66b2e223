package hdf5scan

import (
	"bytes"
	"fmt"

	"gokerchunk/refs"
)

// Fixed-length strings carry a padding type (spec §IV.A.2.d, class 3):
// null-terminated, null-padded or space-padded. libhdf5 converts them to
// the reader's padding, so h5py and libnetcdf return "ab" for the stored
// bytes "ab\0xy" (null-terminated) and "ab  " (space-padded), while numpy,
// reading a Zarr |S<n> array, only drops trailing NULs. Chunks whose bytes
// would read differently are decoded, rewritten null-padded and inlined.

// padStrings rewrites, in place, n-byte strings with padding pad as
// null-padded ones, and reports whether anything changed.
func padStrings(b []byte, n, pad int) bool {
	changed := false
	for off := 0; off+n <= len(b); off += n {
		s := b[off : off+n]
		end := n
		switch pad {
		case 0: // null-terminated: the bytes after the first NUL are not part of it
			if i := bytes.IndexByte(s, 0); i >= 0 {
				end = i
			}
		case 2: // space-padded
			for end > 0 && s[end-1] == ' ' {
				end--
			}
		default:
			continue
		}
		for i := end; i < n; i++ {
			if s[i] != 0 {
				s[i] = 0
				changed = true
			}
		}
	}
	return changed
}

// normalizeStrings makes every chunk of a fixed-length string dataset read
// as libhdf5 presents its values, re-encoding (with the plan's codecs) and
// inlining the chunks that change, within the decoded-inline budget.
func (s *scanner) normalizeStrings(ds *variable, z *refs.ZArray, m *refs.Manifest, plan *codecPlan) error {
	t := ds.dtype
	if ds.ztype.kind != 'S' || t.class != classString || (t.strPad != 0 && t.strPad != 2) || ds.ztype.size < 1 {
		return nil
	}
	if plan != nil && !plan.encodable() {
		return errUnsupported(fmt.Sprintf("fixed-length strings padded with %s whose chunks would need rewriting, with codecs %s that cannot be encoded here", padName(t.strPad), describeFilters(plan.target)))
	}
	nbytes := chunkBytes(z, ds.ztype.size)
	var spent int64
	for i, target := range m.Target {
		var data []byte
		switch {
		case target == refs.NoChunk:
			continue
		case target == refs.InlineChunk:
			data = m.Inline[i]
		default:
			var err error
			if data, err = s.f.read("chunk", uint64(m.Offset[i]-s.f.base), int(m.Length[i])); err != nil {
				return err
			}
		}
		raw := append([]byte(nil), data...)
		if plan != nil {
			var err error
			if raw, err = unfilter(plan.target, data, 0, t.size, int(nbytes)+checksumSlack); err != nil {
				return fmt.Errorf("%s: chunk %d: %w", ds.path, i, err)
			}
		}
		if !padStrings(raw, ds.ztype.size, t.strPad) {
			continue
		}
		if spent += nbytes; spent > s.maxDecodedInline() {
			return errUnsupported(fmt.Sprintf("fixed-length strings padded with %s: more than %d MiB of chunks would need rewriting to read as the source's readers return them", padName(t.strPad), s.maxDecodedInline()>>20))
		}
		if plan != nil {
			var err error
			for _, flt := range plan.target {
				if raw, err = encodeFilter(flt, raw, t.size); err != nil {
					return err
				}
			}
		}
		m.SetInline(i, raw)
	}
	return nil
}

func padName(pad int) string {
	switch pad {
	case 0:
		return "NUL termination"
	case 2:
		return "spaces"
	}
	return "NULs"
}
