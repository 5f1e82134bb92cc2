import { describe, expect, it } from 'vitest'
import type { CellValue } from '../model/table.js'
import { checkedLayout, FIRST_ROWS, findFirstTables, findTables, LayoutChanged } from './find-tables.js'
import type { SampleRow } from './layout.js'
import type { RowSource } from './table-rows.js'

/** Rows at explicit positions (blank rows absent, as readers leave them out), in batches of 3. */
function source(rows: readonly (readonly [number, CellValue[]])[]): RowSource {
  return async function* () {
    for (let i = 0; i < rows.length; i += 3) {
      yield rows.slice(i, i + 3).map(([position, cells]): SampleRow => ({ position, cells }))
    }
  }
}

/** Consecutive rows from a position: each entry is one row. */
const from = (start: number, ...cells: CellValue[][]): [number, CellValue[]][] =>
  cells.map((c, i) => [start + i, c])

const practices = (n: number, prefix = 'A') =>
  Array.from({ length: n }, (_, i): CellValue[] => [`${prefix}${i}`, `Practice ${i}`, i * 10])

describe('findTables', () => {
  it('finds one table on a sheet with a title, a header and notes below', async () => {
    const tables = await findTables(
      source([
        [1, ['Table 1: Practices']],
        ...from(3, ['Code', 'Name', 'Patients'], ...practices(5)),
        [10, ['Source: NHS England']],
        [11, ['1. Figures are provisional']],
      ]),
    )
    expect(tables).toHaveLength(1)
    expect(tables[0]).toMatchObject({ headerRows: [3], title: 'Table 1: Practices' })
    expect(tables[0]!.endBefore).toBeUndefined()
  })

  it('finds two tables stacked on one sheet, each with its title; the first ends where the second begins', async () => {
    const tables = await findTables(
      source([
        [1, ['Table 1a: Practices in the North']],
        ...from(3, ['Code', 'Name', 'Patients'], ...practices(4)),
        [9, ['Source: NHS England']],
        [11, ['Table 1b: Practices by region and month']],
        ...from(
          13,
          ['Region', 'Month', 'Patients', 'Practices'],
          ['North', 'Jan', 5, 1],
          ['South', 'Jan', 6, 2],
        ),
      ]),
    )
    expect(tables.map((t) => [t.headerRows, t.title, t.endBefore, t.part])).toEqual([
      [[3], 'Table 1a: Practices in the North', 11, undefined],
      [[13], 'Table 1b: Practices by region and month', undefined, 'Table 1b: Practices by region and month'],
    ])
  })

  it('a second table under the first after blank rows, with a different header, is a table of its own', async () => {
    const tables = await findTables(
      source([
        ...from(1, ['Code', 'Name', 'Patients'], ...practices(3)),
        ...from(7, ['Region', 'Practices', 'Patients', 'Rate'], ['North', 3, 30, 0.5], ['South', 4, 40, 0.6]),
      ]),
    )
    expect(tables.map((t) => [t.headerRows, t.endBefore, t.columns])).toEqual([
      [[1], 7, [0, 1, 2]],
      [[7], undefined, [0, 1, 2, 3]],
    ])
  })

  it('the same header again after blank rows, without a title, continues the table (a repeated header)', async () => {
    const tables = await findTables(
      source([
        ...from(1, ['Code', 'Name', 'Patients'], ...practices(3)),
        ...from(6, ['Code', 'Name', 'Patients'], ...practices(3, 'B')),
      ]),
    )
    expect(tables).toHaveLength(1)
  })

  it('a sub-heading after blank rows inside a table does not split it', async () => {
    const tables = await findTables(
      source([
        ...from(
          1,
          ['Region', 'Measure', 'Jan', 'Feb'],
          ['Coverage', 'Practices', 1, 2],
          [null, 'Patients', 3, 4],
        ),
        ...from(5, ['Submissions', 'Total', 5, 6], [null, 'Clinical', 7, 8]),
        ...from(8, ['North of England'], ['North', 'Total', 9, 10]),
      ]),
    )
    expect(tables).toHaveLength(1)
  })

  it('a text-only table with blank rows in it stays one table', async () => {
    const tables = await findTables(
      source([
        ...from(
          1,
          ['Column', 'Field', 'Description'],
          ['A', 'PRAC_CODE', 'Practice code'],
          ['B', 'PRAC_NAME', 'Name'],
        ),
        ...from(5, ['C', 'PCN_CODE', 'PCN code'], ['D', 'PCN_NAME', 'PCN name']),
      ]),
    )
    expect(tables).toHaveLength(1)
  })

  it('a section row of labels over the identifying columns starts a table under the same header', async () => {
    // The discharge sitreps: England and the regions, then "Region / ICB Code / ICB Name", then trusts.
    const tables = await findTables(
      source([
        [1, ['Table 2: Patients']],
        [2, [null, null, null, 'Apr', 'May']],
        [3, [null, null, null, 'Patients', 'Patients']],
        ...from(4, [null, null, 'ENGLAND', 100, 110], [null, null, 'LONDON', 10, 11]),
        ...from(7, ['Region', 'ICB Code', 'ICB Name'], ['LONDON', 'QMJ', 'NHS North Central London', 5, '-']),
        ...from(
          10,
          ['Region', 'Org Code', 'Org Name'],
          ['LONDON', 'RAL', 'Royal Free', 2, 3],
          ['LONDON', 'RKE', 'Whittington', 3, 4],
        ),
      ]),
    )
    expect(tables.map((t) => [t.headerRows, t.endBefore, t.part])).toEqual([
      [[2, 3], 7, undefined],
      [[2, 3, 7], 10, 'Region ICB Code ICB Name'],
      [[2, 3, 10], undefined, 'Region Org Code Org Name'],
    ])
    expect(tables[1]!.headers).toEqual(['Region', 'ICB Code', 'ICB Name', 'Apr > Patients', 'May > Patients'])
    expect(tables[2]!.headerCells[1]).toEqual(['', '', 'Org Code'])
  })

  it('spacer columns are left out only when no row of the table has a value in them', async () => {
    const body = Array.from({ length: 250 }, (_, i): CellValue[] => [`A${i}`, i, null, i + 1, null, i])
    body[240]![2] = 'late value' // a column without a header that fills in only far down the sheet
    const [table] = await findTables(
      source(from(1, ['Code', 'Calls', null, 'Missed', null, 'Waiting'], ...body)),
      { dropEmptyColumns: true },
    )
    expect(table!.columns).toEqual([0, 1, 2, 3, 5])
    expect(table!.headers).toEqual(['Code', 'Calls', '', 'Missed', 'Waiting'])
  })

  it('finds a header below a preamble longer than the rows it reads at first', async () => {
    const preamble = Array.from({ length: 260 }, (_, i): [number, CellValue[]] => [
      i + 1,
      [`Note line ${i + 1}`],
    ])
    const tables = await findTables(
      source([...preamble, ...from(262, ['Code', 'Name', 'Patients'], ...practices(30))]),
    )
    expect(tables.map((t) => t.headerRows)).toEqual([[262]])
  })

  it('finds no table in rows of notes only', async () => {
    expect(await findTables(source(from(1, ['Just a title'], ['Another line'], [1, 2, 3])))).toEqual([])
  })
})

describe("findFirstTables: a CSV's tables from its first rows, the rest checked as it is read", () => {
  const header: [number, CellValue[]] = [1, ['Code', 'Name', 'Patients']]
  const long = [header, ...from(2, ...practices(FIRST_ROWS + 500))]

  async function readAll(rows: RowSource): Promise<number> {
    let n = 0
    for await (const batch of rows()) n += batch.length
    return n
  }

  it('a file ending within its first rows is found in full', async () => {
    const found = await findFirstTables(source([header, ...from(2, ...practices(20))]))
    expect(found.complete).toBe(true)
    expect(found.layouts).toEqual(await findTables(source([header, ...from(2, ...practices(20))])))
  })

  it('a long file is found from its first rows, and reading all of it the same way raises nothing', async () => {
    const found = await findFirstTables(source(long))
    expect(found.complete).toBe(false)
    expect(found.layouts).toEqual(await findTables(source(long)))
    expect(await readAll(checkedLayout(source(long), {}, found.layouts, 'long.csv'))).toBe(long.length)
  })

  it('a second table far below the first rows is caught once the rows are read, naming the file', async () => {
    const next = long.length + 3
    const rows = [
      ...long,
      [next, ['Table 2: Regions']] as [number, CellValue[]],
      ...from(next + 1, ['Region', 'Total'], ['North', 10], ['South', 20]),
    ]
    const found = await findFirstTables(source(rows))
    expect(found.layouts).toHaveLength(1)
    expect(await findTables(source(rows))).toHaveLength(2)
    const reading = readAll(checkedLayout(source(rows), {}, found.layouts, 'stacked.csv'))
    await expect(reading).rejects.toThrow(LayoutChanged)
    await expect(reading).rejects.toThrow(/^stacked\.csv: rows below the first 1000/)
  })

  it('notes after the last rows leave the layout as it was: reading them raises nothing', async () => {
    const rows = [...long, [long.length + 2, ['Source: NHS England']] as [number, CellValue[]]]
    const found = await findFirstTables(source(rows))
    expect(await findTables(source(rows))).toEqual(found.layouts)
    expect(await readAll(checkedLayout(source(rows), {}, found.layouts, 'notes.csv'))).toBe(rows.length)
  })
})
