import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { type CsvFormat, detectCsvFormat } from './format.js'
import { type CsvRecord, readCsvRecords } from './reader.js'

/** Real published files, shared read-only next to the project (see its README); absent in some checkouts. */
const corpus = join(fileURLToPath(new URL('../../../', import.meta.url)), '../shared/corpus')

async function readAll(path: string): Promise<{ format: CsvFormat; records: CsvRecord[] }> {
  const format = await detectCsvFormat(path)
  const records: CsvRecord[] = []
  for await (const record of readCsvRecords(path, format)) records.push(record)
  return { format, records }
}

// Record counts and widths from Python's csv module over the same files.
const FILES: [file: string, encoding: CsvFormat['encoding'], bom: boolean, records: number, width: number][] =
  [
    ['pcn_workforce/Primary Care Networks – March 2020 Individual Level.csv', 'windows-1252', false, 535, 16],
    ['pcn_workforce/Primary Care Networks – June 2020 Individual Level.csv', 'windows-1252', false, 2045, 16],
    [
      'pcn_workforce/Primary Care Networks – September 2020 Individual Level.csv',
      'windows-1252',
      false,
      3160,
      16,
    ],
    ['nhs_payments_gp/14-15.csv', 'utf-8', true, 7960, 53],
    ['nhs_payments_gp/16-17.csv', 'utf-8', false, 7764, 54],
    ['nhs_payments_gp/17-18.csv', 'utf-8', false, 7544, 54],
    ['gp_earnings_expenses/2018.csv', 'windows-1252', false, 15259, 15],
    ['gp_earnings_expenses/2020.csv', 'utf-8', true, 18066, 16],
    ['gp_appointments/APPOINTMENTS_GP_COVERAGE aug 2021- jan 2023.csv', 'utf-8', false, 3181, 8],
    ['gp_appointments/Regional_CSV_Lincolnshire.csv', 'utf-8', false, 6395, 13],
    ['gp_registered_patients/PracPopOct.csv', 'utf-8', false, 6203, 10],
    ['mhsds_monthly/MHSDS Data_4WW_AprPerf_2024_v2.csv', 'utf-8', false, 19959, 11],
    ['other_nhs/qof/PREVALENCE_2425.csv', 'utf-8', false, 129949, 5],
  ]

describe.runIf(existsSync(corpus))('readCsvRecords on real NHS files', () => {
  it.each(FILES)(
    '%s: %s, every one of its records, one per line',
    async (file, encoding, bom, count, width) => {
      const { format, records } = await readAll(join(corpus, file))
      expect(format).toEqual({ encoding, bom, delimiter: ',' })
      expect(records).toHaveLength(count)
      expect(records.every((record, i) => record.line === i + 1 && record.cells.length === width)).toBe(true)
    },
  )

  it('decodes the Windows-1252 en dashes of the March 2020 PCN workforce file', async () => {
    const { records } = await readAll(join(corpus, FILES[0]![0]))
    const roles = records.map((record) => record.cells[13])
    expect(roles.filter((role) => role === 'Clinical Director – Medical')).toHaveLength(101)
    expect(roles.filter((role) => role === 'Clinical Director – DPC')).toHaveLength(4)
    expect(records.find((record) => record.cells[13]?.includes('–'))?.line).toBe(6)
    expect(records.some((record) => record.cells.some((cell) => cell.includes('\uFFFD')))).toBe(false)
  })

  it('drops the byte order mark of the 2014-15 GP payments file from its first header', async () => {
    const { records } = await readAll(join(corpus, 'nhs_payments_gp/14-15.csv'))
    expect(records[0]?.cells[0]).toBe('NHS England (Region) code')
    // The file has no line break after its last record.
    expect(records.at(-1)?.line).toBe(7960)
  })

  it('decodes the Windows-1252 pound signs of the 2018 GP earnings header', async () => {
    const { records } = await readAll(join(corpus, 'gp_earnings_expenses/2018.csv'))
    const header = records[0]!.cells
    expect(header[9]).toBe('Range_of_Gross_Earnings_from_Self_Employment_£')
    expect(header.filter((cell) => cell.endsWith('_£'))).toHaveLength(4)
  })
})
