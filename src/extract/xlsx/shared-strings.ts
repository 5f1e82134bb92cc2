/** The shared string table (xl/sharedStrings.xml), held in memory as plain strings. */
import type { Readable } from 'node:stream'
import { decodeOoxmlEscapes } from '../spreadsheet/text.js'
import {
  createXmlParser,
  namespacePrefix,
  parseXmlStream,
  SPREADSHEETML,
  type XmlTag,
} from '../spreadsheet/xml.js'

/**
 * Reads every `<si>` as one string: plain `<t>`, or the `<t>` of each rich-text `<r>` run concatenated.
 * Phonetic runs (`<rPh>`) are skipped. Text is kept exactly, with `_xHHHH_` escapes decoded.
 */
export async function parseSharedStrings(stream: Readable, fileName: string): Promise<string[]> {
  const parser = createXmlParser(fileName)
  const strings: string[] = []
  let names = { si: 'si', t: 't', rPh: 'rPh' }
  let root = true
  let inItem = false
  let phoneticDepth = 0
  let capture = false
  let text = ''
  // saxes reports a self-closing element as an open tag followed by a close tag.
  parser.on('opentag', (tag: XmlTag) => {
    const name = tag.name
    if (root) {
      root = false
      const p = namespacePrefix(tag, SPREADSHEETML)
      names = { si: `${p}si`, t: `${p}t`, rPh: `${p}rPh` }
    } else if (name === names.si) {
      inItem = true
      text = ''
    } else if (name === names.t) {
      capture = inItem && phoneticDepth === 0
    } else if (name === names.rPh) {
      phoneticDepth++
    }
  })
  parser.on('closetag', (tag: XmlTag) => {
    const name = tag.name
    if (name === names.t) capture = false
    else if (name === names.rPh) phoneticDepth--
    else if (name === names.si && inItem) {
      strings.push(decodeOoxmlEscapes(text))
      inItem = false
    }
  })
  const onText = (chunk: string) => {
    if (capture) text += chunk
  }
  parser.on('text', onText)
  parser.on('cdata', onText)
  await parseXmlStream(stream, parser)
  return strings
}
