/** What the extractor needs from a spreadsheet reader (XLSX or ODS): its sheets, their rows and merged cells. */
import type { Readable } from 'node:stream'
import type { CellValue } from '../../model/table.js'
import { decodeXmlChunks } from './xml.js'

export interface MergedRange {
  top: number
  left: number
  bottom: number
  right: number
}

export interface SheetRow {
  /** 1-based row number. */
  position: number
  /** cells[0] is column A; dense up to the last non-empty cell, with null for gaps. */
  cells: CellValue[]
}

export interface SheetInfo {
  name: string
  /** 0-based position in the workbook's sheet order (the order of the tabs). */
  index: number
  /** state="hidden" or state="veryHidden". */
  hidden: boolean
  kind: 'worksheet' | 'chartsheet' | 'other'
}

export interface Workbook {
  /** Every sheet in tab order, hidden and chart sheets included (with their flags). */
  readonly sheets: readonly SheetInfo[]
  /** Streams a sheet's non-empty rows in order, a batch at a time; each call reads the sheet afresh. */
  batches(sheet: string): AsyncIterable<readonly SheetRow[]>
  /** The sheet's merged ranges (1-based, inclusive). */
  merges(sheet: string): Promise<MergedRange[]>
  close(): Promise<void>
}

/** A streaming sheet parser: XML text in, finished rows out. */
export interface SheetRowParser {
  write(text: string): void
  takeRows(): SheetRow[]
  close(): void
  /** Set once the parser has all it reads (ODS: the sheet ended before the rest of content.xml). */
  readonly done?: boolean
}

/** A sheet's rows as its XML streams in, a batch per chunk read; the stream is closed however reading ends. */
export async function* streamSheetRows(
  stream: Readable,
  parser: SheetRowParser,
): AsyncGenerator<readonly SheetRow[]> {
  try {
    for await (const text of decodeXmlChunks(stream)) {
      parser.write(text)
      const rows = parser.takeRows()
      if (rows.length > 0) yield rows
      if (parser.done) break
    }
    if (!parser.done) parser.close()
    const rest = parser.takeRows()
    if (rest.length > 0) yield rest
  } finally {
    stream.destroy()
  }
}
