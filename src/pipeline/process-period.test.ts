import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTestDatabase, query } from '../../test/support/database.js'
import { FakeOpenAI } from '../../test/support/fake-openai.js'
import { runPipeline } from './index.js'

const API_KEY = 'sk-test-DataWarpPipelineKey-0123456789abcdef'

describe('a load never waits on the network', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: FakeOpenAI
  let root: string
  let configPath: string

  beforeAll(async () => {
    root = fs.mkdtempSync(join(tmpdir(), 'datawarp-period-'))
    fs.mkdirSync(join(root, 'config'))
    const csv = join(root, 'counts.csv')
    fs.writeFileSync(csv, 'Code,Count\nA,1\nB,2\n')
    configPath = join(root, 'config', 'publications.yaml')
  })
  beforeEach(async () => {
    db = await createTestDatabase()
    server = await new FakeOpenAI(API_KEY).start()
    fs.rmSync(join(root, 'manifests'), { recursive: true, force: true })
    fs.writeFileSync(
      configPath,
      `settings:\n  contract: evolve\n  llm:\n    base_url: ${server.baseUrl}\n    model: gpt-4o-mini\n` +
        `    timeout_seconds: 3\npublications:\n  counts:\n    name: Counts\n    urls:\n` +
        `      - { period: 2024-01, url: "${join(root, 'counts.csv')}" }\n`,
    )
  })
  afterEach(async () => {
    await server.stop()
    await db.drop()
  })
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

  it('commits the rows before asking the LLM, holding no transaction while it waits for the answer', async () => {
    server.responder = () => ({ hang: true })
    const run = runPipeline({ configPath, root, databaseUrl: db.url, llm: { apiKey: API_KEY } })
    let rows: unknown
    let waiting: unknown
    try {
      while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 50))
      // The LLM has the request and has not answered: the period is in the database already.
      rows = await query(db.url, 'SELECT count(*)::int n FROM counts.counts')
      waiting = await query(
        db.url,
        `SELECT count(*)::int n FROM pg_stat_activity
          WHERE datname = current_database() AND state = 'idle in transaction'`,
      )
    } finally {
      await run.catch(() => undefined)
    }
    expect(rows).toEqual([{ n: 2 }])
    expect(waiting).toEqual([{ n: 0 }])
    const summary = await run
    expect(summary.publications[0]!.periods.map((p) => p.status)).toEqual(['loaded'])
  })

  it("writes the LLM's text and usage after the load, in the ledger and the sources", async () => {
    const summary = await runPipeline({ configPath, root, databaseUrl: db.url, llm: { apiKey: API_KEY } })
    expect(summary.publications[0]!.periods.map((p) => p.status)).toEqual(['loaded'])
    expect(server.requests.length).toBeGreaterThan(0)
    expect(await query(db.url, 'SELECT title FROM datawarp.sources')).toEqual([
      { title: 'LLM title of counts' },
    ])
    const [load] = await query<{ llm_tokens: number | null }>(
      db.url,
      `SELECT llm_tokens FROM datawarp.loads WHERE status = 'loaded'`,
    )
    expect(load!.llm_tokens).toBeGreaterThan(0)
  })
})
