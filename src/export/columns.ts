import type { SchemaElement } from 'hyparquet-writer'
import type { FieldType } from '../model/manifest.js'

/**
 * How each column of a data table becomes a Parquet column: the schema element, and the converter
 * from PostgreSQL's text output (ISO dates, UTC time zone; see source-export.ts) to the value
 * hyparquet-writer expects for that physical type.
 */
export interface ParquetColumn {
  readonly name: string
  readonly element: SchemaElement
  readonly convert: (text: string) => unknown
}

/** DuckDB's representation of `infinity` dates and timestamps, so they survive the round trip. */
const DATE_INFINITY = 2147483647
const TIMESTAMP_INFINITY = 9223372036854775807n

const MICROS_PER_DAY = 86_400_000_000
const MICROS_PER_SECOND = 1_000_000

/** Days since 1970-01-01 of a proleptic Gregorian date (year 0 = 1 BC). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146097 + dayOfEra - 719468
}

/** The number written by `count` ASCII digits at `start`, or -1 if any is not a digit. */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - 48
    if (digit < 0 || digit > 9) return -1
    value = value * 10 + digit
  }
  return value
}

const DATE_PATTERN = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/

/** A PostgreSQL `date` in ISO style (`2024-03-31`, `0044-03-15 BC`, `infinity`) as days since the epoch. */
export function parseDate(text: string): number {
  if (text.length === 10 && text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45) {
    const year = digitsAt(text, 0, 4)
    const month = digitsAt(text, 5, 2)
    const day = digitsAt(text, 8, 2)
    if (year >= 0 && month >= 0 && day >= 0) return daysFromCivil(year, month, day)
  }
  if (text === 'infinity') return DATE_INFINITY
  if (text === '-infinity') return -DATE_INFINITY
  const match = DATE_PATTERN.exec(text)
  if (!match) throw new Error(`unexpected date text from PostgreSQL: ${JSON.stringify(text)}`)
  const year = Number(match[1])
  return daysFromCivil(match[4] ? 1 - year : year, Number(match[2]), Number(match[3]))
}

const TIMESTAMP_PATTERN =
  /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([+-])(\d{2})(?::(\d{2})(?::(\d{2}))?)?)?( BC)?$/

/**
 * A PostgreSQL `timestamp` or `timestamptz` in ISO style as microseconds since the epoch. A
 * `timestamp` is read as the wall clock in UTC; a `timestamptz` carries its offset (always +00
 * here, since the export session's TimeZone is UTC), which is applied.
 */
export function parseTimestamp(text: string): bigint {
  const length = text.length
  if (
    length >= 19 &&
    text.charCodeAt(4) === 45 &&
    text.charCodeAt(7) === 45 &&
    text.charCodeAt(10) === 32 &&
    text.charCodeAt(13) === 58 &&
    text.charCodeAt(16) === 58
  ) {
    const year = digitsAt(text, 0, 4)
    const month = digitsAt(text, 5, 2)
    const day = digitsAt(text, 8, 2)
    const hour = digitsAt(text, 11, 2)
    const minute = digitsAt(text, 14, 2)
    const second = digitsAt(text, 17, 2)
    if (year >= 0 && month >= 0 && day >= 0 && hour >= 0 && minute >= 0 && second >= 0) {
      let pos = 19
      let fraction = 0
      if (text.charCodeAt(pos) === 46) {
        let scale = MICROS_PER_SECOND
        pos++
        while (pos < length) {
          const digit = text.charCodeAt(pos) - 48
          if (digit < 0 || digit > 9) break
          scale /= 10
          fraction += digit * scale
          pos++
        }
      }
      let offsetSeconds = 0
      if (pos + 3 === length) {
        const sign = text.charCodeAt(pos)
        const offsetHours = digitsAt(text, pos + 1, 2)
        if ((sign === 43 || sign === 45) && offsetHours >= 0) {
          offsetSeconds = (sign === 45 ? -1 : 1) * offsetHours * 3600
          pos = length
        }
      }
      if (pos === length) {
        const micros =
          daysFromCivil(year, month, day) * MICROS_PER_DAY +
          ((hour * 60 + minute) * 60 + second - offsetSeconds) * MICROS_PER_SECOND +
          Math.round(fraction)
        if (Number.isSafeInteger(micros)) return BigInt(micros)
      }
    }
  }
  return parseTimestampSlow(text)
}

function parseTimestampSlow(text: string): bigint {
  if (text === 'infinity') return TIMESTAMP_INFINITY
  if (text === '-infinity') return -TIMESTAMP_INFINITY
  const match = TIMESTAMP_PATTERN.exec(text)
  if (!match) throw new Error(`unexpected timestamp text from PostgreSQL: ${JSON.stringify(text)}`)
  const [, y, mo, d, h, mi, s, frac = '', sign, oh = '0', om = '0', os = '0', bc] = match
  const year = bc ? 1 - Number(y) : Number(y)
  const offset = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60 + Number(os)) : 0
  const seconds =
    BigInt(daysFromCivil(year, Number(mo), Number(d))) * 86400n +
    BigInt((Number(h) * 60 + Number(mi)) * 60 + Number(s) - offset)
  return seconds * 1_000_000n + BigInt(frac.padEnd(6, '0'))
}

function parseBoolean(text: string): boolean {
  if (text === 't') return true
  if (text === 'f') return false
  throw new Error(`unexpected boolean text from PostgreSQL: ${JSON.stringify(text)}`)
}

function parseBigint(text: string): bigint {
  return BigInt(text)
}

/** numeric → DOUBLE: exact for up to 15 significant digits; NaN and ±Infinity pass through. */
function parseNumber(text: string): number {
  const value = Number(text)
  if (Number.isNaN(value) && text !== 'NaN') {
    throw new Error(`unexpected numeric text from PostgreSQL: ${JSON.stringify(text)}`)
  }
  return value
}

function identity(text: string): string {
  return text
}

function timestampElement(name: string, optional: boolean, utc: boolean): SchemaElement {
  return {
    name,
    type: 'INT64',
    repetition_type: optional ? 'OPTIONAL' : 'REQUIRED',
    // The legacy converted type implies UTC, so a wall-clock timestamp carries only the logical type.
    ...(utc ? { converted_type: 'TIMESTAMP_MICROS' as const } : {}),
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: utc, unit: 'MICROS' },
  }
}

function stringElement(name: string, optional: boolean): SchemaElement {
  return {
    name,
    type: 'BYTE_ARRAY',
    repetition_type: optional ? 'OPTIONAL' : 'REQUIRED',
    converted_type: 'UTF8',
    logical_type: { type: 'STRING' },
  }
}

/** The Parquet column of a manifest field: always nullable. */
export function fieldColumn(name: string, type: FieldType): ParquetColumn {
  switch (type) {
    case 'integer':
      return { name, element: { name, type: 'INT64', repetition_type: 'OPTIONAL' }, convert: parseBigint }
    case 'number':
      return { name, element: { name, type: 'DOUBLE', repetition_type: 'OPTIONAL' }, convert: parseNumber }
    case 'boolean':
      return { name, element: { name, type: 'BOOLEAN', repetition_type: 'OPTIONAL' }, convert: parseBoolean }
    case 'date':
      return {
        name,
        element: {
          name,
          type: 'INT32',
          repetition_type: 'OPTIONAL',
          converted_type: 'DATE',
          logical_type: { type: 'DATE' },
        },
        convert: parseDate,
      }
    case 'datetime':
      return { name, element: timestampElement(name, true, false), convert: parseTimestamp }
    case 'string':
      return { name, element: stringElement(name, true), convert: identity }
    default:
      throw new Error(`unknown field type ${JSON.stringify(type satisfies never)}`)
  }
}

/** The lineage columns (see load/sql-types.ts), never NULL. `_loaded_at` is a timestamptz, so UTC. */
export const LINEAGE_PARQUET_COLUMNS: readonly ParquetColumn[] = [
  { name: '_period', element: stringElement('_period', false), convert: identity },
  {
    name: '_load_id',
    element: { name: '_load_id', type: 'INT64', repetition_type: 'REQUIRED' },
    convert: parseBigint,
  },
  { name: '_source_file', element: stringElement('_source_file', false), convert: identity },
  { name: '_loaded_at', element: timestampElement('_loaded_at', false, true), convert: parseTimestamp },
]

export { stringElement, timestampElement }
