/** What the extractor needs from a spreadsheet reader (XLSX or ODS): its sheets, their rows and merged cells. */
import type { MergedRange, SheetRow } from './xlsx/sheet.js'
import type { SheetInfo } from './xlsx/workbook.js'

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
