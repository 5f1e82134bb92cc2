// npm run bench:mcp: `datawarp mcp` on a generated 1M-row source, on PostgreSQL and on the Parquet exports.
// Times search, describe and an aggregate query through the reader (src/read/) and through an MCP client over
// stdio (the SDK's Client spawning `node bin/datawarp.js mcp`), median of 7 after a warm-up; and the same
// aggregate by hyparquet (read the three columns, sum in JavaScript), the alternative to DuckDB measured.
// BENCH_DATABASE_URL (default: the local PostgreSQL) names the server; a scratch database is created and
// dropped on it. BENCH_ROWS changes the size. Run `npm run build` first.
import { spawnSync } from 'node:child_process'
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet'
import pg from 'pg'

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000)
const PERIODS = 4
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const build = (path) => new URL(`../build/${path}`, import.meta.url).pathname
const { openExportsReader, openPostgresReader, dropReaderRole } = await import(build('read/index.js'))
const dir = mkdtempSync(join(tmpdir(), 'datawarp-bench-mcp-'))
const dbName = `dw_bench_mcp_${process.pid}`
const dbUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${dbName}` }).toString()
const role = `dw_bench_reader_${process.pid}`
const AGGREGATE =
  'SELECT "_period", region, sum(appointments) AS appointments, count(*) AS practices FROM bench.activity GROUP BY 1, 2 ORDER BY 1, 2'

async function writeCsv(path, period, rows) {
  const out = createWriteStream(path)
  out.write('Practice Code,Practice Name,Region,Online Consultation Submissions,Appointments,DNA Rate\n')
  for (let i = 0; i < rows; i++) {
    const line = `P${String(i).padStart(6, '0')},Practice ${i % 7919} Medical Centre,Region ${i % 7},${(i * 13 + period) % 5000},${(i * 17 + period) % 9000},${((i % 1000) / 37).toFixed(3)}\n`
    if (!out.write(line)) await new Promise((r) => out.once('drain', r))
  }
  await new Promise((r) => out.end(r))
}

async function median(fn, runs = 7) {
  await fn()
  const times = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    await fn()
    times.push(performance.now() - start)
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]
}

const ms = (t) => `${t.toFixed(1).padStart(7)} ms`

async function timeReader(name, reader) {
  const code = 'bench__activity'
  const search = await median(() => reader.search('online consultation submissions'))
  const describe = await median(() => reader.describe(code))
  const aggregate = await median(() => reader.query({ sql: AGGREGATE }))
  const result = await reader.query({ sql: AGGREGATE })
  console.log(`${name.padEnd(24)} search ${ms(search)}  describe ${ms(describe)}  aggregate ${ms(aggregate)}`)
  return result.rows
}

async function timeClient(name, args) {
  const client = new Client({ name: 'bench', version: '1' })
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [
        new URL('../bin/datawarp.js', import.meta.url).pathname,
        'mcp',
        '--root',
        join(dir, 'project'),
        ...args,
      ],
      env: { ...process.env, DATABASE_URL: dbUrl },
      stderr: 'ignore',
    }),
  )
  try {
    await client.listTools()
    const call = (tool, args) => client.callTool({ name: tool, arguments: args })
    const search = await median(() => call('search_sources', { query: 'online consultation submissions' }))
    const describe = await median(() => call('describe_source', { source: 'bench__activity' }))
    const aggregate = await median(() => call('query', { sql: AGGREGATE }))
    console.log(
      `${name.padEnd(24)} search ${ms(search)}  describe ${ms(describe)}  aggregate ${ms(aggregate)}`,
    )
  } finally {
    await client.close()
  }
}

async function main() {
  const perPeriod = Math.ceil(ROWS / PERIODS)
  console.log(`Generating ${(perPeriod * PERIODS).toLocaleString('en-GB')} rows in ${PERIODS} periods …`)
  const root = join(dir, 'project')
  mkdirSync(join(root, 'config'), { recursive: true })
  const urls = []
  for (let p = 1; p <= PERIODS; p++) {
    const file = join(dir, `activity_2024_0${p}.csv`)
    await writeCsv(file, p, perPeriod)
    urls.push(`      - { period: 2024-0${p}, url: "${file}" }`)
  }
  writeFileSync(
    join(root, 'config', 'publications.yaml'),
    `settings:\n  contract: evolve\npublications:\n  bench:\n    name: Bench practice activity\n    urls:\n${urls.join('\n')}\n`,
  )
  const admin = new pg.Pool({ connectionString: ADMIN_URL })
  await admin.query(`CREATE DATABASE ${dbName}`)
  const pool = new pg.Pool({ connectionString: dbUrl })
  try {
    const run = spawnSync(
      process.execPath,
      [new URL('../bin/datawarp.js', import.meta.url).pathname, 'run'],
      {
        cwd: root,
        env: { ...process.env, DATABASE_URL: dbUrl },
        encoding: 'utf8',
      },
    )
    if (run.status !== 0) throw new Error(run.stdout + run.stderr)
    console.log(`Loaded and exported with datawarp run.\n`)

    const postgres = await openPostgresReader({ adminPool: pool, readerRole: role, root })
    const parquet = await openExportsReader(join(root, 'data', 'exports'), { root })
    await timeReader('reader, PostgreSQL', postgres)
    // Just loaded, the partitions have no statistics yet (autovacuum gathers them later): the planner then
    // guesses a sort. ANALYZE, as autovacuum would, and time again.
    await pool.query('ANALYZE bench.activity')
    const fromPg = await timeReader('… after ANALYZE', postgres)
    const fromParquet = await timeReader('reader, Parquet (DuckDB)', parquet)
    if (JSON.stringify(fromPg) !== JSON.stringify(fromParquet)) throw new Error('the backends disagree')
    await postgres.close()
    await parquet.close()

    await timeClient('MCP stdio, PostgreSQL', ['--reader-role', role])
    await timeClient('MCP stdio, Parquet', ['--exports', join(root, 'data', 'exports')])

    // The alternative: hyparquet reads the two columns, JavaScript groups and sums.
    const file = join(root, 'data', 'exports', 'bench__activity.parquet')
    const hyparquet = await median(async () => {
      const rows = await parquetReadObjects({
        file: await asyncBufferFromFile(file),
        columns: ['_period', 'region', 'appointments'],
      })
      const sums = new Map()
      for (const r of rows) {
        const key = `${r._period}|${r.region}`
        sums.set(key, (sums.get(key) ?? 0n) + BigInt(r.appointments ?? 0))
      }
      return sums
    }, 3)
    console.log(
      `${'aggregate by hyparquet'.padEnd(24)} ${ms(hyparquet)} (read 3 columns, group in JavaScript)`,
    )
    const client = await pool.connect()
    await dropReaderRole(client, role).finally(() => client.release())
  } finally {
    await pool.end()
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
    await admin.end()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
