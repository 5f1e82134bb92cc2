import type { SchemaElement } from 'hyparquet-writer'
import { daysFromCivil } from '../model/calendar.js'

export { daysFromCivil }

/**
 * Parquet schema elements for the exported columns, and the general parsers for PostgreSQL's
 * date and timestamp text (ISO DateStyle, UTC time zone; see export-all.ts). The byte-level fast
 * paths for the common shapes are in column-buffers.ts; these handle everything else.
 */

/** DuckDB's representation of `infinity` dates and timestamps, so they survive the round trip. */
export const DATE_INFINITY = 2147483647
export const TIMESTAMP_INFINITY = 9223372036854775807n

const DATE_PATTERN = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/

/** A PostgreSQL `date` in ISO style (`2024-03-31`, `0044-03-15 BC`, `infinity`) as days since the epoch. */
export function parseDate(text: string): number {
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
 * `timestamp` is read as a wall clock in UTC; a `timestamptz` carries its offset, which is applied.
 */
export function parseTimestamp(text: string): bigint {
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

function repetition(optional: boolean) {
  return optional ? ('OPTIONAL' as const) : ('REQUIRED' as const)
}

export function int64Element(name: string, optional: boolean): SchemaElement {
  return { name, type: 'INT64', repetition_type: repetition(optional) }
}

export function doubleElement(name: string, optional: boolean): SchemaElement {
  return { name, type: 'DOUBLE', repetition_type: repetition(optional) }
}

export function booleanElement(name: string, optional: boolean): SchemaElement {
  return { name, type: 'BOOLEAN', repetition_type: repetition(optional) }
}

export function dateElement(name: string, optional: boolean): SchemaElement {
  return {
    name,
    type: 'INT32',
    repetition_type: repetition(optional),
    converted_type: 'DATE',
    logical_type: { type: 'DATE' },
  }
}

/**
 * Microsecond timestamps. `utc` is for `timestamptz`; a `timestamp` is a wall clock
 * (isAdjustedToUTC false), so readers do not shift it into their own time zone. The legacy
 * converted type implies UTC, so only UTC timestamps carry it.
 */
export function timestampElement(name: string, optional: boolean, utc: boolean): SchemaElement {
  return {
    name,
    type: 'INT64',
    repetition_type: repetition(optional),
    ...(utc ? { converted_type: 'TIMESTAMP_MICROS' as const } : {}),
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: utc, unit: 'MICROS' },
  }
}

export function stringElement(name: string, optional: boolean): SchemaElement {
  return {
    name,
    type: 'BYTE_ARRAY',
    repetition_type: repetition(optional),
    converted_type: 'UTF8',
    logical_type: { type: 'STRING' },
  }
}
