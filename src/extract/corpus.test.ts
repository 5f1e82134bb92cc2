import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultZipLimits, sniffFileKind, unpackZip } from '../fetch/index.js'
import { physicalNames } from '../manifest/index.js'
import type { ExtractedFile, ExtractedTable, LocalFile } from '../model/table.js'
import { extractFile } from './extract-file.js'

/**
 * Golden tests over the real NHS files in ../shared/corpus (see its SOURCES.tsv), run when the folder exists.
 *
 * The expectations were written from the files themselves, read with an independent reader (Python's zipfile
 * and ElementTree over the sheet XML, csv over the CSVs) and checked by eye: for each table its sheet, header
 * rows, first and last data row, column count and data row count. A data row is a row below the header, before
 * the notes or the next table, with a value in the table's columns (spaces are not values); the columns are
 * those with a header label of their own or a value in the table's rows. The discharge sitreps stack three
 * tables on each sheet (England and regions; ICBs under "Region / ICB Code / ICB Name"; trusts under
 * "Region / Org Code / Org Name").
 */
const corpus = fileURLToPath(new URL('../../../shared/corpus', import.meta.url))

type TableExpectation = [
  sheet: string,
  headerRows: number[],
  first: number,
  last: number,
  columns: number,
  rows: number,
]

interface FileExpectation {
  file: string
  skipped: string[]
  tables: TableExpectation[]
  /** Tables of field definitions: [sheet, field column, text columns, definitions]. None unless listed. */
  documentation?: [sheet: string, field: string, text: string[], definitions: number][]
}

const WORKBOOKS: FileExpectation[] = [
  {
    file: 'gp_cloud_based_telephony/Cloud Based Telephony Publication Summary November 2025.xlsx',
    skipped: ['Title sheet', 'Data Quality'],
    tables: [
      ['Table 1', [8], 10, 54, 16, 35],
      ['Table 2', [9], 11, 40, 12, 30],
      ['Table 3', [9, 10, 11], 13, 4807, 22, 4794],
      ['Table 4', [9, 10, 11], 12, 4806, 30, 4794],
      ['Table 5', [9, 10, 11], 12, 4806, 22, 4794],
    ],
  },
  {
    file: 'gp_cloud_based_telephony/Cloud Based Telephony Publication Summary October 2025_v2.xlsx',
    skipped: ['Title sheet', 'Data Quality'],
    tables: [
      ['Table 1', [8], 10, 54, 15, 35],
      ['Table 2', [9], 11, 41, 12, 31],
      ['Table 3', [9, 10, 11], 13, 4473, 22, 4460],
      ['Table 4', [9, 10, 11], 12, 4472, 30, 4460],
      ['Table 5', [9, 10, 11], 12, 4472, 22, 4460],
    ],
  },
  {
    file: 'gp_online_consultation_submissions/Submissions via Online Consultation Systems in General Practice - April 2024.xlsx',
    skipped: ['Title sheet', 'Data Quality'],
    tables: [
      ['Table 1', [11], 12, 25, 15, 11],
      ['Table 2', [12], 13, 4894, 18, 4882],
    ],
  },
  {
    file: 'gp_online_consultation_submissions/Submissions via Online Consultation Systems in General Practice - May 2024.xlsx',
    skipped: ['Title sheet', 'Data Quality'],
    tables: [
      ['Table 1', [11], 12, 25, 16, 11],
      ['Table 2', [12], 13, 4781, 18, 4769],
    ],
  },
  {
    file: 'gp_online_consultation_submissions/Submissions via Online Consultation Systems in General Practice - June 2024.xlsx',
    skipped: ['Title sheet', 'Data Quality'],
    tables: [
      ['Table 1', [11], 12, 25, 17, 11],
      ['Table 2', [12], 13, 6270, 19, 6258],
      ['Table 3', [11, 12], 13, 19, 10, 7],
    ],
  },
  {
    file: 'gp_online_consultation_submissions/Submissions via Online Consultation Systems in General Practice - August 2024.xlsx',
    skipped: ['Title sheet', 'Data Quality'],
    tables: [
      ['Table 1', [11], 12, 25, 19, 11],
      ['Table 2', [12], 13, 6251, 19, 6239],
      ['Table 3', [11, 12], 13, 19, 10, 7],
    ],
  },
  {
    file: 'gp_online_consultation_submissions/Submissions via Online Consultation Systems in General Practice - December 2024.xlsx',
    skipped: ['Title sheet', 'Data Quality'],
    tables: [
      ['Table 1', [11], 12, 25, 21, 11],
      ['Table 2', [12], 13, 6231, 19, 6219],
      ['Table 3', [11, 12], 13, 19, 10, 7],
    ],
  },
  {
    file: 'gp_online_consultation_submissions/Submissions via Online Consultation Systems in General Practice - March 2025.xlsx',
    skipped: ['Title sheet', 'Data Quality'],
    tables: [
      ['Table 1', [11], 12, 25, 21, 11],
      ['Table 2', [12], 13, 6225, 19, 6213],
      ['Table 3', [11, 12], 13, 19, 10, 7],
    ],
  },
  {
    file: 'rtt_waiting_times/RTT-Overview-Timeseries-October22.xlsx',
    skipped: [],
    tables: [['Full Time Series', [10, 11], 12, 203, 37, 192]],
  },
  {
    file: 'gp_workforce/0 General Practice Detailed Practice-Level CSV. Overall Definitions.xlsx',
    skipped: [],
    // The data dictionary of the practice-level CSV: documentation, not a table (rows 2–806, 805 fields).
    tables: [],
    documentation: [['Practice-Level CSV Definitions', 'Name of Field', ['Description', 'Comments'], 805]],
  },
  {
    file: 'gp_earnings_expenses/Time_series.xlsx',
    skipped: ['Contents', 'Definitions and Changes', 'Notes'],
    tables: [
      ['1a. Contractor earn. by country', [9], 10, 105, 25, 96],
      ['1b. GPMS Contractor REAL TERMS', [9, 10], 11, 26, 44, 16],
      ['1c. Contractor Exp. by country', [8], 9, 224, 24, 216],
      ['2a. GPMS by Age & Gender ', [7], 8, 679, 10, 672],
      ['2b. GPMS Expens by Age & Gender', [7], 8, 1351, 10, 1344],
      ['3a. GPMS by Rurality ', [7], 8, 103, 9, 96],
      ['3b. GPMS Expenses by Rurality ', [7], 8, 199, 9, 192],
      ['4a. GPMS by Practice List Size', [7], 8, 247, 9, 240],
      ['4b. GPMS Expens by Prac List Sz', [7], 8, 487, 9, 480],
      ['5a. GPMS by NHS ECR', [7], 8, 127, 14, 120],
      ['5b. GPMS Expenses by NHS ECR', [7], 8, 247, 14, 240],
      ['6. GPMS Contractor Distribution', [8], 9, 782, 12, 774],
      ['7a. Salaried by Country ', [8], 9, 56, 20, 48],
      ['7b. Sal by Country REAL TERMS', [8, 9], 10, 33, 36, 24],
      ['8. GPMS Sal by Age & Gender', [7], 8, 343, 9, 336],
      ['9. GPMS Salaried by Rurality', [6], 7, 54, 8, 48],
      ['10. Salaried by Prac List Size', [7], 8, 127, 8, 120],
      ['11. GPMS Salaried by NHS ECR', [8], 9, 68, 14, 60],
      ['12. Salaried Distribution', [8], 9, 101, 9, 93],
      ['13. Combined by Country', [7], 8, 39, 19, 32],
      ['14. GPMS Comb by Age & Gender', [6], 7, 230, 9, 224],
      ['15. GPMS Combined by Rurality', [6], 7, 38, 8, 32],
      ['16. Combined by Prac List Size', [7], 8, 87, 8, 80],
      ['17. GPMS Combined by NHS ECR', [8], 9, 48, 14, 40],
    ],
  },
  {
    file: 'nhse_discharge_sitrep_acute/april2022.xlsx',
    skipped: ['Cover Sheet', 'Contents'],
    tables: [
      ['Table 1', [3], 4, 33, 2, 30],
      ['Table 2', [3, 4], 5, 12, 91, 8],
      ['Table 2', [3, 4, 14], 15, 56, 93, 42],
      ['Table 2', [3, 4, 58], 59, 179, 93, 121],
      ['Table 3', [4, 5], 6, 13, 13, 8],
      ['Table 3', [4, 5, 15], 16, 57, 15, 42],
      ['Table 3', [4, 5, 59], 60, 180, 15, 121],
      ['Table 4', [4, 5], 6, 13, 13, 8],
      ['Table 4', [4, 5, 15], 16, 57, 15, 42],
      ['Table 4', [4, 5, 59], 60, 180, 15, 121],
      ['Table 5', [4, 5], 6, 13, 19, 8],
      ['Table 5', [4, 5, 15], 16, 57, 21, 42],
      ['Table 5', [4, 5, 59], 60, 180, 21, 121],
    ],
  },
  {
    file: 'nhse_discharge_sitrep_acute/june2022.xlsx',
    skipped: ['Cover Sheet', 'Contents'],
    tables: [
      ['Table 1', [3], 4, 33, 2, 30],
      ['Table 2', [3, 4], 5, 12, 91, 8],
      ['Table 2', [3, 4, 14], 15, 56, 93, 42],
      ['Table 2', [3, 4, 58], 59, 179, 93, 121],
      ['Table 3', [4, 5], 6, 13, 16, 8],
      ['Table 3', [4, 5, 15], 16, 57, 18, 42],
      ['Table 3', [4, 5, 59], 60, 180, 18, 121],
      ['Table 4', [5, 6], 7, 14, 13, 8],
      ['Table 4', [5, 6, 16], 17, 58, 15, 42],
      ['Table 4', [5, 6, 60], 61, 181, 15, 121],
      ['Table 5', [4, 5], 6, 13, 19, 8],
      ['Table 5', [4, 5, 15], 16, 57, 21, 42],
      ['Table 5', [4, 5, 59], 60, 180, 21, 121],
    ],
  },
  {
    file: 'nhse_discharge_sitrep_acute/december2022.xlsx',
    skipped: ['Cover Sheet', 'Contents'],
    tables: [
      ['Table 1', [3], 4, 34, 2, 31],
      ['Table 2', [4, 5], 6, 13, 94, 8],
      ['Table 2', [4, 5, 15], 16, 57, 96, 42],
      ['Table 2', [4, 5, 59], 60, 180, 96, 121],
      ['Table 3', [4, 5], 6, 13, 16, 8],
      ['Table 3', [4, 5, 15], 16, 57, 18, 42],
      ['Table 3', [4, 5, 59], 60, 180, 18, 121],
      ['Table 4', [5, 6], 7, 14, 13, 8],
      ['Table 4', [5, 6, 16], 17, 58, 15, 42],
      ['Table 4', [5, 6, 60], 61, 181, 15, 121],
      ['Table 5', [4, 5], 6, 13, 19, 8],
      ['Table 5', [4, 5, 15], 16, 57, 21, 42],
      ['Table 5', [4, 5, 59], 60, 180, 21, 121],
    ],
  },
  {
    file: 'nhse_discharge_sitrep_acute/latest_time_series.xlsx',
    skipped: ['Cover Sheet', 'Contents'],
    tables: [
      ['Daily Series', [8, 9], 10, 1045, 16, 1036],
      ['Weekly Series', [6, 7], 8, 155, 22, 148],
    ],
  },
  {
    file: 'nhse_discharge_sitrep_community/june2023.xlsx',
    skipped: ['Cover Sheet', 'Contents'],
    tables: [
      ['Table 1', [4], 5, 34, 2, 30],
      ['Table 2', [3, 4], 5, 12, 91, 8],
      ['Table 2', [3, 4, 14], 15, 56, 93, 42],
      ['Table 2', [3, 4, 58], 59, 165, 93, 107],
      ['Table 3', [3, 4], 5, 12, 11, 8],
      ['Table 3', [3, 4, 14], 15, 56, 13, 42],
      ['Table 3', [3, 4, 58], 59, 165, 13, 107],
      ['Table 4', [3, 4], 5, 12, 12, 8],
      ['Table 4', [3, 4, 14], 15, 56, 14, 42],
      ['Table 4', [3, 4, 58], 59, 165, 14, 107],
      ['Table 5', [3], 4, 11, 19, 8],
      ['Table 5', [3, 13], 14, 55, 21, 42],
      ['Table 5', [3, 57], 58, 164, 21, 107],
      ['Daily Series', [4, 5], 6, 262, 15, 257],
      ['Weekly Series', [5, 6], 7, 42, 21, 36],
    ],
  },
  {
    file: 'nhse_discharge_sitrep_community/october2023.xlsx',
    skipped: ['Cover Sheet', 'Contents'],
    tables: [
      ['Table 1', [4], 5, 35, 2, 31],
      ['Table 2', [4, 5], 6, 13, 94, 8],
      ['Table 2', [4, 5, 15], 16, 57, 96, 42],
      ['Table 2', [4, 5, 59], 60, 167, 96, 108],
      ['Table 3', [3, 4], 5, 12, 9, 8],
      ['Table 3', [3, 4, 14], 15, 56, 11, 42],
      ['Table 3', [3, 4, 58], 59, 166, 11, 108],
      ['Table 4', [3, 4, 5], 6, 13, 22, 8],
      ['Table 4', [3, 4, 5, 15], 16, 57, 24, 42],
      ['Table 4', [3, 4, 5, 59], 60, 167, 24, 108],
      ['Table 5', [3], 4, 11, 22, 8],
      ['Table 5', [3, 13], 14, 55, 24, 42],
      ['Table 5', [3, 57], 58, 165, 24, 108],
    ],
  },
  {
    file: 'other_uk_public/ohid_fingertips/api_annex.ods',
    skipped: ['Contents', 'VersionControl'],
    tables: [
      ['ProfileIDs', [3], 4, 42, 4, 39],
      ['GroupIDs', [3], 4, 227, 4, 224],
      ['IndicatorIDs', [3], 4, 1320, 3, 1317],
      ['AreaTypeIDs', [3], 4, 41, 3, 38],
    ],
  },
]

/** Records and fields counted with Python's csv module (the header line is line 1). */
const CSVS: [file: string, rows: number, columns: number][] = [
  ['gp_appointments/APPOINTMENTS_GP_COVERAGE aug 2021- jan 2023.csv', 3180, 8],
  ['gp_appointments/Regional_CSV_Lincolnshire.csv', 6394, 13],
  ['gp_earnings_expenses/2018.csv', 15258, 15],
  ['gp_earnings_expenses/2020.csv', 18065, 16],
  ['gp_registered_patients/PracPopNov.csv', 6200, 10],
  ['gp_registered_patients/PracPopOct.csv', 6202, 10],
  ['mhsds_monthly/MHSDS Data_4WW_AprPerf_2024_v2.csv', 19958, 11],
  ['mhsds_monthly/MHSDS Data_4WW_MayPerf_2024_v2.csv', 19934, 11],
  ['nhs_payments_gp/14-15.csv', 7959, 53],
  ['nhs_payments_gp/16-17.csv', 7763, 54],
  ['nhs_payments_gp/17-18.csv', 7543, 54],
  ['other_nhs/qof/PREVALENCE_2425.csv', 129948, 5],
  ['pcn_workforce/Primary Care Networks – March 2020 Individual Level.csv', 534, 16],
  ['pcn_workforce/Primary Care Networks – June 2020 Individual Level.csv', 2044, 16],
  ['pcn_workforce/Primary Care Networks – September 2020 Individual Level.csv', 3159, 16],
]

async function open(file: string): Promise<ExtractedFile> {
  const path = join(corpus, file)
  return extractFile({ path, fileName: basename(path), kind: await sniffFileKind(path, basename(path)) })
}

async function positions(table: ExtractedTable): Promise<number[]> {
  const out: number[] = []
  for await (const batch of table.batches()) for (const row of batch) out.push(row.position)
  return out
}

async function actual(table: ExtractedTable): Promise<TableExpectation> {
  const rows = await positions(table)
  return [table.sheet!, [...table.headerRows], rows[0]!, rows.at(-1)!, table.headers.length, rows.length]
}

describe.runIf(existsSync(corpus))('every table of every corpus file', () => {
  it.each(WORKBOOKS.map((w) => [w.file, w] as const))('%s', async (_file, expected) => {
    const { tables, skipped, documentation } = await open(expected.file)
    expect(skipped.map((s) => s.sheet)).toEqual(expected.skipped)
    expect(
      (documentation ?? []).map((d) => [d.sheet, d.columns.field, d.columns.text, d.definitions.length]),
    ).toEqual(expected.documentation ?? [])
    const found: TableExpectation[] = []
    for (const table of tables) found.push(await actual(table))
    expect(found).toEqual(expected.tables)
  })

  it.each(CSVS)('%s: %i rows of %i columns', async (file, rows, columns) => {
    const { tables, skipped, documentation } = await open(file)
    expect(skipped).toEqual([])
    expect(documentation).toBeUndefined()
    expect(tables).toHaveLength(1)
    expect(tables[0]!.headerRows).toEqual([1])
    expect(tables[0]!.headers).toHaveLength(columns)
    const found = await positions(tables[0]!)
    expect([found.length, found[0], found.at(-1)]).toEqual([rows, 2, rows + 1])
  })

  describe('the ZIP of the GP registered patients mapping file', () => {
    let work: string
    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'datawarp-corpus-zip-'))
    })
    afterAll(async () => {
      await rm(work, { recursive: true, force: true })
    })

    it('holds one CSV of 6,139 practices in 17 columns', async () => {
      const path = join(corpus, 'gp_registered_patients/gp-reg-pat-prac-map.zip')
      const zip = { url: path, path, fileName: basename(path), bytes: 0, sha256: '', kind: 'zip' as const }
      const { members, ignored } = await unpackZip(zip, work, defaultZipLimits(2 ** 31))
      expect(ignored).toEqual([])
      expect(members.map((m) => m.name)).toEqual(['gp-reg-pat-prac-map.csv'])
      const file: LocalFile = {
        path: members[0]!.path,
        fileName: members[0]!.name,
        kind: 'csv',
        zip: zip.fileName,
      }
      const [table] = (await extractFile(file)).tables
      expect(table!.headers.slice(0, 3)).toEqual(['PUBLICATION', 'EXTRACT_DATE', 'PRACTICE_CODE'])
      expect(table!.headers).toHaveLength(17)
      expect(await positions(table!)).toHaveLength(6139)
    })
  })
})

/** The table of a file on a sheet (the nth on it, for sheets that hold several). */
async function tableOf(file: string, sheet: string, nth = 0): Promise<ExtractedTable> {
  const { tables } = await open(file)
  const table = tables.filter((t) => t.sheet === sheet)[nth]
  if (!table) throw new Error(`no table ${nth} on ${sheet} of ${file}`)
  return table
}

describe.runIf(existsSync(corpus))('labels of corpus tables, checked against the files', () => {
  it('telephony Table 3: a three-row header with merged groups, embedded line breaks and footnotes', async () => {
    const table = await tableOf(
      'gp_cloud_based_telephony/Cloud Based Telephony Publication Summary November 2025.xlsx',
      'Table 3',
    )
    expect(table.title).toBe(
      'Table 3: Summary of Cloud based telephony call outcomes, by practice, England, November 2025',
    )
    expect([table.headers[0], table.headers[1], table.headers[12], table.headers[21]]).toEqual([
      'Month [1]',
      'GP Practice (ODS_CODE)',
      'Count of Inbound Call Outcome > Answered > Total',
      'Call back made > % of requested',
    ])
    expect(table.headerCells?.[1]).toEqual(['', 'GP Practice \n(ODS_CODE)', ''])
    expect(table.columnRefs?.slice(10, 14)).toEqual(['K', 'L', 'N', 'O'])
    expect(physicalNames(table.headers).slice(0, 5)).toEqual([
      'month',
      'gp_practice_ods_code',
      'gp_name',
      'pcn_code',
      'pcn_name',
    ])
  })

  it('telephony Table 1: Excel-date month headers (month ends and starts) become YYYY-MM; a column per month', async () => {
    const table = await tableOf(
      'gp_cloud_based_telephony/Cloud Based Telephony Publication Summary November 2025.xlsx',
      'Table 1',
    )
    expect(table.headers.slice(0, 4)).toEqual(['', '', '2025-11', '2025-10'])
    expect(table.headerCells?.[2]).toEqual(['2025-11-30'])
    expect(table.wide?.periods).toHaveLength(14)
  })

  it('Online Consultation: footnote markers stay in labels, not in physical names', async () => {
    const t1 = await tableOf(
      'gp_online_consultation_submissions/Submissions via Online Consultation Systems in General Practice - December 2024.xlsx',
      'Table 1',
    )
    expect(t1.headers.slice(2, 4)).toEqual(['Dec-24[8]', 'Nov-24[7]'])
    expect(physicalNames(t1.headers).slice(2, 4)).toEqual(['dec_24', 'nov_24'])
    expect(t1.wide?.periods.slice(0, 2)).toEqual(['Dec-24', 'Nov-24'])
    const t2 = await tableOf(
      'gp_online_consultation_submissions/Submissions via Online Consultation Systems in General Practice - August 2024.xlsx',
      'Table 2',
    )
    expect(t2.headers[12]).toBe('Submissions [7. 11]')
    expect(physicalNames(t2.headers)[12]).toBe('submissions')
    const t3 = await tableOf(
      'gp_online_consultation_submissions/Submissions via Online Consultation Systems in General Practice - August 2024.xlsx',
      'Table 3',
    )
    expect(t3.headers.slice(0, 2)).toEqual(['Day', 'Submission time > 00:00 - 05:59'])
    expect(t3.wide).toBeUndefined()
  })

  it('RTT: data from column B, group labels over their sub-headers, a spacer column left out', async () => {
    const table = await tableOf(
      'rtt_waiting_times/RTT-Overview-Timeseries-October22.xlsx',
      'Full Time Series',
    )
    expect(table.columnRefs?.[0]).toBe('B')
    expect([
      table.headers[0],
      table.headers[1],
      table.headers[2],
      table.headers[30],
      table.headers[32],
    ]).toEqual([
      'Year',
      'Month',
      'Incomplete RTT pathways > Median wait (weeks)',
      'New RTT periods > No. of new RTT periods',
      'Admitted (adjusted) RTT pathways > Median wait (weeks)',
    ])
    expect(table.columnRefs?.slice(30, 33)).toEqual(['AF', 'AG', 'AI'])
  })

  it('GP earnings 1b: a year merged over its GDP and RPI columns', async () => {
    const table = await tableOf('gp_earnings_expenses/Time_series.xlsx', '1b. GPMS Contractor REAL TERMS')
    expect(table.headers.slice(0, 4)).toEqual([
      'Country',
      'Category > Deflator',
      '2002/03 [note 1] [note 3] > GDP',
      '2002/03 [note 1] [note 3] > RPI',
    ])
    expect(table.wide?.measures).toEqual(['GDP', 'RPI'])
  })

  it('discharge sitrep: the notes paragraph is a note; the ICB section names its columns', async () => {
    const icb = await tableOf('nhse_discharge_sitrep_acute/april2022.xlsx', 'Table 2', 1)
    expect(icb.headers.slice(0, 4)).toEqual([
      'Region',
      'ICB Code',
      'ICB Name',
      '2022-04-01 > Number of patients who no longer meet the criteria to reside',
    ])
    expect(icb.notes?.[0]).toMatch(/^Notes: \n1\. Due to disclosure risks/)
    expect(icb.wide?.periods).toHaveLength(30)
    const weekly = await tableOf('nhse_discharge_sitrep_acute/latest_time_series.xlsx', 'Weekly Series')
    expect(weekly.headers[0]).toBe('Week commencing')
    expect(weekly.headers[4]).toBe(
      'Number of patients delayed by reason with a length of stay of 14+ days > Awaiting a medical decision/intervention including writing the discharge summary',
    )
    const pathways = await tableOf('nhse_discharge_sitrep_community/october2023.xlsx', 'Table 4', 2)
    expect(pathways.headers[3]).toBe(
      'Total number of patients discharged > Pathway 0 > P0 - Domestic home, no new support need',
    )
  })
})
