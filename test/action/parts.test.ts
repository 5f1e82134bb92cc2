import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { annotations, location, MAX_PER_LEVEL } from '../../action/annotations.js'
import {
  type ArtifactUploader,
  artifactChoice,
  artifactSpecs,
  uploadArtifacts,
} from '../../action/artifacts.js'
import {
  InputError,
  parseBoolean,
  parseList,
  parseRetentionDays,
  parseStage,
  readInputs,
} from '../../action/inputs.js'
import { jobSummary } from '../../action/job-summary.js'
import { changeLines, driftReport, heldPeriods, statusOf } from '../../action/outcome-view.js'
import { artifactRetention } from '../../action/retention.js'
import { PermissionError } from '../../action/review/permissions.js'
import { MAX_BODY, reviewBody, reviewTitle } from '../../action/review/pr-body.js'
import { Secrets } from '../../action/secrets.js'
import type { Config } from '../../src/model/config.js'
import type { PeriodOutcome, PublicationOutcome, RunSummary } from '../../src/pipeline/index.js'

const dir = mkdtempSync(join(tmpdir(), 'datawarp-action-parts-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function summary(publications: PublicationOutcome[], extra: Partial<RunSummary> = {}): RunSummary {
  return {
    runId: '20260101T000000Z-abcd',
    startedAt: '2026-01-01T00:00:00Z',
    durationMs: 1200,
    dryRun: false,
    publications,
    eventLog: join(dir, 'data/logs/events/2026-01-01/20260101T000000Z-abcd.jsonl'),
    failed: publications.some((p) => p.error || p.periods.some((o) => o.status === 'failed')),
    ...extra,
  }
}

const period = (
  p: Omit<Partial<PeriodOutcome>, 'status'> & { period: string; status: string },
): PeriodOutcome => ({ rows: 0, durationMs: 10, ...p }) as PeriodOutcome

describe('inputs', () => {
  it('reads lists, booleans and retention days, with the defaults of action.yml', () => {
    expect(parseList(' adhd, online_consultation\n\npcn ,')).toEqual(['adhd', 'online_consultation', 'pcn'])
    expect(parseList('  ')).toBeUndefined()
    expect(parseBoolean('force', 'TRUE', false)).toBe(true)
    expect(parseBoolean('force', '', true)).toBe(true)
    expect(() => parseBoolean('force', 'yes', false)).toThrow(InputError)
    expect(parseRetentionDays('')).toBeUndefined()
    expect(parseRetentionDays('30')).toBe(30)
    for (const bad of ['0', '-1', '2.5', 'week', '401'])
      expect(() => parseRetentionDays(bad)).toThrow(/retention-days/)
    const inputs = readInputs(() => '')
    expect(inputs).toMatchObject({
      config: 'config/publications.yaml',
      workingDirectory: '.',
      force: false,
      dryRun: false,
      pullRequests: true,
      uploadArtifacts: true,
      labels: [],
    })
    expect(inputs.databaseUrl).toBeUndefined()
    expect(inputs.retentionDays).toBeUndefined()
    expect(inputs.stage).toBe('run')
  })

  it('reads the stage of a fan-out, and refuses a selection for the export stage, which loads nothing', () => {
    expect(parseStage('')).toBe('run')
    expect(parseStage(' Load ')).toBe('load')
    expect(() => parseStage('catalog')).toThrow(/input "stage" must be run, load, export/)
    const with_ = (values: Record<string, string>) => readInputs((name) => values[name] ?? '')
    expect(with_({ stage: 'load', publications: 'adhd' })).toMatchObject({
      stage: 'load',
      publications: ['adhd'],
    })
    expect(with_({ stage: 'export' }).stage).toBe('export')
    expect(with_({ stage: 'export', force: 'false' }).stage).toBe('export')
    expect(() => with_({ stage: 'export', publications: 'adhd' })).toThrow(/"publications" cannot be set/)
    expect(() => with_({ stage: 'export', periods: '2025-01', force: 'true' })).toThrow(
      /"periods" and "force" cannot be set/,
    )
  })
})

describe('secrets', () => {
  it('masks a database URL whole and its password alone, in plain and percent-encoded form', () => {
    const masked: string[] = []
    const secrets = new Secrets((v) => masked.push(v))
    secrets.add('postgres://app:p%40ss%2Fword@db.example:5432/warehouse')
    secrets.add('ghp_abcdefghijklmnop')
    secrets.add('abc') // too short to mask on its own
    secrets.add(undefined)
    expect(masked).toEqual([
      'postgres://app:p%40ss%2Fword@db.example:5432/warehouse',
      'p%40ss%2Fword',
      'p@ss/word',
      'ghp_abcdefghijklmnop',
    ])
    const text =
      'url postgres://app:p%40ss%2Fword@db.example:5432/warehouse pw p@ss/word token ghp_abcdefghijklmnop abc'
    expect(secrets.redact(text)).toBe('url *** pw *** token *** abc')
    expect(secrets.contains('x p@ss/word')).toBe(true)
    expect(secrets.contains('nothing here')).toBe(false)
  })

  it('masks a password given in the query string or a key=value connection string', () => {
    const secrets = new Secrets()
    secrets.add('postgres://app@db.example/warehouse?password=query-secret-1')
    secrets.add("host=db.example password='kv secret 2'")
    expect(secrets.redact('a query-secret-1 b kv secret 2 c')).toBe('a *** b *** c')
  })
})

describe('outcome view', () => {
  it('reads held periods, and statuses it does not know as none', () => {
    const s = summary([
      {
        code: 'adhd',
        periods: [
          period({ period: '2025-05', status: 'loaded', rows: 10 }),
          period({ period: '2025-08', status: 'held', reason: 'new column "x"' }),
          period({ period: '2025-11', status: 'someday' }),
        ],
      },
    ])
    expect(heldPeriods(s)).toEqual([{ publication: 'adhd', period: '2025-08', reason: 'new column "x"' }])
    expect(statusOf(s.publications[0]!.periods[2]!)).toBeUndefined()
  })

  it('takes manifest changes as strings or objects, and the drift report as text or as a file', () => {
    const p = period({ period: '2025-01', status: 'held' }) as PeriodOutcome & Record<string, unknown>
    expect(changeLines(p)).toEqual([])
    expect(changeLines({ ...p, manifestChanges: ['a', { message: 'b' }, { kind: 'c' }] } as never)).toEqual([
      'a',
      'b',
      '{"kind":"c"}',
    ])
    expect(driftReport({ ...p, driftReport: '### adhd 2025-01\n\n- x' } as never)).toBe(
      '### adhd 2025-01\n\n- x',
    )
    const file = join(dir, 'drift.md')
    writeFileSync(file, '### from a file\n')
    expect(driftReport({ ...p, driftReport: file } as never)).toBe('### from a file')
    expect(driftReport({ ...p, driftReport: join(dir, 'gone.md') } as never)).toBeUndefined()
  })
})

describe('review pull request body', () => {
  const base = {
    publication: { code: 'adhd', name: 'ADHD | Management Information' },
    manifestPath: 'manifests/canonical/adhd/adhd_canonical.yaml',
    base: 'main',
    branch: 'datawarp/manifest/adhd',
    held: [{ period: '2025-11', reason: 'new column' }],
    datawarpRunId: '20260101T000000Z-abcd',
    runUrl: 'https://github.com/o/r/actions/runs/42',
    artifacts: [{ name: 'datawarp-exports-x', url: 'https://github.com/o/r/actions/runs/42/artifacts/7' }],
  }

  it('has the drift, the held periods, what merging does, and the run and artifact links', () => {
    const body = reviewBody({ ...base, drift: [{ period: '2025-11', lines: ['new column "x" in "t"'] }] })
    expect(body).toContain('<!-- datawarp:manifest-review:adhd -->')
    expect(body).toContain('- **2025-11**: new column')
    expect(body).toContain('- new column "x" in "t"')
    expect(body).toContain('### What merging will do')
    expect(body).toContain('loads the held period (2025-11)')
    expect(body).toContain('https://github.com/o/r/actions/runs/42/artifacts/7')
    expect(reviewTitle(base)).toBe('DataWarp: review the canonical manifest of adhd (holds 2025-11)')
  })

  it('is cut to 65,536 characters with a note, keeping what merging does and the links', () => {
    const lines = Array.from(
      { length: 5000 },
      (_, i) => `new column "column_${i}" in "table" (header "Column ${i}")`,
    )
    const body = reviewBody({ ...base, drift: [{ period: '2025-11', lines }] })
    expect(body.length).toBeLessThanOrEqual(MAX_BODY)
    expect(body.length).toBeGreaterThan(MAX_BODY - 500)
    expect(body).toMatch(
      /The drift report was cut here to fit GitHub's 65,536-character limit: [\d,]+ more lines/,
    )
    expect(body).toContain('### What merging will do')
    expect(body).toContain('https://github.com/o/r/actions/runs/42')
    expect(body).toContain('column_0"')
    expect(body).not.toContain('column_4999"')
  })

  it('puts the pipeline’s own Markdown report one heading level down', () => {
    const body = reviewBody({
      ...base,
      drift: [{ period: '2025-11', lines: ['x'], report: '### adhd 2025-11\n\n#### Source' }],
    })
    expect(body).toContain('#### adhd 2025-11')
    expect(body).toContain('##### Source')
    expect(body).not.toContain('- x')
  })
})

describe('permission errors', () => {
  it('name exactly what is missing, with the workflow lines that give it', () => {
    const e = new PermissionError(['pull-requests: write'], ['adhd'])
    expect(e.message).toContain('`pull-requests: write`')
    expect(e.message).not.toContain('`contents: write`, to push')
    expect(e.message).toContain('    permissions:')
    const setting = new PermissionError(['actions-create-pull-requests'], ['adhd'])
    expect(setting.message).toContain('Allow GitHub Actions to create and approve pull requests')
    expect(setting.message).not.toContain('    permissions:')
  })
})

describe('job summary', () => {
  it('counts per publication, lists held and failed periods, escapes table cells', () => {
    const s = summary([
      {
        code: 'adhd',
        name: 'ADHD | MI',
        periods: [
          period({ period: '2025-05', status: 'loaded', rows: 1234, manifestChanges: ['new column "x"'] }),
          period({ period: '2025-08', status: 'held', reason: 'new column "y"' }),
          period({
            period: '2025-11',
            status: 'failed',
            error: 'HTTP 404',
            where: 'config/publications.yaml, line 9',
          }),
        ],
      },
      { code: 'pcn', periods: [], error: 'manifest unreadable' },
    ])
    const md = jobSummary({
      summary: s,
      pullRequests: [
        {
          publication: 'adhd',
          manifestPath: 'm.yaml',
          branch: 'datawarp/manifest/adhd',
          action: 'opened',
          number: 7,
          url: 'https://github.com/o/r/pull/7',
        },
      ],
      artifacts: [{ name: 'datawarp-exports-x', files: 3 }],
      retention: { days: 7, from: 'settings.retention.artifact_days in config/publications.yaml' },
      paths: { exports: 'data/exports', eventLog: 'data/logs/x.jsonl' },
    })
    expect(md).toContain(
      '| ADHD \\| MI `adhd` ❌ | 1 | 1 | 0 | 1 | 1,234 | 1 change | [#7](https://github.com/o/r/pull/7) opened |',
    )
    expect(md).toContain('| `pcn` ❌ | 0 | 0 | 0 | 1 | 0 | — | — |')
    expect(md).toContain(
      '- `adhd` **2025-08**: new column "y" — review in [#7](https://github.com/o/r/pull/7)',
    )
    expect(md).toContain('- `adhd` **2025-11**: HTTP 404 (config/publications.yaml, line 9)')
    expect(md).toContain('- `pcn`: manifest unreadable')
    expect(md).toContain(
      '`datawarp-exports-x`: 3 files, kept 7 days (settings.retention.artifact_days in config/publications.yaml)',
    )
  })
})

describe('annotations', () => {
  it('point at the config line, skip the duplicate held event, and stop at GitHub’s limit', () => {
    expect(location('config/publications.yaml, line 14', '/ws')).toEqual({
      file: 'config/publications.yaml',
      startLine: 14,
    })
    expect(location('/ws/config/p.yaml, line 3', '/ws')).toEqual({ file: 'config/p.yaml', startLine: 3 })
    expect(location('/elsewhere/p.yaml, line 3', '/ws')).toEqual({})
    expect(location('sheet "Table 1", row 4', '/ws')).toEqual({})

    const s = summary([
      {
        code: 'adhd',
        periods: Array.from({ length: 12 }, (_, i) =>
          period({ period: `2025-${String(i + 1).padStart(2, '0')}`, status: 'failed', error: `bad ${i}` }),
        ),
      },
    ])
    const events = [
      { level: 'warn', event: 'period.held', publication: 'adhd', period: '2025-01', message: 'held' },
      { level: 'warn', event: 'fetch.retry', publication: 'adhd', period: '2025-01', message: 'HTTP 503' },
      { level: 'warn', event: 'fetch.retry', publication: 'adhd', period: '2025-01', message: 'HTTP 503' },
    ]
    const list = annotations(s, events, '/ws')
    const errors = list.filter((a) => a.level === 'error')
    expect(errors).toHaveLength(MAX_PER_LEVEL)
    expect(errors.at(-1)!.message).toContain('3 more errors')
    expect(list.filter((a) => a.level === 'warning')).toEqual([
      { level: 'warning', title: 'DataWarp: fetch.retry', message: 'adhd 2025-01: HTTP 503' },
    ])
  })
})

describe('artifacts', () => {
  const data = join(dir, 'data')
  const exportsDir = join(data, 'exports')
  mkdirSync(exportsDir, { recursive: true })
  mkdirSync(join(data, 'logs/events/2026-01-01'), { recursive: true })
  mkdirSync(join(data, 'state'), { recursive: true })
  mkdirSync(join(exportsDir, 'adhd/table'), { recursive: true })
  writeFileSync(join(exportsDir, 'adhd/table/2025-01.parquet'), 'PAR1')
  writeFileSync(join(exportsDir, 'adhd/table/2025-02.parquet.tmp'), 'not uploaded: being written')
  writeFileSync(join(exportsDir, 'catalog.parquet'), 'PAR1')
  writeFileSync(join(exportsDir, 'datapackage.json'), '{}')
  writeFileSync(join(exportsDir, 'notes.txt'), 'not uploaded')
  writeFileSync(join(data, 'state/state.json'), '{}')

  const fakeUploader = () => {
    const calls: { name: string; files: string[]; root: string; retentionDays?: number }[] = []
    const uploader: ArtifactUploader = {
      async uploadArtifact(name, files, root, options) {
        calls.push({ name, files, root, retentionDays: options?.retentionDays })
        return { id: calls.length, size: 1 }
      },
    }
    return { calls, uploader }
  }

  it('uploads the Parquet exports and the logs with the configured retention', async () => {
    const s = summary([], { stateFile: join(data, 'state/state.json') })
    writeFileSync(s.eventLog, '{"event":"run.start"}\n')
    const config = {
      file: 'config/publications.yaml',
      settings: { retention: { artifact_days: 9, logs_days: 7 } },
    }
    const retention = artifactRetention(config as Config, undefined, 'config/publications.yaml')
    expect(retention).toEqual({
      days: 9,
      from: 'settings.retention.artifact_days in config/publications.yaml',
    })
    expect(artifactRetention(config as Config, 2).days).toBe(2)
    expect(artifactRetention(undefined, undefined).days).toBe(7)

    const { calls, uploader } = fakeUploader()
    const specs = artifactSpecs(s, { data, exports: exportsDir }, new Secrets())
    const uploaded = await uploadArtifacts(
      uploader,
      specs,
      retention.days,
      (id) => `https://x/artifacts/${id}`,
    )
    expect(calls).toEqual([
      {
        name: 'datawarp-exports-20260101T000000Z-abcd',
        files: [
          join(exportsDir, 'adhd/table/2025-01.parquet'),
          join(exportsDir, 'catalog.parquet'),
          join(exportsDir, 'datapackage.json'),
        ],
        root: exportsDir,
        retentionDays: 9,
      },
      {
        name: 'datawarp-logs-20260101T000000Z-abcd',
        files: [s.eventLog, join(data, 'state/state.json')],
        root: data,
        retentionDays: 9,
      },
    ])
    expect(uploaded.map((a) => a.url)).toEqual(['https://x/artifacts/1', 'https://x/artifacts/2'])
  })

  it('a fan-out’s load jobs upload only their logs, under names no two legs share; its export job uploads the exports', () => {
    // Even two legs whose DataWarp run ids came out the same (one second, one random 16-bit suffix).
    const s = summary([], { stateFile: join(data, 'state/state.json') })
    writeFileSync(s.eventLog, '{"event":"run.start"}\n')
    const specsOf = (stage: 'run' | 'load' | 'export', publications?: string[]) =>
      artifactSpecs(s, { data, exports: exportsDir }, new Secrets(), dir, artifactChoice(stage, publications))
    const legs = [specsOf('load', ['adhd']), specsOf('load', ['pcn'])]
    expect(legs.map((specs) => specs.map((a) => a.name))).toEqual([
      ['datawarp-logs-20260101T000000Z-abcd-adhd'],
      ['datawarp-logs-20260101T000000Z-abcd-pcn'],
    ])
    expect(legs[0]![0]!.files).toEqual([s.eventLog, join(data, 'state/state.json')])
    // The export job, like a single run: the exports, catalog included, and its logs, under the run's names.
    const exported = specsOf('export')
    expect(exported).toEqual(specsOf('run'))
    expect(exported.map((a) => a.name)).toEqual([
      'datawarp-exports-20260101T000000Z-abcd',
      'datawarp-logs-20260101T000000Z-abcd',
    ])
    expect(exported[0]!.files).toContain(join(exportsDir, 'catalog.parquet'))
  })

  it('uploads a redacted copy of a log that mentions a secret', async () => {
    const s = summary([])
    writeFileSync(s.eventLog, '{"error":"cannot connect to postgres://u:hunter22@db/x"}\n')
    const secrets = new Secrets()
    secrets.add('postgres://u:hunter22@db/x')
    const logs = artifactSpecs(s, { data, exports: exportsDir }, secrets, dir).find((a) =>
      a.name.includes('logs'),
    )!
    expect(logs.rootDirectory).not.toBe(data)
    expect(logs.files).toEqual([
      join(logs.rootDirectory, 'logs/events/2026-01-01/20260101T000000Z-abcd.jsonl'),
    ])
    expect(readFileSync(logs.files[0]!, 'utf8')).toBe('{"error":"cannot connect to ***"}\n')
    expect(readFileSync(s.eventLog, 'utf8')).toContain('hunter22')
  })
})
