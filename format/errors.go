package format

import "fmt"

// Error reports a structure that does not parse: the file, the structure
// being read, the absolute byte offset and what was wrong. It means the
// file is corrupt (or the parser has a bug), never that a valid feature
// is unsupported.
type Error struct {
	File      string
	Structure string // "superblock", "object header", "netCDF-3 header", ...
	Offset    int64  // absolute file offset of the structure (or field)
	Msg       string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s at offset %d: %s", e.File, e.Structure, e.Offset, e.Msg)
}

// UnsupportedError reports a valid feature of the file's format that
// cannot be expressed as Zarr v2 references. Path names the object
// ("/grp/var"), or is empty for the file as a whole.
type UnsupportedError struct {
	File    string
	Path    string
	Feature string
}

func (e *UnsupportedError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%s: unsupported: %s", e.File, e.Feature)
	}
	return fmt.Sprintf("%s: %s: unsupported: %s", e.File, e.Path, e.Feature)
}
