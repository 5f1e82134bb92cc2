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

/** DuckDB's time for CSV → Parquet: the better of two runs, so its one-time start-up is not counted. */
async function duckdbToParquet(duck, from, to) {
  let best = Number.POSITIVE_INFINITY
  for (let run = 0; run < 2; run++) {
    const start = performance.now()
    await duck.run(`COPY (SELECT * FROM read_csv('${from}', header = true)) TO '${to}' (FORMAT parquet)`)
    best = Math.min(best, performance.now() - start)
  }
  return best
}

/** One datawarp run in a child process: its summary, peak RSS and events. */
function runDataWarp(root, dbUrl) {
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
  return { summary, maxRssMb, events }
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
    const config = `settings:\n  contract: evolve\npublications:\n  bench:\n    name: Bench\n    urls:\n      - { period: 2024-01, url: "${csv}" }\n`
    writeFileSync(join(root, 'config', 'publications.yaml'), config)
    const first = runDataWarp(root, dbUrl)
    const { summary, maxRssMb, events } = first
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

    // 3. DuckDB as the exporter of the same table. Its PostgreSQL extension cannot be installed offline, so the
    //    table goes out through PostgreSQL's COPY into a CSV file that DuckDB then turns into Parquet (the
    //    faster of the two routes measured: streaming COPY through a pipe into DuckDB took longer, because
    //    DuckDB reads a pipe on one thread). DuckDB on the original CSV, with no database at all, is shown too.
    const duck = await (await DuckDBInstance.create(':memory:')).connect()
    const exportedCsv = join(dir, 'exported.csv')
    const pgOut = timed(() =>
      execFileSync('psql', [
        dbUrl,
        '-qc',
        `\\copy (SELECT * FROM bench.bench ORDER BY _period) TO '${exportedCsv}' WITH (FORMAT csv, HEADER true)`,
      ]),
    )
    const fromPg = await duckdbToParquet(duck, exportedCsv, join(dir, 'from-pg.parquet'))
    const viaPg = pgOut.ms + fromPg
    const fromCsv = await duckdbToParquet(duck, csv, join(dir, 'from-csv.parquet'))
    console.log(
      `DuckDB from PostgreSQL: ${fmt(rate(ROWS, viaPg))} rows/s (${(viaPg / 1000).toFixed(2)} s: COPY out ${(pgOut.ms / 1000).toFixed(2)} s + Parquet ${(fromPg / 1000).toFixed(2)} s)`,
    )
    console.log(
      `DuckDB CSV → Parquet:   ${fmt(rate(ROWS, fromCsv))} rows/s (${(fromCsv / 1000).toFixed(2)} s, no database)`,
    )

    // 4. A second period with the canonical manifest in place: read once, profiled while copied.
    writeFileSync(
      join(root, 'config', 'publications.yaml'),
      `${config}      - { period: 2024-02, url: "${csv}" }\n`,
    )
    const again = runDataWarp(root, dbUrl)
    if (!again.events.some((e) => e.event === 'load.single_pass'))
      throw new Error('the reload was not one pass')
    const onePass =
      again.events.find((e) => e.event === 'load.end' && e.period === '2024-02')?.duration_ms ?? 0
    console.log(
      `DataWarp one-pass load: ${fmt(rate(ROWS, onePass))} rows/s (${(onePass / 1000).toFixed(2)} s, profile and COPY together)`,
    )

    console.log('')
    console.log(`load vs psql \\copy:     ${(copy.ms / load).toFixed(2)}× (target ≥ 0.70×)`)
    console.log(
      `one-pass vs psql \\copy: ${(copy.ms / onePass).toFixed(2)}× (a new period of a known publication: profile and load)`,
    )
    console.log(
      `export vs DuckDB:       ${(viaPg / exported).toFixed(2)}× (target ≥ 0.50×; DuckDB exporting the same table)`,
    )
    console.log(
      `export vs DuckDB (CSV): ${(fromCsv / exported).toFixed(2)}× (DuckDB reading the CSV file, no database)`,
    )
    console.log(`peak RSS:               ${maxRssMb} MB (target < 400 MB)`)
  } finally {
    await sql(ADMIN_URL, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
