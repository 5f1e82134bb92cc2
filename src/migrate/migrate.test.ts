import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { createTestDatabase } from '../../test/support/database.js'
import { snapshot, writeLegacyDeployment } from '../../test/support/legacy.js'
import { loadConfig } from '../config/index.js'
import { readCanonicalManifest } from '../manifest/index.js'
import { formatMigrationReport, type MigrationReport, migrate } from './index.js'

const ADHD_MANIFEST = 'manifests/canonical/adhd/adhd_canonical.yaml'

describe('datawarp migrate, on a generated deployment of the old pipeline', () => {
  let root: string
  let inputs: string[]
  const input = (report: MigrationReport, path: string) => report.inputs.find((i) => i.path === path)!

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'datawarp-migrate-'))
    inputs = writeLegacyDeployment(root)
  })
  afterEach(() => rmSync(root, { recursive: true, force: true }))

  it('leaves a project that validates, with one canonical manifest per publication that had manifests', async () => {
    const report = await migrate({ root })
    expect(report.failed).toBe(false)
    const config = loadConfig(join(root, 'config/publications.yaml'))
    expect(config.problems).toEqual([])
    expect(config.publications.map((p) => p.code)).toEqual(['adhd', 'pcn_workforce', 'nhs_workforce'])
    for (const publication of config.publications)
      readCanonicalManifest(join(root, publication.canonicalManifest))
    expect(existsSync(join(root, ADHD_MANIFEST))).toBe(true)
    expect(existsSync(join(root, 'manifests/canonical/pcn_workforce/pcn_workforce_canonical.yaml'))).toBe(
      true,
    )
    // No period manifest at all: the first run drafts it.
    expect(existsSync(join(root, 'manifests/canonical/nhs_workforce/nhs_workforce_canonical.yaml'))).toBe(
      false,
    )
    for (const folder of ['manifests/canonical', 'data/exports', 'data/logs', 'data/state', 'tmp/manifests'])
      expect(existsSync(join(root, folder))).toBe(true)
  })

  it('accounts for every input file: migrated into something, ignored or left, always with a reason', async () => {
    const report = await migrate({ root })
    expect(report.inputs.map((i) => i.path).sort()).toEqual(inputs)
    for (const i of report.inputs) {
      expect(i.reason.length).toBeGreaterThan(5)
      if (i.action === 'migrated') expect(i.into.length).toBeGreaterThan(0)
    }
    const text = formatMigrationReport(report)
    for (const path of inputs) expect(text).toContain(path)
    expect(text).toContain(`${inputs.length} input files`)
  })

  it('ignores drafts, LLM responses, backups, error dumps, prompts, experiments and tests, each saying why', async () => {
    const report = await migrate({ root })
    const reason = (path: string) => {
      const i = input(report, path)
      expect(i.action, path).toBe('ignored')
      return i.reason
    }
    expect(reason('manifests/backfill/adhd/adhd_may25.yaml')).toMatch(/draft/)
    expect(reason('manifests/test/adhd_nov25.yaml')).toMatch(/draft/)
    expect(reason('manifests/backfill/adhd/adhd_may25_enriched_llm_response.json')).toMatch(/LLM response/)
    expect(
      reason('manifests/e2e_test/pcn_workforce/pcn_workforce_oct25_enriched_raw_llm_output.json'),
    ).toMatch(/LLM response/)
    expect(reason('manifests/test/fiscal/baseline/adhd_aug25_enriched.yaml.bak')).toMatch(/backup/)
    expect(reason('manifests/archive/2026-01-08/adhd_nov25_enriched_v2_error.txt')).toMatch(/error dump/)
    expect(reason('manifests/archive/2026-01-08/adhd_nov25_enriched_v2_json_prompt.txt')).toMatch(/prompt/)
    expect(reason('manifests/archive/2026-01-08/adhd_nov25_enriched_v2.yaml')).toMatch(/experimental variant/)
    expect(reason('manifests/archive/2026-01-08/archive_test_files/test_adhd_aug25_canonical.yaml')).toMatch(
      /test/,
    )
    expect(reason('manifests/production/gp_appointments/gp_appointments_nov25_enriched.yaml')).toMatch(
      /not in the config/,
    )
    expect(input(report, 'README.md').action).toBe('left')
  })

  it('consolidates the period manifests: the latest is the template, earlier columns and sources are kept', async () => {
    const report = await migrate({ root })
    expect(input(report, 'manifests/production/adhd/adhd_nov25_canonical.yaml').reason).toMatch(/template/)
    expect(input(report, 'manifests/production/adhd/adhd_aug25_enriched.yaml').into).toContain(ADHD_MANIFEST)
    const manifest = readCanonicalManifest(join(root, ADHD_MANIFEST))!
    const prevalence = manifest.sources.find((s) => s.key === 'adhd_prevalence')!
    expect(prevalence.table).toBe('tbl_adhd_prevalence')
    expect(prevalence.description).toBe('Estimated prevalence of ADHD, November release.')
    expect(prevalence.match).toEqual({ file: 'ADHD_summary_*.xlsx', sheet: 'Table 1' })
    expect(prevalence.schema.fields.map((f) => [f.name, f.title, f.type])).toEqual([
      ['age_band', 'Age band', 'string'],
      // integer in May and November, NUMERIC in August: widened.
      ['estimated_prevalence', 'Estimated prevalence', 'number'],
      // "Rate %" is no physical name: one is made from the header.
      ['rate_pct', 'Rate %', 'number'],
      // Seen only in August: kept, retired from the next period that describes the source.
      ['old_measure', 'Old measure [note 3]', 'integer'],
    ])
    const old = prevalence.schema.fields.find((f) => f.name === 'old_measure')!
    expect(old).toMatchObject({ since: '2025-08', retiredSince: '2025-11', role: 'measure' })
    expect(prevalence.schema.fields[0]).toMatchObject({ role: 'dimension', since: '2025-05' })
    const medication = manifest.sources.find((s) => s.key === 'adhd_medication')!
    expect(medication).toMatchObject({ since: '2025-08', retiredSince: '2025-11' })
    // A source read from a ZIP matches its member and the ZIP.
    expect(manifest.sources.find((s) => s.key === 'adhd_waiting')!.match).toEqual({
      file: 'ADHD_waiting_*.csv',
      zip: 'ADHD_*.zip',
    })
    // Disabled (dictionary) sources are left out; sources no manifest describes are reported.
    expect(manifest.sources.some((s) => s.key === 'data_dictionary')).toBe(false)
    const adhd = report.publications.find((p) => p.code === 'adhd')!
    expect(adhd.leftOut.map((l) => l.key)).toEqual(['adhd_no_columns'])
  })

  it('splits an old source read from two different files into one source per file, tables kept apart', async () => {
    await migrate({ root })
    const manifest = readCanonicalManifest(join(root, ADHD_MANIFEST))!
    const regions = manifest.sources.filter((s) => s.key.startsWith('adhd_regions'))
    expect(regions.map((s) => [s.key, s.table, s.match.file])).toEqual([
      ['adhd_regions', 'tbl_adhd_regions', 'ADHD_*_north.csv'],
      ['adhd_regions_2', 'tbl_adhd_regions_2', 'ADHD_*_south.csv'],
    ])
  })

  it('converts the config: file URLs with periods in our grammar, landing pages kept, the original kept', async () => {
    const report = await migrate({ root })
    const text = readFileSync(join(root, 'config/publications.yaml'), 'utf8')
    const config = parse(text) as {
      publications: Record<string, { urls: { period: string; url: string }[]; canonical_manifest: string }>
    }
    const adhd = config.publications.adhd!
    expect(adhd.canonical_manifest).toBe(ADHD_MANIFEST)
    // Each landing page became the files its period's best manifest read (enabled sources only).
    expect(adhd.urls).toEqual([
      { period: '2025-05', url: 'https://files.digital.nhs.uk/A3/8EAC22/ADHD_summary_May25.xlsx' },
      { period: '2025-08', url: 'https://files.digital.nhs.uk/64/EB6133/ADHD_summary_Aug25.xlsx' },
      { period: '2025-11', url: 'https://files.digital.nhs.uk/4A/C95F1C/ADHD_summary_Nov25.xlsx' },
      { period: '2025-11', url: 'https://files.digital.nhs.uk/02/F0E82B/ADHD_Nov25.zip' },
      { period: '2025-11', url: 'https://files.digital.nhs.uk/09/6D1142/ADHD_Nov25_north.csv' },
      { period: '2025-11', url: 'https://files.digital.nhs.uk/09/6D1142/ADHD_Nov25_south.csv' },
    ])
    // A period with a landing page and no known files stays in a comment, and the report says so.
    expect(text).toContain('# 2026-02: no file URLs known for https://')
    expect(report.publications.find((p) => p.code === 'adhd')!.withoutFiles).toEqual([
      { period: '2026-02', page: expect.stringContaining('february-2026') },
    ])
    // An old entry that was already a file stays, with its period converted.
    expect(config.publications.pcn_workforce!.urls).toContainEqual({
      period: '2025-11',
      url: 'https://files.digital.nhs.uk/AA/000001/PCNW%20November%202025%20-%20Bulletin%20tables.xlsx',
    })
    // The old "pcn" manifest belongs to pcn_workforce by its release page.
    expect(input(report, 'manifests/archive/2026-01-08/pcn_oct25_enriched.yaml').into).toEqual([
      'manifests/canonical/pcn_workforce/pcn_workforce_canonical.yaml',
      'config/publications.yaml',
    ])
    expect(config.publications.nhs_workforce!.urls).toEqual([])
    expect(text).toContain('landing_page') // a field when the schema has one, else a comment
    expect(readFileSync(join(root, 'config/publications.legacy.yaml'), 'utf8')).toContain('period: may25')
  })

  it('updates .gitignore per the design note, keeping what it had, once', async () => {
    writeFileSync(join(root, '.gitignore'), '__pycache__/\n*.pyc\ndata/\n')
    await migrate({ root })
    const once = readFileSync(join(root, '.gitignore'), 'utf8')
    expect(once.startsWith('__pycache__/\n*.pyc\ndata/\n')).toBe(true)
    expect(once.match(/^data\/$/gm)).toHaveLength(1)
    expect(once).toMatch(/^tmp\/$/m)
    expect(once).toMatch(/^!manifests\/canonical\/$/m)
    await migrate({ root })
    expect(readFileSync(join(root, '.gitignore'), 'utf8')).toBe(once)
  })

  it('keeps the old generated files, in their old format, under data/legacy/', async () => {
    const report = await migrate({ root })
    for (const path of [
      'output/catalog.parquet',
      'output/CATALOG_README.md',
      'state/state.json',
      'logs/backfill_20260110.log',
    ]) {
      expect(readFileSync(join(root, 'data/legacy', path))).toEqual(readFileSync(join(root, path)))
      expect(input(report, path).into[0]).toBe(`data/legacy/${path}`)
    }
    expect(input(report, 'state/state.json').reason).toMatch(/not imported: no database configured/)
  })

  it('a second migrate changes nothing', async () => {
    await migrate({ root })
    const before = snapshot(root)
    const again = await migrate({ root })
    expect(again.changes).toBe(0)
    expect(again.inputs.map((i) => i.path).sort()).toEqual(
      inputs.map((p) => (p === 'config/publications.yaml' ? 'config/publications.legacy.yaml' : p)).sort(),
    )
    expect(formatMigrationReport(again)).toContain('Nothing to change: already migrated.')
    expect(snapshot(root)).toEqual(before)
  })

  it('--dry-run prints the plan and writes nothing', async () => {
    const before = snapshot(root)
    const plan = await migrate({ root, dryRun: true, removeOld: true })
    expect(snapshot(root)).toEqual(before)
    expect(plan.changes).toBeGreaterThan(0)
    const text = formatMigrationReport(plan)
    expect(text).toContain('dry run')
    expect(text).toContain(`would be created manifests/canonical/adhd/adhd_canonical.yaml`)
    expect(text).toContain('[would be removed]')
  })

  it('keeps the old files unless --remove-old, and with it removes them once all else is in place', async () => {
    await migrate({ root })
    for (const path of inputs) expect(existsSync(join(root, path)), path).toBe(true)
    const report = await migrate({ root, removeOld: true })
    expect(report.failed).toBe(false)
    expect(existsSync(join(root, 'manifests/production/adhd'))).toBe(false)
    expect(existsSync(join(root, 'manifests/backfill'))).toBe(false)
    // What migrate could not place (a publication not in the config) stays for someone to decide.
    const unplaced = 'manifests/production/gp_appointments/gp_appointments_nov25_enriched.yaml'
    expect(existsSync(join(root, unplaced))).toBe(true)
    expect(input(report, unplaced)).toMatchObject({
      removed: false,
      reason: expect.stringMatching(/kept: --remove-old/),
    })
    expect(existsSync(join(root, 'state'))).toBe(false)
    expect(existsSync(join(root, 'output'))).toBe(false)
    expect(existsSync(join(root, 'config/publications.legacy.yaml'))).toBe(false)
    expect(existsSync(join(root, 'README.md'))).toBe(true) // not the old layout's: never removed
    expect(existsSync(join(root, 'data/legacy/output/catalog.parquet'))).toBe(true)
    expect(loadConfig(join(root, 'config/publications.yaml')).problems).toEqual([])
    expect(readCanonicalManifest(join(root, ADHD_MANIFEST))).toBeDefined()
    expect((await migrate({ root })).changes).toBe(0)
  })

  it('never overwrites a config already in the new shape, nor a canonical manifest changed since', async () => {
    await migrate({ root })
    const manifestPath = join(root, ADHD_MANIFEST)
    writeFileSync(
      manifestPath,
      readFileSync(manifestPath, 'utf8').replace('Estimated prevalence of ADHD', 'Edited'),
    )
    const edited = readFileSync(manifestPath, 'utf8')
    const report = await migrate({ root })
    expect(readFileSync(manifestPath, 'utf8')).toBe(edited)
    expect(report.outputs.find((o) => o.path === ADHD_MANIFEST)!.status).toBe('kept')
    expect(report.changes).toBe(0)
  })

  it('imports state.json into the ledger once, as loads of a migrated-<date> run', async () => {
    const db = await createTestDatabase()
    try {
      const now = new Date('2026-11-27T10:00:00Z')
      const report = await migrate({ root, databaseUrl: db.url, now })
      expect(report.ledger).toMatchObject({ runId: 'migrated-2026-11-27', imported: 3, alreadyImported: 0 })
      expect(report.ledger!.skipped.map((s) => s.key).sort()).toEqual([
        'gp_appointments/nov25',
        'test_adhd/aug25',
      ])
      expect(report.ledger!.failed).toEqual(['adhd/feb26'])
      const client = new pg.Client({ connectionString: db.url })
      await client.connect()
      try {
        const { rows } = await client.query(
          `SELECT run_id, publication, period, status, rows_loaded::int AS rows, finished_at
             FROM datawarp.loads ORDER BY publication, period`,
        )
        expect(rows).toEqual([
          {
            run_id: 'migrated-2026-11-27',
            publication: 'adhd',
            period: '2025-05',
            status: 'loaded',
            rows: 0,
            finished_at: new Date('2026-01-11T17:01:34.247Z'),
          },
          {
            run_id: 'migrated-2026-11-27',
            publication: 'adhd',
            period: '2025-11',
            status: 'loaded',
            rows: null,
            finished_at: new Date('2026-01-08T23:33:54.068Z'),
          },
          // "pcn/oct25" named a manifest of pcn_workforce.
          {
            run_id: 'migrated-2026-11-27',
            publication: 'pcn_workforce',
            period: '2025-10',
            status: 'loaded',
            rows: null,
            finished_at: new Date('2026-01-10T00:44:05.692Z'),
          },
        ])
        expect(
          JSON.parse(readFileSync(join(root, 'data/state/state.json'), 'utf8')).publications.adhd.periods[
            '2025-11'
          ],
        ).toMatchObject({ status: 'loaded', runId: 'migrated-2026-11-27' })
        const again = await migrate({ root, databaseUrl: db.url, now: new Date('2026-11-28T10:00:00Z') })
        expect(again.ledger).toMatchObject({ imported: 0, alreadyImported: 3 })
        expect(again.changes).toBe(0)
        const count = await client.query('SELECT count(*)::int AS n FROM datawarp.loads')
        expect(count.rows[0].n).toBe(3)
      } finally {
        await client.end()
      }
    } finally {
      await db.drop()
    }
  })

  it('refuses a folder that is not an old deployment', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'datawarp-migrate-empty-'))
    try {
      await expect(migrate({ root: empty })).rejects.toThrow(/no old layout/)
    } finally {
      rmSync(empty, { recursive: true, force: true })
    }
  })
})
