// Package codec decodes the compression formats of HDF5 plugin filters and
// numcodecs in pure Go: Blosc (with its blosclz, LZ4, zlib and zstd
// streams, byte- and bit-shuffle), LZ4 in numcodecs' and HDF5's framings,
// LZF, LZO1X (with PyTables' LZO filter framing), bitshuffle, zstd, bzip2,
// zlib and gzip, and HDF5's byte shuffle,
// Fletcher-32 checksum, scale-offset and n-bit filters, HDF5's szip
// filter (CCSDS 121.0 Adaptive Entropy Coding, as libaec decodes it), and
// zfp (codec version 5, bit for bit as zfp 1.0's C library decodes it:
// numcodecs' zfpy streams and the chunks of HDF5's H5Z-ZFP filter).
//
// Every decoder has the form
//
//	func X(dst, src []byte, limit int) ([]byte, error)
//
// or, for HDF5 filters that need their parameters, the form
//
//	func X(dst, src []byte, cdValues []uint32, limit int) ([]byte, error)
//
// It returns the decoded form of src, built in dst's storage when dst is
// large enough (so a caller decoding many chunks can reuse one buffer), and
// never shares storage with src. limit is the most bytes a correct result
// can hold, usually the exact chunk size the caller knows: a decoder fails
// instead of exceeding it, and allocates no more than limit or a bound
// derived from len(src), so corrupt input cannot make it allocate without
// bound (a negative limit counts as 0). Malformed input gives a *FormatError, valid input that uses a
// feature not implemented here an *UnsupportedError; no input panics.
//
// The package depends on nothing else in the module, so the HDF5 scanner
// (which inlines re-encoded chunks) and the Zarr reader can both use it.
package codec
