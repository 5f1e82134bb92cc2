import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type pg from 'pg'
import {
  type CachedResponse,
  type LastLoad,
  readHttpCache,
  touchHttpCache,
  writeHttpCache,
} from '../db/index.js'
import type { Config } from '../model/config.js'
import { DataWarpError } from '../model/table.js'
import type { EventLog } from '../observe/index.js'
import { checkDataFile, fetchToFile, HttpStatusError } from './fetch-to-file.js'
import type { ConditionalRequest, FetchedFile, FetchOptions } from './types.js'

/** A page as the session read it: the links found on it, from the page or (304) from the cache. */
export type CachedPage<Link> =
  | { readonly status: 'ok' | 'not_modified'; readonly links: readonly Link[] }
  | { readonly status: 'missing'; readonly message: string }

/** Finds the links of an HTML page (the discover stage's link reader). */
export type LinkReader<Link> = (html: string, pageUrl: string) => Link[]

/** The key a run's downloads are kept under: the URL, or a path resolved against the config's folder. */
export function downloadKey(url: string, baseDir: string): string {
  return new URL(url, `file://${baseDir}/`).toString()
}

/** Fetch options from the config's settings. */
export function fetchOptionsOf(config: Config): FetchOptions {
  const settings = config.settings.fetch
  return {
    timeoutMs: settings.timeout_seconds * 1000,
    retries: settings.retries,
    maxBytes: settings.max_bytes,
    baseDir: config.baseDir,
    localRoots: config.localRoots,
  }
}
const validatorsOf = (cached: CachedResponse | undefined): ConditionalRequest | undefined =>
  cached && (cached.etag !== undefined || cached.lastModified !== undefined)
    ? {
        ...(cached.etag !== undefined ? { etag: cached.etag } : {}),
        ...(cached.lastModified !== undefined ? { lastModified: cached.lastModified } : {}),
      }
    : undefined

/**
 * The run's one owner of fetching: every download (each URL once per run, whichever periods name it), its key,
 * the fetch options, and the conditional requests. It remembers, in datawarp.http_cache, the ETag and
 * Last-Modified of each full response (and the links of each page), asks "changed since?" next time, and keeps
 * within the run which URLs answered 304 and which were downloaded, so no URL is requested twice. Discovery
 * reads pages and probes files through it; the period pipeline downloads through it.
 */
export class FetchSession {
  private readonly pages = new Map<string, Promise<CachedPage<unknown>>>()
  /** Files that answered 304 in this run, by download key, with what the cache says of them. */
  private readonly unchanged = new Map<string, CachedResponse>()
  /** The run's downloads by key. */
  private readonly downloads = new Map<string, Promise<FetchedFile>>()
  private readonly fetch: FetchOptions

  constructor(
    private readonly options: {
      readonly pool: pg.Pool
      readonly config: Config
      readonly workDir: string
      /** False for dry runs and plans: nothing is written to the database. */
      readonly write: boolean
      /** Times each download as the `fetch` stage and reports retries; without it downloads are silent. */
      readonly log?: EventLog
    },
  ) {
    this.fetch = fetchOptionsOf(options.config)
  }

  /**
   * A file of the run, downloaded once whichever periods name it: into dir, from allowedHosts only when given
   * (after redirects), its validators kept for the next run. Scope labels the `fetch` stage's events.
   */
  download(
    url: string,
    dir: string,
    allowedHosts: readonly string[] | undefined,
    scope: Readonly<Record<string, string>>,
  ): Promise<FetchedFile> {
    const key = downloadKey(url, this.fetch.baseDir)
    let download = this.downloads.get(key)
    if (!download) {
      const log = this.options.log
      const options: FetchOptions = {
        ...this.fetch,
        ...(allowedHosts ? { allowedHosts } : {}),
        onAttempt: (a) => {
          if (a.error)
            log?.emit({ ...scope, level: 'warn', event: 'fetch.retry', attempt: a.attempt, message: a.error })
        },
      }
      const fetchFile = () => fetchToFile(url, dir, options)
      download = (log ? log.stage('fetch', scope, fetchFile) : fetchFile()).then(async (fetched) => {
        await this.remember(fetched)
        return fetched
      })
      this.downloads.set(key, download)
    }
    // A download shared within the run serves this fetch only when every hop it took is allowed here, and a
    // data file must not be an HTML page served in its place.
    return download.then((file) => {
      checkDataFile(file, allowedHosts)
      return file
    })
  }

  /** The links of a page (read by linksOf): from the page, or from the cache when the page answers 304. */
  readPage<Link>(url: string, linksOf: LinkReader<Link>): Promise<CachedPage<Link>> {
    let read = this.pages.get(url)
    if (!read) {
      read = this.fetchPage(url, linksOf)
      this.pages.set(url, read)
    }
    return read as Promise<CachedPage<Link>>
  }

  private async fetchPage<Link>(url: string, linksOf: LinkReader<Link>): Promise<CachedPage<Link>> {
    const cached = await readHttpCache(this.options.pool, url)
    const conditional = cached?.links !== undefined ? validatorsOf(cached) : undefined
    let result: FetchedFile | { notModified: true }
    try {
      result = await fetchToFile(url, join(this.options.workDir, '_pages'), this.fetch, conditional)
    } catch (error) {
      if (error instanceof HttpStatusError && (error.status === 404 || error.status === 410))
        return { status: 'missing', message: error.message }
      throw error
    }
    if ('notModified' in result) {
      if (this.options.write) await touchHttpCache(this.options.pool, url)
      return { status: 'not_modified', links: (cached?.links ?? []) as Link[] }
    }
    if (result.kind !== 'html')
      throw new DataWarpError(`${url} is not an HTML page (it looks like ${result.kind})`, { file: url })
    const links = linksOf(await readFile(result.path, 'utf8'), url)
    if (this.options.write) await writeHttpCache(this.options.pool, { ...result, links })
    return { status: 'ok', links }
  }

  /**
   * Whether a file a url_template names exists, without downloading it twice: a conditional request when its
   * validators are known (304: it exists and is as it was), else a download kept for the fetch stage.
   */
  async probeFile(url: string, dir: string, allowedHosts: readonly string[]): Promise<'exists' | 'missing'> {
    const key = downloadKey(url, this.fetch.baseDir)
    if (this.unchanged.has(key) || this.downloads.has(key)) return 'exists'
    const cached = await readHttpCache(this.options.pool, url)
    try {
      const result = await fetchToFile(url, dir, { ...this.fetch, allowedHosts }, validatorsOf(cached))
      if ('notModified' in result) {
        this.unchanged.set(key, cached!)
        if (this.options.write) await touchHttpCache(this.options.pool, url)
      } else {
        this.downloads.set(key, Promise.resolve(result))
        await this.remember(result)
      }
      return 'exists'
    } catch (error) {
      if (error instanceof HttpStatusError && (error.status === 404 || error.status === 410)) return 'missing'
      throw error
    }
  }

  /** Keeps a downloaded file's validators for the next run. */
  async remember(file: FetchedFile): Promise<void> {
    if (!this.options.write) return
    await writeHttpCache(this.options.pool, file)
  }

  /**
   * Whether a period's files are exactly those of its last load, found by conditional requests alone (a local
   * file's ETag is its stat): every URL must have been loaded last time, and known by validators for the bytes that load used. Nothing is asked
   * unless all are. A 304 for each → the (URL, sha256) pairs to compare with the ledger; any 200 → undefined
   * (that download is kept for the fetch stage). A file with allowedHosts is asked of those hosts only, on
   * every redirect hop, like its download.
   */
  async unchangedFiles(
    files: readonly { readonly url: string; readonly allowedHosts: readonly string[] | undefined }[],
    last: LastLoad | undefined,
  ): Promise<{ url: string; sha256: string }[] | undefined> {
    if (!last || files.length === 0) return undefined
    const known: { url: string; key: string; cached: CachedResponse; allowedHosts?: readonly string[] }[] = []
    for (const { url, allowedHosts } of files) {
      const key = downloadKey(url, this.fetch.baseDir)
      if (this.downloads.has(key)) return undefined
      const cached = this.unchanged.get(key) ?? (await readHttpCache(this.options.pool, url))
      const loaded = last.sources.find((s) => s.url === url)
      if (!cached || !validatorsOf(cached) || !loaded || loaded.sha256 !== cached.sha256) return undefined
      known.push({ url, key, cached, ...(allowedHosts ? { allowedHosts } : {}) })
    }
    let changed = false
    for (const { url, key, cached, allowedHosts } of known) {
      if (this.unchanged.has(key)) continue
      const result = await fetchToFile(
        url,
        join(this.options.workDir, '_conditional'),
        { ...this.fetch, ...(allowedHosts ? { allowedHosts } : {}) },
        validatorsOf(cached),
      )
      if ('notModified' in result) {
        this.unchanged.set(key, cached)
        if (this.options.write) await touchHttpCache(this.options.pool, url)
      } else {
        changed = true
        this.downloads.set(key, Promise.resolve(result))
        await this.remember(result)
      }
    }
    return changed ? undefined : known.map(({ url, cached }) => ({ url, sha256: cached.sha256 }))
  }
}
