import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from './limits.js'
import {
  assemblePage,
  encodeCursor,
  exactNumber,
  jsonCell,
  pageRequest,
  wrapStatement,
} from './query-page.js'
import { QueryRefusedError } from './types.js'

const limits = { ...DEFAULT_LIMITS, maxRows: 3, maxBytes: 60 }

describe('paging a query', () => {
  it('starts at the offset a cursor of the same statement names, and refuses it for another', () => {
    const sql = 'SELECT 1'
    expect(pageRequest({ sql, cursor: encodeCursor(sql, 30) }, limits)).toEqual({
      sql,
      offset: 30,
      maxRows: 3,
    })
    expect(() => pageRequest({ sql: 'SELECT 2', cursor: encodeCursor(sql, 30) }, limits)).toThrow(
      /another statement/,
    )
    expect(() => pageRequest({ sql, cursor: 'garbage' }, limits)).toThrow(QueryRefusedError)
  })

  it('never gives more rows than the limit, whatever is asked', () => {
    expect(pageRequest({ sql: 'SELECT 1', maxRows: 500 }, limits).maxRows).toBe(3)
    expect(() => pageRequest({ sql: ' ' }, limits)).toThrow(/empty/)
    expect(() => pageRequest({ sql: 'SELECT 1', offset: -1 }, limits)).toThrow(/offset/)
  })

  it('cuts at the row limit, says so, and counts the whole result', async () => {
    const page = pageRequest({ sql: 'SELECT x' }, limits)
    const result = await assemblePage(page, limits, [], [[1], [2], [3], [4]], async () => 10, 0)
    expect(result).toMatchObject({ rowCount: 3, truncated: true, truncatedBy: 'rows', totalRows: 10 })
    expect(pageRequest({ sql: 'SELECT x', cursor: result.nextCursor! }, limits).offset).toBe(3)
  })

  it('cuts at the byte limit before it passes, and refuses a first row over it', async () => {
    const page = pageRequest({ sql: 'SELECT x' }, limits)
    const rows = [['a'.repeat(20)], ['b'.repeat(20)], ['c'.repeat(20)]]
    const result = await assemblePage(page, limits, [], rows, async () => 3, 0)
    expect(result).toMatchObject({ rowCount: 2, truncatedBy: 'bytes', totalRows: 3 })
    await expect(assemblePage(page, limits, [], [['x'.repeat(100)]], async () => 1, 0)).rejects.toThrow(
      /first row alone/,
    )
  })

  it('is complete without counting when everything fits', async () => {
    const page = pageRequest({ sql: 'SELECT x' }, limits)
    const result = await assemblePage(page, limits, [], [[1]], async () => Number.NaN, 0)
    expect(result).toMatchObject({ truncated: false, truncatedBy: null, totalRows: 1, nextCursor: null })
  })
})

describe('the statement as a subquery', () => {
  it('drops trailing semicolons and keeps a trailing comment on its own line', () => {
    expect(wrapStatement('SELECT 1; \n', ' LIMIT 2')).toBe(
      'SELECT * FROM (\nSELECT 1\n) AS datawarp_query LIMIT 2',
    )
    expect(wrapStatement('SELECT 1 -- why', '')).toBe('SELECT * FROM (\nSELECT 1 -- why\n) AS datawarp_query')
  })
})

describe('values as JSON', () => {
  it('keeps big integers exact as text and dates as ISO text', () => {
    expect(exactNumber('4724314')).toBe(4724314)
    expect(exactNumber('12345678901234567890')).toBe('12345678901234567890')
    expect(exactNumber('1.50')).toBe(1.5)
    expect(jsonCell(2n ** 60n)).toBe('1152921504606846976')
    expect(jsonCell(new Date('2024-05-01T00:00:00Z'))).toBe('2024-05-01T00:00:00.000Z')
    expect(jsonCell({ a: 1 })).toBe('{"a":1}')
  })
})
