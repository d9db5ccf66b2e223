// hyparquet_dump.mjs reads fsspec Parquet refs files with hyparquet, a
// reader independent of the Go writer, and prints one JSON line per file
// ({"file", "rows", "columns"}) followed by one per row ({"file", "row",
// "path", "offset", "size", "raw"}): offset and size as decimal strings
// (INT64 arrives as BigInt), raw as base64, nulls as null.
//
// usage: node hyparquet_dump.mjs FILE.parq...
// hyparquet and hyparquet-compressors (zstd) are found in the node_modules
// folder named by GOKERCHUNK_NODE_MODULES, by default
// ~/.cache/gokerchunk-tools/node_modules (see the Makefile's deps target).
import { createRequire } from 'node:module'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const modules = process.env.GOKERCHUNK_NODE_MODULES || join(homedir(), '.cache', 'gokerchunk-tools', 'node_modules')
const require = createRequire(join(modules, 'noop.js'))
const load = name => import(pathToFileURL(require.resolve(name)).href)
const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } = await load('hyparquet')
const { compressors } = await load('hyparquet-compressors')

const text = v => (v === null || v === undefined ? null : String(v))
const out = []
for (const name of process.argv.slice(2)) {
  const file = await asyncBufferFromFile(name)
  const metadata = await parquetMetadataAsync(file)
  const columns = parquetSchema(metadata).children.map(c => c.element.name)
  out.push(JSON.stringify({ file: name, rows: Number(metadata.num_rows), columns }))
  // utf8: false keeps raw as bytes; path is still a string by its UTF8 type.
  const rows = await parquetReadObjects({ file, metadata, compressors, utf8: false })
  rows.forEach((r, i) => {
    out.push(JSON.stringify({
      file: name,
      row: i,
      path: r.path ?? null,
      offset: text(r.offset),
      size: text(r.size),
      raw: r.raw === null || r.raw === undefined ? null : Buffer.from(r.raw).toString('base64'),
    }))
  })
}
process.stdout.write(out.join('\n') + '\n')
