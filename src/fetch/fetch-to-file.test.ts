import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DataWarpError } from '../model/table.js'
import { checkFetchedHosts, fetchToFile } from './fetch-to-file.js'
import type { AttemptInfo, FetchedFile, FetchOptions } from './types.js'

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void

/** A local server whose routes count their hits; each test registers what it needs. */
let server: Server
let base: string
const routes = new Map<string, Handler>()
const hits = new Map<string, number>()

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    const hit = (hits.get(path) ?? 0) + 1
    hits.set(path, hit)
    const handler = routes.get(path)
    if (!handler) {
      res.writeHead(404).end('not here')
      return
    }
    handler(req, res, hit)
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((done) => server.close(done))
})

let work: string
let dest: string

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'datawarp-fetch-'))
  dest = join(work, 'downloads')
  routes.clear()
  hits.clear()
})

afterEach(async () => {
  await rm(work, { recursive: true, force: true })
})

function options(overrides: Partial<FetchOptions> = {}): FetchOptions {
  return { timeoutMs: 2000, retries: 2, maxBytes: 1024 * 1024, baseDir: work, backoffMs: 1, ...overrides }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

function serve(path: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  routes.set(path, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/csv', ...headers }).end(body)
  })
}

async function failure(promise: Promise<unknown>): Promise<DataWarpError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(DataWarpError)
    return error as DataWarpError
  }
  throw new Error('expected the fetch to fail')
}

const CSV = 'code,count\nA,1\nB,2\n'

describe('fetchToFile over HTTP', () => {
  it('downloads a file with its bytes, sha256, content type and kind', async () => {
    serve('/data/gp.csv', CSV)
    const file = await fetchToFile(`${base}/data/gp.csv`, dest, options())
    expect(file).toMatchObject({
      url: `${base}/data/gp.csv`,
      fileName: 'gp.csv',
      bytes: Buffer.byteLength(CSV),
      sha256: sha256(CSV),
      contentType: 'text/csv',
      kind: 'csv',
    })
    expect(file.path).toBe(join(dest, 'gp.csv'))
    expect(await readFile(file.path, 'utf8')).toBe(CSV)
    expect(await readdir(dest)).toEqual(['gp.csv']) // no .part file left behind
  })

  it('retries after 500, 500 and succeeds on the third attempt', async () => {
    routes.set('/flaky.csv', (_req, res, hit) => {
      if (hit <= 2) res.writeHead(500).end('oops')
      else res.writeHead(200).end(CSV)
    })
    const attempts: AttemptInfo[] = []
    const file = await fetchToFile(`${base}/flaky.csv`, dest, options({ onAttempt: (a) => attempts.push(a) }))
    expect(file.sha256).toBe(sha256(CSV))
    expect(hits.get('/flaky.csv')).toBe(3)
    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ])
    expect(attempts[0]?.error).toBe('returned 500 Internal Server Error')
  })

  it('retries on 429 Too Many Requests', async () => {
    routes.set('/busy.csv', (_req, res, hit) => {
      if (hit === 1) res.writeHead(429).end()
      else res.writeHead(200).end(CSV)
    })
    await fetchToFile(`${base}/busy.csv`, dest, options())
    expect(hits.get('/busy.csv')).toBe(2)
  })

  it('retries a connection reset', async () => {
    routes.set('/reset.csv', (req, res, hit) => {
      if (hit === 1) req.socket.destroy()
      else res.writeHead(200).end(CSV)
    })
    const attempts: AttemptInfo[] = []
    const file = await fetchToFile(`${base}/reset.csv`, dest, options({ onAttempt: (a) => attempts.push(a) }))
    expect(file.bytes).toBe(Buffer.byteLength(CSV))
    expect(hits.get('/reset.csv')).toBe(2)
    expect(attempts[0]?.error).toMatch(/^connection reset/)
  })

  it('gives up after the retries, naming the URL, the attempts and the last cause', async () => {
    routes.set('/down.csv', (_req, res) => res.writeHead(503).end())
    const error = await failure(fetchToFile(`${base}/down.csv`, dest, options({ retries: 2 })))
    expect(error.message).toBe(
      `GET ${base}/down.csv failed after 3 attempts; last: returned 503 Service Unavailable`,
    )
    expect(hits.get('/down.csv')).toBe(3)
    expect(await readdir(dest)).toEqual([])
  })

  it('fails at once on 404 with a clear message', async () => {
    const error = await failure(fetchToFile(`${base}/missing.xlsx`, dest, options({ retries: 3 })))
    expect(error.message).toBe(`GET ${base}/missing.xlsx returned 404 Not Found`)
    expect(hits.get('/missing.xlsx')).toBe(1)
  })

  it('rejects a body whose Content-Length exceeds maxBytes before reading it', async () => {
    routes.set('/big.csv', (_req, res) => {
      res.writeHead(200, { 'content-length': String(5 * 1024 ** 3) })
      res.write('x'.repeat(100)) // and the rest never comes: the header alone must decide
    })
    const error = await failure(fetchToFile(`${base}/big.csv`, dest, options({ maxBytes: 1000 })))
    expect(error.message).toBe(
      `GET ${base}/big.csv: Content-Length 5368709120 exceeds the limit of 1000 bytes`,
    )
    expect(hits.get('/big.csv')).toBe(1)
    expect(await readdir(dest)).toEqual([])
  })

  it('rejects a chunked body (no Content-Length) once it grows past maxBytes', async () => {
    routes.set('/stream.csv', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' })
      for (let i = 0; i < 20; i++) res.write('y'.repeat(100))
      res.end()
    })
    const error = await failure(fetchToFile(`${base}/stream.csv`, dest, options({ maxBytes: 1000 })))
    expect(error.message).toBe(`GET ${base}/stream.csv: the body exceeds the limit of 1000 bytes`)
    expect(hits.get('/stream.csv')).toBe(1)
    expect(await readdir(dest)).toEqual([])
  })

  it('times out when the server sends headers and then stalls', async () => {
    routes.set('/stall.csv', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' })
      res.write('code,count\n') // and never ends
    })
    const started = Date.now()
    const error = await failure(
      fetchToFile(`${base}/stall.csv`, dest, options({ timeoutMs: 150, retries: 1 })),
    )
    expect(error.message).toBe(
      `GET ${base}/stall.csv failed after 2 attempts; last: timed out after 0.15 s reading the body`,
    )
    expect(hits.get('/stall.csv')).toBe(2)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(await readdir(dest)).toEqual([])
  })

  it('times out when the server never answers', async () => {
    routes.set('/silent.csv', () => {})
    const error = await failure(
      fetchToFile(`${base}/silent.csv`, dest, options({ timeoutMs: 100, retries: 0 })),
    )
    expect(error.message).toBe(
      `GET ${base}/silent.csv failed after 1 attempt; last: timed out after 0.1 s waiting for a response`,
    )
  })

  it('names the file from Content-Disposition filename', async () => {
    serve('/download', CSV, { 'content-disposition': 'attachment; filename="GP list; March.csv"' })
    const file = await fetchToFile(`${base}/download?id=7`, dest, options())
    expect(file.fileName).toBe('GP list; March.csv')
    expect(basename(file.path)).toBe('GP list; March.csv')
  })

  it("prefers Content-Disposition filename*=UTF-8'' with an en-dash", async () => {
    serve('/get', CSV, {
      'content-disposition': `attachment; filename="fallback.csv"; filename*=UTF-8''PCN%20April%E2%80%93June%202025.csv`,
    })
    const file = await fetchToFile(`${base}/get`, dest, options())
    expect(file.fileName).toBe('PCN April–June 2025.csv')
    expect(basename(file.path)).toBe('PCN April–June 2025.csv')
  })

  it('decodes a URL-encoded file name from the URL path', async () => {
    serve('/files/PCNW March 2025.csv', CSV)
    const file = await fetchToFile(`${base}/files/PCNW%20March%202025.csv`, dest, options())
    expect(file.fileName).toBe('PCNW March 2025.csv')
    expect(file.url).toBe(`${base}/files/PCNW%20March%202025.csv`)
  })

  it('names the file after the final URL when redirected', async () => {
    routes.set('/latest', (_req, res) =>
      res.writeHead(302, { location: '/files/GP%20Data%20Apr%202025.csv' }).end(),
    )
    serve('/files/GP Data Apr 2025.csv', CSV)
    const file = await fetchToFile(`${base}/latest`, dest, options())
    expect(file.url).toBe(`${base}/latest`)
    expect(file.fileName).toBe('GP Data Apr 2025.csv')
  })

  it('makes a hostile Content-Disposition name safe', async () => {
    serve('/evil', CSV, { 'content-disposition': 'attachment; filename="../../etc/passwd"' })
    const file = await fetchToFile(`${base}/evil`, dest, options())
    expect(file.fileName).toBe('_._etc_passwd')
    expect(file.path).toBe(join(dest, '_._etc_passwd'))
  })

  it('keeps both files when two URLs have the same file name', async () => {
    serve('/a/report.csv', 'first\n')
    serve('/b/report.csv', 'second\n')
    const first = await fetchToFile(`${base}/a/report.csv`, dest, options())
    const second = await fetchToFile(`${base}/b/report.csv`, dest, options())
    expect(first.fileName).toBe('report.csv')
    expect(second.fileName).toBe('report.csv')
    expect(second.path).not.toBe(first.path)
    expect(basename(second.path)).toMatch(/^report~[0-9a-f]{8}\.csv$/)
    expect(await readFile(first.path, 'utf8')).toBe('first\n')
    expect(await readFile(second.path, 'utf8')).toBe('second\n')
  })

  it('sniffs an HTML page as html whatever its name says', async () => {
    serve('/report.xlsx', '\ufeff  <!DOCTYPE html><html><body>Please log in</body></html>', {
      'content-type': 'text/html',
    })
    const file = await fetchToFile(`${base}/report.xlsx`, dest, options())
    expect(file.kind).toBe('html')
    expect(file.contentType).toBe('text/html')
  })

  it('rejects an unsupported URL scheme', async () => {
    const error = await failure(fetchToFile('ftp://example.org/x.csv', dest, options()))
    expect(error.message).toBe(
      'unsupported URL scheme "ftp:" in ftp://example.org/x.csv (use http(s)://, file:// or a path)',
    )
  })
})

describe('fetchToFile from local files', () => {
  it('copies and hashes a file:// URL', async () => {
    const source = join(work, 'source dir', 'GP data.csv')
    await mkdir(join(work, 'source dir'))
    await writeFile(source, CSV)
    const url = pathToFileURL(source).href
    const file = await fetchToFile(url, dest, options())
    expect(file).toMatchObject({
      url,
      fileName: 'GP data.csv',
      bytes: Buffer.byteLength(CSV),
      sha256: sha256(CSV),
    })
    expect(file.kind).toBe('csv')
    expect(await readFile(file.path, 'utf8')).toBe(CSV)
  })

  it('copies a path relative to baseDir', async () => {
    await writeFile(join(work, 'local.csv'), CSV)
    const file = await fetchToFile('local.csv', dest, options())
    expect(file.path).toBe(join(dest, 'local.csv'))
    expect(file.sha256).toBe(sha256(CSV))
  })

  it('names a missing local file in the error', async () => {
    const error = await failure(fetchToFile('nope.csv', dest, options()))
    expect(error.message).toBe(`cannot read ${join(work, 'nope.csv')} (from nope.csv): no such file`)
  })

  it('answers an unchanged local file from its ETag without copying it, and copies it again once rewritten', async () => {
    const source = join(work, 'monthly.csv')
    await writeFile(source, CSV)
    const first = await fetchToFile(source, dest, options())
    expect(first.etag).toMatch(/^W\/"/)
    const again = await fetchToFile(source, join(work, 'again'), options(), { etag: first.etag! })
    expect(again).toEqual({ url: source, notModified: true, etag: first.etag })
    expect(existsSync(join(work, 'again', 'monthly.csv'))).toBe(false)

    // The same size, the modification time set back: the change time still moves, so the ETag does too.
    const before = await stat(source)
    await writeFile(source, CSV.replace('1', '2'))
    await utimes(source, before.atime, before.mtime)
    const rewritten = await fetchToFile(source, join(work, 'rewritten'), options(), { etag: first.etag! })
    expect('notModified' in rewritten).toBe(false)
    expect((rewritten as FetchedFile).sha256).toBe(sha256(CSV.replace('1', '2')))
  })

  it('rejects a local file larger than maxBytes', async () => {
    await writeFile(join(work, 'large.csv'), 'z'.repeat(500))
    const error = await failure(fetchToFile(join(work, 'large.csv'), dest, options({ maxBytes: 100 })))
    expect(error.message).toBe(`${join(work, 'large.csv')} is 500 bytes, larger than the limit of 100 bytes`)
  })
})

describe('local files stay inside the folders allowed', () => {
  it('refuses a path, a file:// URL or a ../ path outside localRoots, before reading it', async () => {
    const project = join(work, 'project')
    await mkdir(project)
    for (const url of ['/etc/passwd', 'file:///proc/self/environ', '../../../../etc/passwd']) {
      const error = await failure(
        fetchToFile(url, dest, options({ baseDir: project, localRoots: [project] })),
      )
      expect(error.message).toMatch(/is outside the project root/)
      expect(error.message).toContain(url)
    }
  })

  it('refuses a symbolic link inside the root that points outside it', async () => {
    const project = join(work, 'project')
    await mkdir(project)
    await symlink('/etc/passwd', join(project, 'innocent.csv'))
    const error = await failure(
      fetchToFile('innocent.csv', dest, options({ baseDir: project, localRoots: [project] })),
    )
    expect(error.message).toMatch(/innocent\.csv.*is outside the project root/)
  })

  it('reads a file inside the root, or inside another folder allowed', async () => {
    const project = join(work, 'project')
    const shared = join(work, 'shared')
    await mkdir(project)
    await mkdir(shared)
    await writeFile(join(project, 'a.csv'), CSV)
    await writeFile(join(shared, 'b.csv'), CSV)
    const roots = { baseDir: project, localRoots: [project, shared] }
    expect((await fetchToFile('a.csv', dest, options(roots))).sha256).toBe(sha256(CSV))
    expect((await fetchToFile('../shared/b.csv', dest, options(roots))).sha256).toBe(sha256(CSV))
  })
})

describe('allowed hosts are checked on every redirect hop, before the request is sent', () => {
  it('never sends a request to a host that is not allowed, even when an allowed host redirects there', async () => {
    const other = createServer((_req, res) => res.writeHead(200).end('secret'))
    await new Promise<void>((done) => other.listen(0, '127.0.0.1', done))
    let reached = 0
    other.on('request', () => reached++)
    const otherHost = `localhost:${(other.address() as AddressInfo).port}`
    try {
      routes.set('/hop', (_req, res) => res.writeHead(302, { location: `http://${otherHost}/x.csv` }).end())
      const allowed = new URL(base).host
      const error = await failure(fetchToFile(`${base}/hop`, dest, options({ allowedHosts: [allowed] })))
      expect(error.message).toContain(`redirected to http://${otherHost}/x.csv`)
      expect(error.message).toContain('not an allowed host')
      expect(reached).toBe(0)
    } finally {
      other.closeAllConnections()
      await new Promise((done) => other.close(done))
    }
  })

  it('refuses the first request too when its host is not allowed', async () => {
    serve('/a.csv', CSV)
    const error = await failure(
      fetchToFile(`${base}/a.csv`, dest, options({ allowedHosts: ['example.org'] })),
    )
    expect(error.message).toMatch(/not an allowed host/)
    expect(hits.get('/a.csv')).toBeUndefined()
  })

  it('follows redirects between allowed hosts and records each hop', async () => {
    serve('/final.csv', CSV)
    routes.set('/one', (_req, res) => res.writeHead(301, { location: '/two' }).end())
    routes.set('/two', (_req, res) => res.writeHead(302, { location: `${base}/final.csv` }).end())
    const file = await fetchToFile(`${base}/one`, dest, options({ allowedHosts: [new URL(base).host] }))
    expect(file.sha256).toBe(sha256(CSV))
    expect(file.fileName).toBe('final.csv')
    expect(file.hops).toEqual([`${base}/one`, `${base}/two`, `${base}/final.csv`])
  })

  it('a download shared within the run serves another fetch only when every hop it took is allowed there', async () => {
    serve('/final.csv', CSV)
    routes.set('/one', (_req, res) => res.writeHead(302, { location: `${base}/final.csv` }).end())
    const file = await fetchToFile(`${base}/one`, dest, options())
    const host = new URL(base).host
    expect(() => checkFetchedHosts(file, [host])).not.toThrow()
    expect(() => checkFetchedHosts(file, undefined)).not.toThrow()
    expect(() => checkFetchedHosts(file, ['files.example.org'])).toThrow(
      new RegExp(`GET ${base}/one: .*${host} is not an allowed host`),
    )
    expect(() =>
      checkFetchedHosts({ ...file, hops: [`${base}/one`, 'http://elsewhere.example/x.csv'] }, [host]),
    ).toThrow(/redirected to http:\/\/elsewhere\.example\/x\.csv: elsewhere\.example is not an allowed host/)
  })

  it('stops a gzip-encoded body that inflates past the compression ratio a ZIP member is allowed', async () => {
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x30))
    routes.set('/bomb.csv', (_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/csv',
        'content-encoding': 'gzip',
        'content-length': bomb.length,
      })
      res.end(bomb)
    })
    const error = await failure(
      fetchToFile(`${base}/bomb.csv`, dest, options({ maxBytes: 64 * 1024 * 1024 })),
    )
    expect(error.message).toMatch(/gzip-encoded body of \d+ bytes inflates past \d+ times its size/)
    serve('/fine.csv', CSV)
    const gzipped = gzipSync(Buffer.from(CSV))
    routes.set('/fine.csv', (_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': gzipped.length }).end(gzipped)
    })
    expect((await fetchToFile(`${base}/fine.csv`, dest, options())).sha256).toBe(sha256(CSV))
  })

  it('stops a redirect loop', async () => {
    routes.set('/loop', (_req, res) => res.writeHead(302, { location: '/loop' }).end())
    const error = await failure(fetchToFile(`${base}/loop`, dest, options()))
    expect(error.message).toMatch(/more than \d+ redirects/)
  })
})

describe('a host whose name does not resolve', () => {
  it('fails at once without retrying, naming the host, so an offline run ends quickly', async () => {
    const attempts: AttemptInfo[] = []
    const error = await failure(
      fetchToFile(
        'http://datawarp-no-such-host.invalid/data.csv',
        dest,
        options({ retries: 3, backoffMs: 1000, onAttempt: (a) => attempts.push(a) }),
      ),
    )
    expect(error.message).toContain('datawarp-no-such-host.invalid')
    expect(error.message).toMatch(/ENOTFOUND|EAI_AGAIN/)
    // EAI_AGAIN (the resolver could not answer) is retried; ENOTFOUND (no such name) is not.
    if (error.message.includes('ENOTFOUND')) expect(attempts.filter((a) => a.error)).toHaveLength(1)
  })
})
