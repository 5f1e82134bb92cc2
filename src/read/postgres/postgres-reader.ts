import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { quoteIdent } from '../../db/index.js'
import { columnsFromFields, descriptionSourceText } from '../columns.js'
import type { ManifestFiles } from '../manifests.js'
import { publicationsFrom } from '../publications.js'
import {
  assemblePage,
  exactNumber,
  jsonCell,
  pageRequest,
  SAMPLE_ROWS,
  sampleStatement,
  wrapStatement,
} from '../query-page.js'
import { searchCatalog } from '../search.js'
import {
  type CatalogEntry,
  type CellValue,
  type PublicationHistory,
  type PublicationInfo,
  QueryRefusedError,
  type QueryRequest,
  type QueryResult,
  type Reader,
  type ReadLimits,
  type ResultColumn,
  type SourceDescription,
  UnknownSourceError,
} from '../types.js'
import { CATALOG_SCHEMA } from './reader-role.js'

/** Values as JSON: bigint and numeric as numbers when exact, dates and timestamps as ISO text. */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    switch (oid) {
      case 20:
      case 1700:
        return exactNumber
      case 1082:
        return (text: string) => text
      case 1114:
        return (text: string) => text.replace(' ', 'T')
      case 1184:
        return (text: string) => new Date(text).toISOString()
      default:
        return pg.types.getTypeParser(oid, format)
    }
  },
} as pg.CustomTypesConfig

const TYPE_NAMES: Record<number, string> = {
  16: 'boolean',
  17: 'bytea',
  18: 'char',
  19: 'name',
  20: 'bigint',
  21: 'smallint',
  23: 'integer',
  25: 'text',
  26: 'oid',
  114: 'json',
  700: 'real',
  701: 'double precision',
  1043: 'varchar',
  1082: 'date',
  1083: 'time',
  1114: 'timestamp',
  1184: 'timestamptz',
  1186: 'interval',
  1700: 'numeric',
  2950: 'uuid',
  3802: 'jsonb',
}

interface SourceRow {
  publication: string
  source_key: string
  publication_name: string
  table_schema: string
  table_name: string
  title: string | null
  description: string | null
  description_source: string | null
  fields: unknown
  updated_at: Date | null
}

interface PeriodRow {
  publication: string
  period: string
  source_key: string
  rows: number
  loaded_at: string | null
}

/** A pool that logs in as the reader role: every statement a consumer sends runs with its rights only. */
export function readerPool(adminUrl: string, role: string, password: string): pg.Pool {
  const url = new URL(adminUrl)
  url.username = role
  url.password = password
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4, application_name: 'datawarp-read' })
  pool.on('error', () => {})
  return pool
}

export class PostgresReader implements Reader {
  readonly backend = 'postgres' as const

  constructor(
    private readonly pool: pg.Pool,
    readonly limits: ReadLimits,
    private readonly manifests: ManifestFiles,
    /** Grants the reader SELECT on publications loaded since it started (runs with the pipeline's rights). */
    private readonly refreshGrants: () => Promise<void>,
  ) {}

  /** Runs `work` in a read-only transaction as the reader role, then resets the session for the next caller. */
  private async readOnly<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    let broken: Error | undefined
    try {
      await client.query(
        `BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;
         SET LOCAL statement_timeout = ${this.limits.timeoutMs};
         SET LOCAL idle_in_transaction_session_timeout = ${this.limits.timeoutMs * 2}`,
      )
      try {
        return await work(client)
      } finally {
        // Separately: in one simple query they would share an implicit transaction, where DISCARD cannot run.
        // DISCARD ALL drops what a statement could leave on the session (settings, advisory locks, temp objects).
        await client
          .query('ROLLBACK')
          .then(() => client.query('DISCARD ALL'))
          .catch((error: Error) => {
            broken = error
          })
      }
    } finally {
      client.release(broken)
    }
  }

  /** The catalog views' rows; a source whose table the role cannot read yet (a new publication) is granted first. */
  private async sourceRows(): Promise<{ sources: SourceRow[]; periods: PeriodRow[] }> {
    const rows = await this.catalogRows()
    if (rows.sources.every((s) => s.readable)) return rows
    await this.refreshGrants()
    return this.catalogRows()
  }

  private async catalogRows() {
    return this.readOnly(async (client) => {
      // pg_namespace and pg_class are readable by every role, so this asks without touching the tables.
      const sources = await client.query<SourceRow & { readable: boolean }>(
        `SELECT s.*, coalesce(has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT'), true) AS readable
         FROM ${CATALOG_SCHEMA}.sources s
         LEFT JOIN pg_namespace n ON n.nspname = s.table_schema
         LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.table_name
         ORDER BY s.publication, s.source_key`,
      )
      const periods = await client.query<PeriodRow>({
        text: `SELECT publication, period, source_key, rows, loaded_at FROM ${CATALOG_SCHEMA}.periods
               ORDER BY publication, period COLLATE "C", source_key`,
        types: TYPES,
      })
      return { sources: sources.rows, periods: periods.rows }
    })
  }

  async catalog(): Promise<readonly CatalogEntry[]> {
    return (await this.catalogWithPeriods()).map(({ periods: _, ...entry }) => entry)
  }

  private async catalogWithPeriods() {
    const { sources, periods } = await this.sourceRows()
    return sources.map((s) => {
      const own = periods.filter((p) => p.publication === s.publication && p.source_key === s.source_key)
      const loaded = own.map((p) => p.period)
      const sourceCode = `${s.publication}__${s.source_key}`
      return {
        sourceCode,
        publication: s.publication,
        publicationName: s.publication_name,
        sourceKey: s.source_key,
        table: `${quoteIdent(s.table_schema)}.${quoteIdent(s.table_name)}`,
        title: s.title,
        description: s.description,
        descriptionSource: descriptionSourceText(s.description, s.description_source),
        rowCount: own.reduce((sum, p) => sum + p.rows, 0),
        firstPeriod: loaded[0] ?? null,
        lastPeriod: loaded.at(-1) ?? null,
        columns: columnsFromFields(s.fields, loaded),
        parquetPath: `${s.publication}/${s.source_key}`,
        updatedAt: s.updated_at ? s.updated_at.toISOString() : null,
        periods: own.map((p) => ({ period: p.period, rows: p.rows })),
      }
    })
  }

  async publications(): Promise<readonly PublicationInfo[]> {
    const { sources, periods } = await this.sourceRows()
    return publicationsFrom(
      sources.map((s) => ({ publication: s.publication, name: s.publication_name, sourceKey: s.source_key })),
      periods.map((p) => ({
        publication: p.publication,
        period: p.period,
        rows: p.rows,
        loadedAt: p.loaded_at,
      })),
    )
  }

  async search(text: string, limit?: number) {
    return searchCatalog(await this.catalog(), text, limit)
  }

  async describe(sourceCode: string): Promise<SourceDescription> {
    const found = (await this.catalogWithPeriods()).find((e) => e.sourceCode === sourceCode)
    if (!found) throw new UnknownSourceError(`no source ${JSON.stringify(sourceCode)} in the catalog`)
    const { periods, ...entry } = found
    const sample = await this.query({ sql: sampleStatement(entry), maxRows: SAMPLE_ROWS })
    return {
      ...entry,
      periods,
      manifestText: await this.manifests.sourceText(entry.publication, entry.sourceKey),
      sample,
    }
  }

  async query(request: QueryRequest): Promise<QueryResult> {
    const started = performance.now()
    const page = pageRequest(request, this.limits)
    try {
      return await this.readOnly(async (client) => {
        // queryMode 'extended': Parse takes exactly one statement, so a second one cannot ride along.
        const result = await client.query<CellValue[]>({
          text: wrapStatement(page.sql, ` OFFSET ${page.offset} LIMIT ${page.maxRows + 1}`),
          rowMode: 'array',
          types: TYPES,
          queryMode: 'extended',
        } as pg.QueryConfig)
        const columns: ResultColumn[] = result.fields.map((f) => ({
          name: f.name,
          type: TYPE_NAMES[f.dataTypeID] ?? `oid ${f.dataTypeID}`,
        }))
        const rows = result.rows.map((row) => row.map(jsonCell))
        return assemblePage(
          page,
          this.limits,
          columns,
          rows,
          async () => {
            const counted = await client.query<{ n: string }>({
              text: `SELECT count(*)::text AS n FROM (${wrapStatement(page.sql, '')}) AS counted`,
              queryMode: 'extended',
            } as pg.QueryConfig)
            return Number(counted.rows[0]!.n)
          },
          started,
        )
      })
    } catch (error) {
      if (error instanceof QueryRefusedError) throw error
      throw refusal(error as Error & { code?: string })
    }
  }

  manifest(publication: string) {
    return this.manifests.text(publication)
  }

  async history(publication: string): Promise<PublicationHistory> {
    return this.readOnly(async (client) => {
      const pending = await client.query<{
        period: string
        status: 'held' | 'failed'
        finished_at: string | null
        reason: string | null
      }>({
        text: `SELECT period, status, finished_at, reason FROM ${CATALOG_SCHEMA}.pending
               WHERE publication = $1 ORDER BY period COLLATE "C"`,
        values: [publication],
        types: TYPES,
      })
      const drift = await client.query<{
        period: string
        status: string
        at: string | null
        changes: string[]
      }>({
        text: `SELECT period, status, at, changes FROM ${CATALOG_SCHEMA}.drift
               WHERE publication = $1 ORDER BY at, period COLLATE "C"`,
        values: [publication],
        types: TYPES,
      })
      return {
        pending: pending.rows.map((r) => ({
          period: r.period,
          status: r.status,
          at: r.finished_at,
          reason: r.reason,
        })),
        drift: drift.rows.map((r) => ({
          period: r.period,
          status: r.status,
          at: r.at,
          changes: r.changes.map(String),
        })),
      }
    })
  }

  async close() {
    await this.pool.end()
  }
}

/** PostgreSQL's refusal, said plainly: the statement, the reason, and that nothing was changed. */
function refusal(error: Error & { code?: string }): QueryRefusedError {
  const hints: Record<string, string> = {
    '42601': 'only one read-only query is accepted: SELECT, WITH … SELECT, VALUES or TABLE',
    '42501': 'queries run as a read-only role with SELECT on the publication tables and catalog views only',
    '25006': 'queries run in a read-only transaction',
    '57014': 'the statement ran past the time limit',
    '0A000': 'only one read-only query is accepted: SELECT, WITH … SELECT, VALUES or TABLE',
  }
  const hint = error.code ? hints[error.code] : undefined
  return new QueryRefusedError(
    `query refused: ${error.message}${hint ? ` (${hint})` : ''}; nothing was changed`,
  )
}
