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

describe('locateTable on the layouts of NHS releases', () => {
  it('a header of three rows joins its group, label and sub-label into one label per column', () => {
    const layout = locateTable(
      rows(
        [null, null, null, 'Count of calls', null, null],
        ['Practice', 'Name', 'Total calls', 'Answered', null, 'Missed'],
        [null, null, 'Total', 'Total', '%', 'Total'],
        ['A81001', 'The Surgery', 100, 60, 0.6, 40],
        ['A81002', 'The Practice', 200, 150, 0.75, 50],
      ),
      { merges: [{ top: 1, left: 4, bottom: 1, right: 6 }] },
    )
    expect(layout).toMatchObject({
      headerRows: [1, 2, 3],
      headers: [
        'Practice',
        'Name',
        'Total calls > Total',
        'Count of calls > Answered > Total',
        'Count of calls > Answered > %',
        'Count of calls > Missed > Total',
      ],
    })
  })

  it('keeps the header cells as written, a merged cell over every column it covers', () => {
    const layout = locateTable(
      rows([null, '2024-25', null], ['Region', 'April\n[note 1]', 'May'], ['North', 1, 2], ['South', 3, 4]),
      { merges: [{ top: 1, left: 2, bottom: 1, right: 3 }] },
    )
    expect(layout?.headerCells).toEqual([
      ['', 'Region'],
      ['2024-25', 'April\n[note 1]'],
      ['2024-25', 'May'],
    ])
    expect(layout?.headers).toEqual(['Region', '2024-25 > April [note 1]', '2024-25 > May'])
  })

  it('helper numbers above a two-row header are neither header nor title', () => {
    const layout = locateTable(
      rows(
        [null, null, 25765191, null, 14323679],
        [null, null, 12, null, 13],
        ['Return to Contents', null, 3, null, 5],
        ['Table 3: Calls by practice'],
        [null, null, null, 'Outcome', null],
        ['Month', 'Practice', 'Calls', 'Answered', 'Missed'],
        [null, null, 'Total', 'Total', 'Total'],
        ['Nov-25', 'A81001', 10, 6, 4],
        ['Nov-25', 'A81002', 20, 15, 5],
      ),
    )
    expect(layout).toMatchObject({
      headerRows: [5, 6, 7],
      headers: [
        'Month',
        'Practice',
        'Calls > Total',
        'Outcome > Answered > Total',
        'Outcome > Missed > Total',
      ],
      title: 'Table 3: Calls by practice',
    })
  })

  it('a "Notes:" paragraph in the top-left header cell is a note, not a label', () => {
    const notes = 'Notes: \n1. Trust-level data exclude hospices.\n2. Dashes mean no data was submitted.'
    const layout = locateTable(
      rows(
        ['Table 2: Patients who no longer meet the criteria to reside'],
        [null, null, utc(2022, 4, 1), null, utc(2022, 4, 2), null],
        [notes, null, 'Patients', 'Discharged', 'Patients', 'Discharged'],
        ['ENGLAND', null, 24029, 10801, 19468, 6678],
        ['EAST OF ENGLAND', 'RAJ', 111, 0, 67, 0],
      ),
      {
        merges: [
          { top: 3, left: 1, bottom: 3, right: 2 },
          { top: 2, left: 3, bottom: 2, right: 4 },
          { top: 2, left: 5, bottom: 2, right: 6 },
        ],
      },
    )
    expect(layout).toMatchObject({
      headerRows: [2, 3],
      headers: [
        '',
        '',
        '2022-04-01 > Patients',
        '2022-04-01 > Discharged',
        '2022-04-02 > Patients',
        '2022-04-02 > Discharged',
      ],
      notes: [notes.trim()],
      title: 'Table 2: Patients who no longer meet the criteria to reside',
    })
    expect(layout?.headerCells[0]).toEqual(['', ''])
  })

  it('Excel-date month headers that mix month starts and month ends become YYYY-MM', () => {
    const layout = locateTable(
      rows(
        ['Measure', utc(2025, 11, 30), utc(2025, 10, 1), utc(2025, 9, 30)],
        ['Calls', 1, 2, 3],
        ['Missed', 4, 5, 6],
      ),
    )
    expect(layout?.headers).toEqual(['Measure', '2025-11', '2025-10', '2025-09'])
    expect(layout?.headerCells[1]).toEqual(['2025-11-30'])
  })

  it('text months and Excel dates in one header row each keep their form', () => {
    const layout = locateTable(
      rows(
        ['Measure', 'Mar-25 [8]', utc(2025, 2, 1), utc(2025, 1, 1), 'Dec-24'],
        ['Submissions', 1, 2, 3, 4],
        ['Clinical', 5, 6, 7, 8],
      ),
    )
    expect(layout?.headers).toEqual(['Measure', 'Mar-25 [8]', '2025-02', '2025-01', 'Dec-24'])
  })

  it('a header of years written as numbers is a header', () => {
    const layout = locateTable(rows(['Region', 2019, 2020, 2021], ['North', 5, 6, 7], ['South', 8, 9, 10]))
    expect(layout).toMatchObject({ headerRows: [1], headers: ['Region', '2019', '2020', '2021'] })
  })

  it('a "Title:" line gives the title and the other metadata lines become notes', () => {
    const layout = locateTable(
      rows(
        [null, 'Title:', 'Referral to Treatment Waiting Times'],
        [null, 'Source:', 'NHS England'],
        [],
        [null, 'Year', 'Month', 'Median wait'],
        [null, '2007/08', utc(2007, 4), 17.5],
        [null, null, utc(2007, 5), 16.7],
      ),
    )
    expect(layout).toMatchObject({
      headerRows: [4],
      columns: [1, 2, 3],
      title: 'Referral to Treatment Waiting Times',
      notes: ['Source: NHS England'],
    })
  })

  it('a group written once over its columns carries across them, but not over a spacer column', () => {
    const layout = locateTable(
      rows(
        [null, 'Answered', null, null, 'Missed', null],
        ['Practice', 'Count', '%', null, 'Count', '%'],
        ['A1', 1, 0.1, null, 2, 0.2],
        ['A2', 3, 0.3, null, 4, 0.4],
      ),
    )
    expect(layout?.headers).toEqual([
      'Practice',
      'Answered > Count',
      'Answered > %',
      '',
      'Missed > Count',
      'Missed > %',
    ])
    expect(layout?.labelled).toEqual([true, true, true, false, true, true])
  })

  it('a sub-header row of text over columns of numbers is part of the header; a first data row of text is not', () => {
    const subHeader = locateTable(
      rows(['Code', 'Calls', 'Rate'], [null, 'Total', '%'], ['A', 1, 0.5], ['B', 2, 0.25]),
    )
    expect(subHeader?.headerRows).toEqual([1, 2])
    const textData = locateTable(
      rows(['Code', 'Name', 'Notes'], ['A', 'Alpha', 'open'], ['B', 'Beta', 'closed']),
    )
    expect(textData?.headerRows).toEqual([1])
  })
})
