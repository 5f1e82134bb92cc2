/**
 * The OpenDocument spreadsheet content part (content.xml) as saxes events → sheets, rows of typed cells and
 * merged ranges. One parser class serves both passes: listing the sheets, and reading the rows of one sheet.
 */
import type { CellValue } from '../../model/table.js'
import { parseIsoDate } from '../spreadsheet/dates.js'
import type { MergedRange, SheetRow } from '../spreadsheet/workbook.js'
import { createXmlParser, type XmlParser, type XmlTag } from '../spreadsheet/xml.js'

const TABLE_NS = ['urn:oasis:names:tc:opendocument:xmlns:table:1.0']
const OFFICE_NS = ['urn:oasis:names:tc:opendocument:xmlns:office:1.0']
const TEXT_NS = ['urn:oasis:names:tc:opendocument:xmlns:text:1.0']
const STYLE_NS = ['urn:oasis:names:tc:opendocument:xmlns:style:1.0']

/** Excel's grid: a repeated cell or row never reaches past it (writers repeat empty cells to the edge). */
const MAX_COLUMNS = 16_384
const MAX_ROWS = 1_048_576

export interface OdsSheetEntry {
  name: string
  /** The table's style says display="false". */
  hidden: boolean
}

/** Thrown for content the parser cannot make sense of (malformed XML is reported by saxes). */
export class OdsContentError extends Error {}

/**
 * Feed it text with {@link write}. In listing mode (`sheet` undefined) it collects the sheets; otherwise it
 * queues the non-empty rows and the merged ranges of the sheet at that 0-based index, and {@link done} turns
 * true once that sheet has been read to its end, so the caller can stop reading.
 */
export class OdsContentParser {
  private readonly parser: XmlParser
  readonly sheets: OdsSheetEntry[] = []
  readonly merges: MergedRange[] = []
  private queue: SheetRow[] = []
  done = false

  private names = {
    table: 'table:table',
    row: 'table:table-row',
    cell: 'table:table-cell',
    covered: 'table:covered-table-cell',
    name: 'table:name',
    tableStyle: 'table:style-name',
    rowsRepeated: 'table:number-rows-repeated',
    colsRepeated: 'table:number-columns-repeated',
    colsSpanned: 'table:number-columns-spanned',
    rowsSpanned: 'table:number-rows-spanned',
    display: 'table:display',
    valueType: 'office:value-type',
    value: 'office:value',
    dateValue: 'office:date-value',
    timeValue: 'office:time-value',
    booleanValue: 'office:boolean-value',
    stringValue: 'office:string-value',
    annotation: 'office:annotation',
    p: 'text:p',
    h: 'text:h',
    s: 'text:s',
    c: 'text:c',
    tab: 'text:tab',
    lineBreak: 'text:line-break',
    style: 'style:style',
    styleName: 'style:name',
    tableProperties: 'style:table-properties',
  }
  private root = true
  private hiddenStyles = new Set<string>()
  private styleName: string | undefined

  private tableIndex = -1
  private inTarget = false
  private rowNumber = 0
  private rowRepeat = 1
  private cells: CellValue[] = []
  private col = 0

  private inCell = false
  private cellRepeat = 1
  private cellType: string | undefined
  private cellAttrs: Record<string, string> = {}
  private paragraphs = 0
  private inParagraph = 0
  private annotationDepth = 0
  private text = ''

  constructor(
    fileName: string,
    private readonly sheet: number | undefined,
  ) {
    this.parser = createXmlParser(fileName)
    this.parser.on('opentag', this.onOpen)
    this.parser.on('closetag', this.onClose)
    if (sheet !== undefined) {
      this.parser.on('text', this.onText)
      this.parser.on('cdata', this.onText)
    }
  }

  write(text: string): void {
    this.parser.write(text)
  }

  close(): void {
    this.parser.close()
  }

  takeRows(): SheetRow[] {
    const rows = this.queue
    this.queue = []
    return rows
  }

  private setNames(root: XmlTag): void {
    this.root = false
    const t = prefixFor(root, TABLE_NS, 'table:')
    const o = prefixFor(root, OFFICE_NS, 'office:')
    const x = prefixFor(root, TEXT_NS, 'text:')
    const s = prefixFor(root, STYLE_NS, 'style:')
    this.names = {
      table: `${t}table`,
      row: `${t}table-row`,
      cell: `${t}table-cell`,
      covered: `${t}covered-table-cell`,
      name: `${t}name`,
      tableStyle: `${t}style-name`,
      rowsRepeated: `${t}number-rows-repeated`,
      colsRepeated: `${t}number-columns-repeated`,
      colsSpanned: `${t}number-columns-spanned`,
      rowsSpanned: `${t}number-rows-spanned`,
      display: `${t}display`,
      valueType: `${o}value-type`,
      value: `${o}value`,
      dateValue: `${o}date-value`,
      timeValue: `${o}time-value`,
      booleanValue: `${o}boolean-value`,
      stringValue: `${o}string-value`,
      annotation: `${o}annotation`,
      p: `${x}p`,
      h: `${x}h`,
      s: `${x}s`,
      c: `${x}c`,
      tab: `${x}tab`,
      lineBreak: `${x}line-break`,
      style: `${s}style`,
      styleName: `${s}name`,
      tableProperties: `${s}table-properties`,
    }
  }

  private readonly onOpen = (tag: XmlTag): void => {
    if (this.root) {
      this.setNames(tag)
      return
    }
    const n = this.names
    const name = tag.name
    if (this.inCell) {
      if (name === n.annotation) this.annotationDepth++
      else if (this.annotationDepth > 0) return
      else if (name === n.p || name === n.h) {
        if (this.paragraphs > 0) this.text += '\n'
        this.paragraphs++
        this.inParagraph++
      } else if (name === n.s) this.text += ' '.repeat(count(tag.attributes[n.c]))
      else if (name === n.tab) this.text += '\t'
      else if (name === n.lineBreak) this.text += '\n'
      return
    }
    if (name === n.cell || name === n.covered) {
      if (!this.inTarget) return
      const a = tag.attributes
      this.inCell = true
      this.cellRepeat = count(a[n.colsRepeated])
      this.cellType = a[n.valueType]
      this.cellAttrs = a
      this.paragraphs = 0
      this.inParagraph = 0
      this.text = ''
      const across = count(a[n.colsSpanned])
      const down = count(a[n.rowsSpanned])
      if (name === n.cell && (across > 1 || down > 1)) {
        this.merges.push({
          top: this.rowNumber + 1,
          left: this.col + 1,
          bottom: this.rowNumber + down,
          right: this.col + across,
        })
      }
    } else if (name === n.row) {
      if (!this.inTarget) return
      this.rowRepeat = count(tag.attributes[n.rowsRepeated])
      this.cells = []
      this.col = 0
    } else if (name === n.table) {
      this.tableIndex++
      if (this.sheet === undefined) {
        const style = tag.attributes[n.tableStyle]
        this.sheets.push({
          name: tag.attributes[n.name] ?? `Sheet${this.tableIndex + 1}`,
          hidden: style !== undefined && this.hiddenStyles.has(style),
        })
      } else if (this.tableIndex === this.sheet) {
        this.inTarget = true
        this.rowNumber = 0
      }
    } else if (name === n.style) {
      this.styleName = tag.attributes[n.styleName]
    } else if (name === n.tableProperties) {
      if (this.styleName !== undefined && tag.attributes[n.display] === 'false') {
        this.hiddenStyles.add(this.styleName)
      }
    }
  }

  private readonly onClose = (tag: XmlTag): void => {
    const n = this.names
    const name = tag.name
    if (this.inCell) {
      if (name === n.annotation) this.annotationDepth--
      else if (this.annotationDepth > 0) return
      else if (name === n.p || name === n.h) this.inParagraph--
      else if (name === n.cell || name === n.covered) this.finishCell()
      return
    }
    if (name === n.row) {
      if (this.inTarget) this.finishRow()
    } else if (name === n.table) {
      if (this.inTarget) {
        this.inTarget = false
        this.done = true
      }
    } else if (name === n.style) {
      this.styleName = undefined
    }
  }

  private readonly onText = (text: string): void => {
    if (this.inCell && this.inParagraph > 0 && this.annotationDepth === 0) this.text += text
  }

  private finishCell(): void {
    this.inCell = false
    const value = this.cellValue()
    const start = this.col
    const repeat = Math.min(this.cellRepeat, MAX_COLUMNS - start)
    this.col += this.cellRepeat
    if (value === null || repeat <= 0) return
    const cells = this.cells
    while (cells.length < start) cells.push(null)
    for (let i = 0; i < repeat; i++) cells[start + i] = value
  }

  private finishRow(): void {
    const first = this.rowNumber + 1
    this.rowNumber += this.rowRepeat
    if (this.cells.length === 0) return
    const last = Math.min(this.rowNumber, MAX_ROWS)
    for (let position = first; position <= last; position++) {
      this.queue.push({ position, cells: position === first ? this.cells : [...this.cells] })
    }
  }

  private cellValue(): CellValue {
    const n = this.names
    const a = this.cellAttrs
    switch (this.cellType) {
      case 'float':
      case 'percentage':
      case 'currency': {
        const value = Number(a[n.value])
        if (Number.isFinite(value)) return value
        return this.text === '' ? null : this.text
      }
      case 'date': {
        const text = a[n.dateValue] ?? ''
        const date = parseIsoDate(text)
        if (date) return date
        if (text === '') return this.text === '' ? null : this.text
        throw new OdsContentError(`cell ${this.cellName()} has a date value "${text}" that is not a date`)
      }
      case 'time':
        return durationText(a[n.timeValue]) ?? (this.text === '' ? null : this.text)
      case 'boolean': {
        const flag = (a[n.booleanValue] ?? '').trim().toLowerCase()
        if (flag === 'true') return true
        if (flag === 'false') return false
        return this.text === '' ? null : this.text
      }
      default: {
        const text = a[n.stringValue] ?? this.text
        return text === '' ? null : text
      }
    }
  }

  private cellName(): string {
    return `row ${this.rowNumber + 1}, column ${this.col + 1}`
  }
}

/** The prefix the root element declares for a namespace ("" for the default one), else the usual one. */
function prefixFor(root: XmlTag, uris: readonly string[], usual: string): string {
  for (const [name, value] of Object.entries(root.attributes)) {
    if (!uris.includes(value)) continue
    if (name === 'xmlns') return ''
    if (name.startsWith('xmlns:')) return `${name.slice(6)}:`
  }
  return usual
}

function count(attribute: string | undefined): number {
  if (attribute === undefined) return 1
  const n = Number.parseInt(attribute, 10)
  return Number.isFinite(n) && n > 0 ? n : 1
}

/** "PT12H30M00S" → "12:30:00" (an ODS time of day or duration). */
function durationText(value: string | undefined): string | undefined {
  const m =
    value === undefined ? null : /^-?P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(value)
  if (!m) return undefined
  const hours = Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)
  const pad = (x: number) => String(x).padStart(2, '0')
  const seconds = Number(m[4] ?? 0)
  return `${pad(hours)}:${pad(Number(m[3] ?? 0))}:${pad(Math.floor(seconds))}`
}
