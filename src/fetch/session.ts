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
import { extractLinks, type PageLink } from '../discover/links.js'
import { DataWarpError } from '../model/table.js'
import { fetchToFile, HttpStatusError } from './fetch-to-file.js'
import type { ConditionalRequest, FetchedFile, FetchOptions } from './types.js'

export type PageRead =
  | { readonly status: 'ok' | 'not_modified'; readonly links: readonly PageLink[] }
  | { readonly status: 'missing'; readonly message: string }

/** The key a run's downloads are kept under (as process-period.ts does). */
export function downloadKey(url: string, baseDir: string): string {
  return new URL(url, `file://${baseDir}/`).toString()
}

const isHttp = (url: string) => /^https?:\/\//i.test(url.trim())

const validatorsOf = (cached: CachedResponse | undefined): ConditionalRequest | undefined =>
  cached && (cached.etag !== undefined || cached.lastModified !== undefined)
    ? {
        ...(cached.etag !== undefined ? { etag: cached.etag } : {}),
        ...(cached.lastModified !== undefined ? { lastModified: cached.lastModified } : {}),
      }
    : undefined

/**
 * One run's HTTP requests that can be conditional. It remembers, in datawarp.http_cache, the ETag and
 * Last-Modified of each full response (and the links of each page), asks "changed since?" next time, and keeps
 * within the run which URLs answered 304 and which were downloaded, so no URL is requested twice.
 */
export class HttpSession {
  private readonly pages = new Map<string, Promise<PageRead>>()
  /** Files that answered 304 in this run, by download key, with what the cache says of them. */
  private readonly unchanged = new Map<string, CachedResponse>()

  constructor(
    private readonly options: {
      readonly pool: pg.Pool
      readonly fetch: FetchOptions
      readonly workDir: string
      /** False for dry runs and plans: nothing is written to the database. */
      readonly write: boolean
      /** The run's downloads by key, shared with the fetch stage. */
      readonly downloads: Map<string, Promise<FetchedFile>>
    },
  ) {}

  /** The links of a page: from the page, or from the cache when the page answers 304. */
  readPage(url: string): Promise<PageRead> {
    let read = this.pages.get(url)
    if (!read) {
      read = this.fetchPage(url)
      this.pages.set(url, read)
    }
    return read
  }

  private async fetchPage(url: string): Promise<PageRead> {
    const cached = await readHttpCache(this.options.pool, url)
    const conditional = cached?.links !== undefined ? validatorsOf(cached) : undefined
    let result: FetchedFile | { notModified: true }
    try {
      result = await fetchToFile(url, join(this.options.workDir, '_pages'), this.options.fetch, conditional)
    } catch (error) {
      if (error instanceof HttpStatusError && (error.status === 404 || error.status === 410))
        return { status: 'missing', message: error.message }
      throw error
    }
    if ('notModified' in result) {
      if (this.options.write) await touchHttpCache(this.options.pool, url)
      return { status: 'not_modified', links: (cached?.links ?? []) as PageLink[] }
    }
    if (result.kind !== 'html')
      throw new DataWarpError(`${url} is not an HTML page (it looks like ${result.kind})`, { file: url })
    const links = extractLinks(await readFile(result.path, 'utf8'), url)
    if (this.options.write) await writeHttpCache(this.options.pool, { ...result, links })
    return { status: 'ok', links }
  }

  /**
   * Whether a file a url_template names exists, without downloading it twice: a conditional request when its
   * validators are known (304: it exists and is as it was), else a download kept for the fetch stage.
   */
  async probeFile(url: string, dir: string, allowedHosts: readonly string[]): Promise<'exists' | 'missing'> {
    const key = downloadKey(url, this.options.fetch.baseDir)
    if (this.unchanged.has(key) || this.options.downloads.has(key)) return 'exists'
    const cached = await readHttpCache(this.options.pool, url)
    try {
      const result = await fetchToFile(
        url,
        dir,
        { ...this.options.fetch, allowedHosts },
        validatorsOf(cached),
      )
      if ('notModified' in result) {
        this.unchanged.set(key, cached!)
        if (this.options.write) await touchHttpCache(this.options.pool, url)
      } else {
        this.options.downloads.set(key, Promise.resolve(result))
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
    if (!this.options.write || !isHttp(file.url)) return
    await writeHttpCache(this.options.pool, file)
  }

  /**
   * Whether a period's files are exactly those of its last load, found by conditional requests alone: every
   * URL must be HTTP, loaded last time, and known by validators for the bytes that load used. Nothing is asked
   * unless all are. A 304 for each → the (URL, sha256) pairs to compare with the ledger; any 200 → undefined
   * (that download is kept for the fetch stage).
   */
  async unchangedFiles(
    urls: readonly string[],
    last: LastLoad | undefined,
  ): Promise<{ url: string; sha256: string }[] | undefined> {
    if (!last || urls.length === 0) return undefined
    const known: { url: string; key: string; cached: CachedResponse }[] = []
    for (const url of urls) {
      const key = downloadKey(url, this.options.fetch.baseDir)
      if (!isHttp(url) || this.options.downloads.has(key)) return undefined
      const cached = this.unchanged.get(key) ?? (await readHttpCache(this.options.pool, url))
      const loaded = last.sources.find((s) => s.url === url)
      if (!cached || !validatorsOf(cached) || !loaded || loaded.sha256 !== cached.sha256) return undefined
      known.push({ url, key, cached })
    }
    let changed = false
    for (const { url, key, cached } of known) {
      if (this.unchanged.has(key)) continue
      const result = await fetchToFile(
        url,
        join(this.options.workDir, '_conditional'),
        this.options.fetch,
        validatorsOf(cached),
      )
      if ('notModified' in result) {
        this.unchanged.set(key, cached)
        if (this.options.write) await touchHttpCache(this.options.pool, url)
      } else {
        changed = true
        this.options.downloads.set(key, Promise.resolve(result))
        await this.remember(result)
      }
    }
    return changed ? undefined : known.map(({ url, cached }) => ({ url, sha256: cached.sha256 }))
  }
}
