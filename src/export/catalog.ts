import { existsSync } from 'node:fs'
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet'
import type { ColumnSource, SchemaElement } from 'hyparquet-writer'
import { ParquetWriter } from 'hyparquet-writer'
import type { FieldType } from '../model/manifest.js'
import { stringElement, timestampElement } from './columns.js'
import type { ExportedFile } from './export-layout.js'
import { AtomicFileSink } from './file-sink.js'
import { CREATED_BY } from './source-export.js'

export const CATALOG_FILE = 'catalog.parquet'

/** One file of a source as the catalog lists it. */
export interface CatalogFile extends ExportedFile {
  readonly rows: number
  /**
   * What the file was written from: the period's latest loaded load_id in the ledger and a fingerprint of the
   * source's description (`<load_id>:<fingerprint>`). A file whose mark differs from the ledger's is rewritten.
   */
  readonly mark: string
}

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
  /** The source's folder of Parquet files, relative to the exports directory: `gp_appointments/coverage`. */
  readonly parquetPath: string
  /** The files in that folder, one per period, in period order (`parquet_files`, JSON text in the file). */
  readonly files: readonly CatalogFile[]
  /** The size of all its files. */
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

/** A column of catalog.parquet: its Parquet element, its value, and its type and meaning for datapackage.json. */
interface CatalogColumn {
  readonly element: SchemaElement
  readonly type: FieldType
  readonly description: string
  readonly value: (row: CatalogRow) => unknown
}

const CATALOG_COLUMNS: readonly CatalogColumn[] = [
  {
    element: stringElement('source_code', false),
    type: 'string',
    description: 'The source: <publication>__<source_key>, the name of its resource in datapackage.json',
    value: (r) => r.sourceCode,
  },
  {
    element: stringElement('publication', false),
    type: 'string',
    description: 'The publication code, also its schema in PostgreSQL',
    value: (r) => r.publication,
  },
  {
    element: stringElement('publication_name', false),
    type: 'string',
    description: "The publication's name",
    value: (r) => r.publicationName,
  },
  {
    element: stringElement('source_key', false),
    type: 'string',
    description: 'The key of the source within its publication',
    value: (r) => r.sourceKey,
  },
  {
    element: stringElement('table_name', false),
    type: 'string',
    description: 'The PostgreSQL table, schema-qualified: publication.table',
    value: (r) => r.tableName,
  },
  {
    element: stringElement('title', true),
    type: 'string',
    description: "The source's title",
    value: (r) => r.title,
  },
  {
    element: stringElement('description', true),
    type: 'string',
    description: "The source's description",
    value: (r) => r.description,
  },
  {
    element: stringElement('description_source', true),
    type: 'string',
    description: 'Where the description came from: publisher, derived, llm or reviewer',
    value: (r) => r.descriptionSource ?? null,
  },
  {
    element: int64('row_count'),
    type: 'integer',
    description: 'Rows exported, all periods',
    value: (r) => BigInt(r.rowCount),
  },
  {
    element: int64('column_count'),
    type: 'integer',
    description: 'Data columns, not counting the four lineage columns',
    value: (r) => BigInt(r.columnCount),
  },
  {
    element: stringElement('first_period', true),
    type: 'string',
    description: 'The first period exported',
    value: (r) => r.firstPeriod,
  },
  {
    element: stringElement('last_period', true),
    type: 'string',
    description: 'The last period exported',
    value: (r) => r.lastPeriod,
  },
  {
    element: stringElement('columns', false),
    type: 'string',
    description:
      'JSON: the data columns, each with name, title, type, description, descriptionSource, and unit, role, since, retiredSince when known',
    value: (r) => r.columns,
  },
  {
    element: stringElement('parquet_path', false),
    type: 'string',
    description:
      "The source's folder of Parquet files, relative to the exports folder: <publication>/<source_key>",
    value: (r) => r.parquetPath,
  },
  {
    element: stringElement('parquet_files', false),
    type: 'string',
    description:
      'JSON: the files in that folder, one per period, in period order, each with period, path (relative to the exports folder), bytes, rows and mark',
    value: (r) => JSON.stringify(r.files),
  },
  {
    element: int64('file_size_bytes'),
    type: 'integer',
    description: 'The size of all its files',
    value: (r) => BigInt(r.fileSizeBytes),
  },
  {
    element: timestampElement('updated_at', false, true),
    type: 'datetime',
    description: "When the source's description last changed in the database (UTC)",
    value: (r) => BigInt(r.updatedAtMicros),
  },
  {
    element: stringElement('load_mark', false),
    type: 'string',
    description: 'The ledger state the files were written from: <load_id>:<updated_at microseconds>',
    value: (r) => r.loadMark,
  },
]

/** catalog.parquet's columns as fields: name, type, meaning, and whether a value is always there. */
export const CATALOG_FIELDS = CATALOG_COLUMNS.map((c) => ({
  name: c.element.name,
  type: c.type,
  description: c.description,
  required: c.element.repetition_type === 'REQUIRED',
}))

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
      files: catalogFiles(o.parquet_files),
      fileSizeBytes: Number(o.file_size_bytes),
      updatedAtMicros: micros,
      loadMark: o.load_mark,
    })
  }
  return rows
}

/** The `parquet_files` of a catalog row; none when it is missing (a catalog from before the per-period layout) or malformed. */
function catalogFiles(text: unknown): CatalogFile[] {
  if (typeof text !== 'string') return []
  try {
    const files: unknown = JSON.parse(text)
    if (!Array.isArray(files)) return []
    return files.filter(
      (f): f is CatalogFile =>
        typeof f === 'object' &&
        f !== null &&
        (typeof f.period === 'string' || f.period === null) &&
        typeof f.path === 'string' &&
        typeof f.bytes === 'number' &&
        typeof f.rows === 'number' &&
        typeof f.mark === 'string',
    )
  } catch {
    return []
  }
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
