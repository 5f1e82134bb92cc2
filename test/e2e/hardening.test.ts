import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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
