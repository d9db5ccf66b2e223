package format

// Info describes a file's structure for people (`gokerchunk info`).
type Info struct {
	// Summary names the format and its container-level facts ("HDF5
	// superblock v2, 8-byte offsets, 8-byte lengths").
	Summary string
	Objects []ObjectInfo
	Notes   []string
}

// ObjectInfo describes one group or variable.
type ObjectInfo struct {
	Path       string
	Group      bool
	Attributes int
	// Variables only:
	DType    string   // numpy dtype, or the format's type when it has none
	Shape    []uint64 // current dimensions
	MaxShape []int64  // maximum dimensions, -1 for unlimited
	Chunks   []uint64 // chunk shape (chunked layout only)
	Layout   string   // "contiguous", "chunked, v1 B-tree index", "record", ...
	Filters  []string
	Dims     []string // dimension names as the scanner emits them
	// Hidden says why the variable is not an array ("netCDF dimension").
	Hidden string
	// Unsupported says why the variable cannot be referenced.
	Unsupported string
}
