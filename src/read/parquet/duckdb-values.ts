import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api'
import { exactNumber, jsonCell } from '../query-page.js'
import type { CellValue } from '../types.js'

/** A DuckDB value as the PostgreSQL reader would give it, so both backends answer alike. */
export function duckdbCell(value: DuckDBValue): CellValue {
  if (value instanceof DuckDBTimestampTZValue) return new Date(Number(value.micros / 1000n)).toISOString()
  if (value instanceof DuckDBTimestampValue) return value.toString().replace(' ', 'T')
  if (value instanceof DuckDBDateValue) return value.toString()
  if (value instanceof DuckDBDecimalValue) return exactNumber(value.toString())
  if (value !== null && typeof value === 'object') return String(value)
  return jsonCell(value)
}
