import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, runCli } from '../support/cli.js'
import { query } from '../support/database.js'
import { e2eProject } from '../support/e2e-project.js'
import type { FileServer } from '../support/file-server.js'
import { PRACTICE_HEADER, practiceRows, writeCsv } from '../support/fixtures.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
beforeAll(() => ensureBuilt())

const project = (
  config: (server: FileServer) => string,
  servedFiles?: (dir: string) => void | Promise<void>,
) => e2eProject(cleanups, config, servedFiles)

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
}

describe('secrets in the database URL', () => {
  it('a password in the query string is shown nowhere: stdout, datawarp.runs.summary, the event log', async () => {
    const { root, db } = await project(
      (s) => `publications:
  good:
    name: Good
    urls:
      - { period: 2024-01, url: "${s.fileUrl('good.csv')}" }
`,
      (dir) => writeCsv(join(dir, 'good.csv'), PRACTICE_HEADER, practiceRows(5)),
    )
    const secret = 'Canary-Query-Pw-5a1e'
    const result = await runCli(['run'], { cwd: root, env: { DATABASE_URL: `${db.url}?password=${secret}` } })
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.stdout + result.stderr).not.toContain(secret)
    expect(result.stdout).toContain('password=***')
    const runs = await query<{ summary: unknown }>(db.url, 'SELECT summary FROM datawarp.runs')
    expect(runs.length).toBeGreaterThan(0)
    expect(JSON.stringify(runs)).not.toContain(secret)
    for (const file of filesUnder(join(root, 'data'))) {
      if (file.includes(`${join('data', 'db')}`)) continue
      expect(readFileSync(file).includes(secret), file).toBe(false)
    }
  })
})

describe('a run reads nothing outside the project root', () => {
  it('a config entry naming /etc/passwd or /proc/self/environ fails its publication with the line; the others load', async () => {
    const { root, db } = await project(
      (s) => `publications:
  passwd:
    name: Passwd
    urls:
      - { period: 2024-01, url: /etc/passwd }
      - { period: 2024-02, url: "file:///proc/self/environ" }
  escape:
    name: Escape
    canonical_manifest: ../../../../tmp/datawarp-escape.yaml
    urls:
      - { period: 2024-01, url: "${s.fileUrl('good.csv')}" }
  good:
    name: Good
    urls:
      - { period: 2024-01, url: "${s.fileUrl('good.csv')}" }
`,
      (dir) => writeCsv(join(dir, 'good.csv'), PRACTICE_HEADER, practiceRows(5)),
    )
    const validate = await runCli(['validate'], { cwd: root })
    expect(validate.code).toBe(1)
    expect(validate.stdout).toMatch(
      /publications\.yaml:7: publications\.passwd\.urls\.0\.url: \/etc\/passwd is outside the project root/,
    )
    expect(validate.stdout).toMatch(
      /publications\.yaml:11: publications\.escape\.canonical_manifest: .* is outside the project root/,
    )
    const result = await runCli(['run'], { cwd: root, env: { DATABASE_URL: db.url } })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/passwd\s+FAILED/)
    expect(result.stdout).toMatch(/escape\s+FAILED/)
    expect(result.stdout).toMatch(/good\s+ok\s+loaded 1/)
    const schemas = await query(
      db.url,
      `SELECT 1 FROM information_schema.schemata WHERE schema_name IN ('passwd', 'escape')`,
    )
    expect(schemas).toHaveLength(0)
    expect(existsSync('/tmp/datawarp-escape.yaml')).toBe(false)
  })

  it('a symbolic link in the project that leads outside it is refused when the file is read', async () => {
    const { root, db } = await project(
      () => `publications:
  linked:
    name: Linked
    urls:
      - { period: 2024-01, url: ../files/data.csv }
`,
    )
    mkdirSync(join(root, 'files'))
    symlinkSync('/etc/passwd', join(root, 'files', 'data.csv'))
    const result = await runCli(['run'], { cwd: root, env: { DATABASE_URL: db.url } })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/data\.csv is outside the project root .*leads to \/etc\/passwd/)
    expect(result.stdout).toMatch(/publications\.yaml, line 7/)
  })
})

describe('a run killed during its export', () => {
  it('is followed by a run that brings the exports back to the database, though it has nothing to load', async () => {
    const { root, served, db } = await project(
      (s) => `publications:
  counts:
    name: Counts
    urls:
      - { period: 2024-01, url: "${s.fileUrl('jan.csv')}" }
      - { period: 2024-02, url: "${s.fileUrl('feb.csv')}" }
`,
      (dir) => {
        writeCsv(join(dir, 'jan.csv'), PRACTICE_HEADER, practiceRows(40))
        writeCsv(join(dir, 'feb.csv'), PRACTICE_HEADER, practiceRows(1, 1000))
      },
    )
    const env = { DATABASE_URL: db.url }
    expect((await runCli(['run'], { cwd: root, env })).code).toBe(0)
    const exports = join(root, 'data', 'exports')
    const before = join(root, 'exports-before')
    cpSync(exports, before, { recursive: true })
    // February is republished with more rows; the run loads it, then is killed before its export ends:
    // the exports are those of before, with a half-written .tmp beside them.
    writeCsv(join(served, 'feb.csv'), PRACTICE_HEADER, practiceRows(60, 1000))
    expect((await runCli(['run'], { cwd: root, env })).code).toBe(0)
    rmSync(exports, { recursive: true })
    cpSync(before, exports, { recursive: true })
    const folder = join(exports, 'counts', 'data')
    writeFileSync(join(folder, '2024-02.parquet.tmp'), 'half a file')
    const parquetRows = async () => {
      let rows = 0
      for (const name of readdirSync(folder).filter((n) => n.endsWith('.parquet'))) {
        rows += (await parquetReadObjects({ file: await asyncBufferFromFile(join(folder, name)) })).length
      }
      return rows
    }
    expect(await parquetRows()).toBe(41)
    const january = statSync(join(folder, '2024-01.parquet'))

    const next = await runCli(['run'], { cwd: root, env })
    expect(next.code, next.stdout).toBe(0)
    const counted = await query<{ n: string }>(db.url, 'SELECT count(*) AS n FROM counts.data')
    expect(Number(counted[0]!.n)).toBe(100)
    expect(await parquetRows()).toBe(100)
    const catalog = await parquetReadObjects({
      file: await asyncBufferFromFile(join(exports, 'catalog.parquet')),
    })
    expect(catalog.map((r) => [r.source_code, r.row_count])).toEqual([['counts__data', 100n]])
    expect(readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([])
    // Only the republished period's file was written again.
    expect(statSync(join(folder, '2024-01.parquet')).mtimeMs).toBe(january.mtimeMs)
    // And then a rerun rewrites nothing.
    const mtime = statSync(join(folder, '2024-02.parquet')).mtimeMs
    expect((await runCli(['run'], { cwd: root, env })).code).toBe(0)
    expect(statSync(join(folder, '2024-02.parquet')).mtimeMs).toBe(mtime)
  })
})

describe('an HTML page served instead of a data file', () => {
  it('fails its period naming the URL and the config line', async () => {
    const { root, db } = await project(
      (s) => `publications:
  page:
    name: Page
    urls:
      - { period: 2024-01, url: "${s.fileUrl('data.csv')}" }
`,
      (dir) => writeFileSync(join(dir, 'data.csv'), '<!DOCTYPE html><html><body>Sign in</body></html>'),
    )
    const result = await runCli(['run'], { cwd: root, env: { DATABASE_URL: db.url } })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /http:\/\/127\.0\.0\.1:\d+\/data\.csv returned an HTML page, not a data file/,
    )
    expect(result.stdout).toMatch(/publications\.yaml, line 7/)
  })
})
