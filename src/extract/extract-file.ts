import {
  DataWarpError,
  type Documentation,
  type ExtractedFile,
  type ExtractedTable,
  type LocalFile,
  type SkippedPart,
} from '../model/table.js'
import { cellLine } from './cells.js'
import { detectCsvFormat, readCsvBatches } from './csv/index.js'
import { separateDocumentation } from './documentation.js'
import { checkedLayout, findFirstTables, findTables, mayMeanAnotherLayout } from './find-tables.js'
import { OdsWorkbook } from './ods/workbook.js'
import type { SheetRow, Workbook } from './spreadsheet/workbook.js'
import { makeTable, type RowSource, tableRows } from './table-rows.js'
import { detectWide } from './wide.js'
import { XlsxWorkbook } from './xlsx/workbook.js'

/** Sheets that describe a publication rather than hold its data. */
const NOT_DATA_SHEET =
  /^\s*(cover|cover sheet|title|title sheet|title page|front sheet|contents?|table of contents|index|notes?|notes and definitions|definitions?( and changes)?|glossary|about|about this (release|publication|data)|introduction|background|methodology|metadata|read ?me|data quality|dq|guidance|information|info|key facts|summary of changes|revisions?|version ?control|version ?history|change ?log|accessibility)\s*$/i

const NO_TABLE = 'no table found (no header row above rows of data)'

export interface ExtractOptions {
  /**
   * Where a CSV's tables are found: in all its rows (a pass of their own), or in its first rows, the rest being
   * checked as the tables are read, which throws LayoutChanged when they hold another layout.
   */
  readonly csvTablesFrom?: 'all-rows' | 'first-rows'
}

async function extractCsv(file: LocalFile, options: ExtractOptions): Promise<ExtractedFile> {
  const format = await detectCsvFormat(file.path)
  const records: RowSource = async function* () {
    for await (const batch of readCsvBatches(file.path, format)) {
      yield batch.map((r) => ({ position: r.line, cells: r.cells }))
    }
  }
  const find = { extendRight: false }
  const { layouts, complete } =
    options.csvTablesFrom === 'first-rows'
      ? await findFirstTables(records, find)
      : { layouts: await findTables(records, find), complete: true }
  if (layouts.length === 0) return { tables: [], skipped: [{ file: file.fileName, reason: NO_TABLE }] }
  const source = complete ? records : checkedLayout(records, find, layouts, file.fileName)
  const found = layouts.map((layout) => {
    const rows = tableRows(source, layout, { file: file.fileName, unit: 'line' }, { outside: 'error' })
    return makeTable(
      { file: file.fileName, zip: file.zip, unit: 'line' },
      layout,
      rows,
      detectWide(layout.headers),
    )
  })
  // A table of definitions is read here in full: its layout is checked here, and found again if it changed.
  let separated: Awaited<ReturnType<typeof separateDocumentation>>
  try {
    separated = await separateDocumentation(found)
  } catch (error) {
    if (!complete && mayMeanAnotherLayout(error)) return extractCsv(file, {})
    throw error
  }
  const { tables, documentation } = separated
  return {
    tables,
    skipped: [],
    ...(documentation.length > 0 ? { documentation } : {}),
    ...(complete ? {} : { tablesFromFirstRows: true as const }),
  }
}

type Open = (path: string) => Promise<Workbook>

async function extractWorkbook(file: LocalFile, open: Open): Promise<ExtractedFile> {
  const workbook = await open(file.path)
  const tables: ExtractedTable[] = []
  const skipped: SkippedPart[] = []
  const notes: string[] = []
  const documentation: Documentation[] = []
  try {
    for (const sheet of workbook.sheets) {
      const part = { file: file.fileName, sheet: sheet.name }
      if (sheet.kind !== 'worksheet') skipped.push({ ...part, reason: `${sheet.kind}, not a worksheet` })
      else if (sheet.hidden) skipped.push({ ...part, reason: 'hidden sheet' })
      else if (NOT_DATA_SHEET.test(sheet.name)) {
        // Its text helps enrichment; a sheet that cannot be read costs only that, never the file's tables.
        const lines = await sheetLines(workbook, sheet.name).catch((error: Error) => error)
        const unread = lines instanceof Error ? `; its text could not be read: ${lines.message}` : ''
        if (!(lines instanceof Error)) notes.push(...lines)
        // A notes or definitions sheet may hold a table of field definitions: documentation, not a skip.
        const found = await sheetTables(workbook, open, file, sheet.name).catch(() => [])
        const docs = (await separateDocumentation(found).catch(() => undefined))?.documentation ?? []
        documentation.push(...docs)
        if (docs.length === 0 || unread !== '')
          skipped.push({ ...part, reason: `cover, contents, notes or document history sheet${unread}` })
      } else {
        const found = await sheetTables(workbook, open, file, sheet.name)
        if (found.length === 0) skipped.push({ ...part, reason: NO_TABLE })
        const separated = await separateDocumentation(found)
        tables.push(...separated.tables)
        documentation.push(...separated.documentation)
      }
    }
  } finally {
    await workbook.close()
  }
  return {
    tables,
    skipped,
    ...(notes.length > 0 ? { notes } : {}),
    ...(documentation.length > 0 ? { documentation } : {}),
  }
}

/** The tables of one sheet, each re-readable after extraction returns. */
async function sheetTables(
  workbook: Workbook,
  open: Open,
  file: LocalFile,
  sheet: string,
): Promise<ExtractedTable[]> {
  // Merged cells are listed after a sheet's rows, so they are read first (a pass that skips the cells).
  const merges = await workbook.merges(sheet)
  const layouts = await findTables(() => workbook.batches(sheet), { merges, dropEmptyColumns: true })
  const source: RowSource = () => readSheet(open, file.path, sheet)
  return layouts.map((layout) => {
    const where = { file: file.fileName, sheet, unit: 'row' as const }
    const rows = tableRows(source, layout, where, { merges, outside: 'report' })
    return makeTable(
      { file: file.fileName, zip: file.zip, sheet, unit: 'row' },
      layout,
      rows,
      detectWide(layout.headers),
    )
  })
}

/** Lines of a notes sheet read for enrichment: enough for any contents list or notes page, never a whole grid. */
const MAX_NOTE_LINES = 500
const MAX_NOTE_LINE_CHARS = 2000

/**
 * A sheet's text, a line per row with a value: the first value, then ": ", then the others ("Table 1: Staff by
 * region", "Note 3: Figures are rounded"), the forms enrichment reads contents and notes lines in.
 */
async function sheetLines(workbook: Workbook, sheet: string): Promise<string[]> {
  const lines: string[] = []
  for await (const batch of workbook.batches(sheet)) {
    for (const row of batch) {
      // A value repeated along the row counts once.
      const texts = [...new Set(row.cells.map(cellLine))].filter((t) => t !== '')
      if (texts.length === 0) continue
      const [first, ...rest] = texts
      const line = rest.length === 0 ? first! : `${first}${first!.endsWith(':') ? '' : ':'} ${rest.join(' ')}`
      lines.push(line.length > MAX_NOTE_LINE_CHARS ? `${line.slice(0, MAX_NOTE_LINE_CHARS - 1)}…` : line)
      if (lines.length === MAX_NOTE_LINES) return lines
    }
  }
  return lines
}

/** Opens the workbook for one pass over a sheet, so tables stay re-readable after extraction returns. */
async function* readSheet(open: Open, path: string, sheet: string): AsyncIterable<readonly SheetRow[]> {
  const workbook = await open(path)
  try {
    yield* workbook.batches(sheet)
  } finally {
    await workbook.close()
  }
}

/** Every table in a file, and every part of it that is not a table, with the reason. */
export async function extractFile(file: LocalFile, options: ExtractOptions = {}): Promise<ExtractedFile> {
  switch (file.kind) {
    case 'csv':
      return extractCsv(file, options)
    case 'xlsx':
      return extractWorkbook(file, (path) => XlsxWorkbook.open(path))
    case 'ods':
      return extractWorkbook(file, (path) => OdsWorkbook.open(path))
    case 'xls':
      throw new DataWarpError(
        'legacy binary Excel (.xls) is not supported: ask for the .xlsx or .csv edition',
        {
          file: file.fileName,
        },
      )
    case 'html':
      throw new DataWarpError(
        'the URL returned an HTML page, not a data file: point the config at the file itself',
        { file: file.fileName },
      )
    default:
      throw new DataWarpError(`not a data file (${file.kind})`, { file: file.fileName })
  }
}
