// Package hdf5scan reads the metadata of HDF5 and netCDF-4 files and
// translates every dataset into Zarr v2 metadata plus the byte range of each
// stored chunk (a refs.Set), without decompressing data. It is pure Go and
// reads through an io.ReaderAt, so the same code serves local files and
// ranged reads of remote objects.
//
// The package has two layers, and the dependency goes one way: the
// translation uses the format layer, the format layer knows nothing of the
// translation. TestLayers (layers_test.go) enforces it.
//
// The HDF5 format layer decodes the structures of the HDF5 specification
// into small structs, each message once, and knows nothing of Zarr, refs or
// netCDF. It imports no package of this module but format (for its error
// types). Its files are named after the structures they decode:
//
//   - decoder.go, checksum.go: bounded reads and the lookup3 checksum
//   - superblock.go, superblockext.go: the superblock and its extension
//   - objectheader.go, sharedmessage.go: object headers, shared messages
//   - group.go: links and groups (symbol tables, link messages, dense links)
//   - localheap.go, globalheap.go, fractalheap.go: the heaps
//   - btree1.go, btree2.go: version 1 and 2 B-trees
//   - datatype.go, dataspace.go, layout.go, filterpipeline.go, fillvalue.go,
//     attribute.go, externalfiles.go: header messages, with the values of
//     attributes decoded
//   - dataset.go: the messages of one dataset, decoded once
//   - chunkindex.go, btree1chunks.go, btree2chunks.go, fixedarray.go,
//     extarray.go: the chunk indexes, which yield chunk records (position
//     in the chunk grid, address, stored size, filter mask)
//   - prefetch.go: read-ahead hints for the B-tree chunk indexes
//
// The translation applies the netCDF-4 conventions and writes Zarr:
//
//   - scan.go: Scan, the walk of the file's objects, netCDF-C's order
//   - info.go: Info, the description for `gokerchunk info`
//   - netcdf.go: dimensions, phony dimensions, netCDF names and attributes
//   - zarrarray.go: a dataset as a Zarr array (.zarray, .zattrs, manifest
//     placement of the chunk records, inlining and re-encoding)
//   - zarrtype.go: HDF5 datatypes as Zarr dtypes and fill values
//   - codecs.go: filter pipelines as numcodecs, unfiltering and re-encoding
//   - zfp.go: the zfp filter as numcodecs' zfpy, its header put in front
//     of every chunk
//   - fillchunks.go, fixedstrings.go, vlenstring.go: fill values, padded
//     and variable-length strings
//   - attrjson.go: attribute values as JSON
//   - externalrefs.go: references into external data files
//   - sparsechunks.go: chunk grids too large for a dense manifest, held
//     as the chunks written (refs.SparseChunks)
package hdf5scan
