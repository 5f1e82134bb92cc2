import { parse } from 'yaml'
import type { CellValue, Reader, SourceDescription } from '../read/index.js'
import type { SiteColumn, SiteModel, SitePeriod, SitePublication, SiteSample, SiteSource } from './model.js'

export interface BuildOptions {
  /** `owner/name` of the repository holding the review pull requests, when known. */
  readonly repository?: string
  /**
   * The Parquet files of a source that are there to link (by source code), paths relative to the exports folder:
   * see exportedFilesOf in src/export. None: the source is not exported.
   */
  readonly parquetFiles: (sourceCode: string) => readonly { readonly path: string; readonly bytes: number }[]
  readonly now?: Date
}

/** The `description` at the top of a canonical manifest's text, when it has one. */
export function manifestDescription(text: string | null): string | undefined {
  if (!text) return undefined
  try {
    const description = (parse(text) as { description?: unknown } | null)?.description
    return typeof description === 'string' && description.trim() ? description.trim() : undefined
  } catch {
    return undefined
  }
}

/** `"adhd"."referrals"` → `adhd.referrals` when neither part needs its quotes. */
export function plainTable(table: string): string {
  const parts = /^"([a-z_][a-z0-9_]*)"\."([a-z_][a-z0-9_]*)"$/.exec(table)
  return parts ? `${parts[1]}.${parts[2]}` : table
}

const optional = <T>(value: T | null | undefined): T | undefined => value ?? undefined

function cellText(value: CellValue): string | null {
  return value === null ? null : String(value)
}

function sampleOf(description: SourceDescription): SiteSample {
  return {
    columns: description.sample.columns.map((c) => c.name),
    rows: description.sample.rows.map((row) => row.map(cellText)),
  }
}

function columnOf(column: SourceDescription['columns'][number]): SiteColumn {
  return {
    name: column.name,
    title: column.title,
    type: column.type,
    unit: optional(column.unit),
    role: optional(column.role),
    description: optional(column.description),
    descriptionSource: optional(column.descriptionSource),
    since: optional(column.firstPeriod),
  }
}

function sourceOf(description: SourceDescription, options: BuildOptions): SiteSource {
  const files = options.parquetFiles(description.sourceCode)
  return {
    key: description.sourceKey,
    title: optional(description.title),
    description: optional(description.description),
    descriptionSource: optional(description.descriptionSource),
    table: plainTable(description.table),
    rows: description.rowCount,
    columns: description.columns.map(columnOf),
    periods: description.periods.map((p) => ({ period: p.period, rows: p.rows })),
    sample: sampleOf(description),
    ...(files.length > 0
      ? {
          parquet: {
            folder: description.parquetPath,
            files: files.map((f) => ({ path: f.path, bytes: f.bytes })),
            bytes: files.reduce((sum, f) => sum + f.bytes, 0),
          },
        }
      : {}),
    manifestText: optional(description.manifestText),
  }
}

/**
 * The site's model, asked of the consumer layer only: the same calls answer from the database or from the
 * Parquet exports. The ledger's history (held and failed periods, drift) is there only when the reader has it.
 */
export async function buildSiteModel(reader: Reader, options: BuildOptions): Promise<SiteModel> {
  const publications: SitePublication[] = []
  for (const info of await reader.publications()) {
    const sources: SiteSource[] = []
    for (const code of info.sources) sources.push(sourceOf(await reader.describe(code), options))
    const history = reader.history ? await reader.history(info.code) : null
    const loaded: SitePeriod[] = info.periods.map((p) => ({
      period: p.period,
      status: 'loaded',
      rows: p.rows,
      loadedAt: optional(p.loadedAt),
    }))
    // Periods whose latest attempt did not load (held for review, failed) and that hold no data yet.
    const pending: SitePeriod[] = (history?.pending ?? [])
      .filter((p) => !loaded.some((l) => l.period === p.period))
      .map((p) => ({ period: p.period, status: p.status, rows: 0 }))
    const periods = [...loaded, ...pending].sort((a, b) =>
      a.period < b.period ? -1 : a.period > b.period ? 1 : 0,
    )
    const manifestText = await reader.manifest(info.code)
    const description = manifestDescription(manifestText)
    publications.push({
      code: info.code,
      name: info.name,
      ...(description ? { description } : {}),
      sources,
      periods,
      ...(history
        ? {
            drift: history.drift.map((d) => ({
              period: d.period,
              // A change loaded with its period was applied (the evolve contract, or the first manifest).
              kind: d.status === 'loaded' ? 'applied' : d.status,
              at: optional(d.at),
              changes: d.changes,
            })),
          }
        : {}),
      manifestText: optional(manifestText),
    })
  }
  return {
    generatedAt: (options.now ?? new Date()).toISOString(),
    origin: reader.backend === 'postgres' ? 'database' : 'exports',
    ...(options.repository ? { repository: options.repository } : {}),
    publications,
  }
}
