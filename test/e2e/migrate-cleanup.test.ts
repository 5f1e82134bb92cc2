import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ensureBuilt, runCli } from '../support/cli.js'
import { createTestDatabase } from '../support/database.js'
import { PRACTICE_HEADER, practiceRows, writeCsv } from '../support/fixtures.js'
import { snapshot, writeLegacyDeployment } from '../support/legacy.js'

/** A real deployment of the old pipeline (read-only: tests work on a copy). */
const LEGACY = new URL('../../../shared/legacy-v2.1', import.meta.url).pathname

function copyOf(source: string): string {
  const root = mkdtempSync(join(tmpdir(), 'datawarp-legacy-'))
  cpSync(source, root, { recursive: true })
  return root
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
}

describe('datawarp migrate, end to end', () => {
  let db: { url: string; drop: () => Promise<void> }
  const roots: string[] = []

  beforeAll(async () => {
    ensureBuilt()
    db = await createTestDatabase()
  })
  afterAll(async () => {
    for (const root of roots) rmSync(root, { recursive: true, force: true })
    await db.drop()
  })

  it.skipIf(!existsSync(LEGACY))(
    'migrates a copy of the real legacy-v2.1 deployment: it validates, every file is accounted for, a second run changes nothing',
    async () => {
      const root = copyOf(LEGACY)
      roots.push(root)
      const inputs = filesUnder(root).length
      const migrate = () => runCli(['migrate', '--database-url', db.url], { cwd: root })
      const first = await migrate()
      expect(first.stderr).toBe('')
      expect(first.code).toBe(0)
      expect(first.stdout).toContain(`Done: ${inputs} input files:`)
      const accounted = first.stdout.split('\n').filter((l) => /^ {2}(migrated|ignored|left) /.test(l))
      expect(accounted).toHaveLength(inputs)

      const validate = await runCli(['validate'], { cwd: root })
      expect(validate.stdout).toMatch(/valid/)
      expect(validate.code).toBe(0)

      // One canonical manifest per publication, where the publication named, and nothing else in canonical/.
      const config = parse(readFileSync(join(root, 'config/publications.yaml'), 'utf8')) as {
        publications: Record<string, { canonical_manifest: string; urls: { period: string; url: string }[] }>
      }
      const written = filesUnder(join(root, 'manifests/canonical')).map((p) => p.slice(root.length + 1))
      for (const path of written) {
        const code = path.split('/')[2]!
        expect(config.publications[code]!.canonical_manifest).toBe(path)
      }
      expect(written.sort()).toEqual(
        ['adhd', 'gp_practice', 'online_consultation', 'pcn_workforce', 'primary_care_dementia'].map(
          (c) => `manifests/canonical/${c}/${c}_canonical.yaml`,
        ),
      )
      // Every URL left in the config is a file, in our period grammar.
      for (const publication of Object.values(config.publications))
        for (const entry of publication.urls) {
          expect(entry.period).toMatch(/^\d{4}-\d{2}$/)
          expect(entry.url).toMatch(/\.(xlsx|csv|zip)$/i)
        }
      expect(first.stdout).toMatch(/23 loads imported as run migrated-/)

      const before = snapshot(root)
      const second = await migrate()
      expect(second.code).toBe(0)
      expect(second.stdout).toContain(`Done: ${inputs} input files:`)
      expect(second.stdout).toContain('Nothing to change: already migrated.')
      expect(second.stdout).toMatch(/0 loads imported as run migrated-\S+, 23 imported before/)
      expect(snapshot(root)).toEqual(before)
    },
  )

  it('prints the plan with --dry-run and writes nothing; --json gives the same report as data', async () => {
    const root = mkdtempSync(join(tmpdir(), 'datawarp-legacy-fixture-'))
    roots.push(root)
    const inputs = writeLegacyDeployment(root)
    const before = snapshot(root)
    const plan = await runCli(['migrate', '--dry-run'], { cwd: root })
    expect(plan.code).toBe(0)
    expect(plan.stdout).toContain('dry run: the plan; nothing written')
    expect(snapshot(root)).toEqual(before)
    const json = await runCli(['migrate', '--dry-run', '--json'], { cwd: root })
    const report = JSON.parse(json.stdout) as { inputs: { path: string }[]; changes: number }
    expect(report.inputs.map((i) => i.path).sort()).toEqual(inputs)
    expect(report.changes).toBeGreaterThan(0)
  })

  it('exits with 2 where there is no old layout', async () => {
    const root = mkdtempSync(join(tmpdir(), 'datawarp-empty-'))
    roots.push(root)
    const result = await runCli(['migrate'], { cwd: root })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/no old layout/)
  })
})

describe('datawarp cleanup, end to end', () => {
  let db: { url: string; drop: () => Promise<void> }
  let root: string
  const old = new Date(Date.now() - 40 * 86_400_000)
  const oldDay = old.toISOString().slice(0, 10)
  const oldRun = `${oldDay.replace(/-/g, '')}T010000Z-0001`

  /** An old run: its event log and its working folder, both weeks old. */
  function oldRunLeftovers() {
    const log = join(root, 'data/logs/events', oldDay, `${oldRun}.jsonl`)
    mkdirSync(join(root, 'data/logs/events', oldDay), { recursive: true })
    writeFileSync(
      log,
      `${JSON.stringify({ ts: old.toISOString(), run_id: oldRun, event: 'run.end', failed: false })}\n`,
    )
    const folder = join(root, 'tmp/manifests', oldRun)
    mkdirSync(folder, { recursive: true })
    writeFileSync(join(folder, 'draft.yaml'), 'sources: []\n')
    for (const p of [log, join(folder, 'draft.yaml'), folder]) utimesSync(p, old, old)
  }

  function writeConfig(cleanupAfterRun: boolean) {
    writeFileSync(
      join(root, 'config/publications.yaml'),
      `settings:
  retention: { logs_days: 7, cleanup_after_run: ${cleanupAfterRun} }
publications:
  practice_list:
    name: Practice list sizes
    urls:
      - { period: 2024-01, url: "../files/practices-jan-2024.csv" }
`,
    )
  }

  beforeAll(async () => {
    ensureBuilt()
    db = await createTestDatabase()
    root = mkdtempSync(join(tmpdir(), 'datawarp-cleanup-e2e-'))
    mkdirSync(join(root, 'config'))
    mkdirSync(join(root, 'files'))
    writeCsv(join(root, 'files/practices-jan-2024.csv'), PRACTICE_HEADER, practiceRows(50, 1))
  })
  afterAll(async () => {
    rmSync(root, { recursive: true, force: true })
    await db.drop()
  })

  it('shows its plan with --dry-run, then archives and deletes, printing bytes per folder', async () => {
    writeConfig(true)
    oldRunLeftovers()
    const before = snapshot(root)
    const plan = await runCli(['cleanup', '--dry-run'], { cwd: root, env: { DATABASE_URL: db.url } })
    expect(plan.code).toBe(0)
    expect(plan.stdout).toContain('dry run: nothing touched')
    expect(plan.stdout).toContain(`would archive  data/logs/events/${oldDay}/${oldRun}.jsonl`)
    expect(plan.stdout).toContain(`would delete   tmp/manifests/${oldRun}`)
    expect(plan.stdout).toMatch(/^ {2}data\/logs\s+\S+ \S+\s+\S+ \S+$/m)
    expect(snapshot(root)).toEqual(before)

    const done = await runCli(['cleanup', '--json'], { cwd: root, env: { DATABASE_URL: db.url } })
    expect(done.code).toBe(0)
    const report = JSON.parse(done.stdout) as { archived: { archive: string }[]; ledger: boolean }
    expect(report.ledger).toBe(true)
    expect(report.archived.map((a) => a.archive)).toEqual([
      `data/archive/logs/${oldDay.slice(0, 7)}.jsonl.gz`,
    ])
    expect(existsSync(join(root, 'tmp/manifests', oldRun))).toBe(false)
    expect(existsSync(join(root, 'data/logs/events', oldDay))).toBe(false)
  })

  it('runs at the end of datawarp run, unless settings.retention.cleanup_after_run is false', async () => {
    writeConfig(false)
    oldRunLeftovers()
    const without = await runCli(['run'], { cwd: root, env: { DATABASE_URL: db.url } })
    expect(without.stderr).toBe('')
    expect(without.stdout).not.toContain('Cleanup:')
    expect(existsSync(join(root, 'tmp/manifests', oldRun))).toBe(true)

    writeConfig(true)
    const run = await runCli(['run', '--force'], { cwd: root, env: { DATABASE_URL: db.url } })
    expect(run.stdout).toMatch(/Cleanup: 1 logs archived, \d+ files or folders deleted/)
    expect(existsSync(join(root, 'tmp/manifests', oldRun))).toBe(false)
    expect(existsSync(join(root, 'data/logs/events', oldDay))).toBe(false)
    // The run's own event log says what the cleanup did.
    const logs = filesUnder(join(root, 'data/logs/events'))
    const last = logs.map((p) => readFileSync(p, 'utf8')).find((t) => t.includes('cleanup.end'))
    expect(last).toBeDefined()
  })
})
