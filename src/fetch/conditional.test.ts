import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { fetchToFile, HttpStatusError } from './fetch-to-file.js'
import type { FetchOptions } from './types.js'

const CSV = 'code,count\nA,1\n'
const ETAG = '"v1"'
const LAST_MODIFIED = 'Tue, 02 Dec 2025 09:30:00 GMT'

let server: Server
let base: string
const seen: IncomingHttpHeaders[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers)
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path === '/away.csv') {
      res
        .writeHead(302, { location: `http://localhost:${(server.address() as AddressInfo).port}/data.csv` })
        .end()
      return
    }
    if (path !== '/data.csv') {
      res.writeHead(404).end()
      return
    }
    const fresh = req.headers['if-none-match'] === ETAG || req.headers['if-modified-since'] === LAST_MODIFIED
    if (fresh) {
      res.writeHead(304, { etag: ETAG }).end()
      return
    }
    res.writeHead(200, { 'content-type': 'text/csv', etag: ETAG, 'last-modified': LAST_MODIFIED }).end(CSV)
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((done) => server.close(done))
})

let work: string
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'datawarp-conditional-'))
  seen.length = 0
})
afterEach(async () => {
  await rm(work, { recursive: true, force: true })
})

const options = (more: Partial<FetchOptions> = {}): FetchOptions => ({
  timeoutMs: 2000,
  retries: 0,
  maxBytes: 1024 * 1024,
  baseDir: work,
  backoffMs: 1,
  ...more,
})

describe('fetchToFile with a conditional request', () => {
  it('reports the ETag and Last-Modified of a download, for the next request', async () => {
    const file = await fetchToFile(`${base}/data.csv`, join(work, 'd'), options())
    expect(file).toMatchObject({ etag: ETAG, lastModified: LAST_MODIFIED, bytes: CSV.length })
    expect(seen[0]?.['if-none-match']).toBeUndefined()
  })

  it('sends If-None-Match and If-Modified-Since, and downloads nothing on 304', async () => {
    const result = await fetchToFile(`${base}/data.csv`, join(work, 'd'), options(), {
      etag: ETAG,
      lastModified: LAST_MODIFIED,
    })
    expect(result).toEqual({ url: `${base}/data.csv`, notModified: true, etag: ETAG })
    expect(seen[0]).toMatchObject({ 'if-none-match': ETAG, 'if-modified-since': LAST_MODIFIED })
    expect(await readdir(join(work, 'd'))).toEqual([])
  })

  it('downloads the file when it changed since the validators', async () => {
    const result = await fetchToFile(`${base}/data.csv`, join(work, 'd'), options(), { etag: '"v0"' })
    expect('notModified' in result).toBe(false)
    expect(result).toMatchObject({ fileName: 'data.csv', etag: ETAG })
  })

  it('fails with the HTTP status when the file is missing', async () => {
    const error = await fetchToFile(`${base}/gone.csv`, join(work, 'd'), options()).catch((e) => e)
    expect(error).toBeInstanceOf(HttpStatusError)
    expect(error.status).toBe(404)
    expect(error.message).toBe(`GET ${base}/gone.csv returned 404 Not Found`)
  })

  it('refuses a redirect to a host that is not allowed, before requesting it', async () => {
    const error = await fetchToFile(
      `${base}/away.csv`,
      join(work, 'd'),
      options({ allowedHosts: [new URL(base).host] }),
    ).catch((e) => e)
    expect(error.message).toMatch(
      /redirected to http:\/\/localhost:\d+\/.*: localhost:\d+ is not an allowed host/,
    )
  })
})
