/** Parsers for the small workbook-level parts: relationships, workbook.xml and styles.xml. */
import type { Readable } from 'node:stream'
import { isBuiltinDateFormat, isDateFormatCode } from '../spreadsheet/dates.js'
import {
  createXmlParser,
  namespacePrefix,
  OFFICE_RELATIONSHIPS,
  PACKAGE_RELATIONSHIPS,
  parseXmlStream,
  SPREADSHEETML,
  type XmlTag,
} from '../spreadsheet/xml.js'

export interface Relationship {
  id: string
  /** The relationship type URI, e.g. ".../relationships/worksheet". */
  type: string
  /** The target resolved to a package part name without a leading slash, e.g. "xl/worksheets/sheet1.xml". */
  target: string
  external: boolean
}

/** Parses a `.rels` part; `source` is the part the relationships belong to ("" for the package). */
export async function parseRelationships(stream: Readable, fileName: string, source: string) {
  const parser = createXmlParser(fileName)
  const rels = new Map<string, Relationship>()
  let element = 'Relationship'
  let root = true
  parser.on('opentag', (tag) => {
    if (root) {
      root = false
      element = `${namespacePrefix(tag, PACKAGE_RELATIONSHIPS)}Relationship`
      return
    }
    if (tag.name !== element) return
    const { Id: id, Type: type = '', Target: target = '', TargetMode: mode } = tag.attributes
    if (id === undefined) return
    const external = mode === 'External'
    rels.set(id, { id, type, target: external ? target : resolvePartName(source, target), external })
  })
  await parseXmlStream(stream, parser)
  return rels
}

/** Resolves a relationship target against its source part: "worksheets/s.xml", "/xl/s.xml", "../x.xml". */
export function resolvePartName(source: string, target: string): string {
  const absolute = target.startsWith('/')
  const base = absolute ? [] : source.split('/').slice(0, -1)
  for (const segment of target.split(/[/\\]/)) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') base.pop()
    else base.push(segment)
  }
  return base.join('/')
}

/** The `.rels` part that holds a part's relationships: "xl/workbook.xml" → "xl/_rels/workbook.xml.rels". */
export function relationshipsPartFor(part: string): string {
  const slash = part.lastIndexOf('/')
  return `${part.slice(0, slash + 1)}_rels/${part.slice(slash + 1)}.rels`
}

export interface WorkbookSheetEntry {
  name: string
  state: string
  relationshipId: string | undefined
}

export interface WorkbookDefinition {
  sheets: WorkbookSheetEntry[]
  date1904: boolean
}

export async function parseWorkbook(stream: Readable, fileName: string): Promise<WorkbookDefinition> {
  const parser = createXmlParser(fileName)
  const result: WorkbookDefinition = { sheets: [], date1904: false }
  let names = { sheet: 'sheet', workbookPr: 'workbookPr', rid: 'r:id' }
  let root = true
  parser.on('opentag', (tag: XmlTag) => {
    if (root) {
      root = false
      const p = namespacePrefix(tag, SPREADSHEETML)
      const r = namespacePrefix(
        { name: '', attributes: tag.attributes, isSelfClosing: false },
        OFFICE_RELATIONSHIPS,
      )
      names = { sheet: `${p}sheet`, workbookPr: `${p}workbookPr`, rid: `${r || 'r:'}id` }
      return
    }
    const a = tag.attributes
    if (tag.name === names.sheet) {
      result.sheets.push({ name: a.name ?? '', state: a.state ?? 'visible', relationshipId: a[names.rid] })
    } else if (tag.name === names.workbookPr) {
      const flag = a.date1904?.trim().toLowerCase()
      result.date1904 = flag === '1' || flag === 'true'
    }
  })
  await parseXmlStream(stream, parser)
  return result
}

/** Which cell styles (`cellXfs` indexes, the `s` attribute of a cell) show numbers as dates or times. */
export async function parseDateStyles(stream: Readable, fileName: string): Promise<boolean[]> {
  const parser = createXmlParser(fileName)
  const customFormats = new Map<number, string>()
  const formatIds: number[] = []
  let names = { numFmt: 'numFmt', cellXfs: 'cellXfs', xf: 'xf' }
  let root = true
  let inCellXfs = false
  parser.on('opentag', (tag: XmlTag) => {
    if (root) {
      root = false
      const p = namespacePrefix(tag, SPREADSHEETML)
      names = { numFmt: `${p}numFmt`, cellXfs: `${p}cellXfs`, xf: `${p}xf` }
      return
    }
    const a = tag.attributes
    if (tag.name === names.numFmt) {
      const id = Number(a.numFmtId)
      if (Number.isInteger(id)) customFormats.set(id, a.formatCode ?? '')
    } else if (tag.name === names.cellXfs) {
      inCellXfs = true
    } else if (inCellXfs && tag.name === names.xf) {
      formatIds.push(Number(a.numFmtId ?? 0))
    }
  })
  parser.on('closetag', (tag: XmlTag) => {
    if (tag.name === names.cellXfs) inCellXfs = false
  })
  await parseXmlStream(stream, parser)
  return formatIds.map((id) => {
    const code = customFormats.get(id)
    return code !== undefined ? isDateFormatCode(code) : isBuiltinDateFormat(id)
  })
}
