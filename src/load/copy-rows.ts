import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { quoteIdent } from '../db/sql-types.js'
import { converterFor, type MissingValues, ValueError } from '../manifest/index.js'
import type { FieldType } from '../model/manifest.js'
import { DataWarpError, type ExtractedTable, type RowObserver, type TableRow } from '../model/table.js'
import {
  BinaryCopyWriter,
  BinaryEncodingError,
  type BinaryType,
  binaryFieldWriter,
  encodeFields,
} from './copy-binary.js'

const CHUNK_BYTES = 256 * 1024

export interface CopyTarget {
  readonly schema: string
  readonly table: string
  /** Canonical field name and type of each table column, in the extracted table's column order. */
  readonly columns: readonly { name: string; type: FieldType }[]
  /**
   * Write the rows frozen (COPY FREEZE): allowed into a table made in this transaction, and it spares the first
   * reader (the export) setting every row's visibility hint, and VACUUM freezing them later.
   */
  readonly freeze?: boolean
  /** The markers read as NULL in numeric and date columns. */
  readonly missing: MissingValues
  /** Columns every row gets the same value in (the lineage columns), with their types. */
  readonly constants: readonly { name: string; type: BinaryType; value: string }[]
}

/** Sees every batch of rows a COPY reads, and every row the table leaves out: a profile built in the same pass. */
export interface RowTap extends RowObserver {
  add(batch: readonly TableRow[]): void
}

/**
 * Streams a table's rows into PostgreSQL with COPY in binary format (the server parses it about a third
 * faster than text, and the server is what limits a load). Each cell goes through the field type's converter,
 * which also checks it. Returns rows read from the file and rows PostgreSQL reports written; the caller
 * compares them.
 */
export async function copyRows(
  client: pg.PoolClient,
  table: ExtractedTable,
  target: CopyTarget,
  onRows?: (rows: number) => void,
  tap?: RowTap,
): Promise<{ read: number; written: number }> {
  const names = [...target.columns.map((c) => c.name), ...target.constants.map((c) => c.name)]
  const sql = `COPY ${quoteIdent(target.schema)}.${quoteIdent(target.table)} (${names.map(quoteIdent).join(', ')}) FROM STDIN (FORMAT binary${target.freeze ? ', FREEZE' : ''})`
  const converters = target.columns.map((c) => converterFor(c.type, target.missing))
  const writers = target.columns.map((c) => binaryFieldWriter(c.type))
  const constants = encodeFields(target.constants)
  const width = converters.length
  let read = 0

  async function* chunks(): AsyncGenerator<Buffer> {
    const writer = new BinaryCopyWriter(CHUNK_BYTES)
    for await (const batch of table.batches(tap)) {
      tap?.add(batch)
      for (const row of batch) {
        writer.startRow(names.length)
        for (let i = 0; i < width; i++) {
          try {
            writers[i]!(writer, converters[i]!(row.cells[i] ?? null))
          } catch (error) {
            if (!(error instanceof ValueError || error instanceof BinaryEncodingError)) throw error
            throw new DataWarpError(`${error.message} (field "${target.columns[i]!.name}")`, {
              file: table.file,
              sheet: table.sheet,
              row: row.position,
              column: table.headers[i],
            })
          }
        }
        writer.raw(constants)
        read++
        if (writer.full) {
          yield writer.take()
          onRows?.(read)
        }
      }
    }
    yield writer.finish()
    onRows?.(read)
  }

  // Generous buffers let the rows be produced here while PostgreSQL is still parsing the previous chunks.
  const stream = client.query(copyFrom(sql, { highWaterMark: 4 * CHUNK_BYTES }))
  await pipeline(Readable.from(chunks(), { objectMode: false, highWaterMark: 4 * CHUNK_BYTES }), stream)
  return { read, written: Number(stream.rowCount) }
}
