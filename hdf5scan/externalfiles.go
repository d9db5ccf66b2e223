package hdf5scan

import (
	"fmt"
	"math/bits"
	"strings"
)

// External data files (spec §IV.A.2.g, "External Data Files Message";
// H5Oefl.c, H5Defl.c).
//
// A contiguous dataset may keep its raw data outside the HDF5 file: the
// message lists slots, each a file name (in a local heap), a byte offset in
// that file and a size. The dataset's bytes, in C order, fill the slots one
// after the other; the last slot's size may be "unlimited".
//
// planExternal splits such a dataset's bytes into runs of whole rows that
// each lie in one file; the translation references each run
// (externalrefs.go).

// externalFileList is a decoded external data files message.
type externalFileList struct {
	slots []externalSlot
}

type externalSlot struct {
	name   string
	offset uint64 // where the slot starts in the external file
	size   uint64 // bytes of the dataset it holds; unlimitedSize for all the rest
}

// unlimitedSize is H5O_EFL_UNLIMITED: the slot extends to the end of the
// dataset.
const unlimitedSize = ^uint64(0)

// parseExternalFiles decodes the message: version 1, 3 reserved bytes,
// allocated slots (2), used slots (2), local heap address, then per used
// slot the name's heap offset, the file offset and the size (L bytes each).
func (f *file) parseExternalFiles(m message) (*externalFileList, error) {
	d := f.decoderOver("external data files message", m.off, m.data)
	if v := d.u8(); d.err == nil && v != 1 {
		d.fail("version %d, want 1", v)
	}
	d.skip(3)
	allocated := int(d.u16())
	used := int(d.u16())
	heapAddr := d.addr()
	if d.err == nil && used > allocated {
		d.fail("%d slots used of %d allocated", used, allocated)
	}
	if d.err == nil && used > d.remaining()/(3*f.lengthSize) {
		d.fail("%d slots do not fit in the %d-byte message", used, len(m.data))
	}
	if d.err != nil {
		return nil, d.err
	}
	if used == 0 {
		return nil, f.formatError("external data files message", m.off, "no slot is used")
	}
	heap, err := f.readLocalHeap(heapAddr)
	if err != nil {
		return nil, fmt.Errorf("external file names: %w", err)
	}
	efl := &externalFileList{slots: make([]externalSlot, used)}
	for i := range efl.slots {
		nameOff := d.length()
		sl := externalSlot{offset: d.length(), size: d.length()}
		if d.err != nil {
			return nil, d.err
		}
		if f.lengthSize < 8 && sl.size == 1<<(8*uint(f.lengthSize))-1 {
			sl.size = unlimitedSize
		}
		if sl.name, err = heap.name(f, nameOff); err != nil {
			return nil, err
		}
		if sl.name == "" {
			return nil, f.formatError("external data files message", m.off, "slot %d has an empty file name", i)
		}
		if sl.size == unlimitedSize && i != used-1 {
			return nil, f.formatError("external data files message", m.off, "slot %d of %d is unlimited: only the last may be", i, used)
		}
		efl.slots[i] = sl
	}
	return efl, nil
}

// externalStorage is a dataset's data in external files, split along the
// first axis into runs of rows that each lie in one file.
type externalStorage struct {
	files *externalFileList
	rows  uint64 // run length along the first axis (the whole of the others)
	total uint64 // bytes of the dataset
}

// planExternal chooses the runs: a reference (a Zarr chunk) is a byte range
// of one file, so every slot boundary inside the data must fall between
// runs. Runs of k rows start at multiples of k·rowBytes; that holds every
// boundary when k·rowBytes divides each of them, so k is the greatest
// common divisor of the boundaries in rows, further cut to divide the
// first dimension so that no run goes past the data (HDF5 reads zeros
// beyond an external file's end; a reference cannot). A boundary inside a
// row cannot be followed by first-axis runs: reported as unsupported.
func (f *file) planExternal(off int64, efl *externalFileList, dims []uint64, elemSize int) (*externalStorage, error) {
	total, ok := uint64(elemSize), true
	for _, n := range dims {
		hi, lo := bits.Mul64(total, n)
		total, ok = lo, ok && hi == 0
	}
	if !ok {
		return nil, f.formatError("external data files message", off, "dataspace %v of %d-byte elements overflows 64 bits", dims, elemSize)
	}
	es := &externalStorage{files: efl, total: total, rows: 1}
	var have, g uint64
	for _, sl := range efl.slots {
		if sl.size == unlimitedSize || sl.size >= total-have {
			have = total
			break
		}
		have += sl.size
		g = gcd(g, have)
	}
	if have < total {
		return nil, f.formatError("external data files message", off, "the slots hold %d bytes, the dataset needs %d", have, total)
	}
	if total == 0 {
		return es, nil
	}
	if len(dims) == 0 {
		if g != 0 {
			return nil, errUnsupported("external data files split the scalar's only element")
		}
		return es, nil
	}
	rowBytes := total / dims[0]
	if g == 0 {
		es.rows = dims[0]
		return es, nil
	}
	if g%rowBytes != 0 {
		return nil, errUnsupported(fmt.Sprintf("external data file slots end inside a row: byte %d is not a multiple of the %d bytes of one index of the first axis, so no chunking along that axis keeps each chunk in one file", g, rowBytes))
	}
	es.rows = gcd(g/rowBytes, dims[0])
	return es, nil
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// locate returns the slot holding dataset byte pos and how far into it.
func (es *externalStorage) locate(pos uint64) (externalSlot, uint64) {
	start := uint64(0)
	for _, sl := range es.files.slots {
		if sl.size == unlimitedSize || pos-start < sl.size {
			return sl, pos - start
		}
		start += sl.size
	}
	last := es.files.slots[len(es.files.slots)-1]
	return last, pos - (start - last.size)
}

// describe names the files, for `gokerchunk info`.
func (efl *externalFileList) describe() string {
	names := make([]string, 0, len(efl.slots))
	seen := map[string]bool{}
	for _, sl := range efl.slots {
		if !seen[sl.name] {
			seen[sl.name] = true
			names = append(names, sl.name)
		}
	}
	return "external files " + strings.Join(names, ", ")
}
