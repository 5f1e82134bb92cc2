import type { FieldType } from '../model/manifest.js'
import type { CellValue } from '../model/table.js'

/**
 * How cell values are read: one set of rules for type inference (profile) and for loading (toSqlText), so
 * what the draft promised is what the load writes.
 */

/**
 * Suppression and placeholder markers: NULL in numeric and date fields, text elsewhere. Besides the
 * statistical markers: "not applicable" spellings, and Excel's error values, which a workbook's cached formula
 * results carry (an average over no rows is #DIV/0!).
 */
export const MISSING_MARKERS = [
  '*',
  'c',
  ':',
  '..',
  '-',
  'x',
  'z',
  '[c]',
  '[x]',
  '[z]',
  'N/A',
  'n/a',
  'NA',
  '#N/A',
  '#DIV/0!',
  '#VALUE!',
  '#REF!',
  '#NAME?',
  '#NUM!',
  '#NULL!',
  '#SPILL!',
  '#CALC!',
] as const

/** The markers a publication's values are read with: the defaults and its manifest's `missingValues`. */
export class MissingValues {
  private readonly markers: ReadonlySet<string>
  /** Longer text is never a marker: most cells are answered without hashing them. */
  private readonly longest: number

  /**
   * Some marker reads as a number ("-1", "9999"): then numbers are checked against the markers too, before
   * they are read as numbers. The built-in markers never do, so the common cells pay nothing for it.
   */
  readonly numeric: boolean

  constructor(extra: Iterable<string> = []) {
    this.markers = new Set([...MISSING_MARKERS, ...[...extra].map((m) => m.trim()).filter((m) => m !== '')])
    this.longest = Math.max(...[...this.markers].map((m) => m.length))
    this.numeric = [...this.markers].some((m) => /^[+-]?\.?\d/.test(m))
  }

  /** Whether trimmed text is a marker. */
  has(text: string): boolean {
    return text.length <= this.longest && this.markers.has(text)
  }

  /** The markers of every source of the manifest: one set, so the profile and the load read cells alike. */
  static of(manifest: { sources: readonly { schema: { missingValues?: readonly string[] } }[] } | undefined) {
    return new MissingValues(manifest?.sources.flatMap((s) => s.schema.missingValues ?? []) ?? [])
  }
}

export const DEFAULT_MISSING_VALUES = new MissingValues()

export type ValueKind = 'empty' | 'marker' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime' | 'string'

const INTEGER_GROUPED = /^[+-]?[1-9]\d{0,2}(?:,\d{3})+$/
const NUMBER = /^[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?$/
const NUMBER_GROUPED = /^[+-]?[1-9]\d{0,2}(?:,\d{3})+\.\d+$/
const DAY_MON_YEAR = /^(\d{1,2})[-\s]?([A-Za-z]{3})[-\s]?(\d{4})$/
const MON_YEAR = /^([A-Za-z]{3})[-\s]?(\d{4})$/
const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/
const UK_DATETIME = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?$/
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const LARGEST_BIGINT_DIGITS = 18

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0

/** A calendar date as YYYY-MM-DD; year 0 is none (PostgreSQL refuses it). */
function validDate(y: number, m: number, d: number): string | undefined {
  if (y < 1 || m < 1 || m > 12 || d < 1) return undefined
  if (d > (m === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[m - 1]!)) return undefined
  return `${pad(y, 4)}-${pad(m)}-${pad(d)}`
}

/** Two ASCII digits at `at` as a number, or -1. */
export function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48
  const b = text.charCodeAt(at + 1) - 48
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1
}

/**
 * The valid date 'YYYY-MM-DD' at the start of text as the number YYYYMMDD, or -1. Checked by character codes:
 * this runs for every date cell profiled, converted and encoded.
 */
export function isoDateAt(text: string): number {
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return -1
  const century = twoDigits(text, 0)
  const yy = twoDigits(text, 2)
  const month = twoDigits(text, 5)
  const day = twoDigits(text, 8)
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1) return -1
  const year = century * 100 + yy
  if (year === 0) return -1 // PostgreSQL has no year 0
  if (day > (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!)) return -1
  return year * 10000 + month * 100 + day
}

/** A valid date written YYYY-MM-DD. */
export function isIsoDate(text: string): boolean {
  return text.length === 10 && isoDateAt(text) >= 0
}

/**
 * The date 'd/m/yyyy' (day and month of one or two digits) that is all of text, as the number YYYYMMDD; -1 when
 * text is not of that shape or not a valid date. By character codes: dates written this way fill whole columns
 * of some publications, and each is classified when profiled and again when loaded.
 */
function ukDate(text: string): number {
  const n = text.length
  if (n < 8 || n > 10) return -1
  const daySlash = text.charCodeAt(1) === 47 ? 1 : text.charCodeAt(2) === 47 ? 2 : -1
  if (daySlash < 0) return -1
  const monthSlash = n - 5
  if (text.charCodeAt(monthSlash) !== 47 || monthSlash - daySlash < 2 || monthSlash - daySlash > 3) return -1
  const day = digitsValue(text, 0, daySlash)
  const month = digitsValue(text, daySlash + 1, monthSlash)
  const year = digitsValue(text, monthSlash + 1, n)
  if (day < 1 || month < 1 || month > 12 || year < 1) return -1
  if (day > (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!)) return -1
  return year * 10000 + month * 100 + day
}

/** The decimal value of text[start, end) when it is all ASCII digits, else -1. */
function digitsValue(text: string, start: number, end: number): number {
  let value = 0
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48
    if (d < 0 || d > 9) return -1
    value = value * 10 + d
  }
  return value
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'))

/** YYYYMMDD (year 1..9999) as 'YYYY-MM-DD'. */
function isoFromNumber(ymd: number): string {
  const year = Math.floor(ymd / 10000)
  return `${TWO_DIGITS[Math.floor(year / 100)]}${TWO_DIGITS[year % 100]}-${TWO_DIGITS[Math.floor(ymd / 100) % 100]}-${TWO_DIGITS[ymd % 100]}`
}

/** A text date as YYYY-MM-DD: ISO, dd/mm/yyyy (UK order), 01AUG2020, 01-Aug-2020, MAR2019 (first of month). */
export function parseTextDate(text: string): string | undefined {
  if (isIsoDate(text)) return text
  const uk = ukDate(text)
  if (uk >= 0) return isoFromNumber(uk)
  let m = DAY_MON_YEAR.exec(text)
  if (m) {
    const month = MONTHS.indexOf(m[2]!.toLowerCase()) + 1
    return month ? validDate(Number(m[3]), month, Number(m[1])) : undefined
  }
  m = MON_YEAR.exec(text)
  if (m) {
    const month = MONTHS.indexOf(m[1]!.toLowerCase()) + 1
    return month ? validDate(Number(m[2]), month, 1) : undefined
  }
  return undefined
}

/** A text date-time as 'YYYY-MM-DD HH:MM:SS[.fff][+zz]' for PostgreSQL, or undefined. */
export function parseTextDateTime(text: string): string | undefined {
  let m = ISO_DATETIME.exec(text)
  if (m) {
    const date = validDate(Number(m[1]), Number(m[2]), Number(m[3]))
    if (!date || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return undefined
    return `${date} ${m[4]}:${m[5]}:${m[6] ?? '00'}${m[7] ?? ''}${m[8] ?? ''}`
  }
  m = UK_DATETIME.exec(text)
  if (m) {
    const date = validDate(Number(m[3]), Number(m[2]), Number(m[1]))
    if (!date || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return undefined
    return `${date} ${pad(Number(m[4]))}:${m[5]}:${m[6] ?? '00'}`
  }
  return undefined
}

function isMidnight(d: Date): boolean {
  return (
    d.getUTCHours() === 0 &&
    d.getUTCMinutes() === 0 &&
    d.getUTCSeconds() === 0 &&
    d.getUTCMilliseconds() === 0
  )
}

function dateText(d: Date): string {
  return d.toISOString().slice(0, 10)
}

function dateTimeText(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '')
}

/** What a single cell looks like. Text is judged trimmed; leading-zero digit strings stay text (codes). */
export function classify(value: CellValue, missing = DEFAULT_MISSING_VALUES): ValueKind {
  if (value === null) return 'empty'
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) return 'string'
      if (missing.numeric && missing.has(String(value))) return 'marker'
      return Number.isSafeInteger(value) ? 'integer' : 'number'
    case 'boolean':
      return 'boolean'
    case 'string':
      return classifyText(value.trim(), missing)
    default:
      return isMidnight(value) ? 'date' : 'datetime'
  }
}

/** Trims only when the text has whitespace at either end (most cells do not: no allocation). */
export function trimmed(text: string): string {
  const first = text.charCodeAt(0)
  const last = text.charCodeAt(text.length - 1)
  return first <= 32 || last <= 32 || first === 160 || last === 160 ? text.trim() : text
}

/** Plain digits with an optional sign, no leading zero: the common integer, checked without a regex. */
export function plainInteger(text: string): boolean {
  let i = text.charCodeAt(0) === 45 || text.charCodeAt(0) === 43 ? 1 : 0
  if (i >= text.length) return false
  if (text.charCodeAt(i) === 48) return text.length === i + 1
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

/** Digits, a point and digits, with an optional sign and no leading zero ("12.5", "-0.25"): the common decimal. */
export function plainDecimal(text: string): boolean {
  const start = text.charCodeAt(0) === 45 || text.charCodeAt(0) === 43 ? 1 : 0
  const point = digitsEnd(text, start)
  if (point === start || (point - start > 1 && text.charCodeAt(start) === 48)) return false
  if (text.charCodeAt(point) !== 46) return false
  const end = digitsEnd(text, point + 1)
  return end === text.length && end > point + 1
}

/** The index after the run of ASCII digits starting at i. Reading past the end would slow V8's code down. */
export function digitsEnd(text: string, i: number): number {
  const n = text.length
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) break
    i++
  }
  return i
}

function classifyText(raw: string, missing: MissingValues): ValueKind {
  if (raw.length === 0) return 'empty'
  const text = trimmed(raw)
  if (text === '') return 'empty'
  // Markers that read as numbers must be caught before the numbers; the built-in ones never do.
  if (missing.numeric && missing.has(text)) return 'marker'
  const first = text.charCodeAt(0)
  const numericStart = (first >= 48 && first <= 57) || first === 43 || first === 45 || first === 46
  if (numericStart) {
    if (plainInteger(text)) {
      const digits = first === 43 || first === 45 ? text.length - 1 : text.length
      return digits <= LARGEST_BIGINT_DIGITS ? 'integer' : 'number'
    }
    if (plainDecimal(text)) return 'number'
    if (INTEGER_GROUPED.test(text))
      return text.replace(/[^0-9]/g, '').length <= LARGEST_BIGINT_DIGITS ? 'integer' : 'number'
    if (NUMBER.test(text) && !/^[+-]?0\d/.test(text)) return 'number'
    if (NUMBER_GROUPED.test(text)) return 'number'
  }
  if (missing.has(text)) return 'marker'
  if (text.length === 4 || text.length === 5) {
    const lower = text.toLowerCase()
    if (lower === 'true' || lower === 'false') return 'boolean'
  }
  if (text.length >= 7 && text.length <= 11 && parseTextDate(text)) return 'date'
  if (text.length >= 15 && text.length <= 35 && (numericStart || first <= 57) && parseTextDateTime(text))
    return 'datetime'
  return 'string'
}

/** The narrowest field type that holds every kind seen. Markers do not decide a type. */
export function typeFor(kinds: ReadonlySet<ValueKind>): FieldType {
  const seen = new Set([...kinds].filter((k) => k !== 'empty' && k !== 'marker'))
  if (seen.size === 0 || seen.has('string')) return 'string'
  const only = (...allowed: ValueKind[]) => [...seen].every((k) => allowed.includes(k))
  if (only('integer')) return 'integer'
  if (only('integer', 'number')) return 'number'
  if (only('boolean')) return 'boolean'
  if (only('date')) return 'date'
  if (only('date', 'datetime')) return 'datetime'
  return 'string'
}

/** The type that holds values of both: how a canonical field widens when a period needs more. */
export function widenType(a: FieldType, b: FieldType): FieldType {
  if (a === b) return a
  const pair = new Set([a, b])
  if (pair.has('integer') && pair.has('number')) return 'number'
  if (pair.has('date') && pair.has('datetime')) return 'datetime'
  return 'string'
}

export class ValueError extends Error {}

/**
 * The text PostgreSQL's COPY gets for a cell in a field of the given type, or null for NULL.
 * Throws ValueError when the value does not fit (the draft would have widened the type, so this is a bug
 * or a manifest edited by hand).
 */
export function toSqlText(
  value: CellValue,
  type: FieldType,
  missing = DEFAULT_MISSING_VALUES,
): string | null {
  if (value === null) return null
  if (type === 'string') return stringText(value)
  const plain = typeof value === 'string' && (type === 'integer' || type === 'number') && !missing.numeric
  if (plain && plainInteger(value)) {
    if (type === 'number' || value.length <= LARGEST_BIGINT_DIGITS) return value
  }
  const kind = classify(value, missing)
  if (kind === 'empty' || kind === 'marker') return null
  switch (type) {
    case 'integer':
      if (kind === 'integer')
        return typeof value === 'number' ? String(value) : withoutGrouping(value as string)
      break
    case 'number':
      if (kind === 'integer' || kind === 'number')
        return typeof value === 'number' ? String(value) : withoutGrouping(value as string)
      break
    case 'boolean':
      if (kind === 'boolean')
        return typeof value === 'boolean' ? (value ? 't' : 'f') : String(value).trim().toLowerCase()
      break
    case 'date':
      if (kind === 'date')
        return value instanceof Date ? dateText(value) : parseTextDate(String(value).trim())!
      break
    case 'datetime':
      if (kind === 'date' || kind === 'datetime') {
        if (value instanceof Date) return dateTimeText(value)
        const text = String(value).trim()
        return kind === 'date' ? `${parseTextDate(text)} 00:00:00` : parseTextDateTime(text)!
      }
      break
  }
  throw new ValueError(`value ${JSON.stringify(stringText(value))} is not ${article(type)} ${type}`)
}

const withoutGrouping = (text: string) => {
  const t = trimmed(text)
  return t.includes(',') ? t.replace(/,/g, '') : t
}

const article = (type: string) => (/^[aeiou]/.test(type) ? 'an' : 'a')

/** A cell as text: what a string field stores and what samples show. */
export function stringText(value: CellValue): string {
  if (value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
  if (typeof value === 'number') return String(value)
  return isMidnight(value) ? dateText(value) : dateTimeText(value)
}
