import { describe, expect, it } from 'vitest'
import {
  cleanHeader,
  fileTitle,
  footnoteNumbers,
  noteTexts,
  offlineFieldText,
  offlineSourceText,
  restatesTitle,
  roleOf,
  sentenceCase,
  unitFromLabel,
} from './offline.js'

describe('unitFromLabel', () => {
  it.each([
    ['% of appointments', 'percent'],
    ['Percentage seen within 2 weeks', 'percent'],
    ['Proportion of practices', 'percent'],
    ['Uptake rate', 'percent'],
    ['Rate per 1,000 [note 2]', 'per 1,000'],
    ['Rate per 100000 population', 'per 100,000'],
    ['Total cost (£)', 'GBP'],
    ['Spend (£000s)', 'GBP thousands'],
    ['Net payment', 'GBP'],
    ['Total NHS Payments to General Practice', 'GBP'],
    ['Amount in GBP', 'GBP'],
    ['GP FTE', 'FTE'],
    ['Full-time equivalent nurses', 'FTE'],
    ['Headcount', 'count'],
    ['Number of payments', 'count'],
    ['Number waiting 0-18 weeks', 'count'],
    ['Appointment count', 'count'],
    ['Median wait (days)', 'days'],
    ['Mean wait (weeks)', 'weeks'],
    ['Days to appointment', 'days'],
    ['Waiting 18 weeks or more', undefined],
    ['Seen within 2 days', undefined],
    ['Registered patients', undefined],
  ])('%s → %s', (label, unit) => {
    expect(unitFromLabel(label)).toBe(unit)
  })
})

describe('roleOf', () => {
  it('makes text, dates and integer codes, years and months dimensions; other numbers measures', () => {
    expect(roleOf({ name: 'org_name', title: 'Org Name', type: 'string' })).toBe('dimension')
    expect(roleOf({ name: 'report_date', title: 'Report date', type: 'date' })).toBe('dimension')
    expect(roleOf({ name: 'year', title: 'Year', type: 'integer' })).toBe('dimension')
    expect(roleOf({ name: 'month', title: 'Month', type: 'integer' })).toBe('dimension')
    expect(roleOf({ name: 'region_code', title: 'Region Code', type: 'integer' })).toBe('dimension')
    expect(roleOf({ name: 'practice_id', title: 'Practice ID', type: 'integer' })).toBe('dimension')
    expect(roleOf({ name: 'years_of_service', title: 'Years of service', type: 'integer' })).toBe('measure')
    expect(roleOf({ name: 'patients', title: 'Registered patients', type: 'integer' })).toBe('measure')
    expect(roleOf({ name: 'year', title: 'Year', type: 'number' })).toBe('measure')
  })
})

describe('footnotes and notes', () => {
  it('reads the note numbers of footnote markers', () => {
    expect(footnoteNumbers('Patients [1]')).toEqual([1])
    expect(footnoteNumbers('Patients [note 2, 3]')).toEqual([2, 3])
    expect(footnoteNumbers('Patients [notes 4 and 5] [4]')).toEqual([4, 5])
    expect(footnoteNumbers('Patients²')).toEqual([2])
    expect(footnoteNumbers('Patients')).toEqual([])
    expect(cleanHeader('2024-25 > April [1]')).toBe('2024-25, April')
  })

  it("attaches the text of the notes a header's footnote markers point to; a marker without its note says nothing", () => {
    const notes = noteTexts([
      'Notes',
      'Note 1: Patients registered on the last day of the month.',
      '[2] Excludes dental.',
    ])
    expect(offlineFieldText({ name: 'p', title: 'Registered patients [1]', type: 'integer' }, notes)).toEqual(
      {
        description: 'Registered patients (see note 1: Patients registered on the last day of the month.)',
        descriptionSource: 'publisher',
        role: 'measure',
      },
    )
    expect(offlineFieldText({ name: 'c', title: 'Cost (£) [note 2, 3]', type: 'number' }, notes)).toEqual({
      description: 'Cost (£) (see note 2: Excludes dental.)',
      descriptionSource: 'publisher',
      unit: 'GBP',
      role: 'measure',
    })
    expect(offlineFieldText({ name: 'c', title: 'Cost [note 3]', type: 'number' }, notes)).toEqual({
      unit: 'GBP',
      role: 'measure',
    })
    expect(noteTexts(['2024-25 figures are provisional'])).toEqual(new Map())
  })

  it("takes the release's definition of a field, unless it only says the header again", () => {
    const field = { name: 'prac_code', title: 'PRAC_CODE', type: 'string' as const }
    expect(offlineFieldText(field, new Map(), 'General Practice Code.')).toEqual({
      description: 'General Practice Code.',
      descriptionSource: 'publisher',
      role: 'dimension',
    })
    expect(offlineFieldText(field, new Map(), 'Prac code')).toEqual({ role: 'dimension' })
  })
})

describe('sentenceCase', () => {
  it.each([
    ['REPORTING_PERIOD_START', 'Reporting period start'],
    ['PCN_CODE', 'PCN code'],
    ['SUB_ICB_NAME', 'Sub ICB name'],
    ['MEASURE_ID', 'Measure ID'],
    ['FTE', 'FTE'],
    ['Total GP Registered Patients', 'Total GP registered patients'],
    ['Number of GPs', 'Number of GPs'],
    ['NHS England Commissioning Region [note 3]', 'NHS England commissioning region'],
    ['Data_source', 'Data source'],
    ['A&E attendances', 'A&E attendances'],
    ['2024-25 > April', '2024-25, April'],
    ['CENSUS_MONTH', 'Census month'],
    ['2002/03 [note 1] [note 3] > GDP', '2002/03, GDP'],
  ])('%s → %s', (header, title) => {
    expect(sentenceCase(header)).toBe(title)
  })
})

describe('restatesTitle', () => {
  it('counts the header again, in any case or spacing, as no description', () => {
    expect(restatesTitle('Reporting period start', 'REPORTING_PERIOD_START')).toBe(true)
    expect(restatesTitle('Registered patients', 'Registered patients [1]')).toBe(true)
    expect(restatesTitle('Org Code', 'Org Code')).toBe(true)
    expect(restatesTitle(undefined, 'Org Code')).toBe(true)
    expect(restatesTitle('ODS code of the organisation', 'Org Code')).toBe(false)
  })
})

describe('offlineSourceText', () => {
  const ctx = {
    publication: { code: 'appointments', name: 'Appointments in General Practice' },
    notes: ['Contents', 'Table 1: Appointments by region and month', 'Table 10: Something else'],
  }

  it('titles a sheet from the contents sheet, else its title row, else the publication and the sheet; never a bare file name', () => {
    expect(
      offlineSourceText({ key: 't1', match: { file: 'Appts - *.xlsx', sheet: 'Table 1' } }, ctx),
    ).toEqual({
      title: 'Appointments by region and month',
      description:
        'Appointments by region and month. From the sheet "Table 1" of the workbook "Appts", published in Appointments in General Practice.',
      descriptionSource: 'publisher',
    })
    expect(
      offlineSourceText({ key: 't2', match: { file: 'Appts - *.xlsx', sheet: 'Table 2' } }, ctx).title,
    ).toBe('Appointments in General Practice: Table 2')
    expect(
      offlineSourceText(
        { key: 't3', match: { file: 'Appts - *.xlsx', sheet: 'Table 3' } },
        { ...ctx, tableTitle: 'Table 3: Appointments by mode, November 2025' },
      ),
    ).toEqual({
      title: 'Appointments by mode, November 2025',
      description:
        'Table 3: Appointments by mode, November 2025. From the sheet "Table 3" of the workbook "Appts", published in Appointments in General Practice.',
      descriptionSource: 'publisher',
    })
    expect(offlineSourceText({ key: 'adhd', match: { file: 'ADHD_*.csv' } }, ctx)).toEqual({
      title: 'Appointments in General Practice: ADHD',
      description: 'From the file "ADHD", published in Appointments in General Practice.',
      descriptionSource: 'derived',
    })
    const mhsds = { code: 'mhsds', name: 'Mental Health Services Monthly Statistics' }
    expect(offlineSourceText({ key: 'big', match: { file: 'big.csv' } }, { publication: mhsds }).title).toBe(
      'Mental Health Services Monthly Statistics: big',
    )
    expect(fileTitle('Submissions via OC Systems in General Practice - *.xlsx')).toBe(
      'Submissions via OC Systems in General Practice',
    )
  })
})
