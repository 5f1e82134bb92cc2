import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type pg from 'pg'
import { SNAKE_CODE } from '../model/config.js'
import { DescriptionSourceSchema, descriptionSourceOf, FieldTypeSchema } from '../model/manifest.js'
import { CATALOG_FILE, type CatalogFile, type CatalogRow, readCatalog, writeCatalog } from './catalog.js'
import { writeDataPackage } from './datapackage.js'
import { EMPTY_SOURCE_FILE, periodFileName, singleFileName, sourceFolder } from './export-layout.js'
import {
  describeFields,
  exportPeriod,
  fieldNotes,
  qualifiedTableName,
  type SourceField,
  type SourceRow,
  sourceCode,
  sourceMetadata,
  tablePeriods,
} from './source-export.js'

export interface ExportedSource {
  /** `<publication>__<source_key>`. */
  sourceCode: string
  publication: string
  sourceKey: string
  /** The source's folder: `<exportsDir>/<publication>/<source_key>`. */
  path: string
  /** Its files now, in period order (see exportedFilesOf). */
  files: CatalogFile[]
  /** The files this export wrote (the others were current and kept), relative to the exports folder. */
  written: string[]
  rows: number
  /** The data fields, not counting the four lineage columns. */
  columns: number
  /** The size of all its files. */
  bytes: number
  firstPeriod: string | null
  lastPeriod: string | null
}

export interface ExportResult {
  /** The sources this export wrote or deleted a file of, in (publication, source_key) order. */
  sources: ExportedSource[]
  catalogPath: string
  /** `datapackage.json` beside the catalog: the Frictionless Data Package describing every file. */
  dataPackagePath: string
  /** Paths of stale files deleted from the exports directory (a removed period, source, or old single file). */
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
   * Write only the files that are stale: a period's file that is missing, or whose catalog entry records another
   * mark than the ledger's now (a load or republication of the period committed since, e.g. before a run was
   * killed during its export, or the source's description changed). Current files are kept. What `datawarp run`
   * does, so exports converge to the database at a cost that follows what changed, not the history held.
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

/** The latest loaded load_id of each period of a publication: a load (or a republication) of the period changes it. */
const PERIOD_MARKS_SQL = `
SELECT period, max(load_id)::text AS load_id FROM datawarp.loads
WHERE status = 'loaded' AND publication = $1 GROUP BY period`

/**
 * Exports every source in `datawarp.sources` whose table exists to `<exportsDir>/<publication>/<source_key>/`,
 * one `<period>.parquet` per period (see export-layout.ts), and rebuilds `catalog.parquet` listing them all.
 * Everything is read in one REPEATABLE READ snapshot, so files and catalog agree even while loads commit;
 * concurrent exports of the same database queue on an advisory lock. Files of periods, sources and publications no
 * longer in the database, and files of the single-file layout before it (`<publication>__<source_key>.parquet`),
 * are deleted; with `publications`, only those of the selected publications (and of sources written).
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
    // Sorting a large period in memory rather than on disk.
    await client.query(`SET LOCAL work_mem = '128MB'`)

    // A database nothing was ever loaded into has no ledger yet: that is zero sources.
    const ledger = await client.query<{ exists: boolean }>(
      `SELECT to_regclass('datawarp.sources') IS NOT NULL AS exists`,
    )
    const hasLedger = ledger.rows[0]?.exists === true
    const { rows } = hasLedger
      ? await client.query<SourceQueryRow>(SOURCES_SQL)
      : { rows: [] as SourceQueryRow[] }
    const loadIds = new Map(
      hasLedger
        ? (await client.query<{ publication: string; load_id: string }>(LOAD_MARKS_SQL)).rows.map((r) => [
            r.publication,
            r.load_id,
          ])
        : [],
    )
    const periodMarks = new Map<string, Map<string, string>>()
    const marksOf = async (publication: string) => {
      let marks = periodMarks.get(publication)
      if (!marks) {
        const found = await client.query<{ period: string; load_id: string }>(PERIOD_MARKS_SQL, [publication])
        marks = new Map(found.rows.map((r) => [r.period, r.load_id]))
        periodMarks.set(publication, marks)
      }
      return marks
    }
    const before = await readCatalog(catalogPath)
    const exported: ExportedSource[] = []
    const catalog: CatalogRow[] = []
    const removed: string[] = []
    for (const row of rows) {
      if (!row.table_exists) continue
      const source = toSourceRow(row)
      const code = sourceCode(source)
      const folder = sourceFolder(source.publication, source.sourceKey)
      const loadMark = `${loadIds.get(source.publication) ?? 0}:${source.updatedAtMicros}`
      const previous = before.get(code)
      const intact =
        previous !== undefined && previous.parquetPath === folder && filesIntact(exportsDir, previous)
      if (options.staleOnly && intact && previous.loadMark === loadMark) {
        catalog.push({ ...previous, ...catalogText(source) })
        continue
      }
      const base = {
        sourceCode: code,
        publication: source.publication,
        publicationName: source.publicationName,
        sourceKey: source.sourceKey,
        tableName: `${source.tableSchema}.${source.tableName}`,
        ...catalogText(source),
        columnCount: source.fields.length,
        parquetPath: folder,
        updatedAtMicros: source.updatedAtMicros,
      }
      if (!options.staleOnly && selected && !selected.has(source.publication) && intact) {
        // Not selected: its files stay; the catalog takes its counts from the database.
        const summary = await client.query<{ rows: string; first: string | null; last: string | null }>(
          `SELECT count(*)::text AS rows, min("_period" COLLATE "C") AS first, max("_period" COLLATE "C") AS last
           FROM ${qualifiedTableName(source)}`,
        )
        const s = summary.rows[0]
        catalog.push({
          ...base,
          rowCount: Number(s?.rows ?? 0),
          firstPeriod: s?.first ?? null,
          lastPeriod: s?.last ?? null,
          files: previous.files,
          fileSizeBytes: previous.fileSizeBytes,
          // Files kept from an earlier export may be older than the ledger: the next stale-only export redoes them.
          loadMark: 'unknown',
        })
        continue
      }
      let written: SourceFiles
      try {
        written = await exportSourceFiles(client, exportsDir, source, {
          marks: await marksOf(source.publication),
          // A forced export rewrites every file; a stale-only one keeps the files whose mark is current.
          current: options.staleOnly && previous?.parquetPath === folder ? previous.files : [],
          rowGroupSize,
          rowGroupBytes: ROW_GROUP_BYTES,
        })
      } catch (error) {
        throw new Error(`exporting ${code} failed: ${(error as Error).message}`, { cause: error })
      }
      removed.push(...written.removed)
      const periods = written.files.flatMap((f) => (f.period === null ? [] : [f.period]))
      const entry: CatalogRow = {
        ...base,
        rowCount: written.files.reduce((sum, f) => sum + f.rows, 0),
        firstPeriod: periods[0] ?? null,
        lastPeriod: periods.at(-1) ?? null,
        files: written.files,
        fileSizeBytes: written.files.reduce((sum, f) => sum + f.bytes, 0),
        loadMark,
      }
      catalog.push(entry)
      if (written.written.length > 0 || written.removed.length > 0) {
        const result: ExportedSource = {
          sourceCode: code,
          publication: source.publication,
          sourceKey: source.sourceKey,
          path: join(exportsDir, ...folder.split('/')),
          files: entry.files.slice(),
          written: written.written,
          rows: entry.rowCount,
          columns: source.fields.length,
          bytes: entry.fileSizeBytes,
          firstPeriod: entry.firstPeriod,
          lastPeriod: entry.lastPeriod,
        }
        exported.push(result)
        options.onSource?.(result)
      }
    }
    await writeCatalog(catalogPath, catalog)
    const dataPackagePath = writeDataPackage(exportsDir, catalog)
    await client.query('COMMIT')

    removed.push(...removeStaleFiles(exportsDir, catalog, selected))
    await client.query(`SELECT pg_advisory_unlock(${EXPORT_LOCK})`)
    client.release()
    return {
      sources: exported,
      catalogPath,
      dataPackagePath,
      removed: removed.sort(),
      durationMs: Math.round(performance.now() - started),
    }
  } catch (error) {
    // Dropping the connection ends the transaction, any COPY in flight and the advisory lock.
    client.release(error instanceof Error ? error : new Error(String(error)))
    throw error
  }
}

/** Every file the catalog row lists is on disk with the size it lists. */
function filesIntact(exportsDir: string, row: CatalogRow): boolean {
  if (row.files.length === 0) return false
  return row.files.every((f) => {
    const path = join(exportsDir, ...f.path.split('/'))
    return existsSync(path) && statSync(path).size === f.bytes
  })
}

interface SourceFiles {
  /** The source's files now, in period order. */
  files: CatalogFile[]
  /** Relative paths of the files written. */
  written: string[]
  /** Absolute paths of the files deleted (periods gone, the old single file, leftovers). */
  removed: string[]
}

/**
 * Brings the source's folder to its table: writes the file of each period whose mark is not the one `current` lists
 * for it (or whose file is missing or another size), keeps the others, and deletes files of periods the table no
 * longer holds, `.tmp` leftovers, and the source's file from the single-file layout. One period's rows are in memory
 * at most a row group at a time.
 */
async function exportSourceFiles(
  client: pg.ClientBase,
  exportsDir: string,
  source: SourceRow,
  options: {
    marks: ReadonlyMap<string, string>
    current: readonly CatalogFile[]
    rowGroupSize: number
    rowGroupBytes: number
  },
): Promise<SourceFiles> {
  const folder = sourceFolder(source.publication, source.sourceKey)
  const dir = join(exportsDir, ...folder.split('/'))
  mkdirSync(dir, { recursive: true })
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([LAYOUT_VERSION, options.rowGroupSize, sourceMetadata(source)]))
    .digest('hex')
    .slice(0, 16)
  const current = new Map(options.current.map((f) => [f.path, f]))
  const { periods, partitioned } = await tablePeriods(client, source)
  const files: CatalogFile[] = []
  const written: string[] = []
  const write = async (period: string | null, name: string, mark: string) => {
    const path = `${folder}/${name}`
    const kept = current.get(path)
    const absolute = join(dir, name)
    if (kept && kept.mark === mark && existsSync(absolute) && statSync(absolute).size === kept.bytes) {
      files.push(kept)
      return
    }
    const stats = await exportPeriod(client, source, period, absolute, {
      rowGroupSize: options.rowGroupSize,
      rowGroupBytes: options.rowGroupBytes,
      partitioned,
    })
    written.push(path)
    // An empty partition is no period: its file goes (a file of no rows only stands for a source without rows).
    if (period !== null && stats.rows === 0) rmSync(absolute, { force: true })
    else files.push({ period, path, rows: stats.rows, bytes: stats.bytes, mark })
  }
  for (const period of periods) {
    await write(period, periodFileName(period), `${options.marks.get(period) ?? 0}:${fingerprint}`)
  }
  if (files.length === 0) await write(null, EMPTY_SOURCE_FILE, `0:${fingerprint}`)

  const keep = new Set(files.map((f) => f.path.slice(folder.length + 1)))
  const removed: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || keep.has(entry.name) || !isExportFile(entry.name)) continue
    rmSync(join(dir, entry.name), { force: true })
    removed.push(join(dir, entry.name))
  }
  const single = join(exportsDir, singleFileName(source.publication, source.sourceKey))
  if (existsSync(single)) {
    rmSync(single, { force: true })
    removed.push(single)
  }
  return { files, written, removed }
}

/** The layout's version in every file's mark: a change of what is written makes every file stale once. */
const LAYOUT_VERSION = 1

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

/** A Parquet file or the `.tmp` of one being written (or left by a killed export). */
function isExportFile(name: string): boolean {
  return name.endsWith('.parquet') || name.endsWith('.parquet.tmp')
}

/**
 * Deletes the export files the catalog does not list: at the top, the single files of the layout before (and
 * their `.tmp` leftovers); below, whole folders of sources and publications no longer exported, and files in a
 * listed source's folder that it does not list. With a publication selection, only files of a selected
 * publication are touched. Only `*.parquet` and `*.parquet.tmp` files are deleted, and folders left empty.
 */
function removeStaleFiles(
  exportsDir: string,
  catalog: readonly CatalogRow[],
  selected?: ReadonlySet<string>,
): string[] {
  const removed: string[] = []
  const keep = new Set(catalog.flatMap((row) => row.files.map((f) => f.path)))
  const touches = (publication: string) => !selected || selected.has(publication)
  const remove = (path: string) => {
    rmSync(path, { force: true })
    removed.push(path)
  }
  for (const entry of readdirSync(exportsDir, { withFileTypes: true })) {
    const name = entry.name
    if (entry.isFile()) {
      if (!isExportFile(name) || name === CATALOG_FILE) continue
      const separator = name.indexOf('__')
      if (separator !== -1 && !touches(name.slice(0, separator))) continue
      if (separator === -1 && selected) continue
      remove(join(exportsDir, name))
      continue
    }
    if (!entry.isDirectory() || !SNAKE_CODE.test(name) || !touches(name)) continue
    const publicationDir = join(exportsDir, name)
    for (const sourceEntry of readdirSync(publicationDir, { withFileTypes: true })) {
      if (!sourceEntry.isDirectory() || !SNAKE_CODE.test(sourceEntry.name)) continue
      const sourceDir = join(publicationDir, sourceEntry.name)
      for (const file of readdirSync(sourceDir, { withFileTypes: true })) {
        if (!file.isFile() || !isExportFile(file.name)) continue
        if (keep.has(`${name}/${sourceEntry.name}/${file.name}`)) continue
        remove(join(sourceDir, file.name))
      }
      removeIfEmpty(sourceDir)
    }
    removeIfEmpty(publicationDir)
  }
  return removed
}

function removeIfEmpty(dir: string): void {
  if (readdirSync(dir).length === 0) rmdirSync(dir)
}
