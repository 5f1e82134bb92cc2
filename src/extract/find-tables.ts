/**
 * One pass over a sheet (or CSV) to find every table on it: the first table in the first rows, and each
 * later table that starts below the end of the one before (after its notes, or after blank rows, with a title
 * or a header of its own). Only a bounded window of rows is held at a time.
 */
import { type CellValue, DataWarpError } from '../model/table.js'
import {
  isEmpty,
  isEndRow,
  isLabel,
  isNumberLike,
  isPlaceholder,
  isYear,
  normalise,
  TITLE_TEXT,
} from './cells.js'
import {
  type LocateOptions,
  locateTable,
  numericColumns,
  type SampleRow,
  type TableLayout,
  withoutEmptyColumns,
} from './layout.js'
import type { RowSource } from './table-rows.js'

/** Rows read to find a table's header; the table itself is always read in full. */
export const SAMPLE_ROWS = 200
/** Rows a found header needs below it in the window before it is judged (unless the sheet ends first). */
const BODY_TO_JUDGE = 20

export interface FindOptions extends LocateOptions {
  /** Leave out columns with no label of their own and no value in the table (the spacer columns of a sheet). */
  readonly dropEmptyColumns?: boolean
}

interface Current {
  layout: TableLayout
  /** Columns that hold a value in some row of the table (before its end). */
  filled: Set<number>
  /** The layout the table's sections share (itself, unless it is a section of one above). */
  base: TableLayout
  lastHeader: number
  lastPosition: number
  ended: boolean
  /** The next row starts a look for another table even without a blank row before it (it follows the end). */
  afterEnd: boolean
}

interface Queued {
  row: SampleRow
  /** A row already looked at as the start of another table: it does not start a look again. */
  looked: boolean
}

const isNumeric = (v: CellValue | undefined) =>
  typeof v === 'number' || v instanceof Date || (typeof v === 'string' && isNumberLike(v))

/** A row that looks like data: two values or more, one of them a number or a date. */
function isDataLike(row: SampleRow): boolean {
  let values = 0
  let numeric = false
  for (const v of row.cells) {
    if (isEmpty(v)) continue
    values++
    if (isNumeric(v) && !isYear(v)) numeric = true
  }
  return values >= 2 && numeric
}

class TableFinder {
  readonly tables: TableLayout[] = []
  private current: Current | undefined
  /** Rows gathered to look for a table in (from the start of the sheet, or from a possible table start). */
  private look: Queued[] | undefined = []
  /** The window size at which the look is judged next. */
  private lookLimit = SAMPLE_ROWS
  private readonly queue: Queued[] = []

  constructor(private readonly options: FindOptions) {}

  /** Ends the current table (before `endBefore`, when another table follows on the sheet). */
  private close(endBefore?: number): void {
    const current = this.current!
    this.tables.push(
      this.closed(current, endBefore === undefined ? current.layout : { ...current.layout, endBefore }),
    )
  }

  /** A table's layout as it is given out: without its spacer columns, when those are dropped. */
  private closed(current: Current, layout: TableLayout): TableLayout {
    return this.options.dropEmptyColumns ? withoutEmptyColumns(layout, current.filled) : layout
  }

  push(row: SampleRow): void {
    // Inside a table, with nothing queued or being looked at (most rows): stepped at once.
    // (A look it starts holds one row, short of any limit it is judged at.)
    if (this.queue.length === 0 && !this.look) this.step(row, false)
    else this.queue.push({ row, looked: false })
    this.drain(false)
  }

  /**
   * The tables finish() would give if the rows ended here, once the rows read so far are judged (no table start
   * is being looked at); undefined before that, or while no table is found yet.
   */
  settled(): TableLayout[] | undefined {
    const current = this.current
    if (this.look || this.queue.length > 0 || !current) return undefined
    return [...this.tables, this.closed(current, current.layout)]
  }

  finish(): void {
    this.drain(true)
    if (this.current) this.close()
    this.current = undefined
  }

  private drain(final: boolean): void {
    for (;;) {
      while (this.queue.length > 0) {
        const item = this.queue.shift()!
        this.step(item.row, item.looked)
        if (this.look && this.look.length >= this.lookLimit) this.decide(false)
      }
      if (!final || !this.look || this.look.length === 0) return
      this.decide(true)
    }
  }

  private step(row: SampleRow, looked: boolean): void {
    if (this.look) {
      this.look.push({ row, looked })
      return
    }
    const current = this.current!
    if (row.position <= current.lastHeader) return
    const gap = row.position > current.lastPosition + 1
    current.lastPosition = row.position
    const { firstColumn, lastColumn } = current.layout
    if (!looked && (current.afterEnd || (current.ended && gap) || (gap && this.mayStartTable(row)))) {
      current.afterEnd = false
      this.look = [{ row, looked }]
      return
    }
    if (current.ended) return
    if (isEndRow(row.cells, firstColumn, lastColumn)) {
      current.ended = true
      current.afterEnd = true
      return
    }
    // Only spacer columns are dropped by what the rows fill.
    if (!this.options.dropEmptyColumns) return
    const cells = row.cells
    for (let c = firstColumn; c <= lastColumn && c < cells.length; c++)
      if (!isEmpty(cells[c])) current.filled.add(c)
  }

  /** After blank rows inside a table: a row without numbers (a title, a header) may start another table. */
  private mayStartTable(row: SampleRow): boolean {
    return !row.cells.some((v) => !isEmpty(v) && isNumeric(v) && !isYear(v))
  }

  private decide(final: boolean): void {
    const look = this.look!
    const rows = look.map((q) => q.row)
    const layout = locateTable(rows, this.options)
    const bottom = layout ? rows.findIndex((r) => r.position === layout.headerRows.at(-1)) : -1
    const bodyRows = bottom < 0 ? 0 : rows.length - bottom - 1
    if (layout && !final && bodyRows < BODY_TO_JUDGE && rows.length < SAMPLE_ROWS * 2) {
      this.lookLimit = Math.min(SAMPLE_ROWS * 2, rows.length + BODY_TO_JUDGE - bodyRows)
      return // read on before judging
    }
    this.look = undefined
    this.lookLimit = SAMPLE_ROWS
    if (!this.current) {
      if (layout) this.start(layout, look, bottom)
      else if (!final) this.look = look.slice(SAMPLE_ROWS / 2) // a long preamble: look further down
      return
    }
    if (layout && this.isNewTable(layout, rows, bottom)) {
      this.close(layout.titleRow ?? layout.headerRows[0]!)
      const part = layout.title ?? `table ${this.tables.length + 1}`
      this.start({ ...layout, part }, look, bottom)
      return
    }
    const section = this.sectionLayout(rows)
    if (section) {
      this.close(rows[0]!.position)
      this.start(section, look, 0, this.current.base)
      return
    }
    // Not a new table: the rows belong to the current one (its data, or its notes).
    this.queue.unshift({ row: look[0]!.row, looked: true }, ...look.slice(1))
  }

  private start(layout: TableLayout, look: Queued[], bottom: number, base = layout): void {
    const lastHeader = layout.headerRows[layout.headerRows.length - 1]!
    this.current = {
      layout,
      base,
      filled: new Set(),
      lastHeader,
      lastPosition: lastHeader,
      ended: false,
      afterEnd: false,
    }
    this.queue.unshift(...look.slice(bottom + 1))
  }

  /**
   * A section of the current table: after blank rows, a row of labels over its identifying (text) columns only
   * ("Region", "ICB Code", "ICB Name"), right above rows of data. The rows below it are a table of their own
   * (ICBs rather than regions), under the same header with the section's labels added to the columns it names.
   */
  private sectionLayout(rows: readonly SampleRow[]): TableLayout | undefined {
    const base = this.current!.base
    const [row, next] = rows
    if (!row || !next || next.position !== row.position + 1) return undefined
    const own = row.cells.flatMap((v, c) => (isEmpty(v) ? [] : [c]))
    if (own.length < 2 || isEndRow(row.cells, 0, row.cells.length - 1)) return undefined
    const inTable = new Set(base.columns)
    for (const c of own) {
      const v = row.cells[c]
      if (!inTable.has(c) || v instanceof Date || !isLabel(v) || TITLE_TEXT.test(String(v))) return undefined
    }
    const body = rows.slice(1, 31)
    const numeric = numericColumns(body)
    if (own.some((c) => numeric.has(c)) || !base.columns.some((c) => numeric.has(c))) return undefined
    const labels = new Map(own.map((c) => [c, normalise(String(row.cells[c]))]))
    const sameAsHeader = base.headerCells.every((cells, i) => {
      const label = labels.get(base.columns[i]!) ?? ''
      return cells.some((cell) => normalise(cell) === label) || label === ''
    })
    if (sameAsHeader) return undefined
    return {
      ...base,
      headerRows: [...base.headerRows, row.position],
      headers: base.columns.map((c, i) => {
        const label = labels.get(c)
        const above = base.headers[i]!
        if (label === undefined || label.toLowerCase() === above.split(' > ').at(-1)?.toLowerCase())
          return above
        return above === '' ? label : `${above} > ${label}`
      }),
      headerCells: base.columns.map((c, i) => [
        ...base.headerCells[i]!,
        labels.has(c) ? String(row.cells[c]) : '',
      ]),
      part: [...labels.values()].join(' '),
      titleRow: undefined,
      endBefore: undefined,
    }
  }

  /**
   * Whether a table found below the current one is a table of its own: only titles and notes come between
   * the current table's rows and its header; it has a header of two columns or more that is not prose; and,
   * unless the current table had ended (notes, source), its header stands over numbers and differs from the
   * current table's, or a title introduces it.
   */
  private isNewTable(layout: TableLayout, rows: readonly SampleRow[], bottom: number): boolean {
    const current = this.current!
    const top = rows.findIndex((r) => r.position === layout.headerRows[0])
    if (rows.slice(0, top).some(isDataLike)) return false
    // A header holds labels: a row with a number in it (not a year) is a row of data read as a header.
    const header = rows.slice(top, bottom + 1)
    if (header.some((r) => r.cells.some((v) => (isNumberLike(v) || isPlaceholder(v)) && !isYear(v))))
      return false
    if (layout.columns.length < 2) return false
    if (layout.headers.filter((h) => h.length > 100).length * 2 > layout.headers.length) return false
    if (current.ended) return true
    const body = rows.slice(bottom + 1, bottom + 1 + 30)
    const numeric = numericColumns(body)
    if (!layout.columns.some((c) => numeric.has(c))) return false
    const titled = layout.titleRow !== undefined && layout.titleRow > current.lastHeader
    const same =
      layout.headers.join('\u0000') === current.layout.headers.join('\u0000') &&
      layout.columns.join(',') === current.layout.columns.join(',')
    return titled || !same
  }
}

/** Every table of a sheet or CSV, in order, each ending before the next one starts. */
export async function findTables(source: RowSource, options: FindOptions = {}): Promise<TableLayout[]> {
  const finder = new TableFinder(options)
  for await (const batch of source()) for (const row of batch) finder.push(row)
  finder.finish()
  return finder.tables
}

/** Rows a CSV's tables are found in when the rest of its rows are checked as they are read (findFirstTables). */
export const FIRST_ROWS = 1000

/** The rows of a CSV hold other tables than its first rows showed: it must be read again with findTables. */
export class LayoutChanged extends DataWarpError {}

/**
 * An error reading a CSV with the tables of its first rows can give when the rest holds another layout: a
 * LayoutChanged, or a row that does not fit the table (a wider table further down), located at a line.
 */
export function mayMeanAnotherLayout(error: unknown): error is DataWarpError {
  return error instanceof LayoutChanged || (error instanceof DataWarpError && error.where.line !== undefined)
}

/**
 * The tables of a source as its first rows show them, without reading the rest: what findTables gives, when the
 * rows end within `firstRows` (then `complete`), or else the tables settled by then. Rows further down may still
 * start another table or end one; read such a source through checkedLayout, which says so.
 */
export async function findFirstTables(
  source: RowSource,
  options: FindOptions = {},
  firstRows = FIRST_ROWS,
): Promise<{ layouts: TableLayout[]; complete: boolean }> {
  const finder = new TableFinder(options)
  let rows = 0
  for await (const batch of source()) {
    for (const row of batch) finder.push(row)
    rows += batch.length
    const settled = rows >= firstRows ? finder.settled() : undefined
    if (settled) return { layouts: settled, complete: false }
  }
  finder.finish()
  return { layouts: finder.tables, complete: true }
}

/**
 * The rows of `source`, looked over for tables as they pass: after the last row, when the tables in all of them
 * are not `expected` (found by findFirstTables), a LayoutChanged error names the file.
 */
export function checkedLayout(
  source: RowSource,
  options: FindOptions,
  expected: readonly TableLayout[],
  file: string,
): RowSource {
  const want = JSON.stringify(expected)
  return async function* () {
    const finder = new TableFinder(options)
    for await (const batch of source()) {
      for (const row of batch) finder.push(row)
      yield batch
    }
    finder.finish()
    if (JSON.stringify(finder.tables) !== want) {
      throw new LayoutChanged(
        `${file}: rows below the first ${FIRST_ROWS} start or end a table, so its tables are found again from all its rows`,
        { file },
      )
    }
  }
}
