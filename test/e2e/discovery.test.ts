import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, finished, runCli, startCli } from '../support/cli.js'
import { createTestDatabase, query } from '../support/database.js'
import { page, SiteServer } from '../support/site-server.js'

/** Rows per (publication, period) across every table of the publications (not their partitions), as "code period n". */
async function rowsPerPeriod(url: string, codes: string[]): Promise<string[]> {
  const tables = await query<{ s: string; t: string }>(
    url,
    `SELECT n.nspname s, c.relname t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1, 2`,
    [codes],
  )
  if (tables.length === 0) return []
  const union = tables.map((x) => `SELECT '${x.s}' c, _period p FROM "${x.s}"."${x.t}"`).join(' UNION ALL ')
  const rows = await query<{ c: string; p: string; n: string }>(
    url,
    `SELECT c, p, count(*) n FROM (${union}) x GROUP BY 1, 2 ORDER BY 1, 2`,
  )
  return rows.map((r) => `${r.c} ${r.p} ${r.n}`)
}

const csv = (rows: number, seed = 0) =>
  ['Region,Measure,Value', ...Array.from({ length: rows }, (_, i) => `R${i % 7},M${i},${i * 3 + seed}`)].join(
    '\n',
  )

const ADHD = '/data-and-information/publications/statistical/mi-adhd'
const AE = '/statistics/statistical-work-areas/ae-waiting-times-and-activity/'
const AE_2025_26 = `${AE}ae-attendances-and-emergency-admissions-2025-26/`
const UPLOADS = '/statistics/wp-content/uploads/sites/2'
const PCN = '/data-and-information/publications/statistical/primary-care-network-workforce'

/**
 * Publishes a small NHS-shaped web: an NHS Digital publication with a page per period and its files in
 * hash folders; an NHS England landing page whose year sub-page lists files in upload-month folders; and a
 * landing page whose file name is URL-encoded ("PCNW%20March%202025").
 */
function publish(site: SiteServer): void {
  site.put(`${ADHD}`, page('Management Information for ADHD', [[`${ADHD}/november-2025`, 'November 2025']]))
  site.put(
    `${ADHD}/august-2025`,
    page('ADHD, August 2025', [
      ['/files/02/1EB37E/ADHD_Aug25.csv', 'ADHD Management Information August 2025 [CSV, 1 kB]'],
      ['/files/64/EB6133/ADHD_summary_Aug25.xlsx', 'Summary tables'],
    ]),
  )
  site.put(
    `${ADHD}/november-2025`,
    page('ADHD, November 2025', [
      ['/files/09/6D1142/ADHD_Nov25.csv', 'ADHD Management Information November 2025 [CSV, 1 kB]'],
      ['/files/4A/C95F1C/ADHD_summary_Nov25.xlsx', 'Summary tables'],
      [`${site.otherHostUrl}/files/EE/EEEEEE/ADHD_Nov25_v9.csv`, 'A later version, on another host'],
      [`${ADHD}/november-2025/data-quality`, 'Data quality'],
    ]),
  )
  site.put(
    `${ADHD}/november-2025/data-quality`,
    page('Data quality', [['/files/3E/8B4068/Data_dictionary_v1.2.xlsx', 'Data dictionary']]),
  )
  site.put('/files/02/1EB37E/ADHD_Aug25.csv', csv(40, 1))
  site.put('/files/09/6D1142/ADHD_Nov25.csv', csv(50, 2))
  site.put('/files/EE/EEEEEE/ADHD_Nov25_v9.csv', csv(5)) // served, but only linked through another host name

  site.put(
    AE,
    page('A&E Attendances and Emergency Admissions', [
      [AE_2025_26, 'A&E Attendances and Emergency Admissions 2025-26'],
      ['/statistics/', 'Statistics (not below the landing page)'],
    ]),
  )
  site.put(
    AE_2025_26,
    page('A&E Attendances and Emergency Admissions 2025-26', [
      [`${UPLOADS}/2025/12/Monthly-AE-November-2025.csv`, 'Monthly A&amp;E November 2025 (CSV, 2KB)'],
      [
        `${UPLOADS}/2025/12/November-2025-AE-by-provider-9Ia4R.xls`,
        'A&amp;E by provider November 2025 (XLS)',
      ],
      [`${UPLOADS}/2025/11/Monthly-AE-October-2025.csv`, 'Monthly A&amp;E October 2025 (CSV, 2KB)'],
    ]),
  )
  site.put(`${UPLOADS}/2025/12/Monthly-AE-November-2025.csv`, csv(30, 3))
  site.put(`${UPLOADS}/2025/11/Monthly-AE-October-2025.csv`, csv(20, 4))

  site.put(
    PCN,
    page('Primary Care Network Workforce', [
      ['/files/09/54F096/PCNW%20March%202025%20-%20Individual%20level.csv', 'PCN workforce bulletin data'],
    ]),
  )
  site.put('/files/09/54F096/PCNW March 2025 - Individual level.csv', csv(25, 5))
}

function writeConfig(
  root: string,
  site: SiteServer,
  manifests = 'manifests/canonical',
  allowedFolders: string[] = [],
): void {
  mkdirSync(join(root, 'config'), { recursive: true })
  const manifest = (code: string) => `${manifests}/${code}/${code}_canonical.yaml`
  writeFileSync(
    join(root, 'config', 'publications.yaml'),
    `settings:
  contract: evolve
  fetch: { timeout_seconds: 10, retries: 1 }
  allowed_folders: [${allowedFolders.join(', ')}]
publications:
  adhd:
    name: ADHD Management Information
    canonical_manifest: ${manifest('adhd')}
    landing_page: ${site.url}${ADHD}
    url_template: "{landing_page}/{month_name}-{year}"
    discover: "ADHD_*.csv"
    periods: { start: 2025-08, end: 2025-11, months: [feb, may, aug, nov], lag_days: 45 }
  ae_attendances:
    name: A&E Attendances and Emergency Admissions
    canonical_manifest: ${manifest('ae_attendances')}
    landing_page: ${site.url}${AE}
    discover: "Monthly-AE-*.csv"
    periods: [2025-10, 2025-11]
  pcn_workforce:
    name: Primary Care Network Workforce
    canonical_manifest: ${manifest('pcn_workforce')}
    landing_page: ${site.url}${PCN}
    discover: "PCNW*.csv"
    periods: [2020-03, 2025-03]
`,
  )
}

const CODES = ['adhd', 'ae_attendances', 'pcn_workforce']

describe('datawarp run and plan: finding new periods on NHS-shaped web pages', () => {
  let root: string
  let site: SiteServer
  let db: { url: string; drop: () => Promise<void> }
  const cli = (...args: string[]) => runCli(args, { cwd: root, env: { DATABASE_URL: db.url } })

  beforeAll(async () => {
    ensureBuilt()
    root = mkdtempSync(join(tmpdir(), 'datawarp-discovery-'))
    site = await new SiteServer().start()
    db = await createTestDatabase()
    publish(site)
    writeConfig(root, site)
  })

  afterAll(async () => {
    await site?.stop()
    await db?.drop()
    rmSync(root, { recursive: true, force: true })
  })

  it('plans, as a GitHub Actions matrix, to load every period it finds', async () => {
    const result = await cli('plan', '--json')
    expect(result.code, result.stderr).toBe(0)
    const plan = JSON.parse(result.stdout)
    expect(plan.include).toEqual([
      { publication: 'adhd', name: 'ADHD Management Information', load: 2, check: 0, missing: 0 },
      {
        publication: 'ae_attendances',
        name: 'A&E Attendances and Emergency Admissions',
        load: 2,
        check: 0,
        missing: 0,
      },
      { publication: 'pcn_workforce', name: 'Primary Care Network Workforce', load: 1, check: 0, missing: 1 },
    ])
    const adhd = plan.publications[0]
    expect(adhd.periods.map((p: { period: string; status: string }) => [p.period, p.status])).toEqual([
      ['2025-08', 'load'],
      ['2025-11', 'load'],
    ])
    expect(adhd.periods[1].files).toEqual([
      {
        url: `${site.url}/files/09/6D1142/ADHD_Nov25.csv`,
        origin: 'discovered',
        page: `${site.url}${ADHD}/november-2025`,
        text: 'ADHD Management Information November 2025 [CSV, 1 kB]',
      },
    ])
    // The plan downloads no data file.
    expect(site.requests.filter((r) => /\.(csv|xlsx?)$/.test(r.path))).toEqual([])
  })

  it('loads the files it finds once each, never following a link to another host', async () => {
    site.requests.length = 0
    const result = await cli('run', '--json')
    expect(result.code, result.stdout).toBe(0)
    const summary = JSON.parse(result.stdout)
    expect(
      summary.publications.map((p: { code: string; periods: { period: string; status: string }[] }) => [
        p.code,
        p.periods.map((x) => `${x.period} ${x.status}`),
      ]),
    ).toEqual([
      ['adhd', ['2025-08 loaded', '2025-11 loaded']],
      ['ae_attendances', ['2025-10 loaded', '2025-11 loaded']],
      ['pcn_workforce', ['2025-03 loaded']],
    ])
    expect(await rowsPerPeriod(db.url, CODES)).toEqual([
      'adhd 2025-08 40',
      'adhd 2025-11 50',
      'ae_attendances 2025-10 20',
      'ae_attendances 2025-11 30',
      'pcn_workforce 2025-03 25',
    ])
    // Each page and file was requested once; the better-named link on another host never.
    const paths = site.requests.map((r) => r.path)
    expect(new Set(paths).size).toBe(paths.length)
    expect(site.requests.filter((r) => r.host.startsWith('localhost'))).toEqual([])
    expect(paths.filter((p) => p.endsWith('.xlsx') || p.endsWith('.xls'))).toEqual([])
  })

  it('reads "PCNW%20March%202025" as March 2025 and reports March 2020, which has no file, as a warning', async () => {
    const loads = await query<{ period: string; url: string }>(
      db.url,
      `SELECT l.period, s.url FROM datawarp.loads l JOIN datawarp.load_sources s USING (load_id)
        WHERE l.publication = 'pcn_workforce' AND l.status = 'loaded'`,
    )
    expect(loads).toEqual([
      {
        period: '2025-03',
        url: `${site.url}/files/09/54F096/PCNW%20March%202025%20-%20Individual%20level.csv`,
      },
    ])
    const result = await cli('run', '--pub', 'pcn_workforce')
    expect(result.code, result.stdout).toBe(0)
    expect(result.stdout).toContain(
      'warning: 2020-03: no file of this period was found (due since 2020-03-31)',
    )
  })

  it('logs every candidate link at debug level, with the decision and the reason', async () => {
    const result = await cli('run', '--pub', 'adhd', '--json')
    const log = readFileSync(JSON.parse(result.stdout).eventLog, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    const candidates = log.filter((e) => e.event === 'discover.candidate')
    expect(candidates.every((e) => e.level === 'debug')).toBe(true)
    expect(
      candidates
        .map((e) => [e.file, e.decision, e.message])
        .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
    ).toEqual([
      ['ADHD_Aug25.csv', 'chosen', 'its file name names 2025-08'],
      ['ADHD_Nov25.csv', 'chosen', 'its file name names 2025-11'],
      [
        'ADHD_Nov25_v9.csv',
        'rejected',
        expect.stringMatching(
          /^host localhost:\d+ is not allowed \(allowed: 127\.0\.0\.1:\d+, files\.digital\.nhs\.uk, www\.england\.nhs\.uk\)$/,
        ),
      ],
      ['ADHD_summary_Aug25.xlsx', 'rejected', 'does not match "ADHD_*.csv"'],
      ['ADHD_summary_Nov25.xlsx', 'rejected', 'does not match "ADHD_*.csv"'],
      ['Data_dictionary_v1.2.xlsx', 'rejected', 'does not match "ADHD_*.csv"'],
    ])
  })

  it('makes only conditional requests on a scheduled run with nothing new, and downloads nothing', async () => {
    site.requests.length = 0
    const result = await cli('run')
    expect(result.code, result.stdout).toBe(0)
    expect(result.stdout).toContain('0 periods loaded')
    expect(result.stdout).toContain('5 skipped')
    // 6 pages (3 of ADHD, 2 of A&E, 1 of PCN) and the 5 files loaded: each asked once, "changed since?", answered 304.
    expect(site.requests).toHaveLength(11)
    for (const r of site.requests) {
      expect(r.headers['if-none-match'], r.path).toMatch(/^"[0-9a-f]{16}"$/)
      expect(r.headers['if-modified-since'], r.path).toMatch(/GMT$/)
      expect([r.path, r.status, r.bytes]).toEqual([r.path, 304, 0])
    }
  })

  it('reloads a period whose file was republished at the same address (its ETag changed)', async () => {
    site.put('/files/09/6D1142/ADHD_Nov25.csv', csv(55, 9))
    site.requests.length = 0
    const result = await cli('run', '--json')
    expect(result.code, result.stdout).toBe(0)
    const adhd = JSON.parse(result.stdout).publications[0]
    expect(adhd.periods.map((p: { period: string; status: string }) => `${p.period} ${p.status}`)).toEqual([
      '2025-08 skipped',
      '2025-11 loaded',
    ])
    expect(await rowsPerPeriod(db.url, ['adhd'])).toEqual(['adhd 2025-08 40', 'adhd 2025-11 55'])
    expect(site.requests.filter((r) => r.status === 200).map((r) => r.path)).toEqual([
      '/files/09/6D1142/ADHD_Nov25.csv',
    ])
  })

  it('reloads a period when a revised file is uploaded beside the first one, taking the revised file', async () => {
    site.put(
      AE_2025_26,
      page('A&E Attendances and Emergency Admissions 2025-26', [
        [`${UPLOADS}/2025/12/Monthly-AE-November-2025.csv`, 'Monthly A&amp;E November 2025 (CSV, 2KB)'],
        [
          `${UPLOADS}/2026/01/Monthly-AE-November-2025-revised.csv`,
          'Monthly A&amp;E November 2025 revised (CSV)',
        ],
        [`${UPLOADS}/2025/11/Monthly-AE-October-2025.csv`, 'Monthly A&amp;E October 2025 (CSV, 2KB)'],
      ]),
    )
    site.put(`${UPLOADS}/2026/01/Monthly-AE-November-2025-revised.csv`, csv(33, 6))
    const result = await cli('run', '--pub', 'ae_attendances', '--json')
    expect(result.code, result.stdout).toBe(0)
    const ae = JSON.parse(result.stdout).publications[0]
    expect(ae.periods.map((p: { period: string; status: string }) => `${p.period} ${p.status}`)).toEqual([
      '2025-10 skipped',
      '2025-11 loaded',
    ])
    const files = await query<{ url: string }>(
      db.url,
      `SELECT s.url FROM datawarp.loads l JOIN datawarp.load_sources s USING (load_id)
        WHERE l.publication = 'ae_attendances' AND l.period = '2025-11' ORDER BY l.load_id DESC LIMIT 1`,
    )
    expect(files[0]?.url).toBe(`${site.url}${UPLOADS}/2026/01/Monthly-AE-November-2025-revised.csv`)
    expect(await rowsPerPeriod(db.url, ['ae_attendances'])).toEqual([
      'ae_attendances 2025-10 20',
      'ae_attendances 2025-11 33',
    ])
  })

  it('plans to only check what is loaded', async () => {
    const result = await cli('plan')
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/adhd\s+load 0, check 2, missing 0/)
    expect(result.stdout).toMatch(
      /2025-11\s+check\s+loaded by load \d+ \(\d{4}-\d\d-\d\d\): conditional requests only/,
    )
  })
})

describe('two runs at once on one database', () => {
  it('load each period once: the second run waits for the first and skips what it loaded', async () => {
    ensureBuilt()
    const site = await new SiteServer().start()
    const db = await createTestDatabase()
    const shared = mkdtempSync(join(tmpdir(), 'datawarp-concurrent-'))
    const roots = [join(shared, 'a'), join(shared, 'b')]
    try {
      publish(site)
      // Two checkouts (as two Actions jobs would have) sharing the database and the canonical manifests.
      for (const root of roots) writeConfig(root, site, join(shared, 'manifests'), ['../manifests'])
      const runs = roots.map((cwd) => startCli(['run', '--json'], { cwd, env: { DATABASE_URL: db.url } }))
      const results = await Promise.all(runs.map(finished))
      for (const r of results) expect(r.code, r.stdout + r.stderr).toBe(0)
      expect(await rowsPerPeriod(db.url, CODES)).toEqual([
        'adhd 2025-08 40',
        'adhd 2025-11 50',
        'ae_attendances 2025-10 20',
        'ae_attendances 2025-11 30',
        'pcn_workforce 2025-03 25',
      ])
      const loads = await query<{ publication: string; period: string; n: string }>(
        db.url,
        `SELECT publication, period, count(*) n FROM datawarp.loads WHERE status = 'loaded' GROUP BY 1, 2 ORDER BY 1, 2`,
      )
      expect(loads.map((l) => Number(l.n))).toEqual([1, 1, 1, 1, 1])
      const statuses = results.flatMap((r) =>
        JSON.parse(r.stdout).publications.flatMap((p: { periods: { status: string }[] }) =>
          p.periods.map((x) => x.status),
        ),
      )
      expect(statuses.filter((s: string) => s === 'loaded')).toHaveLength(5)
      expect(statuses.filter((s: string) => s === 'skipped')).toHaveLength(5)
    } finally {
      await site.stop()
      await db.drop()
      rmSync(shared, { recursive: true, force: true })
    }
  })
})
