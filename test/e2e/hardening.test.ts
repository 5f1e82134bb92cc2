import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, runCli } from '../support/cli.js'
import { createTestDatabase, query } from '../support/database.js'
import { FileServer } from '../support/file-server.js'
import { PRACTICE_HEADER, practiceRows, writeCsv } from '../support/fixtures.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
beforeAll(() => ensureBuilt())

/** A project with a config (written by `config`), a file server over `served/`, and its own database. */
async function project(
  config: (server: FileServer) => string,
  servedFiles: (dir: string) => void = () => {},
) {
  const root = mkdtempSync(join(tmpdir(), 'datawarp-harden-'))
  chmodSync(root, 0o755)
  const served = join(root, 'served')
  mkdirSync(served)
  mkdirSync(join(root, 'config'))
  servedFiles(served)
  const server = await new FileServer(served).start()
  const db = await createTestDatabase()
  cleanups.push(
    () => rmSync(root, { recursive: true, force: true }),
    () => server.stop(),
    () => db.drop(),
  )
  writeFileSync(join(root, 'config', 'publications.yaml'), `settings:\n  contract: evolve\n${config(server)}`)
  return { root, served, server, db }
}

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
