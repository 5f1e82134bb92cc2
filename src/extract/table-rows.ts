import {
  type CellValue,
  DataWarpError,
  type ExtractedTable,
  type RowObserver,
  type TableRow,
} from '../model/table.js'
import type { SampleRow, TableLayout } from './layout.js'

/** Rows in file order as a reader yields them, in batches (blank rows may be absent). */
export type RowSource = () => AsyncIterable<readonly SampleRow[]>

/** A first cell that says the table is over: a source line, notes, a contents link. */
const END_OF_TABLE =
  /^\s*(source|sources|notes?|footnotes?|return to contents|back to contents|contents)\b\s*:?/i

const AFTER_TABLE = 'after the table (notes or footnotes)'

/**
 * The data rows of a table laid out in a grid: below the header, inside its columns, without blank rows,
 * repeated headers or the notes after it. Every row left out is reported to the observer with the reason.
 * A row with values outside the table's columns is an error, never silently cut.
 */
export function tableRows(
  source: RowSource,
  layout: TableLayout,
  where: { file: string; sheet?: string; unit: 'row' | 'line' },
): (observer?: RowObserver) => AsyncIterable<readonly TableRow[]> {
  const width = layout.lastColumn - layout.firstColumn + 1
  const lastHeader = layout.headerRows[layout.headerRows.length - 1]!
  const headerKey = layout.headers.join('\u0000')
  const sparseLimit = width >= 3 ? 1 : 0

  return async function* batches(observer?: RowObserver) {
    const skip = (position: number, reason: string) => observer?.skipped(position, reason)
    const pending: TableRow[] = []
    let ended = false
    for await (const batch of source()) {
      const out: TableRow[] = []
      for (const row of batch) {
        if (row.position <= lastHeader) continue
        if (ended) {
          if (row.cells.some((c) => !blank(c))) skip(row.position, AFTER_TABLE)
          continue
        }
        const { inside: count, outsideColumn } = countValues(row.cells, layout.firstColumn, layout.lastColumn)
        if (count === 0) {
          skip(row.position, outsideColumn >= 0 ? 'no value inside the table columns' : 'blank')
          continue
        }
        if (outsideColumn >= 0) {
          throw new DataWarpError(
            `a value lies outside the table's ${width} columns (found in column ${columnName(outsideColumn, where.unit)})`,
            { file: where.file, sheet: where.sheet, [where.unit]: row.position },
          )
        }
        const cells = slice(row.cells, layout.firstColumn, width)
        const first = cells.find((c) => c !== null)
        if (count <= sparseLimit && typeof first === 'string' && END_OF_TABLE.test(first)) {
          for (const p of pending) skip(p.position, AFTER_TABLE)
          pending.length = 0
          skip(row.position, AFTER_TABLE)
          ended = true
          continue
        }
        if (isRepeatedHeader(cells, layout.headers, headerKey)) {
          skip(row.position, 'repeated header')
          continue
        }
        const tableRow = { position: row.position, cells }
        if (count <= sparseLimit) {
          pending.push(tableRow)
          continue
        }
        if (pending.length > 0) {
          out.push(...pending)
          pending.length = 0
        }
        out.push(tableRow)
      }
      if (out.length > 0) yield out
    }
    for (const p of pending) skip(p.position, AFTER_TABLE)
  }
}

function isRepeatedHeader(
  cells: readonly CellValue[],
  headers: readonly string[],
  headerKey: string,
): boolean {
  const first = cells[0]
  if (typeof first !== 'string' || first.replace(/\s+/g, ' ').trim() !== headers[0]) return false
  return (
    cells.map((c) => (c === null ? '' : String(c).replace(/\s+/g, ' ').trim())).join('\u0000') === headerKey
  )
}

/** A cell that holds nothing: null, or text of spaces only. Cheap for the usual non-blank text. */
function blank(v: CellValue | undefined): boolean {
  if (v === null || v === undefined) return true
  if (typeof v !== 'string') return false
  if (v.length === 0) return true
  const first = v.charCodeAt(0)
  return (first <= 32 || first === 160) && v.trim() === ''
}

/** Values inside the table's columns, and the first column outside them that holds one (-1 when none). */
function countValues(cells: readonly CellValue[], first: number, last: number) {
  let inside = 0
  let outsideColumn = -1
  for (let i = 0; i < cells.length; i++) {
    if (blank(cells[i])) continue
    if (i >= first && i <= last) inside++
    else if (outsideColumn < 0) outsideColumn = i
  }
  return { inside, outsideColumn }
}

function slice(cells: readonly CellValue[], first: number, width: number): CellValue[] {
  const out = new Array<CellValue>(width)
  for (let i = 0; i < width; i++) {
    const v = cells[first + i]
    out[i] = blank(v) ? null : (v as CellValue)
  }
  return out
}

/** Column 0 → "A" for sheets, "1" (1-based field number) for CSV lines. */
function columnName(index: number, unit: 'row' | 'line'): string {
  if (unit === 'line') return String(index + 1)
  let name = ''
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name
  return name
}

export function makeTable(
  base: { file: string; zip?: string; sheet?: string },
  layout: TableLayout,
  batches: (observer?: RowObserver) => AsyncIterable<readonly TableRow[]>,
): ExtractedTable {
  return {
    file: base.file,
    ...(base.zip ? { zip: base.zip } : {}),
    ...(base.sheet !== undefined ? { sheet: base.sheet } : {}),
    headers: layout.headers,
    headerRows: layout.headerRows,
    batches,
    async *rows(observer?: RowObserver) {
      for await (const batch of batches(observer)) yield* batch
    },
  }
}
