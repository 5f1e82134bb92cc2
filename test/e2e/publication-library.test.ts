import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import yauzl from 'yauzl'
import { ZipFile } from 'yazl'
import { readCanonicalManifest } from '../../src/manifest/index.js'
import { classifyDrift, type DriftClass } from '../../src/model/drift.js'
import type { CanonicalManifest } from '../../src/model/manifest.js'
import type { RunSummary } from '../../src/pipeline/index.js'
import { ensureBuilt, REPO, runCli } from '../support/cli.js'
import { CORPUS, csvRows, OC_PRACTICE_ROWS, OC_WORKBOOKS } from '../support/corpus.js'
import { createTestDatabase, query } from '../support/database.js'
import { SiteServer } from '../support/site-server.js'

/**
 * The shipped publication library on real files: each publication's entry of config/publications.yaml and its
 * reviewed canonical manifest (manifests/canonical/), loading the corpus files (../shared/corpus, never copied
 * into the repository) served from a local web server. A release whose real address the config lists is served
 * at that address's path; the others under their publisher's file name. Discovery is left out (no internet).
 *
 * Every period loads under the shipped contract (hold): where the publisher kept the layout there is no drift;
 * where it changed it, the reviewed manifest already holds the change (since, retiredSince, header history), so
 * the drift is at most cosmetic and is named in the test. Row counts come from the files, not from DataWarp.
 */
const SHIPPED = parse(readFileSync(join(REPO, 'config', 'publications.yaml'), 'utf8')) as {
  publications: Record<string, Record<string, unknown> & { urls?: { period: string; url: string }[] }>
}

interface Release {
  period: string
  /** The file in the corpus. */
  corpus: string
  /** The publisher's name for it, when the config lists no address for the period. */
  servedAs?: string
  /** Served inside a ZIP under this member name, as the publisher ships it. */
  zipMember?: string
}

interface Shipped {
  code: string
  folder: string
  releases: Release[]
  /** Per table, per period: the data rows of the files. */
  rows: () => Record<string, Record<string, number>>
  /** The drift each period shows against the shipped manifest (none unless listed). */
  drift?: Record<string, DriftClass>
  /** What the publisher changed over these periods, as the reviewed manifest records it (see layoutHistory). */
  history?: string[]
  /** The same, in words, for the test's name. */
  changes?: string
  /**
   * A release after the corpus, under the publisher's name for it (the config's address when it lists one): the
   * file of period `from` again, so it must load with no drift and the same rows. It tests the `match` globs
   * and the ZIP members on the names the publisher really uses.
   */
  next?: Omit<Release, 'corpus'> & { from: string; name: string; movedOn?: MovedOn }
}

/**
 * A next release whose headers name its own month: the file of period `from` with every header that named `from`
 * naming the next month instead (in the workbook's shared strings). Each such column must bind by its header
 * without the month: the same column, with nothing to record, so the period loads with no drift.
 */
interface MovedOn {
  readonly from: string
  readonly to: string
}

const csv = (folder: string, table: string, releases: Release[]) => () => ({
  [table]: Object.fromEntries(releases.map((r) => [r.period, csvRows(join(CORPUS, folder, r.corpus))])),
})

const PCN_FILE = (month: string) => `Primary Care Networks – ${month} 2020 Individual Level.csv`
const CBT_FILE = (month: string) => `Cloud Based Telephony Publication Summary ${month}.xlsx`
const ACUTE_FILE = (month: string) => `Daily-discharge-sitrep-monthly-data-webfile-${month}.xlsx`
const COMMUNITY_FILE = (month: string) => `Community-discharge-sitrep-monthly-data-webfile-${month}.xlsx`
const MHSDS: Release[] = [
  {
    period: '2024-04',
    corpus: 'MHSDS Data_4WW_AprPerf_2024_v2.csv',
    servedAs: 'MHSDS Data_4WW_AprPerf_2024_v2.csv',
  },
  {
    period: '2024-05',
    corpus: 'MHSDS Data_4WW_MayPerf_2024_v2.csv',
    servedAs: 'MHSDS Data_4WW_MayPerf_2024_v2.csv',
  },
]
const PCN: Release[] = ['March', 'June', 'September'].map((month, i) => ({
  period: `2020-0${3 * i + 3}`,
  corpus: PCN_FILE(month),
  servedAs: PCN_FILE(month),
}))
// The owner renamed the files; the publisher's names of that era were "nhspaymentsgp-15-16-csv.csv".
const PAYMENTS: Release[] = ['14-15', '16-17', '17-18'].map((years) => ({
  period: `FY20${years}`,
  corpus: `${years}.csv`,
  servedAs: `nhspaymentsgp-${years}-csv.csv`,
}))
const EARNINGS: Release[] = [
  { period: 'FY2017-18', corpus: '2018.csv', servedAs: '2018.csv' },
  { period: 'FY2019-20', corpus: '2020.csv', servedAs: '2020.csv' },
]
const COVERAGE: Release[] = [
  {
    period: '2023-01',
    corpus: 'APPOINTMENTS_GP_COVERAGE aug 2021- jan 2023.csv',
    servedAs: 'Appointments_GP_Daily_CSV_Jan_23.zip',
    zipMember: 'APPOINTMENTS_GP_COVERAGE.csv',
  },
]
const PRACTICE_TOTALS: Release[] = [
  {
    period: '2025-10',
    corpus: 'PracPopOct.csv',
    servedAs: 'gp-reg-pat-prac-all.zip',
    zipMember: 'gp-reg-pat-prac-all.csv',
  },
  { period: '2025-11', corpus: 'PracPopNov.csv', zipMember: 'gp-reg-pat-prac-all.csv' },
]
// The published QOF2425.zip also holds the achievement and reference CSVs; the corpus has the prevalence file.
const QOF: Release[] = [
  { period: 'FY2024-25', corpus: 'PREVALENCE_2425.csv', zipMember: 'PREVALENCE_2425.csv' },
]

const OC: Release[] = OC_WORKBOOKS.map(([period, file]) => ({ period, corpus: file, servedAs: file }))
const CBT: Release[] = [
  { period: '2025-10', corpus: CBT_FILE('October 2025_v2'), servedAs: CBT_FILE('October 2025_v2') },
  { period: '2025-11', corpus: CBT_FILE('November 2025'), servedAs: CBT_FILE('November 2025') },
]
const ACUTE: Release[] = [
  { period: '2022-04', corpus: 'april2022.xlsx' },
  { period: '2022-06', corpus: 'june2022.xlsx', servedAs: ACUTE_FILE('June2022') },
  { period: '2022-12', corpus: 'december2022.xlsx', servedAs: ACUTE_FILE('December2022') },
]
const COMMUNITY: Release[] = [
  { period: '2023-06', corpus: 'june2023.xlsx', servedAs: COMMUNITY_FILE('June2023') },
  { period: '2023-10', corpus: 'october2023.xlsx' },
]

/** A table per period: each period's rows. */
const each = (periods: string[], rows: (period: string, i: number) => number) =>
  Object.fromEntries(periods.map((period, i) => [period, rows(period, i)]))

/**
 * The discharge sitreps, counted from the sheets' structure: 8 rows for England and its 7 regions, 42 ICBs, and
 * the trusts in scope (the title of Table 1); Table 2 a row per day of the month, Table 3 per week (w/c columns).
 */
function sitrep(periods: string[], days: number[], weeks: number[], trusts: number[]) {
  const levels = (name: string, per: (i: number) => number) => ({
    [`${name}_england`]: each(periods, (_, i) => 8 * per(i)),
    [`${name}_by_icb`]: each(periods, (_, i) => 42 * per(i)),
    [`${name}_by_trust`]: each(periods, (_, i) => trusts[i]! * per(i)),
  })
  return {
    missing_submissions: each(periods, (_, i) => days[i]!),
    ...levels('criteria_to_reside', (i) => days[i]!),
    ...levels('additional_bed_days', (i) => weeks[i]!),
    ...levels('discharges_by_destination', () => 1),
    ...levels('delay_reasons', () => 1),
  }
}

const repeat = (n: number, line: string) => Array.from({ length: n }, () => line)
const levels = (lines: (table: string) => string[]) => ['england', 'by_icb', 'by_trust'].flatMap(lines)

/**
 * What the publisher changed across the periods, as the manifest records it: sources and columns that came
 * (`since` a later period) or went (`retiredSince`), and header texts that changed (`headers`). Sorted. With
 * `counted`, a header history is written "headers xN" (its number of texts) without the column.
 */
function layoutHistory(manifest: CanonicalManifest, counted: boolean): string[] {
  const first = manifest.sources[0]?.since
  const lines: string[] = []
  for (const source of manifest.sources) {
    if (source.since !== first) lines.push(`${source.table} since ${source.since}`)
    if (source.retiredSince) lines.push(`${source.table} retired ${source.retiredSince}`)
    for (const field of source.schema.fields) {
      const column = counted ? source.table : `${source.table}.${field.name}`
      if (field.since !== source.since) lines.push(`${column} since ${field.since}`)
      if (field.retiredSince) lines.push(`${column} retired ${field.retiredSince}`)
      if (field.headers)
        lines.push(
          counted
            ? `${column} headers x${field.headers.length}`
            : `${column} headers ${field.headers.map((h) => `${h.text}@${h.since}`).join(' | ')}`,
        )
    }
  }
  return lines.sort()
}

/** A telephony wait-time column whose footnote [4] became [5] in November 2025. */
const wait = (column: string, header: string) =>
  `practice_answered_calls.answered_calls_wait_time_${column} headers Answered Calls - Wait time [4] > ${header}@2025-10 | Answered Calls - Wait time [5] > ${header}@2025-11`

const LIBRARY: Shipped[] = [
  {
    code: 'mhsds_four_week_waits',
    folder: 'mhsds_monthly',
    releases: MHSDS,
    rows: csv('mhsds_monthly', 'four_week_waits', MHSDS),
    next: {
      period: '2024-06',
      from: '2024-05',
      name: 'MHSDS Data_4WW_JunPerf_2024.csv',
      servedAs: 'MHSDS Data_4WW_JunPerf_2024.csv',
    },
  },
  {
    code: 'pcn_workforce',
    folder: 'pcn_workforce',
    releases: PCN,
    rows: csv('pcn_workforce', 'staff_records', PCN),
    next: {
      period: '2025-11',
      from: '2020-09',
      name: 'PCNWFIndividualCSV.112025.zip holding "1.Primary Care Networks - November 2025 Individual Level.csv"',
      zipMember: '1.Primary Care Networks - November 2025 Individual Level.csv',
    },
  },
  {
    code: 'nhs_payments_gp',
    folder: 'nhs_payments_gp',
    releases: PAYMENTS,
    rows: csv('nhs_payments_gp', 'practice_payments', PAYMENTS),
    next: { period: 'FY2022-23', from: 'FY2017-18', name: 'nhspaymentsgp-22-23-prac-csv.csv' },
    changes: '2016-17 adds practice type, rurality and 3 payment lines and drops 5, 2017-18 adds pertussis',
    history: [
      'practice_payments.alcohol retired FY2016-17',
      'practice_payments.atypical_characteristics headers AtypicalCharacteristics@FY2016-17 | Atypical Characteristics@FY2017-18',
      'practice_payments.atypical_characteristics since FY2016-17',
      'practice_payments.doctors_retainer_scheme_payments headers Doctors Retainer Scheme Payments@FY2014-15 | Doctors.Retainer.Scheme.Payments@FY2016-17 | Doctors Retainer Scheme Payments@FY2017-18',
      'practice_payments.general_practice_forward_view since FY2016-17',
      'practice_payments.improving_patient_online_access retired FY2016-17',
      'practice_payments.meningitis since FY2016-17',
      'practice_payments.out_of_area_in_hours_urgent_care since FY2016-17',
      'practice_payments.patient_participation retired FY2016-17',
      'practice_payments.pertussis since FY2017-18',
      'practice_payments.practice_rurality headers PracticeRurality@FY2016-17 | Practice Rurality@FY2017-18',
      'practice_payments.practice_rurality since FY2016-17',
      'practice_payments.practice_type headers PracticeType@FY2016-17 | Practice Type@FY2017-18',
      'practice_payments.practice_type since FY2016-17',
      'practice_payments.remote_care_monitoring retired FY2016-17',
      'practice_payments.risk_profiling_and_case_management retired FY2016-17',
      'practice_payments.total_national_enhanced_services retired FY2017-18',
    ],
  },
  {
    code: 'gp_earnings_expenses',
    folder: 'gp_earnings_expenses',
    releases: EARNINGS,
    rows: csv('gp_earnings_expenses', 'earnings_estimates', EARNINGS),
    changes: 'Weekly Working Hours from 2019-20',
    history: ['earnings_estimates.weekly_working_hours since FY2019-20'],
  },
  {
    code: 'gp_appointments_coverage',
    folder: 'gp_appointments',
    releases: COVERAGE,
    rows: csv('gp_appointments', 'coverage_by_sub_icb', COVERAGE),
    next: {
      period: '2025-11',
      from: '2023-01',
      name: 'Appointments_GP_Daily_CSV_Nov_25.zip',
      zipMember: 'APPOINTMENTS_GP_COVERAGE.csv',
    },
  },
  {
    code: 'gp_practice_patients',
    folder: 'gp_registered_patients',
    releases: PRACTICE_TOTALS,
    rows: csv('gp_registered_patients', 'practice_patients', PRACTICE_TOTALS),
    next: {
      period: '2025-12',
      from: '2025-11',
      name: 'gp-reg-pat-prac-all.zip',
      zipMember: 'gp-reg-pat-prac-all.csv',
    },
  },
  {
    code: 'gp_practice_mapping',
    folder: 'gp_registered_patients',
    releases: [{ period: '2026-07', corpus: 'gp-reg-pat-prac-map.zip' }],
    // The one member, gp-reg-pat-prac-map.csv: 6,140 lines (Python's csv module), less the header.
    rows: () => ({ practice_mapping: { '2026-07': 6139 } }),
    next: {
      period: '2026-08',
      from: '2026-07',
      name: 'gp-reg-pat-prac-map.zip',
      servedAs: 'gp-reg-pat-prac-map.zip',
    },
  },
  {
    code: 'qof_prevalence',
    folder: 'other_nhs/qof',
    releases: QOF,
    rows: csv('other_nhs/qof', 'practice_prevalence', QOF),
    next: {
      period: 'FY2025-26',
      from: 'FY2024-25',
      name: 'QOF2526.zip holding PREVALENCE_2526.csv',
      servedAs: 'QOF2526.zip',
      zipMember: 'PREVALENCE_2526.csv',
    },
  },
  {
    code: 'rtt_overview',
    folder: 'rtt_waiting_times',
    releases: [
      {
        period: '2022-10',
        corpus: 'RTT-Overview-Timeseries-October22.xlsx',
        servedAs: 'RTT-Overview-Timeseries-October22.xlsx',
      },
    ],
    // April 2007 to March 2023: 16 financial years of 12 months (the months after October 2022 are empty).
    rows: () => ({ england_monthly_series: { '2022-10': 16 * 12 } }),
    next: {
      period: '2025-11',
      from: '2022-10',
      name: 'RTT-Overview-Timeseries-Including-Estimates-for-Missing-Trusts-Nov25-XLS-115K-1Xmjkk.xlsx',
    },
  },
  {
    code: 'online_consultation',
    folder: 'gp_online_consultation_submissions',
    releases: OC,
    next: {
      period: '2025-04',
      from: '2025-03',
      name: 'Submissions via OC Systems in General Practice - April 2025.xlsx',
    },
    // Table 1: its 11 summary lines times the month columns of each edition (13 in April 2024, one more a month
    // to 19); Table 2: the practices, counted in the workbooks; Table 3: 7 weekdays.
    rows: () => ({
      national_summary: each(
        OC.map((r) => r.period),
        (_, i) => 11 * [13, 14, 15, 17, 19, 19][i]!,
      ),
      practice_submissions: OC_PRACTICE_ROWS,
      submissions_by_weekday_time: { '2024-06': 7, '2024-08': 7, '2024-12': 7, '2025-03': 7 },
    }),
    changes:
      'Table 3 and the participation column from June 2024, footnote markers moving in Table 2 headers',
    history: [
      'practice_submissions.participation headers Participation@2024-06 | Participation [11]@2024-12 | Participation@2025-03',
      'practice_submissions.participation since 2024-06',
      'practice_submissions.submissions headers Submissions [7]@2024-04 | Submissions [7. 11]@2024-08 | Submissions [7]@2024-12',
      'submissions_by_weekday_time since 2024-06',
    ],
  },
  {
    code: 'cloud_based_telephony',
    folder: 'gp_cloud_based_telephony',
    releases: CBT,
    next: {
      period: '2025-12',
      from: '2025-11',
      name: CBT_FILE('December 2025'),
      servedAs: CBT_FILE('December 2025'),
    },
    // Table 1: 35 summary lines times 13 and 14 month columns; Table 2: a row per day; Tables 3-5: the practices
    // (4,376 and 4,691 ODS codes in column B), the "Unassigned" calls (83 and 102 rows) and the total row.
    rows: () => ({
      national_summary: { '2025-10': 35 * 13, '2025-11': 35 * 14 },
      inbound_calls_by_day_time: { '2025-10': 31, '2025-11': 30 },
      ...Object.fromEntries(
        ['practice_call_outcomes', 'practice_answered_calls', 'practice_missed_calls'].map((table) => [
          table,
          { '2025-10': 4376 + 83 + 1, '2025-11': 4691 + 102 + 1 },
        ]),
      ),
    }),
    changes: 'footnote [4] renumbered [5] in November 2025',
    // Each line: the column, then the header texts with the period each was first written in.
    history: [
      wait('1_2_minutes_count', '1 - 2 minutes > Count'),
      wait('1_2_minutes_pct', '1 - 2 minutes > %'),
      wait('2_5_minutes_count', '2 - 5 minutes > Count'),
      wait('2_5_minutes_pct', '2 - 5 minutes > %'),
      wait('less_than_1_minute_count', 'Less than 1 minute > Count'),
      wait('less_than_1_minute_pct', 'Less than 1 minute > %'),
      wait('longer_than_5_minutes_count', 'Longer than 5 minutes > Count'),
      wait('longer_than_5_minutes_pct', 'Longer than 5 minutes > %'),
      'practice_call_outcomes.count_of_inbound_call_outcome_ended_during_the_ivr_stage_pct headers Count of Inbound Call Outcome > Ended during the IVR Stage [4] > %@2025-10 | Count of Inbound Call Outcome > Ended during the IVR Stage [5] > %@2025-11',
      'practice_call_outcomes.count_of_inbound_call_outcome_ended_during_the_ivr_stage_total headers Count of Inbound Call Outcome > Ended during the IVR Stage [4] > Total@2025-10 | Count of Inbound Call Outcome > Ended during the IVR Stage [5] > Total@2025-11',
    ],
  },
  {
    code: 'discharge_sitrep_acute',
    folder: 'nhse_discharge_sitrep_acute',
    releases: ACUTE,
    // January 2023 is the December 2022 workbook with "January 2023" for "December 2022" in its headers.
    next: {
      period: '2023-01',
      from: '2022-12',
      name: ACUTE_FILE('January2023'),
      servedAs: ACUTE_FILE('January2023'),
      // Tables 4 and 5 at each of the three levels: 12 destinations and 18 delay reasons.
      movedOn: { from: 'December 2022', to: 'January 2023' },
    },
    rows: () => sitrep(['2022-04', '2022-06', '2022-12'], [30, 30, 31], [4, 5, 5], [121, 121, 121]),
    changes: 'the month named in every Table 4 and 5 header',
    // Tables 4 and 5 at each level: 12 destinations and 18 delay reasons, each header written three ways.
    history: levels((table) => [
      ...repeat(12, `discharges_by_destination_${table} headers x3`),
      ...repeat(18, `delay_reasons_${table} headers x3`),
    ]),
  },
  {
    code: 'discharge_sitrep_community',
    folder: 'nhse_discharge_sitrep_community',
    releases: COMMUNITY,
    next: {
      period: '2023-11',
      from: '2023-10',
      name: COMMUNITY_FILE('November2023'),
      servedAs: COMMUNITY_FILE('November2023'),
    },
    rows: () => ({
      ...sitrep(['2023-06', '2023-10'], [30, 31], [5, 4], [107, 108]),
      // June 2023 only: every day from 1 October 2022 to 14 June 2023, every week from 24 October 2022 to 26 June.
      national_daily_series: { '2023-06': 257 },
      national_weekly_series: { '2023-06': 36 },
    }),
    changes:
      'October 2023 drops the daily and weekly series, groups destinations under Pathway 0-3 and adds ten',
    // At each level of Tables 4 and 5: 11 destinations renamed and 10 new; 8 delay reasons reworded, 3 gone, 6 new.
    history: [
      'national_daily_series retired 2023-10',
      'national_weekly_series retired 2023-10',
      ...levels((table) => [
        ...repeat(11, `discharges_by_destination_${table} headers x2`),
        ...repeat(10, `discharges_by_destination_${table} since 2023-10`),
        ...repeat(8, `delay_reasons_${table} headers x2`),
        ...repeat(3, `delay_reasons_${table} retired 2023-10`),
        ...repeat(6, `delay_reasons_${table} since 2023-10`),
      ]),
    ],
  },
]

describe.runIf(existsSync(CORPUS))('publication library: the corpus holds every file the tests load', () => {
  it('no expected corpus file is missing', () => {
    const missing = LIBRARY.flatMap((p) => p.releases.map((r) => join(p.folder, r.corpus))).filter(
      (path) => !existsSync(join(CORPUS, path)),
    )
    expect(missing).toEqual([])
  })
})

describe('publication library: the shipped config and manifests', () => {
  it('a fresh clone validates clean', async () => {
    ensureBuilt()
    const result = await runCli(['validate', '--json'], { cwd: REPO })
    expect(JSON.parse(result.stdout)).toEqual({ valid: true, problems: [] })
    expect(result.code).toBe(0)
  })

  it('every publication of the library has a reviewed canonical manifest', () => {
    for (const { code } of LIBRARY)
      expect(existsSync(join(REPO, 'manifests', 'canonical', code, `${code}_canonical.yaml`)), code).toBe(
        true,
      )
  })
})

/** Serves a release where the shipped config says it lives (else under the publisher's file name). */
async function serve(server: SiteServer, p: Shipped, release: Release, movedOn?: MovedOn): Promise<string> {
  const real = SHIPPED.publications[p.code]!.urls?.find((u) => u.period === release.period)?.url
  const path = real ? decodeURIComponent(new URL(real).pathname) : `/${p.code}/${release.servedAs}`
  if (!real && !release.servedAs)
    throw new Error(`${p.code} ${release.period}: no address and no name to serve`)
  const corpus = readFileSync(join(CORPUS, p.folder, release.corpus))
  const bytes = movedOn ? await withSharedStrings(corpus, movedOn) : corpus
  const body = release.zipMember ? await zipOf(release.zipMember, bytes) : bytes
  server.put(path, body, 'application/octet-stream')
  return `${server.url}${path.split('/').map(encodeURIComponent).join('/')}`
}

/** The workbook with its shared strings naming `to` where they named `from` (the header month moved on). */
async function withSharedStrings(xlsx: Buffer, { from, to }: MovedOn): Promise<Buffer> {
  const parts = await zipParts(xlsx)
  const strings = parts.get('xl/sharedStrings.xml')!.toString('utf8')
  expect(strings).toContain(from)
  parts.set('xl/sharedStrings.xml', Buffer.from(strings.replaceAll(from, to), 'utf8'))
  const out = new ZipFile()
  for (const [name, data] of parts) out.addBuffer(data, name)
  out.end()
  const chunks: Buffer[] = []
  for await (const chunk of out.outputStream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Every part of a ZIP, in order, read whole. */
function zipParts(bytes: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error)
      const parts = new Map<string, Buffer>()
      zip.on('entry', (entry: yauzl.Entry) =>
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e)
          const chunks: Buffer[] = []
          stream.on('data', (c: Buffer) => chunks.push(c))
          stream.on('end', () => {
            parts.set(entry.fileName, Buffer.concat(chunks))
            zip.readEntry()
          })
          stream.on('error', reject)
        }),
      )
      zip.on('end', () => resolve(parts))
      zip.on('error', reject)
      zip.readEntry()
    })
  })
}

function zipOf(member: string, data: Buffer): Promise<Buffer> {
  const zip = new ZipFile()
  zip.addBuffer(data, member)
  zip.end()
  const chunks: Buffer[] = []
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c))
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)))
    zip.outputStream.on('error', reject)
  })
}

for (const p of LIBRARY) {
  const periods = p.releases.map((r) => r.period)
  const changed = Object.entries(p.drift ?? {}).map(([period, kind]) => `${kind} drift in ${period}`)
  const title = `loads ${periods.join(', ')} with the shipped manifest: ${changed.length ? changed.join(', ') : 'no drift'}, every row`
  const counted = p.code.startsWith('discharge_sitrep_')

  describe.runIf(existsSync(CORPUS))(`publication library: ${p.code}`, () => {
    let root: string
    let server: SiteServer
    let db: { url: string; drop: () => Promise<void> }
    const manifestPath = () => join(root, 'manifests', 'canonical', p.code, `${p.code}_canonical.yaml`)
    const shippedManifest = readFileSync(
      join(REPO, 'manifests', 'canonical', p.code, `${p.code}_canonical.yaml`),
      'utf8',
    )

    beforeAll(async () => {
      ensureBuilt()
      root = mkdtempSync(join(tmpdir(), `datawarp-library-${p.code}-`))
      chmodSync(root, 0o755)
      server = await new SiteServer().start()
      db = await createTestDatabase()
      mkdirSync(join(root, 'config'))
      mkdirSync(join(root, 'manifests', 'canonical', p.code), { recursive: true })
      copyFileSync(join(REPO, 'manifests', 'canonical', p.code, `${p.code}_canonical.yaml`), manifestPath())
      // The shipped entry as it is (name, contract, manifest), its addresses mapped to the local server.
      const {
        landing_page,
        url_template,
        discover,
        periods: _,
        allowed_hosts,
        urls,
        ...entry
      } = SHIPPED.publications[p.code]!
      const served = []
      for (const release of p.releases)
        served.push({ period: release.period, url: await serve(server, p, release) })
      writeFileSync(
        join(root, 'config', 'publications.yaml'),
        stringify({ publications: { [p.code]: { ...entry, urls: served } } }),
      )
    })

    afterAll(async () => {
      await server?.stop()
      await db?.drop()
      if (root) rmSync(root, { recursive: true, force: true })
    })

    it(title, async () => {
      const result = await runCli(['run', '--json'], { cwd: root, env: { DATABASE_URL: db.url } })
      expect(result.code, result.stdout.slice(0, 4000) + result.stderr).toBe(0)
      const summary = JSON.parse(result.stdout) as RunSummary
      const outcomes = summary.publications[0]!.periods
      expect(outcomes.map((o) => `${o.period} ${o.status}`)).toEqual(
        periods.map((period) => `${period} loaded`),
      )
      const drift = Object.fromEntries(
        outcomes.map((o) => [o.period, o.drift ? classifyDrift(o.drift) : 'none']),
      )
      expect(drift).toEqual({ ...Object.fromEntries(periods.map((period) => [period, 'none'])), ...p.drift })
      for (const o of outcomes) expect(o.manifestChanges ?? [], o.period).toEqual([])
      // Nothing to review: the reviewed manifest is left byte for byte as shipped.
      expect(readFileSync(manifestPath(), 'utf8')).toBe(shippedManifest)

      for (const [table, expected] of Object.entries(p.rows())) {
        const counted = await query<{ period: string; n: string }>(
          db.url,
          `SELECT _period period, count(*) n FROM ${p.code}.${table} GROUP BY 1`,
        )
        expect(Object.fromEntries(counted.map((r) => [r.period, Number(r.n)])), table).toEqual(expected)
      }
    })

    const nextTitle = p.next?.movedOn
      ? `a next release named ${p.next.name}, its headers naming ${p.next.movedOn.to}, loads with no drift`
      : `a next release named ${p.next?.name} loads with no drift`
    it.runIf(p.next)(nextTitle, async () => {
      const next = p.next!
      const corpus = p.releases.find((r) => r.period === next.from)!.corpus
      const url = await serve(server, p, { ...next, corpus }, next.movedOn)
      const config = join(root, 'config', 'publications.yaml')
      const written = parse(readFileSync(config, 'utf8'))
      written.publications[p.code].urls.push({ period: next.period, url })
      writeFileSync(config, stringify(written))
      const result = await runCli(['run', '--json'], { cwd: root, env: { DATABASE_URL: db.url } })
      expect(result.code, result.stdout.slice(0, 4000) + result.stderr).toBe(0)
      const outcomes = (JSON.parse(result.stdout) as RunSummary).publications[0]!.periods
      expect(outcomes.map((o) => `${o.period} ${o.status}`)).toEqual([
        ...periods.map((period) => `${period} skipped`),
        `${next.period} loaded`,
      ])
      // Headers that only name another month are the same headers: no drift, and the manifest stays as shipped.
      expect(outcomes.at(-1)!.drift).toBeUndefined()
      expect(readFileSync(manifestPath(), 'utf8')).toBe(shippedManifest)
      for (const [table, expected] of Object.entries(p.rows())) {
        if (expected[next.from] === undefined) continue
        const [counted] = await query<{ n: string }>(
          db.url,
          `SELECT count(*) n FROM ${p.code}.${table} WHERE _period = $1`,
          [next.period],
        )
        expect(Number(counted!.n), table).toBe(expected[next.from])
      }
    })

    it(`the manifest records the publisher's changes: ${p.changes ?? 'none, the layout stayed the same'}`, () => {
      const manifest = readCanonicalManifest(
        join(REPO, 'manifests', 'canonical', p.code, `${p.code}_canonical.yaml`),
      )!
      expect(manifest.sources.map((s) => s.since).every((since) => since !== undefined)).toBe(true)
      expect(manifest.sources[0]!.since).toBe(periods[0])
      expect(layoutHistory(manifest, counted)).toEqual([...(p.history ?? [])].sort())
    })

    it('validates clean in the project it loaded into', async () => {
      const result = await runCli(['validate', '--json'], { cwd: root })
      expect(JSON.parse(result.stdout)).toEqual({ valid: true, problems: [] })
    })
  })
}
