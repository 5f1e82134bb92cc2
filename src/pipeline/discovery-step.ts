/**
 * The discover stage and conditional requests, as the run uses them: a per-publication lock, the HTTP session,
 * the publication's sources (its `urls` plus what discovery found), and the skip-without-download check.
 */

import type pg from 'pg'
import { isUpToDate, lastSuccessfulLoad, withPublicationLock } from '../db/index.js'
import { discover } from '../discover/index.js'
import { type FetchedFile, type FetchOptions, HttpSession } from '../fetch/index.js'
import type { Config, PeriodSource, Publication } from '../model/config.js'
import type { CanonicalManifest } from '../model/manifest.js'
import { type EventLog, errorDetail } from '../observe/index.js'

/** Fetch options from the config's settings. */
export function fetchOptions(config: Config): FetchOptions {
  const settings = config.settings.fetch
  return {
    timeoutMs: settings.timeout_seconds * 1000,
    retries: settings.retries,
    maxBytes: settings.max_bytes,
    baseDir: config.baseDir,
  }
}

export function httpSession(
  pool: pg.Pool,
  config: Config,
  workDir: string,
  dryRun: boolean,
  downloads: Map<string, Promise<FetchedFile>>,
): HttpSession {
  return new HttpSession({ pool, fetch: fetchOptions(config), workDir, write: !dryRun, downloads })
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

export interface PublicationSources {
  /** The config's `urls`, then what discovery found for other periods. */
  readonly urls: readonly PeriodSource[]
  readonly warnings: readonly string[]
  /** Discovery could not read a page (not a 404): the publication is reported failed. */
  readonly error?: string
}

/** A publication's sources for this run: its `urls` plus, with discovery settings, the files found. */
export async function publicationSources(
  publication: Publication,
  http: HttpSession,
  log: EventLog,
  workDir: string,
  only?: readonly string[],
): Promise<PublicationSources> {
  if (!publication.discovery) return { urls: publication.urls, warnings: [] }
  const allowedHosts = publication.discovery.allowedHosts
  try {
    const found = await log.stage(
      'discover',
      { publication: publication.code },
      () =>
        discover(publication, {
          readPage: (url) => http.readPage(url),
          probeFile: (url, period) =>
            http.probeFile(url, `${workDir}/${publication.code}/${period}/files`, allowedHosts),
          emit: (event) => log.emit(event),
          ...(only ? { only } : {}),
        }),
      (r) => r.sources.length,
    )
    return {
      urls: [...publication.urls, ...found.sources],
      warnings: found.warnings,
      ...(found.error !== undefined ? { error: `discovery: ${found.error}` } : {}),
    }
  } catch (error) {
    return { urls: publication.urls, warnings: [], error: `discovery: ${errorDetail(error).message}` }
  }
}

/** The hosts a discovered file may be fetched from (after redirects); nothing for the config's own `urls`. */
export function allowedHostsFor(publication: Publication, entry: PeriodSource): { allowedHosts?: string[] } {
  return entry.discovered && publication.discovery
    ? { allowedHosts: [...publication.discovery.allowedHosts] }
    : {}
}

/**
 * Why a period can be skipped without downloading anything: conditional requests for all its files answered
 * 304, and the bytes they describe are those its last load used (see HttpSession.unchangedFiles). Undefined
 * when the period must be fetched as usual.
 */
export async function unchangedWithoutDownload(
  ctx: {
    readonly pool: pg.Pool
    readonly publication: Publication
    readonly log: EventLog
    readonly force: boolean
    readonly http?: HttpSession
  },
  period: string,
  entries: readonly PeriodSource[],
  manifest: CanonicalManifest | undefined,
): Promise<string | undefined> {
  if (ctx.force || !ctx.http || !manifest) return undefined
  const last = await lastSuccessfulLoad(ctx.pool, ctx.publication.code, period)
  const files = await ctx.http.unchangedFiles([...new Set(entries.map((e) => e.url))], last)
  if (!files || !isUpToDate(last, files, manifest)) return undefined
  const reason = `unchanged since load ${last!.loadId} (${last!.finishedAt.toISOString()}): every file answered 304 Not Modified`
  ctx.log.emit({ publication: ctx.publication.code, period, event: 'period.skipped', message: reason })
  return reason
}
