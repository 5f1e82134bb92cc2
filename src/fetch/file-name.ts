import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { extname, join } from 'node:path'

/** Longest file name kept, in UTF-8 bytes (file systems allow 255; room is left for a suffix). */
const MAX_NAME_BYTES = 200

/**
 * Makes a name safe to use as one path segment: no '/', '\\', '..', control characters,
 * nor leading dots or trailing dots/spaces. Returns `fallback` when nothing is left.
 */
export function safeFileName(name: string, fallback = 'download'): string {
  let safe = name
    .normalize('NFC')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .replace(/[/\\]/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[\s.]+/, '')
    .replace(/[\s.]+$/, '')
  if (Buffer.byteLength(safe) > MAX_NAME_BYTES) safe = truncateKeepingExtension(safe)
  return safe === '' ? fallback : safe
}

function truncateKeepingExtension(name: string): string {
  const ext = extname(name)
  const keepExt = ext.length > 0 && ext.length <= 10 ? ext : ''
  let stem = keepExt ? name.slice(0, -keepExt.length) : name
  while (Buffer.byteLength(stem + keepExt) > MAX_NAME_BYTES) stem = Array.from(stem).slice(0, -1).join('')
  return stem.trimEnd() + keepExt
}

/** The last segment of a URL's path, percent-decoded ("PCNW%20March%202025.xlsx" → "PCNW March 2025.xlsx"). */
export function fileNameFromUrl(url: URL): string | undefined {
  const segments = url.pathname.split('/')
  const last = segments[segments.length - 1]
  if (!last) return undefined
  return percentDecode(last)
}

function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/**
 * The file name a Content-Disposition header gives, preferring `filename*` (RFC 5987/6266) over `filename`.
 * Returns undefined when the header names none.
 */
export function contentDispositionFileName(header: string | null | undefined): string | undefined {
  if (!header) return undefined
  const params = parseHeaderParams(header)
  const extended = params.get('filename*')
  if (extended !== undefined) {
    const decoded = decodeExtValue(extended)
    if (decoded) return decoded
  }
  const plain = params.get('filename')
  if (plain) return latin1ToUtf8IfValid(plain)
  return undefined
}

/** Parameters of a header value like `attachment; filename="a;b.csv"; x=1`, names lower-cased. */
function parseHeaderParams(header: string): Map<string, string> {
  const params = new Map<string, string>()
  let i = header.indexOf(';')
  if (i < 0) return params
  while (i < header.length) {
    i++ // skip ';'
    const eq = header.indexOf('=', i)
    if (eq < 0) break
    const name = header.slice(i, eq).trim().toLowerCase()
    i = eq + 1
    while (header[i] === ' ' || header[i] === '\t') i++
    let value = ''
    if (header[i] === '"') {
      i++
      while (i < header.length && header[i] !== '"') {
        if (header[i] === '\\' && i + 1 < header.length) i++
        value += header[i]
        i++
      }
      i++ // closing quote
      const next = header.indexOf(';', i)
      i = next < 0 ? header.length : next
    } else {
      const next = header.indexOf(';', i)
      const end = next < 0 ? header.length : next
      value = header.slice(i, end).trim()
      i = end
    }
    if (name && !params.has(name)) params.set(name, value)
  }
  return params
}

/** RFC 5987 ext-value: charset'language'percent-encoded-bytes. */
function decodeExtValue(value: string): string | undefined {
  const match = /^([^']*)'[^']*'(.*)$/.exec(value)
  if (!match) return undefined
  const charset = (match[1] ?? '').toLowerCase()
  const encoded = match[2] ?? ''
  const bytes = percentDecodeBytes(encoded)
  if (charset === 'utf-8' || charset === 'utf8' || charset === '') {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    } catch {
      return undefined
    }
  }
  if (charset === 'iso-8859-1' || charset === 'latin1') return bytes.toString('latin1')
  return undefined
}

function percentDecodeBytes(text: string): Buffer {
  const out: number[] = []
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (ch === '%' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(Number.parseInt(text.slice(i + 1, i + 3), 16))
      i += 2
    } else {
      out.push(...Buffer.from(ch, 'utf8'))
    }
  }
  return Buffer.from(out)
}

/**
 * Header values arrive as Latin-1 code units. Servers that put raw UTF-8 in `filename="…"`
 * then show up as mojibake ("â€“"); undo that when the bytes are valid UTF-8.
 */
function latin1ToUtf8IfValid(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: checking for ASCII only
  if (/^[\u0000-\u007f]*$/.test(text) || /[^\u0000-\u00ff]/.test(text)) return text
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(text, 'latin1'))
  } catch {
    return text
  }
}

/**
 * Claims a path in `dir` for `fileName` without overwriting anything: the name itself, else the name with a
 * short hash of `source` (the URL) before the extension, else that with a counter. Creates an empty file
 * at the returned path so concurrent claims cannot collide; the caller renames its data over it.
 */
export async function claimUniquePath(dir: string, fileName: string, source: string): Promise<string> {
  const ext = extname(fileName)
  const stem = ext ? fileName.slice(0, -ext.length) : fileName
  const tag = createHash('sha256').update(source).digest('hex').slice(0, 8)
  for (let n = 0; n < 10_000; n++) {
    const candidate = n === 0 ? fileName : n === 1 ? `${stem}~${tag}${ext}` : `${stem}~${tag}-${n}${ext}`
    const path = join(dir, candidate)
    try {
      const handle = await open(path, 'wx')
      await handle.close()
      return path
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
  throw new Error(`no free file name for ${fileName} in ${dir}`)
}
