import { writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Cell,
  handWrittenPackage,
  utc,
  worksheet,
  writeOds,
  writeXlsx,
  writeZip,
} from '../../test/support/spreadsheets.js'
import { draftKeys, profileTable } from '../manifest/index.js'
import type { ExtractedTable, LocalFile, TableRow } from '../model/table.js'
import { extractFile } from './extract-file.js'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datawarp-extract-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const local = (name: string, kind: LocalFile['kind'] = 'xlsx'): LocalFile => ({
  path: join(dir, name),
  fileName: name,
  kind,
})

async function read(table: ExtractedTable): Promise<{ rows: TableRow[]; skipped: [number, string][] }> {
  const rows: TableRow[] = []
  const skipped: [number, string][] = []
  for await (const row of table.rows({ skipped: (p, why) => skipped.push([p, why]) })) rows.push(row)
  return { rows, skipped }
}

const months = (from: number, count: number) => Array.from({ length: count }, (_, i) => utc(2007, from + i))

describe('extractFile on workbooks laid out like NHS releases', () => {
  it('RTT: metadata block, two-row grouped header, data from column B, a year merged down over its months', async () => {
    const dates = months(4, 24)
    await writeXlsx(join(dir, 'rtt.xlsx'), [
      {
        name: 'Full Time Series',
        rows: [
          [2, ['Title:', 'Referral to Treatment (RTT) Waiting Times, England'], 2],
          [4, ['Period:', 'April 2007 to March 2009'], 2],
          [5, ['Source:', 'NHS England: monthly RTT data collection'], 2],
          [10, ['Year', 'Month', 'Incomplete RTT pathways', null, 'New RTT periods'], 2],
          [11, [null, null, 'Median wait (weeks)', '92nd percentile (weeks)', 'No. of new RTT periods'], 2],
          ...dates.map((d, i): [number, Cell[], number] => [
            12 + i,
            [
              i === 0 ? '2007/08' : i === 12 ? '2008/09' : null,
              d,
              i < 3 ? '-' : 10 + i / 10,
              i < 6 ? '52+' : 40,
              1000 + i,
            ],
            2,
          ]),
          [37, ['Notes:'], 2],
          [38, ['1. Median and percentile times are calculated from aggregate data.'], 2],
        ],
        merges: ['D10:E10', 'B12:B23', 'B24:B35'],
      },
    ])
    const { tables, skipped } = await extractFile(local('rtt.xlsx'))
    expect(skipped).toEqual([])
    const [table] = tables
    expect(table).toMatchObject({
      sheet: 'Full Time Series',
      headerRows: [10, 11],
      columnRefs: ['B', 'C', 'D', 'E', 'F'],
      title: 'Referral to Treatment (RTT) Waiting Times, England',
      headers: [
        'Year',
        'Month',
        'Incomplete RTT pathways > Median wait (weeks)',
        'Incomplete RTT pathways > 92nd percentile (weeks)',
        'New RTT periods > No. of new RTT periods',
      ],
    })
    const { rows, skipped: left } = await read(table!)
    expect(rows).toHaveLength(24)
    expect(rows.map((r) => r.cells[0])).toEqual([...Array(12).fill('2007/08'), ...Array(12).fill('2008/09')])
    expect(rows[0]!.cells[1]).toEqual(utc(2007, 4))
    expect(left).toEqual([
      [37, 'after the table (notes or footnotes)'],
      [38, 'after the table (notes or footnotes)'],
    ])
    const draft = await profileTable(table!, 'full_time_series')
    expect(draft.fields.map((f) => [f.name, f.type, f.suppressed])).toEqual([
      ['year', 'string', 0],
      ['month', 'date', 0],
      ['incomplete_rtt_pathways_median_wait_weeks', 'number', 3],
      ['incomplete_rtt_pathways_92nd_percentile_weeks', 'string', 0],
      ['new_rtt_periods_no_of_new_rtt_periods', 'integer', 0],
    ])
    expect(draft.dataRows).toEqual({ first: 12, last: 35 })
  })

  it('telephony: helper numbers above, a three-row header with merged groups, spacer columns left out', async () => {
    const practice = (i: number): Cell[] => [
      utc(2025, 11),
      `P${i}`,
      `Practice ${i}`,
      100 + i,
      null,
      60 + i,
      0.6,
      null,
      40,
      0.4,
    ]
    await writeXlsx(join(dir, 'telephony.xlsx'), [
      { name: 'Title sheet', rows: [[8, ['Cloud Based Telephony']]] },
      {
        name: 'Table 3',
        rows: [
          [1, [null, null, null, 25765191, null, 14323679, 0.556, null, 2788606, 0.108]],
          [4, [null, null, null, 12, null, 13, null, null, 16]],
          [5, ['Return to Contents', null, null, 3, null, 5, 6, null, 12, 13]],
          [7, ['Table 3: Summary of call outcomes, by practice']],
          [9, [null, null, null, null, null, 'Count of Inbound Call Outcome']],
          [
            10,
            [
              'Month [1]',
              'GP Practice \n(ODS_CODE)',
              'GP Name',
              'Count of Inbound calls',
              null,
              'Answered',
              null,
              null,
              'Missed',
            ],
          ],
          [11, [null, null, null, 'Total', null, 'Total', '%', null, 'Total', '%']],
          [13, ['Total', null, null, 29439840, null, 15936380, 0.541, null, 3499800, 0.119]],
          ...Array.from({ length: 30 }, (_, i): [number, Cell[]] => [15 + i, practice(i)]),
          [46, ['Notes:', '  1   Data for months October 24 - September 2025 is available']],
          [47, [null, '  2   Geographical information on PCN, Sub ICB, ICB and Region']],
        ],
        merges: ['F9:J9', 'F10:G10', 'I10:J10'],
      },
    ])
    const { tables, skipped } = await extractFile(local('telephony.xlsx'))
    expect(skipped).toEqual([
      {
        file: 'telephony.xlsx',
        sheet: 'Title sheet',
        reason: 'cover, contents, notes or document history sheet',
      },
    ])
    const table = tables[0]!
    expect(table.headerRows).toEqual([9, 10, 11])
    expect(table.columnRefs).toEqual(['A', 'B', 'C', 'D', 'F', 'G', 'I', 'J'])
    expect(table.headers).toEqual([
      'Month [1]',
      'GP Practice (ODS_CODE)',
      'GP Name',
      'Count of Inbound calls > Total',
      'Count of Inbound Call Outcome > Answered > Total',
      'Count of Inbound Call Outcome > Answered > %',
      'Count of Inbound Call Outcome > Missed > Total',
      'Count of Inbound Call Outcome > Missed > %',
    ])
    expect(table.headerCells?.[1]).toEqual(['', 'GP Practice \n(ODS_CODE)', ''])
    const { rows, skipped: left } = await read(table)
    expect(rows).toHaveLength(31)
    expect(rows[0]!.cells).toEqual(['Total', null, null, 29439840, 15936380, 0.541, 3499800, 0.119])
    expect(left.map(([p]) => p)).toEqual([46, 47])
    const draft = await profileTable(table, 'table_3')
    expect(draft.fields.map((f) => f.name)).toEqual([
      'month',
      'gp_practice_ods_code',
      'gp_name',
      'count_of_inbound_calls_total',
      'count_of_inbound_call_outcome_answered_total',
      'count_of_inbound_call_outcome_answered_pct',
      'count_of_inbound_call_outcome_missed_total',
      'count_of_inbound_call_outcome_missed_pct',
    ])
  })

  it('discharge sitrep: a notes paragraph in the merged top-left header cell, a date row above, sections', async () => {
    const notes =
      'Notes: \n1. Due to disclosure risks, trust-level data exclude hospices.\nThis may explain differing sums.'
    const values = (n: number): Cell[] => [n, n + 1, n + 2, n + 3]
    await writeXlsx(join(dir, 'discharge.xlsx'), [
      { name: 'Cover Sheet', rows: [[2, ['Title:', 'Acute Daily Discharge Situation Report'], 2]] },
      { name: 'Contents', rows: [[2, ['Contents'], 2]] },
      {
        name: 'Table 2',
        rows: [
          [1, ['Table 2: Number of patients who no longer meet the criteria to reside'], 2],
          [2, ['Contents'], 2],
          [3, [utc(2022, 4, 1), null, utc(2022, 4, 2)], 5],
          [4, [notes, null, null, 'Patients', 'Discharged', 'Patients', 'Discharged'], 2],
          [5, [null, null, 'ENGLAND', ...values(100)], 2],
          [6, [null, null, 'LONDON', ...values(10)], 2],
          [8, ['Region', 'ICB Code', 'ICB Name'], 2],
          [9, ['LONDON', 'QMJ', 'NHS North Central London', ...values(5)], 2],
          [11, ['Region', 'Org Code', 'Org Name'], 2],
          [12, ['LONDON', 'RAL', 'Royal Free London', ...values(2)], 2],
          [13, ['LONDON', 'RKE', 'Whittington Health', '-', '-', 3, 1], 2],
        ],
        merges: ['B1:D1', 'E3:F3', 'G3:H3', 'B4:D4'],
      },
    ])
    const { tables, skipped } = await extractFile(local('discharge.xlsx'))
    expect(skipped.map((s) => s.sheet)).toEqual(['Cover Sheet', 'Contents'])
    expect(tables.map((t) => [t.headerRows, t.part, t.headers.slice(0, 4)])).toEqual([
      [[3, 4], undefined, ['', '2022-04-01 > Patients', '2022-04-01 > Discharged', '2022-04-02 > Patients']],
      [[3, 4, 8], 'Region ICB Code ICB Name', ['Region', 'ICB Code', 'ICB Name', '2022-04-01 > Patients']],
      [[3, 4, 11], 'Region Org Code Org Name', ['Region', 'Org Code', 'Org Name', '2022-04-01 > Patients']],
    ])
    expect(tables[0]!.notes).toEqual([notes])
    // England and the regions leave Region and ICB Code empty: unlabelled and empty there, they are left out.
    expect(tables[0]!.columnRefs).toEqual(['D', 'E', 'F', 'G', 'H'])
    expect(tables[1]!.columnRefs).toEqual(['B', 'C', 'D', 'E', 'F', 'G', 'H'])
    // Two days are not yet a column per period: three are.
    expect(tables.map((t) => t.wide)).toEqual([undefined, undefined, undefined])
    expect(draftKeys(tables)).toEqual([
      'table_2',
      'table_2_region_icb_code_icb_name',
      'table_2_region_org_code_org_name',
    ])
    expect((await read(tables[0]!)).rows.map((r) => r.position)).toEqual([5, 6])
    expect((await read(tables[2]!)).rows.map((r) => r.cells.slice(0, 4))).toEqual([
      ['LONDON', 'RAL', 'Royal Free London', 2],
      ['LONDON', 'RKE', 'Whittington Health', '-'],
    ])
  })

  it('GP earnings: preamble, labels with line breaks and [note N], suppression, a stray cell beside the table', async () => {
    await writeXlsx(join(dir, 'earnings.xlsx'), [
      { name: 'Notes', rows: [[1, ['Note number', 'Note text']]] },
      { name: 'Working', state: 'hidden', rows: [[1, ['scratch', 1]]] },
      {
        name: '1a. Contractor earn. by country ',
        rows: [
          [1, ['Return to contents']],
          [2, ['GPMS Contractor GP Earnings and Expenses Estimates 2002/03 to 2016/17']],
          [3, ['This worksheet contains one table. Some cells refer to notes.']],
          [4, [': Data not available. c Results have been suppressed where the sample is too small.']],
          [
            6,
            [
              'Country',
              'Category',
              '2012/13 \n[note 1] [note 3]',
              '2013/14',
              '2014/15',
              '2014/15 [note 4]',
              '2015/16',
            ],
          ],
          [7, ['England', 'Gross Earnings', 289300, 290900, 302600, 'z', 315600]],
          [8, ['England', 'Total Expenses', 184200, 189000, 198800, 'z', 210800, null, 3.0085795996186846]],
          [9, ['Wales', 'Gross Earnings', 'c', ':', 'c', 'c', 283700]],
          [11, ['Source: For details on data sources see the Data Sources section']],
          [13, ['Copyright © 2023 NHS England']],
        ],
      },
    ])
    const { tables, skipped } = await extractFile(local('earnings.xlsx'))
    expect(skipped.map((s) => [s.sheet, s.reason])).toEqual([
      ['Notes', 'cover, contents, notes or document history sheet'],
      ['Working', 'hidden sheet'],
    ])
    const table = tables[0]!
    expect(table.title).toBe('GPMS Contractor GP Earnings and Expenses Estimates 2002/03 to 2016/17')
    expect(table.notes).toEqual([
      'This worksheet contains one table. Some cells refer to notes.',
      ': Data not available. c Results have been suppressed where the sample is too small.',
    ])
    expect(table.headers[2]).toBe('2012/13 [note 1] [note 3]')
    expect(table.wide?.periods).toEqual(['2012/13', '2013/14', '2014/15', '2014/15 [note 4]', '2015/16'])
    const draft = await profileTable(table, 'contractor_earnings')
    expect(draft.fields.map((f) => f.name)).toEqual([
      'country',
      'category',
      'c_2012_13',
      'c_2013_14',
      'c_2014_15',
      'c_2014_15_2',
      'c_2015_16',
    ])
    expect(draft.fields.map((f) => [f.type, f.suppressed])).toEqual([
      ['string', 0],
      ['string', 0],
      ['integer', 1],
      ['integer', 1],
      ['integer', 1],
      ['string', 3], // nothing but markers: no type yet, every marker counted
      ['integer', 0],
    ])
    expect(draft.excludedRows).toEqual([
      '1 row (8): value beside the table left out (column I)',
      '2 rows (11–13): after the table (notes or footnotes)',
    ])
  })

  it('reads every row of a long sheet: there is no row cap', async () => {
    const rows: [number, Cell[]][] = [[1, ['Practice Code', 'Patients', 'Month']]]
    for (let i = 0; i < 25_000; i++) rows.push([i + 2, [`P${i}`, i, utc(2024, 1 + (i % 12))]])
    await writeXlsx(join(dir, 'long.xlsx'), [{ name: 'Data', rows }])
    const [table] = (await extractFile(local('long.xlsx'))).tables
    const { rows: read25k } = await read(table!)
    expect(read25k).toHaveLength(25_000)
    expect(read25k.at(-1)).toEqual({ position: 25_001, cells: ['P24999', 24_999, utc(2024, 4)] })
  })
})

describe('the text of notes and contents sheets', () => {
  it('is kept a line per row for enrichment, the first 500 lines of a sheet, and the sheets after it still read', async () => {
    const long: [number, Cell[]][] = Array.from({ length: 600 }, (_, i) => [
      i + 1,
      [`Note ${i + 1}`, `Text ${i + 1}`],
    ])
    await writeXlsx(join(dir, 'notes.xlsx'), [
      {
        name: 'Contents',
        rows: [
          [1, ['Table 1', 'Appointments by region']],
          [2, ['Title:', 'Appointments', 'Appointments', 'Appointments']],
        ],
      },
      { name: 'Notes', rows: long },
      {
        name: 'Table 1',
        rows: [
          [1, ['Region', 'Count']],
          [2, ['North', 5]],
          [3, ['South', 7]],
        ],
      },
    ])
    const { tables, notes } = await extractFile(local('notes.xlsx'))
    // A value repeated along a row counts once; a label's own colon is not doubled.
    expect(notes?.slice(0, 4)).toEqual([
      'Table 1: Appointments by region',
      'Title: Appointments',
      'Note 1: Text 1',
      'Note 2: Text 2',
    ])
    expect(notes).toHaveLength(502)
    expect(tables.map((t) => t.sheet)).toEqual(['Table 1'])
    expect((await read(tables[0]!)).rows).toHaveLength(2)
  })
})

describe('a contents sheet that cannot be read', () => {
  it('costs only its text: the data sheets are read, and the skipped sheet says why', async () => {
    const cell = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`
    const parts = handWrittenPackage({
      sheets: [
        // A shared string that is not there.
        { name: 'Contents', xml: worksheet('<row r="1"><c r="A1" t="s"><v>99</v></c></row>') },
        {
          name: 'Table 1',
          xml: worksheet(
            `<row r="1">${cell('A1', 'Region')}${cell('B1', 'Count')}</row>` +
              `<row r="2">${cell('A2', 'North')}<c r="B2"><v>5</v></c></row>`,
          ),
        },
      ],
      sharedStrings: [`<si><t>only one</t></si>`],
    })
    await writeZip(join(dir, 'broken-contents.xlsx'), parts)
    const { tables, skipped, notes } = await extractFile(local('broken-contents.xlsx'))
    expect(tables.map((t) => t.sheet)).toEqual(['Table 1'])
    expect(skipped[0]!.reason).toMatch(
      /^cover, contents, notes or document history sheet; its text could not be read: /,
    )
    expect(notes).toBeUndefined()
  })
})

describe('extractFile on ODS and CSV', () => {
  it('reads an ODS like the Fingertips annex: contents and version sheets skipped, a title and a note above each table', async () => {
    await writeOds(join(dir, 'annex.ods'), [
      {
        name: 'Contents',
        rows: [['Table of Contents'], ['Sheet_Name', 'Sheet_Description'], ['ProfileIDs', 'Profiles']],
      },
      {
        name: 'ProfileIDs',
        rows: [
          ['Profiles with data included in Fingertips'],
          ['This worksheet contains one table, which lists 3 profiles.'],
          ['Profile_ID', 'Profile_Name', 'Is_Profile_Viewable'],
          [18, 'Smoking Profile', 'Yes'],
          [19, 'Public Health Outcomes Framework', 'Yes'],
          [20, 'National General Practice Profiles', 'No. This profile is not viewable'],
        ],
      },
      { name: 'VersionControl', rows: [['Version control'], ['Version', 'When'], [1, utc(2021, 6)]] },
    ])
    const { tables, skipped, notes } = await extractFile(local('annex.ods', 'ods'))
    expect(skipped.map((s) => s.sheet)).toEqual(['Contents', 'VersionControl'])
    // The skipped sheets' text is kept for enrichment: a line per row, the first value before a colon.
    expect(notes).toEqual([
      'Table of Contents',
      'Sheet_Name: Sheet_Description',
      'ProfileIDs: Profiles',
      'Version control',
      'Version: When',
      '1: 2021-06-01',
    ])
    expect(tables).toHaveLength(1)
    expect(tables[0]).toMatchObject({
      sheet: 'ProfileIDs',
      headerRows: [3],
      headers: ['Profile_ID', 'Profile_Name', 'Is_Profile_Viewable'],
      title: 'Profiles with data included in Fingertips',
      notes: ['This worksheet contains one table, which lists 3 profiles.'],
    })
    expect((await read(tables[0]!)).rows.map((r) => r.cells[0])).toEqual([18, 19, 20])
  })

  it('a CSV line with more fields than the header is still an error with its line', async () => {
    writeFileSync(join(dir, 'ragged.csv'), 'Code,Count\r\nA,1\r\nB,2,extra\r\n')
    const [table] = (await extractFile(local('ragged.csv', 'csv'))).tables
    await expect(read(table!)).rejects.toThrow(
      "a value lies outside the table's 2 columns (found in column 3)",
    )
  })

  it('a long definitions CSV with a wider table below its first rows gives what reading all its rows gives', async () => {
    const definitions = Array.from(
      { length: 1500 },
      (_, i) => `F${i},Meaning of field ${i}: ${'the count of patients seen in the month '.repeat(2)}`,
    )
    const text = `Field name,Definition\n${definitions.join('\n')}\n\nRegion,Total,Share\nNorth,10,0.5\nSouth,20,0.25\n`
    writeFileSync(join(dir, 'defs.csv'), text)
    const all = await extractFile(local('defs.csv', 'csv'))
    const first = await extractFile(local('defs.csv', 'csv'), { csvTablesFrom: 'first-rows' })
    expect(all.documentation).toHaveLength(1)
    expect(all.tables.map((t) => t.headers)).toEqual([['Region', 'Total', 'Share']])
    expect(first.documentation).toEqual(all.documentation)
    expect(first.tables.map((t) => t.headers)).toEqual([['Region', 'Total', 'Share']])
    expect(first.tablesFromFirstRows).toBeUndefined()
  })

  it('a CSV with a wide month layout is flagged wide', async () => {
    writeFileSync(join(dir, 'wide.csv'), 'Region,Apr-24,May-24,Jun-24\r\nNorth,1,2,3\r\n')
    const [table] = (await extractFile(local('wide.csv', 'csv'))).tables
    expect(table!.wide?.periods).toEqual(['Apr-24', 'May-24', 'Jun-24'])
    expect(table!.columnRefs).toEqual(['1', '2', '3', '4'])
  })
})
