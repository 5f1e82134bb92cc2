import { existsSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { type DuckDBConnection, DuckDBInstance, StatementType } from '@duckdb/node-api'
import { quoteIdent, quoteLiteral } from '../../db/index.js'
import { CATALOG_FILE } from '../../export/index.js'
import { SNAKE_CODE } from '../../model/config.js'
import { columnsFromFields, descriptionSourceText } from '../columns.js'
import type { ManifestFiles } from '../manifests.js'
import { publicationsFrom } from '../publications.js'
import { assemblePage, pageRequest, SAMPLE_ROWS, sampleStatement, wrapStatement } from '../query-page.js'
import { searchCatalog } from '../search.js'
import {
  type CatalogEntry,
  type PublicationInfo,
  QueryRefusedError,
  type QueryRequest,
  type QueryResult,
  type Reader,
  type ReadLimits,
  type SourceDescription,
  UnknownSourceError,
} from '../types.js'
import { duckdbCell } from './duckdb-values.js'

/** A source's folder in the exports folder, `<publication>/<source_key>` (see src/export/export-layout.ts). */
const SOURCE_FOLDER = /^[a-z][a-z0-9_]*\/[a-z][a-z0-9_]*$/
/** A catalog from before the per-period layout lists one file per source. */
const SINGLE_FILE = /^[a-z0-9_]+\.parquet$/

interface SourcePeriods {
  periods: { period: string; rows: number; loadedAt: string | null }[]
}

/**
 * The Parquet exports through an in-memory DuckDB that may read the exports folder and nothing else: each
 * source is a view named as its table in PostgreSQL (`"publication"."table"`) over all its files
 * (`<publication>/<source_key>/*.parquet`, one per period), so the same SQL runs on both.
 * Before any consumer statement runs, file access outside the folder, extension installs and loads are
 * switched off and the configuration is locked, so a statement cannot switch them back on.
 */
export async function openParquetReader(
  exportsDir: string,
  limits: ReadLimits,
  manifests: ManifestFiles,
): Promise<Reader> {
  if (!existsSync(join(exportsDir, CATALOG_FILE))) {
    throw new Error(
      `${exportsDir} has no ${CATALOG_FILE}: run \`datawarp export\` first, or point --exports at an exports folder`,
    )
  }
  const dir = realpathSync(exportsDir)
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    allow_community_extensions: 'false',
    allow_unsigned_extensions: 'false',
  })
  const setup = await instance.connect()
  try {
    await setup.run(`SET allowed_directories = [${quoteLiteral(`${dir}/`)}]`)
    await setup.run('SET enable_external_access = false')
    const entries = await loadCatalog(setup, dir)
    await setup.run('SET lock_configuration = true')
    return new ParquetReader(instance, entries, limits, manifests)
  } catch (error) {
    instance.closeSync()
    throw error
  } finally {
    setup.closeSync()
  }
}

async function loadCatalog(connection: DuckDBConnection, dir: string) {
  const reader = await connection.runAndReadAll(
    // * rather than a list: a catalog written by an earlier version lacks the newer columns (description_source).
    `SELECT * REPLACE (strftime(updated_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS updated_at)
     FROM read_parquet(${quoteLiteral(join(dir, CATALOG_FILE))}) ORDER BY publication, source_key`,
  )
  const entries: (CatalogEntry & SourcePeriods)[] = []
  for (const row of reader.getRowObjectsJS()) {
    const code = String(row.source_code)
    const [schema, table, extra] = String(row.table_name).split('.')
    const file = String(row.parquet_path)
    if (!schema || !table || extra !== undefined || !SNAKE_CODE.test(schema) || !SNAKE_CODE.test(table)) {
      throw new Error(
        `${CATALOG_FILE}: source ${code} has table_name ${JSON.stringify(row.table_name)}, not schema.table`,
      )
    }
    if (!SOURCE_FOLDER.test(file) && !SINGLE_FILE.test(file)) {
      throw new Error(
        `${CATALOG_FILE}: source ${code} has parquet_path ${JSON.stringify(file)}, not a source folder in the exports folder`,
      )
    }
    // The glob stays inside the folder: both parts are codes, no `..`, no glob characters. Hive partitioning is
    // off, so a `key=value` folder above the exports cannot add columns the database does not have; union by
    // name, so files of a source whose columns changed read as one table while an export rewrites them.
    const path = SOURCE_FOLDER.test(file) ? `${join(dir, file)}/*.parquet` : join(dir, file)
    await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`)
    await connection.run(
      `CREATE OR REPLACE VIEW ${quoteIdent(schema)}.${quoteIdent(table)} AS SELECT * FROM read_parquet(${quoteLiteral(path)}, hive_partitioning = false, union_by_name = true)`,
    )
    const periods = await connection.runAndReadAll(
      `SELECT "_period" AS period, count(*)::BIGINT AS rows,
              strftime(max("_loaded_at") AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS loaded_at
       FROM ${quoteIdent(schema)}.${quoteIdent(table)} GROUP BY 1 ORDER BY 1`,
    )
    const loaded = periods.getRowObjectsJS().map((p) => ({
      period: String(p.period),
      rows: Number(p.rows),
      loadedAt: p.loaded_at === null ? null : String(p.loaded_at),
    }))
    const names = loaded.map((p) => p.period)
    let fields: unknown = []
    try {
      fields = JSON.parse(String(row.columns))
    } catch {
      throw new Error(`${CATALOG_FILE}: source ${code} has columns that are not JSON`)
    }
    entries.push({
      sourceCode: code,
      publication: String(row.publication),
      publicationName: String(row.publication_name),
      sourceKey: String(row.source_key),
      table: `${quoteIdent(schema)}.${quoteIdent(table)}`,
      title: row.title === null ? null : String(row.title),
      description: row.description === null ? null : String(row.description),
      descriptionSource: descriptionSourceText(row.description, row.description_source),
      rowCount: loaded.reduce((sum, p) => sum + p.rows, 0),
      firstPeriod: names[0] ?? null,
      lastPeriod: names.at(-1) ?? null,
      columns: columnsFromFields(fields, names),
      parquetPath: file,
      updatedAt: row.updated_at === null ? null : String(row.updated_at),
      periods: loaded,
    })
  }
  return entries
}

class ParquetReader implements Reader {
  readonly backend = 'parquet' as const

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly entries: readonly (CatalogEntry & SourcePeriods)[],
    readonly limits: ReadLimits,
    private readonly manifests: ManifestFiles,
  ) {}

  async catalog(): Promise<readonly CatalogEntry[]> {
    return this.entries.map(({ periods: _, ...entry }) => entry)
  }

  async publications(): Promise<readonly PublicationInfo[]> {
    return publicationsFrom(
      this.entries.map((e) => ({
        publication: e.publication,
        name: e.publicationName,
        sourceKey: e.sourceKey,
      })),
      this.entries.flatMap((e) => e.periods.map((p) => ({ publication: e.publication, ...p }))),
    )
  }

  async search(text: string, limit?: number) {
    return searchCatalog(await this.catalog(), text, limit)
  }

  async describe(sourceCode: string): Promise<SourceDescription> {
    const found = this.entries.find((e) => e.sourceCode === sourceCode)
    if (!found) throw new UnknownSourceError(`no source ${JSON.stringify(sourceCode)} in the catalog`)
    const { periods, ...entry } = found
    const sample = await this.query({ sql: sampleStatement(entry), maxRows: SAMPLE_ROWS })
    return {
      ...entry,
      periods: periods.map((p) => ({ period: p.period, rows: p.rows })),
      manifestText: await this.manifests.sourceText(entry.publication, entry.sourceKey),
      sample,
    }
  }

  async query(request: QueryRequest): Promise<QueryResult> {
    const started = performance.now()
    const page = pageRequest(request, this.limits)
    const connection = await this.instance.connect()
    const timer = setTimeout(() => connection.interrupt(), this.limits.timeoutMs)
    try {
      // DuckDB's own parser splits the text; one statement, and it must be a query.
      const statements = await connection.extractStatements(page.sql)
      if (statements.count !== 1) {
        throw new QueryRefusedError(
          `query refused: ${statements.count} statements; send exactly one read-only query`,
        )
      }
      const parsed = await statements.prepare(0)
      if (parsed.statementType !== StatementType.SELECT) {
        throw new QueryRefusedError(
          `query refused: a ${StatementType[parsed.statementType]} statement; only one read-only query is accepted: SELECT, WITH … SELECT or VALUES; nothing was changed`,
        )
      }
      const result = await connection.runAndReadAll(
        wrapStatement(page.sql, ` LIMIT ${page.maxRows + 1} OFFSET ${page.offset}`),
      )
      const types = result.columnTypes()
      const columns = result.columnNames().map((name, i) => ({ name, type: String(types[i]) }))
      const rows = result.getRows().map((row) => row.map(duckdbCell))
      return await assemblePage(
        page,
        this.limits,
        columns,
        rows,
        async () => {
          const counted = await connection.runAndReadAll(
            `SELECT count(*)::BIGINT FROM (${wrapStatement(page.sql, '')})`,
          )
          return Number(counted.getRows()[0]![0])
        },
        started,
      )
    } catch (error) {
      if (error instanceof QueryRefusedError) throw error
      const message = (error as Error).message
      const interrupted = /interrupt/i.test(message)
      throw new QueryRefusedError(
        `query refused: ${interrupted ? `the statement ran past the time limit (${this.limits.timeoutMs} ms)` : message}; nothing was changed`,
      )
    } finally {
      clearTimeout(timer)
      connection.closeSync()
    }
  }

  manifest(publication: string) {
    return this.manifests.text(publication)
  }

  async close() {
    this.instance.closeSync()
  }
}
