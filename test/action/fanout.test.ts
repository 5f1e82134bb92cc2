import { spawn } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import {
  type ActionRun,
  installAction,
  parseOutputs,
  runAction,
  TestRepository,
} from '../support/action-runner.js'
import { REPO } from '../support/cli.js'
import { createTestDatabase } from '../support/database.js'
import { FakeArtifactService } from '../support/fake-artifacts.js'
import { FakeGitHub } from '../support/fake-github.js'
import { PRACTICE_HEADER, practiceRows, writeCsv } from '../support/fixtures.js'
import { type Contexts, evaluateValue, inputValue, runsIf } from '../support/workflow-expressions.js'

/**
 * The fan-out of .github/workflows/datawarp.yml, job by job as GitHub would run it: the plan job's own script (the
 * real `datawarp plan --json`), the matrix its output makes (evaluated with GitHub's expression library), the
 * committed bundle once per matrix entry with the inputs the workflow gives that leg — two legs at once on one
 * database, against the fake GitHub and a bare origin — and then the export job's run of the bundle.
 */
const OWNER = 'nhs-data'
const REPO_NAME = 'warehouse'
const TOKEN = 'ghs_fakeTokenForTheFanOutTests0123456789'
const PUBLICATIONS = { alpha: 40, beta: 30 } as const

// biome-ignore lint/suspicious/noExplicitAny: YAML documents
type Yaml = any
const workflow: Yaml = parse(readFileSync(join(REPO, '.github/workflows/datawarp.yml'), 'utf8'))

let dir: string
let files: BarrierFileServer
let github: FakeGitHub
let artifacts: FakeArtifactService
/** The workflow run the jobs belong to (artifact names are unique within one). */
let workflowRun = 'run-0'
let repo: TestRepository
let actionDir: string
let database: { url: string; drop: () => Promise<void> }
let runs = 0

/** What the workflow's expressions see on a scheduled run: no inputs, the repository's secrets. */
const scheduled = (): Contexts => ({
  inputs: {},
  vars: { DATAWARP_FANOUT: 'true' },
  secrets: { DATABASE_URL: database.url, DATAWARP_TOKEN: TOKEN },
  github: { token: 'ghs_unused', event: { repository: { default_branch: 'main' } } },
})

/** A job's runner environment: the fake API, and the fake artifact service for this workflow run and job. */
const jobEnv = (job: string) => ({
  GITHUB_REPOSITORY: `${OWNER}/${REPO_NAME}`,
  // github.com, not the fake's URL: @actions/artifact refuses to upload to any other server (GHES).
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_API_URL: github.url,
  ...artifacts.jobEnv(workflowRun, job),
})

/** GITHUB_OUTPUT as a step writes it with `echo name=value`, or with a delimiter for several lines. */
function stepOutputs(text: string): Record<string, string> {
  const simple = [...text.matchAll(/^([A-Za-z0-9_-]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!])
  return { ...Object.fromEntries(simple), ...parseOutputs(text) }
}

/** The plan job's `plan` step, run by bash as `shell: bash` runs it, in a checkout where `npx datawarp` is this repo's CLI. */
async function planJob(contexts: Contexts) {
  const job = workflow.jobs.plan
  expect(runsIf(job.if, contexts)).toBe(true)
  const step = job.steps.find((s: Yaml) => s.id === 'plan')
  const workspace = repo.checkout()
  mkdirSync(join(workspace, 'node_modules', '.bin'), { recursive: true })
  symlinkSync(join(REPO, 'bin', 'datawarp.js'), join(workspace, 'node_modules', '.bin', 'datawarp'))
  const runner = mkdtempSync(join(dir, 'plan-runner-'))
  const script = join(runner, 'plan.sh')
  writeFileSync(script, step.run)
  const output = join(runner, 'output')
  const summary = join(runner, 'summary.md')
  writeFileSync(output, '')
  writeFileSync(summary, '')
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? runner,
    RUNNER_TEMP: runner,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    ...Object.fromEntries(
      Object.entries(step.env).map(([name, value]) => [name, inputValue(value, contexts)]),
    ),
  }
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd: workspace, env })
  let stderr = ''
  child.stderr.on('data', (d) => {
    stderr += d
  })
  child.stdout.resume()
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const stepOut = stepOutputs(readFileSync(output, 'utf8'))
  // The job's outputs, from its steps' outputs, as the workflow maps them.
  const outputs = Object.fromEntries(
    Object.entries(job.outputs).map(([name, value]) => [
      name,
      inputValue(value, { steps: { plan: { outputs: stepOut } } }),
    ]),
  )
  return {
    code,
    stderr,
    outputs,
    summary: readFileSync(summary, 'utf8'),
    plan: readFileSync(join(runner, 'datawarp-plan.json'), 'utf8'),
  }
}

/** The matrix entries the load job gets from the plan job's outputs. */
function matrixOf(planOutputs: Record<string, string>, contexts: Contexts): Record<string, unknown>[] {
  const needs = { plan: { result: 'success', outputs: planOutputs } }
  expect(runsIf(workflow.jobs.load.if, { ...contexts, needs })).toBe(true)
  const matrix = evaluateValue(workflow.jobs.load.strategy.matrix, { ...contexts, needs }) as {
    include: Record<string, unknown>[]
  }
  expect(Object.keys(matrix)).toEqual(['include'])
  return matrix.include
}

/** The Action step of a job, run as the runner runs it, with the inputs the workflow gives it in these contexts. */
async function actionJob(jobName: string, contexts: Contexts) {
  const step = workflow.jobs[jobName].steps.find((s: Yaml) => s.uses === './')
  const inputs = Object.fromEntries(
    Object.entries(step.with).map(([name, value]) => [name, inputValue(value, contexts)]),
  )
  const workspace = repo.checkout()
  runs++
  const run = await runAction({
    tempDir: dir,
    actionDir,
    workspace,
    runId: 7000 + runs,
    event: { repository: { default_branch: 'main', full_name: `${OWNER}/${REPO_NAME}` } },
    inputs,
    env: jobEnv(`${jobName}-${runs}`),
  })
  return { run, workspace, inputs }
}

/** Two load legs started together, as GitHub starts the jobs of a matrix. */
async function loadLegs(legs: Record<string, unknown>[]) {
  return Promise.all(legs.map((leg) => actionJob('load', { ...scheduled(), matrix: leg })))
}

interface LogLine {
  readonly event: string
  readonly ts?: string
  readonly level?: string
}
const eventsOf = (run: ActionRun): LogLine[] =>
  readFileSync(run.outputs['event-log']!, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as LogLine)

const errorsOf = (run: ActionRun) => run.commands.filter((c) => c.command === 'error').map((c) => c.message)

/**
 * The publisher's file host, with a barrier for proving two legs run at once: while armed, it answers no data file
 * request until every publication's file has been asked for. A leg downloads while holding its publication's lock,
 * so the barrier opening means both legs were inside their locks at the same moment; had one waited for the
 * other, the barrier would time out instead.
 */
class BarrierFileServer {
  private server?: Server
  private armed?: {
    waiting: ServerResponse[]
    asked: Set<string>
    met: boolean
    expired: boolean
    timer: NodeJS.Timeout
  }
  url = ''

  constructor(private readonly root: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res))
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  /** Holds every file until all the publications' files are requested, or for at most `timeoutMs`. */
  arm(timeoutMs: number): void {
    const timer = setTimeout(() => this.open(false), timeoutMs)
    this.armed = { waiting: [], asked: new Set(), met: false, expired: false, timer }
  }

  /** Disarms the barrier; says whether it opened because every file was asked for (not by timing out). */
  disarm(): boolean {
    const met = this.armed?.met ?? false
    if (this.armed) clearTimeout(this.armed.timer)
    this.open(met)
    this.armed = undefined
    return met
  }

  private open(met: boolean): void {
    if (!this.armed) return
    this.armed.met ||= met
    this.armed.expired ||= !met
    for (const res of this.armed.waiting.splice(0)) this.send(res)
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const name = new URL(req.url ?? '/', 'http://x').pathname.slice(1)
    ;(res as ServerResponse & { file?: string }).file = name
    if (!this.armed || this.armed.met || this.armed.expired) {
      this.send(res)
      return
    }
    this.armed.asked.add(name)
    this.armed.waiting.push(res)
    if (Object.keys(PUBLICATIONS).every((code) => this.armed!.asked.has(`${code}_2025-01.csv`)))
      this.open(true)
  }

  private send(res: ServerResponse): void {
    const body = readFileSync(join(this.root, (res as ServerResponse & { file?: string }).file!))
    res.writeHead(200, { 'content-length': body.length }).end(body)
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }
}

function config(): string {
  return [
    'settings:',
    '  retention: { logs_days: 7, artifact_days: 9 }',
    'publications:',
    ...Object.keys(PUBLICATIONS).flatMap((code) => [
      `  ${code}:`,
      `    name: Practice counts ${code}`,
      '    urls:',
      `      - { period: 2025-01, url: "${files.url}/${code}_2025-01.csv" }`,
    ]),
    '',
  ].join('\n')
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'datawarp-fanout-test-'))
  files = await new BarrierFileServer(dir).start()
  for (const [code, rows] of Object.entries(PUBLICATIONS))
    writeCsv(join(dir, `${code}_2025-01.csv`), PRACTICE_HEADER, practiceRows(rows, code === 'alpha' ? 1 : 7))
  database = await createTestDatabase()
  repo = new TestRepository(dir)
  repo.commit(
    { 'config/publications.yaml': config(), '.gitignore': 'data/\ntmp/\nnode_modules/\n' },
    'config',
  )
  github = await new FakeGitHub(OWNER, REPO_NAME, TOKEN, repo.bare).start()
  artifacts = await new FakeArtifactService().start()
  actionDir = installAction()
})

afterAll(async () => {
  await github?.stop()
  await artifacts?.stop()
  await files?.stop()
  await database?.drop()
  if (dir) rmSync(dir, { recursive: true, force: true })
  if (actionDir) rmSync(actionDir, { recursive: true, force: true })
})

describe('the fan-out workflow, job by job', () => {
  it('the plan job makes a matrix of one entry per publication from the real `datawarp plan --json`', async () => {
    const planned = await planJob(scheduled())
    expect(planned.code, planned.stderr).toBe(0)
    expect(planned.outputs.count).toBe('2')
    const legs = matrixOf(planned.outputs, scheduled())
    // The matrix is the plan's own "include", entry for entry.
    expect(legs).toEqual(JSON.parse(planned.plan).include)
    expect(legs).toEqual([
      expect.objectContaining({ publication: 'alpha', load: 1, check: 0, missing: 0 }),
      expect.objectContaining({ publication: 'beta', load: 1, check: 0, missing: 0 }),
    ])
    expect(planned.summary).toContain('`alpha`: load 1, check 0, missing 0')
  })

  it('the plan job passes the publication input as --pub, and fails on an unknown one', async () => {
    const only = await planJob({ ...scheduled(), inputs: { publication: ' beta ' } })
    expect(only.code, only.stderr).toBe(0)
    expect(matrixOf(only.outputs, scheduled()).map((l) => l.publication)).toEqual(['beta'])
    const unknown = await planJob({ ...scheduled(), inputs: { publication: 'alpha,gamma' } })
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('no publication "gamma"')
    expect(unknown.outputs.matrix).toBe('')
    expect(unknown.plan).toBe('')
  })

  it('the fake artifact service refuses a name used twice in one workflow run, as GitHub does', async () => {
    const create = (run: string) =>
      fetch(`${artifacts.url}/twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          workflowRunBackendId: run,
          workflowJobRunBackendId: 'j',
          name: 'same',
          version: 4,
        }),
      })
    expect((await create('probe')).status).toBe(200)
    expect((await create('probe')).status).toBe(409)
    expect((await create('another-run')).status).toBe(200)
  })

  it('two legs at once on one database: each holds its publication’s new manifest in its own review pull request', async () => {
    workflowRun = 'run-1'
    const legs = matrixOf((await planJob(scheduled())).outputs, scheduled())
    files.arm(120_000)
    const results = await loadLegs(legs)
    expect(files.disarm()).toBe(true)
    for (const [i, { run, inputs }] of results.entries()) {
      const code = legs[i]!.publication as string
      expect(inputs).toMatchObject({ stage: 'load', publications: code })
      expect(run.stderr).toBe('')
      expect(errorsOf(run)).toEqual([])
      expect(run.code, run.stdout).toBe(0)
      expect(run.outputs.held).toBe('1')
      expect(run.outputs.failed).toBe('0')
      expect(JSON.parse(run.outputs['changed-manifests']!)).toEqual([
        `manifests/canonical/${code}/${code}_canonical.yaml`,
      ])
      // Different publications take different locks: neither waited for the other.
      expect(eventsOf(run).map((e) => e.event)).not.toContain('publication.waiting')
      expect(run.summary).toContain('Load job of a fan-out (stage: load)')
    }
    expect(github.violations).toEqual([])
    expect(
      github.pulls
        .map((p) => ({ head: p.head, state: p.state }))
        .sort((a, b) => a.head.localeCompare(b.head)),
    ).toEqual([
      { head: 'datawarp/manifest/alpha', state: 'open' },
      { head: 'datawarp/manifest/beta', state: 'open' },
    ])
    expect(repo.branches()).toEqual(['datawarp/manifest/alpha', 'datawarp/manifest/beta', 'main'])
    // Each leg uploaded its logs under a name of its own, and nothing else.
    const uploaded = artifacts.artifacts.filter((a) =>
      results.some(({ run }) => a.name.includes(run.outputs['run-id']!)),
    )
    expect(uploaded.map((a) => a.name).sort()).toEqual(
      results
        .map(({ run, inputs }) => `datawarp-logs-${run.outputs['run-id']}-${inputs.publications}`)
        .sort(),
    )
    for (const { run } of results) expect(JSON.parse(run.outputs.artifacts!)).toHaveLength(1)
    expect(artifacts.refused).toEqual([expect.objectContaining({ name: 'same' })])
  })

  it('after both reviews are merged, two legs at once load their publications, without waiting on each other', async () => {
    workflowRun = 'run-2'
    for (const pull of github.pulls) {
      repo.merge(pull.head)
      pull.state = 'closed'
      pull.merged = true
    }
    const legs = matrixOf((await planJob(scheduled())).outputs, scheduled())
    expect(legs.map((l) => [l.publication, l.load])).toEqual([
      ['alpha', 1],
      ['beta', 1],
    ])
    const since = github.requests.length
    files.arm(120_000)
    const results = await loadLegs(legs)
    // Both legs were downloading, each under its publication's lock, at the same moment.
    expect(files.disarm()).toBe(true)
    for (const [i, { run, workspace }] of results.entries()) {
      const code = legs[i]!.publication as keyof typeof PUBLICATIONS
      expect(errorsOf(run)).toEqual([])
      expect(run.code, run.stdout).toBe(0)
      expect(run.outputs.loaded).toBe('1')
      expect(Number(run.outputs.rows)).toBe(PUBLICATIONS[code])
      expect(JSON.parse(run.outputs['pull-requests']!)).toEqual([])
      expect(eventsOf(run).map((e) => e.event)).not.toContain('publication.waiting')
      // A leg exports nothing: the export job does, once.
      const exportsDir = join(workspace, 'data', 'exports')
      expect(existsSync(exportsDir) ? readdirSync(exportsDir) : []).toEqual([])
    }
    expect(github.writes(since)).toEqual([])
  })

  it('the export job rebuilds the exports and a catalog covering both publications, once', async () => {
    const needs = { plan: { result: 'success' }, load: { result: 'success' } }
    expect(runsIf(workflow.jobs.export.if, { ...scheduled(), needs })).toBe(true)
    const before = artifacts.artifacts.length
    const { run, workspace, inputs } = await actionJob('export', { ...scheduled(), needs })
    expect(inputs.stage).toBe('export')
    expect(errorsOf(run)).toEqual([])
    expect(run.code, run.stdout).toBe(0)
    expect(run.outputs.loaded).toBe('0')
    expect(JSON.parse(run.outputs['pull-requests']!)).toEqual([])
    expect(run.summary).toContain('Export job of a fan-out (stage: export)')
    expect(run.summary).toContain('2 sources exported')
    const exportsDir = join(workspace, 'data', 'exports')
    const catalog = await parquetReadObjects({
      file: await asyncBufferFromFile(join(exportsDir, 'catalog.parquet')),
    })
    expect(catalog.map((r) => [r.publication, r.row_count]).sort()).toEqual([
      ['alpha', 40n],
      ['beta', 30n],
    ])
    // Uploaded once, by this job: the exports with the catalog, and its logs. No name of the run was refused.
    const id = run.outputs['run-id']!
    const uploaded = artifacts.artifacts.slice(before)
    expect(uploaded.map((a) => a.name)).toEqual([`datawarp-exports-${id}`, `datawarp-logs-${id}`])
    expect(uploaded[0]!.files).toEqual([
      'alpha/alpha/2025-01.parquet',
      'beta/beta/2025-01.parquet',
      'catalog.parquet',
      'datapackage.json',
    ])
    const names = artifacts.artifacts
      .filter((a) => a.job.startsWith('load-') || a.job.startsWith('export-'))
      .map((a) => a.name)
    expect(new Set(names).size).toBe(names.length)
    expect(artifacts.artifacts.filter((a) => a.name.startsWith('datawarp-exports-'))).toHaveLength(1)
    expect(artifacts.refused.map((r) => r.name)).toEqual(['same'])
    for (const row of catalog)
      expect(existsSync(join(exportsDir, String(row.parquet_path))), String(row.parquet_path)).toBe(true)
  })

  it('two legs of one publication do not run at once: the second waits for the lock, then finds nothing to load', async () => {
    workflowRun = 'run-3'
    const alpha = { publication: 'alpha', load: 0, check: 1, missing: 0 }
    // The barrier never opens (beta is not asked for): the first leg holds alpha's lock until it times out.
    files.arm(20_000)
    const results = await loadLegs([alpha, alpha])
    expect(files.disarm()).toBe(false)
    for (const { run } of results) {
      expect(errorsOf(run)).toEqual([])
      expect(run.code, run.stdout).toBe(0)
      expect(run.outputs.loaded).toBe('0')
    }
    const waited = results.filter(({ run }) => eventsOf(run).some((e) => e.event === 'publication.waiting'))
    expect(waited).toHaveLength(1)
  })
})
