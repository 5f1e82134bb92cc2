import { describe, expect, it } from 'vitest'
import type { CellValue } from '../model/table.js'
import { filled, isEmpty, locateTable, type SampleRow } from './layout.js'

/** Sample rows numbered from 1, as a sheet or CSV reader yields them. */
const rows = (...cells: CellValue[][]): SampleRow[] => cells.map((c, i) => ({ position: i + 1, cells: c }))
const utc = (y: number, m: number, d = 1) => new Date(Date.UTC(y, m - 1, d))

describe('locateTable', () => {
  it('takes the first row of labels as the header of a plain table', () => {
    expect(
      locateTable(
        rows(
          ['Practice Code', 'Practice Name', 'Patients'],
          ['A81001', 'The Surgery', 1200],
          ['A81002', 'The Practice', 3400],
        ),
      ),
    ).toMatchObject({
      headerRows: [1],
      firstColumn: 0,
      lastColumn: 2,
      headers: ['Practice Code', 'Practice Name', 'Patients'],
    })
  })

  it('skips title rows and a key-value metadata block above the header', () => {
    const layout = locateTable(
      rows(
        ['Online Consultation Submissions', null, null, null],
        ['Publication date:', '10 June 2024', null, null],
        ['Period:', 'May 2024', null, null],
        [null, null, null, null],
        ['Practice Code', 'Practice Name', 'Submissions', 'Rate'],
        ['A81001', 'The Surgery', 5, 0.5],
        ['A81002', 'The Practice', 6, 0.6],
        ['A81003', 'Health Centre', 7, 0.7],
      ),
    )
    expect(layout).toMatchObject({
      headerRows: [5],
      firstColumn: 0,
      lastColumn: 3,
      headers: ['Practice Code', 'Practice Name', 'Submissions', 'Rate'],
    })
  })

  it('skips a key-value block above a three-column table', () => {
    const layout = locateTable(
      rows(
        ['Title'],
        ['Period:', 'May 2024'],
        ['Source:', 'NHS England'],
        [],
        ['Code', 'Name', 'Count'],
        ['A1', 'P1', 5],
        ['A2', 'P2', 6],
      ),
    )
    expect(layout).toMatchObject({ headerRows: [5], lastColumn: 2, headers: ['Code', 'Name', 'Count'] })
  })

  it('skips stray helper numbers above the header', () => {
    const layout = locateTable(
      rows(
        [1, 2, 3, 4],
        [null, null, null, null],
        ['Code', 'Name', 'Count', 'Total'],
        ['A1', 'P1', 5, 10],
        ['A2', 'P2', 6, 11],
      ),
    )
    expect(layout).toMatchObject({
      headerRows: [3],
      firstColumn: 0,
      lastColumn: 3,
      headers: ['Code', 'Name', 'Count', 'Total'],
    })
  })

  it('numbers right above the header are not a group row', () => {
    const layout = locateTable(
      rows([null, 1, 2, 3], ['Code', 'Jan', 'Feb', 'Mar'], ['A', 1, 2, 3], ['B', 4, 5, 6]),
    )
    expect(layout).toMatchObject({ headerRows: [2], headers: ['Code', 'Jan', 'Feb', 'Mar'] })
  })

  it('joins a two-row grouped header as "Group > Sub", carrying each group across blank cells', () => {
    const layout = locateTable(
      rows(
        ['A&E attendances by region', null, null, null, null],
        [null, '2024-25', null, '2025-26', null],
        ['Region', 'April', 'May', 'April', 'May'],
        ['North', 1, 2, 3, 4],
        ['South', 5, 6, 7, 8],
      ),
    )
    expect(layout).toMatchObject({
      headerRows: [2, 3],
      firstColumn: 0,
      lastColumn: 4,
      headers: ['Region', '2024-25 > April', '2024-25 > May', '2025-26 > April', '2025-26 > May'],
    })
  })

  it('finds the header under a group row that covers every column', () => {
    const layout = locateTable(
      rows(['2024-25', null, '2025-26', null], ['April', 'May', 'April', 'May'], [1, 2, 3, 4], [5, 6, 7, 8]),
    )
    expect(layout).toMatchObject({
      headerRows: [1, 2],
      firstColumn: 0,
      lastColumn: 3,
      headers: ['2024-25 > April', '2024-25 > May', '2025-26 > April', '2025-26 > May'],
    })
  })

  it('a group label equal to its column label is not repeated, and a blank column takes the group', () => {
    const layout = locateTable(
      rows(['Total', 'Split', null, null], ['Total', null, 'Male', 'Female'], [1, 2, 3, 4], [5, 6, 7, 8]),
    )
    expect(layout).toMatchObject({
      headerRows: [1, 2],
      headers: ['Total', 'Split', 'Split > Male', 'Split > Female'],
    })
  })

  it('a group row is only taken when it is the row right above the header', () => {
    const layout = locateTable(
      rows(
        [null, '2024-25', null, '2025-26', null],
        [null, null, null, null, null],
        ['Region', 'April', 'May', 'April', 'May'],
        ['N', 1, 2, 3, 4],
        ['S', 5, 6, 7, 8],
      ),
    )
    expect(layout).toMatchObject({ headerRows: [3], headers: ['Region', 'April', 'May', 'April', 'May'] })
  })

  it('Excel-date header cells become YYYY-MM when every date is a different month', () => {
    const layout = locateTable(
      rows(['Code', utc(2024, 1), utc(2024, 2), utc(2024, 3)], ['A', 1, 2, 3], ['B', 4, 5, 6]),
    )
    expect(layout?.headers).toEqual(['Code', '2024-01', '2024-02', '2024-03'])
  })

  it('Excel-date header cells become YYYY-MM-DD when two dates share a month', () => {
    const layout = locateTable(
      rows(['Week', utc(2024, 1, 1), utc(2024, 1, 8), utc(2024, 2, 5)], ['A', 1, 2, 3], ['B', 4, 5, 6]),
    )
    expect(layout?.headers).toEqual(['Week', '2024-01-01', '2024-01-08', '2024-02-05'])
  })

  it('includes a data column left of the first header cell, with an empty label', () => {
    const layout = locateTable(
      rows([null, 'Name', 'Count', 'Total'], ['A1', 'P1', 5, 10], ['A2', 'P2', 6, 11]),
    )
    expect(layout).toMatchObject({
      headerRows: [1],
      firstColumn: 0,
      lastColumn: 3,
      headers: ['', 'Name', 'Count', 'Total'],
    })
  })

  it('a table indented to the right keeps its first and last columns', () => {
    const layout = locateTable(
      rows(
        [null, null, 'Code', 'Name', 'Count', null],
        [null, null, 'A1', 'P1', 5, null],
        [null, null, 'A2', 'P2', 6],
      ),
    )
    expect(layout).toMatchObject({
      headerRows: [1],
      firstColumn: 2,
      lastColumn: 4,
      headers: ['Code', 'Name', 'Count'],
    })
  })

  it('keeps a blank header cell inside the table as an empty label', () => {
    const layout = locateTable(rows(['Code', '', 'Count', 'Total'], ['A1', 'P1', 5, 10], ['A2', 'P2', 6, 11]))
    expect(layout?.headers).toEqual(['Code', '', 'Count', 'Total'])
  })

  it('collapses runs of spaces and line breaks in labels', () => {
    const layout = locateTable(rows(['Practice\nCode', '  Patients   registered '], ['A', 1], ['B', 2]))
    expect(layout?.headers).toEqual(['Practice Code', 'Patients registered'])
  })

  it('finds no table in an empty sample or in rows of numbers only', () => {
    expect(locateTable([])).toBeUndefined()
    expect(locateTable(rows([1, 2, 3], [4, 5, 6]))).toBeUndefined()
    expect(locateTable(rows(['Just a title'], [null]))).toBeUndefined()
  })
})

describe('isEmpty and filled', () => {
  it('null, undefined and blank text are empty; 0, false and dates are not', () => {
    expect([null, undefined, '', '  '].every((v) => isEmpty(v))).toBe(true)
    expect([0, false, 'x', utc(2024, 1)].some((v) => isEmpty(v))).toBe(false)
  })

  it('filled counts the cells that are not empty', () => {
    expect(filled([null, '', ' ', 0, 'a', false])).toBe(3)
  })
})
