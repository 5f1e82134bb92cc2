import type { FieldType } from '../model/manifest.js'
import type { CellValue } from '../model/table.js'
import { DEFAULT_MISSING_VALUES, type MissingValues, stringText, toSqlText } from './values.js'

/** Turns a cell into the text COPY gets for one field type (null for NULL). */
export type Converter = (value: CellValue) => string | null

const PLAIN_INTEGER = /^-?(?:0|[1-9]\d{0,17})$/
const PLAIN_DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Two ASCII digits at `at` as a number, or -1. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48
  const b = text.charCodeAt(at + 1) - 48
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1
}

/** A valid YYYY-MM-DD date (checked by character codes: this runs once per date cell loaded). */
function isIsoDate(text: string): boolean {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false
  const century = twoDigits(text, 0)
  const yy = twoDigits(text, 2)
  const month = twoDigits(text, 5)
  const day = twoDigits(text, 8)
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1) return false
  if (day > DAYS_IN_MONTH[month - 1]!) return false
  const year = century * 100 + yy
  return !(month === 2 && day === 29 && !((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0))
}

/**
 * The converter for a field type: a fast path for the shapes most cells have (plain digits, ISO dates, text),
 * and toSqlText — the one set of rules — for everything else, so both give the same result.
 */
export function converterFor(type: FieldType, missing: MissingValues = DEFAULT_MISSING_VALUES): Converter {
  switch (type) {
    case 'string':
      return (v) => (v === null ? null : typeof v === 'string' ? v : stringText(v))
    case 'integer':
      return (v) => (typeof v === 'string' && PLAIN_INTEGER.test(v) ? v : toSqlText(v, 'integer', missing))
    case 'number':
      return (v) =>
        typeof v === 'string' && PLAIN_DECIMAL.test(v)
          ? v
          : typeof v === 'number' && Number.isFinite(v)
            ? String(v)
            : toSqlText(v, 'number', missing)
    case 'date':
      return (v) => (typeof v === 'string' && isIsoDate(v) ? v : toSqlText(v, 'date', missing))
    default:
      return (v) => toSqlText(v, type, missing)
  }
}
