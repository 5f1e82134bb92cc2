import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type pg from 'pg'
import { SNAKE_CODE } from '../model/config.js'
import { DescriptionSourceSchema, descriptionSourceOf, FieldTypeSchema } from '../model/manifest.js'
import { CATALOG_FILE, type CatalogRow, readCatalog, writeCatalog } from './catalog.js'
import { writeDataPackage } from './datapackage.js'
import {
  describeFields,
  exportSource,
  fieldNotes,
  qualifiedTableName,
  type SourceField,
  type SourceFileStats,
  type SourceRow,
  sourceCode,
} from './source-export.js'

export interface ExportedSource {
  /** `<publication>__<source_key>`. */
  sourceCode: string
  publication: string
  sourceKey: string
  /** `<exportsDir>/<sourceCode>.parquet`. */
  path: string
  rows: number
  /** The data fields, not counting the four lineage columns. */
  columns: number
  /** File size. */
  bytes: number
  firstPeriod: string | null
  lastPeriod: string | null
}

export interface ExportResult {
  /** The sources written by this run, in (publication, source_key) order. */
  sources: ExportedSource[]
  catalogPath: string
  /** `datapackage.json` beside the catalog: the Frictionless Data Package describing every file. */
  dataPackagePath: string
  /** Paths of stale files deleted from the exports directory. */
  removed: string[]
  durationMs: number
}

export interface ExportOptions {
  /**
   * Re-export only these publications. Other sources keep their files (a source with no file yet
   * is written anyway) and keep their catalog rows, rebuilt from the database.
   */
  publications?: string[]
  /**
   * Export only the sources that are stale: whose file is missing, or whose catalog row records another load
   * mark than the ledger's now (a load committed since, e.g. before a run was killed during its export). The
   * others keep their file and catalog row. What `datawarp run` does, so exports converge to the database.
   */
  staleOnly?: boolean
  /** Called after each source's file is in place. */
  onSource?: (source: ExportedSource) => void
  /** Rows per Parquet row group, and so the most rows held in memory at once (default 100,000, at most 1,000,000). */
  rowGroupSize?: number
}

const DEFAULT_ROW_GROUP_SIZE = 100_000
/** Dictionary indexes are bit-packed at up to 24 bits. */
const MAX_ROW_GROUP_SIZE = 1_000_000
/** A row group also ends at this much COPY text, so wide text columns cannot blow up memory. */
const ROW_GROUP_BYTES = 64 * 1024 * 1024
const EXPORT_LOCK = `hashtext('datawarp.export')`

/** The latest loaded load_id of each publication: a load (or a republication replacing a period) changes it. */
const LOAD_MARKS_SQL = `
SELECT publication, max(load_id)::text AS load_id FROM datawarp.loads WHERE status = 'loaded' GROUP BY publication`

const SOURCES_SQL = `
SELECT publication, source_key, publication_name, table_schema, table_name, title, description, description_source, fields,
       round(extract(epoch FROM updated_at) * 1000000)::bigint::text AS updated_at_micros,
       to_regclass(format('%I.%I', table_schema, table_name)) IS NOT NULL AS table_exists
FROM datawarp.sources
ORDER BY publication, source_key`

interface SourceQueryRow {
  publication: string
  source_key: string
  publication_name: string
  table_schema: string
  table_name: string
  title: string | null
  description: string | null
  description_source: string | null
  fields: unknown
  updated_at_micros: string
  table_exists: boolean
}

/** A stored description source the manifest knows; anything else is left out (the rule then applies). */
function knownDescriptionSource(value: unknown) {
  const parsed = DescriptionSourceSchema.safeParse(value)
  return parsed.success ? { descriptionSource: parsed.data } : {}
}

function toSourceRow(row: SourceQueryRow): SourceRow {
  const code = `${row.publication}__${row.source_key}`
  for (const part of [row.publication, row.source_key]) {
    if (!SNAKE_CODE.test(part)) {
      throw new Error(
        `datawarp.sources row ${JSON.stringify(code)}: ${JSON.stringify(part)} is not a snake_case code`,
      )
    }
  }
  if (!Array.isArray(row.fields) || row.fields.length === 0) {
    throw new Error(`datawarp.sources row ${code}: fields is not a non-empty array`)
  }
  const fields = row.fields.map((f: unknown, i): SourceField => {
    const field = f as Partial<SourceField> | null
    if (!field || typeof field.name !== 'string' || !FieldTypeSchema.safeParse(field.type).success) {
      throw new Error(`datawarp.sources row ${code}: field ${i} has no name or an unknown type`)
    }
    return {
      name: field.name,
      title: typeof field.title === 'string' ? field.title : field.name,
      type: field.type as SourceField['type'],
      ...(typeof field.description === 'string' ? { description: field.description } : {}),
      ...knownDescriptionSource(field.descriptionSource),
      ...fieldNotes(field),
    }
  })
  return {
    publication: row.publication,
    sourceKey: row.source_key,
    publicationName: row.publication_name,
    tableSchema: row.table_schema,
    tableName: row.table_name,
    title: row.title,
    description: row.description,
    descriptionSource:
      descriptionSourceOf({
        description: row.description,
        ...knownDescriptionSource(row.description_source),
      }) ?? null,
    fields,
    updatedAtMicros: row.updated_at_micros,
  }
}

/**
 * Exports every source in `datawarp.sources` whose table exists to `<exportsDir>/<code>.parquet`
 * (all periods, ordered by `_period, _load_id`) and rebuilds `catalog.parquet` listing them all.
 * Everything is read in one REPEATABLE READ snapshot, so files and catalog agree even while loads
 * commit; concurrent exports of the same database queue on an advisory lock. When exporting
 * everything, `*.parquet` files not in the new catalog are deleted; with `publications`, only
 * stale files of those publications are.
 */
export async function exportAll(
  pool: pg.Pool,
  exportsDir: string,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const started = performance.now()
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE
  if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1 || rowGroupSize > MAX_ROW_GROUP_SIZE) {
    throw new Error(`rowGroupSize must be an integer from 1 to ${MAX_ROW_GROUP_SIZE}, got ${rowGroupSize}`)
  }
  const selected = options.publications ? new Set(options.publications) : undefined
  mkdirSync(exportsDir, { recursive: true })
  const catalogPath = join(exportsDir, CATALOG_FILE)

  const client = await pool.connect()
  try {
    // The lock comes before the snapshot, so a queued export sees what the previous one left.
    await client.query(`SELECT pg_advisory_lock(${EXPORT_LOCK})`)
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY')
    // The value parsers in columns.ts read ISO dates and UTC timestamps.
    await client.query(`SET LOCAL client_encoding = 'UTF8'`)
    await client.query(`SET LOCAL DateStyle = 'ISO, YMD'`)
    await client.query(`SET LOCAL TimeZone = 'UTC'`)
    // Sorting a large table by period in memory rather than on disk.
    await client.query(`SET LOCAL work_mem = '128MB'`)

    // A database nothing was ever loaded into has no ledger yet: that is zero sources.
    const ledger = await client.query<{ exists: boolean }>(
      `SELECT to_regclass('datawarp.sources') IS NOT NULL AS exists`,
    )
    const { rows } = ledger.rows[0]?.exists
      ? await client.query<SourceQueryRow>(SOURCES_SQL)
      : { rows: [] as SourceQueryRow[] }
    const loadIds = new Map(
      ledger.rows[0]?.exists
        ? (await client.query<{ publication: string; load_id: string }>(LOAD_MARKS_SQL)).rows.map((r) => [
            r.publication,
            r.load_id,
          ])
        : [],
    )
    const before = options.staleOnly ? await readCatalog(catalogPath) : new Map<string, CatalogRow>()
    const exported: ExportedSource[] = []
    const catalog: CatalogRow[] = []
    for (const row of rows) {
      if (!row.table_exists) continue
      const source = toSourceRow(row)
      const code = sourceCode(source)
      const fileName = `${code}.parquet`
      const path = join(exportsDir, fileName)
      const loadMark = `${loadIds.get(source.publication) ?? 0}:${source.updatedAtMicros}`
      const previous = before.get(code)
      const exists = existsSync(path)
      if (
        previous &&
        exists &&
        previous.loadMark === loadMark &&
        statSync(path).size === previous.fileSizeBytes
      ) {
        catalog.push({ ...previous, ...catalogText(source) })
        continue
      }
      let stats: SourceFileStats
      let written = true
      if (options.staleOnly || !selected || selected.has(source.publication) || !exists) {
        try {
          stats = await exportSource(client, source, path, { rowGroupSize, rowGroupBytes: ROW_GROUP_BYTES })
        } catch (error) {
          throw new Error(`exporting ${code} failed: ${(error as Error).message}`, { cause: error })
        }
        const result: ExportedSource = {
          sourceCode: code,
          publication: source.publication,
          sourceKey: source.sourceKey,
          path,
          rows: stats.rows,
          columns: source.fields.length,
          bytes: stats.bytes,
          firstPeriod: stats.firstPeriod,
          lastPeriod: stats.lastPeriod,
        }
        exported.push(result)
        options.onSource?.(result)
      } else {
        const summary = await client.query<{ rows: string; first: string | null; last: string | null }>(
          `SELECT count(*)::text AS rows, min("_period" COLLATE "C") AS first, max("_period" COLLATE "C") AS last
           FROM ${qualifiedTableName(source)}`,
        )
        const s = summary.rows[0]
        written = false
        stats = {
          rows: Number(s?.rows ?? 0),
          bytes: statSync(path).size,
          firstPeriod: s?.first ?? null,
          lastPeriod: s?.last ?? null,
        }
      }
      catalog.push({
        sourceCode: code,
        publication: source.publication,
        publicationName: source.publicationName,
        sourceKey: source.sourceKey,
        tableName: `${source.tableSchema}.${source.tableName}`,
        ...catalogText(source),
        rowCount: stats.rows,
        columnCount: source.fields.length,
        firstPeriod: stats.firstPeriod,
        lastPeriod: stats.lastPeriod,
        parquetPath: fileName,
        fileSizeBytes: stats.bytes,
        updatedAtMicros: source.updatedAtMicros,
        // A file kept from an earlier export may be older than the ledger: the next stale-only export redoes it.
        loadMark: written ? loadMark : 'unknown',
      })
    }
    await writeCatalog(catalogPath, catalog)
    const dataPackagePath = writeDataPackage(exportsDir, catalog)
    await client.query('COMMIT')

    const removed = removeStaleFiles(exportsDir, new Set(catalog.map((c) => c.parquetPath)), selected)
    await client.query(`SELECT pg_advisory_unlock(${EXPORT_LOCK})`)
    client.release()
    return {
      sources: exported,
      catalogPath,
      dataPackagePath,
      removed,
      durationMs: Math.round(performance.now() - started),
    }
  } catch (error) {
    // Dropping the connection ends the transaction, any COPY in flight and the advisory lock.
    client.release(error instanceof Error ? error : new Error(String(error)))
    throw error
  }
}

/**
 * What the catalog says of a source's text, from the database: also for a file kept as it was (whose catalog row
 * may come from an earlier version that did not record all of it).
 */
function catalogText(source: SourceRow) {
  return {
    title: source.title,
    description: source.description,
    descriptionSource: source.descriptionSource,
    columns: JSON.stringify(describeFields(source.fields)),
  }
}

/**
 * Whether an export of this database is running now (it holds the export lock): when none is, a
 * `*.parquet.tmp` in an exports folder is the leftover of a killed one.
 */
export async function exportRunning(pool: pg.Pool): Promise<boolean> {
  const client = await pool.connect()
  try {
    const { rows } = await client.query<{ free: boolean }>(
      `SELECT pg_try_advisory_lock(${EXPORT_LOCK}) AS free`,
    )
    if (rows[0]?.free) await client.query(`SELECT pg_advisory_unlock(${EXPORT_LOCK})`)
    return !rows[0]?.free
  } finally {
    client.release()
  }
}

/**
 * Deletes `*.parquet` files (and leftover `*.parquet.tmp` files) that the catalog does not list.
 * With a publication selection, only files named after a selected publication are touched.
 */
function removeStaleFiles(exportsDir: string, keep: ReadonlySet<string>, selected?: ReadonlySet<string>) {
  const removed: string[] = []
  for (const entry of readdirSync(exportsDir, { withFileTypes: true })) {
    if (!entry.isFile()) continue
    const name = entry.name
    const base = name.endsWith('.parquet.tmp') ? name.slice(0, -'.tmp'.length) : name
    if (!base.endsWith('.parquet') || base === CATALOG_FILE) continue
    if (name === base && keep.has(name)) continue
    if (selected) {
      const separator = base.indexOf('__')
      if (separator === -1 || !selected.has(base.slice(0, separator))) continue
    }
    const path = join(exportsDir, name)
    rmSync(path, { force: true })
    removed.push(path)
  }
  return removed.sort()
}
