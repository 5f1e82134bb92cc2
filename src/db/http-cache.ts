import type pg from 'pg'

/**
 * datawarp.http_cache: per URL, the ETag / Last-Modified of the last full response and the sha256 of the body
 * it described, so the next run can ask "changed since?" and download nothing when the answer is 304. HTML
 * pages also keep the links found on them (`links`), so a page answering 304 needs no body either.
 */
export interface CachedResponse {
  readonly url: string
  readonly etag?: string
  readonly lastModified?: string
  readonly sha256: string
  readonly bytes: number
  /** For pages: what the discover stage read from it (opaque here). */
  readonly links?: unknown
  readonly fetchedAt: Date
  readonly checkedAt: Date
}

interface Row {
  url: string
  etag: string | null
  last_modified: string | null
  sha256: string
  bytes: string
  links: unknown
  fetched_at: Date
  checked_at: Date
}

const fromRow = (r: Row): CachedResponse => ({
  url: r.url,
  ...(r.etag !== null ? { etag: r.etag } : {}),
  ...(r.last_modified !== null ? { lastModified: r.last_modified } : {}),
  sha256: r.sha256,
  bytes: Number(r.bytes),
  ...(r.links !== null ? { links: r.links } : {}),
  fetchedAt: r.fetched_at,
  checkedAt: r.checked_at,
})

export async function readHttpCache(pool: pg.Pool, url: string): Promise<CachedResponse | undefined> {
  const { rows } = await pool.query<Row>('SELECT * FROM datawarp.http_cache WHERE url = $1', [url])
  return rows[0] ? fromRow(rows[0]) : undefined
}

/**
 * Records a full (200) response. A response without ETag or Last-Modified cannot be asked about later, so
 * its row is removed instead.
 */
export async function writeHttpCache(
  pool: pg.Pool,
  entry: {
    url: string
    etag?: string
    lastModified?: string
    sha256: string
    bytes: number
    links?: unknown
  },
): Promise<void> {
  if (entry.etag === undefined && entry.lastModified === undefined) {
    await pool.query('DELETE FROM datawarp.http_cache WHERE url = $1', [entry.url])
    return
  }
  await pool.query(
    `INSERT INTO datawarp.http_cache (url, etag, last_modified, sha256, bytes, links, fetched_at, checked_at)
     VALUES ($1, $2, $3, $4, $5, $6, now(), now())
     ON CONFLICT (url) DO UPDATE SET etag = $2, last_modified = $3, sha256 = $4, bytes = $5, links = $6,
       fetched_at = now(), checked_at = now()`,
    [
      entry.url,
      entry.etag ?? null,
      entry.lastModified ?? null,
      entry.sha256,
      entry.bytes,
      entry.links === undefined ? null : JSON.stringify(entry.links),
    ],
  )
}

/** Records a 304: the cached response still stands. */
export async function touchHttpCache(pool: pg.Pool, url: string): Promise<void> {
  await pool.query('UPDATE datawarp.http_cache SET checked_at = now() WHERE url = $1', [url])
}
