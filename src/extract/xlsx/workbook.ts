/**
 * A streaming XLSX reader on yauzl + saxes. Workbook-level parts (workbook, relationships, styles,
 * shared strings) are read once on open; sheet XML is streamed from the ZIP on every pass and never
 * held in memory, so a sheet can be far larger than the heap.
 */
import { open as openFile, stat } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { ZipPackage } from '../../fetch/index.js'
import { DataWarpError, type Location } from '../../model/table.js'
import { type MergedRange, type SheetInfo, type SheetRow, streamSheetRows } from '../spreadsheet/workbook.js'
import { decodeXmlChunks } from '../spreadsheet/xml.js'
import {
  parseDateStyles,
  parseRelationships,
  parseWorkbook,
  type Relationship,
  relationshipsPartFor,
} from './parts.js'
import { parseSharedStrings } from './shared-strings.js'
import { SheetContentError, type SheetContext, SheetParser } from './sheet.js'

export type { MergedRange, SheetInfo, SheetRow } from '../spreadsheet/workbook.js'

const OFFICE_DOCUMENT = '/officeDocument'
const DEFAULT_WORKBOOK_PART = 'xl/workbook.xml'

export class XlsxWorkbook {
  /** Merged ranges of sheets already streamed to the end, so merges() need not stream them again. */
  private readonly mergeCache = new Map<number, MergedRange[]>()
  private closed = false

  private constructor(
    readonly path: string,
    private readonly zip: ZipPackage,
    readonly sheets: readonly SheetInfo[],
    /** The part name of each sheet (same order as `sheets`); undefined when the workbook does not say. */
    private readonly sheetParts: readonly (string | undefined)[],
    private readonly context: SheetContext,
  ) {}

  /** Opens a workbook and reads its workbook, relationship, style and shared-string parts. */
  static async open(path: string): Promise<XlsxWorkbook> {
    let zip: ZipPackage
    try {
      zip = await ZipPackage.open(path)
    } catch (error) {
      throw await notAZip(path, error)
    }
    try {
      const key = await fileKey(path)
      const known = key === undefined ? undefined : parsedParts.get(key)
      if (known) return new XlsxWorkbook(path, zip, known.sheets, known.sheetParts, known.context)
      const workbook = await XlsxWorkbook.load(path, zip)
      if (key !== undefined) remember(key, workbook)
      return workbook
    } catch (error) {
      zip.close()
      throw error
    }
  }

  private static async load(path: string, zip: ZipPackage): Promise<XlsxWorkbook> {
    const where: Location = { file: path }
    const workbookPart = await findWorkbookPart(path, zip)
    const relsPart = relationshipsPartFor(workbookPart)
    const rels = zip.has(relsPart)
      ? await readPart(path, zip, relsPart, (s, f) => parseRelationships(s, f, workbookPart))
      : new Map<string, Relationship>()
    const definition = await readPart(path, zip, workbookPart, parseWorkbook)

    const byType = (suffix: string) =>
      [...rels.values()].find((rel) => !rel.external && rel.type.endsWith(suffix))
    const stylesPart = byType('/styles')?.target ?? 'xl/styles.xml'
    const stringsPart = byType('/sharedStrings')?.target ?? 'xl/sharedStrings.xml'
    const dateStyles = zip.has(stylesPart) ? await readPart(path, zip, stylesPart, parseDateStyles) : []
    const sharedStrings = zip.has(stringsPart)
      ? await readPart(path, zip, stringsPart, parseSharedStrings)
      : []

    const sheets: SheetInfo[] = []
    const parts: (string | undefined)[] = []
    for (const [index, sheet] of definition.sheets.entries()) {
      const rel = sheet.relationshipId === undefined ? undefined : rels.get(sheet.relationshipId)
      const kind = rel?.type.endsWith('/worksheet')
        ? 'worksheet'
        : rel?.type.endsWith('/chartsheet')
          ? 'chartsheet'
          : 'other'
      const hidden = sheet.state === 'hidden' || sheet.state === 'veryHidden'
      sheets.push({ name: sheet.name, index, hidden, kind })
      parts.push(rel && !rel.external ? rel.target : undefined)
    }
    if (sheets.length === 0) throw new DataWarpError(`not an XLSX workbook: ${path} lists no sheets`, where)
    return new XlsxWorkbook(path, zip, sheets, parts, {
      sharedStrings,
      dateStyles,
      date1904: definition.date1904,
    })
  }

  /**
   * Streams a sheet's rows that have at least one non-empty cell, in file order. Each call reads the
   * sheet afresh from the ZIP; the stream is paused while the consumer works on a row.
   */
  async *rows(sheet: string): AsyncIterable<SheetRow> {
    for await (const batch of this.batches(sheet)) yield* batch
  }

  /** The same rows, a decoded chunk of sheet XML at a time (no per-row promise). */
  async *batches(sheet: string): AsyncIterable<readonly SheetRow[]> {
    const { index, name, part } = this.sheetPart(sheet)
    const parser = new SheetParser(this.context, part, true)
    const stream = await this.openSheet(part, name)
    try {
      yield* streamSheetRows(stream, parser)
      this.mergeCache.set(index, parser.merges)
    } catch (error) {
      throw this.sheetError(error, name)
    }
  }

  /** The sheet's merged cell ranges (1-based, inclusive), in file order. */
  async merges(sheet: string): Promise<MergedRange[]> {
    const { index, name, part } = this.sheetPart(sheet)
    let merges = this.mergeCache.get(index)
    if (!merges) {
      const parser = new SheetParser(this.context, part, false)
      const stream = await this.openSheet(part, name)
      try {
        for await (const text of withoutSheetData(decodeXmlChunks(stream))) parser.write(text)
        parser.close()
      } catch (error) {
        throw this.sheetError(error, name)
      } finally {
        stream.destroy()
      }
      merges = parser.merges
      this.mergeCache.set(index, merges)
    }
    return merges.map((range) => ({ ...range }))
  }

  /** What another open of the same file can reuse. */
  parsedParts(): ParsedParts {
    return { sheets: this.sheets, sheetParts: this.sheetParts, context: this.context }
  }

  /** Releases the ZIP file handle (after any streams still open have finished). */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.zip.close()
  }

  private sheetPart(sheet: string): { index: number; name: string; part: string } {
    if (this.closed) throw new DataWarpError(`workbook ${this.path} is closed`, { file: this.path, sheet })
    let index = this.sheets.findIndex((info) => info.name === sheet)
    if (index < 0) {
      // Excel treats sheet names as case-insensitive.
      const folded = sheet.toLowerCase()
      index = this.sheets.findIndex((info) => info.name.toLowerCase() === folded)
    }
    const info = this.sheets[index]
    if (!info) {
      const names = this.sheets.map((s) => `"${s.name}"`).join(', ')
      throw new DataWarpError(`no sheet named "${sheet}" in ${this.path}; its sheets are ${names}`, {
        file: this.path,
        sheet,
      })
    }
    const part = this.sheetParts[index]
    if (part === undefined || !this.zip.has(part)) {
      throw new DataWarpError(
        `sheet "${info.name}" of ${this.path} has no readable part${part ? ` (${part} is missing)` : ''}`,
        { file: this.path, sheet: info.name },
      )
    }
    return { index, name: info.name, part }
  }

  private async openSheet(part: string, sheet: string): Promise<Readable> {
    try {
      return await this.zip.openStream(part)
    } catch (error) {
      throw this.sheetError(error, sheet)
    }
  }

  private sheetError(error: unknown, sheet: string): DataWarpError {
    if (error instanceof DataWarpError) return error
    const where = { file: this.path, sheet }
    const message = error instanceof Error ? error.message : String(error)
    if (error instanceof SheetContentError) {
      return new DataWarpError(`sheet "${sheet}" of ${this.path}: ${message}`, where)
    }
    const what = isXmlError(error) ? 'malformed XML in sheet' : 'cannot read sheet'
    return new DataWarpError(`${what} "${sheet}" of ${this.path}: ${message}`, where)
  }
}

const SHEET_DATA_OPEN = /<(?:[\w.-]+:)?sheetData(?:\s[^>]*)?(\/?)>/
const SHEET_DATA_CLOSE = /<\/(?:[\w.-]+:)?sheetData\s*>/
/** Characters kept back between chunks so that a tag cut in two is still found. */
const TAG_OVERLAP = 256

/**
 * The sheet XML without the inside of <sheetData>: merged ranges come after the cells, and skipping the
 * cells with a plain text search is several times faster than parsing them.
 */
export async function* withoutSheetData(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let state: 'head' | 'cells' | 'tail' = 'head'
  let carry = ''
  for await (const text of chunks) {
    let chunk = carry + text
    carry = ''
    if (state === 'head') {
      const open = SHEET_DATA_OPEN.exec(chunk)
      if (!open) {
        const keep = Math.max(0, chunk.length - TAG_OVERLAP)
        if (keep > 0) yield chunk.slice(0, keep)
        carry = chunk.slice(keep)
        continue
      }
      if (open.index > 0) yield chunk.slice(0, open.index)
      chunk = chunk.slice(open.index + open[0].length)
      state = open[1] === '/' ? 'tail' : 'cells'
    }
    if (state === 'cells') {
      const close = SHEET_DATA_CLOSE.exec(chunk)
      if (!close) {
        carry = chunk.slice(Math.max(0, chunk.length - TAG_OVERLAP))
        continue
      }
      chunk = chunk.slice(close.index + close[0].length)
      state = 'tail'
    }
    if (chunk.length > 0) yield chunk
  }
  if (carry.length > 0 && state !== 'cells') yield carry
}

interface ParsedParts {
  readonly sheets: readonly SheetInfo[]
  readonly sheetParts: readonly (string | undefined)[]
  readonly context: SheetContext
}

/**
 * The workbook-level parts of the last few workbooks opened, by path, size and modification time: each pass
 * over a sheet opens its workbook afresh, and need not parse the shared strings and styles again.
 */
const parsedParts = new Map<string, ParsedParts>()
const PARSED_PARTS_KEPT = 4

async function fileKey(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path)
    return `${info.size}:${info.mtimeMs}:${path}`
  } catch {
    return undefined
  }
}

function remember(key: string, workbook: XlsxWorkbook): void {
  parsedParts.delete(key)
  parsedParts.set(key, workbook.parsedParts())
  while (parsedParts.size > PARSED_PARTS_KEPT) parsedParts.delete(parsedParts.keys().next().value!)
}

/** The workbook part named by the package relationships, else xl/workbook.xml. */
async function findWorkbookPart(path: string, zip: ZipPackage): Promise<string> {
  if (zip.has('_rels/.rels')) {
    const rels = await readPart(path, zip, '_rels/.rels', (s, f) => parseRelationships(s, f, ''))
    const main = [...rels.values()].find((rel) => !rel.external && rel.type.endsWith(OFFICE_DOCUMENT))
    if (main && zip.has(main.target) && main.target.toLowerCase().endsWith('.xml')) return main.target
  }
  if (zip.has(DEFAULT_WORKBOOK_PART)) return DEFAULT_WORKBOOK_PART
  const where = { file: path }
  if (zip.has('xl/workbook.bin')) {
    throw new DataWarpError(`not an XLSX workbook: ${path} is a binary (.xlsb) workbook`, where)
  }
  const names = zip.names()
  const sample = names.slice(0, 5).join(', ') + (names.length > 5 ? ', …' : '')
  throw new DataWarpError(
    `not an XLSX workbook: ${path} is a ZIP file without xl/workbook.xml (it holds ${names.length} entries: ${sample || 'none'})`,
    where,
  )
}

/** Streams one workbook-level part through its parser, turning failures into DataWarpErrors. */
async function readPart<T>(
  path: string,
  zip: ZipPackage,
  part: string,
  parse: (stream: Readable, fileName: string) => Promise<T>,
): Promise<T> {
  try {
    return await parse(await zip.openStream(part), part)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const what = isXmlError(error) ? 'malformed XML in' : 'cannot read'
    throw new DataWarpError(`${what} ${part} of ${path}: ${message}`, { file: path })
  }
}

/** saxes reports errors as "fileName:line:column: message"; we name each parser after its part. */
function isXmlError(error: unknown): boolean {
  return error instanceof Error && /^[^:]*\.(?:xml|rels):\d+:\d+: /i.test(error.message)
}

/** Explains why a file yauzl could not open is not an XLSX workbook. */
async function notAZip(path: string, error: unknown): Promise<DataWarpError> {
  const where = { file: path }
  const reason = error instanceof Error ? error.message : String(error)
  let head: Buffer
  try {
    const handle = await openFile(path, 'r')
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(512), 0, 512, 0)
      head = buffer.subarray(0, bytesRead)
    } finally {
      await handle.close()
    }
  } catch {
    return new DataWarpError(`cannot open workbook ${path}: ${reason}`, where)
  }
  if (head.length === 0) return new DataWarpError(`not an XLSX workbook: ${path} is empty`, where)
  if (head.subarray(0, 8).equals(Buffer.from('d0cf11e0a1b11ae1', 'hex'))) {
    return new DataWarpError(
      `not an XLSX workbook: ${path} is an OLE2 compound file (a legacy .xls workbook, or a password-protected .xlsx)`,
      where,
    )
  }
  const start = head.toString('latin1').trimStart().slice(0, 64).toLowerCase()
  if (start.startsWith('<!doctype html') || start.startsWith('<html')) {
    return new DataWarpError(`not an XLSX workbook: ${path} is an HTML page, not a ZIP file`, where)
  }
  return new DataWarpError(`not an XLSX workbook: ${path} is not a ZIP file (${reason})`, where)
}
