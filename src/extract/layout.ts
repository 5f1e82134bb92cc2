/**
 * Finding a table in the first rows of a sheet or CSV: the header row(s) below title rows, notes and helper
 * numbers; the table's columns; one label per column from every header row and merged cell above it.
 */
import type { CellValue } from '../model/table.js'
import {
  filled,
  isEmpty,
  isEndOfTableText,
  isEndRow,
  isLabel,
  isNumberLike,
  isPlaceholder,
  isProse,
  isYear,
  normalise,
  TITLE_TEXT,
} from './cells.js'
import type { MergedRange } from './spreadsheet/workbook.js'

export { filled, isEmpty }

export interface SampleRow {
  readonly position: number
  readonly cells: readonly CellValue[]
}

/** Where a table sits in a grid of rows: its header row(s), its columns and their labels. */
export interface TableLayout {
  /** 1-based positions of the header rows, top first. */
  readonly headerRows: readonly number[]
  /** 0-based columns of the sheet (or fields of the CSV) the table is made of, in order. */
  readonly columns: readonly number[]
  /** The first and last of `columns`. */
  readonly firstColumn: number
  readonly lastColumn: number
  /** One label per column: the header rows joined top to bottom with " > ". */
  readonly headers: readonly string[]
  /** Per column, the header cells as written, one per header row ("" where a row has none over it). */
  readonly headerCells: readonly (readonly string[])[]
  /** Per column, whether a header row has a label of its own over it (not only a group passing over). */
  readonly labelled?: readonly boolean[]
  readonly title?: string
  /** Paragraphs of notes inside or just above the header. */
  readonly notes: readonly string[]
  /** The row of the title, when one was found above the header. */
  readonly titleRow?: number
  /** What tells this table from the others on its sheet: its title, or the labels of its section. */
  readonly part?: string
  /** The table ends before this row: the first row of the next table on the sheet. */
  readonly endBefore?: number
}

export interface LocateOptions {
  /** Merged ranges of the sheet (1-based, inclusive); a merged cell's value counts over every cell it covers. */
  readonly merges?: readonly MergedRange[]
  /**
   * Columns right of the header that hold values in most rows join the table (a sheet's unlabelled column).
   * Off for CSV, where a record longer than its header line is malformed.
   */
  readonly extendRight?: boolean
}

/** Rows below a header read to check it, to find its columns and which of them hold numbers. */
const BODY_ROWS = 30
/** Rows below a header that must fit in its columns (at least half of them). */
const CHECK_ROWS = 20

const LINK_TEXT = /^\s*(?:return to|back to|go to|contents|index|home|top|_+|-+)\b/i

/** One sample row with its merged cells filled in, and what it holds. */
class GridRow {
  /** Columns with a value of their own (not from a merge), ascending. */
  readonly own: number[] = []
  readonly filledCells: CellValue[]
  /** Columns where a merged range starts (its left edge, on its top row or any row it covers). */
  readonly mergeStarts = new Set<number>()

  constructor(
    readonly index: number,
    readonly position: number,
    readonly cells: readonly CellValue[],
  ) {
    for (let c = 0; c < cells.length; c++) if (!isEmpty(cells[c])) this.own.push(c)
    this.filledCells = [...cells]
  }

  get first(): number {
    return this.own[0] ?? -1
  }

  get last(): number {
    return this.own[this.own.length - 1] ?? -1
  }

  /** Own values that are not paragraphs of notes. */
  get values(): number[] {
    return this.own.filter((c) => !isProse(this.cells[c]))
  }
}

class Grid {
  readonly rows: GridRow[]

  constructor(sample: readonly SampleRow[], merges: readonly MergedRange[]) {
    this.rows = sample.map((r, i) => new GridRow(i, r.position, r.cells))
    if (merges.length === 0 || this.rows.length === 0) return
    const byPosition = new Map(this.rows.map((r) => [r.position, r]))
    const lastPosition = this.rows[this.rows.length - 1]!.position
    const widest = Math.max(...this.rows.map((r) => r.cells.length))
    for (const m of merges) {
      if (m.bottom < this.rows[0]!.position || m.top > lastPosition) continue
      const origin = byPosition.get(m.top)?.cells[m.left - 1]
      const right = Math.min(m.right, widest)
      for (let p = m.top; p <= m.bottom; p++) {
        const row = byPosition.get(p)
        if (!row) continue
        row.mergeStarts.add(m.left - 1)
        for (let c = m.left - 1; c < right; c++) {
          if (origin !== undefined && !isEmpty(origin) && isEmpty(row.filledCells[c])) {
            while (row.filledCells.length < c) row.filledCells.push(null)
            row.filledCells[c] = origin
          }
        }
      }
    }
  }

  /** The next row is the one right below (no blank row between). */
  adjacent(a: GridRow, b: GridRow): boolean {
    return b.position === a.position + 1
  }
}

function mostCommonWidth(rows: readonly GridRow[]): number {
  const counts = new Map<number, number>()
  for (const row of rows) {
    const n = row.values.length
    if (n >= 2) counts.set(n, (counts.get(n) ?? 0) + 1)
  }
  let best = 0
  let bestCount = 0
  for (const [width, count] of counts) {
    if (count > bestCount || (count === bestCount && width > best)) {
      best = width
      bestCount = count
    }
  }
  return best
}

/** A value that can be part of a header: a label, or a year when every number of the row is a year. */
function labelCount(row: GridRow, columns: readonly number[]): number {
  const numbers = columns.filter((c) => isNumberLike(row.cells[c]))
  const years = numbers.length > 0 && numbers.every((c) => isYear(row.cells[c]))
  return columns.filter((c) => isLabel(row.cells[c]) || (years && isYear(row.cells[c]))).length
}

/** "Period:", "Title:" — the key of a metadata line, not a header. */
const isKey = (v: CellValue | undefined) => typeof v === 'string' && /:\s*$/.test(v)

/** A header row: wide enough for the table below it, mostly labels, not a metadata line or a notes line. */
function isHeaderCandidate(row: GridRow, width: number): boolean {
  const values = row.values
  if (values.length < Math.max(2, Math.ceil(width * 0.5))) return false
  const first = row.cells[values[0]!]
  if (isEndOfTableText(first) || (isKey(first) && values.length <= 2)) return false
  return labelCount(row, values) >= values.length * 0.5
}

/** Columns that mostly hold numbers (or dates) in the given rows: placeholders count for neither side. */
export function numericColumns(
  rows: readonly { own?: number[]; cells: readonly CellValue[] }[],
): Set<number> {
  const numeric = new Map<number, number>()
  const text = new Map<number, number>()
  for (const row of rows) {
    for (let c = 0; c < row.cells.length; c++) {
      const v = row.cells[c]
      if (isEmpty(v) || isPlaceholder(v)) continue
      const to = typeof v === 'number' || v instanceof Date || isNumberLike(v) ? numeric : text
      to.set(c, (to.get(c) ?? 0) + 1)
    }
  }
  const out = new Set<number>()
  for (const [c, n] of numeric) if (n > (text.get(c) ?? 0)) out.add(c)
  return out
}

/** The rows after a header that can be its data: up to BODY_ROWS, stopping at an end row (notes, source). */
function bodyAfter(grid: Grid, index: number): GridRow[] {
  const out: GridRow[] = []
  for (let i = index + 1; i < grid.rows.length && out.length < BODY_ROWS; i++) {
    const row = grid.rows[i]!
    if (isEndRow(row.cells, 0, row.cells.length - 1)) break
    out.push(row)
  }
  return out
}

/** A row right below the header that labels the columns further (units, "Total"/"%"): text over numbers. */
function isSubHeader(grid: Grid, row: GridRow): boolean {
  const values = row.values
  if (values.length === 0 || values.some((c) => !isLabel(row.cells[c]))) return false
  if (isEndRow(row.cells, 0, row.cells.length - 1)) return false
  const numeric = numericColumns(bodyAfter(grid, row.index))
  return values.some((c) => numeric.has(c))
}

/** A title line: "Table 3: …", or a single label at the table's first column. */
function isTitleRow(row: GridRow, first: number): boolean {
  const values = row.values
  if (values.length === 0) return false
  const text = row.cells[values[0]!]
  if (typeof text === 'string' && TITLE_TEXT.test(text)) return true
  return values.length === 1 && values[0]! <= first
}

/** A row right above the header that groups its columns ("2024-25" over "April", "May", …). */
function isGroupRow(row: GridRow, first: number, last: number): boolean {
  const values = row.values
  if (values.length === 0) return false
  if (values.some((c) => c < first || c > last)) return false
  if (values.some((c) => !isLabel(row.cells[c]) || isKey(row.cells[c]))) return false
  return !isTitleRow(row, first)
}

interface Block {
  top: number
  bottom: number
}

/** Leftmost and rightmost columns holding a label (merged cells filled in) in the header rows. */
function labelExtent(grid: Grid, block: Block): { first: number; last: number } {
  let first = Number.POSITIVE_INFINITY
  let last = -1
  for (let i = block.top; i <= block.bottom; i++) {
    const row = grid.rows[i]!
    row.filledCells.forEach((v, c) => {
      if (isEmpty(v) || isProse(v)) return
      if (c < first) first = c
      if (c > last) last = c
    })
  }
  return { first: Number.isFinite(first) ? first : 0, last }
}

/**
 * Finds the first table in the rows of a sheet or CSV: skips title rows, notes, key-value blocks and stray
 * helper numbers above it; takes the first row that is wide enough and mostly labels as the header, with the
 * group rows right above it and the sub-header rows right below it (labels over columns of numbers).
 */
export function locateTable(
  sample: readonly SampleRow[],
  options: LocateOptions = {},
): TableLayout | undefined {
  const grid = new Grid(sample, options.merges ?? [])
  const width = mostCommonWidth(grid.rows)
  if (width < 1) return undefined
  for (const candidate of grid.rows) {
    if (!isHeaderCandidate(candidate, width)) continue
    const block: Block = { top: candidate.index, bottom: candidate.index }
    while (block.bottom + 1 < grid.rows.length) {
      const next = grid.rows[block.bottom + 1]!
      if (!grid.adjacent(grid.rows[block.bottom]!, next) || !isSubHeader(grid, next)) break
      block.bottom++
    }
    let { first, last } = labelExtent(grid, block)
    const below = grid.rows.slice(block.bottom + 1, block.bottom + 1 + CHECK_ROWS)
    // A header spans the rows below it: a key-value block or a group row above the header ends short of most
    // of them. (Most, not all: one ragged row must still be reported as an error with its line, not hide the table.)
    const within = below.filter((b) => b.last <= last).length
    if (within * 2 < below.length) continue
    const body = bodyAfter(grid, block.bottom)
    for (const row of body.slice(0, CHECK_ROWS)) if (row.first >= 0 && row.first < first) first = row.first
    while (block.top > 0) {
      const above = grid.rows[block.top - 1]!
      if (!grid.adjacent(above, grid.rows[block.top]!) || !isGroupRow(above, first, last)) break
      block.top--
    }
    last = Math.max(last, labelExtent(grid, block).last)
    if (options.extendRight !== false) ({ last } = extendRight(body, last))
    return describe(grid, block, first, last)
  }
  return undefined
}

/**
 * Columns right of the header that hold a value in at least half of the data rows belong to the table (the
 * rows right under the header, up to the first blank row: what follows a gap may be another table).
 */
function extendRight(body: readonly GridRow[], last: number): { last: number } {
  const next = body.findIndex((r, i) => i > 0 && r.position > body[i - 1]!.position + 1)
  const data = (next < 0 ? body : body.slice(0, next)).filter((r) => r.own.length > 1)
  if (data.length === 0) return { last }
  let end = last
  while (data.filter((r) => !isEmpty(r.cells[end + 1])).length * 2 >= data.length) end++
  return { last: end }
}

/** YYYY-MM for header dates that each stand for a month; YYYY-MM-DD (and the time, when not midnight) otherwise. */
function dateFormatter(values: readonly CellValue[]): (d: Date) => string {
  const dates = [...new Map(values.filter((v): v is Date => v instanceof Date).map((d) => [d.getTime(), d]))]
  const edge = (d: Date) => {
    const day = d.getUTCDate()
    const next = new Date(d.getTime() + 86_400_000)
    return day === 1 || next.getUTCMonth() !== d.getUTCMonth()
  }
  const months = new Set(dates.map(([, d]) => d.toISOString().slice(0, 7)))
  const monthly =
    dates.length > 0 &&
    months.size === dates.length &&
    dates.every(([, d]) => edge(d) && d.getUTCHours() === 0 && d.getUTCMinutes() === 0) &&
    (dates.length > 1 || dates[0]![1].getUTCDate() === 1)
  return (d) => {
    if (monthly) return d.toISOString().slice(0, 7)
    const iso = d.toISOString()
    return iso.slice(11, 19) === '00:00:00' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`
  }
}

function cellText(v: CellValue | undefined, date: (d: Date) => string): string {
  if (isEmpty(v)) return ''
  if (v instanceof Date) return date(v)
  return String(v)
}

function describe(grid: Grid, block: Block, first: number, last: number): TableLayout {
  const headerRows = grid.rows.slice(block.top, block.bottom + 1)
  const notes: string[] = []
  const addNote = (text: string) => {
    const t = text.trim()
    if (t !== '' && !notes.includes(t)) notes.push(t)
  }
  // Per header row: the text over each column (as written, and as a label), and where labels start.
  const written: string[][] = []
  const labels: string[][] = []
  const starts: Set<number>[] = []
  for (const row of headerRows) {
    const date = dateFormatter(row.filledCells.slice(first, last + 1))
    const w: string[] = []
    const l: string[] = []
    for (let c = first; c <= last; c++) {
      const v = row.filledCells[c]
      if (isProse(v)) {
        addNote(String(v))
        w.push('')
        l.push('')
        continue
      }
      const text = cellText(v, date)
      w.push(v instanceof Date ? v.toISOString().slice(0, 10) : text)
      l.push(normalise(text))
    }
    written.push(w)
    labels.push(l)
    starts.push(new Set([...row.own.filter((c) => !isProse(row.cells[c])), ...row.mergeStarts]))
  }

  const span = last - first + 1
  const ownLabel = new Array<boolean>(span).fill(false)
  for (const row of headerRows)
    for (const c of row.own) if (c >= first && c <= last && !isProse(row.cells[c])) ownLabel[c - first] = true
  const labelled = (k: number, fromRow: number) => labels.slice(fromRow).some((l) => l[k] !== '')

  // A label in an upper header row carries on over the blank cells to its right (a group written once),
  // up to the next label of that row or of a row above it, and never over a spacer column.
  for (let r = 0; r < labels.length - 1; r++) {
    let carry = ''
    for (let k = 0; k < span; k++) {
      const c = first + k
      const boundary = starts.slice(0, r).some((s) => s.has(c)) || starts[r]!.has(c)
      if (labels[r]![k] !== '') carry = labels[r]![k]!
      else if (boundary) carry = ''
      else if (!labelled(k, r + 1)) carry = ''
      else if (carry !== '') labels[r]![k] = carry
    }
  }

  const keep = Array.from({ length: span }, (_, k) => k)
  const headers = keep.map((k) => {
    const parts: string[] = []
    for (const l of labels) {
      const part = l[k]!
      if (part === '' || part.toLowerCase() === parts[parts.length - 1]?.toLowerCase()) continue
      parts.push(part)
    }
    return parts.join(' > ')
  })

  const above = grid.rows.slice(0, block.top)
  const title = findTitle(above, notes)
  return {
    headerRows: headerRows.map((r) => r.position),
    columns: keep.map((k) => first + k),
    firstColumn: first + keep[0]!,
    lastColumn: first + keep[keep.length - 1]!,
    headers,
    headerCells: keep.map((k) => written.map((w) => w[k]!)),
    labelled: ownLabel,
    ...(title !== undefined ? { title: title.text, titleRow: title.position } : {}),
    notes,
  }
}

/**
 * The layout without its spacer columns: those with no label of their own in the header (a merged group
 * may pass over them) and no value in any row of the table.
 */
export function withoutEmptyColumns(layout: TableLayout, filled: ReadonlySet<number>): TableLayout {
  const keep = layout.columns.flatMap((c, i) => (layout.labelled?.[i] || filled.has(c) ? [i] : []))
  if (keep.length === layout.columns.length || keep.length === 0) return layout
  const columns = keep.map((i) => layout.columns[i]!)
  return {
    ...layout,
    columns,
    firstColumn: columns[0]!,
    lastColumn: columns[columns.length - 1]!,
    headers: keep.map((i) => layout.headers[i]!),
    headerCells: keep.map((i) => layout.headerCells[i]!),
    ...(layout.labelled ? { labelled: keep.map((i) => layout.labelled![i]!) } : {}),
  }
}

/**
 * The title above a table: a "Table 3: …" line, else the value of a "Title:" line, else the first line of
 * text above the header that is not a link. Lines of notes between title and header are kept as notes.
 */
function findTitle(
  above: readonly GridRow[],
  notes: string[],
): { text: string; position: number } | undefined {
  let title: { text: string; position: number } | undefined
  const texts: string[] = []
  for (const row of above) {
    const own = row.own
    if (own.length === 0) continue
    const first = row.cells[own[0]!]
    // A metadata line: "Title: …", "Source: …", "Basis: …".
    if (typeof first === 'string' && isKey(first) && own.length >= 2) {
      const value = normalise(String(row.cells[own[1]!] instanceof Date ? '' : row.cells[own[1]!]))
      if (/^\s*title\s*:\s*$/i.test(first) && value !== '') title = { text: value, position: row.position }
      else if (value !== '') texts.push(`${normalise(first)} ${value}`)
      continue
    }
    for (const c of own) if (isProse(row.cells[c])) texts.push(String(row.cells[c]).trim())
    const values = row.values
    if (values.length !== 1) continue
    const cell = row.cells[values[0]!]
    if (typeof cell !== 'string') continue
    const text = normalise(cell)
    if (LINK_TEXT.test(text) || text.length < 3) continue
    if (title === undefined) title = { text, position: row.position }
    else if (TITLE_TEXT.test(text) && !TITLE_TEXT.test(title.text)) {
      texts.push(title.text)
      title = { text, position: row.position }
    } else texts.push(text)
  }
  for (const t of texts) if (!notes.includes(t)) notes.push(t)
  return title
}
