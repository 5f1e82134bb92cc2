import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readCanonicalManifest } from '../../src/manifest/index.js'
import type { CanonicalManifest, Field } from '../../src/model/manifest.js'
import type { PeriodOutcome, RunSummary } from '../../src/pipeline/index.js'
import { ensureBuilt, runCli } from '../support/cli.js'
import { CORPUS, csvRows, OC_PRACTICE_ROWS } from '../support/corpus.js'
import { createTestDatabase, query } from '../support/database.js'
import { FileServer } from '../support/file-server.js'

/**
 * Acceptance on real NHS files (../shared/corpus, never copied into the repository): each publication loaded
 * period by period under `evolve` and under `hold`. The expected drift comes from reading the files (headers,
 * values, row counts), not from what the code printed.
 */

interface Corpus {
  root: string
  server: FileServer
  db: { url: string; drop: () => Promise<void> }
  code: string
  run(): Promise<RunSummary>
  manifest(): CanonicalManifest
  manifestText(): string
  outcome(summary: RunSummary, period: string): PeriodOutcome
  statuses(summary: RunSummary): string[]
  columns(table: string): Promise<string[]>
  count(sql: string): Promise<Record<string, number>>
  stop(): Promise<void>
}

/** A project loading one corpus folder as a publication, a URL per period, under a contract. */
async function corpusProject(
  folder: string,
  code: string,
  contract: 'hold' | 'evolve',
  periods: [period: string, file: string][],
): Promise<Corpus> {
  const root = mkdtempSync(join(tmpdir(), `datawarp-corpus-${contract}-`))
  chmodSync(root, 0o755)
  mkdirSync(join(root, 'config'))
  const server = await new FileServer(join(CORPUS, folder)).start()
  const db = await createTestDatabase()
  writeFileSync(
    join(root, 'config', 'publications.yaml'),
    `publications:
  ${code}:
    name: ${code}
    contract: ${contract}
    urls:
${periods.map(([period, file]) => `      - { period: ${period}, url: "${server.fileUrl(file)}" }`).join('\n')}
`,
  )
  const manifestPath = join(root, 'manifests', 'canonical', code, `${code}_canonical.yaml`)
  return {
    root,
    server,
    db,
    code,
    async run() {
      const result = await runCli(['run', '--json'], { cwd: root, env: { DATABASE_URL: db.url } })
      expect(result.code, result.stdout.slice(0, 4000) + result.stderr).toBe(0)
      return JSON.parse(result.stdout) as RunSummary
    },
    manifest: () => readCanonicalManifest(manifestPath)!,
    manifestText: () => readFileSync(manifestPath, 'utf8'),
    outcome: (summary, period) => summary.publications[0]!.periods.find((p) => p.period === period)!,
    statuses: (summary) => summary.publications[0]!.periods.map((p) => `${p.period} ${p.status}`),
    async columns(table) {
      const rows = await query<{ column_name: string }>(
        db.url,
        `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2
          ORDER BY ordinal_position`,
        [code, table],
      )
      return rows.map((r) => r.column_name)
    },
    /** `SELECT key, n ...` as { key: n }. */
    async count(sql) {
      const rows = await query<{ key: string; n: string }>(db.url, sql)
      return Object.fromEntries(rows.map((r) => [r.key, Number(r.n)]))
    },
    async stop() {
      await server.stop()
      await db.drop()
      rmSync(root, { recursive: true, force: true })
    },
  }
}

/** What matching decides about a field (enrichment's description, unit and role are not tested here). */
function core(field: Field | undefined) {
  if (!field) return undefined
  const { name, title, type, since, headers, retiredSince } = field
  return {
    name,
    title,
    type,
    ...(since !== undefined ? { since } : {}),
    ...(headers !== undefined ? { headers } : {}),
    ...(retiredSince !== undefined ? { retiredSince } : {}),
  }
}
const fieldOf = (manifest: CanonicalManifest, source: string, name: string) =>
  core(manifest.sources.find((s) => s.key === source)?.schema.fields.find((f) => f.name === name))
/** Source row counts by period, read from the corpus the first time a test asks for them. */
function lazyRows(read: () => [string, number][]): () => Record<string, number> {
  let counts: Record<string, number> | undefined
  return () => {
    counts ??= Object.fromEntries(read())
    return counts
  }
}

const names = (list: readonly { name: string }[] | undefined) => (list ?? []).map((c) => c.name)
const LINEAGE = ['_period', '_load_id', '_source_file', '_loaded_at']

/** The table holds exactly the manifest's columns (each once, under its physical name) and the lineage. */
async function expectPhysicalNames(p: Corpus, source: string) {
  const manifestSource = p.manifest().sources.find((s) => s.key === source)!
  const columns = await p.columns(manifestSource.table)
  expect([...columns].sort()).toEqual([...manifestSource.schema.fields.map((f) => f.name), ...LINEAGE].sort())
}

const HOLD_FIRST =
  'held for review of the canonical manifest (contract hold): first canonical manifest (1 sources)'
const EVOLVE_HOLD = 'held for review: removals or renames are never applied by themselves: '

describe.runIf(existsSync(CORPUS))('corpus: NHS Payments to General Practice across financial years', () => {
  const FOLDER = 'nhs_payments_gp'
  const PERIODS: [string, string][] = [
    ['FY2014-15', '14-15.csv'],
    ['FY2016-17', '16-17.csv'],
    ['FY2017-18', '17-18.csv'],
  ]
  // Read lazily: a skipped describe still runs its body, and the corpus may be absent.
  const rows = lazyRows(() => PERIODS.map(([period, file]) => [period, csvRows(join(CORPUS, FOLDER, file))]))
  // Read from the headers of the three files.
  const NEW_IN_16_17 = [
    'practice_type',
    'practice_rurality',
    'atypical_characteristics',
    'out_of_area_in_hours_urgent_care',
    'meningitis',
    'general_practice_forward_view',
  ]
  const GONE_IN_16_17 = [
    'alcohol',
    'improving_patient_online_access',
    'patient_participation',
    'remote_care_monitoring',
    'risk_profiling_and_case_management',
  ]
  let evolvedManifest = ''

  beforeAll(() => ensureBuilt())

  it('the files are what the expectations were read from', () => {
    expect(rows()).toEqual({ 'FY2014-15': 7959, 'FY2016-17': 7763, 'FY2017-18': 7543 })
  })

  describe('under evolve', () => {
    let p: Corpus
    beforeAll(async () => {
      p = await corpusProject(FOLDER, 'nhs_payments_gp', 'evolve', PERIODS)
    })
    afterAll(() => p?.stop())

    it('loads FY2014-15; holds FY2016-17 and FY2017-18, which drop payment lines', async () => {
      const summary = await p.run()
      expect(p.statuses(summary)).toEqual(['FY2014-15 loaded', 'FY2016-17 held', 'FY2017-18 held'])
      expect(p.outcome(summary, 'FY2014-15').rows).toBe(rows()['FY2014-15'])

      const fy1617 = p.outcome(summary, 'FY2016-17')
      expect(fy1617.reason!.startsWith(EVOLVE_HOLD)).toBe(true)
      const d1617 = fy1617.drift!.sources[0]!
      expect(fy1617.drift!.removedSources).toEqual([])
      expect(names(d1617.added)).toEqual(NEW_IN_16_17)
      expect(d1617.added.find((c) => c.name === 'practice_type')!.title).toBe('PracticeType')
      expect(names(d1617.removed)).toEqual(GONE_IN_16_17)
      expect(d1617.renamed).toEqual([])
      // "Doctors Retainer Scheme Payments" was written "Doctors.Retainer.Scheme.Payments" that year; the trailing
      // spaces of "Appraisal Costs " and others are the same in both files.
      expect(d1617.headerChanges).toEqual([
        {
          name: 'doctors_retainer_scheme_payments',
          from: 'Doctors Retainer Scheme Payments',
          to: 'Doctors.Retainer.Scheme.Payments',
          method: 'header',
        },
      ])
      // Pence appear from 2016-17 (integer → number); "N/A" appears in the averages, a marker: they stay numbers.
      const retyped = Object.fromEntries(d1617.retyped.map((r) => [r.name, `${r.from}→${r.to}`]))
      expect(retyped.global_sum).toBe('integer→number')
      expect(retyped.number_of_weighted_patients_last_known_figure).toBe('integer→number')
      expect(retyped.average_payments_per_registered_patient).toBeUndefined()
      expect(retyped.number_of_registered_patients_last_known_figure).toBeUndefined()
      expect(retyped.practice_open_date).toBeUndefined()

      // FY2017-18 against the manifest as loaded (FY2014-15): the spaced headers are plain new columns here.
      const d1718 = p.outcome(summary, 'FY2017-18').drift!.sources[0]!
      expect(names(d1718.added)).toEqual([
        'practice_type',
        'practice_rurality',
        'atypical_characteristics',
        'out_of_area_in_hours_urgent_care',
        'meningitis',
        'pertussis',
        'general_practice_forward_view',
      ])
      expect(names(d1718.removed)).toEqual([...GONE_IN_16_17, 'total_national_enhanced_services'])
      expect(d1718.renamed).toEqual([])
      expect(d1718.headerChanges).toEqual([])

      const ledger = await query<{ period: string; status: string; reason: string | null }>(
        p.db.url,
        `SELECT period, status, reason FROM datawarp.loads WHERE publication = 'nhs_payments_gp' ORDER BY load_id`,
      )
      expect(ledger.map((l) => `${l.period} ${l.status}`)).toEqual([
        'FY2014-15 loaded',
        'FY2016-17 held',
        'FY2017-18 held',
      ])
      expect(ledger[1]!.reason).toBe(fy1617.reason)
    })

    it('proposes one manifest with every year: header history, retired lines, new lines, wider types', () => {
      const m = p.manifest()
      expect(m.sources.map((s) => [s.key, s.table, s.since, s.match.file])).toEqual([
        ['data', 'data', 'FY2014-15', '*.csv'],
      ])
      expect(fieldOf(m, 'data', 'practice_type')).toEqual({
        name: 'practice_type',
        title: 'Practice Type',
        type: 'string',
        since: 'FY2016-17',
        headers: [
          { text: 'PracticeType', since: 'FY2016-17' },
          { text: 'Practice Type', since: 'FY2017-18' },
        ],
      })
      expect(fieldOf(m, 'data', 'atypical_characteristics')!.headers).toEqual([
        { text: 'AtypicalCharacteristics', since: 'FY2016-17' },
        { text: 'Atypical Characteristics', since: 'FY2017-18' },
      ])
      // Back to the first spelling in 2017-18: the title is the latest text, the history keeps all three.
      expect(fieldOf(m, 'data', 'doctors_retainer_scheme_payments')).toEqual({
        name: 'doctors_retainer_scheme_payments',
        title: 'Doctors Retainer Scheme Payments',
        type: 'number',
        since: 'FY2014-15',
        headers: [
          { text: 'Doctors Retainer Scheme Payments', since: 'FY2014-15' },
          { text: 'Doctors.Retainer.Scheme.Payments', since: 'FY2016-17' },
          { text: 'Doctors Retainer Scheme Payments', since: 'FY2017-18' },
        ],
      })
      expect(fieldOf(m, 'data', 'appraisal_costs')).toEqual({
        name: 'appraisal_costs',
        title: 'Appraisal Costs',
        type: 'number',
        since: 'FY2014-15',
      })
      for (const name of GONE_IN_16_17) expect(fieldOf(m, 'data', name)!.retiredSince, name).toBe('FY2016-17')
      expect(fieldOf(m, 'data', 'total_national_enhanced_services')!.retiredSince).toBe('FY2017-18')
      expect(fieldOf(m, 'data', 'pertussis')).toEqual({
        name: 'pertussis',
        title: 'Pertussis',
        type: 'number',
        since: 'FY2017-18',
      })
      const fields = m.sources[0]!.schema.fields
      expect(fields).toHaveLength(53 + NEW_IN_16_17.length + 1)
      expect(new Set(fields.map((f) => f.name)).size).toBe(fields.length)
      evolvedManifest = p.manifestText()
    })

    it('once accepted, every year loads with every row, each column under one physical name', async () => {
      const summary = await p.run()
      // FY2014-15 stays as loaded: its integer columns, numbers now, were converted in place.
      expect(p.statuses(summary)).toEqual(['FY2014-15 skipped', 'FY2016-17 loaded', 'FY2017-18 loaded'])
      expect(p.manifestText()).toBe(evolvedManifest)
      expect(await p.count('SELECT _period key, count(*) n FROM nhs_payments_gp.data GROUP BY 1')).toEqual(
        rows(),
      )
      await expectPhysicalNames(p, 'data')
      const filled = (column: string) =>
        p.count(`SELECT _period key, count(${column}) n FROM nhs_payments_gp.data GROUP BY 1`)
      const all = rows()
      const none = (...periods: string[]) => ({ ...all, ...Object.fromEntries(periods.map((x) => [x, 0])) })
      expect(await filled('practice_type')).toEqual(none('FY2014-15'))
      expect(await filled('doctors_retainer_scheme_payments')).toEqual(all)
      expect(await filled('alcohol')).toEqual(none('FY2016-17', 'FY2017-18'))
      expect(await filled('total_national_enhanced_services')).toEqual(none('FY2017-18'))
      expect(await filled('pertussis')).toEqual(none('FY2014-15', 'FY2016-17'))
    })

    it('a rerun changes nothing', async () => {
      const summary = await p.run()
      expect(p.statuses(summary)).toEqual(['FY2014-15 skipped', 'FY2016-17 skipped', 'FY2017-18 skipped'])
      expect(p.manifestText()).toBe(evolvedManifest)
    })
  })

  describe('under hold', () => {
    let p: Corpus
    beforeAll(async () => {
      p = await corpusProject(FOLDER, 'nhs_payments_gp', 'hold', PERIODS)
    })
    afterAll(() => p?.stop())

    it('holds every year of the new publication and proposes the same manifest as evolve', async () => {
      const summary = await p.run()
      expect(p.statuses(summary)).toEqual(['FY2014-15 held', 'FY2016-17 held', 'FY2017-18 held'])
      for (const o of summary.publications[0]!.periods)
        expect(o.reason!.startsWith(HOLD_FIRST), o.period).toBe(true)
      expect(
        await query(
          p.db.url,
          `SELECT 1 FROM information_schema.schemata WHERE schema_name = 'nhs_payments_gp'`,
        ),
      ).toEqual([])
      expect(p.manifestText()).toBe(evolvedManifest)
    })

    it('once accepted, every year loads with every row and the manifest stays byte-identical', async () => {
      const summary = await p.run()
      expect(p.statuses(summary)).toEqual(['FY2014-15 loaded', 'FY2016-17 loaded', 'FY2017-18 loaded'])
      for (const o of summary.publications[0]!.periods) expect(o.manifestChanges, o.period).toEqual([])
      expect(p.manifestText()).toBe(evolvedManifest)
      expect(await p.count('SELECT _period key, count(*) n FROM nhs_payments_gp.data GROUP BY 1')).toEqual(
        rows(),
      )
      await expectPhysicalNames(p, 'data')
    })
  })
})

describe.runIf(existsSync(CORPUS))('corpus: Online Consultation submissions across months (xlsx)', () => {
  const FOLDER = 'gp_online_consultation_submissions'
  const file = (month: string) =>
    `Submissions via Online Consultation Systems in General Practice - ${month}.xlsx`
  const PERIODS: [string, string][] = [
    ['2024-04', file('April 2024')],
    ['2024-05', file('May 2024')],
    ['2024-06', file('June 2024')],
    ['2024-08', file('August 2024')],
    ['2024-12', file('December 2024')],
    ['2025-03', file('March 2025')],
  ]
  /**
   * Data rows of each sheet, counted in the workbooks (Python, zipfile + XML): Table 2 from the row under its
   * header (row 12) to the last practice before "Source: NHS England"; Table 1 the 11 rows with values under
   * the month header (spacer rows excluded); Table 3 the seven weekdays.
   */
  const TABLE_2 = OC_PRACTICE_ROWS
  const TABLE_2_COLUMNS = [
    'month',
    'gp_code',
    'gp_name',
    'pcn_code',
    'pcn_name',
    'sub_icb_code',
    'sub_icb_name',
    'icb_code',
    'icb_name',
    'region_code',
    'region_name',
    'supplier',
    'submissions',
    'clinical_submissions',
    'administrative_submissions',
    'other_unknown_type_submissions',
    'registered_patient_count',
    'rate_per_1_000_registered_patients',
    'participation',
  ]
  let evolvedManifest = ''

  beforeAll(() => ensureBuilt())

  describe('under evolve', () => {
    let p: Corpus
    beforeAll(async () => {
      p = await corpusProject(FOLDER, 'online_consultation', 'evolve', PERIODS)
    })
    afterAll(() => p?.stop())

    it('loads April to August (new month columns, a new column, Table 3); holds December and March', async () => {
      const summary = await p.run()
      expect(p.statuses(summary)).toEqual([
        '2024-04 loaded',
        '2024-05 loaded',
        '2024-06 loaded',
        '2024-08 loaded',
        '2024-12 held',
        '2025-03 held',
      ])
      expect(p.outcome(summary, '2024-04').sources!.map((s) => `${s.source} ${s.rows}`)).toEqual([
        'table_1 11',
        'table_2 4882',
      ])
      expect(p.outcome(summary, '2024-05').manifestChanges).toEqual([
        'new column "may_24" in "table_1" (header "May-24", number)',
      ])
      expect(p.outcome(summary, '2024-06').manifestChanges).toEqual([
        'new column "jun_24" in "table_1" (header "Jun-24", number)',
        'new column "participation" in "table_2" (header "Participation", integer)',
        `new source "table_3" (${file('June 2024')}, sheet "Table 3")`,
      ])
      expect(p.outcome(summary, '2024-06').sources!.map((s) => `${s.source} ${s.rows}`)).toEqual([
        'table_1 11',
        'table_2 6258',
        'table_3 7',
      ])

      // August writes "Submissions [7. 11]" (a full stop for the comma between footnotes 7 and 11): the same
      // column, a header change that loads with the two new months.
      expect(p.outcome(summary, '2024-08').manifestChanges).toEqual([
        'new column "aug_24" in "table_1" (header "Aug-24 [7]", number)',
        'new column "jul_24" in "table_1" (header "Jul-24", number)',
        'header of "submissions" in "table_2" now "Submissions [7. 11]" (was "Submissions [7]")',
      ])
      expect(p.outcome(summary, '2024-08').sources!.map((s) => `${s.source} ${s.rows}`)).toEqual([
        'table_1 11',
        'table_2 6239',
        'table_3 7',
      ])

      // Table 1 has a column per month: from December the oldest months drop out of it.
      const december = p.outcome(summary, '2024-12')
      expect(december.reason!.startsWith(EVOLVE_HOLD)).toBe(true)
      const dec1 = december.drift!.sources.find((s) => s.key === 'table_1')!
      // In the order of the manifest, which is April's: newest month first.
      expect(names(dec1.removed)).toEqual(['may_23', 'apr_23'])
      expect(names(dec1.added)).toEqual(['dec_24', 'nov_24', 'oct_24', 'sep_24'])
      expect(dec1.renamed).toEqual([])
      expect(december.drift!.sources.find((s) => s.key === 'table_2')!.headerChanges).toEqual([
        { name: 'submissions', from: 'Submissions [7. 11]', to: 'Submissions [7]', method: 'header' },
        { name: 'participation', from: 'Participation', to: 'Participation [11]', method: 'header' },
      ])
      const march = p.outcome(summary, '2025-03')
      expect(march.reason!.startsWith(EVOLVE_HOLD)).toBe(true)
      const mar1 = march.drift!.sources.find((s) => s.key === 'table_1')!
      expect(names(mar1.removed)).toEqual(['aug_23', 'jul_23', 'jun_23', 'may_23', 'apr_23'])
      expect(names(mar1.added)).toEqual([
        'mar_25',
        'feb_25',
        'jan_25',
        'dec_24',
        'nov_24',
        'oct_24',
        'sep_24',
      ])
      // Against August's manifest (December was held), March's Table 2 differs only in the submissions header.
      expect(march.drift!.sources.map((s) => s.key)).toEqual(['table_1', 'table_2'])
      expect(march.drift!.sources[1]!.headerChanges.map((c) => c.name)).toEqual(['submissions'])
      for (const o of [december, march]) {
        expect(o.drift!.removedSources, o.period).toEqual([])
        for (const s of o.drift!.sources) expect(s.renamed, `${o.period} ${s.key}`).toEqual([])
      }
    })

    it('proposes a manifest where Table 2 keeps one column per measure, with its header history', () => {
      const m = p.manifest()
      expect(m.sources.map((s) => [s.key, s.since, s.match])).toEqual([
        [
          'table_1',
          '2024-04',
          {
            file: 'Submissions via Online Consultation Systems in General Practice - * *.xlsx',
            sheet: 'Table 1',
          },
        ],
        [
          'table_2',
          '2024-04',
          {
            file: 'Submissions via Online Consultation Systems in General Practice - * *.xlsx',
            sheet: 'Table 2',
          },
        ],
        [
          'table_3',
          '2024-06',
          {
            file: 'Submissions via Online Consultation Systems in General Practice - * *.xlsx',
            sheet: 'Table 3',
          },
        ],
      ])
      expect(m.sources[1]!.schema.fields.map((f) => f.name)).toEqual(TABLE_2_COLUMNS)
      expect(fieldOf(m, 'table_2', 'submissions')).toEqual({
        name: 'submissions',
        title: 'Submissions [7]',
        type: 'integer',
        since: '2024-04',
        headers: [
          { text: 'Submissions [7]', since: '2024-04' },
          { text: 'Submissions [7. 11]', since: '2024-08' },
          { text: 'Submissions [7]', since: '2024-12' },
        ],
      })
      expect(fieldOf(m, 'table_2', 'participation')).toEqual({
        name: 'participation',
        title: 'Participation',
        type: 'integer',
        since: '2024-06',
        headers: [
          { text: 'Participation', since: '2024-06' },
          { text: 'Participation [11]', since: '2024-12' },
          { text: 'Participation', since: '2025-03' },
        ],
      })
      expect(fieldOf(m, 'table_1', 'apr_23')!.retiredSince).toBe('2024-12')
      expect(fieldOf(m, 'table_1', 'aug_23')!.retiredSince).toBe('2025-03')
      expect(fieldOf(m, 'table_1', 'sep_23')!.retiredSince).toBeUndefined()
      expect(fieldOf(m, 'table_1', 'mar_25')!.since).toBe('2025-03')
      evolvedManifest = p.manifestText()
    })

    it('once accepted, the held months load with every row; the loaded ones are skipped', async () => {
      const summary = await p.run()
      expect(p.statuses(summary)).toEqual([
        '2024-04 skipped',
        '2024-05 skipped',
        '2024-06 skipped',
        '2024-08 skipped',
        '2024-12 loaded',
        '2025-03 loaded',
      ])
      expect(p.manifestText()).toBe(evolvedManifest)
      expect(
        await p.count('SELECT _period key, count(*) n FROM online_consultation.table_2 GROUP BY 1'),
      ).toEqual(TABLE_2)
      expect(
        await p.count('SELECT _period key, count(*) n FROM online_consultation.table_3 GROUP BY 1'),
      ).toEqual({ '2024-06': 7, '2024-08': 7, '2024-12': 7, '2025-03': 7 })
      expect(
        await p.count('SELECT _period key, count(*) n FROM online_consultation.table_1 GROUP BY 1'),
      ).toEqual(Object.fromEntries(PERIODS.map(([period]) => [period, 11])))
      for (const source of ['table_1', 'table_2', 'table_3']) await expectPhysicalNames(p, source)
      // August's renamed header filled the same column; December's suppressed participation is NULL.
      expect(
        await p.count('SELECT _period key, count(submissions) n FROM online_consultation.table_2 GROUP BY 1'),
      ).toEqual(TABLE_2)
      expect(
        await p.count(
          'SELECT _period key, count(participation) n FROM online_consultation.table_2 GROUP BY 1',
        ),
      ).toEqual({ ...TABLE_2, '2024-04': 0, '2024-05': 0, '2024-12': 0 })
      // A month column that dropped out of Table 1 keeps its data; later periods have NULL.
      expect(
        await p.count('SELECT _period key, count(apr_23) n FROM online_consultation.table_1 GROUP BY 1'),
      ).toEqual({ '2024-04': 11, '2024-05': 11, '2024-06': 11, '2024-08': 11, '2024-12': 0, '2025-03': 0 })
    })
  })

  describe('under hold', () => {
    let p: Corpus
    beforeAll(async () => {
      p = await corpusProject(FOLDER, 'online_consultation', 'hold', PERIODS)
    })
    afterAll(() => p?.stop())

    it('holds every month of the new publication, proposing the same manifest as evolve', async () => {
      const summary = await p.run()
      expect(p.statuses(summary)).toEqual(PERIODS.map(([period]) => `${period} held`))
      for (const o of summary.publications[0]!.periods) {
        expect(o.reason, o.period).toMatch(
          /^held for review of the canonical manifest \(contract hold\): first canonical manifest \([23] sources\)/,
        )
      }
      expect(p.manifestText()).toBe(evolvedManifest)
    })

    it('once accepted, every month loads with every row', async () => {
      const summary = await p.run()
      expect(p.statuses(summary)).toEqual(PERIODS.map(([period]) => `${period} loaded`))
      expect(p.manifestText()).toBe(evolvedManifest)
      expect(
        await p.count('SELECT _period key, count(*) n FROM online_consultation.table_2 GROUP BY 1'),
      ).toEqual(TABLE_2)
      for (const source of ['table_1', 'table_2', 'table_3']) await expectPhysicalNames(p, source)
    })
  })
})

describe.runIf(existsSync(CORPUS))('corpus: PCN workforce across quarters (Windows-1252 CSVs)', () => {
  const FOLDER = 'pcn_workforce'
  const file = (month: string) => `Primary Care Networks – ${month} 2020 Individual Level.csv`
  const PERIODS: [string, string][] = [
    ['2020-Q1', file('March')],
    ['2020-Q2', file('June')],
    ['2020-Q3', file('September')],
  ]
  const rows = lazyRows(() => PERIODS.map(([period, name]) => [period, csvRows(join(CORPUS, FOLDER, name))]))
  const COLUMNS = [
    'data_source',
    'census_year',
    'census_month',
    'pcn_code',
    'pcn_name',
    'sub_icb_code',
    'sub_icb_name',
    'icb_code',
    'icb_name',
    'comm_region_code',
    'comm_region_name',
    'staff_group',
    'staff_role',
    'detailed_staff_role',
    'fte',
    'unique_identifier',
  ]
  const TABLE = 'primary_care_networks_individual_level'
  let evolvedManifest = ''

  beforeAll(() => ensureBuilt())

  it('the files are what the expectations were read from', () => {
    expect(rows()).toEqual({ '2020-Q1': 534, '2020-Q2': 2044, '2020-Q3': 3159 })
  })

  describe('under evolve', () => {
    let p: Corpus
    beforeAll(async () => {
      p = await corpusProject(FOLDER, 'pcn_workforce', 'evolve', PERIODS)
    })
    afterAll(() => p?.stop())

    it('loads every quarter in one run: the same sixteen columns each time, no drift after the first', async () => {
      const summary = await p.run()
      expect(p.statuses(summary)).toEqual(['2020-Q1 loaded', '2020-Q2 loaded', '2020-Q3 loaded'])
      expect(p.outcome(summary, '2020-Q2').manifestChanges).toEqual([])
      expect(p.outcome(summary, '2020-Q3').manifestChanges).toEqual([])
      const m = p.manifest()
      expect(m.sources.map((s) => [s.key, s.table, s.match.file])).toEqual([
        [TABLE, TABLE, 'Primary Care Networks – * * Individual Level.csv'],
      ])
      expect(m.sources[0]!.schema.fields.map((f) => f.name)).toEqual(COLUMNS)
      expect(m.sources[0]!.schema.fields.every((f) => f.since === '2020-Q1' && !f.headers)).toBe(true)
      expect(await p.count(`SELECT _period key, count(*) n FROM pcn_workforce.${TABLE} GROUP BY 1`)).toEqual(
        rows(),
      )
      await expectPhysicalNames(p, TABLE)
      // Windows-1252: the en dash (0x96) of "Clinical Director – Medical" arrives as U+2013.
      const dashes = await query<{ n: string; broken: string }>(
        p.db.url,
        `SELECT count(*) FILTER (WHERE detailed_staff_role LIKE 'Clinical Director – %') n,
                count(*) FILTER (WHERE detailed_staff_role LIKE '%' || chr(65533) || '%') broken
           FROM pcn_workforce.${TABLE}`,
      )
      expect(Number(dashes[0]!.n)).toBeGreaterThan(0)
      expect(dashes[0]!.broken).toBe('0')
      evolvedManifest = p.manifestText()
    })

    it('a rerun changes nothing', async () => {
      const summary = await p.run()
      expect(p.statuses(summary)).toEqual(['2020-Q1 skipped', '2020-Q2 skipped', '2020-Q3 skipped'])
      expect(p.manifestText()).toBe(evolvedManifest)
    })
  })

  describe('under hold', () => {
    let p: Corpus
    beforeAll(async () => {
      p = await corpusProject(FOLDER, 'pcn_workforce', 'hold', PERIODS)
    })
    afterAll(() => p?.stop())

    it('holds the new publication, then loads every quarter once the manifest is accepted', async () => {
      const first = await p.run()
      expect(p.statuses(first)).toEqual(['2020-Q1 held', '2020-Q2 held', '2020-Q3 held'])
      for (const o of first.publications[0]!.periods)
        expect(o.reason!.startsWith(HOLD_FIRST), o.period).toBe(true)
      expect(p.manifestText()).toBe(evolvedManifest)
      const second = await p.run()
      expect(p.statuses(second)).toEqual(['2020-Q1 loaded', '2020-Q2 loaded', '2020-Q3 loaded'])
      expect(p.manifestText()).toBe(evolvedManifest)
      expect(await p.count(`SELECT _period key, count(*) n FROM pcn_workforce.${TABLE} GROUP BY 1`)).toEqual(
        rows(),
      )
      await expectPhysicalNames(p, TABLE)
    })
  })
})
