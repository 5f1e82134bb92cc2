import type { FieldType } from '../model/manifest.js'
import type { CellValue } from '../model/table.js'
import {
  DEFAULT_MISSING_VALUES,
  isIsoDate,
  type MissingValues,
  stringText,
  toSqlText,
  trimmed,
  ValueError,
} from './values.js'

/**
 * PostgreSQL text cannot hold U+0000: a cell with one is refused here, with its place, rather than by the
 * database as 'invalid byte sequence for encoding "UTF8": 0x00' with none. (Other bytes are kept as read.)
 */
function withoutNul(text: string): string {
  if (text.indexOf('\u0000') >= 0)
    throw new ValueError(
      'a NUL character (byte 0x00), which PostgreSQL text cannot hold: the file is probably damaged or not text',
    )
  return text
}

/** Turns a cell into the text COPY gets for one field type (null for NULL). */
export type Converter = (value: CellValue) => string | null

/**
 * Where the digits after an optional minus end, with no leading zero (but "0" itself); -1 when the
 * text does not start that way. What /^-?(?:0|[1-9]\d*)/ matches, read by character codes.
 */
function plainDigitsEnd(v: string): number {
  const start = v.charCodeAt(0) === 45 ? 1 : 0
  const first = v.charCodeAt(start)
  if (first === 48) return start + 1
  if (!(first >= 49 && first <= 57)) return -1
  let i = start + 1
  while (i < v.length && isDigit(v.charCodeAt(i))) i++
  return i
}

const isDigit = (c: number) => c >= 48 && c <= 57

/** /^-?(?:0|[1-9]\d{0,17})$/: an integer PostgreSQL's bigint holds whatever its digits. */
function isPlainInteger(v: string): boolean {
  const end = plainDigitsEnd(v)
  return end === v.length && end - (v.charCodeAt(0) === 45 ? 1 : 0) <= 18
}

/** /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/: digits, then maybe a point and digits. */
function isPlainDecimal(v: string): boolean {
  let i = plainDigitsEnd(v)
  if (i === v.length) return true
  if (i < 0 || v.charCodeAt(i) !== 46) return false
  const fraction = ++i
  while (i < v.length && isDigit(v.charCodeAt(i))) i++
  return i === v.length && i > fraction
}
/**
 * The converter for a field type: a fast path for the shapes most cells have (plain digits, ISO dates, text),
 * and toSqlText — the one set of rules — for everything else, so both give the same result.
 */
export function converterFor(type: FieldType, missing: MissingValues = DEFAULT_MISSING_VALUES): Converter {
  const convert = fastConverter(type, missing)
  if (type === 'string' || !missing.numeric) return convert
  // A marker that reads as a number ("-1") is NULL before any fast path can take it for a value.
  return (v) =>
    (typeof v === 'string' && missing.has(trimmed(v))) || (typeof v === 'number' && missing.has(String(v)))
      ? null
      : convert(v)
}

function fastConverter(type: FieldType, missing: MissingValues): Converter {
  switch (type) {
    case 'string':
      return (v) => (v === null ? null : typeof v === 'string' ? withoutNul(v) : stringText(v))
    case 'integer':
      return (v) => (typeof v === 'string' && isPlainInteger(v) ? v : toSqlText(v, 'integer', missing))
    case 'number':
      return (v) =>
        typeof v === 'string' && isPlainDecimal(v)
          ? v
          : typeof v === 'number' && Number.isFinite(v)
            ? String(v)
            : toSqlText(v, 'number', missing)
    case 'date': {
      // A date column mostly repeats the date of the row before (a period's start and end): remembered.
      let lastText: string | undefined
      let lastDate: string | null = null
      return (v) => {
        if (typeof v !== 'string') return toSqlText(v, 'date', missing)
        if (v === lastText) return lastDate
        const date = isIsoDate(v) ? v : toSqlText(v, 'date', missing)
        lastText = v
        lastDate = date
        return date
      }
    }
    default:
      return (v) => toSqlText(v, type, missing)
  }
}
