import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readCanonicalManifest } from '../../src/manifest/index.js'
import type { Field } from '../../src/model/manifest.js'
import type { RunSummary } from '../../src/pipeline/index.js'
import { ensureBuilt, runCli } from '../support/cli.js'
import { createTestDatabase, query } from '../support/database.js'
import { FileServer } from '../support/file-server.js'
import { writeCsv } from '../support/fixtures.js'

/**
 * The three contracts end to end: generated CSVs served over HTTP, the built CLI, a real PostgreSQL. Each
 * describe block is one project whose runs follow each other, like a user's.
 */

/** Values for the columns the tests use, by header (any spelling). */
function cell(header: string, i: number, seed: number): string | number {
  switch (header.toLowerCase().replace(/[^a-z]/g, '')) {
    case 'practicecode':
      return `P${String(i + 1).padStart(5, '0')}`
    case 'practicename':
      return `Practice ${i + 1}, Town`
    case 'visits':
      return seed > 1 ? (i * 7 + seed) / 4 : i * 3 + seed
    default:
      return (i * 11 + seed) % 97
  }
}

function csv(dir: string, name: string, header: string[], rows: number, seed = 1) {
  writeCsv(
    join(dir, name),
    header,
    Array.from({ length: rows }, (_, i) => header.map((h) => cell(h, i, seed))),
  )
}

interface Project {
  root: string
  served: string
  server: FileServer
  db: { url: string; drop: () => Promise<void> }
}

async function startProject(): Promise<Project> {
  const root = mkdtempSync(join(tmpdir(), 'datawarp-contracts-'))
  chmodSync(root, 0o755)
  const served = join(root, 'served')
  mkdirSync(served)
  mkdirSync(join(root, 'config'))
  return { root, served, server: await new FileServer(served).start(), db: await createTestDatabase() }
}

async function stopProject(p: Project | undefined) {
  await p?.server.stop()
  await p?.db.drop()
  if (p) rmSync(p.root, { recursive: true, force: true })
}

/** Writes config/publications.yaml with one publication and a URL per period (file name from the period). */
function configure(
  p: Project,
  code: string,
  file: (period: string) => string,
  periods: string[],
  contract?: string,
) {
  writeFileSync(
    join(p.root, 'config', 'publications.yaml'),
    `publications:
  ${code}:
    name: ${code}
${contract ? `    contract: ${contract}\n` : ''}    urls:
${periods.map((period) => `      - { period: ${period}, url: "${p.server.fileUrl(file(period))}" }`).join('\n')}
`,
  )
}

const run = (p: Project, ...args: string[]) =>
  runCli(['run', ...args], { cwd: p.root, env: { DATABASE_URL: p.db.url } })

async function runJson(p: Project): Promise<{ code: number | null; summary: RunSummary; stderr: string }> {
  const result = await run(p, '--json')
  return { code: result.code, summary: JSON.parse(result.stdout) as RunSummary, stderr: result.stderr }
}

const periodsOf = (summary: RunSummary) =>
  summary.publications.flatMap((pub) => pub.periods.map((o) => `${o.period} ${o.status}`))

const manifestPath = (p: Project, code: string) =>
  join(p.root, 'manifests', 'canonical', code, `${code}_canonical.yaml`)
const manifestText = (p: Project, code: string) => readFileSync(manifestPath(p, code), 'utf8')
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
const fieldOf = (p: Project, code: string, name: string) =>
  core(readCanonicalManifest(manifestPath(p, code))!.sources[0]!.schema.fields.find((f) => f.name === name))

const ledger = (p: Project, code: string) =>
  query<{
    period: string
    status: string
    reason: string | null
    error: string | null
    rows_loaded: string | null
  }>(
    p.db.url,
    'SELECT period, status, reason, error, rows_loaded FROM datawarp.loads WHERE publication = $1 ORDER BY load_id',
    [code],
  )

const columnsOf = async (p: Project, schema: string, table: string) =>
  (
    await query<{ column_name: string; data_type: string }>(
      p.db.url,
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [schema, table],
    )
  ).map((c) => `${c.column_name}:${c.data_type}`)

const LINEAGE = [
  '_period:text',
  '_load_id:bigint',
  '_source_file:text',
  '_loaded_at:timestamp with time zone',
]

beforeAll(() => ensureBuilt())

describe('contract hold (the default)', () => {
  let p: Project
  const CODE = 'clinics'
  const BASE = ['Practice Code', 'Practice Name', 'Appointments']
  const file = (period: string) => `activity-${period}.csv`
  const use = (...periods: string[]) => configure(p, CODE, file, periods)

  beforeAll(async () => {
    p = await startProject()
    csv(p.served, file('2024-01'), BASE, 30)
    csv(p.served, file('2024-02'), BASE, 40, 2)
    csv(p.served, file('2024-03'), [...BASE, 'Online Appointments'], 50, 3)
    csv(p.served, file('2024-04'), [...BASE, 'Online Appointments'], 60, 4)
    csv(
      p.served,
      file('2024-05'),
      ['PRACTICE CODE', 'Practice Name', 'Appointments', 'Online Appointments'],
      20,
      5,
    )
  })
  afterAll(() => stopProject(p))

  it('the first run holds every period of a new publication and writes the proposed manifest', async () => {
    use('2024-01', '2024-02')
    const result = await run(p)
    expect(result.stderr).toBe('')
    expect(result.code, result.stdout).toBe(0)
    expect(result.stdout).toContain('0 periods loaded (0 rows), 0 skipped, 2 held, 0 failed')
    expect(result.stdout).toMatch(
      /2024-01\s+held\s+held for review of the canonical manifest \(contract hold\): first canonical manifest \(1 sources\); new source "activity" \(activity-2024-01\.csv\)/,
    )
    expect(result.stdout).toContain(`manifest written: manifests/canonical/${CODE}/${CODE}_canonical.yaml`)
    expect(result.stdout).toContain('Held periods wait for review of the canonical manifest')
    expect(await ledger(p, CODE)).toEqual([
      {
        period: '2024-01',
        status: 'held',
        reason:
          'held for review of the canonical manifest (contract hold): first canonical manifest (1 sources); new source "activity" (activity-2024-01.csv)',
        error: null,
        rows_loaded: null,
      },
      {
        period: '2024-02',
        status: 'held',
        reason:
          'held for review of the canonical manifest (contract hold): first canonical manifest (1 sources); new source "activity" (activity-2024-02.csv)',
        error: null,
        rows_loaded: null,
      },
    ])
    // Nothing loaded: not even the publication's schema.
    expect(
      await query(p.db.url, `SELECT 1 FROM information_schema.schemata WHERE schema_name = '${CODE}'`),
    ).toEqual([])
    const manifest = readCanonicalManifest(manifestPath(p, CODE))!
    expect(manifest.sources.map((s) => [s.key, s.table, s.since, s.match])).toEqual([
      ['activity', 'activity', '2024-01', { file: 'activity-*.csv' }],
    ])
    expect(manifest.sources[0]!.schema.fields.map(core)).toEqual([
      { name: 'practice_code', title: 'Practice Code', type: 'string', since: '2024-01' },
      { name: 'practice_name', title: 'Practice Name', type: 'string', since: '2024-01' },
      { name: 'appointments', title: 'Appointments', type: 'integer', since: '2024-01' },
    ])
    expect(manifestText(p, CODE)).toMatch(/^# Canonical manifest of the publication "clinics"/)

    const status = await runCli(['status'], { cwd: p.root, env: { DATABASE_URL: p.db.url } })
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toMatch(
      /clinics\s+2024-01\s+held\s+\S+\s+held for review of the canonical manifest \(contract hold\): first canonical manifest/,
    )
    expect(status.stdout).not.toContain('failed')
  })

  it('a run that starts with the proposed manifest kept (accepted) loads the held periods; the file is unchanged', async () => {
    const before = manifestText(p, CODE)
    const { code, summary } = await runJson(p)
    expect(code).toBe(0)
    expect(periodsOf(summary)).toEqual(['2024-01 loaded', '2024-02 loaded'])
    expect(summary.publications[0]!.manifestWritten).toBeUndefined()
    expect(manifestText(p, CODE)).toBe(before)
    const counts = await query<{ period: string; n: string }>(
      p.db.url,
      `SELECT _period period, count(*) n FROM ${CODE}.activity GROUP BY 1 ORDER BY 1`,
    )
    expect(counts).toEqual([
      { period: '2024-01', n: '30' },
      { period: '2024-02', n: '40' },
    ])
    expect((await ledger(p, CODE)).map((l) => `${l.period} ${l.status} ${l.rows_loaded}`)).toEqual([
      '2024-01 held null',
      '2024-02 held null',
      '2024-01 loaded 30',
      '2024-02 loaded 40',
    ])
  })

  it('a new column in the next period holds only that period, and the canonical file shows the column', async () => {
    use('2024-01', '2024-02', '2024-03')
    const result = await run(p)
    expect(result.code, result.stdout).toBe(0)
    expect(result.stdout).toContain('0 periods loaded (0 rows), 2 skipped, 1 held, 0 failed')
    const reason =
      'held for review of the canonical manifest (contract hold): new column "online_appointments" in "activity" (header "Online Appointments", integer)'
    expect(result.stdout).toContain(`2024-03    held     ${reason}`)
    expect(result.stdout).toContain('manifest: new column "online_appointments" in "activity"')
    expect(fieldOf(p, CODE, 'online_appointments')).toEqual({
      name: 'online_appointments',
      title: 'Online Appointments',
      type: 'integer',
      since: '2024-03',
    })
    const last = (await ledger(p, CODE)).at(-1)!
    expect(last).toEqual({ period: '2024-03', status: 'held', reason, error: null, rows_loaded: null })
    // The table is as it was: no new column, no rows of the held period.
    expect(await columnsOf(p, CODE, 'activity')).toEqual([
      'practice_code:text',
      'practice_name:text',
      'appointments:bigint',
      ...LINEAGE,
    ])
    expect(await query(p.db.url, `SELECT 1 FROM ${CODE}.activity WHERE _period = '2024-03'`)).toEqual([])

    const status = await runCli(['status'], { cwd: p.root, env: { DATABASE_URL: p.db.url } })
    expect(status.stdout).toMatch(/clinics\s+2024-01\s+loaded\s+\S+\s+30 rows/)
    expect(status.stdout).toMatch(
      new RegExp(`clinics\\s+2024-03\\s+held\\s+\\S+\\s+${reason.replace(/[()]/g, '\\$&')}`),
    )
    const json = JSON.parse(
      (await runCli(['status', '--json'], { cwd: p.root, env: { DATABASE_URL: p.db.url } })).stdout,
    ) as { period: string; status: string; reason: string | null }[]
    expect(json.map((e) => [e.period, e.status, e.reason])).toEqual([
      ['2024-01', 'loaded', null],
      ['2024-02', 'loaded', null],
      ['2024-03', 'held', reason],
    ])
  })

  it('after accepting (the file stays), the rerun loads it; earlier periods get NULL in the new column', async () => {
    const before = manifestText(p, CODE)
    const { code, summary } = await runJson(p)
    expect(code).toBe(0)
    expect(periodsOf(summary)).toEqual(['2024-01 skipped', '2024-02 skipped', '2024-03 loaded'])
    expect(manifestText(p, CODE)).toBe(before)
    expect(await columnsOf(p, CODE, 'activity')).toEqual([
      'practice_code:text',
      'practice_name:text',
      'appointments:bigint',
      ...LINEAGE,
      // Added by ALTER TABLE: after the lineage columns.
      'online_appointments:bigint',
    ])
    const filled = await query<{ period: string; n: string; online: string }>(
      p.db.url,
      `SELECT _period period, count(*) n, count(online_appointments) online FROM ${CODE}.activity GROUP BY 1 ORDER BY 1`,
    )
    expect(filled).toEqual([
      { period: '2024-01', n: '30', online: '0' },
      { period: '2024-02', n: '40', online: '0' },
      { period: '2024-03', n: '50', online: '50' },
    ])
  })

  it('a later period with no change loads in the same run and leaves the manifest byte-identical', async () => {
    const before = manifestText(p, CODE)
    const mtime = statSync(manifestPath(p, CODE)).mtimeMs
    use('2024-01', '2024-02', '2024-03', '2024-04')
    const { code, summary } = await runJson(p)
    expect(code).toBe(0)
    expect(periodsOf(summary)).toEqual([
      '2024-01 skipped',
      '2024-02 skipped',
      '2024-03 skipped',
      '2024-04 loaded',
    ])
    expect(summary.publications[0]!.periods[3]!.manifestChanges).toEqual([])
    expect(summary.publications[0]!.manifestWritten).toBeUndefined()
    expect(manifestText(p, CODE)).toBe(before)
    expect(statSync(manifestPath(p, CODE)).mtimeMs).toBe(mtime)
  })

  it('a header written differently loads (cosmetic), keeps its physical name and is recorded', async () => {
    use('2024-01', '2024-02', '2024-03', '2024-04', '2024-05')
    const { code, summary } = await runJson(p)
    expect(code).toBe(0)
    expect(periodsOf(summary).at(-1)).toBe('2024-05 loaded')
    const may = summary.publications[0]!.periods[4]!
    expect(may.manifestChanges).toEqual([
      'header of "practice_code" in "activity" now "PRACTICE CODE" (was "Practice Code")',
    ])
    expect(may.drift!.sources[0]!.headerChanges).toEqual([
      { name: 'practice_code', from: 'Practice Code', to: 'PRACTICE CODE', method: 'header' },
    ])
    expect(summary.publications[0]!.manifestWritten).toBe(manifestPath(p, CODE))
    expect(fieldOf(p, CODE, 'practice_code')).toEqual({
      name: 'practice_code',
      title: 'PRACTICE CODE',
      type: 'string',
      since: '2024-01',
      headers: [
        { text: 'Practice Code', since: '2024-01' },
        { text: 'PRACTICE CODE', since: '2024-05' },
      ],
    })
    const rows = await query<{ n: string }>(
      p.db.url,
      `SELECT count(practice_code) n FROM ${CODE}.activity WHERE _period = '2024-05'`,
    )
    expect(rows).toEqual([{ n: '20' }])
  })

  it('a rerun with nothing new loads nothing and leaves the manifest byte-identical', async () => {
    const before = manifestText(p, CODE)
    const result = await run(p)
    expect(result.code, result.stdout).toBe(0)
    expect(result.stdout).toContain('0 periods loaded (0 rows), 5 skipped, 0 held, 0 failed')
    expect(result.stdout).toContain('Nothing new to load.')
    expect(result.stdout).not.toContain('manifest written')
    expect(manifestText(p, CODE)).toBe(before)
  })
})

describe('a column of only missing markers in its first release (hold)', () => {
  let p: Project
  const CODE = 'suppressed'
  const file = (period: string) => `rates-${period}.csv`
  const use = (...periods: string[]) => configure(p, CODE, file, periods)

  beforeAll(async () => {
    p = await startProject()
    const rows = (rate: (i: number) => string | number) =>
      Array.from({ length: 5 }, (_, i) => [`P${i}`, rate(i)] as (string | number)[])
    writeCsv(
      join(p.served, file('2024-01')),
      ['Practice Code', 'Rate'],
      rows(() => '-'),
    )
    writeCsv(
      join(p.served, file('2024-02')),
      ['Practice Code', 'Rate'],
      rows((i) => (i === 0 ? '-' : i * 10)),
    )
  })
  afterAll(() => stopProject(p))

  it('is drafted untyped, and once accepted its period loads the markers as they are', async () => {
    use('2024-01')
    expect(periodsOf((await runJson(p)).summary)).toEqual(['2024-01 held'])
    expect(readCanonicalManifest(manifestPath(p, CODE))!.sources[0]!.schema.fields[1]).toMatchObject({
      name: 'rate',
      type: 'string',
      untyped: true,
    })
    expect(periodsOf((await runJson(p)).summary)).toEqual(['2024-01 loaded'])
    expect(await columnsOf(p, CODE, 'rates')).toContain('rate:text')
  })

  it('takes the type of the first values a later period brings: loaded without review, earlier markers NULL', async () => {
    use('2024-01', '2024-02')
    const { code, summary } = await runJson(p)
    expect(code).toBe(0)
    expect(periodsOf(summary)).toEqual(['2024-01 skipped', '2024-02 loaded'])
    expect(summary.publications[0]!.periods[1]!.manifestChanges).toEqual([
      'column "rate" in "rates" has its first values: integer (it held only empty cells or missing markers)',
    ])
    expect(await columnsOf(p, CODE, 'rates')).toContain('rate:bigint')
    expect(
      await query(
        p.db.url,
        `SELECT _period, count(rate) n, sum(rate) total FROM ${CODE}.rates GROUP BY 1 ORDER BY 1`,
      ),
    ).toEqual([
      { _period: '2024-01', n: '0', total: null },
      { _period: '2024-02', n: '4', total: '100' },
    ])
    expect(fieldOf(p, CODE, 'rate')).toEqual({
      name: 'rate',
      title: 'Rate',
      type: 'integer',
      since: '2024-01',
    })
    expect(
      readCanonicalManifest(manifestPath(p, CODE))!.sources[0]!.schema.fields[1]!.untyped,
    ).toBeUndefined()
  })
})

describe('contract evolve', () => {
  let p: Project
  const CODE = 'home_visits'
  const file = (period: string) => `visits-${period}.csv`
  // The publication sets evolve; settings.contract stays the default hold.
  const use = (...periods: string[]) => configure(p, CODE, file, periods, 'evolve')

  beforeAll(async () => {
    p = await startProject()
    csv(p.served, file('2024-01'), ['Practice Code', 'Practice Name', 'Visits'], 25, 1)
    // A new column, and Visits with decimals: integer widens to number.
    csv(p.served, file('2024-02'), ['Practice Code', 'Practice Name', 'Visits', 'Home Visits'], 35, 2)
    // Practice Name is gone.
    csv(p.served, file('2024-03'), ['Practice Code', 'Visits', 'Home Visits'], 45, 3)
    csv(p.served, file('2024-04'), ['Practice Code', 'Visits', 'Home Visits'], 55, 4)
  })
  afterAll(() => stopProject(p))

  it('a new publication loads its first period in the same run and writes its manifest', async () => {
    use('2024-01')
    const { code, summary } = await runJson(p)
    expect(code).toBe(0)
    expect(periodsOf(summary)).toEqual(['2024-01 loaded'])
    expect(summary.publications[0]!.contract).toBe('evolve')
    expect(summary.publications[0]!.manifestWritten).toBe(manifestPath(p, CODE))
    expect(await columnsOf(p, CODE, 'visits')).toEqual([
      'practice_code:text',
      'practice_name:text',
      'visits:bigint',
      ...LINEAGE,
    ])
  })

  it('a new column and a wider type load in the same run and are written to the manifest', async () => {
    use('2024-01', '2024-02')
    const result = await run(p)
    expect(result.code, result.stdout).toBe(0)
    expect(result.stdout).toContain('1 periods loaded (35 rows), 1 skipped, 0 held, 0 failed')
    expect(result.stdout).toContain(
      'manifest: new column "home_visits" in "visits" (header "Home Visits", integer)',
    )
    expect(result.stdout).toContain('manifest: column "visits" in "visits" widened from integer to number')
    expect(result.stdout).toContain(`manifest written: manifests/canonical/${CODE}/${CODE}_canonical.yaml`)
    expect(fieldOf(p, CODE, 'visits')).toEqual({
      name: 'visits',
      title: 'Visits',
      type: 'number',
      since: '2024-01',
    })
    expect(fieldOf(p, CODE, 'home_visits')).toEqual({
      name: 'home_visits',
      title: 'Home Visits',
      type: 'integer',
      since: '2024-02',
    })
    expect(await columnsOf(p, CODE, 'visits')).toEqual([
      'practice_code:text',
      'practice_name:text',
      'visits:numeric',
      ...LINEAGE,
      'home_visits:bigint',
    ])
    // The first period's values survived the widening; it has no value in the new column.
    const sums = await query<{ period: string; visits: string; home: string }>(
      p.db.url,
      `SELECT _period period, sum(visits)::text visits, count(home_visits)::text home FROM ${CODE}.visits GROUP BY 1 ORDER BY 1`,
    )
    const expected = (n: number, seed: number) =>
      Array.from({ length: n }, (_, i) => Number(cell('Visits', i, seed))).reduce((a, b) => a + b, 0)
    expect(sums.map((s) => [s.period, Number(s.visits), s.home])).toEqual([
      ['2024-01', expected(25, 1), '0'],
      ['2024-02', expected(35, 2), '35'],
    ])
  })

  it('a missing column holds its periods: removals are never applied by themselves', async () => {
    use('2024-01', '2024-02', '2024-03', '2024-04')
    const { code, summary } = await runJson(p)
    expect(code).toBe(0)
    // 2024-01 was loaded with visits as an integer; widened to number in place, it need not load again.
    expect(periodsOf(summary)).toEqual(['2024-01 skipped', '2024-02 skipped', '2024-03 held', '2024-04 held'])
    const reason =
      'held for review: removals or renames are never applied by themselves: column "practice_name" missing from "visits" (header was "Practice Name")'
    expect(summary.publications[0]!.periods[2]!.reason).toBe(reason)
    expect((await ledger(p, CODE)).slice(-2)).toEqual([
      { period: '2024-03', status: 'held', reason: reason, error: null, rows_loaded: null },
      { period: '2024-04', status: 'held', reason: reason, error: null, rows_loaded: null },
    ])
    expect(summary.publications[0]!.periods[2]!.driftReport).toContain(
      'Missing columns (kept in the table; this and later periods get NULL):\n\n- `practice_name` — header was "Practice Name"',
    )
    expect(fieldOf(p, CODE, 'practice_name')).toEqual({
      name: 'practice_name',
      title: 'Practice Name',
      type: 'string',
      since: '2024-01',
      retiredSince: '2024-03',
    })
    expect(await query(p.db.url, `SELECT 1 FROM ${CODE}.visits WHERE _period >= '2024-03'`)).toEqual([])
  })

  it('once accepted, the held periods load: the column and its data stay, later periods get NULL', async () => {
    const before = manifestText(p, CODE)
    const { code, summary } = await runJson(p)
    expect(code).toBe(0)
    expect(periodsOf(summary)).toEqual([
      '2024-01 skipped',
      '2024-02 skipped',
      '2024-03 loaded',
      '2024-04 loaded',
    ])
    expect(manifestText(p, CODE)).toBe(before)
    expect(await columnsOf(p, CODE, 'visits')).toEqual([
      'practice_code:text',
      'practice_name:text',
      'visits:numeric',
      ...LINEAGE,
      'home_visits:bigint',
    ])
    const names = await query<{ period: string; n: string; named: string }>(
      p.db.url,
      `SELECT _period period, count(*) n, count(practice_name) named FROM ${CODE}.visits GROUP BY 1 ORDER BY 1`,
    )
    expect(names).toEqual([
      { period: '2024-01', n: '25', named: '25' },
      { period: '2024-02', n: '35', named: '35' },
      { period: '2024-03', n: '45', named: '0' },
      { period: '2024-04', n: '55', named: '0' },
    ])
  })
})

describe('a source missing from a period (evolve)', () => {
  let p: Project
  const CODE = 'two_files'
  const HEADER = ['Practice Code', 'Appointments']

  beforeAll(async () => {
    p = await startProject()
    csv(p.served, 'summary-2024-01.csv', HEADER, 8, 1)
    csv(p.served, 'detail-2024-01.csv', HEADER, 9, 1)
    csv(p.served, 'summary-2024-02.csv', HEADER, 10, 2)
    csv(p.served, 'summary-2024-03.csv', HEADER, 11, 3)
    csv(p.served, 'detail-2024-03.csv', HEADER, 12, 3)
  })
  afterAll(() => stopProject(p))

  const use = (withSecondPeriod: boolean, withThirdPeriod = false) =>
    writeFileSync(
      join(p.root, 'config', 'publications.yaml'),
      `publications:
  ${CODE}:
    name: Two files
    contract: evolve
    urls:
      - { period: 2024-01, url: "${p.server.fileUrl('summary-2024-01.csv')}" }
      - { period: 2024-01, url: "${p.server.fileUrl('detail-2024-01.csv')}" }
${withSecondPeriod ? `      - { period: 2024-02, url: "${p.server.fileUrl('summary-2024-02.csv')}" }\n` : ''}${
  withThirdPeriod
    ? `      - { period: 2024-03, url: "${p.server.fileUrl('summary-2024-03.csv')}" }
      - { period: 2024-03, url: "${p.server.fileUrl('detail-2024-03.csv')}" }\n`
    : ''
}`,
    )

  it('holds the period, retires the source in the manifest and keeps its table and data', async () => {
    use(false)
    const first = await runJson(p)
    expect(periodsOf(first.summary)).toEqual(['2024-01 loaded'])
    use(true)
    const { code, summary } = await runJson(p)
    expect(code).toBe(0)
    expect(periodsOf(summary)).toEqual(['2024-01 skipped', '2024-02 held'])
    const held = summary.publications[0]!.periods[1]!
    expect(held.reason).toBe(
      'held for review: removals or renames are never applied by themselves: source "detail" missing from this period',
    )
    expect(held.drift!.removedSources).toEqual([{ key: 'detail', table: 'detail' }])
    expect(held.driftReport).toContain(
      'Sources missing from this period (their tables and data stay):\n\n- `detail` (table `detail`)',
    )
    const manifest = readCanonicalManifest(manifestPath(p, CODE))!
    expect(manifest.sources.map((s) => [s.key, s.since, s.retiredSince])).toEqual([
      ['summary', '2024-01', undefined],
      ['detail', '2024-01', '2024-02'],
    ])
  })

  it('once accepted, the period loads; the missing source keeps its earlier rows', async () => {
    const { code, summary } = await runJson(p)
    expect(code).toBe(0)
    expect(periodsOf(summary)).toEqual(['2024-01 skipped', '2024-02 loaded'])
    expect(summary.publications[0]!.periods[1]!.sources!.map((s) => `${s.source} ${s.rows}`)).toEqual([
      'summary 10',
    ])
    const counts = await query<{ t: string; period: string; n: string }>(
      p.db.url,
      `SELECT 'summary' t, _period period, count(*) n FROM ${CODE}.summary GROUP BY 2
       UNION ALL SELECT 'detail', _period, count(*) FROM ${CODE}.detail GROUP BY 2 ORDER BY 1, 2`,
    )
    expect(counts.map((c) => `${c.t} ${c.period} ${c.n}`)).toEqual([
      'detail 2024-01 9',
      'summary 2024-01 8',
      'summary 2024-02 10',
    ])
  })

  it('a source back after a gap is an additive change: evolve loads it and un-retires it', async () => {
    use(true, true)
    const { code, summary } = await runJson(p)
    expect(code).toBe(0)
    expect(periodsOf(summary)).toEqual(['2024-01 skipped', '2024-02 skipped', '2024-03 loaded'])
    expect(summary.publications[0]!.periods[2]!.manifestChanges).toEqual([
      'source "detail" back in this period',
    ])
    const manifest = readCanonicalManifest(manifestPath(p, CODE))!
    expect(manifest.sources.map((s) => [s.key, s.retiredSince])).toEqual([
      ['summary', undefined],
      ['detail', undefined],
    ])
    const detail = await query<{ period: string; n: string }>(
      p.db.url,
      `SELECT _period period, count(*) n FROM ${CODE}.detail GROUP BY 1 ORDER BY 1`,
    )
    expect(detail).toEqual([
      { period: '2024-01', n: '9' },
      { period: '2024-03', n: '12' },
    ])
  })
})

describe('contract freeze', () => {
  let p: Project
  const CODE = 'frozen_clinics'
  const BASE = ['Practice Code', 'Practice Name', 'Appointments']
  const file = (period: string) => `clinic-${period}.csv`
  const use = (contract: string, ...periods: string[]) => configure(p, CODE, file, periods, contract)

  beforeAll(async () => {
    p = await startProject()
    csv(p.served, file('2024-01'), BASE, 10, 1)
    csv(p.served, file('2024-02'), BASE, 12, 2)
    csv(p.served, file('2024-03'), [...BASE, 'Online Appointments'], 14, 3)
    csv(p.served, file('2024-04'), ['Practice Code', 'Appointments'], 16, 4)
  })
  afterAll(() => stopProject(p))

  it('a publication with no manifest is held under freeze: its first manifest is proposed for review', async () => {
    use('freeze', '2024-01')
    const result = await run(p)
    expect(result.code, result.stdout).toBe(0)
    expect(result.stdout).toContain(
      '2024-01    held     held for review of the first canonical manifest (contract freeze has nothing to freeze yet)',
    )
    expect(statSync(manifestPath(p, CODE)).isFile()).toBe(true)
    expect(await ledger(p, CODE)).toEqual([
      {
        period: '2024-01',
        status: 'held',
        reason: 'held for review of the first canonical manifest (contract freeze has nothing to freeze yet)',
        error: null,
        rows_loaded: null,
      },
    ])
    rmSync(manifestPath(p, CODE))
    await query(p.db.url, 'DELETE FROM datawarp.loads')
  })

  it('with a manifest (made under evolve), a period that matches it loads under freeze, the file untouched', async () => {
    use('evolve', '2024-01')
    expect((await run(p)).code).toBe(0)
    const before = manifestText(p, CODE)
    use('freeze', '2024-01', '2024-02')
    const { code, summary } = await runJson(p)
    expect(code).toBe(0)
    expect(periodsOf(summary)).toEqual(['2024-01 skipped', '2024-02 loaded'])
    expect(manifestText(p, CODE)).toBe(before)
  })

  it('a new column or a missing one fails its period with a clear message and exit code 1', async () => {
    const before = manifestText(p, CODE)
    use('freeze', '2024-01', '2024-02', '2024-03', '2024-04')
    const result = await run(p)
    expect(result.code, result.stdout).toBe(1)
    const added =
      'the period differs from the frozen canonical manifest: new column "online_appointments" in "clinic" (header "Online Appointments", integer)'
    const missing =
      'the period differs from the frozen canonical manifest: column "practice_name" missing from "clinic" (header was "Practice Name")'
    expect(result.stdout).toContain(`2024-03    failed   ${added}`)
    expect(result.stdout).toContain(`2024-04    failed   ${missing}`)
    expect(result.stdout).toMatch(/frozen_clinics\s+FAILED\s+loaded 0, skipped 2, held 0, failed 2/)
    expect(result.stdout).not.toContain('manifest written')
    expect(manifestText(p, CODE)).toBe(before)
    expect((await ledger(p, CODE)).slice(-2)).toEqual([
      { period: '2024-03', status: 'failed', reason: null, error: added, rows_loaded: null },
      { period: '2024-04', status: 'failed', reason: null, error: missing, rows_loaded: null },
    ])
    expect(await columnsOf(p, CODE, 'clinic')).toEqual([
      'practice_code:text',
      'practice_name:text',
      'appointments:bigint',
      ...LINEAGE,
    ])
    const status = await runCli(['status'], { cwd: p.root, env: { DATABASE_URL: p.db.url } })
    expect(status.stdout).toMatch(
      /frozen_clinics\s+2024-03\s+failed\s+\S+\s+failed: the period differs from the frozen/,
    )
    expect(status.stdout).toMatch(/frozen_clinics\s+2024-02\s+loaded\s+\S+\s+12 rows/)
  })
})
