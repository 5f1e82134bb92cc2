/** One publication of a run: under its run lock, its canonical manifest and sources, then each period in order. */
import { resolve } from 'node:path'
import type pg from 'pg'
import { withPublicationLock } from '../db/index.js'
import type { FetchSession } from '../fetch/index.js'
import { refreshSourceText } from '../load/index.js'
import { manifestHash, readCanonicalManifest } from '../manifest/index.js'
import type { Config, PeriodSource, Publication } from '../model/config.js'
import type { CanonicalManifest } from '../model/manifest.js'
import { type EventLog, errorDetail } from '../observe/index.js'
import { publicationSources } from './discovery-step.js'
import type { PeriodOutcome, PublicationOutcome } from './outcome.js'
import type { ManifestState, PeriodContext } from './period-context.js'
import { processPeriod } from './process-period.js'

/** What every publication of a run shares. */
export interface PublicationRun {
  readonly publication: Publication
  readonly config: Config
  readonly pool: pg.Pool
  readonly log: EventLog
  readonly workDir: string
  readonly fetch: FetchSession
  readonly llmApiKey?: string | undefined
}

/** The run's options a publication reads (see RunOptions). */
export interface PublicationOptions {
  readonly root: string
  readonly periods?: readonly string[]
  readonly force?: boolean
  readonly dryRun?: boolean
  readonly onRows?: (publication: string, period: string, source: string, rows: number) => void
}

/**
 * Processes a publication while holding its run lock, so concurrent runs on one database take turns: the
 * second waits, then finds the first run's loads and skips them as unchanged. Dry runs take no lock.
 */
export function withRunLock<T>(
  pool: pg.Pool,
  code: string,
  log: EventLog,
  dryRun: boolean,
  work: () => Promise<T>,
): Promise<T> {
  if (dryRun) return work()
  return withPublicationLock(
    pool,
    code,
    () =>
      log.emit({
        publication: code,
        level: 'info',
        event: 'publication.waiting',
        message: 'another run is processing this publication; waiting for it to finish',
      }),
    work,
  )
}

/**
 * The loaded sources' text and table comments brought to the canonical manifest's before any period runs: a
 * reviewed change to text alone reloads nothing, yet reaches the database, the comments and the exports. A
 * failure is a warning: the data stands, and the next load writes the text anyway.
 */
async function refreshText(run: PublicationRun, manifest: CanonicalManifest): Promise<void> {
  const scope = { publication: run.publication.code }
  try {
    const refreshed = await refreshSourceText(run.pool, manifest)
    if (refreshed.sources.length > 0 || refreshed.comments > 0)
      run.log.emit({
        ...scope,
        event: 'manifest.text_refreshed',
        message: `text from the canonical manifest: ${refreshed.sources.length} source(s) updated, ${refreshed.comments} comment(s) set`,
        sources: refreshed.sources,
      })
  } catch (error) {
    run.log.emit({ ...scope, level: 'warn', event: 'manifest.text_warning', error: errorDetail(error) })
  }
}

function groupByPeriod(urls: readonly PeriodSource[], only?: readonly string[]): [string, PeriodSource[]][] {
  const groups = new Map<string, PeriodSource[]>()
  for (const entry of urls) {
    if (only && !only.includes(entry.period)) continue
    groups.set(entry.period, [...(groups.get(entry.period) ?? []), entry])
  }
  return [...groups].sort(([a], [b]) => a.localeCompare(b))
}

/** A publication's periods, in order, each against the manifest state the periods before it left. */
export async function runPublication(
  run: PublicationRun,
  options: PublicationOptions,
): Promise<PublicationOutcome> {
  const { publication, log } = run
  const manifestPath = resolve(options.root, publication.canonicalManifest)
  let manifest: CanonicalManifest | undefined
  try {
    manifest = readCanonicalManifest(manifestPath)
  } catch (error) {
    const detail = errorDetail(error)
    log.emit({ level: 'error', event: 'manifest.error', publication: publication.code, error: detail })
    return {
      code: publication.code,
      name: publication.name,
      periods: [],
      error: detail.message,
      ...(detail.where ? { where: detail.where } : {}),
    }
  }
  if (manifest && !options.dryRun) await refreshText(run, manifest)
  const periods: PeriodOutcome[] = []
  const sources = await publicationSources(publication, run.fetch, log, run.workDir, options.periods)
  const state: ManifestState = { atStart: manifest, current: manifest, proposed: manifest }
  for (const [period, entries] of groupByPeriod(sources.urls, options.periods)) {
    const onRows = options.onRows
    const ctx: PeriodContext = {
      ...run,
      manifestPath,
      force: options.force ?? false,
      dryRun: options.dryRun ?? false,
      ...(onRows
        ? { onRows: (source: string, rows: number) => onRows(publication.code, period, source, rows) }
        : {}),
    }
    periods.push(await processPeriod(ctx, period, entries, state))
  }
  const hashOf = (m: CanonicalManifest | undefined) => (m ? manifestHash(m) : '')
  const written = !options.dryRun && hashOf(state.proposed) !== hashOf(state.atStart)
  return {
    code: publication.code,
    name: publication.name,
    contract: publication.contract,
    periods,
    ...(sources.warnings.length > 0 ? { warnings: sources.warnings } : {}),
    ...(sources.error !== undefined ? { error: sources.error } : {}),
    ...(written ? { manifestWritten: manifestPath } : {}),
  }
}
