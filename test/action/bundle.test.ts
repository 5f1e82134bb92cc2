import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ActionRun, git, installAction, runAction, TestRepository } from '../support/action-runner.js'
import { createTestDatabase } from '../support/database.js'
import { FakeGitHub } from '../support/fake-github.js'
import { FileServer } from '../support/file-server.js'
import { PRACTICE_HEADER, practiceRows, writeCsv } from '../support/fixtures.js'

/**
 * The committed dist/ bundle, run as the runner runs it, in clones of a local bare repository, against a fake
 * GitHub API that checks every call against GitHub's OpenAPI description. One publication goes through a review
 * pull request's life: opened, updated, merged (the held period then loads), a new change, and a change that goes
 * away again (the pull request is closed).
 */
const OWNER = 'nhs-data'
const REPO_NAME = 'warehouse'
const TOKEN = 'ghs_fakeTokenForTheActionTests0123456789'
const DB_PASSWORD = 'sEcr3t-db-pa55'
const ROLE = `dw_action_${randomBytes(4).toString('hex')}`
const MANIFEST = 'manifests/canonical/demo/demo_canonical.yaml'
const BRANCH = 'datawarp/manifest/demo'

let dir: string
let files: FileServer
let github: FakeGitHub
let repo: TestRepository
let actionDir: string
let database: { url: string; drop: () => Promise<void> }
let databaseUrl: string
let runs = 0

function config(periods: string[]): string {
  return [
    'settings:',
    '  retention: { logs_days: 7, artifact_days: 11 }',
    'publications:',
    '  demo:',
    '    name: Demo practice counts',
    '    urls:',
    ...periods.map((p) => `      - { period: ${p}, url: "${files.url}/demo_${p}.csv" }`),
    '',
  ].join('\n')
}

/** A scheduled run: a fresh checkout of main, the Action with its inputs, the fake API. */
async function scheduledRun(inputs: Record<string, string> = {}, env: Record<string, string> = {}) {
  const workspace = repo.checkout()
  const since = github.requests.length
  runs++
  const run = await runAction({
    tempDir: dir,
    actionDir,
    workspace,
    runId: 5000 + runs,
    event: { repository: { default_branch: 'main', full_name: `${OWNER}/${REPO_NAME}` } },
    inputs: {
      config: 'config/publications.yaml',
      'database-url': databaseUrl,
      token: TOKEN,
      labels: 'datawarp, manifest-review',
      'upload-artifacts': 'false',
      ...inputs,
    },
    env: {
      GITHUB_REPOSITORY: `${OWNER}/${REPO_NAME}`,
      GITHUB_SERVER_URL: github.url,
      GITHUB_API_URL: github.url,
      ...env,
    },
  })
  return { run, workspace, since }
}

const json = (run: ActionRun, name: string) => JSON.parse(run.outputs[name] ?? 'null')
const noSecrets = (text: string) => {
  // The runner consumes ::add-mask:: lines (that is how secrets get masked) and never shows them.
  text = text.replace(/^::add-mask::.*$/gm, '')
  expect(text).not.toContain(TOKEN)
  expect(text).not.toContain(DB_PASSWORD)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'datawarp-action-test-'))
  files = await new FileServer(dir).start()
  writeCsv(join(dir, 'demo_2025-01.csv'), PRACTICE_HEADER, practiceRows(40, 1))
  database = await createTestDatabase()
  // The Action connects as a role with a password, as a secret URL would carry one: it must never show.
  const admin = new pg.Client({ connectionString: database.url })
  await admin.connect()
  await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${DB_PASSWORD}'`)
  await admin.query(`ALTER DATABASE "${new URL(database.url).pathname.slice(1)}" OWNER TO ${ROLE}`)
  await admin.end()
  const url = new URL(database.url)
  url.username = ROLE
  url.password = DB_PASSWORD
  databaseUrl = url.toString()
  repo = new TestRepository(dir)
  repo.commit({ 'config/publications.yaml': config(['2025-01']), '.gitignore': 'data/\ntmp/\n' }, 'config')
  github = await new FakeGitHub(OWNER, REPO_NAME, TOKEN, repo.bare).start()
  actionDir = installAction()
})

afterAll(async () => {
  await github?.stop()
  await files?.stop()
  await database?.drop()
  if (database) {
    const admin = new pg.Client({ connectionString: database.url.replace(/\/[^/]*$/, '/postgres') })
    await admin.connect()
    await admin.query(`DROP ROLE IF EXISTS ${ROLE}`)
    await admin.end()
  }
  if (dir) rmSync(dir, { recursive: true, force: true })
  if (actionDir) rmSync(actionDir, { recursive: true, force: true })
})

describe('the Action bundle and its review pull requests', () => {
  it('opens a review pull request for a first canonical manifest, holding the period', async () => {
    const { run, workspace } = await scheduledRun()
    expect(run.stderr).toBe('')
    expect(run.code, run.stdout).toBe(0)
    expect(github.violations).toEqual([])

    expect(run.outputs.held).toBe('1')
    expect(run.outputs.loaded).toBe('0')
    expect(json(run, 'held-periods')).toEqual([
      expect.objectContaining({ publication: 'demo', period: '2025-01' }),
    ])
    expect(json(run, 'changed-manifests')).toEqual([MANIFEST])
    expect(json(run, 'pull-request-numbers')).toEqual([1])
    expect(json(run, 'pull-request-urls')).toEqual([`${github.url}/${OWNER}/${REPO_NAME}/pull/1`])
    expect(run.outputs['retention-days']).toBe('11')

    // One pull request, from the fixed branch to main, labelled, with the drift report and the held period.
    expect(github.pulls).toHaveLength(1)
    const pull = github.pulls[0]!
    expect(pull).toMatchObject({
      head: BRANCH,
      base: 'main',
      state: 'open',
      labels: ['datawarp', 'manifest-review'],
    })
    expect(pull.title).toContain('demo')
    expect(pull.body).toContain('### Periods held until this is merged')
    expect(pull.body).toMatch(/\*\*2025-01\*\*/)
    expect(pull.body).toContain('### Drift')
    expect(pull.body).toContain('### What merging will do')
    expect(pull.body).toContain(`${github.url}/${OWNER}/${REPO_NAME}/actions/runs/5001`)
    expect(pull.body).toContain(MANIFEST)
    expect(pull.body.length).toBeLessThanOrEqual(65_536)
    noSecrets(pull.body)

    // The branch is main plus one commit that changes only the manifest, which is the working tree's file.
    expect(repo.branches()).toEqual([BRANCH, 'main'])
    expect(git(repo.bare, 'rev-parse', `${BRANCH}^`)).toBe(repo.sha('main'))
    expect(git(repo.bare, 'diff', '--name-only', 'main', BRANCH)).toBe(MANIFEST)
    expect(git(repo.bare, 'show', `${BRANCH}:${MANIFEST}`)).toBe(
      readFileSync(join(workspace, MANIFEST), 'utf8').trim(),
    )
    // The workspace itself was left as the run left it: nothing committed or staged there.
    expect(git(workspace, 'rev-parse', 'HEAD')).toBe(repo.sha('main'))
    expect(git(workspace, 'status', '--porcelain', '--', MANIFEST)).toMatch(/^\?\? /)

    // Job summary, annotations, log: the counts, the held period, the pull request; never a secret.
    expect(run.summary).toMatch(/\| Demo practice counts `demo` \| 0 \| 1 \| 0 \| 0 \| 0 \|/)
    expect(run.summary).toContain('[#1]')
    expect(run.summary).toContain(
      'retention would be 11 days (settings.retention.artifact_days in config/publications.yaml)',
    )
    expect(
      run.commands.some((c) => c.command === 'warning' && c.properties.includes('held for review')),
    ).toBe(true)
    noSecrets(run.summary)
    noSecrets(run.stdout)
    noSecrets(readFileSync(run.outputs['summary-file']!, 'utf8'))
    expect(run.stdout).toContain('::add-mask::')
  })

  it('updates the same pull request on the next run, without pushing the unchanged branch again', async () => {
    const before = repo.sha(BRANCH)
    const { run, since } = await scheduledRun()
    expect(run.code, run.stdout).toBe(0)
    expect(github.violations).toEqual([])
    expect(github.pulls).toHaveLength(1)
    expect(json(run, 'pull-requests')).toEqual([expect.objectContaining({ number: 1, action: 'updated' })])
    expect(repo.sha(BRANCH)).toBe(before)
    const writes = github.writes(since).map((r) => r.operation)
    expect(writes).toContain('pulls/update')
    expect(writes).not.toContain('issues/add-labels')
    // The probe that checks the token may open pull requests is refused with 422: nothing is created.
    expect(
      github
        .writes(since)
        .filter((r) => r.operation === 'pulls/create')
        .map((r) => r.status),
    ).toEqual([422])
    expect(github.pulls[0]!.body).toContain('/actions/runs/5002')
  })

  it('loads the held period once the pull request is merged, and then needs no pull request', async () => {
    repo.merge(BRANCH)
    github.pulls[0]!.state = 'closed'
    github.pulls[0]!.merged = true
    const { run, since } = await scheduledRun()
    expect(run.code, run.stdout).toBe(0)
    expect(github.violations).toEqual([])
    expect(run.outputs.loaded, run.stdout).toBe('1')
    expect(run.outputs.held).toBe('0')
    expect(Number(run.outputs.rows)).toBe(40)
    expect(json(run, 'changed-manifests')).toEqual([])
    expect(json(run, 'pull-requests')).toEqual([])
    expect(github.writes(since)).toEqual([])
    expect(github.pulls).toHaveLength(1)
    expect(run.summary).toContain('no review pull request needed')
  })

  it('opens a new pull request when a new period changes the schema', async () => {
    writeCsv(
      join(dir, 'demo_2025-02.csv'),
      [...PRACTICE_HEADER, 'Online Consultations'],
      practiceRows(30, 5).map((r, i) => [...r, i * 3]),
    )
    repo.commit({ 'config/publications.yaml': config(['2025-01', '2025-02']) }, 'add 2025-02')
    const { run } = await scheduledRun()
    expect(run.code, run.stdout).toBe(0)
    expect(github.violations).toEqual([])
    expect(run.outputs.skipped).toBe('1')
    expect(run.outputs.held).toBe('1')
    expect(github.pulls).toHaveLength(2)
    const pull = github.pulls[1]!
    expect(pull).toMatchObject({ number: 2, head: BRANCH, state: 'open' })
    expect(pull.body).toMatch(/online_consultations/i)
    expect(git(repo.bare, 'rev-parse', `${BRANCH}^`)).toBe(repo.sha('main'))
  })

  it('leaves the open pull request alone when a run covers only some periods', async () => {
    // 2025-01 alone matches main: without the guard, this run would close the pull request for 2025-02.
    const { run, since } = await scheduledRun({ periods: '2025-01' })
    expect(run.code, run.stdout).toBe(0)
    expect(github.violations).toEqual([])
    expect(github.writes(since)).toEqual([])
    expect(github.pulls[1]).toMatchObject({ number: 2, state: 'open' })
    expect(run.stdout).toContain('left pull request #2 as it is')
  })

  it('closes the pull request when the change goes away again', async () => {
    // The publisher replaces the file with one in the old shape: the period now matches the manifest on main.
    writeCsv(join(dir, 'demo_2025-02.csv'), PRACTICE_HEADER, practiceRows(30, 5))
    const { run } = await scheduledRun()
    expect(run.code, run.stdout).toBe(0)
    expect(github.violations).toEqual([])
    expect(run.outputs.loaded).toBe('1')
    expect(json(run, 'pull-requests')).toEqual([expect.objectContaining({ number: 2, action: 'closed' })])
    expect(json(run, 'pull-request-numbers')).toEqual([])
    expect(github.pulls[1]).toMatchObject({ state: 'closed' })
    expect(github.pulls[1]!.comments.join('\n')).toContain('no longer differs')
    expect(repo.branches()).toEqual(['main'])
  })

  it('takes the retention from the retention-days input over the config', async () => {
    const { run } = await scheduledRun({ 'retention-days': '3' })
    expect(run.code, run.stdout).toBe(0)
    expect(run.outputs['retention-days']).toBe('3')
    expect(run.summary).toContain('retention would be 3 days (the retention-days input)')
  })
})

describe('missing permissions are named before anything is pushed', () => {
  beforeAll(() => {
    // A new schema again, so the next runs have a change to propose.
    writeCsv(
      join(dir, 'demo_2025-02.csv'),
      [...PRACTICE_HEADER, 'Video Consultations'],
      practiceRows(30, 5).map((r) => [...r, 1]),
    )
  })

  const expectRefused = (run: ActionRun, what: RegExp) => {
    expect(run.code).toBe(1)
    const errors = run.commands.filter((c) => c.command === 'error').map((c) => c.message)
    expect(errors.join('\n')).toMatch(what)
    expect(errors.join('\n')).not.toMatch(/HTTP 403|Resource not accessible/)
    expect(run.summary).toMatch(what)
    expect(repo.branches()).toEqual(['main'])
    expect(github.pulls.filter((p) => p.state === 'open')).toEqual([])
    expect(github.violations).toEqual([])
  }

  it('names pull-requests: write', async () => {
    github.permissions = { contents: 'write', pullRequests: 'read', actionsCanCreatePullRequests: true }
    const { run } = await scheduledRun()
    expectRefused(run, /`pull-requests: write`/)
    expect(run.commands.find((c) => c.command === 'error')!.message).not.toContain('`contents: write`')
    // What it loaded stays loaded: held periods are reported as usual.
    expect(run.outputs.held).toBe('1')
  })

  it('names the repository setting that lets GitHub Actions create pull requests', async () => {
    github.permissions = { contents: 'write', pullRequests: 'write', actionsCanCreatePullRequests: false }
    const { run } = await scheduledRun()
    expectRefused(run, /Allow GitHub Actions to create and approve pull requests/)
  })

  it('names contents: write when the git server refuses the push', async () => {
    github.permissions = { contents: 'read', pullRequests: 'write', actionsCanCreatePullRequests: true }
    const workspace = repo.checkout()
    git(workspace, 'remote', 'set-url', '--push', 'origin', github.refusingGitUrl)
    runs++
    const run = await runAction({
      tempDir: dir,
      actionDir,
      workspace,
      runId: 5000 + runs,
      event: { repository: { default_branch: 'main' } },
      inputs: { 'database-url': databaseUrl, token: TOKEN, 'upload-artifacts': 'false' },
      env: {
        GITHUB_REPOSITORY: `${OWNER}/${REPO_NAME}`,
        GITHUB_SERVER_URL: github.url,
        GITHUB_API_URL: github.url,
      },
    })
    expectRefused(run, /`contents: write`/)
    noSecrets(run.stdout)
    // The push went with the Action's token (not the checkout's credentials), sent as git sends it.
    const basic = `basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`
    expect(github.gitAuthorizations.map((a) => a.toLowerCase())).toContain(basic.toLowerCase())
  })

  it('names contents: write when a personal access token has no push access', async () => {
    github.permissions = {
      contents: 'read',
      pullRequests: 'write',
      actionsCanCreatePullRequests: true,
      userPermissions: { push: false },
    }
    const { run } = await scheduledRun()
    expectRefused(run, /`contents: write`/)
  })

  afterAll(() => {
    github.permissions = { contents: 'write', pullRequests: 'write', actionsCanCreatePullRequests: true }
  })
})
