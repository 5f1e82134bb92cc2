import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { writeZip } from '../../../test/support/fixtures.js'
import { utc, writeXlsx } from '../../../test/support/spreadsheets.js'
import { main } from '../main.js'
import { formatInspection, inspectTarget } from './inspect.js'

let dir: string
let workbook: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datawarp-inspect-test-'))
  workbook = join(dir, 'Submissions - May 2024.xlsx')
  await writeXlsx(workbook, [
    { name: 'Title sheet', rows: [[8, ['Submissions via Online Consultation Systems']]] },
    {
      name: 'Table 1',
      rows: [
        [10, ['Table 1: Summary of availability and usage, England']],
        [11, [null, null, 'May-24', 'Apr-24', 'Mar-24 [7]']],
        [12, ['Coverage', 'Open active practices', 6219, 6221, 6229]],
        [13, [null, 'Count of practices [1, 2]', 5556, 'c', 5509]],
        [15, ['Source: NHS England']],
      ],
    },
    {
      name: 'Table 2',
      rows: [
        [12, ['Month [1]', 'GP Code', 'Submissions [7]']],
        [13, [utc(2024, 5), 'A81001', 10]],
        [14, [utc(2024, 5), 'A81002', '*']],
      ],
    },
  ])
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('datawarp inspect', () => {
  it('describes every table with the pipeline profiler: rows, columns, types, nulls, suppressed', async () => {
    const [file] = await inspectTarget(workbook)
    expect(file!.skipped).toEqual([
      {
        file: 'Submissions - May 2024.xlsx',
        sheet: 'Title sheet',
        reason: 'cover, contents, notes or document history sheet',
      },
    ])
    expect(file!.tables.map((t) => [t.sheet, t.headerRows, t.dataRows, t.rows])).toEqual([
      ['Table 1', [11], { first: 12, last: 13 }, 2],
      ['Table 2', [12], { first: 13, last: 14 }, 2],
    ])
    const t1 = file!.tables[0]!
    expect(t1.excludedRows).toEqual(['1 row (15): after the table (notes or footnotes)'])
    expect(t1.wide).toEqual({ periods: ['May-24', 'Apr-24', 'Mar-24'], measures: [''], unpivoted: false })
    expect(t1.columns.map((c) => [c.ref, c.label, c.name, c.type, c.nulls, c.suppressed])).toEqual([
      ['A', '', 'column_1', 'string', 1, 0],
      ['B', '', 'column_2', 'string', 0, 0],
      ['C', 'May-24', 'may_24', 'integer', 0, 0],
      ['D', 'Apr-24', 'apr_24', 'integer', 1, 1],
      ['E', 'Mar-24 [7]', 'mar_24', 'integer', 0, 0],
    ])
  })

  it('prints a readable report', async () => {
    const text = formatInspection(await inspectTarget(workbook, { sheet: 'table 2' }))
    expect(text).toContain('Submissions - May 2024.xlsx (xlsx): 1 table(s)')
    expect(text).toContain('  sheet "Table 2"\n    header rows 12, data rows 13–14, 3 columns, 2 rows')
    expect(text).toMatch(/C +Submissions \[7\] +submissions +integer +1 +1/)
    expect(text).not.toContain('Table 1')
  })

  it('shows a wide table as it would load with unpivot', async () => {
    const [file] = await inspectTarget(workbook, { sheet: 'Table 1', unpivot: true })
    const t1 = file!.tables[0]!
    expect(t1.rows).toBe(6)
    expect(t1.columns.map((c) => c.name)).toEqual(['column_1', 'column_2', 'period', 'value'])
    expect(t1.wide?.unpivoted).toBe(true)
  })

  it('reads a file:// URL, and each file of a ZIP, listing what it ignores', async () => {
    const zip = join(dir, 'release.zip')
    await writeZip(zip, [
      { name: 'data/practices.csv', data: 'Code,Patients\r\nA1,10\r\nA2,20\r\n' },
      { name: 'guidance.pdf', data: '%PDF-1.4' },
    ])
    const files = await inspectTarget(pathToFileURL(zip).toString())
    expect(files.map((f) => [f.file, f.kind, f.tables.length])).toEqual([
      ['data/practices.csv', 'csv', 1],
      ['guidance.pdf', 'ignored', 0],
    ])
    expect(formatInspection(files)).toContain('release.zip/guidance.pdf: ignored, not a data file (pdf)')
  })

  it('--json prints the report as JSON; an unknown sheet is an error naming the sheets', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      expect(await main(['inspect', workbook, '--json'])).toBe(0)
      const printed = JSON.parse(String(out.mock.calls.map((c) => c[0]).join('')))
      expect(printed[0].tables).toHaveLength(2)
      expect(await main(['inspect', workbook, '--sheet', 'Table 9'])).toBe(1)
      expect(String(err.mock.calls.at(-1)?.[0])).toMatch(
        /no sheet named "Table 9" in Submissions - May 2024\.xlsx; its sheets are "Table 1", "Table 2", "Title sheet"/,
      )
      expect(await main(['inspect'])).toBe(2)
    } finally {
      out.mockRestore()
      err.mockRestore()
    }
  })
})
