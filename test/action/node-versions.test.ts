import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installAction, runAction, TestRepository } from '../support/action-runner.js'
import { createTestDatabase } from '../support/database.js'
import { FileServer } from '../support/file-server.js'
import { PRACTICE_HEADER, practiceRows, writeCsv } from '../support/fixtures.js'

/**
 * The committed bundle starts on the runtime action.yml names (node24) and on the oldest Node the project supports
 * (20). Node 24 comes from npm's `node` package (npx node@24), so this needs the npm registry once; it is cached.
 */
function node24(): string {
  const path = execFileSync('npx', ['-y', 'node@24', '-p', 'process.execPath'], {
    encoding: 'utf8',
    timeout: 300_000,
  }).trim()
  const version = execFileSync(path, ['-p', 'process.version'], { encoding: 'utf8' }).trim()
  if (!version.startsWith('v24.')) throw new Error(`npx node@24 gave ${version}`)
  return path
}

let dir: string
let files: FileServer
let repo: TestRepository
let actionDir: string
let database: { url: string; drop: () => Promise<void> }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'datawarp-node-versions-'))
  files = await new FileServer(dir).start()
  writeCsv(join(dir, 'demo.csv'), PRACTICE_HEADER, practiceRows(5))
  repo = new TestRepository(dir)
  repo.commit(
    {
      'config/publications.yaml': [
        'publications:',
        '  demo:',
        '    name: Demo',
        `    urls: [{ period: 2025-01, url: "${files.url}/demo.csv" }]`,
        '',
      ].join('\n'),
    },
    'config',
  )
  database = await createTestDatabase()
  actionDir = installAction()
})

afterAll(async () => {
  await files?.stop()
  await database?.drop()
  if (dir) rmSync(dir, { recursive: true, force: true })
  if (actionDir) rmSync(actionDir, { recursive: true, force: true })
})

describe('the bundle starts', () => {
  it.each([
    ['Node 20', () => process.execPath],
    ['Node 24', node24],
  ])('on %s: a dry run plans the period and writes nothing', async (_, binary) => {
    const workspace = repo.checkout()
    const run = await runAction({
      tempDir: dir,
      actionDir,
      workspace,
      node: [binary()],
      inputs: { 'database-url': database.url, 'dry-run': 'true', token: 'unused' },
      env: { GITHUB_REPOSITORY: 'o/r' },
    })
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0)
    expect(run.stderr).toBe('')
    expect(run.outputs).toMatchObject({ result: 'success', planned: '1', loaded: '0' })
    expect(run.summary).toContain('dry run: nothing written')
    expect(run.summary).toContain('Dry run: no review pull requests.')
  })

  it('without database-url, says the Action needs one (the embedded PostgreSQL is not bundled)', async () => {
    const workspace = repo.checkout()
    const run = await runAction({ tempDir: dir, actionDir, workspace, inputs: { token: 'unused' }, env: {} })
    expect(run.code).toBe(1)
    const error = run.commands.find((c) => c.command === 'error')
    expect(error?.message).toContain('set the `database-url` input')
    expect(error?.message).toContain('npm ci')
  })
})
