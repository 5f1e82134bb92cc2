import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, finished, runCli, startCli } from '../support/cli.js'
import { query } from '../support/database.js'
import { e2eProject } from '../support/e2e-project.js'
import type { FileServer } from '../support/file-server.js'
import { PRACTICE_HEADER, practiceRows, writeCsv } from '../support/fixtures.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const project = (
  config: (server: FileServer) => string,
  servedFiles?: (dir: string) => void | Promise<void>,
) => e2eProject(cleanups, config, servedFiles)

beforeAll(() => ensureBuilt())

describe('bad input fails its publication with a clear message, and the others still load', () => {
  it('a missing URL and a corrupt workbook fail their publications with exit code 1; the good one loads', async () => {
    const { root, db } = await project(
      (s) => `publications:
  missing:
    name: A file that is not there
    urls:
      - { period: 2024-01, url: "${s.fileUrl('nope.csv')}" }
  corrupt:
    name: A workbook that is not one
    urls:
      - { period: 2024-01, url: "${s.fileUrl('broken.xlsx')}" }
  good:
    name: A good publication
    urls:
      - { period: 2024-01, url: "${s.fileUrl('good.csv')}" }
`,
      (dir) => {
        writeFileSync(
          join(dir, 'broken.xlsx'),
          Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(300, 7)]),
        )
        writeCsv(join(dir, 'good.csv'), PRACTICE_HEADER, practiceRows(50))
      },
    )
    const result = await runCli(['run'], { cwd: root, env: { DATABASE_URL: db.url } })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/missing\s+FAILED/)
    expect(result.stdout).toMatch(
      /GET http:\/\/127\.0\.0\.1:\d+\/nope\.csv returned 404 Not Found \(.*publications\.yaml, line 7\)/,
    )
    expect(result.stdout).toMatch(/corrupt\s+FAILED/)
    expect(result.stdout).toContain('broken.xlsx')
    expect(result.stdout).toMatch(/good\s+ok\s+loaded 1/)
    expect(result.stdout).toContain('Working files kept for inspection: tmp/manifests/')
    const rows = await query<{ n: string }>(db.url, 'SELECT count(*) n FROM good.good')
    expect(Number(rows[0]!.n)).toBe(50)
    const failures = await query<{ publication: string; error: string }>(
      db.url,
      `SELECT publication, error FROM datawarp.loads WHERE status = 'failed' ORDER BY publication`,
    )
    expect(failures.map((f) => f.publication)).toEqual(['corrupt', 'missing'])
  })

  it('a malformed CSV row fails the period with its line number and loads nothing of it', async () => {
    const { root, db } = await project(
      (s) => `publications:
  ragged:
    name: Ragged CSV
    urls:
      - { period: 2024-01, url: "${s.fileUrl('ragged.csv')}" }
`,
      (dir) => writeFileSync(join(dir, 'ragged.csv'), 'a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n'),
    )
    const result = await runCli(['run'], { cwd: root, env: { DATABASE_URL: db.url } })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('ragged.csv, line 3')
    const tables = await query(
      db.url,
      `SELECT 1 FROM information_schema.tables WHERE table_schema = 'ragged'`,
    )
    expect(tables).toHaveLength(0)
  })

  it('an invalid publication entry fails that publication with its config line; the others load', async () => {
    const { root, db } = await project(
      (s) => `publications:
  good:
    name: Good
    urls:
      - { period: 2024-01, url: "${s.fileUrl('good.csv')}" }
  bad_period:
    name: Bad period
    urls:
      - { period: nov25, url: "${s.fileUrl('good.csv')}" }
`,
      (dir) => writeCsv(join(dir, 'good.csv'), PRACTICE_HEADER, practiceRows(10)),
    )
    const result = await runCli(['run'], { cwd: root, env: { DATABASE_URL: db.url } })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/bad_period\s+FAILED/)
    expect(result.stdout).toMatch(/"nov25" is not a period; expected YYYY-MM.*publications\.yaml, line 11/)
    expect(result.stdout).toMatch(/good\s+ok\s+loaded 1/)
  })

  it('an unreadable config is exit code 2 and names the line', async () => {
    const { root } = await project(
      () => 'publications:\n  x:\n    name: [unclosed\n',
      () => {},
    )
    const run = await runCli(['run'], {
      cwd: root,
      env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
    })
    expect(run.code).toBe(2)
    expect(run.stdout).toMatch(/publications\.yaml:\d+:/)
    const validate = await runCli(['validate'], { cwd: root })
    expect(validate.code).toBe(2)
    expect(validate.stderr).toMatch(/publications\.yaml:\d+:/)
  })
})

describe('nothing lost, nothing half-done', () => {
  it('a run killed with SIGKILL during a COPY leaves earlier data intact, and the next run completes', async () => {
    const { root, db } = await project(
      (s) => `publications:
  big:
    name: Big
    urls:
      - { period: 2024-01, url: "${s.fileUrl('practices-2024-01.csv')}" }
      - { period: 2024-02, url: "${s.fileUrl('practices-2024-02.csv')}" }
`,
      (dir) => {
        writeCsv(join(dir, 'practices-2024-01.csv'), PRACTICE_HEADER, practiceRows(100))
        writeCsv(join(dir, 'practices-2024-02.csv'), PRACTICE_HEADER, practiceRows(600_000))
      },
    )
    const env = { DATABASE_URL: db.url }
    const first = await runCli(['run', '--period', '2024-01'], { cwd: root, env })
    expect(first.code, first.stdout).toBe(0)

    const child = startCli(['run'], { cwd: root, env })
    const done = finished(child)
    const logDir = join(root, 'data', 'logs', 'events')
    const copying = async () => {
      for (let i = 0; i < 3600; i++) {
        const { readdirSync } = await import('node:fs')
        const days = existsSync(logDir) ? readdirSync(logDir) : []
        for (const day of days) {
          for (const file of readdirSync(join(logDir, day))) {
            const text = readFileSync(join(logDir, day, file), 'utf8')
            if (text.includes('"event":"load.start"') && text.includes('"period":"2024-02"')) return true
          }
        }
        await new Promise((r) => setTimeout(r, 50))
      }
      return false
    }
    expect(await copying()).toBe(true)
    await new Promise((r) => setTimeout(r, 300))
    child.kill('SIGKILL')
    const killed = await done
    expect(killed.code).toBeNull()

    const afterKill = await query<{ period: string; n: string }>(
      db.url,
      'SELECT _period period, count(*) n FROM big.practices GROUP BY 1 ORDER BY 1',
    )
    expect(afterKill.map((r) => `${r.period} ${r.n}`)).toEqual(['2024-01 100'])

    const rerun = await runCli(['run'], { cwd: root, env })
    expect(rerun.code, rerun.stdout).toBe(0)
    expect(rerun.stdout).toMatch(/2024-01\s+skipped/)
    expect(rerun.stdout).toMatch(/2024-02\s+loaded\s+600,000 rows/)
    const loaded = await query<{ n: string }>(
      db.url,
      `SELECT count(*) n FROM big.practices WHERE _period = '2024-02'`,
    )
    expect(Number(loaded[0]!.n)).toBe(600_000)
  }, 300_000)
})

describe('the embedded default', () => {
  it('without DATABASE_URL, a run keeps its own PostgreSQL under data/db and status reads it back', async () => {
    const { root } = await project(
      (s) => `publications:
  tiny:
    name: Tiny
    urls:
      - { period: 2024-01, url: "${s.fileUrl('tiny.csv')}" }
`,
      (dir) => writeCsv(join(dir, 'tiny.csv'), PRACTICE_HEADER, practiceRows(20)),
    )
    const run = await runCli(['run'], { cwd: root, env: { DATABASE_URL: undefined } })
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(existsSync(join(root, 'data', 'db', 'PG_VERSION'))).toBe(true)
    const status = await runCli(['status'], { cwd: root, env: { DATABASE_URL: undefined } })
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toMatch(/tiny\s+2024-01\s+loaded .* 20 rows/)
  })
})

describe('fetching', () => {
  it('fetches a URL once per run, however many periods and publications name it', async () => {
    const { root, db, server } = await project(
      (s) => `publications:
  first:
    name: First
    urls:
      - { period: 2024-01, url: "${s.fileUrl('shared.csv')}" }
  second:
    name: Second
    urls:
      - { period: 2024-01, url: "${s.fileUrl('shared.csv')}" }
      - { period: 2024-02, url: "${s.fileUrl('shared.csv')}" }
`,
      (dir) => writeCsv(join(dir, 'shared.csv'), PRACTICE_HEADER, practiceRows(30)),
    )
    const result = await runCli(['run'], { cwd: root, env: { DATABASE_URL: db.url } })
    expect(result.code, result.stdout).toBe(0)
    expect(result.stdout).toContain('3 periods loaded (90 rows)')
    expect(server.requests.get('/shared.csv')).toBe(1)
  })
})
