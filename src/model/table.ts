/** What the extract stage hands to the manifest and load stages: tables, read row by row from disk. */

/** One cell as a reader returns it. Dates are UTC midnight (or the exact UTC instant for date-times). */
export type CellValue = string | number | boolean | Date | null

export interface TableRow {
  /** Where the row is in its file: 1-based line (CSV) or row number (sheet). */
  readonly position: number
  readonly cells: readonly CellValue[]
}

export interface RowObserver {
  skipped(position: number, reason: string): void
}

export interface ExtractedTable {
  /** The downloaded file's name (or the ZIP member's path inside the ZIP). */
  readonly file: string
  /** The ZIP this file came from, when it did. */
  readonly zip?: string
  readonly sheet?: string
  /** One label per column, as the publication wrote it (multi-row headers joined with " > "). */
  readonly headers: readonly string[]
  /** 1-based rows or lines holding the header. */
  readonly headerRows: readonly number[]
  /**
   * The header cells as the publication wrote them, one list per column with one entry per header row (top
   * first, "" where that row has nothing over the column; a merged cell counts over every column it covers).
   */
  readonly headerCells?: readonly (readonly string[])[]
  /** Where each column is in the file: its letter on a sheet ("B"), its 1-based field number in a CSV ("2"). */
  readonly columnRefs?: readonly string[]
  /** The table's title, from a title row above its header ("Table 3: Summary of …"). */
  readonly title?: string
  /**
   * Set when a sheet holds several tables: what tells this one from the first (its title, or the labels of its
   * section: "Region ICB Code ICB Name"). Draft keys add it to the sheet's name.
   */
  readonly part?: string
  /** Notes written above or inside the header (a "Notes:" paragraph in a header cell, a suppression legend). */
  readonly notes?: readonly string[]
  /** Set when the table has a column per period (a month, a year, …) rather than a row per period. */
  readonly wide?: WideLayout
  /** Set on the long table made from a wide one (unpivot): the wide layout it came from. */
  readonly unpivoted?: WideLayout
  /**
   * Streams the data rows (never the header) in batches, each row with exactly headers.length cells.
   * Re-iterable. Rows left out (blank, repeated header, footnotes after the table) are reported to the
   * observer. Batches keep the per-row cost of streaming low; rows() is the same one at a time.
   */
  batches(observer?: RowObserver): AsyncIterable<readonly TableRow[]>
  rows(observer?: RowObserver): AsyncIterable<TableRow>
}

/** A column of a wide table that holds one period's values: which period, and which measure when several. */
export interface PeriodColumn {
  /** Index into the table's headers. */
  readonly column: number
  /** The period as the header wrote it, without footnote markers ("Jan-24", "2002/03", "2025-11"). */
  readonly period: string
  /** The rest of the label ("" when the period is all of it): the measure the column holds for that period. */
  readonly measure: string
}

/** How a wide table's columns split into identifying columns and a column per (period, measure). */
export interface WideLayout {
  /** Indexes of the columns that stay as they are when the table is turned long. */
  readonly idColumns: readonly number[]
  readonly periodColumns: readonly PeriodColumn[]
  /** The distinct periods, in column order. */
  readonly periods: readonly string[]
  /** The distinct measures, in column order ("" alone when each period has one value). */
  readonly measures: readonly string[]
}

export interface SkippedPart {
  readonly file: string
  readonly sheet?: string
  readonly reason: string
}

/** One row of a table of field definitions: a field's name and what the publisher says it holds. */
export interface FieldDefinition {
  readonly field: string
  readonly text: string
}

/**
 * A table that documents the fields of a release's data (rows of field names with their descriptions), found
 * in a workbook, a sheet or a CSV: documentation, not data. Its text describes the columns it names.
 */
export interface Documentation {
  readonly file: string
  readonly zip?: string
  readonly sheet?: string
  /** The headers of the column naming the fields and of the columns describing them, as written. */
  readonly columns: { readonly field: string; readonly text: readonly string[] }
  readonly definitions: readonly FieldDefinition[]
}

export interface ExtractedFile {
  readonly tables: readonly ExtractedTable[]
  readonly skipped: readonly SkippedPart[]
  /** Tables of field definitions: not loaded, their text describes the release's columns. */
  readonly documentation?: readonly Documentation[]
  /**
   * The text of the workbook's notes, contents and cover sheets, a line per row ("Table 1: Appointments by
   * region", "Note 3: …"): what enrichment explains sources and footnote markers with.
   */
  readonly notes?: readonly string[]
  /**
   * A CSV's tables found in its first rows only: the rest of its rows are checked as they are read, and an error
   * that may mean another layout calls for extracting it again with its tables found in all its rows.
   */
  readonly tablesFromFirstRows?: true
}

/** Names the place a problem was found, so an error message can say it. */
export interface Location {
  file?: string
  sheet?: string
  row?: number
  column?: string
  line?: number
}

export class DataWarpError extends Error {
  constructor(
    message: string,
    readonly where: Location = {},
  ) {
    super(message)
    this.name = 'DataWarpError'
  }
}

export function describeLocation(where: Location): string {
  const parts: string[] = []
  if (where.file) parts.push(where.file)
  if (where.sheet) parts.push(`sheet "${where.sheet}"`)
  if (where.line !== undefined) parts.push(`line ${where.line}`)
  if (where.row !== undefined) parts.push(`row ${where.row}`)
  if (where.column) parts.push(`column "${where.column}"`)
  return parts.join(', ')
}

export type FileKind = 'xlsx' | 'ods' | 'zip' | 'csv' | 'xls' | 'html' | 'pdf' | 'unknown'

/** A downloaded file (or a member unpacked from a ZIP) ready for extraction. */
export interface LocalFile {
  readonly path: string
  /** The name the publication gave it (for a ZIP member, its path inside the ZIP). */
  readonly fileName: string
  readonly kind: FileKind
  /** The ZIP's file name when this file was unpacked from one. */
  readonly zip?: string
}
