/** What a cell looks like to the table finder: empty, a number, a label, a placeholder, a paragraph of notes. */
import type { CellValue } from '../model/table.js'

/** A cell that holds nothing: null, or text of spaces only. Cheap for the usual non-blank text. */
export function isEmpty(v: CellValue | undefined): v is null | undefined {
  if (v === null || v === undefined) return true
  if (typeof v !== 'string') return false
  if (v.length === 0) return true
  const first = v.charCodeAt(0)
  return (first <= 32 || first === 160) && v.trim() === ''
}

/** Cells that are not empty. */
export function filled(cells: readonly CellValue[]): number {
  let n = 0
  for (const c of cells) if (!isEmpty(c)) n++
  return n
}

const NUMBER_TEXT = /^[+-]?(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?%?$/

/** A number, or text that reads as one ("1,234", "12.5%", "-3"). */
export function isNumberLike(v: CellValue | undefined): boolean {
  if (typeof v === 'number') return true
  if (typeof v !== 'string') return false
  const t = v.trim()
  return /\d/.test(t) && NUMBER_TEXT.test(t)
}

/**
 * Suppression and placeholder markers, which stand for a missing number: they are neither labels nor data
 * types to the table finder. (The manifest stage reads the same markers as NULL in numeric columns.)
 */
const PLACEHOLDERS = new Set(['*', 'c', ':', '..', '-', '–', 'x', 'z', '[c]', '[x]', '[z]', 'n/a', 'na', '~'])

export function isPlaceholder(v: CellValue | undefined): boolean {
  return typeof v === 'string' && PLACEHOLDERS.has(v.trim().toLowerCase())
}

/** A whole number that reads as a year (1900–2100): header rows of years are labels, not data. */
export function isYear(v: CellValue | undefined): boolean {
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d{4}\s*$/.test(v) ? Number(v) : Number.NaN
  return Number.isInteger(n) && n >= 1900 && n <= 2100
}

const NOTE_START = /^\s*(?:notes?|footnotes?|sources?)\s*:/i
/** "Table 3: …", "Figure 2 - …": the title of a table, however long. */
export const TITLE_TEXT = /^\s*(?:table|figure|chart)\s+[\w.]+\s*(?:[:.\-–—]|$)/i

/**
 * A paragraph of notes rather than a label: it starts "Note:"/"Notes:"/"Source:", or with "*" and runs on,
 * or it is long (over 200 characters), or it runs over three or more lines. Real labels top out around 160
 * characters ("Declared as not meeting the criteria to reside at morning board round and then …").
 */
export function isProse(v: CellValue | undefined): boolean {
  if (typeof v !== 'string') return false
  const t = v.trim()
  if (t.length === 0 || TITLE_TEXT.test(t)) return false
  if (NOTE_START.test(t)) return true
  if (/^\*+\s/.test(t) && t.length > 60) return true
  if (t.length > 200) return true
  return t.length > 100 && (t.match(/\n/g)?.length ?? 0) >= 2
}

/** A header label: text that is not a number, a placeholder or a paragraph; or a date (a period heading). */
export function isLabel(v: CellValue | undefined): boolean {
  if (v instanceof Date) return true
  if (typeof v !== 'string') return false
  if (isEmpty(v) || isNumberLike(v) || isPlaceholder(v) || isProse(v)) return false
  return true
}

/** Label text: line breaks and runs of spaces become one space. */
export function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/** A cell as one line of text: '' when empty, a date as YYYY-MM-DD, spacing normalised. */
export function cellLine(v: CellValue | undefined): string {
  if (v === null || v === undefined) return ''
  if (v instanceof Date) return v.toISOString().slice(0, 10)
  const text = String(v)
  // Most cells are printable ASCII with no space: already a line, with no regex and no new string.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c <= 32 || c >= 127) return normalise(text)
  }
  return text
}

/**
 * A first cell that says the table is over: a source line, notes, a contents link, a copyright line.
 * ("Sources of data" is not one: the word must end there, or be followed by a colon.)
 */
const END_OF_TABLE =
  /^\s*(?:(?:sources?|notes?|footnotes?|return to (?:contents|top|index|menu)|back to (?:contents|top)|contents|copyright|end of (?:table|sheet|worksheet))(?:\s*:|\s*$|\s+(?![a-z]))|copyright\b|©)/i

/** The ASCII letters END_OF_TABLE can start with (lower-cased): a value starting with another ASCII character is let go at once. */
const END_OF_TABLE_START = new Set([...'sfnrbce'].map((c) => c.charCodeAt(0)))

/** A text that ends a table when it is the first value of a row. */
export function isEndOfTableText(v: CellValue | undefined): boolean {
  if (typeof v !== 'string') return false
  const first = v.charCodeAt(0)
  if (first > 32 && first < 128 && !END_OF_TABLE_START.has(first | 32)) return false
  return END_OF_TABLE.test(v)
}

/**
 * A row that ends the table: its first value is an end-of-table text and the row is otherwise empty, or it
 * is a "Notes:"/"Source:" label followed by text only (a note written across two columns).
 */
export function isEndRow(cells: readonly CellValue[], first: number, last: number): boolean {
  // Most rows are data: settle on their first value before looking at the rest.
  let start = first
  while (start <= last && start < cells.length && isEmpty(cells[start])) start++
  if (start > last || start >= cells.length || !isEndOfTableText(cells[start])) return false
  let firstValue: CellValue | undefined
  let count = 0
  let allText = true
  for (let i = first; i <= last && i < cells.length; i++) {
    const v = cells[i]
    if (isEmpty(v)) continue
    if (count === 0) firstValue = v
    count++
    if (typeof v !== 'string' || isNumberLike(v)) allText = false
  }
  if (count === 0 || !isEndOfTableText(firstValue)) return false
  if (count === 1) return true
  return allText && /:\s*$/.test(firstValue as string)
}

/** Column 0 → "A" (sheets). */
export function columnLetters(index: number): string {
  let name = ''
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name
  return name
}

/** Where a column is: its letter on a sheet, its 1-based field number in a CSV. */
export function columnRef(index: number, unit: 'row' | 'line'): string {
  return unit === 'line' ? String(index + 1) : columnLetters(index)
}
