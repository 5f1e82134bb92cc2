import type { FieldType } from '../model/manifest.js'
import type { CellValue } from '../model/table.js'
import {
  DEFAULT_MISSING_VALUES,
  isIsoDate,
  type MissingValues,
  plainDecimal,
  plainInteger,
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

/** /^-?(?:0|[1-9]\d{0,17})$/: an integer PostgreSQL's bigint holds whatever its digits (a plus is left to toSqlText). */
function isPlainInteger(v: string): boolean {
  const first = v.charCodeAt(0)
  return first !== 43 && plainInteger(v) && v.length - (first === 45 ? 1 : 0) <= 18
}

/** /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/: digits, then maybe a point and digits. */
function isPlainDecimal(v: string): boolean {
  return v.charCodeAt(0) !== 43 && (plainInteger(v) || plainDecimal(v))
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
