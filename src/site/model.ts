/**
 * What the static catalog site shows, as plain data. `build-model.ts` fills it from the consumer layer
 * (`src/read/`); the renderers turn it into pages without touching a database or a file.
 */
export interface SiteModel {
  /** When the site was generated, ISO 8601. */
  readonly generatedAt: string
  /** Where the facts came from: the database (the source of truth) or the Parquet exports and catalog. */
  readonly origin: 'database' | 'exports'
  /** `owner/name` of the GitHub repository the review pull requests live in, when known. */
  readonly repository?: string
  readonly publications: readonly SitePublication[]
}

export interface SitePublication {
  /** snake_case code: also the PostgreSQL schema and the folder of its pages. */
  readonly code: string
  readonly name: string
  readonly description?: string
  readonly sources: readonly SiteSource[]
  /** Every period known, oldest first: from the ledger, or (exports) from the rows of the Parquet files. */
  readonly periods: readonly SitePeriod[]
  /** Manifest changes and held periods, oldest first; absent when the origin cannot tell (exports). */
  readonly drift?: readonly SiteDriftEvent[]
  /** The canonical manifest's whole text, when the file was readable. */
  readonly manifestText?: string
  /** Where that text came from, relative to the project root. */
  readonly manifestPath?: string
}

export interface SitePeriod {
  readonly period: string
  /** The latest attempt's status: `loaded`, `held`, `failed` (exports: `loaded`). */
  readonly status: string
  /** Rows over all the publication's sources, as last loaded. */
  readonly rows: number
  /** When the loaded rows were loaded (ISO 8601), when known. */
  readonly loadedAt?: string
}

export interface SiteDriftEvent {
  readonly period: string
  /** `held` (waits for review), `applied` (evolve contract), `failed` (freeze contract), `changed`. */
  readonly kind: string
  /** When the run that saw it started (ISO 8601), when known. */
  readonly at?: string
  /** One line per change: a new source or column, a wider type, a renamed header, a missing column. */
  readonly changes: readonly string[]
  /** A review pull request for it, when the ledger knows one. */
  readonly pullRequest?: { readonly url: string; readonly number?: number }
}

export interface SiteSource {
  /** Stable key within the publication: the name of its page. */
  readonly key: string
  readonly title?: string
  readonly description?: string
  /** Where the description came from: publisher, derived, llm or reviewer. */
  readonly descriptionSource?: string
  /** Schema-qualified table to query: `adhd.table_1`. */
  readonly table: string
  readonly rows: number
  readonly columns: readonly SiteColumn[]
  /** Rows per period, oldest first. */
  readonly periods: readonly { readonly period: string; readonly rows: number }[]
  readonly sample?: SiteSample
  /** The Parquet export: the source's folder and its files (one per period), relative to the exports folder. */
  readonly parquet?: SiteParquet
  /** This source's part of the canonical manifest, as YAML text. */
  readonly manifestText?: string
}

export interface SiteParquet {
  /** `<publication>/<source_key>`. */
  readonly folder: string
  /** In period order; each path relative to the exports folder (`adhd/referrals/2025-01.parquet`). */
  readonly files: readonly { readonly path: string; readonly bytes: number }[]
  /** All the files together. */
  readonly bytes: number
}

export interface SiteColumn {
  readonly name: string
  readonly title?: string
  readonly type: string
  readonly unit?: string
  readonly role?: string
  readonly description?: string
  /** Where the description came from: publisher, derived, llm or reviewer. */
  readonly descriptionSource?: string
  /** The first period the column was seen in, and the first without it. */
  readonly since?: string
  readonly retiredSince?: string
}

/** A few rows of the source as loaded: values as text, null for SQL NULL. */
export interface SiteSample {
  readonly columns: readonly string[]
  readonly rows: readonly (readonly (string | null)[])[]
}
