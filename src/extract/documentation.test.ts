import { existsSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CORPUS } from '../../test/support/corpus.js'
import { writeXlsx } from '../../test/support/spreadsheets.js'
import { definitionColumns } from './documentation.js'
import { extractFile } from './extract-file.js'

describe('definitionColumns', () => {
  it.each([
    [['Column', 'Name of Field', 'Description', 'Comments'], { field: 1, text: [2, 3] }],
    [['Field name', 'Definition'], { field: 0, text: [1] }],
    [['FIELD_NAME', 'FIELD_DESCRIPTION'], { field: 0, text: [1] }],
    [['Variable', 'Notes', 'Description'], { field: 0, text: [2, 1] }],
    [['Data item', 'Meaning'], { field: 0, text: [1] }],
    [['Column heading', 'Definitions'], { field: 0, text: [1] }],
  ])('%j is a table of field definitions', (headers, columns) => {
    expect(definitionColumns(headers)).toEqual(columns)
  })

  it.each([
    [['Org Code', 'Org Name', 'Appointments']],
    [['Name', 'Description']],
    [['Measure', 'Value']],
    [['Field name', 'Value']],
    [['Description', 'Count']],
  ])('%j is data', (headers) => {
    expect(definitionColumns(headers)).toBeUndefined()
  })
})

describe('documentation in generated files', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'datawarp-documentation-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('a definitions workbook beside the data is documentation, not a table, whatever its sheet is called', async () => {
    const path = join(dir, 'Overall Definitions.xlsx')
    await writeXlsx(path, [
      {
        name: 'CSV fields',
        rows: [
          [1, ['Practice-level CSV: definitions']],
          [3, ['Column', 'Name of Field', 'Description', 'Comments']],
          [4, ['A', 'PRAC_CODE', 'General Practice Code', null]],
          [5, ['B', 'TOTAL_GP_HC', 'Headcount of all GPs', 'Excludes locums']],
          [6, ['C', 'REGION_NAME', null, null]],
        ],
      },
    ])
    const extracted = await extractFile({ path, fileName: 'Overall Definitions.xlsx', kind: 'xlsx' })
    expect(extracted.tables).toEqual([])
    expect(extracted.skipped).toEqual([])
    expect(extracted.documentation).toEqual([
      {
        file: 'Overall Definitions.xlsx',
        sheet: 'CSV fields',
        columns: { field: 'Name of Field', text: ['Description', 'Comments'] },
        definitions: [
          { field: 'PRAC_CODE', text: 'General Practice Code.' },
          { field: 'TOTAL_GP_HC', text: 'Headcount of all GPs. Excludes locums.' },
        ],
      },
    ])
  })

  it('a definitions sheet in the data workbook is documentation; its data sheets stay tables', async () => {
    const path = join(dir, 'Appointments.xlsx')
    await writeXlsx(path, [
      { name: 'Notes', rows: [[1, ['Note 1: Figures are provisional.']]] },
      {
        name: 'Definitions',
        rows: [
          [1, ['Field name', 'Definition']],
          [2, ['Org Code', 'ODS code of the practice.']],
          [3, ['Appointments', 'Appointments booked in the month, all modes.']],
        ],
      },
      {
        name: 'Table 1',
        rows: [
          [1, ['Org Code', 'Appointments']],
          [2, ['A81001', 120]],
          [3, ['A81002', 95]],
        ],
      },
    ])
    const extracted = await extractFile({ path, fileName: 'Appointments.xlsx', kind: 'xlsx' })
    expect(extracted.tables.map((t) => t.sheet)).toEqual(['Table 1'])
    // The notes sheet is skipped with the reason; the definitions sheet is documentation, not a skip.
    expect(extracted.skipped.map((s) => s.sheet)).toEqual(['Notes'])
    expect(extracted.documentation?.map((d) => [d.sheet, d.definitions.length])).toEqual([['Definitions', 2]])
    expect(extracted.notes).toContain('Note 1: Figures are provisional.')
  })

  it('a CSV of field definitions is documentation', async () => {
    const path = join(dir, 'fields.csv')
    writeFileSync(
      path,
      'Field name,Definition\r\nPCN_CODE,Code of the Primary Care Network\r\nFTE,Full-time equivalent\r\n',
    )
    const extracted = await extractFile({ path, fileName: 'fields.csv', kind: 'csv', zip: 'pcn.zip' })
    expect(extracted.tables).toEqual([])
    expect(extracted.documentation).toEqual([
      {
        file: 'fields.csv',
        zip: 'pcn.zip',
        columns: { field: 'Field name', text: ['Definition'] },
        definitions: [
          { field: 'PCN_CODE', text: 'Code of the Primary Care Network.' },
          { field: 'FTE', text: 'Full-time equivalent.' },
        ],
      },
    ])
  })

  it('a table whose "field" column holds prose is data, header or not', async () => {
    const path = join(dir, 'comments.csv')
    const prose = 'A long comment '.repeat(12).trim()
    writeFileSync(path, `Field,Description\r\n${prose},Some text\r\nB,Other text\r\n`)
    const extracted = await extractFile({ path, fileName: 'comments.csv', kind: 'csv' })
    expect(extracted.tables).toHaveLength(1)
    expect(extracted.documentation).toBeUndefined()
  })
})

describe.runIf(existsSync(CORPUS))('documentation in the corpus', () => {
  it('GP workforce "Overall Definitions.xlsx" defines the 805 fields of the practice-level CSV', async () => {
    const fileName = '0 General Practice Detailed Practice-Level CSV. Overall Definitions.xlsx'
    const path = join(CORPUS, 'gp_workforce', fileName)
    const extracted = await extractFile({ path, fileName, kind: 'xlsx' })
    expect(extracted.tables).toEqual([])
    const [doc] = extracted.documentation ?? []
    expect(doc!.definitions).toHaveLength(805)
    expect(doc!.definitions[0]).toEqual({ field: 'PRAC_CODE', text: 'General Practice Code.' })
    expect(doc!.definitions.find((d) => d.field === 'TOTAL_PATIENTS')?.text).toBe(
      'Total GP Registered Patients.',
    )
  })
})
