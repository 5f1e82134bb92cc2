import {
  DataWarpError,
  type ExtractedFile,
  type ExtractedTable,
  type LocalFile,
  type SkippedPart,
} from '../model/table.js'
import { detectCsvFormat, readCsvBatches } from './csv/index.js'
import { locateTable, type SampleRow } from './layout.js'
import { makeTable, type RowSource, tableRows } from './table-rows.js'
import { XlsxWorkbook } from './xlsx/workbook.js'

/** Rows read to find a table's header; the table itself is always read in full. */
const SAMPLE_ROWS = 200

/** Sheets that describe a publication rather than hold its data. */
const NOT_DATA_SHEET =
  /^\s*(cover|cover sheet|title|title sheet|title page|contents?|table of contents|index|notes?|notes and definitions|definitions?( and changes)?|glossary|about|introduction|background|methodology|metadata|read ?me|data quality|dq|guidance|information|info|key facts|summary of changes|revisions?)\s*$/i

async function sample(source: RowSource): Promise<SampleRow[]> {
  const rows: SampleRow[] = []
  for await (const batch of source()) {
    rows.push(...batch.slice(0, SAMPLE_ROWS - rows.length))
    if (rows.length >= SAMPLE_ROWS) break
  }
  return rows
}

async function extractCsv(file: LocalFile): Promise<ExtractedFile> {
  const format = await detectCsvFormat(file.path)
  const source: RowSource = async function* () {
    for await (const records of readCsvBatches(file.path, format)) {
      yield records.map((r) => ({ position: r.line, cells: r.cells }))
    }
  }
  const layout = locateTable(await sample(source))
  if (!layout)
    return { tables: [], skipped: [{ file: file.fileName, reason: 'no table found (no header row)' }] }
  const rows = tableRows(source, layout, { file: file.fileName, unit: 'line' })
  return { tables: [makeTable({ file: file.fileName, zip: file.zip }, layout, rows)], skipped: [] }
}

async function extractXlsx(file: LocalFile): Promise<ExtractedFile> {
  const workbook = await XlsxWorkbook.open(file.path)
  const tables: ExtractedTable[] = []
  const skipped: SkippedPart[] = []
  try {
    for (const sheet of workbook.sheets) {
      const part = { file: file.fileName, sheet: sheet.name }
      if (sheet.kind !== 'worksheet') skipped.push({ ...part, reason: `${sheet.kind}, not a worksheet` })
      else if (sheet.hidden) skipped.push({ ...part, reason: 'hidden sheet' })
      else if (NOT_DATA_SHEET.test(sheet.name))
        skipped.push({ ...part, reason: 'cover, contents or notes sheet' })
      else {
        const source: RowSource = () => readSheet(file.path, sheet.name)
        const layout = locateTable(await sample(() => workbook.batches(sheet.name)))
        if (!layout) skipped.push({ ...part, reason: 'no table found (no header row)' })
        else {
          const rows = tableRows(source, layout, { file: file.fileName, sheet: sheet.name, unit: 'row' })
          tables.push(makeTable({ file: file.fileName, zip: file.zip, sheet: sheet.name }, layout, rows))
        }
      }
    }
  } finally {
    await workbook.close()
  }
  return { tables, skipped }
}

/** Opens the workbook for one pass over a sheet, so tables stay re-readable after extraction returns. */
async function* readSheet(path: string, sheet: string): AsyncIterable<readonly SampleRow[]> {
  const workbook = await XlsxWorkbook.open(path)
  try {
    yield* workbook.batches(sheet)
  } finally {
    await workbook.close()
  }
}

/** Every table in a file, and every part of it that is not a table, with the reason. */
export async function extractFile(file: LocalFile): Promise<ExtractedFile> {
  switch (file.kind) {
    case 'csv':
      return extractCsv(file)
    case 'xlsx':
      return extractXlsx(file)
    case 'xls':
      throw new DataWarpError(
        'legacy binary Excel (.xls) is not supported: ask for the .xlsx or .csv edition',
        {
          file: file.fileName,
        },
      )
    case 'ods':
      throw new DataWarpError('OpenDocument spreadsheets (.ods) are not read yet', { file: file.fileName })
    case 'html':
      throw new DataWarpError(
        'the URL returned an HTML page, not a data file: point the config at the file itself',
        { file: file.fileName },
      )
    default:
      throw new DataWarpError(`not a data file (${file.kind})`, { file: file.fileName })
  }
}
