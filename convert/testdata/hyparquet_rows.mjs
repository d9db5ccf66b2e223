// hyparquet_rows.mjs reads Parquet files with hyparquet, a reader
// independent of parquet-go, and prints one JSON line per file
// ({"file", "rows", "columns", "types"}) followed by one per row
// ({"file", "row", "values"}): strings as strings, INT64 as decimal
// strings (hyparquet gives BigInt), other numbers as numbers, DATE as
// "YYYY-MM-DD", booleans, nulls as null.
//
// usage: node hyparquet_rows.mjs FILE.parquet...
// hyparquet and hyparquet-compressors (zstd, snappy) are found in the
// node_modules folder named by GOKERCHUNK_NODE_MODULES, by default
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

// Days since 1970-01-01 as the date they name, without a time zone.
const dateFromDays = days => (days === null || days === undefined) ? null : new Date(Number(days) * 86400000).toISOString().slice(0, 10)
const plain = v => (v === null || v === undefined) ? null : typeof v === 'bigint' ? v.toString() : v

const lines = []
for (const name of process.argv.slice(2)) {
  const file = await asyncBufferFromFile(name)
  const metadata = await parquetMetadataAsync(file)
  const fields = parquetSchema(metadata).children.map(c => c.element)
  const columns = fields.map(e => e.name)
  const types = fields.map(e => e.type + (e.logical_type ? '(' + e.logical_type.type + ')' : ''))
  lines.push(JSON.stringify({ file: name, rows: Number(metadata.num_rows), columns, types }))
  const rows = await parquetReadObjects({ file, metadata, compressors, parsers: { dateFromDays } })
  rows.forEach((r, i) => {
    lines.push(JSON.stringify({ file: name, row: i, values: columns.map(c => plain(r[c])) }))
  })
}
process.stdout.write(lines.join('\n') + '\n')
