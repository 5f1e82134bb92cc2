/**
 * The consumer API: what an MCP server, a catalog site or any other reader of DataWarp's output can ask,
 * the same over the PostgreSQL database and over the Parquet exports (see docs/mcp.md).
 * Add to these shapes; do not rename or remove what is here (src/mcp/ and src/site/ build on them).
 */

/** Which store answers: the database (source of truth) or a folder of Parquet exports. */
export type Backend = 'postgres' | 'parquet'

/** One loaded period of a publication. */
export interface PeriodInfo {
  readonly period: string
  /** Rows across the publication's sources for this period. */
  readonly rows: number
  /** When the period's current data was loaded (ISO 8601, UTC). */
  readonly loadedAt: string | null
}

export interface PublicationInfo {
  /** The publication's code, also its schema in the database. */
  readonly code: string
  readonly name: string
  /** Source codes (`<publication>__<source_key>`), in key order. */
  readonly sources: readonly string[]
  /** Loaded periods, oldest first. */
  readonly periods: readonly PeriodInfo[]
}

/** A column of a source, from the canonical manifest the data was loaded under. */
export interface ColumnInfo {
  /** Physical column name in the table and the Parquet file. */
  readonly name: string
  readonly title: string
  /** Manifest field type: integer, number, boolean, date, datetime, string. */
  readonly type: string
  readonly unit: string | null
  /** `dimension` or `measure`, when the manifest says. */
  readonly role: string | null
  readonly description: string | null
  /**
   * Where the description came from: `publisher` (the release's own documentation), `derived` (DataWarp's offline
   * rules), `llm`, or `reviewer` (written or checked by a person); null without a description.
   */
  readonly descriptionSource: string | null
  readonly firstPeriod: string | null
  readonly lastPeriod: string | null
}

/** One source (one table) as the catalog lists it. */
export interface CatalogEntry {
  /** `<publication>__<source_key>`: the name tools and pages use. */
  readonly sourceCode: string
  readonly publication: string
  readonly publicationName: string
  readonly sourceKey: string
  /** The table to query, schema-qualified and quoted: `"gp_appointments"."coverage"` (same on both backends). */
  readonly table: string
  readonly title: string | null
  readonly description: string | null
  /** Where the description came from, as for a column's. */
  readonly descriptionSource: string | null
  readonly rowCount: number
  readonly firstPeriod: string | null
  readonly lastPeriod: string | null
  readonly columns: readonly ColumnInfo[]
  /** The source's folder of Parquet files (one per period), relative to the exports folder: `<publication>/<source_key>`. */
  readonly parquetPath: string
  /** When the source's description last changed (ISO 8601, UTC). */
  readonly updatedAt: string | null
}

export interface SearchHit {
  readonly sourceCode: string
  readonly publication: string
  readonly title: string | null
  /** One line saying what the source is and why it matched. */
  readonly line: string
  /** Higher is better; only comparable within one search. */
  readonly score: number
}

export interface SourcePeriod {
  readonly period: string
  readonly rows: number
}

export interface SourceDescription extends CatalogEntry {
  /** Periods loaded, oldest first, with their row counts. */
  readonly periods: readonly SourcePeriod[]
  /** The source's entry of the canonical manifest (YAML), or null when the manifest file is not at hand. */
  readonly manifestText: string | null
  /** A few rows of the latest period, as the query tool returns them. */
  readonly sample: QueryResult
}

/** A column of a query result: its name and the backend's type name for it. */
export interface ResultColumn {
  readonly name: string
  readonly type: string
}

/** JSON values only: numbers (bigint and numeric as numbers when exact enough, else text), dates as ISO text. */
export type CellValue = string | number | boolean | null

export interface QueryRequest {
  /** One read-only statement: SELECT, WITH … SELECT, VALUES or TABLE. */
  readonly sql: string
  /** Rows to skip (paging); default 0. */
  readonly offset?: number
  /** A `nextCursor` from an earlier result of the same statement; wins over `offset`. */
  readonly cursor?: string
  /** At most this many rows back (never more than the reader's `maxRows`). */
  readonly maxRows?: number
}

export interface QueryResult {
  readonly columns: readonly ResultColumn[]
  /** Each row an array in `columns` order. */
  readonly rows: readonly (readonly CellValue[])[]
  /** `rows.length`. */
  readonly rowCount: number
  /** The first row's position in the full result (the offset asked for). */
  readonly offset: number
  /** True when the full result has rows past this page. */
  readonly truncated: boolean
  /** Why it stopped: the row limit, the byte limit; null when not truncated. */
  readonly truncatedBy: 'rows' | 'bytes' | null
  /** Rows in the full result, counted when truncated (else `offset + rowCount`). */
  readonly totalRows: number
  /** Pass as `cursor` to get the next page; null when there is none. */
  readonly nextCursor: string | null
  readonly durationMs: number
}

/** Limits on every query. Defaults in DEFAULT_LIMITS; each is a setting of `datawarp mcp`. */
export interface ReadLimits {
  /** Rows per answer. */
  readonly maxRows: number
  /** Bytes of JSON per answer (the rows). */
  readonly maxBytes: number
  /** Milliseconds a statement may run (statement_timeout; DuckDB: interrupted). */
  readonly timeoutMs: number
}

/** A period whose latest load attempt did not load: held for review, or failed. */
export interface PendingPeriod {
  readonly period: string
  readonly status: 'held' | 'failed'
  /** When that attempt finished (ISO 8601, UTC). */
  readonly at: string | null
  /** Why it was held, when it was. */
  readonly reason: string | null
}

/** A period that changed the canonical manifest in a run: new sources or columns, wider types, renamed headers. */
export interface DriftRecord {
  readonly period: string
  /** What the run did with the period: `loaded` (the change applied), `held` (waits for review), `failed`. */
  readonly status: string
  /** When the first run that saw this change started (ISO 8601, UTC); later runs seeing the same are not repeated. */
  readonly at: string | null
  readonly changes: readonly string[]
}

/** What the ledger remembers of a publication besides its loaded periods. */
export interface PublicationHistory {
  readonly pending: readonly PendingPeriod[]
  /** Oldest first. */
  readonly drift: readonly DriftRecord[]
}

/** One interface over both backends. Every method reads; none writes. */
export interface Reader {
  readonly backend: Backend
  readonly limits: ReadLimits
  /** Every source, in (publication, source key) order. */
  catalog(): Promise<readonly CatalogEntry[]>
  /** Publications with their sources and loaded periods (with load times). */
  publications(): Promise<readonly PublicationInfo[]>
  /** Sources whose names, titles, descriptions or column titles/descriptions match, best first. */
  search(text: string, limit?: number): Promise<readonly SearchHit[]>
  /** Throws UnknownSourceError for a code not in the catalog. */
  describe(sourceCode: string): Promise<SourceDescription>
  /** Throws QueryRefusedError when the statement is refused or fails. */
  query(request: QueryRequest): Promise<QueryResult>
  /** The publication's canonical manifest (YAML text), or null when not at hand. */
  manifest(publication: string): Promise<string | null>
  /** The ledger's history of a publication; absent on a backend without the ledger (the Parquet exports). */
  history?(publication: string): Promise<PublicationHistory>
  close(): Promise<void>
}

export class UnknownSourceError extends Error {
  override readonly name = 'UnknownSourceError'
}

/** A statement the reader would not run, or that failed: the message says why, nothing was changed. */
export class QueryRefusedError extends Error {
  override readonly name = 'QueryRefusedError'
}
