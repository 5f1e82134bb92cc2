import { describe, expect, it } from 'vitest'
import { fileGlob, fileKey, fileStem, globMatches, sheetKey } from './source-key.js'

/** The same file in two periods, as NHS England names them. */
const RELEASES: [string, string, string][] = [
  [
    'Submissions via Online Consultation Systems in General Practice - May 2024.xlsx',
    'Submissions via Online Consultation Systems in General Practice - April 2025.xlsx',
    'submissions_via_online_consultation_systems_in_general_practice',
  ],
  ['PracPopOct.csv', 'PracPopNov.csv', 'prac_pop'],
  [
    'Primary Care Networks – March 2020 Individual Level.csv',
    'Primary Care Networks – June 2020 Individual Level.csv',
    'primary_care_networks_individual_level',
  ],
  ['MHSDS Data_4WW_MayPerf_2024_v2.csv', 'MHSDS Data_4WW_AprPerf_2024_v2.csv', 'mhsds_data_4_ww_perf'],
  [
    'Cloud Based Telephony Publication Summary October 2025_v2.xlsx',
    'Cloud Based Telephony Publication Summary November 2025.xlsx',
    'cloud_based_telephony_publication_summary',
  ],
  ['GP_Practice_Data_Mar2024.csv', 'GP_Practice_Data_Apr2024.csv', 'gp_practice_data'],
  [
    'Appointments_GP_Daily_CSV_Nov_25.zip',
    'Appointments_GP_Daily_CSV_Dec_25.zip',
    'appointments_gp_daily_csv',
  ],
  ['14-15.csv', '15-16.csv', 'data'],
]

describe('fileKey', () => {
  it.each(RELEASES)('%j and %j share the key %s', (a, b, key) => {
    expect(fileKey(a)).toBe(key)
    expect(fileKey(b)).toBe(key)
  })

  it('a name made only of period words is keyed "data"', () => {
    expect(fileKey('14-15.csv')).toBe('data')
    expect(fileKey('2024.csv')).toBe('data')
    expect(fileKey('March 2024.xlsx')).toBe('data')
  })

  it('digits inside a code word ("4WW") are kept, not taken for a period', () => {
    expect(fileKey('MHSDS Data_4WW_MayPerf_2024_v2.csv')).toContain('4_ww')
  })

  it('a quarter is not a period word and stays in the key', () => {
    expect(fileKey('A&E Attendances 2024-25 Q3.csv')).toBe('a_and_e_attendances_q3')
  })

  it('release words (revised, final, provisional, v2) leave the key', () => {
    expect(fileKey('Monthly Statistics March 2024 revised.xlsx')).toBe('monthly_statistics')
    expect(fileKey('Monthly Statistics March 2024 final v3.xlsx')).toBe('monthly_statistics')
    expect(fileKey('Monthly Statistics provisional.xlsx')).toBe('monthly_statistics')
  })

  it('folders are left out of the key', () => {
    expect(fileKey('extract/2024/PCN-Jan-24.csv')).toBe('pcn')
  })

  it('a key that would start with a digit gets a t_ prefix', () => {
    expect(fileKey('4WW Waits May 2024.csv')).toBe('t_4_ww_waits')
  })

  it('keys are valid snake_case of at most 63 characters starting with a letter', () => {
    const names = [
      ...RELEASES.flatMap(([a, b]) => [a, b] as const),
      `${'Very Long Publication Name '.repeat(5)}May 2024.csv`,
      '4WW Waits May 2024.csv',
      '__weird__name__.csv',
    ]
    for (const name of names) {
      const key = fileKey(name)
      expect(key, name).toMatch(/^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/)
      expect(key.length, name).toBeLessThanOrEqual(63)
    }
  })

  it('a long key is cut at 63 characters without a trailing underscore', () => {
    const key = fileKey(`${'Very Long Publication Name '.repeat(5)}May 2024.csv`)
    expect(key).toBe('very_long_publication_name_very_long_publication_name_very_long')
    expect(key).toHaveLength(63)
  })
})

describe('fileGlob and globMatches', () => {
  it.each(RELEASES)('%j and %j each match the other one’s glob', (a, b) => {
    expect(globMatches(fileGlob(a), b)).toBe(true)
    expect(globMatches(fileGlob(b), a)).toBe(true)
  })

  it.each([
    [
      'Submissions via Online Consultation Systems in General Practice - May 2024.xlsx',
      'Submissions via Online Consultation Systems in General Practice - * *.xlsx',
    ],
    ['PracPopOct.csv', 'PracPop*.csv'],
    [
      'Primary Care Networks – March 2020 Individual Level.csv',
      'Primary Care Networks – * * Individual Level.csv',
    ],
    ['MHSDS Data_4WW_MayPerf_2024_v2.csv', 'MHSDS Data_4WW_*Perf_*.csv'],
    [
      'Cloud Based Telephony Publication Summary October 2025_v2.xlsx',
      'Cloud Based Telephony Publication Summary * *.xlsx',
    ],
    [
      'Cloud Based Telephony Publication Summary November 2025.xlsx',
      'Cloud Based Telephony Publication Summary * *.xlsx',
    ],
    ['14-15.csv', '*.csv'],
    ['extract/2024/PCN-Jan-24.csv', 'PCN-*.csv'],
  ])('%j has the glob %j', (name, glob) => {
    expect(fileGlob(name)).toBe(glob)
  })

  it('a glob does not match another publication’s file', () => {
    const glob = fileGlob('PracPopOct.csv')
    expect(globMatches(glob, 'PracListOct.csv')).toBe(false)
    expect(globMatches(glob, 'PracPopOct.xlsx')).toBe(false)
    expect(
      globMatches(fileGlob('MHSDS Data_4WW_MayPerf_2024_v2.csv'), 'MHSDS Data_2WW_MayPerf_2024.csv'),
    ).toBe(false)
  })

  it('matching ignores case and folders, and treats regex characters literally', () => {
    expect(globMatches('PracPop*.csv', 'extract/pracpopOCT.CSV')).toBe(true)
    expect(globMatches('A+B (*).csv', 'A+B (May).csv')).toBe(true)
    expect(globMatches('A+B (*).csv', 'AAB (May).csv')).toBe(false)
    expect(globMatches('a.csv', 'abcsv')).toBe(false)
  })
})

describe('fileStem and sheetKey', () => {
  it('fileStem drops folders and the extension', () => {
    expect(fileStem('extract/2024/PracPopOct.csv')).toBe('PracPopOct')
    expect(fileStem('archive.tar.gz')).toBe('archive.tar')
    expect(fileStem('no extension')).toBe('no extension')
  })

  it('sheetKey is the snake_case sheet name, t_-prefixed when it starts with a digit', () => {
    expect(sheetKey('Table 1a')).toBe('table_1a')
    expect(sheetKey('1. Practice level')).toBe('t_1_practice_level')
    expect(sheetKey('---')).toBe('sheet')
  })
})

describe('upload hash suffixes', () => {
  it('an NHS England upload suffix is not part of the key, and the glob matches the next upload', () => {
    expect(fileKey('Monthly-AE-November-2025-9Ia4R.xls')).toBe('monthly_ae')
    expect(fileKey('Monthly-AE-December-2025-Xy12b.xls')).toBe('monthly_ae')
    expect(
      globMatches(fileGlob('Monthly-AE-November-2025-9Ia4R.xls'), 'Monthly-AE-December-2025-Xy12b.xls'),
    ).toBe(true)
  })

  it('a period word or a plain word at the end is not taken for a hash', () => {
    expect(fileKey('RTT-Overview-Timeseries-October22.xlsx')).toBe('rtt_overview_timeseries')
    expect(fileKey('Practice-Level-Table.csv')).toBe('practice_level_table')
  })
})
