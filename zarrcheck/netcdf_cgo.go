//go:build cgo

package zarrcheck

/*
#cgo LDFLAGS: -lnetcdf
#cgo pkg-config: hdf5
#include <stdlib.h>
#include <netcdf.h>
#include <hdf5.h>

// quiet_hdf5 stops libhdf5 from printing its error stack on stderr: netCDF-C
// probes attributes that plain HDF5 files lack, and each probe would print
// a screenful of HDF5-DIAG lines although libnetcdf handles it.
static void quiet_hdf5(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
*/
import "C"

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"
	"unsafe"
)

// libnetcdf is not thread-safe, not even across distinct files, so every
// call into it from this package holds ncLock.
var ncLock sync.Mutex

var quietHDF5 sync.Once

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
// through libnetcdf and lists its variables.
func OpenNetCDF(path string) (Source, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	ncLock.Lock()
	defer ncLock.Unlock()
	s := &netcdfSource{path: path, vars: map[string]*ncVar{}}
	quietHDF5.Do(func() { C.quiet_hdf5() })
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
	v := Variable{Path: path, Shape: make([]int64, ndims)}
	for d := range v.Shape {
		var n C.size_t
		if err := ncErr(C.nc_inq_dimlen(grp, dimids[d], &n)); err != nil {
			return Variable{}, fmt.Errorf("variable /%s: dimension %d: %w", path, d, err)
		}
		v.Shape[d] = int64(n)
	}
	t, err := ncType(grp, xtype)
	if err != nil {
		return Variable{}, fmt.Errorf("variable /%s: %w", path, err)
	}
	v.Type = t
	return v, nil
}

// ncType maps a netCDF type onto the Zarr dtype vocabulary. Enums read as
// their base integer type, which is what HDF5 stores and Zarr sees.
func ncType(grp C.int, xtype C.nc_type) (ElemType, error) {
	switch xtype {
	case C.NC_BYTE:
		return ElemType{'i', 1, "byte"}, nil
	case C.NC_UBYTE:
		return ElemType{'u', 1, "ubyte"}, nil
	case C.NC_CHAR:
		return ElemType{'S', 1, "char"}, nil
	case C.NC_SHORT:
		return ElemType{'i', 2, "short"}, nil
	case C.NC_USHORT:
		return ElemType{'u', 2, "ushort"}, nil
	case C.NC_INT:
		return ElemType{'i', 4, "int"}, nil
	case C.NC_UINT:
		return ElemType{'u', 4, "uint"}, nil
	case C.NC_INT64:
		return ElemType{'i', 8, "int64"}, nil
	case C.NC_UINT64:
		return ElemType{'u', 8, "uint64"}, nil
	case C.NC_FLOAT:
		return ElemType{'f', 4, "float"}, nil
	case C.NC_DOUBLE:
		return ElemType{'f', 8, "double"}, nil
	case C.NC_STRING:
		return ElemType{'T', 0, "string"}, nil
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

// Read reads a whole variable with nc_get_var, which returns the stored
// values in host byte order and applies no scale_factor/add_offset.
func (s *netcdfSource) Read(ctx context.Context, path string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ncLock.Lock()
	defer ncLock.Unlock()
	if s.vars == nil {
		return nil, fmt.Errorf("%s: read after close", s.path)
	}
	v, ok := s.vars[path]
	if !ok {
		return nil, fmt.Errorf("%s: no variable /%s", s.path, path)
	}
	if !v.v.Type.Supported() || v.v.Type.Kind == 'T' {
		return nil, fmt.Errorf("%s: variable /%s of type %s: %w", s.path, path, v.v.Type.Name, ErrUnsupported)
	}
	n := int64(v.v.Type.Size)
	for _, d := range v.v.Shape {
		if d != 0 && n > math.MaxInt/2/d {
			return nil, fmt.Errorf("%s: variable /%s: shape %v too large to read whole", s.path, path, v.v.Shape)
		}
		n *= d
	}
	if n == 0 {
		return []byte{}, nil
	}
	buf := make([]byte, n)
	if err := ncErr(C.nc_get_var(v.grp, v.id, unsafe.Pointer(&buf[0]))); err != nil {
		return nil, fmt.Errorf("%s: read variable /%s: %w", s.path, path, err)
	}
	return buf, nil
}

// Close closes the file; further reads fail.
func (s *netcdfSource) Close() error {
	ncLock.Lock()
	defer ncLock.Unlock()
	if s.vars == nil {
		return nil
	}
	s.vars = nil
	if err := ncErr(C.nc_close(s.ncid)); err != nil {
		return fmt.Errorf("close %s: %w", s.path, err)
	}
	return nil
}

// ncError is a libnetcdf status code with its message.
type ncError struct {
	code C.int
	msg  string
}

func (e *ncError) Error() string { return fmt.Sprintf("libnetcdf: %s (status %d)", e.msg, int(e.code)) }

func ncErr(status C.int) error {
	if status == C.NC_NOERR {
		return nil
	}
	return &ncError{code: status, msg: C.GoString(C.nc_strerror(status))}
}
