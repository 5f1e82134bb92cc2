import { statSync } from 'node:fs'
import type { SchemaElement } from 'hyparquet-writer'
import type pg from 'pg'
import { to as copyTo } from 'pg-copy-streams'
import { quoteIdent } from '../load/sql-types.js'
import type { FieldType } from '../model/manifest.js'
import { fieldColumn, lineageColumns, type StringColumn } from './column-buffers.js'
import { CopyTextParser } from './copy-text.js'
import { AtomicFileSink } from './file-sink.js'
import { ParquetFile } from './parquet-output.js'

/** A field as stored in `datawarp.sources.fields`. */
export interface SourceField {
  readonly name: string
  readonly title: string
  readonly type: FieldType
  readonly description?: string
}

/** One row of `datawarp.sources`, as the export reads it. */
export interface SourceRow {
  readonly publication: string
  readonly sourceKey: string
  readonly publicationName: string
  readonly tableSchema: string
  readonly tableName: string
  readonly title: string | null
  readonly description: string | null
  readonly fields: readonly SourceField[]
  /** Microseconds since the epoch, as decimal text (exact). */
  readonly updatedAtMicros: string
}

export interface SourceFileStats {
  readonly rows: number
  readonly bytes: number
  readonly firstPeriod: string | null
  readonly lastPeriod: string | null
}

export interface SourceExportOptions {
  /** Rows per Parquet row group; also the most rows held in memory at once. */
  readonly rowGroupSize: number
  /** A row group also ends once its rows' COPY text reaches this many bytes (bounds memory for wide text). */
  readonly rowGroupBytes: number
}

export const CREATED_BY = 'datawarp'

/** The key of the file's key-value metadata entry describing the source (JSON). */
export const SOURCE_METADATA_KEY = 'datawarp.source'

export function sourceCode(source: Pick<SourceRow, 'publication' | 'sourceKey'>): string {
  return `${source.publication}__${source.sourceKey}`
}

export function qualifiedTableName(source: Pick<SourceRow, 'tableSchema' | 'tableName'>): string {
  return `${quoteIdent(source.tableSchema)}.${quoteIdent(source.tableName)}`
}

/** The fields as the catalog and the file metadata describe them: every key present. */
export function describeFields(fields: readonly SourceField[]) {
  return fields.map((f) => ({
    name: f.name,
    title: f.title,
    type: f.type,
    description: f.description ?? null,
  }))
}

/**
 * Writes every row of the source's table to `path` (via `<path>.tmp`, renamed when complete),
 * ordered by `_period, _load_id`, one row group at a time: rows are parsed from the COPY stream
 * straight into typed column buffers, and a full row group is encoded and flushed to disk before
 * more rows are read. The client must be inside the export's transaction, with DateStyle ISO and
 * TimeZone UTC (see exportAll).
 */
export async function exportSource(
  client: pg.ClientBase,
  source: SourceRow,
  path: string,
  options: SourceExportOptions,
): Promise<SourceFileStats> {
  const capacity = options.rowGroupSize
  const columns = [
    ...source.fields.map((f) => fieldColumn(f.name, f.type, capacity)),
    ...lineageColumns(capacity),
  ]
  const period = columns[source.fields.length] as StringColumn
  const schema: SchemaElement[] = [
    { name: 'root', num_children: columns.length },
    ...columns.map((c) => c.element),
  ]
  const metadata = {
    source_code: sourceCode(source),
    publication: source.publication,
    publication_name: source.publicationName,
    source_key: source.sourceKey,
    table_name: `${source.tableSchema}.${source.tableName}`,
    title: source.title,
    description: source.description,
    columns: describeFields(source.fields),
  }
  const selectList = columns.map((c) => quoteIdent(c.name)).join(', ')
  const sql =
    `COPY (SELECT ${selectList} FROM ${qualifiedTableName(source)} ` +
    `ORDER BY "_period" COLLATE "C", "_load_id") TO STDOUT`

  const sink = new AtomicFileSink(path)
  try {
    const file = new ParquetFile(sink, schema, {
      capacity,
      kvMetadata: [{ key: SOURCE_METADATA_KEY, value: JSON.stringify(metadata) }],
      createdBy: CREATED_BY,
    })
    let firstPeriod: string | null = null
    let lastPeriod: string | null = null
    let groupBytes = 0
    const writeGroup = () => {
      const rows = period.rows
      if (firstPeriod === null) firstPeriod = period.text(0)
      lastPeriod = period.text(rows - 1)
      file.writeRowGroup(columns, rows)
      for (const column of columns) column.reset()
      groupBytes = 0
    }
    const parser = new CopyTextParser(columns, (rowBytes) => {
      groupBytes += rowBytes
      return period.rows === capacity || groupBytes >= options.rowGroupBytes
    })

    const stream = client.query(copyTo(sql))
    for await (const chunk of stream) {
      let full = parser.push(chunk as Buffer)
      while (full) {
        writeGroup()
        full = parser.resume()
      }
    }
    parser.finish()
    if (period.rows > 0) writeGroup()
    file.finish()
    sink.commit()
    return { rows: parser.rows, bytes: statSync(path).size, firstPeriod, lastPeriod }
  } catch (error) {
    sink.abort()
    throw error
  }
}
