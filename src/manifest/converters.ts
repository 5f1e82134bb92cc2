import type { FieldType } from '../model/manifest.js'
import type { CellValue } from '../model/table.js'
import { stringText, toSqlText } from './values.js'

/** Turns a cell into the text COPY gets for one field type (null for NULL). */
export type Converter = (value: CellValue) => string | null

const PLAIN_INTEGER = /^-?(?:0|[1-9]\d{0,17})$/
const PLAIN_DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/
const ISO_DATE = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

function isIsoDate(text: string): boolean {
  const m = ISO_DATE.exec(text)
  if (!m) return false
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  if (day > DAYS_IN_MONTH[month - 1]!) return false
  return !(month === 2 && day === 29 && !((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0))
}

/**
 * The converter for a field type: a fast path for the shapes most cells have (plain digits, ISO dates, text),
 * and toSqlText — the one set of rules — for everything else, so both give the same result.
 */
export function converterFor(type: FieldType): Converter {
  switch (type) {
    case 'string':
      return (v) => (v === null ? null : typeof v === 'string' ? v : stringText(v))
    case 'integer':
      return (v) => (typeof v === 'string' && PLAIN_INTEGER.test(v) ? v : toSqlText(v, 'integer'))
    case 'number':
      return (v) =>
        typeof v === 'string' && PLAIN_DECIMAL.test(v)
          ? v
          : typeof v === 'number' && Number.isFinite(v)
            ? String(v)
            : toSqlText(v, 'number')
    case 'date':
      return (v) => (typeof v === 'string' && v.length === 10 && isIsoDate(v) ? v : toSqlText(v, 'date'))
    default:
      return (v) => toSqlText(v, type)
  }
}
