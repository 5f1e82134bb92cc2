import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { QueryResult, SourceDescription } from '../../src/read/index.js'
import { runCli } from '../support/cli.js'
import { OC_WORKBOOKS } from '../support/corpus.js'
import { query } from '../support/database.js'
import { writeCsv } from '../support/fixtures.js'
import { dropReaderRoleIn, type LoadedProject, loadedProject } from '../support/loaded-project.js'
import {
  type ConnectedClient,
  callTool,
  httpClient,
  startHttpServer,
  stdioClient,
} from '../support/mcp-clients.js'

const CORPUS = new URL('../../../shared/corpus/gp_online_consultation_submissions', import.meta.url).pathname
const QUESTION = 'online consultation submissions'

/**
 * "Which sources mention online consultation submissions, and what was the national total for the latest
 * period?" asked as an agent would: search, describe the hits until one has the measure, sum it for the
 * source's latest period.
 */
async function askNationalTotal(connected: ConnectedClient, measure: RegExp) {
  // Listing first makes the SDK client check every structuredContent against the tool's outputSchema.
  await connected.client.listTools()
  const { hits } = await callTool<{ hits: { sourceCode: string }[] }>(connected.client, 'search_sources', {
    query: QUESTION,
  })
  for (const hit of hits) {
    const d = await callTool<SourceDescription>(connected.client, 'describe_source', {
      source: hit.sourceCode,
    })
    const column = d.columns.find((c) => measure.test(c.title))
    if (!column) continue
    const result = await callTool<QueryResult>(connected.client, 'query', {
      sql: `SELECT sum(${column.name}) AS total FROM ${d.table} WHERE _period = '${d.lastPeriod}'`,
    })
    return {
      sources: hits.map((h) => h.sourceCode),
      source: d.sourceCode,
      period: d.lastPeriod,
      total: result.rows[0]![0],
    }
  }
  throw new Error(`no source among ${hits.map((h) => h.sourceCode)} has a column titled ${measure}`)
}

/** The status of a POST sent with another Host header (fetch cannot set one). */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { host, authorization: 'Bearer test-token-0123456789' } },
      (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      },
    )
    req.on('error', reject)
    req.end('{}')
  })
}

describe('datawarp mcp on a generated publication', () => {
  const rows = (month: number) =>
    Array.from({ length: 25 }, (_, i) => [
      `P${String(i).padStart(5, '0')}`,
      'England',
      ((i + 3) * 41 * month) % 900,
    ])
  const expected = rows(2).reduce((sum, r) => sum + Number(r[2]), 0)
  let fixtureDir: string
  let project: LoadedProject
  const servers: { stop: () => Promise<void> }[] = []
  const clients: ConnectedClient[] = []

  beforeAll(async () => {
    fixtureDir = mkdtempSync(join(tmpdir(), 'datawarp-mcp-fixture-'))
    const header = ['Practice Code', 'Country', 'Online Consultation Submissions']
    writeCsv(join(fixtureDir, 'Submissions_Jan24.csv'), header, rows(1))
    writeCsv(join(fixtureDir, 'Submissions_Feb24.csv'), header, rows(2))
    project = await loadedProject(fixtureDir, 'oc_fixture', [
      ['2024-01', 'Submissions_Jan24.csv'],
      ['2024-02', 'Submissions_Feb24.csv'],
    ])
  }, 120_000)

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {})
    for (const s of servers) await s.stop()
    if (project) await dropReaderRoleIn(project.databaseUrl)
    await project?.stop()
    if (fixtureDir) rmSync(fixtureDir, { recursive: true, force: true })
  })

  async function connect(
    backend: 'postgres' | 'parquet',
    transport: 'stdio' | 'http',
  ): Promise<ConnectedClient> {
    const args = backend === 'parquet' ? ['--exports', project.exportsDir] : []
    const options = { cwd: project.root, env: { DATABASE_URL: project.databaseUrl } }
    let connected: ConnectedClient
    if (transport === 'stdio') connected = await stdioClient(args, options)
    else {
      const server = await startHttpServer(args, options)
      servers.push(server)
      connected = await httpClient(server.url)
    }
    clients.push(connected)
    return connected
  }

  it.each([
    ['postgres', 'stdio'],
    ['postgres', 'http'],
    ['parquet', 'stdio'],
    ['parquet', 'http'],
  ] as const)(
    'answers the national total on %s over %s, as the file sums it',
    async (backend, transport) => {
      const connected = await connect(backend, transport)
      const answer = await askNationalTotal(connected, /^Online Consultation Submissions$/)
      expect(answer).toMatchObject({ source: 'oc_fixture__submissions', period: '2024-02', total: expected })
      expect(answer.sources).toEqual(['oc_fixture__submissions'])
    },
    60_000,
  )

  it('lists four read-only tools, each with input and output schemas', async () => {
    const { client } = await connect('postgres', 'stdio')
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name).sort()).toEqual([
      'describe_source',
      'list_publications',
      'query',
      'search_sources',
    ])
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe('object')
      expect(tool.outputSchema?.type).toBe('object')
      expect(tool.annotations?.readOnlyHint).toBe(true)
    }
    const listed = await callTool<{
      publications: { code: string; periods: { period: string; loadedAt: string }[] }[]
    }>(client, 'list_publications')
    expect(listed.publications.map((p) => [p.code, p.periods.map((x) => x.period)])).toEqual([
      ['oc_fixture', ['2024-01', '2024-02']],
    ])
    const loads = await query<{ period: string; finished_at: Date }>(
      project.databaseUrl,
      `SELECT period, finished_at FROM datawarp.loads WHERE status = 'loaded' ORDER BY period`,
    )
    expect(listed.publications[0]!.periods.map((p) => p.loadedAt)).toEqual(
      loads.map((l) => l.finished_at.toISOString()),
    )
  }, 60_000)

  it('serves the catalog and each canonical manifest as resources', async () => {
    const { client } = await connect('parquet', 'stdio')
    const { resources } = await client.listResources()
    expect(resources.map((r) => r.uri).sort()).toEqual([
      'datawarp://catalog',
      'datawarp://manifests/oc_fixture',
    ])
    const catalog = await client.readResource({ uri: 'datawarp://catalog' })
    const entries = JSON.parse(String((catalog.contents[0] as { text: string }).text)) as {
      sourceCode: string
      rowCount: number
    }[]
    expect(entries.map((e) => [e.sourceCode, e.rowCount])).toEqual([['oc_fixture__submissions', 50]])
    const manifest = await client.readResource({ uri: 'datawarp://manifests/oc_fixture' })
    expect((manifest.contents[0] as { text: string }).text).toContain('publication: oc_fixture')
    await expect(client.readResource({ uri: 'datawarp://manifests/nothing_here' })).rejects.toThrow(
      /no canonical manifest/,
    )
  }, 60_000)

  it('returns a refused statement as a tool error saying why, and a cut result with its total', async () => {
    const { client } = await connect('postgres', 'stdio')
    const refused = await client.callTool({
      name: 'query',
      arguments: { sql: 'DELETE FROM oc_fixture.submissions' },
    })
    expect(refused.isError).toBe(true)
    expect(JSON.stringify(refused.content)).toMatch(/query refused: .*nothing was changed/)
    const cut = await callTool<QueryResult>(client, 'query', {
      sql: 'SELECT * FROM oc_fixture.submissions ORDER BY practice_code, _period',
      max_rows: 10,
    })
    expect(cut).toMatchObject({ rowCount: 10, truncated: true, truncatedBy: 'rows', totalRows: 50 })
    const counted = await query<{ n: string }>(
      project.databaseUrl,
      'SELECT count(*) AS n FROM oc_fixture.submissions',
    )
    expect(Number(counted[0]!.n)).toBe(50)
  }, 60_000)

  it('over HTTP refuses a foreign Origin or Host, and requests without the token when one is set', async () => {
    const server = await startHttpServer([], {
      cwd: project.root,
      env: { DATABASE_URL: project.databaseUrl, DATAWARP_MCP_TOKEN: 'test-token-0123456789' },
    })
    servers.push(server)
    const init = { jsonrpc: '2.0', id: 1, method: 'ping' }
    const post = (headers: Record<string, string>) =>
      fetch(server.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body: JSON.stringify(init),
      })
    expect(
      (await post({ authorization: 'Bearer test-token-0123456789', origin: 'https://evil.example' })).status,
    ).toBe(403)
    expect(await statusWithHost(server.url, 'evil.example')).toBe(403)
    expect((await post({})).status).toBe(401)
    expect((await post({ authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401)
    const connected = await httpClient(server.url, { authorization: 'Bearer test-token-0123456789' })
    clients.push(connected)
    expect((await connected.client.listTools()).tools).toHaveLength(4)
  }, 60_000)

  it('will not listen beyond loopback without a token', async () => {
    const result = await runCli(
      ['mcp', '--http', '--host', '0.0.0.0', '--port', '0', '--exports', project.exportsDir],
      {
        cwd: project.root,
      },
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/needs a bearer token: set DATAWARP_MCP_TOKEN/)
  })
})

/** The national total of the latest file, summed from its practice-level sheet (Table 2) by reading the workbook. */
async function submissionsInFile(path: string): Promise<number> {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.readFile(path)
  const sheet = workbook.getWorksheet('Table 2')!
  let column = 0
  let total = 0
  sheet.eachRow((row) => {
    const values = row.values as unknown[]
    if (column === 0) {
      column = values.findIndex((v) => typeof v === 'string' && /^Submissions( \[[^\]]*\])?$/.test(v.trim()))
      if (column < 0) column = 0
      return
    }
    const value = values[column]
    if (typeof value === 'number') total += value
  })
  return total
}

describe.skipIf(!existsSync(CORPUS))(
  'datawarp mcp on real NHS files (GP online consultation submissions)',
  () => {
    let project: LoadedProject

    beforeAll(async () => {
      project = await loadedProject(
        CORPUS,
        'gp_online_consultation',
        OC_WORKBOOKS.map(([period, file]) => [period, file]),
        'Submissions via Online Consultation Systems in General Practice',
      )
    }, 300_000)

    afterAll(async () => {
      if (project) await dropReaderRoleIn(project.databaseUrl)
      await project?.stop()
    })

    it('answers the question with the same sources and number on PostgreSQL and on the Parquet exports', async () => {
      const expected = await submissionsInFile(join(CORPUS, OC_WORKBOOKS.at(-1)![1]))
      expect(expected).toBeGreaterThan(1_000_000)
      const answers = []
      for (const args of [[], ['--exports', project.exportsDir]]) {
        const connected = await stdioClient(args, {
          cwd: project.root,
          env: { DATABASE_URL: project.databaseUrl },
        })
        try {
          answers.push(await askNationalTotal(connected, /^Submissions( \[[^\]]*\])?$/))
        } finally {
          await connected.close()
        }
      }
      for (const answer of answers) {
        expect(answer).toMatchObject({
          source: 'gp_online_consultation__table_2',
          period: '2025-03',
          total: expected,
        })
        expect([...answer.sources].sort()).toEqual([
          'gp_online_consultation__table_1',
          'gp_online_consultation__table_2',
          'gp_online_consultation__table_3',
        ])
      }
      expect(answers[1]).toEqual(answers[0])
    }, 120_000)
  },
)
