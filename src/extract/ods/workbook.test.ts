import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { odsContent, utc, writeOds } from '../../../test/support/spreadsheets.js'
import { DataWarpError } from '../../model/table.js'
import type { SheetRow } from '../spreadsheet/workbook.js'
import { OdsWorkbook } from './workbook.js'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datawarp-ods-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function rowsOf(path: string, sheet: string): Promise<SheetRow[]> {
  const wb = await OdsWorkbook.open(path)
  try {
    const out: SheetRow[] = []
    for await (const batch of wb.batches(sheet)) out.push(...batch)
    return out
  } finally {
    await wb.close()
  }
}

describe('OdsWorkbook', () => {
  it('lists the sheets in order with their hidden flag', async () => {
    const path = join(dir, 'sheets.ods')
    await writeOds(path, [
      { name: 'Contents', rows: [['Table of Contents']] },
      { name: 'Working', hidden: true, rows: [['x']] },
      { name: 'IndicatorIDs', rows: [['IndicatorID', 'IndicatorName']] },
    ])
    const wb = await OdsWorkbook.open(path)
    expect(wb.sheets).toEqual([
      { name: 'Contents', index: 0, hidden: false, kind: 'worksheet' },
      { name: 'Working', index: 1, hidden: true, kind: 'worksheet' },
      { name: 'IndicatorIDs', index: 2, hidden: false, kind: 'worksheet' },
    ])
    await wb.close()
  })

  it('reads typed cells: numbers, dates, booleans, text with runs of spaces and line breaks', async () => {
    const path = join(dir, 'types.ods')
    await writeOds(path, [
      {
        name: 'Data',
        rows: [
          ['Code', 'When', 'Open', 'Note'],
          ['A81001', utc(2021, 6, 1), true, 'two  spaces\nand a line'],
          [1.1, utc(2023, 12, 1), false, null],
        ],
      },
    ])
    expect(await rowsOf(path, 'Data')).toEqual([
      { position: 1, cells: ['Code', 'When', 'Open', 'Note'] },
      { position: 2, cells: ['A81001', utc(2021, 6, 1), true, 'two  spaces\nand a line'] },
      { position: 3, cells: [1.1, utc(2023, 12, 1), false] },
    ])
  })

  it('expands repeated cells and rows that hold a value, and never the empty ones to the edge of the grid', async () => {
    const path = join(dir, 'repeats.ods')
    await writeOds(path, [
      {
        name: 'S',
        rows: [
          ['a', { value: 'b', repeat: 3 }, 'c'],
          2, // two empty rows
          { repeat: 2, cells: ['same', 1] },
        ],
      },
    ])
    const rows = await rowsOf(path, 'S')
    expect(rows).toEqual([
      { position: 1, cells: ['a', 'b', 'b', 'b', 'c'] },
      { position: 4, cells: ['same', 1] },
      { position: 5, cells: ['same', 1] },
    ])
  })

  it('reports merged cells from their spans, and leaves comments out of the cell text', async () => {
    const path = join(dir, 'spans.ods')
    await writeOds(path, [
      {
        name: 'S',
        rows: [
          [null, { value: '2024-25', across: 2 }, { value: null, covered: true }],
          ['Region', { value: 'April', note: 'a comment' }, 'May'],
          [{ value: 'North', down: 2 }, 1, 2],
          [{ value: null, covered: true }, 3, 4],
        ],
      },
    ])
    const wb = await OdsWorkbook.open(path)
    expect(await wb.merges('S')).toEqual([
      { top: 1, left: 2, bottom: 1, right: 3 },
      { top: 3, left: 1, bottom: 4, right: 1 },
    ])
    await wb.close()
    expect((await rowsOf(path, 'S'))[1]).toEqual({ position: 2, cells: ['Region', 'April', 'May'] })
  })

  it('finds a sheet by name without regard to case and names the sheets when there is none', async () => {
    const path = join(dir, 'names.ods')
    await writeOds(path, [{ name: 'GroupIDs', rows: [['x']] }])
    expect(await rowsOf(path, 'groupids')).toEqual([{ position: 1, cells: ['x'] }])
    await expect(rowsOf(path, 'Nope')).rejects.toThrow('no sheet named "Nope" in')
  })

  it('rejects a ZIP without content.xml, and malformed XML, with the file named', async () => {
    const notOds = join(dir, 'not.ods')
    await writeOds(notOds, [], '<x/>')
    const broken = join(dir, 'broken.ods')
    await writeOds(broken, [], odsContent([{ name: 'S', rows: [['a']] }]).replace('</table:table-row>', ''))
    const text = join(dir, 'text.ods')
    await writeFile(text, 'not a zip')
    const error = await OdsWorkbook.open(text).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DataWarpError)
    expect((error as Error).message).toMatch(/^not an ODS spreadsheet: .*text\.ods is not a ZIP file/)
    await expect(OdsWorkbook.open(broken)).rejects.toThrow(/content\.xml/)
    await expect(OdsWorkbook.open(notOds)).rejects.toThrow(/has no sheets/)
  })
})
