import type { CellValue } from '../model/table.js'

/** Where a table sits in a grid of rows: its header row(s), its columns and their labels. */
export interface TableLayout {
  /** 1-based positions of the header rows (a group row above the header row comes first). */
  readonly headerRows: readonly number[]
  /** 0-based first and last column of the table. */
  readonly firstColumn: number
  readonly lastColumn: number
  readonly headers: readonly string[]
}

export interface SampleRow {
  readonly position: number
  readonly cells: readonly CellValue[]
}

const isEmpty = (v: CellValue | undefined) =>
  v === null || v === undefined || (typeof v === 'string' && v.trim() === '')
const looksNumeric = (v: CellValue | undefined) =>
  typeof v === 'number' || (typeof v === 'string' && /^[+-]?[\d,]*\.?\d+%?$/.test(v.trim()))
const filled = (cells: readonly CellValue[]) => cells.filter((c) => !isEmpty(c)).length
const lastFilled = (cells: readonly CellValue[]) => {
  let i = cells.length - 1
  while (i >= 0 && isEmpty(cells[i])) i--
  return i
}

function mostCommonWidth(rows: readonly SampleRow[]): number {
  const counts = new Map<number, number>()
  for (const row of rows) {
    const n = filled(row.cells)
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

/** A header row: wide enough for the table below it, and mostly labels rather than numbers. */
function isHeaderCandidate(row: SampleRow, width: number): boolean {
  const values = row.cells.filter((c) => !isEmpty(c))
  if (values.length < Math.max(2, Math.ceil(width * 0.5))) return false
  const labels = values.filter((c) => !looksNumeric(c) && typeof c !== 'boolean')
  return labels.length >= values.length * 0.5
}

/** Header labels as text. Dates become YYYY-MM when every date in the row is a different month. */
function labels(cells: readonly CellValue[]): string[] {
  const dates = cells.filter((c): c is Date => c instanceof Date)
  const months = new Set(dates.map((d) => d.toISOString().slice(0, 7)))
  const monthly = months.size === dates.length
  return cells.map((c) => {
    if (c === null || c === undefined) return ''
    if (c instanceof Date) return monthly ? c.toISOString().slice(0, 7) : c.toISOString().slice(0, 10)
    return String(c).replace(/\s+/g, ' ').trim()
  })
}

/** A group row above the header labels spans of columns; each label carries on to the next one. */
function groupLabels(cells: readonly CellValue[], first: number, last: number): string[] {
  const out: string[] = []
  let current = ''
  const texts = labels(cells)
  for (let i = first; i <= last; i++) {
    const text = texts[i] ?? ''
    if (text !== '') current = text
    out.push(current)
  }
  return out
}

/**
 * Finds the table in the first rows of a sheet or CSV: skips title rows, key-value blocks and stray helper
 * numbers above it; takes the first row that is wide enough and mostly labels as the header.
 */
export function locateTable(sample: readonly SampleRow[]): TableLayout | undefined {
  const width = mostCommonWidth(sample)
  if (width < 1) return undefined
  // A header spans the rows below it: a key-value block or a group row above the header ends short of most
  // of them. (Most, not all: one ragged row must still be reported as an error with its line, not hide the table.)
  const headerIndex = sample.findIndex((row, i) => {
    if (!isHeaderCandidate(row, width)) return false
    const below = sample.slice(i + 1, i + 21)
    const within = below.filter((b) => lastFilled(b.cells) <= lastFilled(row.cells)).length
    return within * 2 >= below.length
  })
  if (headerIndex < 0) return undefined
  const header = sample[headerIndex]!
  let first = header.cells.findIndex((c) => !isEmpty(c))
  let last = header.cells.length - 1
  while (last > first && isEmpty(header.cells[last])) last--
  for (const row of sample.slice(headerIndex + 1, headerIndex + 21)) {
    const leftmost = row.cells.findIndex((c) => !isEmpty(c))
    if (leftmost >= 0 && leftmost < first) first = leftmost
  }
  const headerTexts = labels(header.cells).slice(first, last + 1)
  while (headerTexts.length < last - first + 1) headerTexts.push('')

  const above = sample[headerIndex - 1]
  const groupRow =
    above &&
    above.position === header.position - 1 &&
    filled(above.cells.slice(first, last + 1)) >= 2 &&
    filled(above.cells.slice(first, last + 1)) < filled(header.cells.slice(first, last + 1)) &&
    above.cells.slice(first, last + 1).every((c) => isEmpty(c) || !looksNumeric(c))
      ? above
      : undefined
  if (!groupRow) {
    return { headerRows: [header.position], firstColumn: first, lastColumn: last, headers: headerTexts }
  }
  const groups = groupLabels(groupRow.cells, first, last)
  const headers = headerTexts.map((text, i) => {
    const group = groups[i] ?? ''
    if (group === '' || group === text) return text
    return text === '' ? group : `${group} > ${text}`
  })
  return { headerRows: [groupRow.position, header.position], firstColumn: first, lastColumn: last, headers }
}

export { filled, isEmpty }
