//go:build cgo

package zarrcheck

/*
#cgo pkg-config: hdf5
#include <stdlib.h>
#include <string.h>
#include <hdf5.h>

// h5_is_hard_link: 1 when name (relative to loc) is a hard link, 0 for a
// soft, external or user-defined one, -1 on error.
static int h5_is_hard_link(hid_t loc, const char *name) {
#if H5_VERSION_GE(1, 12, 0)
	H5L_info2_t link;
	if (H5Lget_info2(loc, name, &link, H5P_DEFAULT) < 0) return -1;
#else
	H5L_info_t link;
	if (H5Lget_info(loc, name, &link, H5P_DEFAULT) < 0) return -1;
#endif
	return link.type == H5L_TYPE_HARD;
}

// h5_object gives the type (H5O_TYPE_*) of the object name leads to from
// loc and a key naming it in the file (its header address), so that a walk
// can list an object reached twice once, and stop at cycles.
static int h5_object(hid_t loc, const char *name, int *type, unsigned long long *key) {
#if H5_VERSION_GE(1, 12, 0)
	H5O_info2_t info;
	if (H5Oget_info_by_name3(loc, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return -1;
	// The native connector's token starts with the object address.
	*key = 0;
	memcpy(key, &info.token, sizeof *key);
#else
	H5O_info_t info;
	if (H5Oget_info_by_name2(loc, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return -1;
	*key = info.addr;
#endif
	*type = info.type;
	return 0;
}

// h5_vlen_string_memtype returns the memory type to read a dataset of
// variable-length strings of file type ftype as C strings (char *) in the
// file's character set, or arrays of them when ftype is an array type; -1
// on error. The caller closes it.
static hid_t h5_vlen_string_memtype(hid_t ftype) {
	hid_t base = ftype, str = -1, out = -1;
	int is_array = H5Tget_class(ftype) == H5T_ARRAY;
	if (is_array && (base = H5Tget_super(ftype)) < 0) return -1;
	H5T_cset_t cset = H5Tget_cset(base);
	if (cset < 0 || (str = H5Tcopy(H5T_C_S1)) < 0) goto done;
	if (H5Tset_size(str, H5T_VARIABLE) < 0 || H5Tset_cset(str, cset) < 0) goto done;
	if (!is_array) {
		out = str;
		str = -1;
		goto done;
	}
	int rank = H5Tget_array_ndims(ftype);
	hsize_t dims[H5S_MAX_RANK];
	if (rank < 0 || rank > H5S_MAX_RANK || H5Tget_array_dims2(ftype, dims) < 0) goto done;
	out = H5Tarray_create2(str, (unsigned)rank, dims);
done:
	if (str >= 0) H5Tclose(str);
	if (is_array) H5Tclose(base);
	return out;
}

// h5_is_dimension_scale: 1 when the dataset has the CLASS attribute
// "DIMENSION_SCALE" of the HDF5 Dimension Scale specification (a
// fixed-length string), else 0.
// h5_missing_filter returns the id of the first filter of a dataset's
// pipeline that libhdf5 cannot load, or -1.
static int h5_missing_filter(hid_t did) {
	hid_t dcpl = H5Dget_create_plist(did);
	if (dcpl < 0) return -1;
	int missing = -1;
	int n = H5Pget_nfilters(dcpl);
	for (int i = 0; i < n && missing < 0; i++) {
		unsigned flags;
		size_t nelmts = 0;
		H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &nelmts, NULL, 0, NULL, NULL);
		if (id >= 0 && H5Zfilter_avail(id) <= 0) missing = (int)id;
	}
	H5Pclose(dcpl);
	return missing;
}

// h5_read_type is the memory type to read a dataset in: its file type,
// except that integers with fewer value bits than their size (n-bit data,
// custom precisions) are converted to full-width integers of the same
// size, sign and byte order, and floats of another bit layout than IEEE's
// (n-bit floats) to the IEEE float of their size and byte order, as the
// scanner presents them (libhdf5 converts).
static hid_t h5_read_type(hid_t ftype) {
	if (H5Tget_class(ftype) == H5T_FLOAT) {
		size_t fsize = H5Tget_size(ftype);
		int be = H5Tget_order(ftype) == H5T_ORDER_BE;
		hid_t ieee = -1;
		if (fsize == 4) ieee = be ? H5T_IEEE_F32BE : H5T_IEEE_F32LE;
		if (fsize == 8) ieee = be ? H5T_IEEE_F64BE : H5T_IEEE_F64LE;
		if (ieee < 0 || H5Tequal(ftype, ieee) > 0) return H5Tcopy(ftype);
		return H5Tcopy(ieee);
	}
	if (H5Tget_class(ftype) != H5T_INTEGER) return H5Tcopy(ftype);
	size_t size = H5Tget_size(ftype);
	if (H5Tget_precision(ftype) == 8 * size && H5Tget_offset(ftype) == 0) return H5Tcopy(ftype);
	hid_t t;
	int sgn = H5Tget_sign(ftype) == H5T_SGN_2;
	switch (size) {
	case 1: t = H5Tcopy(sgn ? H5T_STD_I8LE : H5T_STD_U8LE); break;
	case 2: t = H5Tcopy(sgn ? H5T_STD_I16LE : H5T_STD_U16LE); break;
	case 4: t = H5Tcopy(sgn ? H5T_STD_I32LE : H5T_STD_U32LE); break;
	case 8: t = H5Tcopy(sgn ? H5T_STD_I64LE : H5T_STD_U64LE); break;
	default: return H5Tcopy(ftype);
	}
	H5Tset_order(t, H5Tget_order(ftype));
	return t;
}

// Object references (HDF5 1.10's hobj_ref_t): the scanner presents each as
// the path of the object it points to.
static int h5_is_object_ref(hid_t t) { return H5Tequal(t, H5T_STD_REF_OBJ) > 0; }
static herr_t h5_read_object_refs(hid_t did, hobj_ref_t *buf) {
	return H5Dread(did, H5T_STD_REF_OBJ, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
}
static ssize_t h5_object_ref_name(hid_t did, hobj_ref_t *ref, char *buf, size_t size) {
	return H5Rget_name(did, H5R_OBJECT, ref, buf, size);
}

static int h5_is_dimension_scale(hid_t did) {
	const char want[] = "DIMENSION_SCALE";
	char buf[sizeof want + 1] = {0};
	int r = 0;
	if (H5Aexists(did, "CLASS") <= 0) return 0;
	hid_t a = H5Aopen(did, "CLASS", H5P_DEFAULT);
	if (a < 0) return 0;
	hid_t t = H5Aget_type(a);
	if (t >= 0 && H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) == 0 &&
	    H5Tget_size(t) <= sizeof buf - 1 && H5Aread(a, t, buf) >= 0)
		r = strcmp(buf, want) == 0;
	if (t >= 0) H5Tclose(t);
	H5Aclose(a);
	return r;
}

// h5_reclaim frees the strings H5Dread allocated into buf.
static herr_t h5_reclaim(hid_t memtype, hid_t space, void *buf) {
#if H5_VERSION_GE(1, 12, 0)
	return H5Treclaim(memtype, space, H5P_DEFAULT, buf);
#else
	return H5Dvlen_reclaim(memtype, space, H5P_DEFAULT, buf);
#endif
}
// h5_read_region reads the hyperslab start, count of a dataset of rank
// dimensions into buf, packed as an array of shape count.
static herr_t h5_read_region(hid_t did, hid_t mtype, int rank, const hsize_t *start, const hsize_t *count, void *buf) {
	hid_t fspace = H5Dget_space(did);
	if (fspace < 0) return -1;
	hid_t mspace = H5Screate_simple(rank, count, NULL);
	herr_t status = -1;
	if (mspace >= 0 && H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) >= 0)
		status = H5Dread(did, mtype, mspace, fspace, H5P_DEFAULT, buf);
	if (mspace >= 0) H5Sclose(mspace);
	H5Sclose(fspace);
	return status;
}
*/
import "C"

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"unsafe"
)

// hdf5Source reads datasets through libhdf5 in the file's own datatypes,
// exactly the bytes the scanner's references point at: compounds keep their
// member offsets, padding and byte orders, array-typed datasets read as
// their base type with the array's dimensions appended to the dataspace's.
// It knows nothing of netCDF conventions (see Open).
type hdf5Source struct {
	path     string
	fid      C.hid_t
	closed   bool
	netCDF   bool // the root group has _NCProperties
	datasets map[string]*h5Dataset
	list     []Variable
}

// h5Dataset is one dataset: how check sees it, its HDF5 path and the byte
// order of its numbers.
type h5Dataset struct {
	v         Variable
	name      string // HDF5 path, with the leading slash
	bigEndian bool
	dimScale  bool // an HDF5 dimension scale (CLASS = "DIMENSION_SCALE")
	// spaceRank is the rank of the dataspace: the dimensions of v.Shape
	// after it are those of an array datatype.
	spaceRank int
}

// maxTypeDepth bounds the nesting of compound and array types.
const maxTypeDepth = 32

// OpenHDF5 opens an HDF5 file read-only through libhdf5 and lists its
// datasets: every object reached from the root group through hard links,
// once, under the first path a depth-first walk in name order meets it
// (soft and external links are not followed, committed datatypes are not
// data).
func OpenHDF5(path string) (Source, error) {
	return openHDF5File(path)
}

func openHDF5File(path string) (hdf5File, error) {
	var (
		s   *hdf5Source
		err error
	)
	withLibs(func() { s, err = openHDF5Locked(path) })
	if err != nil {
		return nil, err
	}
	return s, nil
}

func openHDF5Locked(path string) (*hdf5Source, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	fid := C.H5Fopen(cpath, C.H5F_ACC_RDONLY, C.H5P_DEFAULT)
	if fid < 0 {
		return nil, fmt.Errorf("open %s with libhdf5: failed", path)
	}
	s := &hdf5Source{path: path, fid: fid, datasets: map[string]*h5Dataset{}}
	dot, ncp := C.CString("."), C.CString("_NCProperties")
	defer C.free(unsafe.Pointer(dot))
	defer C.free(unsafe.Pointer(ncp))
	s.netCDF = C.H5Aexists_by_name(fid, dot, ncp, C.H5P_DEFAULT) > 0
	var typ C.int
	var root C.ulonglong
	if C.h5_object(fid, dot, &typ, &root) < 0 {
		C.H5Fclose(fid)
		return nil, fmt.Errorf("%s: libhdf5 cannot read the root group", path)
	}
	s.walk("/", 0, map[C.ulonglong]bool{root: true})
	return s, nil
}

// walk lists the members of the group at name, recursing into subgroups.
// An object libhdf5 cannot read, or a group it cannot open or list, is
// listed as unreadable (Variable.Unreadable) and the walk goes on: one
// damaged object costs that object's check, not the file's.
func (s *hdf5Source) walk(name string, depth int, seen map[C.ulonglong]bool) {
	if depth > maxGroupDepth {
		s.unreadable(name, fmt.Errorf("group %s: nested deeper than %d", name, maxGroupDepth))
		return
	}
	cname := C.CString(name)
	gid := C.H5Gopen2(s.fid, cname, C.H5P_DEFAULT)
	C.free(unsafe.Pointer(cname))
	if gid < 0 {
		s.unreadable(name, fmt.Errorf("group %s: libhdf5 cannot open it", name))
		return
	}
	defer C.H5Gclose(gid)
	members, err := linkNames(gid, name)
	if err != nil {
		s.unreadable(name, err)
		return
	}
	for _, m := range members {
		cm := C.CString(m)
		hard := C.h5_is_hard_link(gid, cm)
		var typ C.int
		var key C.ulonglong
		found := hard == 1 && C.h5_object(gid, cm, &typ, &key) == 0
		C.free(unsafe.Pointer(cm))
		p := path.Join(name, m)
		switch {
		case hard == 0: // soft, external or user-defined: not followed
			continue
		case !found:
			s.unreadable(p, fmt.Errorf("%s: libhdf5 cannot read the object", p))
			continue
		case seen[key]:
			continue
		}
		seen[key] = true
		switch typ {
		case C.H5O_TYPE_GROUP:
			s.walk(p, depth+1, seen)
		case C.H5O_TYPE_DATASET:
			d, err := s.describeDataset(p)
			if err != nil {
				s.unreadable(p, err)
				continue
			}
			s.datasets[d.v.Path] = d
			s.list = append(s.list, d.v)
		}
	}
}

// unreadable lists the object at the HDF5 path name as one libhdf5
// cannot read.
func (s *hdf5Source) unreadable(name string, err error) {
	s.list = append(s.list, Variable{Path: strings.TrimPrefix(name, "/"), Unreadable: err})
}

// linkNames lists the link names of an open group in byte order.
func linkNames(gid C.hid_t, name string) ([]string, error) {
	var info C.H5G_info_t
	if C.H5Gget_info(gid, &info) < 0 {
		return nil, fmt.Errorf("group %s: libhdf5 cannot list it", name)
	}
	dot := C.CString(".")
	defer C.free(unsafe.Pointer(dot))
	var names []string
	for i := range C.hsize_t(info.nlinks) {
		n := C.H5Lget_name_by_idx(gid, dot, C.H5_INDEX_NAME, C.H5_ITER_INC, i, nil, 0, C.H5P_DEFAULT)
		if n < 0 {
			return nil, fmt.Errorf("group %s: libhdf5 cannot read link %d", name, i)
		}
		buf := make([]byte, n+1)
		C.H5Lget_name_by_idx(gid, dot, C.H5_INDEX_NAME, C.H5_ITER_INC, i, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(n+1), C.H5P_DEFAULT)
		names = append(names, string(buf[:n]))
	}
	slices.Sort(names)
	return names, nil
}

// describeDataset reads the shape and type of the dataset at name.
func (s *hdf5Source) describeDataset(name string) (*h5Dataset, error) {
	d := &h5Dataset{name: name, v: Variable{Path: name[1:]}}
	did, err := s.openDataset(name)
	if err != nil {
		return nil, err
	}
	defer C.H5Dclose(did)
	space := C.H5Dget_space(did)
	if space < 0 {
		return nil, fmt.Errorf("dataset %s: libhdf5 cannot read its dataspace", name)
	}
	defer C.H5Sclose(space)
	ftype := C.H5Dget_type(did)
	if ftype < 0 {
		return nil, fmt.Errorf("dataset %s: libhdf5 cannot read its datatype", name)
	}
	defer C.H5Tclose(ftype)
	d.dimScale = C.h5_is_dimension_scale(did) == 1
	var arrayDims []int64
	d.v.Type, d.bigEndian, arrayDims = describeType(ftype, 0)
	switch C.H5Sget_simple_extent_type(space) {
	case C.H5S_SCALAR:
		d.v.Shape = []int64{}
	case C.H5S_SIMPLE:
		rank := C.H5Sget_simple_extent_ndims(space)
		if rank < 0 || rank > C.H5S_MAX_RANK {
			return nil, fmt.Errorf("dataset %s: libhdf5 gives rank %d", name, rank)
		}
		dims := make([]C.hsize_t, rank+1) // +1: never a pointer to an empty slice
		if C.H5Sget_simple_extent_dims(space, &dims[0], nil) < 0 {
			return nil, fmt.Errorf("dataset %s: libhdf5 cannot read its dimensions", name)
		}
		for _, n := range dims[:rank] {
			d.v.Shape = append(d.v.Shape, int64(n))
		}
	default: // H5S_NULL: no elements, not even one
		d.v.Shape = []int64{}
		d.v.Type = ElemType{Name: d.v.Type.Name + " with a null dataspace"}
	}
	d.spaceRank = len(d.v.Shape)
	d.v.Shape = append(d.v.Shape, arrayDims...)
	if d.v.FillValue, err = readFillValueAttr(did); err != nil {
		return nil, fmt.Errorf("dataset %s: %w", name, err)
	}
	return d, nil
}

// readFillValueAttr reads the _FillValue attribute of an open dataset, nil
// when it has none: numbers in host byte order, fixed-length strings and
// opaque values as stored, variable-length strings as strings. It is the
// attribute, not the dataset's HDF5 fill value property: the attribute is
// what xarray's h5netcdf engine masks.
func readFillValueAttr(did C.hid_t) (*Attribute, error) {
	cname := C.CString("_FillValue")
	defer C.free(unsafe.Pointer(cname))
	if C.H5Aexists(did, cname) <= 0 {
		return nil, nil
	}
	aid := C.H5Aopen(did, cname, C.H5P_DEFAULT)
	if aid < 0 {
		return nil, fmt.Errorf("libhdf5 cannot open attribute _FillValue")
	}
	defer C.H5Aclose(aid)
	ftype := C.H5Aget_type(aid)
	if ftype < 0 {
		return nil, fmt.Errorf("attribute _FillValue: libhdf5 cannot read its datatype")
	}
	defer C.H5Tclose(ftype)
	space := C.H5Aget_space(aid)
	if space < 0 {
		return nil, fmt.Errorf("attribute _FillValue: libhdf5 cannot read its dataspace")
	}
	defer C.H5Sclose(space)
	t, bigEndian, dims := describeType(ftype, 0)
	a := &Attribute{Type: t}
	n := int64(C.H5Sget_simple_extent_npoints(space))
	for _, d := range dims {
		n *= d
	}
	if n <= 0 || !t.Supported() || (t.Kind == 'T' && t.Name == objectRefName) || len(dims) > 0 {
		if len(dims) > 0 || t.Name == objectRefName {
			a.Type = ElemType{Name: t.Name + " array"}
		}
		return a, nil
	}
	if t.Kind == 'T' {
		mem := C.h5_vlen_string_memtype(ftype)
		if mem < 0 {
			return nil, fmt.Errorf("attribute _FillValue: libhdf5 cannot make a string memory type")
		}
		defer C.H5Tclose(mem)
		ptrs := make([]*C.char, n)
		if C.H5Aread(aid, mem, unsafe.Pointer(&ptrs[0])) < 0 {
			return nil, fmt.Errorf("attribute _FillValue: libhdf5 cannot read it")
		}
		for _, p := range ptrs {
			a.Strings = append(a.Strings, C.GoString(p))
		}
		if C.h5_reclaim(mem, space, unsafe.Pointer(&ptrs[0])) < 0 {
			return nil, fmt.Errorf("attribute _FillValue: libhdf5 cannot free the strings it read")
		}
		return a, nil
	}
	mtype := C.h5_read_type(ftype)
	if mtype < 0 {
		return nil, fmt.Errorf("attribute _FillValue: libhdf5 cannot copy its datatype")
	}
	defer C.H5Tclose(mtype)
	a.Bytes = make([]byte, n*int64(t.Size))
	if C.H5Aread(aid, mtype, unsafe.Pointer(&a.Bytes[0])) < 0 {
		return nil, fmt.Errorf("attribute _FillValue: libhdf5 cannot read it")
	}
	if t.Size > 1 && bigEndian != hostBigEndian && (t.Kind == 'i' || t.Kind == 'u' || t.Kind == 'f') {
		for e := 0; e+t.Size <= len(a.Bytes); e += t.Size {
			slices.Reverse(a.Bytes[e : e+t.Size])
		}
	}
	return a, nil
}

// openDataset opens a dataset with its external data files (if any)
// resolved against the HDF5 file's directory, as the scanner resolves them
// ("${ORIGIN}"), not against the current directory, libhdf5's default
// unless HDF5_EXTFILE_PREFIX was set before the library started.
func (s *hdf5Source) openDataset(name string) (C.hid_t, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	dapl := C.H5Pcreate(C.H5P_CLS_DATASET_ACCESS_ID_g)
	if dapl < 0 {
		return 0, fmt.Errorf("dataset %s: libhdf5 cannot create an access property list", name)
	}
	defer C.H5Pclose(dapl)
	origin := C.CString("${ORIGIN}")
	defer C.free(unsafe.Pointer(origin))
	if C.H5Pset_efile_prefix(dapl, origin) < 0 {
		return 0, fmt.Errorf("dataset %s: libhdf5 cannot set the external file prefix", name)
	}
	did := C.H5Dopen2(s.fid, cname, dapl)
	if did < 0 {
		// libhdf5 refuses a second open with another prefix while the
		// dataset is open (libnetcdf holds every dataset of a netCDF-4
		// file open): such datasets have no external files anyway.
		did = C.H5Dopen2(s.fid, cname, C.H5P_DEFAULT)
	}
	if did < 0 {
		return 0, fmt.Errorf("dataset %s: libhdf5 cannot open it", name)
	}
	return did, nil
}

// describeType maps an HDF5 datatype onto the Zarr dtype vocabulary. It
// also returns the byte order of a number and, for an array type, the
// array's dimensions, the type then being the array's base type.
func describeType(tid C.hid_t, depth int) (t ElemType, bigEndian bool, dims []int64) {
	if depth > maxTypeDepth {
		return ElemType{Name: fmt.Sprintf("datatype nested deeper than %d", maxTypeDepth)}, false, nil
	}
	size := int(C.H5Tget_size(tid))
	class := C.H5Tget_class(tid)
	switch class {
	case C.H5T_INTEGER, C.H5T_FLOAT, C.H5T_BITFIELD:
		bigEndian = C.H5Tget_order(tid) == C.H5T_ORDER_BE
		switch {
		case class == C.H5T_FLOAT:
			t = ElemType{Kind: 'f', Size: size, Name: fmt.Sprintf("float%d", 8*size)}
		case class == C.H5T_BITFIELD:
			t = ElemType{Kind: 'u', Size: size, Name: fmt.Sprintf("bitfield%d", 8*size)}
		case C.H5Tget_sign(tid) == C.H5T_SGN_NONE:
			t = ElemType{Kind: 'u', Size: size, Name: fmt.Sprintf("uint%d", 8*size)}
		default:
			t = ElemType{Kind: 'i', Size: size, Name: fmt.Sprintf("int%d", 8*size)}
		}
		if bigEndian && size > 1 {
			t.Name += " big-endian"
		}
		return t, bigEndian, nil
	case C.H5T_STRING:
		if C.H5Tis_variable_str(tid) > 0 {
			return ElemType{Kind: 'T', Name: "vlen string"}, false, nil
		}
		pad := map[C.H5T_str_t]StrPad{C.H5T_STR_NULLTERM: PadNullTerm, C.H5T_STR_NULLPAD: PadNullPad, C.H5T_STR_SPACEPAD: PadSpacePad}[C.H5Tget_strpad(tid)]
		if pad == PadNone {
			return ElemType{Name: fmt.Sprintf("string(%d) with padding %d", size, int(C.H5Tget_strpad(tid)))}, false, nil
		}
		return ElemType{Kind: 'S', Size: size, Name: fmt.Sprintf("string(%d)", size), Pad: pad}, false, nil
	case C.H5T_OPAQUE:
		return ElemType{Kind: 'V', Size: size, Name: fmt.Sprintf("opaque(%d)", size)}, false, nil
	case C.H5T_COMPOUND:
		return describeCompound(tid, size, depth), false, nil
	case C.H5T_ENUM:
		base := C.H5Tget_super(tid)
		if base < 0 {
			return ElemType{Name: "enum"}, false, nil
		}
		t, bigEndian, _ = describeType(base, depth+1)
		C.H5Tclose(base)
		if isBoolEnum(tid, size) {
			return ElemType{Kind: 'b', Size: 1, Name: "bool enum"}, false, nil
		}
		t.Name = "enum of " + t.Name
		return t, bigEndian, nil
	case C.H5T_ARRAY:
		rank := C.H5Tget_array_ndims(tid)
		if rank <= 0 || rank > C.H5S_MAX_RANK {
			return ElemType{Name: "array"}, false, nil
		}
		adims := make([]C.hsize_t, rank)
		base := C.H5Tget_super(tid)
		if base < 0 || C.H5Tget_array_dims2(tid, &adims[0]) < 0 {
			return ElemType{Name: "array"}, false, nil
		}
		t, bigEndian, dims = describeType(base, depth+1)
		C.H5Tclose(base)
		out := make([]int64, 0, int(rank)+len(dims))
		for _, n := range adims {
			out = append(out, int64(n))
		}
		return t, bigEndian, append(out, dims...)
	case C.H5T_VLEN:
		return ElemType{Name: "vlen sequence"}, false, nil
	case C.H5T_REFERENCE:
		if C.h5_is_object_ref(tid) == 1 {
			return ElemType{Kind: 'T', Name: objectRefName}, false, nil
		}
		return ElemType{Name: "reference"}, false, nil
	case C.H5T_TIME:
		return ElemType{Name: "time"}, false, nil
	}
	return ElemType{Name: fmt.Sprintf("datatype class %d", int(class))}, false, nil
}

// describeCompound describes a compound's members; a member the check
// cannot compare byte for byte (a variable-length string, a vlen sequence)
// makes the whole compound unsupported.
func describeCompound(tid C.hid_t, size, depth int) ElemType {
	n := int(C.H5Tget_nmembers(tid))
	t := ElemType{Kind: 'V', Size: size, Name: "compound"}
	for i := range n {
		cname := C.H5Tget_member_name(tid, C.uint(i))
		if cname == nil {
			return ElemType{Name: "compound"}
		}
		f := Field{Name: C.GoString(cname), Offset: int(C.H5Tget_member_offset(tid, C.uint(i)))}
		C.H5free_memory(unsafe.Pointer(cname))
		mt := C.H5Tget_member_type(tid, C.uint(i))
		if mt < 0 {
			return ElemType{Name: "compound"}
		}
		f.Type, f.BigEndian, f.Shape = describeType(mt, depth+1)
		C.H5Tclose(mt)
		if !f.Type.Supported() || f.Type.Kind == 'T' {
			return ElemType{Name: fmt.Sprintf("compound with a %s member %q", f.Type.Name, f.Name)}
		}
		t.Fields = append(t.Fields, f)
	}
	return t
}

// isBoolEnum recognises h5py's numpy bool: a one-byte enum {FALSE = 0,
// TRUE = 1}.
func isBoolEnum(tid C.hid_t, size int) bool {
	if size != 1 || C.H5Tget_nmembers(tid) != 2 {
		return false
	}
	want := map[string]byte{"FALSE": 0, "TRUE": 1}
	for i := range 2 {
		cname := C.H5Tget_member_name(tid, C.uint(i))
		if cname == nil {
			return false
		}
		name := C.GoString(cname)
		C.H5free_memory(unsafe.Pointer(cname))
		var v C.uchar
		if C.H5Tget_member_value(tid, C.uint(i), unsafe.Pointer(&v)) < 0 {
			return false
		}
		if w, ok := want[name]; !ok || byte(v) != w {
			return false
		}
	}
	return true
}

func (s *hdf5Source) netCDF4() bool { return s.netCDF }

func (s *hdf5Source) dataset(path string) (v Variable, dimensionScale, ok bool) {
	d, ok := s.datasets[path]
	if !ok {
		return Variable{}, false, false
	}
	return d.v, d.dimScale, true
}

// Variables lists the datasets in the order the walk met them.
func (s *hdf5Source) Variables(ctx context.Context) ([]Variable, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return slices.Clone(s.list), nil
}

// lookup returns the dataset at path, failing after Close. The caller
// holds libLock.
func (s *hdf5Source) lookup(path string) (*h5Dataset, error) {
	if s.closed {
		return nil, fmt.Errorf("%s: read after close", s.path)
	}
	d, ok := s.datasets[path]
	if !ok {
		return nil, fmt.Errorf("%s: no dataset /%s", s.path, path)
	}
	return d, nil
}

// Read reads a whole dataset with H5Dread, the memory type being the file
// type itself, so libhdf5 converts nothing (except integers with fewer
// value bits than their size, widened as the scanner widens them; see
// h5_read_type); numbers are then put in host byte order.
func (s *hdf5Source) Read(ctx context.Context, path string, start, count []int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var (
		buf []byte
		d   *h5Dataset
		err error
	)
	withLibs(func() { buf, d, err = s.read(path, start, count) })
	if err != nil {
		return nil, err
	}
	if t := d.v.Type; t.Size > 1 && d.bigEndian != hostBigEndian && (t.Kind == 'i' || t.Kind == 'u' || t.Kind == 'f') {
		for e := 0; e+t.Size <= len(buf); e += t.Size {
			slices.Reverse(buf[e : e+t.Size])
		}
	}
	return buf, nil
}

// read reads a region with a hyperslab selection (the whole dataset with
// H5S_ALL).
func (s *hdf5Source) read(path string, start, count []int64) ([]byte, *h5Dataset, error) {
	d, err := s.lookup(path)
	if err != nil {
		return nil, nil, err
	}
	t := d.v.Type
	if !t.Supported() || t.Kind == 'T' {
		return nil, nil, fmt.Errorf("%s: dataset %s of type %s: %w", s.path, d.name, t.Name, ErrUnsupported)
	}
	r, n, err := regionOf(d.v.Shape, start, count, t.Size)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: dataset %s: %w", s.path, d.name, err)
	}
	buf := make([]byte, n*int64(t.Size))
	if n == 0 {
		return buf, d, nil
	}
	did, err := s.openDataset(d.name)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", s.path, err)
	}
	defer C.H5Dclose(did)
	ftype := C.H5Dget_type(did)
	if ftype < 0 {
		return nil, nil, fmt.Errorf("%s: dataset %s: libhdf5 cannot read its datatype", s.path, d.name)
	}
	defer C.H5Tclose(ftype)
	mtype := C.h5_read_type(ftype)
	if mtype < 0 {
		return nil, nil, fmt.Errorf("%s: dataset %s: libhdf5 cannot copy its datatype", s.path, d.name)
	}
	defer C.H5Tclose(mtype)
	// A hyperslab selects along the dataspace's dimensions only: a
	// region that cuts an array datatype's is read whole and cut here.
	slab := !r.whole(d.v.Shape) && d.spaceRank > 0
	for k := d.spaceRank; slab && k < len(d.v.Shape); k++ {
		slab = r.Start[k] == 0 && r.Count[k] == d.v.Shape[k]
	}
	var status C.herr_t
	if slab {
		hstart, hcount := make([]C.hsize_t, d.spaceRank), make([]C.hsize_t, d.spaceRank)
		for k := range hstart {
			hstart[k], hcount[k] = C.hsize_t(r.Start[k]), C.hsize_t(r.Count[k])
		}
		status = C.h5_read_region(did, mtype, C.int(d.spaceRank), &hstart[0], &hcount[0], unsafe.Pointer(&buf[0]))
	} else {
		if !r.whole(d.v.Shape) {
			all, err := elementCount(d.v.Shape, t.Size)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: dataset %s: %w", s.path, d.name, err)
			}
			buf = make([]byte, all*int64(t.Size))
		}
		status = C.H5Dread(did, mtype, C.H5S_ALL, C.H5S_ALL, C.H5P_DEFAULT, unsafe.Pointer(&buf[0]))
		if status >= 0 {
			buf = extractRegion(buf, d.v.Shape, r, t.Size)
		}
	}
	if status < 0 {
		if id := C.h5_missing_filter(did); id >= 0 {
			// Not our failure: there is no reference to compare with.
			return nil, nil, fmt.Errorf("%s: dataset %s: libhdf5 has no plugin for filter %d: %w", s.path, d.name, int(id), ErrNotCompared)
		}
		return nil, nil, fmt.Errorf("%s: dataset %s: libhdf5 cannot read it", s.path, d.name)
	}
	return buf, d, nil
}

// ReadStrings reads a dataset of variable-length strings as C strings,
// which libhdf5 allocates and h5_reclaim frees. Never-written elements
// read as "".
func (s *hdf5Source) ReadStrings(ctx context.Context, path string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var (
		out []string
		err error
	)
	withLibs(func() { out, err = s.readStrings(path) })
	return out, err
}

func (s *hdf5Source) readStrings(path string) ([]string, error) {
	d, err := s.lookup(path)
	if err != nil {
		return nil, err
	}
	if d.v.Type.Kind != 'T' {
		return nil, fmt.Errorf("%s: dataset %s of type %s does not hold variable-length strings", s.path, d.name, d.v.Type.Name)
	}
	if d.v.Type.Name == objectRefName {
		return s.readObjectRefs(d)
	}
	ptrSize := int(unsafe.Sizeof((*C.char)(nil)))
	n, err := elementCount(d.v.Shape, ptrSize)
	if err != nil {
		return nil, fmt.Errorf("%s: dataset %s: %w", s.path, d.name, err)
	}
	if n == 0 {
		return []string{}, nil
	}
	did, err := s.openDataset(d.name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.path, err)
	}
	defer C.H5Dclose(did)
	ftype := C.H5Dget_type(did)
	if ftype < 0 {
		return nil, fmt.Errorf("%s: dataset %s: libhdf5 cannot read its datatype", s.path, d.name)
	}
	defer C.H5Tclose(ftype)
	mem := C.h5_vlen_string_memtype(ftype)
	if mem < 0 {
		return nil, fmt.Errorf("%s: dataset %s: libhdf5 cannot make a string memory type", s.path, d.name)
	}
	defer C.H5Tclose(mem)
	space := C.H5Dget_space(did)
	if space < 0 {
		return nil, fmt.Errorf("%s: dataset %s: libhdf5 cannot read its dataspace", s.path, d.name)
	}
	defer C.H5Sclose(space)
	ptrs := (**C.char)(C.calloc(C.size_t(n), C.size_t(ptrSize)))
	if ptrs == nil {
		return nil, fmt.Errorf("%s: dataset %s: cannot allocate %d string pointers", s.path, d.name, n)
	}
	defer C.free(unsafe.Pointer(ptrs))
	if C.H5Dread(did, mem, C.H5S_ALL, C.H5S_ALL, C.H5P_DEFAULT, unsafe.Pointer(ptrs)) < 0 {
		return nil, fmt.Errorf("%s: dataset %s: libhdf5 cannot read it", s.path, d.name)
	}
	out := make([]string, n)
	for i, p := range unsafe.Slice(ptrs, n) {
		if p != nil {
			out[i] = C.GoString(p)
		}
	}
	if C.h5_reclaim(mem, space, unsafe.Pointer(ptrs)) < 0 {
		return nil, fmt.Errorf("%s: dataset %s: libhdf5 cannot free the strings it read", s.path, d.name)
	}
	return out, nil
}

// objectRefName names the type of object reference datasets, which are
// compared as strings: the paths libhdf5 gives their targets.
const objectRefName = "object reference"

// readObjectRefs reads a dataset of object references as the paths of the
// objects they point to ("" for a null reference).
func (s *hdf5Source) readObjectRefs(d *h5Dataset) ([]string, error) {
	n, err := elementCount(d.v.Shape, 8)
	if err != nil || n == 0 {
		return []string{}, err
	}
	did, err := s.openDataset(d.name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.path, err)
	}
	defer C.H5Dclose(did)
	refs := make([]C.hobj_ref_t, n)
	if C.h5_read_object_refs(did, &refs[0]) < 0 {
		return nil, fmt.Errorf("%s: dataset %s: libhdf5 cannot read its references", s.path, d.name)
	}
	out := make([]string, n)
	buf := make([]byte, 4096)
	for i := range refs {
		if refs[i] == 0 {
			continue
		}
		size := C.h5_object_ref_name(did, &refs[i], (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)))
		if size < 0 || int(size) >= len(buf) {
			return nil, fmt.Errorf("%s: dataset %s: libhdf5 cannot name the target of reference %d", s.path, d.name, i)
		}
		out[i] = string(buf[:size])
	}
	return out, nil
}

// Close closes the file; further reads fail.
func (s *hdf5Source) Close() error {
	var err error
	withLibs(func() {
		if s.closed {
			return
		}
		s.closed = true
		if C.H5Fclose(s.fid) < 0 {
			err = fmt.Errorf("close %s: libhdf5 failed", s.path)
		}
	})
	return err
}
