package hdf5scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"gokerchunk/format"
	"gokerchunk/refs"
)

// Options control a scan.
type Options struct {
	// URL is the target that references name; usually the input's absolute
	// path or its s3:// URL. External data files named relative to the
	// HDF5 file are referenced beside it: in URL's directory.
	URL string
	// InlineThreshold: chunks whose stored size is below this many bytes
	// are copied into the reference set instead of referenced (0: never,
	// except compact data, which is always inline).
	InlineThreshold int
	// SkipUnsupported leaves out variables that cannot be represented and
	// lists them in Result.Skipped, and objects or attributes whose
	// structures do not parse (while the superblock and root group do),
	// listed in Result.Damaged; otherwise Scan fails on the first one.
	SkipUnsupported bool
	// MaxDecodedInline bounds, per variable, the decoded data inlined when
	// chunks cannot be referenced as stored (chunks re-encoded for another
	// filter mask or for filters numcodecs cannot express, embedded
	// variable-length strings), and the zfp chunks inlined with their
	// header (zfp.go), counted as inlined; 0 means 16 MiB. Beyond it the
	// variable is unsupported.
	MaxDecodedInline int64
	// MaxDenseGrid bounds the chunk positions of one array's dense
	// manifest (about 20 bytes each); a chunked dataset with more gets a
	// sparse one, holding its stored chunks only. 0: 4 Mi positions, or
	// one per 8 bytes of a larger file.
	MaxDenseGrid uint64
}

// file-wide state of one scan.
type scanner struct {
	f       *file
	opts    Options
	ctx     context.Context
	gh      *globalHeap
	text    []byte // free space for attribute JSON texts (zattrs)
	objects []*object
	byAddr  map[uint64]*object
	// typePaths names the committed datatypes of the group tree by
	// address: they are not objects of the set, but references may
	// point at them.
	typePaths map[uint64]string
	netCDF    bool // the file carries netCDF-4 conventions
	// dimLen is the length of each netCDF dimension, by the address of its
	// dimension scale: the longest extent among the datasets using it.
	dimLen map[uint64]uint64
	// The dimensions of each group in netCDF-C's order: its dimension
	// scales, then the phony dimensions made for axes without one.
	phony      map[string][]phonyDim
	phonyCount int
	res        *format.Result
}

type phonyDim struct {
	length    uint64
	unlimited bool
	name      string
}

// object is a group or dataset found while walking the file.
type object struct {
	path    string // "/grp/var"
	group   string // path of the parent group ("/" for the root's members)
	addr    uint64
	header  *objectHeader
	isGroup bool
	attrs   []*attribute   // as stored
	values  map[string]any // decoded, by name
	// scales lists, per axis, the object header addresses of the dimension
	// scales attached to it (DIMENSION_LIST).
	scales [][]uint64
	// ds describes a dataset's data (nil for groups); decoded once, by
	// prepare, for every stage that reads its messages.
	ds *dataset
	// damaged is set when the object's attributes or dimension scales do
	// not parse: a dataset is then left out (reported in Result.Damaged),
	// a group is kept without its attributes.
	damaged bool
}

// Scan reads the file's metadata and returns its reference set.
func Scan(ctx context.Context, r io.ReaderAt, size int64, name string, opts Options) (*format.Result, error) {
	f, sb, err := open(r, size, name)
	if err != nil {
		return nil, err
	}
	if opts.URL == "" {
		opts.URL = name
	}
	s := &scanner{
		f: f, opts: opts, ctx: ctx, gh: &globalHeap{},
		byAddr: map[uint64]*object{}, phony: map[string][]phonyDim{},
		res: &format.Result{Set: refs.NewSet()},
	}
	if err := s.walk(sb.rootHeader); err != nil {
		return nil, err
	}
	if err := s.prepare(); err != nil {
		return nil, err
	}
	if s.f.canPrefetch() {
		s.f.prefetchChunkIndexes(ctx, s.layouts())
	}
	for _, o := range s.netCDFOrder() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if o.damaged && !o.isGroup {
			continue
		}
		if err := s.emit(o); err != nil {
			var ue *format.UnsupportedError
			if !errors.As(err, &ue) {
				if err := s.damaged(o.path, "", err); err != nil {
					return nil, err
				}
				continue
			}
			ue.File, ue.Path = f.name, o.path
			if !opts.SkipUnsupported {
				return nil, ue
			}
			s.res.Skipped = append(s.res.Skipped, ue)
		}
	}
	s.res.Arrays = len(s.res.Set.Arrays)
	return s.res, nil
}

// layouts lists the data layouts of the datasets, in walk order.
func (s *scanner) layouts() []*layout {
	out := make([]*layout, 0, len(s.objects))
	for _, o := range s.objects {
		if !o.isGroup {
			out = append(out, o.ds.layout)
		}
	}
	return out
}

func (s *scanner) note(format string, args ...any) {
	s.res.Notes = append(s.res.Notes, fmt.Sprintf(format, args...))
}

// damaged handles err, met reading object path (or only its attribute
// attr): when it says that structures of the object do not parse (a
// *format.Error), the object or attribute is left out and listed in
// Result.Damaged if the scan skips what it cannot represent, and the scan
// fails naming it otherwise. Other errors (I/O, cancellation) are
// returned as they are. The superblock and the root group are the file's:
// callers do not pass their errors here.
func (s *scanner) damaged(path, attr string, err error) error {
	var fe *format.Error
	var de *format.DamagedError
	if !errors.As(err, &fe) || errors.As(err, &de) {
		return err // not damage, or damage already reported
	}
	de = &format.DamagedError{File: s.f.name, Path: path, Attribute: attr, Err: err}
	if !s.opts.SkipUnsupported {
		return de
	}
	s.res.Damaged = append(s.res.Damaged, de)
	return nil
}

// walkItem is an object to visit: its path, its parent group's path and
// its object header address.
type walkItem struct {
	path, group string
	addr        uint64
}

// walk visits every object reachable from the root in preorder with members
// sorted by name, each object once under the first path that reaches it.
func (s *scanner) walk(root uint64) error {
	stack := []walkItem{{path: "/", group: "", addr: root}}
	// Every path that names an object, hard-link duplicates included, and
	// the soft links, which are resolved against them once all is seen.
	paths := map[string]bool{}
	var soft [][2]string
	for len(stack) > 0 {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		paths[it.path] = true
		o, err := s.visit(it)
		if err != nil {
			return err
		}
		if o == nil || !o.isGroup {
			continue
		}
		if stack, soft, err = s.pushMembers(o, stack, soft); err != nil {
			return err
		}
	}
	s.noteSoftLinks(paths, soft)
	return nil
}

// visit reads the object header at it.addr and records the object, unless
// it was seen before (a hard link) or is not data (a committed datatype):
// then it returns nil.
func (s *scanner) visit(it walkItem) (*object, error) {
	if first, ok := s.byAddr[it.addr]; ok {
		s.note("%s is a hard link to %s: listed once, under %s", it.path, first.path, first.path)
		return nil, nil
	}
	h, err := s.f.readObjectHeader(it.addr)
	if err != nil {
		err = fmt.Errorf("object %s: %w", it.path, err)
		if it.path == "/" {
			return nil, err
		}
		return nil, s.damaged(it.path, "", err)
	}
	o := &object{path: it.path, group: it.group, addr: it.addr, header: h, isGroup: isGroup(h)}
	if it.path == "/" && !o.isGroup {
		return nil, s.f.formatError("root group", s.f.abs(it.addr), "the root object header has no group messages")
	}
	if !o.isGroup {
		if _, ok := h.find(msgLayout); !ok {
			// A committed datatype (netCDF user-defined types): not
			// data, but a reference may name it.
			if s.typePaths == nil {
				s.typePaths = map[uint64]string{}
			}
			if _, ok := s.typePaths[it.addr]; !ok {
				s.typePaths[it.addr] = it.path
			}
			return nil, nil
		}
	}
	if len(s.objects) >= 1<<22 {
		return nil, s.f.formatError("group tree", s.f.abs(it.addr), "more than %d objects", 1<<22)
	}
	s.objects = append(s.objects, o)
	s.byAddr[it.addr] = o
	return o, nil
}

// pushMembers pushes the hard links of group g onto the stack, in reverse
// so that members pop in name order, adds its soft links to soft and notes
// the links that are not followed.
func (s *scanner) pushMembers(g *object, stack []walkItem, soft [][2]string) ([]walkItem, [][2]string, error) {
	links, err := s.f.groupLinks(g.header)
	for _, l := range links {
		if err == nil && (l.name == "" || l.name == "." || l.name == ".." || strings.Contains(l.name, "/")) {
			// HDF5 forbids such names; taken as paths they would
			// make a group its own member.
			err = s.f.formatError("link", s.f.abs(g.addr), "group %s has a member named %q", g.path, l.name)
		}
	}
	if err != nil {
		// A group whose links do not parse loses its members; the
		// root's are the file's.
		err = fmt.Errorf("group %s: %w", g.path, err)
		if g.path == "/" {
			return nil, nil, err
		}
		return stack, soft, s.damaged(g.path, "", err)
	}
	for i := len(links) - 1; i >= 0; i-- {
		l := links[i]
		p := path.Join(g.path, l.name)
		switch l.typ {
		case linkHard:
			stack = append(stack, walkItem{path: p, group: g.path, addr: l.addr})
		case linkSoft:
			soft = append(soft, [2]string{p, l.target})
		case linkExternal:
			s.note("%s is an external link to %s: not followed", p, l.target)
		default:
			s.note("%s is a user-defined link (type %d): not followed", p, l.typ)
		}
	}
	return stack, soft, nil
}

// noteSoftLinks notes each soft link ({path, target}), which the scan does
// not follow, saying whether its target is in the file.
func (s *scanner) noteSoftLinks(paths map[string]bool, soft [][2]string) {
	for _, l := range soft {
		target := l[1]
		if !strings.HasPrefix(target, "/") {
			target = path.Join(path.Dir(l[0]), target)
		}
		if paths[path.Clean(target)] {
			s.note("%s is a soft link to %s: not followed (the target is listed)", l[0], l[1])
		} else {
			s.note("%s is a dangling soft link: %s is not in the file", l[0], l[1])
		}
	}
}

// netCDFOrder lists the objects in the order netCDF-C reads a file, which
// numbers its phony dimensions: a group, then each of its subgroups in full,
// then its own datasets. s.objects is in preorder, members by name.
//
// Objects whose type netCDF-C does not list (see netCDFListsType) come
// after all others, so that they do not take phony dimension numbers
// netCDF-C gives to the variables it lists.
func (s *scanner) netCDFOrder() []*object {
	all := s.netCDFTreeOrder()
	listed := make([]*object, 0, len(all))
	var later []*object
	for _, o := range all {
		if o.isGroup {
			listed = append(listed, o)
			continue
		}
		if t := o.ds.dtype; t != nil && !netCDFListsType(t) {
			later = append(later, o)
		} else {
			listed = append(listed, o)
		}
	}
	return append(listed, later...)
}

// netCDFTreeOrder is netCDFOrder without the split by type.
func (s *scanner) netCDFTreeOrder() []*object {
	children := map[string][]*object{}
	for _, o := range s.objects[1:] {
		children[o.group] = append(children[o.group], o)
	}
	out := make([]*object, 0, len(s.objects))
	var visit func(g *object)
	visit = func(g *object) {
		out = append(out, g)
		for _, c := range children[g.path] {
			if c.isGroup {
				visit(c)
			}
		}
		for _, c := range children[g.path] {
			if !c.isGroup {
				out = append(out, c)
			}
		}
	}
	visit(s.objects[0])
	return out
}

func isGroup(h *objectHeader) bool {
	for _, m := range h.messages {
		switch m.typ {
		case msgSymbolTable, msgLinkInfo, msgGroupInfo, msgLink:
			return true
		}
	}
	return false
}

// emit adds an object's Zarr documents and chunk references to the set.
func (s *scanner) emit(o *object) error {
	attrs := o.values
	if o.isGroup {
		a, err := s.zattrs(attrs)
		if err != nil {
			return err
		}
		s.res.Set.Groups[zarrPath(o.path)] = &refs.Group{Attrs: a}
		return nil
	}
	return s.emitDataset(o, attrs)
}

// prepare decodes every object's attributes and works out the length of
// every netCDF dimension, which a dataset's own extent may fall short of
// (an unlimited dimension that another variable extended further).
func (s *scanner) prepare() error {
	s.dimLen = map[uint64]uint64{}
	var scales []*object
	var unlimited []bool
	for _, o := range s.objects {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		values, err := s.objectAttributes(o)
		if err != nil {
			if o.path == "/" {
				return err
			}
			if err := s.damaged(o.path, "", err); err != nil {
				return err
			}
			o.damaged, values = true, map[string]any{}
		}
		o.values = values
		if o.path == "/" {
			_, s.netCDF = values["_NCProperties"]
		}
		if o.isGroup {
			continue
		}
		if o.scales, err = s.attachedScales(o); err != nil {
			if err := s.damaged(o.path, "", err); err != nil {
				return err
			}
			o.damaged, o.scales = true, nil
		}
		o.ds = s.f.readDataset(o.path, o.header)
		space := o.ds.space
		if space == nil {
			continue // reported when the dataset is emitted
		}
		for axis, list := range o.scales {
			for _, addr := range list {
				if axis < len(space.dims) {
					s.dimLen[addr] = max(s.dimLen[addr], space.dims[axis])
				}
			}
		}
		if class, _ := values["CLASS"].(string); class == "DIMENSION_SCALE" && len(space.dims) >= 1 {
			s.dimLen[o.addr] = max(s.dimLen[o.addr], space.dims[0])
			scales = append(scales, o)
			unlimited = append(unlimited, space.maxDims[0] == unlimitedDim)
		}
	}
	// netCDF-C makes every dimension scale a dimension, numbering them
	// before any phony dimension, and gives an axis without a scale the
	// first dimension of its group with the same length, real or phony.
	for i, o := range scales {
		s.phony[o.group] = append(s.phony[o.group], phonyDim{length: s.dimLen[o.addr], unlimited: unlimited[i], name: netCDFName(pathBase(o.path))})
	}
	s.phonyCount = len(scales)
	return nil
}

// objectAttributes decodes an object's attributes by name. Attributes whose
// type cannot be expressed in JSON are left out and noted.
func (s *scanner) objectAttributes(o *object) (map[string]any, error) {
	list, err := s.f.attributes(o.header)
	if err != nil {
		return nil, fmt.Errorf("attributes of %s: %w", o.path, err)
	}
	out := make(map[string]any, len(list))
	o.attrs = list[:0:0]
	for _, a := range list {
		if a.err != nil {
			if err := s.attributeError(o, a, a.err); err != nil {
				return nil, err
			}
			continue
		}
		o.attrs = append(o.attrs, a)
		if a.name == "DIMENSION_LIST" || a.name == "REFERENCE_LIST" {
			// Object references, resolved from o.attrs by attachedScales;
			// as values they are neither JSON nor user attributes.
			continue
		}
		var v any
		var err error
		if t := a.dtype; t.class == classReference && t.refType == 0 && t.size >= 1 && t.size <= 8 && !a.space.null {
			v = s.referencePaths(o.path, a)
		} else {
			v, err = a.value(s.f, s.gh)
		}
		if err != nil {
			if err := s.attributeError(o, a, err); err != nil {
				return nil, err
			}
			continue
		}
		out[a.name] = v
	}
	return out, nil
}

// attributeError handles an attribute of o that cannot be read: of a type
// or version the scanner cannot present, it is left out with a note;
// damaged, it is left out and reported (or fails the scan, see damaged).
func (s *scanner) attributeError(o *object, a *attribute, err error) error {
	var ue *format.UnsupportedError
	if errors.As(err, &ue) {
		s.note("%s: attribute %q left out: %s", o.path, a.name, ue.Feature)
		return nil
	}
	return s.damaged(o.path, a.name, fmt.Errorf("%s: attribute %q: %w", o.path, a.name, err))
}

// referencePaths presents an attribute of object references as the paths
// of the objects they point to, as datasets of them are embedded.
func (s *scanner) referencePaths(where string, a *attribute) any {
	size := a.dtype.size
	n := min(int(a.space.elements()), len(a.data)/size)
	paths := make([]any, n)
	for i := range paths {
		paths[i] = s.referencedPath(where, a.data[i*size:(i+1)*size])
	}
	if n == 1 {
		return paths[0]
	}
	return paths
}

// visibleAttrs drops the bookkeeping attributes that are never user data.
func visibleAttrs(attrs map[string]any) map[string]any {
	out := make(map[string]any, len(attrs))
	for k, v := range attrs {
		if !hiddenAttributes[k] {
			out[k] = v
		}
	}
	return out
}

// zattrs encodes a node's attributes, each value as its JSON text, without
// the hidden ones (so that groups need no visibleAttrs copy). The texts of
// all nodes share the buffers of s.text.
func (s *scanner) zattrs(attrs map[string]any) (refs.Attrs, error) {
	out := make(refs.Attrs, len(attrs))
	size := 0
	for _, v := range attrs {
		size += attrJSONSize(v)
	}
	if cap(s.text) < size {
		s.text = make([]byte, 0, max(size, textBufferSize))
	}
	buf := s.text
	for k, v := range attrs {
		if hiddenAttributes[k] {
			continue
		}
		start := len(buf)
		var err error
		if buf, err = appendAttrJSON(buf, v); err != nil {
			return nil, err
		}
		out[k] = buf[start:len(buf):len(buf)]
	}
	s.text = buf[len(buf):]
	return out, nil
}

// textBufferSize is the size of the buffers that hold .zattrs texts.
const textBufferSize = 4 << 10

// attrJSONSize guesses the size of an attribute value's JSON text, to
// allocate buffers. Long number lists grow the buffer themselves.
func attrJSONSize(v any) int {
	switch x := v.(type) {
	case string:
		return len(x) + 2
	case []string:
		n := 2
		for _, s := range x {
			n += len(s) + 4
		}
		return n
	case []any:
		return 2 + 16*len(x)
	case []float64:
		return 2 + 8*len(x)
	case []float32:
		return 2 + 8*len(x)
	case []int64:
		return 2 + 4*len(x)
	case []uint64:
		return 2 + 4*len(x)
	}
	return 24
}

// zarrPath turns an HDF5 path into a Zarr node path: no leading slash and
// netCDF-C's non-coordinate prefix removed from every component.
func zarrPath(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	parts := strings.Split(p, "/")
	for i := range parts {
		parts[i] = netCDFName(parts[i])
	}
	return strings.Join(parts, "/")
}
