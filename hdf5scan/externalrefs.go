package hdf5scan

import (
	"path"
	"strings"

	"gokerchunk/refs"
)

// A dataset in external data files (externalfiles.go) becomes references
// into those files, one chunk per run of rows. Relative names are resolved
// against the directory of the scanned file's URL (Options.URL), which is
// what libhdf5 does with the prefix "${ORIGIN}" (HDF5_EXTFILE_PREFIX /
// H5Pset_efile_prefix); without a prefix libhdf5 resolves them against its
// current directory, which a reference set cannot express. Absolute names
// are kept as they are.

// addExternalChunks references every chunk of first-axis rows in its
// external file. They are never inlined: the scanner reads only the HDF5
// file.
func (s *scanner) addExternalChunks(ds *dataset, z *refs.ZArray, m *refs.Manifest) error {
	es := ds.external
	if es.total == 0 {
		return nil
	}
	n, chunk := uint64(1), es.total
	if len(ds.space.dims) > 0 {
		n = ds.space.dims[0] / es.rows
		chunk = es.total / n
	}
	if n > uint64(m.Len()) {
		return s.f.formatError("external data files message", 0, "%s: %d chunks for a grid of %d", ds.path, n, m.Len())
	}
	idx := make([]int, len(m.Grid))
	for i := range n {
		sl, within := es.locate(i * chunk)
		off := sl.offset + within
		if off > 1<<62 || chunk > 1<<62 {
			return s.f.formatError("external data files message", 0, "%s: slot %q at offset %d", ds.path, sl.name, off)
		}
		if len(idx) > 0 {
			idx[0] = int(i)
		}
		m.SetRange(m.Linear(idx), externalURL(s.opts.URL, sl.name), int64(off), int64(chunk))
	}
	return nil
}

// externalURL resolves an external file name against the directory of the
// scanned file's URL: "/data/a.h5" and "b.bin" give "/data/b.bin",
// "s3://bucket/dir/a.h5" gives "s3://bucket/dir/b.bin". Absolute names
// (starting with "/") stay as they are.
func externalURL(base, name string) string {
	if strings.HasPrefix(name, "/") {
		return name
	}
	prefix, p := "", base
	if i := strings.Index(base, "://"); i > 0 {
		prefix, p = base[:i+3], base[i+3:]
	}
	slash := strings.LastIndexByte(p, '/')
	if slash < 0 {
		return name
	}
	return prefix + path.Join(p[:slash+1], name)
}
