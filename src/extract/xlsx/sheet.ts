/** The worksheet state machine: saxes events → rows of typed cells, plus the merged ranges. */
import type { CellValue } from '../../model/table.js'
import { excelSerialToDate, parseIsoDate } from '../spreadsheet/dates.js'
import { decodeOoxmlEscapes } from '../spreadsheet/text.js'
import type { MergedRange, SheetRow } from '../spreadsheet/workbook.js'
import {
  createXmlParser,
  namespacePrefix,
  SPREADSHEETML,
  type XmlParser,
  type XmlTag,
} from '../spreadsheet/xml.js'
import { columnIndex, columnLetters, parseRange, rowIndex } from './cell-ref.js'

export interface SheetContext {
  sharedStrings: readonly string[]
  dateStyles: readonly boolean[]
  date1904: boolean
}

/** A cell with a style and no value: `<c r="B7" s="234"/>`. */
const EMPTY_CELL = /<c r="[A-Z]{1,3}\d+"(?: s="\d+")?(?: t="[a-z]+")?\/>/g
/** A cell that does not start with its r="…" reference (Excel always writes it first). */
const CELL_WITHOUT_REF = /<c(?:>|\/>|\s(?!r="))/

/**
 * The sheet XML without its empty cells. A sheet formatted to the edge of the grid (a used range of
 * A1:XES277) holds hundreds of thousands of them; dropping them with a text search spares the XML parser.
 * Only cells that name their column are dropped, and only from text where every cell names its column first
 * (as Excel writes them), so the place of every other cell is unchanged.
 */
export function withoutEmptyCells(text: string): string {
  if (CELL_WITHOUT_REF.test(text)) return text
  return text.replace(EMPTY_CELL, '')
}

/** Thrown for content the parser cannot make sense of (not for malformed XML, which saxes reports). */
export class SheetContentError extends Error {}

/**
 * Feed it text with {@link write}; completed rows collect in a queue that {@link takeRows} empties,
 * so a caller can yield them between chunks. Only rows with at least one non-empty cell are queued.
 */
export class SheetParser {
  private readonly parser: XmlParser
  private queue: SheetRow[] = []
  readonly merges: MergedRange[] = []

  // Element names, with the prefix the part uses for the SpreadsheetML namespace.
  private root = true
  private nRow = 'row'
  private nC = 'c'
  private nV = 'v'
  private nIs = 'is'
  private nT = 't'
  private nRPh = 'rPh'
  private nMergeCell = 'mergeCell'

  // Row state.
  private rowNumber = 0
  private rowHasRef = false
  private cells: CellValue[] = []

  // Cell state.
  private col = 0
  private inCell = false
  private type: string | undefined = undefined
  private style: string | undefined = undefined
  private hasValue = false
  private inInline = false
  private phoneticDepth = 0
  private capture = false
  private text = ''

  constructor(
    private readonly context: SheetContext,
    fileName: string,
    readonly wantRows: boolean,
  ) {
    this.parser = createXmlParser(fileName)
    this.parser.on('opentag', wantRows ? this.onOpen : this.onOpenMergesOnly)
    if (wantRows) {
      this.parser.on('closetag', this.onClose)
      this.parser.on('text', this.onText)
      this.parser.on('cdata', this.onText)
    }
  }

  write(text: string): void {
    this.parser.write(this.wantRows ? withoutEmptyCells(text) : text)
  }

  close(): void {
    this.parser.close()
  }

  /** The rows completed so far, removed from the queue. */
  takeRows(): SheetRow[] {
    const rows = this.queue
    this.queue = []
    return rows
  }

  private setNames(rootTag: XmlTag): void {
    this.root = false
    const p = namespacePrefix(rootTag, SPREADSHEETML)
    this.nRow = `${p}row`
    this.nC = `${p}c`
    this.nV = `${p}v`
    this.nIs = `${p}is`
    this.nT = `${p}t`
    this.nRPh = `${p}rPh`
    this.nMergeCell = `${p}mergeCell`
  }

  private readonly onOpenMergesOnly = (tag: XmlTag): void => {
    if (this.root) this.setNames(tag)
    else if (tag.name === this.nMergeCell) this.addMerge(tag)
  }

  private readonly onOpen = (tag: XmlTag): void => {
    const name = tag.name
    if (name === this.nC) {
      const a = tag.attributes
      const ref = a.r
      const col = ref === undefined ? 0 : columnIndex(ref)
      this.col = col > 0 ? col : this.col + 1
      if (ref !== undefined && !this.rowHasRef) {
        // A row without r="…" takes its number from its first cell that has one.
        const row = rowIndex(ref)
        if (row > 0) {
          this.rowNumber = row
          this.rowHasRef = true
        }
      }
      this.type = a.t
      this.style = a.s
      this.inCell = true
      this.hasValue = false
      this.text = ''
    } else if (name === this.nV) {
      if (this.inCell) {
        this.capture = true
        this.hasValue = true
      }
    } else if (name === this.nRow) {
      const ref = tag.attributes.r
      const number = ref === undefined ? 0 : Number.parseInt(ref, 10)
      this.rowHasRef = number > 0
      this.rowNumber = number > 0 ? number : this.rowNumber + 1
      this.col = 0
    } else if (name === this.nIs) {
      if (this.inCell) {
        this.inInline = true
        this.hasValue = true
      }
    } else if (name === this.nT) {
      if (this.inInline && this.phoneticDepth === 0) this.capture = true
    } else if (name === this.nRPh) {
      this.phoneticDepth++
    } else if (name === this.nMergeCell) {
      this.addMerge(tag)
    } else if (this.root) {
      this.setNames(tag)
    }
  }

  private readonly onClose = (tag: XmlTag): void => {
    const name = tag.name
    if (name === this.nV || name === this.nT) {
      this.capture = false
    } else if (name === this.nC) {
      if (this.hasValue) this.finishCell()
      this.inCell = false
      this.inInline = false
      this.capture = false
    } else if (name === this.nRow) {
      if (this.cells.length > 0) {
        this.queue.push({ position: this.rowNumber, cells: this.cells })
        this.cells = []
      }
    } else if (name === this.nIs) {
      this.inInline = false
    } else if (name === this.nRPh) {
      this.phoneticDepth--
    }
  }

  private readonly onText = (text: string): void => {
    if (this.capture) this.text += text
  }

  private addMerge(tag: XmlTag): void {
    const ref = tag.attributes.ref
    const range = ref === undefined ? undefined : parseRange(ref)
    if (range) this.merges.push(range)
  }

  private finishCell(): void {
    const value = this.cellValue()
    if (value === null) return
    const index = this.col - 1
    const cells = this.cells
    if (index >= cells.length) {
      while (cells.length < index) cells.push(null)
      cells.push(value)
    } else {
      cells[index] = value
    }
  }

  private cellValue(): CellValue {
    const text = this.text
    switch (this.type) {
      case undefined:
      case 'n':
        return this.numberValue(text)
      case 's': {
        if (text.trim() === '') return null
        const index = Number(text)
        const value = this.context.sharedStrings[index]
        if (value === undefined) {
          throw new SheetContentError(
            `cell ${this.cellName()} refers to shared string ${text.trim()}, but the workbook has ${this.context.sharedStrings.length}`,
          )
        }
        return value === '' ? null : value
      }
      case 'inlineStr':
      case 'str':
        return text === '' ? null : decodeOoxmlEscapes(text)
      case 'b': {
        const flag = text.trim().toLowerCase()
        if (flag === '1' || flag === 'true') return true
        if (flag === '0' || flag === 'false') return false
        return flag === '' ? null : text
      }
      case 'e':
        return text === '' ? null : text
      case 'd':
        return parseIsoDate(text) ?? (text === '' ? null : text)
      default:
        return text === '' ? null : decodeOoxmlEscapes(text)
    }
  }

  private numberValue(text: string): CellValue {
    if (text === '') return null
    const value = Number(text)
    if (Number.isNaN(value)) return decodeOoxmlEscapes(text) // not a number after all: keep the text
    if (value === 0 && text.trim() === '') return null // Number('  ') is 0
    const style = this.style
    if (style !== undefined && this.context.dateStyles[Number(style)] === true) {
      const date = excelSerialToDate(value, this.context.date1904)
      if (!Number.isNaN(date.getTime())) return date
    }
    return value
  }

  private cellName(): string {
    return `${columnLetters(this.col)}${this.rowNumber}`
  }
}
