/** What the extractor needs from a spreadsheet reader (XLSX or ODS): its sheets, their rows and merged cells. */
import type { Readable } from 'node:stream'
import type { MergedRange, SheetRow } from '../xlsx/sheet.js'
import type { SheetInfo } from '../xlsx/workbook.js'
import { decodeXmlChunks } from './xml.js'

export type { MergedRange, SheetInfo, SheetRow }

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
