/**
 * `datapackage.json` beside catalog.parquet: a Frictionless Data Package (v2) describing every exported Parquet
 * file with its Table Schema, so standard tools (frictionless, DuckDB, pandas readers of packages) read the
 * exports with their metadata. Written each time the catalog is.
 */
import { renameSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { LINEAGE_COLUMNS } from '../db/sql-types.js'
import { type StoredField, storedFields, storedText } from '../model/stored-field.js'
import { CATALOG_FIELDS, CATALOG_FILE, type CatalogRow } from './catalog.js'
import { DATAPACKAGE_FILE } from './export-layout.js'

export { DATAPACKAGE_FILE }

export const DATAPACKAGE_PROFILE = 'https://datapackage.org/profiles/2.0/datapackage.json'
const PARQUET = { format: 'parquet', mediatype: 'application/vnd.apache.parquet' } as const
/** Custom properties carry a namespace, as the Data Package standard recommends. */
const NS = 'datawarp'

/**
 * The files that hold a source's data, relative to the exports folder, in period order: one Parquet file per
 * period in the source's folder `<publication>/<source_key>/`, as the catalog lists them.
 */
export function sourceFiles(row: CatalogRow): string[] {
  return row.files.map((file) => file.path)
}

/** A Table Schema field (with DataWarp's custom properties under `datawarp:`). */
export type TableSchemaField = Record<string, unknown> & { name: string; type: string }

export interface DataResource {
  readonly name: string
  readonly type: 'table'
  /** One relative path, or several for a source split over files (a multipart resource). */
  readonly path: string | readonly string[]
  readonly format: 'parquet'
  readonly mediatype: string
  readonly bytes: number
  readonly title?: string
  readonly description?: string
  readonly schema: { readonly fields: readonly TableSchemaField[]; readonly missingValues: readonly string[] }
  readonly [custom: `${typeof NS}:${string}`]: unknown
}

export interface DataPackage {
  readonly $schema: string
  readonly name: string
  readonly title: string
  readonly description: string
  readonly created: string
  readonly resources: readonly DataResource[]
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined

/** Only the keys whose value is text: a Table Schema descriptor leaves out what it does not know. */
function present(entries: Record<string, unknown>): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const [key, value] of Object.entries(entries)) {
    const t = text(value)
    if (t !== undefined) kept[key] = t
  }
  return kept
}

/**
 * A data column as a Table Schema field. Manifest field types are Table Schema's (integer, number, boolean, date,
 * datetime, string), and Parquet's types carry the values, so the names map one to one.
 */
function dataField(column: StoredField & { readonly name: string }): TableSchemaField {
  return {
    name: column.name,
    type: storedText(column.type) ?? 'string',
    ...present({
      title: column.title,
      description: column.description,
      [`${NS}:descriptionSource`]: column.descriptionSource,
      [`${NS}:unit`]: column.unit,
      [`${NS}:role`]: column.role,
      [`${NS}:since`]: column.since,
      [`${NS}:retiredSince`]: column.retiredSince,
    }),
  }
}

const LINEAGE_FIELDS: readonly TableSchemaField[] = LINEAGE_COLUMNS.map((c) => ({
  name: c.name,
  type: c.type,
  description: c.description,
  constraints: { required: true },
  [`${NS}:lineage`]: true,
}))

/** The catalog's `columns` JSON of a row (see describeFields). */
function columnsOf(row: CatalogRow) {
  const columns = storedFields(row.columns)
  if (!columns) throw new Error(`catalog row ${row.sourceCode}: columns is not a JSON array`)
  return columns
}

/** One path as a string, several as the array a multipart resource has. */
const pathOf = (files: readonly string[]) => (files.length === 1 ? files[0]! : files)

/**
 * The resource of one exported source. `missingValues` is empty: the Parquet values are typed, and a missing
 * value is a null (the publication's markers were read as NULL at load; in text columns they stay as written).
 */
export function sourceResource(row: CatalogRow, bytesOf: (file: string) => number): DataResource {
  const files = sourceFiles(row)
  return {
    name: row.sourceCode,
    type: 'table',
    path: pathOf(files),
    ...PARQUET,
    bytes: files.reduce((sum, file) => sum + bytesOf(file), 0),
    ...present({ title: row.title, description: row.description }),
    schema: { fields: [...columnsOf(row).map(dataField), ...LINEAGE_FIELDS], missingValues: [] },
    ...present({ [`${NS}:descriptionSource`]: row.descriptionSource }),
    [`${NS}:publication`]: row.publication,
    [`${NS}:publicationName`]: row.publicationName,
    [`${NS}:sourceKey`]: row.sourceKey,
    [`${NS}:table`]: row.tableName,
    [`${NS}:rows`]: row.rowCount,
    ...present({ [`${NS}:firstPeriod`]: row.firstPeriod, [`${NS}:lastPeriod`]: row.lastPeriod }),
  }
}

/** catalog.parquet itself, one row per source: the package always has it, so it is never without resources. */
function catalogResource(bytes: number): DataResource {
  return {
    name: 'catalog',
    type: 'table',
    path: CATALOG_FILE,
    ...PARQUET,
    bytes,
    title: 'Catalog of the exported sources',
    description: 'One row per exported source: its publication, table, text, columns, periods and file.',
    schema: {
      fields: CATALOG_FIELDS.map(({ required, ...field }) =>
        required ? { ...field, constraints: { required: true } } : field,
      ),
      missingValues: [],
    },
  }
}

function packageDescription(rows: readonly CatalogRow[]): string {
  const publications = [...new Map(rows.map((r) => [r.publication, r.publicationName])).values()]
  const sources = `${rows.length} source${rows.length === 1 ? '' : 's'}`
  const from = publications.length > 0 ? ` from ${publications.join('; ')}` : ''
  return `${sources}${from}, each a Parquet file with its Table Schema, and catalog.parquet listing them. Exported by DataWarp from its PostgreSQL database.`
}

/** The Data Package for the exports folder whose catalog lists `rows`; `bytesOf` gives a file's size. */
export function dataPackage(
  rows: readonly CatalogRow[],
  bytesOf: (file: string) => number,
  created: Date,
): DataPackage {
  return {
    $schema: DATAPACKAGE_PROFILE,
    name: 'datawarp-exports',
    title: 'DataWarp exports',
    description: packageDescription(rows),
    created: created.toISOString(),
    resources: [catalogResource(bytesOf(CATALOG_FILE)), ...rows.map((row) => sourceResource(row, bytesOf))],
  }
}

/**
 * Writes `<exportsDir>/datapackage.json` for the catalog just written (via a temporary file and a rename, so a
 * reader sees the previous package or the new one). Sizes are the files' on disk now.
 */
export function writeDataPackage(
  exportsDir: string,
  rows: readonly CatalogRow[],
  created = new Date(),
): string {
  const path = join(exportsDir, DATAPACKAGE_FILE)
  const bytesOf = (file: string) => statSync(join(exportsDir, file)).size
  const temp = `${path}.tmp`
  writeFileSync(temp, `${JSON.stringify(dataPackage(rows, bytesOf, created), null, 2)}\n`)
  renameSync(temp, path)
  return path
}
