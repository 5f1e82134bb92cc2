import { describe, expect, it } from 'vitest'
import { type CellValue, DataWarpError, describeLocation, type TableRow } from '../model/table.js'
import type { SampleRow, TableLayout } from './layout.js'
import { makeTable, type RowOptions, type RowSource, tableRows } from './table-rows.js'

/**
 * A reader over rows at explicit positions (blank rows may be absent, as readers leave them out), in
 * batches of `size` rows so that tables are seen to read on across batch boundaries.
 */
function source(rows: [number, CellValue[]][], size = 2): RowSource & { passes: number } {
  const read = Object.assign(
    async function* (): AsyncIterable<readonly SampleRow[]> {
      read.passes++
      for (let i = 0; i < rows.length; i += size) {
        yield rows.slice(i, i + size).map(([position, cells]) => ({ position, cells }))
      }
    },
    { passes: 0 },
  )
  return read
}

/** All rows of all batches, in order. */
async function flatten(batches: AsyncIterable<readonly TableRow[]>): Promise<TableRow[]> {
  const out: TableRow[] = []
  for await (const batch of batches) out.push(...batch)
  return out
}

/** A layout over the contiguous columns first..last, its header cells one row of the labels. */
function layoutOf(l: {
  headerRows: number[]
  firstColumn: number
  lastColumn: number
  headers: string[]
}): TableLayout {
  const columns = Array.from({ length: l.lastColumn - l.firstColumn + 1 }, (_, i) => l.firstColumn + i)
  return { ...l, columns, headerCells: l.headers.map((h) => [h]), notes: [] }
}

const layout: TableLayout = layoutOf({
  headerRows: [3],
  firstColumn: 0,
  lastColumn: 2,
  headers: ['Code', 'Name', 'Patients'],
})

const where = { file: 'practices.csv', unit: 'line' as const }

async function read(
  rows: [number, CellValue[]][],
  options: {
    layout?: TableLayout
    where?: typeof where | { file: string; sheet: string; unit: 'row' }
    batchSize?: number
    rowOptions?: RowOptions
  } = {},
) {
  const skipped: [number, string][] = []
  const iterate = tableRows(
    source(rows, options.batchSize),
    options.layout ?? layout,
    options.where ?? where,
    options.rowOptions,
  )
  const out = await flatten(iterate({ skipped: (position, reason) => skipped.push([position, reason]) }))
  return { rows: out, skipped }
}

/** The DataWarpError a read fails with (a read that succeeds fails the test). */
async function failure(attempt: Promise<unknown>): Promise<DataWarpError> {
  try {
    await attempt
  } catch (error) {
    if (error instanceof DataWarpError) return error
    throw error
  }
  throw new Error('expected a DataWarpError')
}

const TITLE: [number, CellValue[]][] = [
  [1, ['GP practices', null, null]],
  [3, ['Code', 'Name', 'Patients']],
]

describe('tableRows', () => {
  it('yields the rows below the header, cut to the table columns, with their positions', async () => {
    const { rows, skipped } = await read([
      ...TITLE,
      [4, ['A1', 'The Surgery', 1200]],
      [5, ['A2', 'The Practice', '3,400']],
    ])
    expect(rows).toEqual([
      { position: 4, cells: ['A1', 'The Surgery', 1200] },
      { position: 5, cells: ['A2', 'The Practice', '3,400'] },
    ])
    expect(skipped).toEqual([])
  })

  it('pads short rows with nulls and reads blank text as null', async () => {
    const { rows } = await read([...TITLE, [4, ['A1', '  ']], [5, ['A2', 'B', 3]]])
    expect(rows[0]).toEqual({ position: 4, cells: ['A1', null, null] })
  })

  it('does not report the rows above the header', async () => {
    const { skipped } = await read([...TITLE, [4, ['A1', 'B', 1]], [5, ['A2', 'C', 2]]])
    expect(skipped).toEqual([])
  })

  it('skips blank rows and reports them', async () => {
    const { rows, skipped } = await read([
      ...TITLE,
      [4, ['A1', 'B', 1]],
      [5, [null, '', '  ']],
      [6, []],
      [7, ['A2', 'C', 2]],
    ])
    expect(rows.map((r) => r.position)).toEqual([4, 7])
    expect(skipped).toEqual([
      [5, 'blank'],
      [6, 'blank'],
    ])
  })

  it('skips a repeated header row and reports it', async () => {
    const { rows, skipped } = await read([
      ...TITLE,
      [4, ['A1', 'B', 1]],
      [5, ['Code', ' Name ', 'Patients']],
      [6, ['A2', 'C', 2]],
    ])
    expect(rows.map((r) => r.position)).toEqual([4, 6])
    expect(skipped).toEqual([[5, 'repeated header']])
  })

  it('reports trailing footnote rows as after the table and never yields them', async () => {
    const { rows, skipped } = await read([
      ...TITLE,
      [4, ['A1', 'B', 1]],
      [5, ['A2', 'C', 2]],
      [7, ['Source: NHS England', null, null]],
      [8, ['1. Figures are provisional', null, null]],
    ])
    expect(rows.map((r) => r.position)).toEqual([4, 5])
    expect(skipped).toEqual([
      [7, 'after the table (notes or footnotes)'],
      [8, 'after the table (notes or footnotes)'],
    ])
  })

  it('reports one-cell rows at the very end as after the table', async () => {
    const { rows, skipped } = await read([
      ...TITLE,
      [4, ['A1', 'B', 1]],
      [6, ['1. Figures are provisional', null, null]],
      [7, ['2. Practices that closed are left out', null, null]],
    ])
    expect(rows.map((r) => r.position)).toEqual([4])
    expect(skipped).toEqual([
      [6, 'after the table (notes or footnotes)'],
      [7, 'after the table (notes or footnotes)'],
    ])
  })

  it('yields a sparse row in the middle when full rows follow it', async () => {
    const { rows, skipped } = await read([
      ...TITLE,
      [4, ['A1', 'B', 1]],
      [5, ['A2', null, null]],
      [6, ['A3', 'D', 3]],
    ])
    expect(rows.map((r) => r.position)).toEqual([4, 5, 6])
    expect(rows[1]!.cells).toEqual(['A2', null, null])
    expect(skipped).toEqual([])
  })

  it('a sparse row at the end of one batch is yielded once a full row comes in the next', async () => {
    const rows: [number, CellValue[]][] = [
      ...TITLE,
      [4, ['A1', 'B', 1]],
      [5, ['A2', null, null]],
      [6, ['A3', 'D', 3]],
    ]
    for (const batchSize of [1, 2, 3, 10]) {
      const { rows: out, skipped } = await read(rows, { batchSize })
      expect(
        out.map((r) => r.position),
        `batches of ${batchSize}`,
      ).toEqual([4, 5, 6])
      expect(skipped).toEqual([])
    }
  })

  it('an end marker ("Notes") ends the table and later rows are reported, not yielded', async () => {
    const { rows, skipped } = await read([
      ...TITLE,
      [4, ['A1', 'B', 1]],
      [5, ['A2', 'C', 2]],
      [6, ['Notes', null, null]],
      [7, ['A3', 'D', 3]],
      [8, [null, null, null]],
      [9, ['Footnote text', null, null, null, 'far right']],
    ])
    expect(rows.map((r) => r.position)).toEqual([4, 5])
    expect(skipped).toEqual([
      [6, 'after the table (notes or footnotes)'],
      [7, 'after the table (notes or footnotes)'],
      [9, 'after the table (notes or footnotes)'],
    ])
  })

  it.each([
    'Source: NHS England',
    'Sources',
    'Notes:',
    'Footnotes',
    'Return to contents',
    'Back to contents',
  ])('the first cell %j ends the table', async (marker) => {
    const { rows, skipped } = await read([...TITLE, [4, ['A1', 'B', 1]], [5, [marker]], [6, ['A2', 'C', 2]]])
    expect(rows.map((r) => r.position)).toEqual([4])
    expect(skipped.map(([p]) => p)).toEqual([5, 6])
  })

  it('one-cell rows waiting before an end marker are reported with it', async () => {
    const { rows, skipped } = await read([
      ...TITLE,
      [4, ['A1', 'B', 1]],
      [5, ['* suppressed', null, null]],
      [6, ['Source: NHS England', null, null]],
    ])
    expect(rows.map((r) => r.position)).toEqual([4])
    expect(skipped).toEqual([
      [5, 'after the table (notes or footnotes)'],
      [6, 'after the table (notes or footnotes)'],
    ])
  })

  it('"Sources of data" in a full row is data, not an end marker', async () => {
    const { rows } = await read([...TITLE, [4, ['Source A', 'Notes B', 1]], [5, ['A2', 'C', 2]]])
    expect(rows.map((r) => r.position)).toEqual([4, 5])
  })

  it('a value outside the table columns throws a DataWarpError naming the line and column', async () => {
    const error = await failure(read([...TITLE, [4, ['A1', 'B', 1]], [5, ['A2', 'C', 2, null, 'stray']]]))
    expect(error.message).toBe("a value lies outside the table's 3 columns (found in column 5)")
    expect(error.where).toEqual({ file: 'practices.csv', sheet: undefined, line: 5 })
    expect(describeLocation(error.where)).toBe('practices.csv, line 5')
  })

  it('in a sheet, the error names the row and the column letter', async () => {
    const sheetLayout: TableLayout = layoutOf({
      headerRows: [1],
      firstColumn: 1,
      lastColumn: 27,
      headers: [],
    })
    const cells: CellValue[] = new Array(29).fill('v')
    cells[0] = null
    const error = await failure(
      read([[2, cells]], { layout: sheetLayout, where: { file: 'gp.xlsx', sheet: 'Table 1', unit: 'row' } }),
    )
    expect(error.message).toBe("a value lies outside the table's 27 columns (found in column AC)")
    expect(error.where).toEqual({ file: 'gp.xlsx', sheet: 'Table 1', row: 2 })
  })

  it('a row with values only outside the table columns is reported, not yielded', async () => {
    const { rows, skipped } = await read([
      ...TITLE,
      [4, ['A1', 'B', 1]],
      [5, [null, null, null, 'side note']],
      [6, ['A2', 'C', 2]],
    ])
    expect(rows.map((r) => r.position)).toEqual([4, 6])
    expect(skipped).toEqual([[5, 'no value inside the table columns']])
  })

  it('reads only the columns of a table that does not start in the first column', async () => {
    const indented: TableLayout = layoutOf({
      headerRows: [1],
      firstColumn: 2,
      lastColumn: 3,
      headers: ['Code', 'Count'],
    })
    const { rows } = await read(
      [
        [1, [null, null, 'Code', 'Count']],
        [2, [null, null, 'A', 1]],
        [3, ['', undefined as unknown as CellValue, 'B', 2]],
      ],
      { layout: indented },
    )
    expect(rows).toEqual([
      { position: 2, cells: ['A', 1] },
      { position: 3, cells: ['B', 2] },
    ])
  })

  it('in a two-column table a one-cell row is data', async () => {
    const narrow: TableLayout = layoutOf({
      headerRows: [1],
      firstColumn: 0,
      lastColumn: 1,
      headers: ['Code', 'Count'],
    })
    const { rows } = await read(
      [
        [1, ['Code', 'Count']],
        [2, ['A', null]],
        [3, ['B', 2]],
      ],
      { layout: narrow },
    )
    expect(rows.map((r) => r.position)).toEqual([2, 3])
  })

  it('starts after the last header row of a two-row header', async () => {
    const grouped: TableLayout = layoutOf({
      headerRows: [1, 2],
      firstColumn: 0,
      lastColumn: 2,
      headers: ['Region', '2024 > April', '2024 > May'],
    })
    const { rows } = await read(
      [
        [1, [null, '2024', null]],
        [2, ['Region', 'April', 'May']],
        [3, ['North', 1, 2]],
      ],
      { layout: grouped },
    )
    expect(rows).toEqual([{ position: 3, cells: ['North', 1, 2] }])
  })

  it('rows are re-iterable: each pass reads the source again and yields the same rows', async () => {
    const rowsSource = source([...TITLE, [4, ['A1', 'B', 1]], [5, [null, null, null]], [6, ['A2', 'C', 2]]])
    const iterate = tableRows(rowsSource, layout, where)
    const pass = async () => {
      const skipped: number[] = []
      const out = await flatten(iterate({ skipped: (p) => skipped.push(p) }))
      return { out, skipped }
    }
    const first = await pass()
    const second = await pass()
    expect(second).toEqual(first)
    expect(first.out.map((r) => r.position)).toEqual([4, 6])
    expect(first.skipped).toEqual([5])
    expect(rowsSource.passes).toBe(2)
  })

  it('works without an observer', async () => {
    const out = await flatten(tableRows(source([...TITLE, [4, [null]], [5, ['A', 'B', 1]]]), layout, where)())
    expect(out.map((r) => r.position)).toEqual([5])
  })
})

describe('makeTable', () => {
  it('carries the file, ZIP, sheet, headers and header rows of the layout', () => {
    const batches = tableRows(source([]), layout, where)
    const table = makeTable({ file: 'a.xlsx', zip: 'b.zip', sheet: 'Data' }, layout, batches)
    expect(table).toMatchObject({
      file: 'a.xlsx',
      zip: 'b.zip',
      sheet: 'Data',
      headers: ['Code', 'Name', 'Patients'],
      headerRows: [3],
    })
    expect(table.batches).toBe(batches)
  })

  it('leaves out an absent ZIP, sheet, title, notes and wide layout', () => {
    const table = makeTable({ file: 'a.csv' }, layout, tableRows(source([]), layout, where))
    expect(Object.keys(table).sort()).toEqual([
      'batches',
      'columnRefs',
      'file',
      'headerCells',
      'headerRows',
      'headers',
      'rows',
    ])
    expect(table.columnRefs).toEqual(['1', '2', '3'])
  })

  it('rows() gives the rows of every batch one at a time, and reports skips the same way', async () => {
    const rows: [number, CellValue[]][] = [
      ...TITLE,
      [4, ['A1', 'B', 1]],
      [5, []],
      [6, ['A2', 'C', 2]],
      [7, ['A3', 'D', 3]],
    ]
    const table = makeTable({ file: 'a.csv' }, layout, tableRows(source(rows), layout, where))
    const skipped: number[] = []
    const out: TableRow[] = []
    for await (const row of table.rows({ skipped: (p) => skipped.push(p) })) out.push(row)
    expect(out.map((r) => r.position)).toEqual([4, 6, 7])
    expect(skipped).toEqual([5])
  })
})

describe('tableRows on sheets', () => {
  const sheet = { file: 'gp.xlsx', sheet: 'Table 1', unit: 'row' as const }

  it('a value beside the table on a sheet is left out and reported with its column; the row is kept', async () => {
    const { rows, skipped } = await read([...TITLE, [4, ['A1', 'B', 1, null, 3.0085]], [5, ['A2', 'C', 2]]], {
      where: sheet,
      rowOptions: { outside: 'report' },
    })
    expect(rows.map((r) => r.cells)).toEqual([
      ['A1', 'B', 1],
      ['A2', 'C', 2],
    ])
    expect(skipped).toEqual([[4, 'value beside the table left out (column E)']])
  })

  it('a text merged down over several rows (a financial year) fills each of them; a merged number does not', async () => {
    const layout = layoutOf({
      headerRows: [1],
      firstColumn: 1,
      lastColumn: 3,
      headers: ['Year', 'Month', 'Count'],
    })
    const { rows } = await read(
      [
        [1, [null, 'Year', 'Month', 'Count']],
        [2, [null, '2007/08', 'Apr', 440]],
        [3, [null, null, 'May', null]],
        [4, [null, null, 'Jun', 5]],
        [5, [null, '2008/09', 'Apr', 6]],
      ],
      {
        layout,
        where: sheet,
        rowOptions: {
          merges: [
            { top: 2, left: 2, bottom: 4, right: 2 },
            { top: 2, left: 4, bottom: 3, right: 4 },
          ],
        },
      },
    )
    expect(rows.map((r) => r.cells)).toEqual([
      ['2007/08', 'Apr', 440],
      ['2007/08', 'May', null],
      ['2007/08', 'Jun', 5],
      ['2008/09', 'Apr', 6],
    ])
  })

  it('stops before the next table on the sheet, without reporting its rows', async () => {
    const layout = {
      ...layoutOf({ headerRows: [3], firstColumn: 0, lastColumn: 2, headers: ['Code', 'Name', 'Patients'] }),
      endBefore: 7,
    }
    const { rows, skipped } = await read(
      [
        ...TITLE,
        [4, ['A1', 'B', 1]],
        [5, ['Notes:', '1. provisional']],
        [7, ['Table 2']],
        [9, ['x', 'y', 'z', 'w']],
      ],
      { layout },
    )
    expect(rows.map((r) => r.position)).toEqual([4])
    expect(skipped).toEqual([[5, 'after the table (notes or footnotes)']])
  })

  it('skips a repeated header of two rows, each row of it', async () => {
    const layout: TableLayout = {
      ...layoutOf({
        headerRows: [1, 2],
        firstColumn: 0,
        lastColumn: 2,
        headers: ['Region', '2024 > Apr', '2024 > May'],
      }),
      headerCells: [
        ['', 'Region'],
        ['2024', 'Apr'],
        ['2024', 'May'],
      ],
    }
    const { rows, skipped } = await read(
      [
        [1, [null, '2024', '2024']],
        [2, ['Region', 'Apr', 'May']],
        [3, ['North', 1, 2]],
        [4, [null, '2024', '2024']],
        [5, ['Region', 'Apr', 'May']],
        [6, ['South', 3, 4]],
      ],
      { layout },
    )
    expect(rows.map((r) => r.position)).toEqual([3, 6])
    expect(skipped).toEqual([
      [4, 'repeated header'],
      [5, 'repeated header'],
    ])
  })

  it('"Notes:" followed by the note in the next column ends the table, and so does a copyright line', async () => {
    const notes = await read([
      ...TITLE,
      [4, ['A1', 'B', 1]],
      [5, ['Notes:', '1 Data are provisional']],
      [6, ['A2', 'C', 2]],
    ])
    expect(notes.rows.map((r) => r.position)).toEqual([4])
    const copyright = await read([
      ...TITLE,
      [4, ['A1', 'B', 1]],
      [6, ['Copyright © 2025 NHS England']],
      [7, ['A2', 'C', 2]],
    ])
    expect(copyright.rows.map((r) => r.position)).toEqual([4])
  })

  it('a stray copyright text inside a full row of data is data, not the end', async () => {
    const { rows } = await read([
      ...TITLE,
      [4, ['Copyright © 2025 NHS England', 'C', 2]],
      [5, ['A2', 'C', 2]],
    ])
    expect(rows.map((r) => r.position)).toEqual([4, 5])
  })

  it('reads a table made of columns that are not next to each other (a spacer column left out)', async () => {
    const layout: TableLayout = {
      ...layoutOf({ headerRows: [1], firstColumn: 0, lastColumn: 3, headers: ['Code', 'Calls', 'Missed'] }),
      columns: [0, 1, 3],
      headerCells: [['Code'], ['Calls'], ['Missed']],
    }
    const { rows } = await read(
      [
        [1, ['Code', 'Calls', null, 'Missed']],
        [2, ['A', 1, null, 2]],
      ],
      {
        layout,
        where: sheet,
        rowOptions: { outside: 'report' },
      },
    )
    expect(rows).toEqual([{ position: 2, cells: ['A', 1, 2] }])
  })
})
