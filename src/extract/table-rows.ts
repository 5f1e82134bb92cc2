import {
  type CellValue,
  DataWarpError,
  type ExtractedTable,
  type RowObserver,
  type TableRow,
  type WideLayout,
} from '../model/table.js'
import { cellLine, columnRef, isEmpty, isEndRow } from './cells.js'
import type { SampleRow, TableLayout } from './layout.js'
import type { MergedRange } from './spreadsheet/workbook.js'

/** Rows in file order as a reader yields them, in batches (blank rows may be absent). */
export type RowSource = () => AsyncIterable<readonly SampleRow[]>

const AFTER_TABLE = 'after the table (notes or footnotes)'

export interface RowOptions {
  /** Merged ranges of the sheet: a text merged down over several rows fills each of them. */
  readonly merges?: readonly MergedRange[]
  /**
   * A value outside the table's columns: 'error' (a CSV line with more fields than its header is malformed)
   * or 'report' (a note or working figure beside a table on a sheet is left out, and reported).
   */
  readonly outside?: 'error' | 'report'
}

/** A text merged over several rows of the table: the first row holds it, the others take it too. */
interface DownMerge {
  readonly range: MergedRange
  value: string | undefined
}

/**
 * The data rows of a table laid out in a grid: below the header, inside its columns, without blank rows,
 * repeated headers or the notes after it, and before the next table on the sheet. Every row left out is
 * reported to the observer with the reason, and so is every value beside the table that is left out.
 */
export function tableRows(
  source: RowSource,
  layout: TableLayout,
  where: { file: string; sheet?: string; unit: 'row' | 'line' },
  options: RowOptions = {},
): (observer?: RowObserver) => AsyncIterable<readonly TableRow[]> {
  const columns = layout.columns
  const width = columns.length
  const firstColumn = layout.firstColumn
  const lastColumn = layout.lastColumn
  const lastHeader = layout.headerRows[layout.headerRows.length - 1]!
  const endBefore = layout.endBefore ?? Number.POSITIVE_INFINITY
  const sparseLimit = width >= 3 ? 1 : 0
  const inTable = new Uint8Array(lastColumn + 1)
  for (const c of columns) inTable[c] = 1
  const contiguous = lastColumn - firstColumn + 1 === width
  const repeatedKeys = new Set(
    (layout.headerCells[0] ?? []).map((_, r) =>
      layout.headerCells.map((cells) => cellLine(cells[r]!)).join('\u0000'),
    ),
  )
  // A repeated header is rare: compare whole rows only when the first cell matches a header's first cell.
  const repeatedFirst = new Set(
    (layout.headerCells[0] ?? []).map((_, r) => cellLine(layout.headerCells[0]![r]!)),
  )
  const outside = options.outside ?? 'error'
  const downMerges = (options.merges ?? []).filter(
    (m) => m.bottom > m.top && m.bottom > lastHeader && m.top < endBefore,
  )

  return async function* batches(observer?: RowObserver) {
    const skip = (position: number, reason: string) => observer?.skipped(position, reason)
    const merges: DownMerge[] = downMerges.map((range) => ({ range, value: undefined }))
    const pending: TableRow[] = []
    let ended = false
    for await (const batch of source()) {
      const out: TableRow[] = []
      for (const source of batch) {
        if (source.position <= lastHeader) {
          remember(merges, source)
          continue
        }
        if (source.position >= endBefore) break
        const row = merges.length > 0 ? fillMerges(merges, source) : source
        if (ended) {
          if (row.cells.some((c) => !isEmpty(c))) skip(row.position, AFTER_TABLE)
          continue
        }
        let count = 0
        let outsideColumns: number[] | undefined
        const cells = row.cells
        for (let i = 0; i < cells.length; i++) {
          if (isEmpty(cells[i])) continue
          if (i <= lastColumn && inTable[i] === 1) count++
          else if (outsideColumns) outsideColumns.push(i)
          else outsideColumns = [i]
        }
        if (count === 0) {
          skip(row.position, outsideColumns ? 'no value inside the table columns' : 'blank')
          continue
        }
        if (outsideColumns) {
          if (outside === 'error') {
            throw new DataWarpError(
              `a value lies outside the table's ${width} columns (found in column ${columnRef(outsideColumns[0]!, where.unit)})`,
              { file: where.file, sheet: where.sheet, [where.unit]: row.position },
            )
          }
          const refs = outsideColumns.map((c) => columnRef(c, where.unit)).join(', ')
          skip(row.position, `value beside the table left out (column ${refs})`)
        }
        if (isEndRow(cells, firstColumn, lastColumn)) {
          for (const p of pending) skip(p.position, AFTER_TABLE)
          pending.length = 0
          skip(row.position, AFTER_TABLE)
          ended = true
          continue
        }
        const tableCells = contiguous ? slice(cells, firstColumn, width) : pick(cells, columns)
        if (
          repeatedFirst.has(cellLine(tableCells[0])) &&
          repeatedKeys.has(tableCells.map(cellLine).join('\u0000'))
        ) {
          skip(row.position, 'repeated header')
          continue
        }
        const tableRow = { position: row.position, cells: tableCells }
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

/** Notes the value a merged range starts with when its first row passes (the header rows included). */
function remember(merges: DownMerge[], row: SampleRow): void {
  for (const m of merges) {
    if (m.range.top !== row.position) continue
    const v = row.cells[m.range.left - 1]
    m.value = typeof v === 'string' && !isEmpty(v) ? v : undefined
  }
}

/** The row with every cell a text merge covers (below its first row) holding that text. */
function fillMerges(merges: DownMerge[], row: SampleRow): SampleRow {
  remember(merges, row)
  let cells: CellValue[] | undefined
  for (const m of merges) {
    const r = m.range
    if (m.value === undefined || row.position < r.top || row.position > r.bottom) continue
    for (let c = r.left - 1; c < r.right; c++) {
      if (row.position === r.top && c === r.left - 1) continue
      const current = (cells ?? row.cells)[c]
      if (!isEmpty(current)) continue
      cells ??= [...row.cells]
      while (cells.length < c) cells.push(null)
      cells[c] = m.value
    }
  }
  return cells ? { position: row.position, cells } : row
}

function slice(cells: readonly CellValue[], first: number, width: number): CellValue[] {
  const out = new Array<CellValue>(width)
  for (let i = 0; i < width; i++) {
    const v = cells[first + i]
    out[i] = isEmpty(v) ? null : (v as CellValue)
  }
  return out
}

function pick(cells: readonly CellValue[], columns: readonly number[]): CellValue[] {
  const out = new Array<CellValue>(columns.length)
  for (let i = 0; i < columns.length; i++) {
    const v = cells[columns[i]!]
    out[i] = isEmpty(v) ? null : (v as CellValue)
  }
  return out
}

export function makeTable(
  base: { file: string; zip?: string; sheet?: string; unit?: 'row' | 'line' },
  layout: TableLayout,
  batches: (observer?: RowObserver) => AsyncIterable<readonly TableRow[]>,
  wide?: WideLayout,
): ExtractedTable {
  return {
    file: base.file,
    ...(base.zip ? { zip: base.zip } : {}),
    ...(base.sheet !== undefined ? { sheet: base.sheet } : {}),
    headers: layout.headers,
    headerRows: layout.headerRows,
    headerCells: layout.headerCells,
    columnRefs: layout.columns.map((c) =>
      columnRef(c, base.unit ?? (base.sheet !== undefined ? 'row' : 'line')),
    ),
    ...(layout.title !== undefined ? { title: layout.title } : {}),
    ...(layout.part !== undefined ? { part: layout.part } : {}),
    ...(layout.notes.length > 0 ? { notes: layout.notes } : {}),
    ...(wide ? { wide } : {}),
    batches,
    async *rows(observer?: RowObserver) {
      for await (const batch of batches(observer)) yield* batch
    },
  }
}
