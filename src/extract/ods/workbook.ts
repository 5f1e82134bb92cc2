/**
 * A streaming ODS (OpenDocument spreadsheet) reader: content.xml is streamed from the ZIP with saxes on every
 * pass and never held in memory, like the XLSX reader. Repeated rows and cells are expanded only when they
 * hold a value; merged cells come from number-columns-spanned / number-rows-spanned.
 */
import type { Readable } from 'node:stream'
import { ZipPackage } from '../../fetch/index.js'
import { DataWarpError } from '../../model/table.js'
import {
  type MergedRange,
  type SheetInfo,
  type SheetRow,
  streamSheetRows,
  type Workbook,
} from '../spreadsheet/workbook.js'
import { decodeXmlChunks } from '../spreadsheet/xml.js'
import { OdsContentError, OdsContentParser } from './content.js'

const CONTENT = 'content.xml'
const ODS_MIMETYPE = 'application/vnd.oasis.opendocument.spreadsheet'

export class OdsWorkbook implements Workbook {
  private readonly mergeCache = new Map<number, MergedRange[]>()
  private closed = false

  private constructor(
    readonly path: string,
    private readonly zip: ZipPackage,
    readonly sheets: readonly SheetInfo[],
  ) {}

  static async open(path: string): Promise<OdsWorkbook> {
    let zip: ZipPackage
    try {
      zip = await ZipPackage.open(path)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      throw new DataWarpError(`not an ODS spreadsheet: ${path} is not a ZIP file (${reason})`, { file: path })
    }
    try {
      if (!zip.has(CONTENT)) {
        const what = zip.has('mimetype') ? await mimetype(zip) : undefined
        throw new DataWarpError(
          `not an ODS spreadsheet: ${path} has no content.xml${what ? ` (its mimetype is ${what})` : ''}`,
          { file: path },
        )
      }
      const parser = new OdsContentParser(CONTENT, undefined)
      await feed(path, zip, parser)
      const sheets: SheetInfo[] = parser.sheets.map((s, index) => ({
        name: s.name,
        index,
        hidden: s.hidden,
        kind: 'worksheet',
      }))
      if (sheets.length === 0)
        throw new DataWarpError(`not an ODS spreadsheet: ${path} has no sheets`, { file: path })
      return new OdsWorkbook(path, zip, sheets)
    } catch (error) {
      zip.close()
      throw error
    }
  }

  async *batches(sheet: string): AsyncIterable<readonly SheetRow[]> {
    const index = this.sheetIndex(sheet)
    const parser = new OdsContentParser(CONTENT, index)
    const stream = await this.zip.openStream(CONTENT)
    try {
      yield* streamSheetRows(stream, parser)
      this.mergeCache.set(index, parser.merges)
    } catch (error) {
      throw this.sheetError(error, sheet)
    }
  }

  async merges(sheet: string): Promise<MergedRange[]> {
    const index = this.sheetIndex(sheet)
    let merges = this.mergeCache.get(index)
    if (!merges) {
      for await (const _ of this.batches(sheet)) {
        // reading the sheet collects its merged ranges
      }
      merges = this.mergeCache.get(index) ?? []
    }
    return merges.map((m) => ({ ...m }))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.zip.close()
  }

  private sheetIndex(sheet: string): number {
    if (this.closed) throw new DataWarpError(`workbook ${this.path} is closed`, { file: this.path, sheet })
    let index = this.sheets.findIndex((s) => s.name === sheet)
    if (index < 0) index = this.sheets.findIndex((s) => s.name.toLowerCase() === sheet.toLowerCase())
    if (index < 0) {
      const names = this.sheets.map((s) => `"${s.name}"`).join(', ')
      throw new DataWarpError(`no sheet named "${sheet}" in ${this.path}; its sheets are ${names}`, {
        file: this.path,
        sheet,
      })
    }
    return index
  }

  private sheetError(error: unknown, sheet: string): DataWarpError {
    if (error instanceof DataWarpError) return error
    const message = error instanceof Error ? error.message : String(error)
    const what = error instanceof OdsContentError ? '' : 'cannot read '
    return new DataWarpError(`${what}sheet "${sheet}" of ${this.path}: ${message}`, {
      file: this.path,
      sheet,
    })
  }
}

async function feed(path: string, zip: ZipPackage, parser: OdsContentParser): Promise<void> {
  let stream: Readable | undefined
  try {
    stream = await zip.openStream(CONTENT)
    for await (const text of decodeXmlChunks(stream)) parser.write(text)
    parser.close()
  } catch (error) {
    if (error instanceof DataWarpError) throw error
    const message = error instanceof Error ? error.message : String(error)
    throw new DataWarpError(`cannot read ${CONTENT} of ${path}: ${message}`, { file: path })
  } finally {
    stream?.destroy()
  }
}

async function mimetype(zip: ZipPackage): Promise<string | undefined> {
  const stream = await zip.openStream('mimetype')
  const chunks: Buffer[] = []
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk)
    if (chunks.reduce((n, c) => n + c.length, 0) > 256) break
  }
  stream.destroy()
  const text = Buffer.concat(chunks).toString('utf8').trim()
  return text === ODS_MIMETYPE ? undefined : text || undefined
}
