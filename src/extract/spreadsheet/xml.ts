/** Streaming XML plumbing shared by the workbook parts: bytes → text chunks → saxes. */
import type { Readable } from 'node:stream'
import { TextDecoder } from 'node:util'
import { SaxesParser, type SaxesTagPlain } from 'saxes'
import { escapeForbiddenXmlChars } from './text.js'

export type XmlParser = SaxesParser<{ xmlns: false; position: boolean }>
export type XmlTag = SaxesTagPlain

export function createXmlParser(fileName: string): XmlParser {
  return new SaxesParser({ xmlns: false, position: true, fileName })
}

/**
 * Decodes a part's bytes to text chunk by chunk, keeping multi-byte characters that straddle chunk
 * boundaries intact. Honours a UTF-16 byte order mark (UTF-8 otherwise) and escapes characters XML 1.0
 * forbids. Pulling from the stream one chunk at a time gives the consumer backpressure.
 */
export async function* decodeXmlChunks(stream: Readable): AsyncGenerator<string> {
  let decoder: TextDecoder | undefined
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (!decoder) decoder = new TextDecoder(sniffEncoding(chunk))
    const text = decoder.decode(chunk, { stream: true })
    if (text.length > 0) yield escapeForbiddenXmlChars(text)
  }
  const rest = decoder ? decoder.decode() : ''
  if (rest.length > 0) yield escapeForbiddenXmlChars(rest)
}

function sniffEncoding(head: Buffer): string {
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return 'utf-16le'
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return 'utf-16be'
  return 'utf-8'
}

/** Feeds a whole (small or streamed) part through a parser whose handlers are already attached. */
export async function parseXmlStream(stream: Readable, parser: XmlParser): Promise<void> {
  try {
    for await (const text of decodeXmlChunks(stream)) parser.write(text)
    parser.close()
  } finally {
    stream.destroy()
  }
}

/**
 * The element-name prefix ("" or "x:") a part uses for one of the given namespaces, read from the
 * root element's declarations. Falls back to the root element's own prefix.
 */
export function namespacePrefix(root: XmlTag, uris: readonly string[]): string {
  for (const [name, value] of Object.entries(root.attributes)) {
    if (!uris.includes(value)) continue
    if (name === 'xmlns') return ''
    if (name.startsWith('xmlns:')) return `${name.slice(6)}:`
  }
  const colon = root.name.indexOf(':')
  return colon < 0 ? '' : root.name.slice(0, colon + 1)
}

export const SPREADSHEETML = [
  'http://schemas.openxmlformats.org/spreadsheetml/2006/main',
  'http://purl.oclc.org/ooxml/spreadsheetml/main',
] as const

export const OFFICE_RELATIONSHIPS = [
  'http://schemas.openxmlformats.org/officeDocument/2006/relationships',
  'http://purl.oclc.org/ooxml/officeDocument/relationships',
] as const

export const PACKAGE_RELATIONSHIPS = ['http://schemas.openxmlformats.org/package/2006/relationships'] as const
