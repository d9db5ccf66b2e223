//go:build cgo

package zarrcheck

/*
#include <stdlib.h>
#include <netcdf.h>
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// TextAttr reads a text attribute (NC_CHAR, or a single NC_STRING) of the
// variable at path, as libnetcdf gives it. Concat reads the CF units and
// calendar of time coordinates with it.
func (s *netcdfSource) TextAttr(path, name string) (string, bool, error) {
	var (
		v   string
		ok  bool
		err error
	)
	withLibs(func() { v, ok, err = s.textAttr(path, name) })
	return v, ok, err
}

func (s *netcdfSource) textAttr(path, name string) (string, bool, error) {
	nv, err := s.variable(path)
	if err != nil {
		return "", false, err
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var xtype C.nc_type
	var n C.size_t
	if C.nc_inq_att(nv.grp, nv.id, cname, &xtype, &n) != C.NC_NOERR {
		return "", false, nil
	}
	switch {
	case xtype == C.NC_CHAR:
		if n == 0 {
			return "", true, nil
		}
		buf := make([]byte, n)
		if err := ncErr(C.nc_get_att_text(nv.grp, nv.id, cname, (*C.char)(unsafe.Pointer(&buf[0])))); err != nil {
			return "", false, fmt.Errorf("%s: attribute %s of /%s: %w", s.path, name, path, err)
		}
		for len(buf) > 0 && buf[len(buf)-1] == 0 {
			buf = buf[:len(buf)-1]
		}
		return string(buf), true, nil
	case xtype == C.NC_STRING && n == 1:
		var p *C.char
		if err := ncErr(C.nc_get_att_string(nv.grp, nv.id, cname, &p)); err != nil {
			return "", false, fmt.Errorf("%s: attribute %s of /%s: %w", s.path, name, path, err)
		}
		v := C.GoString(p)
		C.nc_free_string(1, &p)
		return v, true, nil
	}
	return "", false, nil
}

// fillValueAttr reads the _FillValue attribute of a variable, nil when it
// has none. Numbers come in host byte order (nc_get_att converts nothing
// else); types the check cannot read (compound, opaque, vlen) give an
// Attribute of Kind 0.
func fillValueAttr(grp, id C.int) (*Attribute, error) {
	cname := C.CString("_FillValue")
	defer C.free(unsafe.Pointer(cname))
	var xtype C.nc_type
	var n C.size_t
	if C.nc_inq_att(grp, id, cname, &xtype, &n) != C.NC_NOERR {
		return nil, nil
	}
	t, err := ncType(grp, xtype)
	if err != nil {
		return nil, fmt.Errorf("attribute _FillValue: %w", err)
	}
	a := &Attribute{Type: t}
	switch {
	case n == 0 || !t.Supported():
	case t.Kind == 'T':
		ptrs := make([]*C.char, n)
		if err := ncErr(C.nc_get_att_string(grp, id, cname, &ptrs[0])); err != nil {
			return nil, fmt.Errorf("attribute _FillValue: %w", err)
		}
		for _, p := range ptrs {
			a.Strings = append(a.Strings, C.GoString(p))
		}
		C.nc_free_string(n, &ptrs[0])
	default:
		a.Bytes = make([]byte, int(n)*t.Size)
		if err := ncErr(C.nc_get_att(grp, id, cname, unsafe.Pointer(&a.Bytes[0]))); err != nil {
			return nil, fmt.Errorf("attribute _FillValue: %w", err)
		}
	}
	return a, nil
}
