import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO } from '../support/cli.js'
import { writeCsv } from '../support/fixtures.js'
import { dropReaderRoleIn, type LoadedProject, loadedProject } from '../support/loaded-project.js'
import { startHttpServer } from '../support/mcp-clients.js'

/**
 * An independent client: the MCP Inspector's CLI (@modelcontextprotocol/inspector-cli), run as a user runs it,
 * lists, reads and calls what `datawarp mcp` serves over stdio and HTTP. (The conformance suite needs Node 22;
 * see docs/mcp.md.)
 */
const INSPECTOR = join(
  dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/inspector-cli/package.json')),
  'build',
  'index.js',
)
const run = promisify(execFile)

let fixtureDir: string
let project: LoadedProject
const servers: { stop: () => Promise<void> }[] = []

/** Runs the Inspector CLI; it finds its own package.json relative to its working folder, hence `test/`. */
async function inspector(
  target: string[],
  args: string[],
  env: Record<string, string> = {},
): Promise<unknown> {
  const { stdout } = await run(process.execPath, [INSPECTOR, ...target, ...args], {
    cwd: join(REPO, 'test'),
    env: { ...process.env, ...env },
    timeout: 60_000,
  })
  return JSON.parse(stdout)
}

beforeAll(async () => {
  fixtureDir = mkdtempSync(join(tmpdir(), 'datawarp-inspector-'))
  writeCsv(
    join(fixtureDir, 'Waits_Mar24.csv'),
    ['Trust Code', 'Patients Waiting'],
    Array.from({ length: 12 }, (_, i) => [`T${i}`, 100 + i]),
  )
  project = await loadedProject(fixtureDir, 'waits', [['2024-03', 'Waits_Mar24.csv']])
}, 120_000)

afterAll(async () => {
  for (const s of servers) await s.stop()
  if (project) await dropReaderRoleIn(project.databaseUrl)
  await project?.stop()
  rmSync(fixtureDir, { recursive: true, force: true })
})

const stdio = () => [process.execPath, join(REPO, 'bin', 'datawarp.js'), 'mcp', '--root', project.root]

describe('the MCP Inspector CLI against datawarp mcp', () => {
  it('lists the tools and resources and reads the catalog over stdio (Parquet exports)', async () => {
    const target = [...stdio(), '--exports', project.exportsDir]
    const tools = (await inspector(target, ['--method', 'tools/list'])) as { tools: { name: string }[] }
    expect(tools.tools.map((t) => t.name).sort()).toEqual([
      'describe_source',
      'list_publications',
      'query',
      'search_sources',
    ])
    const resources = (await inspector(target, ['--method', 'resources/list'])) as {
      resources: { uri: string }[]
    }
    expect(resources.resources.map((r) => r.uri).sort()).toEqual([
      'datawarp://catalog',
      'datawarp://manifests/waits',
    ])
    const catalog = (await inspector(target, [
      '--method',
      'resources/read',
      '--uri',
      'datawarp://catalog',
    ])) as {
      contents: { text: string }[]
    }
    expect(JSON.parse(catalog.contents[0]!.text)).toMatchObject([
      { sourceCode: 'waits__waits', rowCount: 12 },
    ])
  }, 120_000)

  it('calls query over stdio on the database and gets rows and the output schema’s shape', async () => {
    const result = (await inspector(
      stdio(),
      [
        '--method',
        'tools/call',
        '--tool-name',
        'query',
        '--tool-arg',
        'sql=SELECT sum(patients_waiting) AS total FROM waits.waits',
      ],
      { DATABASE_URL: project.databaseUrl },
    )) as { structuredContent: { rows: unknown[][]; truncated: boolean } }
    expect(result.structuredContent).toMatchObject({ rows: [[1266]], truncated: false })
  }, 120_000)

  it('calls describe_source over Streamable HTTP', async () => {
    const server = await startHttpServer([], {
      cwd: project.root,
      env: { DATABASE_URL: project.databaseUrl },
    })
    servers.push(server)
    const result = (await inspector(
      [server.url],
      [
        '--transport',
        'http',
        '--method',
        'tools/call',
        '--tool-name',
        'describe_source',
        '--tool-arg',
        'source=waits__waits',
      ],
    )) as { structuredContent: { table: string; periods: unknown[] } }
    expect(result.structuredContent).toMatchObject({
      table: '"waits"."waits"',
      periods: [{ period: '2024-03', rows: 12 }],
    })
  }, 120_000)
})
