//go:build cgo

package zarrcheck

/*
#cgo LDFLAGS: -lnetcdf
#include <stdlib.h>
#include <netcdf.h>
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"unsafe"
)

// netcdfSource reads variables through libnetcdf. The handful of calls the
// check needs (groups included) are bound here directly rather than through
// github.com/fhs/go-netcdf, which the module proxy does not serve.
type netcdfSource struct {
	path string
	ncid C.int
	vars map[string]*ncVar
	list []Variable
}

// ncVar locates a variable: libnetcdf addresses it by (group id, var id).
type ncVar struct {
	grp, id C.int
	v       Variable
}

// OpenNetCDF opens a netCDF file (classic or netCDF-4, with nested groups)
// through libnetcdf alone and lists its variables. Check's callers want
// Open, which also reads what libnetcdf cannot: libnetcdf 4.9 presents HDF5
// fixed-length string datasets as strings, reads them wrongly and frees
// them twice, so ReadStrings must not be called for such variables.
func OpenNetCDF(path string) (Source, error) {
	var (
		s   *netcdfSource
		err error
	)
	withLibs(func() { s, err = openNetCDFLocked(path) })
	if err != nil {
		return nil, err
	}
	return s, nil
}

func openNetCDFLocked(path string) (*netcdfSource, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	s := &netcdfSource{path: path, vars: map[string]*ncVar{}}
	if err := ncErr(C.nc_open(cpath, C.NC_NOWRITE, &s.ncid)); err != nil {
		return nil, fmt.Errorf("open %s with libnetcdf: %w", path, err)
	}
	if err := s.walk(s.ncid, "/", 0); err != nil {
		C.nc_close(s.ncid)
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sort.Slice(s.list, func(i, j int) bool { return s.list[i].Path < s.list[j].Path })
	return s, nil
}

// maxGroupDepth bounds the group walk; libnetcdf itself rejects cycles, this
// only guards against a library that does not.
const maxGroupDepth = 256

// walk records the variables of group grp (whose full name is prefix, "/"
// for the root) and recurses into its subgroups.
func (s *netcdfSource) walk(grp C.int, prefix string, depth int) error {
	if depth > maxGroupDepth {
		return fmt.Errorf("group %s: nested deeper than %d", prefix, maxGroupDepth)
	}
	var nvars C.int
	if err := ncErr(C.nc_inq_varids(grp, &nvars, nil)); err != nil {
		return fmt.Errorf("group %s: list variables: %w", prefix, err)
	}
	if nvars > 0 {
		ids := make([]C.int, nvars)
		if err := ncErr(C.nc_inq_varids(grp, &nvars, &ids[0])); err != nil {
			return fmt.Errorf("group %s: list variables: %w", prefix, err)
		}
		for _, id := range ids {
			v, err := inqVar(grp, id, prefix)
			if err != nil {
				return err
			}
			s.vars[v.Path] = &ncVar{grp: grp, id: id, v: v}
			s.list = append(s.list, v)
		}
	}
	var ngrps C.int
	if err := ncErr(C.nc_inq_grps(grp, &ngrps, nil)); err != nil {
		return fmt.Errorf("group %s: list subgroups: %w", prefix, err)
	}
	if ngrps == 0 {
		return nil
	}
	grps := make([]C.int, ngrps)
	if err := ncErr(C.nc_inq_grps(grp, &ngrps, &grps[0])); err != nil {
		return fmt.Errorf("group %s: list subgroups: %w", prefix, err)
	}
	for _, g := range grps {
		var name [C.NC_MAX_NAME + 1]C.char
		if err := ncErr(C.nc_inq_grpname(g, &name[0])); err != nil {
			return fmt.Errorf("group %s: subgroup name: %w", prefix, err)
		}
		if err := s.walk(g, prefix+C.GoString(&name[0])+"/", depth+1); err != nil {
			return err
		}
	}
	return nil
}

// inqVar reads the name, shape and type of one variable.
func inqVar(grp, id C.int, prefix string) (Variable, error) {
	var (
		name  [C.NC_MAX_NAME + 1]C.char
		xtype C.nc_type
		ndims C.int
	)
	if err := ncErr(C.nc_inq_varndims(grp, id, &ndims)); err != nil {
		return Variable{}, fmt.Errorf("group %s: variable %d: %w", prefix, id, err)
	}
	dimids := make([]C.int, ndims+1) // +1: never pass a pointer to an empty slice
	if err := ncErr(C.nc_inq_var(grp, id, &name[0], &xtype, &ndims, &dimids[0], nil)); err != nil {
		return Variable{}, fmt.Errorf("group %s: variable %d: %w", prefix, id, err)
	}
	path := prefix[1:] + C.GoString(&name[0])
	v := Variable{Path: path, Shape: make([]int64, ndims), Dims: make([]string, ndims)}
	for d := range v.Shape {
		var (
			n       C.size_t
			dimName [C.NC_MAX_NAME + 1]C.char
		)
		if err := ncErr(C.nc_inq_dim(grp, dimids[d], &dimName[0], &n)); err != nil {
			return Variable{}, fmt.Errorf("variable /%s: dimension %d: %w", path, d, err)
		}
		v.Shape[d], v.Dims[d] = int64(n), C.GoString(&dimName[0])
	}
	t, err := ncType(grp, xtype)
	if err != nil {
		return Variable{}, fmt.Errorf("variable /%s: %w", path, err)
	}
	v.Type = t
	if v.FillValue, err = fillValueAttr(grp, id); err != nil {
		return Variable{}, fmt.Errorf("variable /%s: %w", path, err)
	}
	return v, nil
}

// ncType maps a netCDF type onto the Zarr dtype vocabulary. Enums read as
// their base integer type, which is what HDF5 stores and Zarr sees.
func ncType(grp C.int, xtype C.nc_type) (ElemType, error) {
	switch xtype {
	case C.NC_BYTE:
		return ElemType{Kind: 'i', Size: 1, Name: "byte"}, nil
	case C.NC_UBYTE:
		return ElemType{Kind: 'u', Size: 1, Name: "ubyte"}, nil
	case C.NC_CHAR:
		return ElemType{Kind: 'S', Size: 1, Name: "char"}, nil
	case C.NC_SHORT:
		return ElemType{Kind: 'i', Size: 2, Name: "short"}, nil
	case C.NC_USHORT:
		return ElemType{Kind: 'u', Size: 2, Name: "ushort"}, nil
	case C.NC_INT:
		return ElemType{Kind: 'i', Size: 4, Name: "int"}, nil
	case C.NC_UINT:
		return ElemType{Kind: 'u', Size: 4, Name: "uint"}, nil
	case C.NC_INT64:
		return ElemType{Kind: 'i', Size: 8, Name: "int64"}, nil
	case C.NC_UINT64:
		return ElemType{Kind: 'u', Size: 8, Name: "uint64"}, nil
	case C.NC_FLOAT:
		return ElemType{Kind: 'f', Size: 4, Name: "float"}, nil
	case C.NC_DOUBLE:
		return ElemType{Kind: 'f', Size: 8, Name: "double"}, nil
	case C.NC_STRING:
		return ElemType{Kind: 'T', Size: 0, Name: "string"}, nil
	}
	var (
		name    [C.NC_MAX_NAME + 1]C.char
		size    C.size_t
		base    C.nc_type
		nfields C.size_t
		class   C.int
	)
	if err := ncErr(C.nc_inq_user_type(grp, xtype, &name[0], &size, &base, &nfields, &class)); err != nil {
		return ElemType{}, fmt.Errorf("type %d: %w", xtype, err)
	}
	if class == C.NC_ENUM {
		t, err := ncType(grp, base)
		if err != nil {
			return ElemType{}, err
		}
		t.Name = "enum " + C.GoString(&name[0])
		return t, nil
	}
	kind := map[C.int]string{C.NC_VLEN: "vlen", C.NC_OPAQUE: "opaque", C.NC_COMPOUND: "compound"}[class]
	return ElemType{Name: kind + " " + C.GoString(&name[0])}, nil
}

// Variables lists the variables sorted by path.
func (s *netcdfSource) Variables(ctx context.Context) ([]Variable, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return append([]Variable(nil), s.list...), nil
}

// variable returns the variable at path, failing after Close. The caller
// holds libLock.
func (s *netcdfSource) variable(path string) (*ncVar, error) {
	if s.vars == nil {
		return nil, fmt.Errorf("%s: read after close", s.path)
	}
	v, ok := s.vars[path]
	if !ok {
		return nil, fmt.Errorf("%s: no variable /%s", s.path, path)
	}
	return v, nil
}

// Read reads a whole variable with nc_get_var, which returns the stored
// values in host byte order and applies no scale_factor/add_offset.
func (s *netcdfSource) Read(ctx context.Context, path string, start, count []int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var (
		buf []byte
		err error
	)
	withLibs(func() { buf, err = s.read(path, start, count) })
	return buf, err
}

// read reads a region with nc_get_vara (the whole variable with
// nc_get_var).
func (s *netcdfSource) read(path string, start, count []int64) ([]byte, error) {
	v, err := s.variable(path)
	if err != nil {
		return nil, err
	}
	if !v.v.Type.Supported() || v.v.Type.Kind == 'T' {
		return nil, fmt.Errorf("%s: variable /%s of type %s: %w", s.path, path, v.v.Type.Name, ErrUnsupported)
	}
	r, n, err := regionOf(v.v.Shape, start, count, v.v.Type.Size)
	if err != nil {
		return nil, fmt.Errorf("%s: variable /%s: %w", s.path, path, err)
	}
	if n == 0 {
		return []byte{}, nil
	}
	buf := make([]byte, n*int64(v.v.Type.Size))
	if r.whole(v.v.Shape) {
		err = ncErr(C.nc_get_var(v.grp, v.id, unsafe.Pointer(&buf[0])))
	} else {
		cstart, ccount := make([]C.size_t, len(r.Start)), make([]C.size_t, len(r.Count))
		for d := range cstart {
			cstart[d], ccount[d] = C.size_t(r.Start[d]), C.size_t(r.Count[d])
		}
		err = ncErr(C.nc_get_vara(v.grp, v.id, &cstart[0], &ccount[0], unsafe.Pointer(&buf[0])))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: read variable /%s: %w", s.path, path, notCompared(err))
	}
	return buf, nil
}

// ReadStrings reads a whole NC_STRING variable with nc_get_var_string,
// which allocates the strings; nc_free_string releases them.
func (s *netcdfSource) ReadStrings(ctx context.Context, path string) ([]string, error) {
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

func (s *netcdfSource) readStrings(path string) ([]string, error) {
	v, err := s.variable(path)
	if err != nil {
		return nil, err
	}
	if v.v.Type.Kind != 'T' {
		return nil, fmt.Errorf("%s: variable /%s of type %s is not a string variable", s.path, path, v.v.Type.Name)
	}
	n, err := elementCount(v.v.Shape, int(unsafe.Sizeof((*C.char)(nil))))
	if err != nil {
		return nil, fmt.Errorf("%s: variable /%s: %w", s.path, path, err)
	}
	if n == 0 {
		return []string{}, nil
	}
	ptrs := (**C.char)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	if ptrs == nil {
		return nil, fmt.Errorf("%s: variable /%s: cannot allocate %d string pointers", s.path, path, n)
	}
	defer C.free(unsafe.Pointer(ptrs))
	if err := ncErr(C.nc_get_var_string(v.grp, v.id, ptrs)); err != nil {
		return nil, fmt.Errorf("%s: read variable /%s: %w", s.path, path, notCompared(err))
	}
	out := make([]string, n)
	for i, p := range unsafe.Slice(ptrs, n) {
		if p != nil {
			out[i] = C.GoString(p)
		}
	}
	if err := ncErr(C.nc_free_string(C.size_t(n), ptrs)); err != nil {
		return nil, fmt.Errorf("%s: free the strings of /%s: %w", s.path, path, err)
	}
	return out, nil
}

// Close closes the file; further reads fail.
func (s *netcdfSource) Close() error {
	var err error
	withLibs(func() {
		if s.vars == nil {
			return
		}
		s.vars = nil
		if cerr := ncErr(C.nc_close(s.ncid)); cerr != nil {
			err = fmt.Errorf("close %s: %w", s.path, cerr)
		}
	})
	return err
}

// ncError is a libnetcdf status code with its message.
type ncError struct {
	code C.int
	msg  string
}

func (e *ncError) Error() string { return fmt.Sprintf("libnetcdf: %s (status %d)", e.msg, int(e.code)) }

// notCompared marks a read that failed because libnetcdf has no plugin for
// one of the variable's filters (NC_ENOFILTER, netCDF-C 4.8 and later):
// not a fault of the references, but nothing to compare them with, so the
// variable is unchecked with libnetcdf's reason.
func notCompared(err error) error {
	var ne *ncError
	if errors.As(err, &ne) && ne.code == C.NC_ENOFILTER {
		return fmt.Errorf("%w (a filter plugin is missing): %w", err, ErrNotCompared)
	}
	return err
}

func ncErr(status C.int) error {
	if status == C.NC_NOERR {
		return nil
	}
	return &ncError{code: status, msg: C.GoString(C.nc_strerror(status))}
}
