import { describe, expect, it } from 'vitest'
import { type CellValue, DataWarpError, type ExtractedTable, type TableRow } from '../model/table.js'
import { detectWide, isPeriodText, unpivotTable } from './wide.js'

function tableOf(headers: string[], rows: CellValue[][]): ExtractedTable {
  const batches = async function* (observer?: { skipped(p: number, r: string): void }) {
    observer?.skipped(99, 'after the table (notes or footnotes)')
    yield rows.map((cells, i): TableRow => ({ position: i + 2, cells }))
  }
  return {
    file: 'f.xlsx',
    sheet: 'Table 1',
    headers,
    headerRows: [1],
    wide: detectWide(headers),
    batches,
    async *rows(observer) {
      for await (const b of batches(observer)) yield* b
    },
  }
}

async function all(table: ExtractedTable): Promise<{ rows: TableRow[]; skipped: number[] }> {
  const rows: TableRow[] = []
  const skipped: number[] = []
  for await (const r of table.rows({ skipped: (p) => skipped.push(p) })) rows.push(r)
  return { rows, skipped }
}

describe('isPeriodText', () => {
  it.each([
    '2025-11',
    '2022-04-01',
    'Jan-24',
    'Jan-24 [7]',
    'Dec-24[8]',
    'January 2024',
    'MAR2019',
    '2002/03 [note 1] [note 3]',
    '2024-25',
    'FY2024-25',
    '2019',
    '2024 Q1',
    'Q3 2024-25',
    '01/04/2022',
    'w/c 01/04/2022 (daily snapshot)',
    'April 2023 - March 2024',
  ])('%j names a period', (text) => {
    expect(isPeriodText(text)).toBe(true)
  })

  it.each(['Practice Code', '00:00 - 05:59', 'Total', '0 to 4,999', 'Region Code [2]', '2 - 5 minutes', 'Q'])(
    '%j does not',
    (text) => {
      expect(isPeriodText(text)).toBe(false)
    },
  )
})

describe('detectWide', () => {
  it('a column per month, with identifying columns before them', () => {
    const wide = detectWide(['Coverage', 'Measure', 'Dec-24[8]', 'Nov-24[7]', 'Oct-24', 'Sep-24'])
    expect(wide).toEqual({
      idColumns: [0, 1],
      periodColumns: [
        { column: 2, period: 'Dec-24', measure: '' },
        { column: 3, period: 'Nov-24', measure: '' },
        { column: 4, period: 'Oct-24', measure: '' },
        { column: 5, period: 'Sep-24', measure: '' },
      ],
      periods: ['Dec-24', 'Nov-24', 'Oct-24', 'Sep-24'],
      measures: [''],
    })
  })

  it('a date group over several measures: the measures stay columns', () => {
    const wide = detectWide([
      '',
      'Org Name',
      '2022-04-01 > Patients',
      '2022-04-01 > Discharged',
      '2022-04-02 > Patients',
      '2022-04-02 > Discharged',
      '2022-04-03 > Patients',
      '2022-04-03 > Discharged',
    ])
    expect(wide?.periods).toEqual(['2022-04-01', '2022-04-02', '2022-04-03'])
    expect(wide?.measures).toEqual(['Patients', 'Discharged'])
    expect(wide?.idColumns).toEqual([0, 1])
  })

  it('two columns for one year (a break in the series) keep their footnote to stay apart', () => {
    const wide = detectWide(['Country', 'Category', '2013/14', '2014/15', '2014/15 [note 4]', '2015/16'])
    expect(wide?.periods).toEqual(['2013/14', '2014/15', '2014/15 [note 4]', '2015/16'])
  })

  it('time bands, payment lines and a single month are not a column per period', () => {
    expect(
      detectWide(['Day', '00:00 - 05:59', '06:00 - 07:59', '08:00 - 09:59', '10:00 - 11:59']),
    ).toBeUndefined()
    expect(detectWide(['Practice', 'Global Sum', 'MPIG', 'QOF Achievement'])).toBeUndefined()
    expect(
      detectWide(['Org', 'April 2022 - Total discharged > P0', 'April 2022 - Total discharged > P1']),
    ).toBeUndefined()
    expect(detectWide(['Code', 'Jan-24', 'Feb-24'])).toBeUndefined()
  })
})

describe('unpivotTable', () => {
  it('turns a column per period into a row per period, keeping the identifying columns and the row position', async () => {
    const long = unpivotTable(
      tableOf(
        ['Region', '2024-01', '2024-02', '2024-03'],
        [
          ['North', 1, 2, 3],
          ['South', 4, null, 'c'],
        ],
      ),
    )
    expect(long.headers).toEqual(['Region', 'Period', 'Value'])
    expect(long.unpivoted?.periods).toEqual(['2024-01', '2024-02', '2024-03'])
    expect(long.wide).toBeUndefined()
    const { rows, skipped } = await all(long)
    expect(rows).toEqual([
      { position: 2, cells: ['North', '2024-01', 1] },
      { position: 2, cells: ['North', '2024-02', 2] },
      { position: 2, cells: ['North', '2024-03', 3] },
      { position: 3, cells: ['South', '2024-01', 4] },
      { position: 3, cells: ['South', '2024-02', null] },
      { position: 3, cells: ['South', '2024-03', 'c'] },
    ])
    expect(skipped).toEqual([99])
  })

  it('with several measures per period, each measure is a column of the long table', async () => {
    const long = unpivotTable(
      tableOf(
        [
          'Trust',
          'Apr > Patients',
          'Apr > Discharged',
          'May > Patients',
          'May > Discharged',
          'Jun > Patients',
        ],
        [['RAJ', 10, 5, 11, 6, 12]],
      ),
    )
    expect(long.headers).toEqual(['Trust', 'Period', 'Patients', 'Discharged'])
    expect((await all(long)).rows.map((r) => r.cells)).toEqual([
      ['RAJ', 'Apr', 10, 5],
      ['RAJ', 'May', 11, 6],
      ['RAJ', 'Jun', 12, null],
    ])
  })

  it('a table without a column per period cannot be unpivoted, and says so', () => {
    expect(() => unpivotTable(tableOf(['Code', 'Name'], []))).toThrow(DataWarpError)
    expect(() => unpivotTable(tableOf(['Code', 'Name'], []))).toThrow(/no column per period/)
  })
})

describe('detectWide with a year over its months', () => {
  it('"2024-25 > April > Patients": the year and the month make the period, the rest the measure', () => {
    const wide = detectWide([
      'Region',
      '2024-25 > April > Patients',
      '2024-25 > May > Patients',
      '2025-26 > April > Patients',
    ])
    expect(wide?.periods).toEqual(['2024-25 April', '2024-25 May', '2025-26 April'])
    expect(wide?.measures).toEqual(['Patients'])
  })
})
