import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { converterFor, ValueError } from '../manifest/index.js'
import type { FieldType } from '../model/manifest.js'
import { DataWarpError, type ExtractedTable } from '../model/table.js'
import { quoteIdent } from './sql-types.js'

const CHUNK_CHARS = 256 * 1024
const NEEDS_ESCAPE = /[\\\t\n\r]/

/** COPY text format: backslash, tab, newline and carriage return escaped; \N is NULL. */
export function copyText(value: string | null): string {
  if (value === null) return '\\N'
  if (!NEEDS_ESCAPE.test(value)) return value
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  )
}

export interface CopyTarget {
  readonly schema: string
  readonly table: string
  /** Canonical field name and type of each table column, in the extracted table's column order. */
  readonly columns: readonly { name: string; type: FieldType }[]
  /** Column names and the constant value each row gets (the lineage columns). */
  readonly constants: readonly { name: string; value: string }[]
}

/**
 * Streams a table's rows into PostgreSQL with COPY. Returns rows read from the file and rows PostgreSQL
 * reports written; the caller compares them.
 */
export async function copyRows(
  client: pg.PoolClient,
  table: ExtractedTable,
  target: CopyTarget,
  onRows?: (rows: number) => void,
): Promise<{ read: number; written: number }> {
  const names = [...target.columns.map((c) => c.name), ...target.constants.map((c) => c.name)]
  const sql = `COPY ${quoteIdent(target.schema)}.${quoteIdent(target.table)} (${names.map(quoteIdent).join(', ')}) FROM STDIN`
  const suffix = `${target.constants.map((c) => `\t${copyText(c.value)}`).join('')}\n`
  const converters = target.columns.map((c) => converterFor(c.type))
  let read = 0

  async function* lines(): AsyncGenerator<string> {
    let chunk = ''
    for await (const batch of table.batches()) {
      for (const row of batch) {
        let line = ''
        for (let i = 0; i < converters.length; i++) {
          let text: string | null
          try {
            text = converters[i]!(row.cells[i] ?? null)
          } catch (error) {
            if (!(error instanceof ValueError)) throw error
            throw new DataWarpError(`${error.message} (field "${target.columns[i]!.name}")`, {
              file: table.file,
              sheet: table.sheet,
              row: row.position,
              column: table.headers[i],
            })
          }
          line += i === 0 ? copyText(text) : `\t${copyText(text)}`
        }
        chunk += line + suffix
        read++
        if (chunk.length >= CHUNK_CHARS) {
          yield chunk
          chunk = ''
          onRows?.(read)
        }
      }
    }
    if (chunk) yield chunk
    onRows?.(read)
  }

  // Generous buffers let the rows be produced here while PostgreSQL is still parsing the previous chunks.
  const stream = client.query(copyFrom(sql, { highWaterMark: 4 * CHUNK_CHARS }))
  await pipeline(Readable.from(lines(), { objectMode: false, highWaterMark: 4 * CHUNK_CHARS }), stream)
  return { read, written: Number(stream.rowCount) }
}
