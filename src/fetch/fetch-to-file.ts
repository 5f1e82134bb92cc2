import { randomUUID } from 'node:crypto'
import { type BigIntStats, createReadStream } from 'node:fs'
import { mkdir, realpath, rename, rm, stat } from 'node:fs/promises'
import { STATUS_CODES } from 'node:http'
import { basename, isAbsolute, join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { fileURLToPath } from 'node:url'
import { isInsideFolder } from '../model/containment.js'
import { DataWarpError } from '../model/table.js'
import { claimUniquePath, contentDispositionFileName, fileNameFromUrl, safeFileName } from './file-name.js'
import { sniffFileKind } from './sniff.js'
import { streamToFile, type Written } from './stream-to-file.js'
import type { ConditionalRequest, FetchedFile, FetchOptions, NotModified } from './types.js'
import { DEFAULT_ZIP_MAX_RATIO } from './unpack-zip.js'

const USER_AGENT = 'DataWarp/0.1 (statistics loader)'
const DEFAULT_BACKOFF_MS = 500
/** An encoded body's inflation ratio is checked once it is past this size (small files compress well). */
const INFLATE_CHECK_BYTES = 1024 * 1024
/** Redirects followed before a request is given up as a loop (browsers and curl use 20 and 50). */
const MAX_REDIRECTS = 10
/** A server's Retry-After is honoured up to this long. */
const MAX_RETRY_AFTER_MS = 30_000

/** A download that failed with an HTTP status (404, or 5xx after the retries): `status` says which. */
export class HttpStatusError extends DataWarpError {
  constructor(
    message: string,
    url: string,
    readonly status: number,
  ) {
    super(message, { file: url })
  }
}

/**
 * Downloads (http/https) or copies (file:// URLs and plain paths) one file into `destDir`,
 * hashing it on the way. Retries transient HTTP failures; never overwrites an earlier file.
 *
 * With `conditional` (the ETag / Last-Modified of an earlier response), an HTTP request is conditional and a
 * 304 answer returns `{ notModified: true }` without downloading. A local file's ETag is made from its stat, as
 * web servers make theirs, so an unchanged local file is not copied and hashed again either.
 */
export function fetchToFile(url: string, destDir: string, options: FetchOptions): Promise<FetchedFile>
export function fetchToFile(
  url: string,
  destDir: string,
  options: FetchOptions,
  conditional: ConditionalRequest | undefined,
): Promise<FetchedFile | NotModified>
export async function fetchToFile(
  url: string,
  destDir: string,
  options: FetchOptions,
  conditional?: ConditionalRequest,
): Promise<FetchedFile | NotModified> {
  const source = classifySource(url, options.baseDir)
  await mkdir(destDir, { recursive: true })
  if (source.type === 'local') return copyLocal(url, source.path, destDir, options, conditional)
  return download(url, source.url, destDir, options, conditional)
}

type Source = { type: 'http'; url: URL } | { type: 'local'; path: string }

function classifySource(url: string, baseDir: string): Source {
  const trimmed = url.trim()
  if (trimmed === '') throw new DataWarpError('empty URL', { file: url })
  // A scheme has two or more characters, so "C:\data\x.csv" stays a path.
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(trimmed)?.[1]?.toLowerCase()
  if (scheme === undefined) {
    return { type: 'local', path: isAbsolute(trimmed) ? trimmed : resolve(baseDir, trimmed) }
  }
  if (scheme !== 'http' && scheme !== 'https' && scheme !== 'file') {
    throw new DataWarpError(
      `unsupported URL scheme "${scheme}:" in ${url} (use http(s)://, file:// or a path)`,
      {
        file: url,
      },
    )
  }
  let parsed: URL
  try {
    parsed = new URL(trimmed)
  } catch {
    throw new DataWarpError(`invalid URL: ${url}`, { file: url })
  }
  if (scheme === 'file') {
    try {
      return { type: 'local', path: fileURLToPath(parsed) }
    } catch (error) {
      throw new DataWarpError(`invalid file URL ${url}: ${(error as Error).message}`, { file: url })
    }
  }
  return { type: 'http', url: parsed }
}

// ---------------------------------------------------------------------------------------------
// Local files

/**
 * A weak ETag for a local file from its stat: device, inode, size, and the modification and change times in
 * nanoseconds. Any write moves the change time, which no one can set back, so a changed file never matches.
 */
export function localFileEtag(info: BigIntStats): string {
  return `W/"${[info.dev, info.ino, info.size, info.mtimeNs, info.ctimeNs].map((n) => n.toString(36)).join('-')}"`
}

const LOCAL_READ_BYTES = 1024 * 1024

async function copyLocal(
  url: string,
  path: string,
  destDir: string,
  options: FetchOptions,
  conditional?: ConditionalRequest,
): Promise<FetchedFile | NotModified> {
  const from = path === url ? path : `${path} (from ${url})`
  let size: number
  let etag: string
  try {
    if (options.localRoots) await checkInsideRoots(url, path, options.localRoots)
    const info = await stat(path, { bigint: true })
    if (!info.isFile()) throw new DataWarpError(`cannot read ${from}: not a file`, { file: url })
    size = Number(info.size)
    etag = localFileEtag(info)
  } catch (error) {
    if (error instanceof DataWarpError) throw error
    throw new DataWarpError(`cannot read ${from}: ${fsReason(error)}`, { file: url })
  }
  if (size > options.maxBytes) {
    throw new DataWarpError(`${from} is ${size} bytes, larger than the limit of ${options.maxBytes} bytes`, {
      file: url,
    })
  }
  if (conditional?.etag === etag) return { url, notModified: true, etag }
  const part = partPath(destDir)
  try {
    // Read in large pieces: a copy in 64 KiB ones (the default) takes twice as long.
    const written = await streamToFile(
      createReadStream(path, { highWaterMark: LOCAL_READ_BYTES }),
      part,
      (bytes) =>
        bytes > options.maxBytes
          ? new DataWarpError(`${from} grew past the limit of ${options.maxBytes} bytes while copying`, {
              file: url,
            })
          : undefined,
    )
    const fetched = await finish(url, part, safeFileName(basename(path)), written, destDir, undefined)
    // Taken before the copy: a file changed while it was copied has another ETag next time, so it is read again.
    fetched.etag = etag
    options.onAttempt?.({ url, attempt: 1 })
    return fetched
  } catch (error) {
    await rm(part, { force: true })
    options.onAttempt?.({ url, attempt: 1, error: (error as Error).message })
    if (error instanceof DataWarpError) throw error
    throw new DataWarpError(`cannot copy ${from} into ${destDir}: ${fsReason(error)}`, { file: url })
  }
}

/** A local file must lie inside one of the roots, once symbolic links (of the file and the roots) are resolved. */
async function checkInsideRoots(url: string, path: string, roots: readonly string[]): Promise<void> {
  const real = await realpath(path).catch(() => path)
  const realRoots = await Promise.all(roots.map((root) => realpath(root).catch(() => root)))
  const inside =
    roots.some((root) => isInsideFolder(path, root)) && realRoots.some((root) => isInsideFolder(real, root))
  if (inside) return
  throw new DataWarpError(
    `${url} is outside the project root${roots.length > 1 ? ' and the folders settings.allowed_folders allows' : ''} (${real === path ? path : `${path} leads to ${real}`}); local files are read only from inside it`,
    { file: url },
  )
}

function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EISDIR') return 'it is a folder'
  return (error as Error).message
}

// ---------------------------------------------------------------------------------------------
// HTTP(S)

/** Why one attempt failed, and whether another attempt could help. */
class AttemptFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message)
  }
}

interface Downloaded {
  status: number
  part: string
  written: Written
  fileName: string
  contentType?: string
  hops: string[]
  etag?: string
  lastModified?: string
}

/** The server answered a conditional request with 304. */
interface Unchanged {
  status: 304
  notModified: true
  etag?: string
  lastModified?: string
}

async function download(
  url: string,
  target: URL,
  destDir: string,
  options: FetchOptions,
  conditional?: ConditionalRequest,
): Promise<FetchedFile | NotModified> {
  const attempts = 1 + (Number.isFinite(options.retries) ? Math.max(0, Math.floor(options.retries)) : 0)
  const backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS
  let last: AttemptFailure | undefined
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (last) await sleep(backoffDelay(backoffMs, attempt - 1, last.retryAfterMs))
    let result: Downloaded | Unchanged
    try {
      result = await attemptDownload(target, destDir, options, conditional)
    } catch (error) {
      const failure =
        error instanceof AttemptFailure
          ? error
          : new AttemptFailure((error as Error).message, false, undefined)
      options.onAttempt?.({ url, attempt, error: failure.message, status: failure.status })
      if (!failure.retryable) {
        const separator = failure.message.startsWith('returned ') ? ' ' : ': '
        const message = `GET ${url}${separator}${failure.message}`
        if (failure.status !== undefined) throw new HttpStatusError(message, url, failure.status)
        throw new DataWarpError(message, { file: url })
      }
      last = failure
      continue
    }
    options.onAttempt?.({ url, attempt, status: result.status })
    if ('notModified' in result) {
      const { status: _, ...unchanged } = result
      return { url, ...unchanged }
    }
    try {
      const fetched = await finish(
        url,
        result.part,
        result.fileName,
        result.written,
        destDir,
        result.contentType,
      )
      fetched.hops = result.hops
      if (result.etag !== undefined) fetched.etag = result.etag
      if (result.lastModified !== undefined) fetched.lastModified = result.lastModified
      return fetched
    } catch (error) {
      await rm(result.part, { force: true })
      throw new DataWarpError(`GET ${url}: cannot store the file in ${destDir}: ${fsReason(error)}`, {
        file: url,
      })
    }
  }
  const plural = attempts === 1 ? 'attempt' : 'attempts'
  const message = `GET ${url} failed after ${attempts} ${plural}; last: ${last?.message ?? 'unknown error'}`
  if (last?.status !== undefined) throw new HttpStatusError(message, url, last.status)
  throw new DataWarpError(message, { file: url })
}

async function attemptDownload(
  target: URL,
  destDir: string,
  options: FetchOptions,
  conditional?: ConditionalRequest,
): Promise<Downloaded | Unchanged> {
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, options.timeoutMs)
  const part = partPath(destDir)
  const seconds = formatSeconds(options.timeoutMs)
  try {
    // Redirects are followed here, one hop at a time, so each hop's host is checked before it is requested.
    const hops: URL[] = []
    let response: Response | undefined
    for (let next: URL | undefined = target; next; ) {
      checkHost(next, hops, options.allowedHosts)
      hops.push(next)
      try {
        response = await fetch(next, {
          signal: controller.signal,
          redirect: 'manual',
          headers: { 'user-agent': USER_AGENT, accept: '*/*', ...conditionalHeaders(conditional) },
        })
      } catch (error) {
        // A name that does not exist (ENOTFOUND) will not exist a second later: no retry, so an offline run or a
        // mistyped host fails at once. A DNS server that could not answer (EAI_AGAIN) is retried like any reset.
        throw new AttemptFailure(
          timedOut ? `timed out after ${seconds} waiting for a response` : networkReason(error),
          timedOut || errorCode(error) !== 'ENOTFOUND',
        )
      }
      next = redirectTarget(response, next)
      if (next) {
        await response.body?.cancel().catch(() => {})
        if (hops.length > MAX_REDIRECTS)
          throw new AttemptFailure(`more than ${MAX_REDIRECTS} redirects (last to ${next.href})`, false)
      }
    }
    if (!response) throw new AttemptFailure('no response', true)

    const validators = responseValidators(response)
    if (response.status === 304 && conditional) {
      await response.body?.cancel().catch(() => {})
      return { status: 304, notModified: true, ...validators }
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => {})
      const status = response.status
      const text = `returned ${status} ${response.statusText || STATUS_CODES[status] || ''}`.trimEnd()
      const retryable = status === 429 || status >= 500
      throw new AttemptFailure(text, retryable, status, retryable ? retryAfterMs(response) : undefined)
    }

    const declared = Number(response.headers.get('content-length') ?? Number.NaN)
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      await response.body?.cancel().catch(() => {})
      throw new AttemptFailure(
        `Content-Length ${declared} exceeds the limit of ${options.maxBytes} bytes`,
        false,
        response.status,
      )
    }

    const tooLarge = new AttemptFailure(
      `the body exceeds the limit of ${options.maxBytes} bytes`,
      false,
      response.status,
    )
    const body = response.body
      ? Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>)
      : Readable.from([])
    // A gzip (or other) encoded body is inflated as it streams: bounded by its ratio to the bytes sent too.
    const encoded = (response.headers.get('content-encoding') ?? 'identity').toLowerCase() !== 'identity'
    const inflateLimit = encoded && Number.isFinite(declared) ? declared * DEFAULT_ZIP_MAX_RATIO : Infinity
    const bomb = new AttemptFailure(
      `the gzip-encoded body of ${declared} bytes inflates past ${DEFAULT_ZIP_MAX_RATIO} times its size (a compression bomb?)`,
      false,
      response.status,
    )
    let written: Written
    try {
      written = await streamToFile(body, part, (bytes) =>
        bytes > options.maxBytes
          ? tooLarge
          : bytes > inflateLimit && bytes > INFLATE_CHECK_BYTES
            ? bomb
            : undefined,
      )
    } catch (error) {
      if (error === tooLarge || error === bomb) throw error
      if (isLocalFsError(error)) throw new AttemptFailure(`cannot write ${part}: ${fsReason(error)}`, false)
      throw new AttemptFailure(
        timedOut ? `timed out after ${seconds} reading the body` : networkReason(error),
        true,
      )
    }
    const finalUrl = hops[hops.length - 1] ?? target
    const fileName = safeFileName(
      contentDispositionFileName(response.headers.get('content-disposition')) ??
        fileNameFromUrl(finalUrl) ??
        '',
    )
    return {
      status: response.status,
      part,
      written,
      fileName,
      contentType: response.headers.get('content-type') ?? undefined,
      hops: hops.map((hop) => hop.href),
      ...validators,
    }
  } catch (error) {
    controller.abort()
    await rm(part, { force: true })
    throw error
  } finally {
    clearTimeout(timer)
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

/** Where a 3xx response sends the request next (undefined: it is the answer). */
function redirectTarget(response: Response, from: URL): URL | undefined {
  const location = response.headers.get('location')
  if (!REDIRECT_STATUSES.has(response.status) || !location) return undefined
  let next: URL
  try {
    next = new URL(location, from)
  } catch {
    throw new AttemptFailure(`redirected to an invalid address "${location}"`, false)
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:')
    throw new AttemptFailure(`redirected to ${next.href}, which is not http(s)`, false)
  return next
}

/**
 * Whether a file fetched earlier in the run (downloads are shared by URL) may serve a fetch allowed only
 * `allowedHosts`: every hop it took must be to one of them. Throws, naming the hop, when not.
 */
export function checkFetchedHosts(file: FetchedFile, allowedHosts: readonly string[] | undefined): void {
  if (!allowedHosts) return
  const hops = file.hops ?? (/^https?:/i.test(file.url) ? [file.url] : [])
  const urls = hops.map((hop) => new URL(hop))
  try {
    urls.forEach((hop, i) => {
      checkHost(hop, urls.slice(0, i), allowedHosts)
    })
  } catch (error) {
    throw new DataWarpError(`GET ${file.url}: ${(error as Error).message}`, { file: file.url })
  }
}

/**
 * A fetched file that is to be read as data: its hops allowed (see checkFetchedHosts), and not an HTML page
 * (a landing page, a sign-in page or an error page served in the file's place).
 */
export function checkDataFile(file: FetchedFile, allowedHosts: readonly string[] | undefined): void {
  checkFetchedHosts(file, allowedHosts)
  if (file.kind === 'html')
    throw new DataWarpError(
      `${file.url} returned an HTML page, not a data file (saved as ${file.fileName}): point the config at the file itself`,
      { file: file.url },
    )
}

/** Refuses a request (the first, or a redirect hop) to a host that is not allowed, before it is sent. */
function checkHost(url: URL, before: readonly URL[], allowedHosts: readonly string[] | undefined): void {
  const host = url.host.toLowerCase()
  if (!allowedHosts || allowedHosts.includes(host)) return
  const what = before.length === 0 ? url.href : `redirected to ${url.href}`
  throw new AttemptFailure(
    `${what}: ${host} is not an allowed host (allowed: ${allowedHosts.join(', ')})`,
    false,
  )
}

function conditionalHeaders(conditional: ConditionalRequest | undefined): Record<string, string> {
  const headers: Record<string, string> = {}
  if (conditional?.etag) headers['if-none-match'] = conditional.etag
  if (conditional?.lastModified) headers['if-modified-since'] = conditional.lastModified
  return headers
}

function responseValidators(response: Response): { etag?: string; lastModified?: string } {
  const etag = response.headers.get('etag')
  const lastModified = response.headers.get('last-modified')
  return { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) }
}

/** Moves a completed `.part` file to a name of its own in destDir, and sniffs what it is. */
async function finish(
  url: string,
  part: string,
  fileName: string,
  written: Written,
  destDir: string,
  contentType: string | undefined,
): Promise<FetchedFile> {
  const path = await claimUniquePath(destDir, fileName, url)
  try {
    await rename(part, path)
  } catch (error) {
    await rm(path, { force: true })
    throw error
  }
  const kind = await sniffFileKind(path, fileName)
  const fetched: FetchedFile = { url, path, fileName, bytes: written.bytes, sha256: written.sha256, kind }
  if (contentType !== undefined) fetched.contentType = contentType
  return fetched
}

function partPath(destDir: string): string {
  return join(destDir, `.datawarp-${randomUUID()}.part`)
}

/** The first error code in an error's chain of causes. */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as NodeJS.ErrnoException).code
    if (code) return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/** "connection reset (ECONNRESET)" rather than fetch's bare "fetch failed". */
function networkReason(error: unknown): string {
  const messages: string[] = []
  let code: string | undefined
  let current: unknown = error
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    const c = (current as NodeJS.ErrnoException).code
    if (c && !code) code = c
    if (current.message && current.message !== 'fetch failed' && current.message !== 'terminated') {
      messages.push(current.message)
    }
    current = (current as { cause?: unknown }).cause
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') messages.unshift('connection reset')
  const text = [...new Set(messages)].join(': ') || 'network error'
  return code ? `${text} (${code})` : text
}

const LOCAL_FS_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EISDIR', 'EMFILE', 'ENFILE'])

function isLocalFsError(error: unknown): boolean {
  return LOCAL_FS_CODES.has((error as NodeJS.ErrnoException)?.code ?? '')
}

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after')
  if (!header) return undefined
  const seconds = Number(header)
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now()
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined
}

/** base × 2^(retry−1), ±50% jitter; at least what the server asked for in Retry-After. */
function backoffDelay(baseMs: number, retry: number, serverAskedMs: number | undefined): number {
  const exponential = baseMs * 2 ** (retry - 1)
  const jittered = exponential * (0.5 + Math.random())
  return Math.max(jittered, serverAskedMs ?? 0)
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms))
}
