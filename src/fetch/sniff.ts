import { open } from 'node:fs/promises'
import { extname } from 'node:path'
import type { Readable } from 'node:stream'
import type { FileKind } from './types.js'
import { entryName, openZip, type ZipEntry, type ZipFile } from './zip-package.js'

const SAMPLE_BYTES = 8192
const ODS_MIMETYPE = 'application/vnd.oasis.opendocument.spreadsheet'

/**
 * What a file is, by its first bytes; the extension only decides between text kinds.
 * ZIP containers are opened to tell XLSX and ODS from plain ZIPs.
 */
export async function sniffFileKind(path: string, fileName: string): Promise<FileKind> {
  const head = await readHead(path)
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) {
    return sniffZipContainer(path)
  }
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0])) return 'xls'
  if (startsWith(head, [0x25, 0x50, 0x44, 0x46])) return 'pdf'

  const text = decodeSample(head)
  if (text !== undefined) {
    const start = text
      .replace(/^[\s\ufeff]+/, '')
      .slice(0, 64)
      .toLowerCase()
    if (start.startsWith('<!doctype html') || start.startsWith('<html')) return 'html'
  }

  const ext = extname(fileName).toLowerCase()
  if (ext === '.csv' || ext === '.txt') return 'csv'
  if (text !== undefined && looksLikeText(text)) {
    // Markup that is not HTML (XML, "Excel 2003 XML" spreadsheets) is not a CSV.
    return text.replace(/^[\s\ufeff]+/, '').startsWith('<') ? 'unknown' : 'csv'
  }
  return 'unknown'
}

async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(SAMPLE_BYTES)
    const { bytesRead } = await handle.read(buffer, 0, SAMPLE_BYTES, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

function startsWith(buffer: Buffer, bytes: number[]): boolean {
  return buffer.length >= bytes.length && bytes.every((b, i) => buffer[i] === b)
}

/** The sample as text, honouring a UTF-16 BOM; undefined when it holds NUL bytes (binary). */
function decodeSample(head: Buffer): string | undefined {
  if (startsWith(head, [0xff, 0xfe])) return head.subarray(2).toString('utf16le')
  if (startsWith(head, [0xfe, 0xff])) {
    const swapped = Buffer.from(head.subarray(2, 2 + ((head.length - 2) & ~1)))
    return swapped.swap16().toString('utf16le')
  }
  if (head.includes(0)) return undefined
  // Latin-1 keeps every byte as one character; good enough to judge and to find "<html".
  const utf8 = new TextDecoder('utf-8', { fatal: false }).decode(head)
  return utf8.includes('\ufffd') ? head.toString('latin1') : utf8
}

/** Text when almost no characters are control characters other than tab, CR, LF and form feed. */
function looksLikeText(text: string): boolean {
  if (text.length === 0) return true
  let control = 0
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d && code !== 0x0c) || code === 0x7f) {
      control++
    }
  }
  return control / text.length < 0.01
}

/** 'xlsx' when the ZIP holds xl/workbook.xml, 'ods' when its mimetype says so, else 'zip'. */
async function sniffZipContainer(path: string): Promise<FileKind> {
  let zip: ZipFile
  try {
    // decodeStrings off: a hostile member name must not make sniffing fail; names are decoded below.
    zip = await openZip(path, { decodeStrings: false })
  } catch {
    return 'zip' // unreadable ZIP: unpacking will report it
  }
  try {
    let mimetype: ZipEntry | undefined
    for await (const entry of zip.eachEntry()) {
      const name = entryName(entry)
      if (name === 'xl/workbook.xml') return 'xlsx'
      if (name === 'mimetype') mimetype = entry
    }
    if (mimetype && mimetype.uncompressedSize < 256) {
      const stream = await zip.openReadStreamPromise(mimetype)
      const text = (await readAll(stream)).toString('utf8').trim()
      if (text === ODS_MIMETYPE) return 'ods'
    }
    return 'zip'
  } catch {
    return 'zip'
  } finally {
    zip.close()
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
