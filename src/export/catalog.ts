import { existsSync } from 'node:fs'
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet'
import type { ColumnSource, SchemaElement } from 'hyparquet-writer'
import { ParquetWriter } from 'hyparquet-writer'
import { stringElement, timestampElement } from './columns.js'
import { AtomicFileSink } from './file-sink.js'
import { CREATED_BY } from './source-export.js'

export const CATALOG_FILE = 'catalog.parquet'

/** One row of catalog.parquet: one exported source. */
export interface CatalogRow {
  readonly sourceCode: string
  readonly publication: string
  readonly publicationName: string
  readonly sourceKey: string
  /** Schema-qualified, unquoted: `gp_appointments.coverage`. */
  readonly tableName: string
  readonly title: string | null
  readonly description: string | null
  /** Where the description came from: publisher, derived, llm or reviewer; null without a description. */
  readonly descriptionSource?: string | null
  readonly rowCount: number
  /** The data fields, not counting the lineage columns. */
  readonly columnCount: number
  readonly firstPeriod: string | null
  readonly lastPeriod: string | null
  /** JSON text: `[{ name, title, type, description, descriptionSource, unit?, role?, since?, retiredSince? }]`. */
  readonly columns: string
  /** The file name, relative to the exports directory. */
  readonly parquetPath: string
  readonly fileSizeBytes: number
  /** `datawarp.sources.updated_at` in microseconds since the epoch, as decimal text. */
  readonly updatedAtMicros: string
  /**
   * The ledger's state the file was written from: the publication's latest loaded load_id and the source's
   * updated_at (`<load_id>:<micros>`). A source whose mark differs from the ledger's is stale.
   */
  readonly loadMark: string
}

function int64(name: string): SchemaElement {
  return { name, type: 'INT64', repetition_type: 'REQUIRED' }
}

const CATALOG_COLUMNS: readonly { element: SchemaElement; value: (row: CatalogRow) => unknown }[] = [
  { element: stringElement('source_code', false), value: (r) => r.sourceCode },
  { element: stringElement('publication', false), value: (r) => r.publication },
  { element: stringElement('publication_name', false), value: (r) => r.publicationName },
  { element: stringElement('source_key', false), value: (r) => r.sourceKey },
  { element: stringElement('table_name', false), value: (r) => r.tableName },
  { element: stringElement('title', true), value: (r) => r.title },
  { element: stringElement('description', true), value: (r) => r.description },
  { element: stringElement('description_source', true), value: (r) => r.descriptionSource ?? null },
  { element: int64('row_count'), value: (r) => BigInt(r.rowCount) },
  { element: int64('column_count'), value: (r) => BigInt(r.columnCount) },
  { element: stringElement('first_period', true), value: (r) => r.firstPeriod },
  { element: stringElement('last_period', true), value: (r) => r.lastPeriod },
  { element: stringElement('columns', false), value: (r) => r.columns },
  { element: stringElement('parquet_path', false), value: (r) => r.parquetPath },
  { element: int64('file_size_bytes'), value: (r) => BigInt(r.fileSizeBytes) },
  { element: timestampElement('updated_at', false, true), value: (r) => BigInt(r.updatedAtMicros) },
  { element: stringElement('load_mark', false), value: (r) => r.loadMark },
]

/**
 * The rows of an earlier catalog.parquet by source code: what it says was exported. Empty when there is none,
 * or it is unreadable or from before load marks (every source is then stale).
 */
export async function readCatalog(path: string): Promise<Map<string, CatalogRow>> {
  const rows = new Map<string, CatalogRow>()
  if (!existsSync(path)) return rows
  let objects: Record<string, unknown>[]
  try {
    objects = (await parquetReadObjects({ file: await asyncBufferFromFile(path) })) as Record<
      string,
      unknown
    >[]
  } catch {
    return rows
  }
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v))
  for (const o of objects) {
    if (typeof o.load_mark !== 'string' || typeof o.source_code !== 'string') continue
    const [, micros = ''] = o.load_mark.split(':')
    rows.set(o.source_code, {
      sourceCode: o.source_code,
      publication: String(o.publication),
      publicationName: String(o.publication_name),
      sourceKey: String(o.source_key),
      tableName: String(o.table_name),
      title: text(o.title),
      description: text(o.description),
      descriptionSource: text(o.description_source),
      rowCount: Number(o.row_count),
      columnCount: Number(o.column_count),
      firstPeriod: text(o.first_period),
      lastPeriod: text(o.last_period),
      columns: String(o.columns),
      parquetPath: String(o.parquet_path),
      fileSizeBytes: Number(o.file_size_bytes),
      updatedAtMicros: micros,
      loadMark: o.load_mark,
    })
  }
  return rows
}

/** Writes catalog.parquet atomically (via a .tmp file and a rename). */
export async function writeCatalog(path: string, rows: readonly CatalogRow[]): Promise<void> {
  const schema: SchemaElement[] = [
    { name: 'root', num_children: CATALOG_COLUMNS.length },
    ...CATALOG_COLUMNS.map((c) => c.element),
  ]
  const sink = new AtomicFileSink(path)
  try {
    const writer = new ParquetWriter({
      writer: sink,
      schema,
      codec: 'SNAPPY',
      createdBy: CREATED_BY,
    })
    if (rows.length > 0) {
      const columnData: ColumnSource[] = CATALOG_COLUMNS.map((c) => ({
        name: c.element.name,
        data: rows.map(c.value),
      }))
      await writer.write({ columnData, rowGroupSize: rows.length })
    }
    await writer.finish()
    sink.commit()
  } catch (error) {
    sink.abort()
    throw error
  }
}
