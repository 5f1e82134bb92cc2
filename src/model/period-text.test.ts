import { describe, expect, it } from 'vitest'
import { isPeriodError, type Period, parsePeriod } from './period.js'
import {
  monthNumber,
  periodRenderings,
  periodsMentioned,
  renderTemplate,
  templateValues,
  unknownPlaceholders,
  withoutPeriodWords,
} from './period-text.js'

function period(key: string): Period {
  const parsed = parsePeriod(key)
  if (isPeriodError(parsed)) throw new Error(parsed.error)
  return parsed
}

describe('periodsMentioned: the months a file name or link text mentions', () => {
  it.each([
    ['ADHD_Nov25.csv', ['2025-11']],
    ['Submissions via OC Systems in General Practice - November 2025.xlsx', ['2025-11']],
    ['PCNWFIndividualCSV.112025.zip', ['2025-11']],
    ['gp-reg-pat-prac-map-08-2025.csv', ['2025-08']],
    ['Appointments_GP_Daily_CSV_Nov_25.zip', ['2025-11']],
    ['Monthly-AE-November-2025.csv', ['2025-11']],
    ['December-2023-AE-by-provider-9Ia4R.xls', ['2023-12']],
    ['30-november-2025', ['2025-11']],
    ['NHS Workforce Statistics, August 2025 csv files.zip', ['2025-08']],
    ['report_2025-11.csv', ['2025-11']],
    ['report 202511.csv', ['2025-11']],
    ['pcdem-sicbl-age-sex-jul-2025.csv', ['2025-07']],
    ['Cloud Based Telephony Publication Summary October 2025_v2.xlsx', ['2025-10']],
    ['gp-reg-pat-prac-lsoa-2011-male-female-Apr-25.zip', ['2025-04']],
    // A month glued to a word: camel case, underscores, dashes.
    ['MHSDS Data_4WW_MayPerf_2024_v2.csv', ['2024-05']],
    ['MHSDS Data_4WW_JunPrf24.csv', ['2024-06']],
    ['MHSDS Data_Perf_May_2024.csv', ['2024-05']],
    ['mhsds-monthly-may-2024.zip', ['2024-05']],
    ['SubmissionsMay2024.xlsx', ['2024-05']],
  ])('%s → %j', (text, expected) => {
    expect(periodsMentioned(text, 'month')).toEqual(expected)
  })

  it('reads nothing from undated names, words that merely contain a month, or hash suffixes', () => {
    for (const text of [
      'gp-reg-pat-prac-all.zip',
      'PCN_GRANULAR.csv',
      'Summary 2025.xlsx',
      'Decision log 2025.csv',
      'Marketing-2025.csv',
      'PracPopNov.csv',
      'AE-by-provider-9Ia4R.xls',
      'Mayor_2024.csv',
      'maybe 2024.csv',
      'Marching 2024.csv',
      'MarchOfDimes_2024.csv',
      'MAYPERF_2024.csv',
      'mayperf_2024.csv',
    ]) {
      expect(periodsMentioned(text, 'month'), text).toEqual([])
    }
  })

  it('never reads "PCNW March 2025" (decoded from PCNW%20March%202025) as March 2020', () => {
    expect(periodsMentioned('PCNW March 2025 - Bulletin tables.xlsx', 'month')).toEqual(['2025-03'])
    // Even the undecoded form does not produce 2020-03: a year is never cut out of a longer number.
    expect(periodsMentioned('PCNW%20March%202025%20-%20Bulletin%20tables.xlsx', 'month')).not.toContain(
      '2020-03',
    )
  })

  it('reads camel-case names in linear time', () => {
    const text = `${'MayPerf'.repeat(30_000)}_2024`
    const started = performance.now()
    periodsMentioned(text, 'month')
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('does not take a day for a two-digit year', () => {
    expect(periodsMentioned('Published Nov 30 2025', 'month')).toEqual([])
  })

  it('lists every month a range names', () => {
    expect(periodsMentioned('APPOINTMENTS_GP_COVERAGE aug 2021- jan 2023.csv', 'month')).toEqual([
      '2021-08',
      '2023-01',
    ])
  })

  it('reads quarters as calendar quarters, and financial quarters when a financial year follows', () => {
    expect(periodsMentioned('Q3 2025 data.csv', 'quarter')).toEqual(['2025-Q3'])
    expect(periodsMentioned('2025-Q3.csv', 'quarter')).toEqual(['2025-Q3'])
    expect(periodsMentioned('July to September 2025', 'quarter')).toEqual(['2025-Q3'])
    expect(periodsMentioned('Jul-Sep 2025.xlsx', 'quarter')).toEqual(['2025-Q3'])
    expect(periodsMentioned('Q2 2025-26', 'quarter')).toEqual(['2025-Q3'])
    expect(periodsMentioned('Q4 2024-25', 'quarter')).toEqual(['2025-Q1'])
    expect(periodsMentioned('August to October 2025', 'quarter')).toEqual([])
  })

  it('reads financial years in their usual spellings, and a plain year as a year', () => {
    for (const text of [
      '2024-25',
      '2024/25',
      'FY2024-25',
      'FY24-25',
      'data_2024_2025.csv',
      'PREVALENCE_2425.csv',
    ]) {
      expect(periodsMentioned(text, 'financial_year'), text).toEqual(['FY2024-25'])
    }
    expect(periodsMentioned('OCVC_Metadata_2021.xlsx', 'financial_year')).toEqual([])
    expect(periodsMentioned('OCVC_Metadata_2024.xlsx', 'year')).toEqual(['2024'])
    expect(periodsMentioned('payments 2024-25.csv', 'year')).toEqual([])
  })

  it('reads back every rendering it documents', () => {
    for (const key of ['2025-11', '2025-09', '2024-02', '2025-Q3', '2025-Q1', 'FY2024-25', '2024']) {
      const p = period(key)
      for (const text of periodRenderings(key)) {
        expect(periodsMentioned(`file ${text}.csv`, p.kind), `${key} as "${text}"`).toContain(key)
      }
    }
  })
})

describe('URL templates', () => {
  it('fill the placeholders of a month from the period', () => {
    const values = templateValues(period('2025-11'), 'https://digital.nhs.uk/x/mi-adhd/')
    expect(renderTemplate('{landing_page}/{month_name}-{year}', values)).toBe(
      'https://digital.nhs.uk/x/mi-adhd/november-2025',
    )
    expect(renderTemplate('{landing_page}/{day}-{month_name}-{year}', values)).toBe(
      'https://digital.nhs.uk/x/mi-adhd/30-november-2025',
    )
    expect(
      renderTemplate(
        'ADHD_{Mon}{yy}.csv {MON} {Month_name} {MONTH_NAME} {month} Q{quarter} {fy} {period}',
        values,
      ),
    ).toBe('ADHD_Nov25.csv NOV November NOVEMBER 11 Q4 2025-26 2025-11')
  })

  it('use the last month of longer periods, so {day} is the period’s last day', () => {
    expect(renderTemplate('{day}-{month_name}-{year} {fy}', templateValues(period('2025-Q1')))).toBe(
      '31-march-2025 2024-25',
    )
    expect(renderTemplate('{year}-{month}-{day}', templateValues(period('FY2024-25')))).toBe('2025-03-31')
    expect(renderTemplate('{day}', templateValues(period('2024-02')))).toBe('29')
  })

  it('name the placeholders they do not know', () => {
    expect(unknownPlaceholders('{landing_page}/{monthname}-{year}/{x}')).toEqual(['monthname', 'x'])
  })
})

describe('monthNumber', () => {
  it('reads numbers and names', () => {
    expect([1, '02', 'mar', 'April', 'sept', 'DEC'].map(monthNumber)).toEqual([1, 2, 3, 4, 9, 12])
    expect([0, 13, 'smarch', 1.5].map(monthNumber)).toEqual([undefined, undefined, undefined, undefined])
  })
})

describe('withoutPeriodWords: a header without the words that only name its period', () => {
  it.each([
    ['December 2022 - Patients discharged > P0', ' - Patients discharged > P0'],
    ['Jan-24 submissions', ' submissions'],
    ['Nov25 total', ' total'],
    ['Payments 2022-23', 'Payments '],
    ['Payments 2022/2023', 'Payments '],
    ['FY22-23 spend', ' spend'],
    ['Q3 2024 count', ' count'],
    ['Quarter 3 2024 count', ' count'],
    ['As at 31/03/2024 patients', 'As at  patients'],
    ['Extract 2024-03-31', 'Extract '],
    ['31 December 2022', ''],
    ['Patients (Sept 2024)', 'Patients ()'],
  ])('%j → %j', (text, expected) => {
    expect(withoutPeriodWords(text)).toBe(expected)
  })

  it.each([
    'Mayor of London',
    'Marching band',
    'P3 - Care home',
    'Aged 16-64',
    'Over 65',
    'Decision to admit',
    'Junior doctors',
  ])('keeps %j whole', (text) => {
    expect(withoutPeriodWords(text)).toBe(text)
  })

  it('takes linear time on long runs of digits and separators', () => {
    const text = `${'1/'.repeat(50_000)}2024`
    const started = performance.now()
    withoutPeriodWords(text)
    expect(performance.now() - started).toBeLessThan(1000)
  })
})
