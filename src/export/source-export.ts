import { statSync } from 'node:fs'
import type { SchemaElement } from 'hyparquet-writer'
import type pg from 'pg'
import { to as copyTo } from 'pg-copy-streams'
import { quoteIdent, quoteLiteral } from '../db/sql-types.js'
import { displayTitle } from '../model/header-text.js'
import { type DescriptionSource, descriptionSourceOf, type FieldType } from '../model/manifest.js'
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
  /** Where the description came from, as the manifest says (see descriptionSourceOf). */
  readonly descriptionSource?: DescriptionSource
  /** From the manifest when it says: what a value counts, dimension or measure, first period, first period without it. */
  readonly unit?: string
  readonly role?: string
  readonly since?: string
  readonly retiredSince?: string
}

const FIELD_NOTES = ['unit', 'role', 'since', 'retiredSince'] as const

/** The optional notes of a stored field that are text (consumers read them from the catalog). */
export function fieldNotes(field: Partial<Record<(typeof FIELD_NOTES)[number], unknown>>) {
  const notes: Partial<Record<(typeof FIELD_NOTES)[number], string>> = {}
  for (const key of FIELD_NOTES) if (typeof field[key] === 'string') notes[key] = field[key]
  return notes
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
  readonly descriptionSource?: DescriptionSource | null
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

/**
 * The fields as the catalog and the file metadata describe them: every key present, and where each description
 * came from (the manifest's rule applied: a description that does not say was written by a reviewer).
 */
export function describeFields(fields: readonly SourceField[]) {
  return fields.map((f) => {
    const title = displayTitle(f.title)
    return {
      name: f.name,
      title,
      // The header as published, when the title shown differs from it (a machine name read in sentence case).
      ...(title !== f.title ? { header: f.title } : {}),
      type: f.type,
      description: f.description ?? null,
      descriptionSource: descriptionSourceOf(f) ?? null,
      ...fieldNotes(f),
    }
  })
}

/** What a source's Parquet files describe in their key-value metadata (`datawarp.source`). */
export function sourceMetadata(source: SourceRow) {
  return {
    source_code: sourceCode(source),
    publication: source.publication,
    publication_name: source.publicationName,
    source_key: source.sourceKey,
    table_name: `${source.tableSchema}.${source.tableName}`,
    title: source.title,
    description: source.description,
    description_source: source.descriptionSource ?? null,
    columns: describeFields(source.fields),
  }
}

/**
 * Writes the rows of one period of the source's table to `path` (via `<path>.tmp`, renamed when complete), in the
 * order they were loaded, one row group at a time: rows are parsed from the COPY stream straight into typed column
 * buffers, and a full row group is encoded and flushed to disk before more rows are read. `period` null writes a
 * file with the schema and no rows (what a source without rows exports). The client must be inside the export's
 * transaction, with DateStyle ISO and TimeZone UTC (see exportAll). `partitioned`: the table has one partition per
 * period, read without a sort.
 */
export async function exportPeriod(
  client: pg.ClientBase,
  source: SourceRow,
  period: string | null,
  path: string,
  options: SourceExportOptions & { readonly partitioned?: boolean },
): Promise<SourceFileStats> {
  const capacity = options.rowGroupSize
  const columns = [
    ...source.fields.map((f) => fieldColumn(f.name, f.type, capacity)),
    ...lineageColumns(capacity),
  ]
  const periodColumn = columns[source.fields.length] as StringColumn
  const schema: SchemaElement[] = [
    { name: 'root', num_children: columns.length },
    ...columns.map((c) => c.element),
  ]
  const selectList = columns.map((c) => quoteIdent(c.name)).join(', ')
  const table = qualifiedTableName(source)
  const sql =
    period === null
      ? `COPY (SELECT ${selectList} FROM ${table} WHERE false) TO STDOUT`
      : `COPY (SELECT ${selectList} FROM ${table} WHERE "_period" COLLATE "C" = ${quoteLiteral(period)}${
          options.partitioned ? '' : ' ORDER BY "_load_id"'
        }) TO STDOUT`

  const sink = new AtomicFileSink(path)
  try {
    const file = new ParquetFile(sink, schema, {
      capacity,
      kvMetadata: [{ key: SOURCE_METADATA_KEY, value: JSON.stringify(sourceMetadata(source)) }],
      createdBy: CREATED_BY,
    })
    let firstPeriod: string | null = null
    let lastPeriod: string | null = null
    let groupBytes = 0
    const writeGroup = () => {
      const rows = periodColumn.rows
      if (firstPeriod === null) firstPeriod = periodColumn.text(0)
      lastPeriod = periodColumn.text(rows - 1)
      file.writeRowGroup(columns, rows)
      for (const column of columns) column.reset()
      groupBytes = 0
    }
    const parser = new CopyTextParser(columns, (rowBytes) => {
      groupBytes += rowBytes
      return periodColumn.rows === capacity || groupBytes >= options.rowGroupBytes
    })

    for await (const chunk of client.query(copyTo(sql))) {
      let full = parser.push(chunk as Buffer)
      while (full) {
        writeGroup()
        full = parser.resume()
      }
    }
    parser.finish()
    if (periodColumn.rows > 0) writeGroup()
    file.finish()
    sink.commit()
    return { rows: parser.rows, bytes: statSync(path).size, firstPeriod, lastPeriod }
  } catch (error) {
    sink.abort()
    throw error
  }
}

/**
 * The periods the source's table holds, in order (text order, as `_period COLLATE "C"` sorts), and whether it is
 * partitioned one partition per period (then the partitions are the periods, found without reading a row; an
 * empty partition exports no file). A plain table from an earlier version is asked for its distinct periods.
 */
export async function tablePeriods(
  client: pg.ClientBase,
  source: SourceRow,
): Promise<{ periods: string[]; partitioned: boolean }> {
  const partitions = await partitionPeriods(client, source)
  if (partitions) return { periods: partitions, partitioned: true }
  const { rows } = await client.query<{ period: string }>(
    `SELECT DISTINCT "_period" COLLATE "C" AS period FROM ${qualifiedTableName(source)} ORDER BY 1`,
  )
  return { periods: rows.map((r) => r.period), partitioned: false }
}

const SINGLE_PERIOD_BOUND = /^FOR VALUES IN \('((?:[^']|'')*)'\)$/

/**
 * The periods of a table partitioned by period, in order: each is read on its own, through the table (so a
 * reader needs no rights on the partitions), from its partition only and without a sort (a sort of a large
 * table spills to disk). Undefined for a table read whole with ORDER BY: a plain table from an earlier version,
 * or partitions not laid out one per period.
 */
async function partitionPeriods(client: pg.ClientBase, source: SourceRow): Promise<string[] | undefined> {
  const { rows } = await client.query<{ partitioned: boolean; bound: string | null }>(
    `SELECT p.relkind = 'p' AS partitioned, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_class p
       LEFT JOIN pg_inherits i ON i.inhparent = p.oid
       LEFT JOIN pg_class c ON c.oid = i.inhrelid
      WHERE p.oid = to_regclass($1)`,
    [qualifiedTableName(source)],
  )
  if (!rows[0]?.partitioned) return undefined
  const periods: string[] = []
  for (const row of rows) {
    if (row.bound === null) continue
    const bound = SINGLE_PERIOD_BOUND.exec(row.bound)
    if (!bound) return undefined
    periods.push(bound[1]!.replaceAll("''", "'"))
  }
  return periods.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}
