import { createHash } from 'node:crypto'
import {
  type CatalogEntry,
  type CellValue,
  QueryRefusedError,
  type QueryRequest,
  type QueryResult,
  type ReadLimits,
  type ResultColumn,
} from './types.js'

/** The page a request asks for: where it starts and how many rows at most. */
export interface PageRequest {
  readonly sql: string
  readonly offset: number
  readonly maxRows: number
}

const statementHash = (sql: string) => createHash('sha256').update(sql).digest('base64url').slice(0, 16)

/** A cursor names the statement it pages (by hash) and the next offset, so it cannot be used on another. */
export function encodeCursor(sql: string, offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset, h: statementHash(sql) })).toString('base64url')
}

export function pageRequest(request: QueryRequest, limits: ReadLimits): PageRequest {
  const sql = request.sql
  if (typeof sql !== 'string' || sql.trim() === '') throw new QueryRefusedError('the statement is empty')
  let offset = request.offset ?? 0
  if (request.cursor !== undefined) {
    let decoded: { o?: unknown; h?: unknown }
    try {
      decoded = JSON.parse(Buffer.from(request.cursor, 'base64url').toString('utf8'))
    } catch {
      throw new QueryRefusedError('the cursor is not one this server gave out')
    }
    if (decoded.h !== statementHash(sql) || typeof decoded.o !== 'number') {
      throw new QueryRefusedError('the cursor belongs to another statement: pass the same sql it came with')
    }
    offset = decoded.o
  }
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new QueryRefusedError('offset must be a whole number ≥ 0')
  const asked = request.maxRows ?? limits.maxRows
  if (!Number.isSafeInteger(asked) || asked < 1)
    throw new QueryRefusedError('maxRows must be a whole number ≥ 1')
  return { sql, offset, maxRows: Math.min(asked, limits.maxRows) }
}

/**
 * The user's statement as a subquery. The parser then accepts only a query expression (SELECT, WITH … SELECT,
 * VALUES, TABLE): a second statement, a data-modifying WITH, SET, COPY or a transaction command is a syntax
 * error before anything runs. The line breaks keep a trailing `--` comment from swallowing the wrapper.
 */
export function wrapStatement(sql: string, tail: string): string {
  let end = sql.length
  while (end > 0 && (sql[end - 1] === ';' || /\s/.test(sql[end - 1]!))) end--
  return `SELECT * FROM (\n${sql.slice(0, end)}\n) AS datawarp_query${tail}`
}

/** A whole number the database returned as text (bigint, numeric, hugeint): a number when exact, else text. */
export function exactNumber(text: string): CellValue {
  const n = Number(text)
  if (!Number.isFinite(n)) return text
  if (/^-?\d+$/.test(text)) return Number.isSafeInteger(n) ? n : text
  return n
}

/** Any value a driver hands back, as JSON: dates as ISO text, bigints as numbers when exact, objects as JSON text. */
export function jsonCell(value: unknown): CellValue {
  if (value === null || value === undefined) return null
  if (typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value)
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString()
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`
  return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v))
}

/**
 * The page from the rows fetched (at most maxRows + 1): cut at the row limit or when the JSON of the rows
 * passes the byte limit, whichever comes first. `countAll` is asked only when the page is cut.
 */
export async function assemblePage(
  page: PageRequest,
  limits: ReadLimits,
  columns: readonly ResultColumn[],
  fetched: readonly (readonly CellValue[])[],
  countAll: () => Promise<number>,
  started: number,
): Promise<QueryResult> {
  const rows: (readonly CellValue[])[] = []
  let bytes = 2
  let truncatedBy: QueryResult['truncatedBy'] = null
  for (const row of fetched) {
    if (rows.length === page.maxRows) {
      truncatedBy = 'rows'
      break
    }
    bytes += JSON.stringify(row).length + 1
    if (bytes > limits.maxBytes) {
      truncatedBy = 'bytes'
      break
    }
    rows.push(row)
  }
  if (truncatedBy === 'bytes' && rows.length === 0) {
    throw new QueryRefusedError(
      `the first row alone is over the byte limit (${limits.maxBytes} bytes): select fewer or shorter columns`,
    )
  }
  const truncated = truncatedBy !== null
  const totalRows =
    truncated || (rows.length === 0 && page.offset > 0) ? await countAll() : page.offset + rows.length
  const next = page.offset + rows.length
  return {
    columns,
    rows,
    rowCount: rows.length,
    offset: page.offset,
    truncated,
    truncatedBy,
    totalRows,
    nextCursor: truncated ? encodeCursor(page.sql, next) : null,
    durationMs: Math.round(performance.now() - started),
  }
}

export const SAMPLE_ROWS = 3

/** The statement whose first rows are a source's sample: its latest period (the same SQL on both backends). */
export function sampleStatement(entry: Pick<CatalogEntry, 'table' | 'lastPeriod'>): string {
  if (entry.lastPeriod === null) return `SELECT * FROM ${entry.table} LIMIT 0`
  return `SELECT * FROM ${entry.table} WHERE "_period" = '${entry.lastPeriod.replaceAll("'", "''")}' LIMIT ${SAMPLE_ROWS}`
}
