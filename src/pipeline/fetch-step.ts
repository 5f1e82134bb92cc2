/** A period's files fetched through the run's fetch session, or the reason the period is skipped as unchanged. */
import { join } from 'node:path'
import { isUpToDate, type LastLoad } from '../db/index.js'
import type { FetchedFile } from '../fetch/index.js'
import type { PeriodSource, Publication } from '../model/config.js'
import type { CanonicalManifest } from '../model/manifest.js'
import { DataWarpError } from '../model/table.js'
import { errorDetail } from '../observe/index.js'
import type { PeriodContext } from './period-context.js'

/** The hosts a discovered file may be fetched from (after redirects); nothing for the config's own `urls`. */
export function allowedHostsFor(publication: Publication, entry: PeriodSource): string[] | undefined {
  return entry.discovered && publication.discovery ? [...publication.discovery.allowedHosts] : undefined
}

/**
 * Why a period can be skipped without downloading anything: conditional requests for all its files answered
 * 304, and the bytes they describe are those its last load used (see FetchSession.unchangedFiles).
 */
export async function unchangedWithoutDownload(
  ctx: PeriodContext,
  entries: readonly PeriodSource[],
  manifest: CanonicalManifest | undefined,
  last: LastLoad | undefined,
): Promise<string | undefined> {
  if (ctx.force || !manifest) return undefined
  const asked = new Map<string, string[] | undefined>()
  for (const entry of entries)
    asked.set(entry.url, asked.get(entry.url) ?? allowedHostsFor(ctx.publication, entry))
  const files = await ctx.fetch.unchangedFiles(
    [...asked].map(([url, allowedHosts]) => ({ url, allowedHosts })),
    last,
  )
  if (!files || !isUpToDate(last, files, manifest)) return undefined
  return `unchanged since load ${last!.loadId} (${last!.finishedAt.toISOString()}): every file answered 304 Not Modified`
}

/** Why a period whose files were fetched need not be loaded again: they are those its last load used. */
export function unchangedSinceLastLoad(
  ctx: PeriodContext,
  fetched: readonly FetchedFile[],
  manifest: CanonicalManifest | undefined,
  last: LastLoad | undefined,
): string | undefined {
  if (ctx.force || !isUpToDate(last, fetched, manifest)) return undefined
  return `unchanged since load ${last!.loadId} (${last!.finishedAt.toISOString()})`
}

/** The period's files, each downloaded once per run; an error names the config line of the file. */
export async function fetchPeriodFiles(
  ctx: PeriodContext,
  entries: readonly PeriodSource[],
  dir: string,
): Promise<FetchedFile[]> {
  const fetched: FetchedFile[] = []
  for (const entry of entries) {
    const scope = { publication: ctx.publication.code, period: entry.period, source: entry.url }
    try {
      fetched.push(
        await ctx.fetch.download(
          entry.url,
          join(dir, 'files'),
          allowedHostsFor(ctx.publication, entry),
          scope,
        ),
      )
    } catch (error) {
      throw new DataWarpError(errorDetail(error).message, { file: ctx.config.file, line: entry.line })
    }
  }
  return fetched
}
