// npm run bench: loads a generated 1M-row CSV publication and compares with psql \copy and DuckDB.
// Prints rows/s, the ratios and the peak RSS. BENCH_DATABASE_URL (default: the local PostgreSQL) names the
// server; a scratch database is created and dropped on it. BENCH_ROWS changes the size.
import { execFileSync, spawnSync } from 'node:child_process'
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import pg from 'pg'

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000)
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const dir = mkdtempSync(join(tmpdir(), 'datawarp-bench-'))
const csv = join(dir, 'bench.csv')
const dbName = `dw_bench_${process.pid}`
const dbUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${dbName}` }).toString()
const rate = (rows, ms) => Math.round(rows / (ms / 1000))
const fmt = (n) => n.toLocaleString('en-GB')

async function writeCsv() {
  const out = createWriteStream(csv)
  out.write(
    'Practice Code,Practice Name,Region,Month,Patients,Appointments,DNA Rate,Staff FTE,Status,Notes\n',
  )
  for (let i = 0; i < ROWS; i++) {
    const line = `P${String(i % 99999).padStart(5, '0')},Practice ${i % 7919} Medical Centre,Region ${i % 7},2024-${String((i % 12) + 1).padStart(2, '0')}-01,${(i * 31) % 20000},${(i * 17) % 9000},${((i % 1000) / 37).toFixed(3)},${((i % 400) / 9).toFixed(2)},${i % 11 ? 'Open' : 'Closed'},${i % 5 ? '' : 'Merged with another practice'}\n`
    if (!out.write(line)) await new Promise((r) => out.once('drain', r))
  }
  await new Promise((r) => out.end(r))
}

async function sql(url, text) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await client.query(text)
  } finally {
    await client.end()
  }
}

function timed(fn) {
  const start = performance.now()
  const result = fn()
  return { ms: performance.now() - start, result }
}

async function main() {
  console.log(`Generating ${fmt(ROWS)} rows × 10 columns …`)
  await writeCsv()
  await sql(ADMIN_URL, `CREATE DATABASE ${dbName}`)
  try {
    // 1. psql \copy into a plain table with the same column types DataWarp creates.
    await sql(
      dbUrl,
      `CREATE TABLE plain (practice_code text, practice_name text, region text, month date, patients bigint,
        appointments bigint, dna_rate numeric, staff_fte numeric, status text, notes text)`,
    )
    const copy = timed(() =>
      execFileSync('psql', [dbUrl, '-qc', `\\copy plain FROM '${csv}' WITH (FORMAT csv, HEADER true)`]),
    )
    console.log(
      `psql \\copy:            ${fmt(rate(ROWS, copy.ms))} rows/s (${(copy.ms / 1000).toFixed(2)} s)`,
    )

    // 2. DataWarp: the whole run (fetch, extract + profile pass, load pass with COPY, export) in a child process.
    const root = join(dir, 'project')
    mkdirSync(join(root, 'config'), { recursive: true })
    writeFileSync(
      join(root, 'config', 'publications.yaml'),
      `settings:\n  contract: evolve\npublications:\n  bench:\n    name: Bench\n    urls:\n      - { period: 2024-01, url: "${csv}" }\n`,
    )
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { runPipeline } from '${new URL('../build/pipeline/index.js', import.meta.url).pathname}'
         const s = await runPipeline({ configPath: 'config/publications.yaml', root: '.', databaseUrl: process.env.DB })
         console.log(JSON.stringify({ summary: s, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }))`,
      ],
      { cwd: root, env: { ...process.env, DB: dbUrl }, encoding: 'utf8', maxBuffer: 1 << 26 },
    )
    if (child.status !== 0) throw new Error(child.stderr)
    const { summary, maxRssMb } = JSON.parse(child.stdout.trim().split('\n').pop())
    if (summary.failed) throw new Error(JSON.stringify(summary, null, 2))
    const events = execFileSync('cat', [summary.eventLog], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const stage = (name) => events.find((e) => e.event === `${name}.end`)?.duration_ms ?? 0
    const load = stage('load')
    const profile = stage('profile')
    const exported = stage('export')
    console.log(`DataWarp load (COPY):   ${fmt(rate(ROWS, load))} rows/s (${(load / 1000).toFixed(2)} s)`)
    console.log(
      `DataWarp profile pass:  ${fmt(rate(ROWS, profile))} rows/s (${(profile / 1000).toFixed(2)} s)`,
    )
    console.log(
      `DataWarp whole run:     ${(summary.durationMs / 1000).toFixed(2)} s, peak RSS ${maxRssMb} MB`,
    )
    console.log(
      `DataWarp export:        ${fmt(rate(ROWS, exported))} rows/s (${(exported / 1000).toFixed(2)} s)`,
    )

    // 3. DuckDB writing the same rows to Parquet (read from the same CSV; DuckDB cannot reach PostgreSQL offline).
    const duck = await (await DuckDBInstance.create(':memory:')).connect()
    const parquet = join(dir, 'duckdb.parquet')
    const dstart = performance.now()
    await duck.run(`COPY (SELECT * FROM read_csv('${csv}', header = true)) TO '${parquet}' (FORMAT parquet)`)
    const dms = performance.now() - dstart
    console.log(`DuckDB CSV → Parquet:   ${fmt(rate(ROWS, dms))} rows/s (${(dms / 1000).toFixed(2)} s)`)

    console.log('')
    console.log(`load vs psql \\copy:     ${(copy.ms / load).toFixed(2)}× (target ≥ 0.70×)`)
    console.log(`export vs DuckDB:       ${(dms / exported).toFixed(2)}× (target ≥ 0.50×)`)
    console.log(`peak RSS:               ${maxRssMb} MB (target < 400 MB)`)
  } finally {
    await sql(ADMIN_URL, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
