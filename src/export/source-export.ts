import { statSync } from 'node:fs'
import type { ColumnSource, SchemaElement } from 'hyparquet-writer'
import { ParquetWriter } from 'hyparquet-writer'
import type pg from 'pg'
import { to as copyTo } from 'pg-copy-streams'
import { quoteIdent } from '../load/sql-types.js'
import type { FieldType } from '../model/manifest.js'
import { fieldColumn, LINEAGE_PARQUET_COLUMNS, type ParquetColumn } from './columns.js'
import { CopyTextReader } from './copy-text.js'
import { AtomicFileSink } from './file-sink.js'

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

export function parquetColumns(source: SourceRow): ParquetColumn[] {
  return [...source.fields.map((f) => fieldColumn(f.name, f.type)), ...LINEAGE_PARQUET_COLUMNS]
}

/**
 * Writes every row of the source's table to `path` (via `<path>.tmp`, renamed when complete),
 * ordered by `_period, _load_id`, one row group at a time. The client must be inside the export's
 * transaction, with DateStyle ISO and TimeZone UTC (see exportAll).
 */
export async function exportSource(
  client: pg.ClientBase,
  source: SourceRow,
  path: string,
  options: SourceExportOptions,
): Promise<SourceFileStats> {
  const columns = parquetColumns(source)
  const columnCount = columns.length
  const schema: SchemaElement[] = [
    { name: 'root', num_children: columnCount },
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
    const writer = new ParquetWriter({
      writer: sink,
      schema,
      codec: 'SNAPPY',
      statistics: process.env.DW_STATS !== '0',
      kvMetadata: [{ key: SOURCE_METADATA_KEY, value: JSON.stringify(metadata) }],
      createdBy: CREATED_BY,
    })

    const converters = columns.map((c) => c.convert)
    const identity = columns.map((c) => c.element.converted_type === 'UTF8')
    const lastText: (string | null)[] = new Array(columnCount).fill(null)
    const lastValue: unknown[] = new Array(columnCount).fill(null)
    const periodIndex = source.fields.length
    let buffers: unknown[][] = columns.map(() => [])
    let groupRows = 0
    let rows = 0
    let firstPeriod: string | null = null
    let lastPeriod: string | null = null

    const writeGroup = () => {
      const columnData: ColumnSource[] = columns.map((c, j) => ({
        name: c.name,
        data: buffers[j] as ColumnSource['data'],
      }))
      buffers = columns.map(() => [])
      writer.write({ columnData, rowGroupSize: groupRows })
      groupRows = 0
    }

    const reader = new CopyTextReader(columnCount, (fields) => {
      for (let j = 0; j < columnCount; j++) {
        const text = fields[j] as string | null
        let value: unknown
        if (text === null || identity[j]) {
          value = text
        } else if (text === lastText[j]) {
          // Repeated values (lineage, dimensions) are converted once.
          value = lastValue[j]
        } else {
          value = (converters[j] as ParquetColumn['convert'])(text)
          lastText[j] = text
          lastValue[j] = value
        }
        ;(buffers[j] as unknown[]).push(value)
      }
      lastPeriod = fields[periodIndex] as string
      if (rows === 0) firstPeriod = lastPeriod
      rows++
      if (++groupRows === options.rowGroupSize) writeGroup()
    })

    const stream = client.query(copyTo(sql))
    for await (const chunk of stream) reader.push(chunk as Buffer)
    reader.end()
    if (groupRows > 0) writeGroup()
    await writer.finish()
    sink.commit()
    return { rows, bytes: statSync(path).size, firstPeriod, lastPeriod }
  } catch (error) {
    sink.abort()
    throw error
  }
}
