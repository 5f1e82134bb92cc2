/** A publication's sources for a run: its configured `urls` plus the files discovery finds through the fetch session. */
import { type DiscoverDeps, discover, extractLinks } from '../discover/index.js'
import type { FetchSession } from '../fetch/index.js'
import type { PeriodSource, Publication } from '../model/config.js'
import { type EventLog, errorDetail } from '../observe/index.js'

/** Discovery's page reader: a page's links, through the session (conditionally, from the cache when unchanged). */
export function pageReader(session: FetchSession): DiscoverDeps['readPage'] {
  return (url) => session.readPage(url, extractLinks)
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
  session: FetchSession,
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
          readPage: pageReader(session),
          probeFile: (url, period) =>
            session.probeFile(url, `${workDir}/${publication.code}/${period}/files`, allowedHosts),
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
