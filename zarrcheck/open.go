package zarrcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
)

// hdf5File is the libhdf5 source as Open uses it.
type hdf5File interface {
	Source
	// netCDF4 reports whether the root group has the _NCProperties
	// attribute that netCDF-C writes into every netCDF-4 file.
	netCDF4() bool
	// dataset describes the dataset at path (no leading slash) and says
	// whether it is a dimension scale.
	dataset(path string) (v Variable, dimensionScale, ok bool)
}

// hdf5Signature starts an HDF5 superblock, found at byte 0 or, after a
// user block, at 512, 1024, 2048, ... (HDF5 spec, Format Signature).
var hdf5Signature = []byte("\x89HDF\r\n\x1a\n")

// isHDF5 reports whether the file at path has an HDF5 superblock.
func isHDF5(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	sig := make([]byte, len(hdf5Signature))
	for off := int64(0); off+int64(len(sig)) <= st.Size(); off = max(512, 2*off) {
		if _, err := f.ReadAt(sig, off); err != nil && err != io.EOF {
			return false, fmt.Errorf("%s: %w", path, err)
		}
		if bytes.Equal(sig, hdf5Signature) {
			return true, nil
		}
	}
	return false, nil
}

// Open opens the file a reference set was made from with the readers that
// fit it, and chooses one per variable (see the package comment): a file
// that is not HDF5 (netCDF classic) is read with libnetcdf; an HDF5 file
// without the netCDF-4 _NCProperties root attribute is read with libhdf5
// alone, every dataset a variable; a netCDF-4 file lists libnetcdf's
// variables and reads them with libnetcdf, except those libnetcdf cannot
// read or misreads, which libhdf5 reads from their dataset, and adds the
// datasets libnetcdf does not list (other than dimension scales).
func Open(path string) (Source, error) {
	h5, err := isHDF5(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if !h5 {
		return OpenNetCDF(path)
	}
	hf, err := openHDF5File(path)
	if err != nil {
		return nil, err
	}
	if !hf.netCDF4() {
		return hf, nil
	}
	nc, err := OpenNetCDF(path)
	if err != nil {
		return nil, errors.Join(err, hf.Close())
	}
	s, err := newNetCDF4Source(nc, hf)
	if err != nil {
		return nil, errors.Join(err, nc.Close(), hf.Close())
	}
	return s, nil
}

// nonCoordPrefix is what netCDF-C prepends to the HDF5 name of a variable
// that has a dimension's name without being its coordinate variable.
const nonCoordPrefix = "_nc4_non_coord_"

// netCDF4Source reads a netCDF-4 file: libnetcdf's variables, each read by
// libnetcdf or, when routed, by libhdf5 from its dataset.
type netCDF4Source struct {
	nc   Source
	h5   hdf5File
	vars []Variable
	// routed maps a variable read through libhdf5 to its dataset's path;
	// extentErr says why one whose HDF5 extent differs from its netCDF
	// shape cannot be compared.
	routed    map[string]string
	extentErr map[string]error
}

// newNetCDF4Source routes to libhdf5 the variables whose type libnetcdf
// cannot read (compound, opaque, vlen), those it presents as strings
// although HDF5 holds fixed-length strings (libnetcdf 4.9 reads those
// wrongly and frees them twice), and h5py booleans (an enum, which
// libnetcdf would read as its base integer if it listed it). Their shape is the HDF5 one (array types add
// dimensions); an HDF5 extent shorter than the netCDF dimensions (another
// variable extended an unlimited one) leaves values libhdf5 cannot give,
// and the variable is not compared.
func newNetCDF4Source(nc Source, h5 hdf5File) (*netCDF4Source, error) {
	ctx := context.Background()
	vars, err := nc.Variables(ctx)
	if err != nil {
		return nil, err
	}
	datasets, err := h5.Variables(ctx)
	if err != nil {
		return nil, err
	}
	s := &netCDF4Source{nc: nc, h5: h5, routed: map[string]string{}, extentErr: map[string]error{}}
	listed := map[string]bool{} // datasets that are libnetcdf variables
	for _, v := range vars {
		d, _, ok := h5.dataset(v.Path)
		if !ok {
			d, _, ok = h5.dataset(path.Join(path.Dir(v.Path), nonCoordPrefix+path.Base(v.Path)))
		}
		if ok {
			listed[d.Path] = true
		}
		route := ok && (!v.Type.Supported() ||
			(v.Type.Kind == 'T' && d.Type.Kind != 'T') ||
			d.Type.Kind == 'b')
		if route {
			s.routed[v.Path] = d.Path
			if len(d.Shape) < len(v.Shape) || !slices.Equal(d.Shape[:len(v.Shape)], v.Shape) {
				s.extentErr[v.Path] = fmt.Errorf("the HDF5 dataset /%s has extent %v, the netCDF variable shape %v: %w", d.Path, d.Shape, v.Shape, ErrNotCompared)
			} else {
				v.Shape = d.Shape
			}
			// The attribute too is read with libhdf5, in the type it
			// was written in, which libnetcdf may not read either.
			v.Type, v.FillValue = d.Type, d.FillValue
		}
		s.vars = append(s.vars, v)
	}
	// libnetcdf leaves out datasets whose type it does not take (an h5py
	// boolean, added to a netCDF-4 file); the dimension scales it leaves
	// out are its dimensions without coordinate variables.
	ncPaths := map[string]bool{}
	for _, v := range vars {
		ncPaths[v.Path] = true
	}
	for _, d := range datasets {
		if d.Unreadable != nil {
			// libhdf5 could not describe it: reported unless it is a
			// variable libnetcdf lists (and reads) itself.
			if !ncPaths[d.Path] && !ncPaths[path.Join(path.Dir(d.Path), strings.TrimPrefix(path.Base(d.Path), nonCoordPrefix))] {
				s.vars = append(s.vars, d)
			}
			continue
		}
		if _, dimScale, _ := h5.dataset(d.Path); listed[d.Path] || dimScale {
			continue
		}
		s.routed[d.Path] = d.Path
		s.vars = append(s.vars, d)
	}
	return s, nil
}

func (s *netCDF4Source) Variables(ctx context.Context) ([]Variable, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return slices.Clone(s.vars), nil
}

func (s *netCDF4Source) Read(ctx context.Context, path string, start, count []int64) ([]byte, error) {
	if h5Path, ok := s.routed[path]; ok {
		if err := s.extentErr[path]; err != nil {
			return nil, err
		}
		return s.h5.Read(ctx, h5Path, start, count)
	}
	return s.nc.Read(ctx, path, start, count)
}

func (s *netCDF4Source) ReadStrings(ctx context.Context, path string) ([]string, error) {
	if h5Path, ok := s.routed[path]; ok {
		if err := s.extentErr[path]; err != nil {
			return nil, err
		}
		return s.h5.ReadStrings(ctx, h5Path)
	}
	return s.nc.ReadStrings(ctx, path)
}

func (s *netCDF4Source) Close() error {
	return errors.Join(s.nc.Close(), s.h5.Close())
}

// TextAttr reads a text attribute through libnetcdf.
func (s *netCDF4Source) TextAttr(path, name string) (string, bool, error) {
	if ta, ok := s.nc.(TextAttrs); ok {
		return ta.TextAttr(path, name)
	}
	return "", false, nil
}
