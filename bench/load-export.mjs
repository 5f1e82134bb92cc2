// npm run bench (load and whole run): on two files — a generated 10-column CSV, and a real-shaped one made of the
// MHSDS monthly CSVs of ../shared/corpus/mhsds_monthly repeated (skipped, with a word, when the corpus is absent) —
// `datawarp run` (as `node bin/datawarp.js`, start-up included) against `psql \copy` of the same file into a
// table of text columns and DuckDB turning the file into Parquet, measured back to back, median of the repeats:
//   - load vs \copy: the first load of a publication, and the usual month (manifest in place: a forced reload);
//   - PostgreSQL alone: the same rows COPYed in binary from a file, the bound on the server's side, and the period
//     COPYed out again (the server's side of the export): with start-up, the floor of a whole run;
//   - the whole run vs (\copy + DuckDB CSV → Parquet), and the no-op rerun;
//   - peak RSS of a run on a file BENCH_BIG_ROWS long against one on the BENCH_ROWS-row file.
// Environment: BENCH_ROWS (default 1000000), BENCH_REPEATS (3), BENCH_BIG_ROWS (5 × BENCH_ROWS; 0 skips the
// memory check), BENCH_FILES (generated,mhsds), BENCH_DATABASE_URL (the local PostgreSQL). Scratch databases are
// created and dropped on that server. The machine's load moves absolute times; the ratios are what to read.
import { execFileSync, spawnSync } from 'node:child_process'
import {
  closeSync,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DuckDBInstance } from '@duckdb/node-api'
import { MHSDS_CORPUS, mhsdsCorpusFiles, writeMhsdsFile } from './mhsds-file.mjs'
import { scratchDatabase, sql } from './scratch-database.mjs'

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000)
const REPEATS = Math.max(0, Number(process.env.BENCH_REPEATS ?? 3))
const BIG_ROWS = Number(process.env.BENCH_BIG_ROWS ?? 5 * ROWS)
const FILES = (process.env.BENCH_FILES ?? 'generated,mhsds').split(',').map((f) => f.trim())
const CLI = fileURLToPath(new URL('../bin/datawarp.js', import.meta.url))
const RSS_PRELOAD = fileURLToPath(new URL('./rss-preload.mjs', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'datawarp-bench-'))
const fmt = (n) => n.toLocaleString('en-GB')
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
let databases = 0

/** The generated file: 10 columns of codes, names, ISO dates, integers, decimals and text. */
async function writeGeneratedFile(path, rows) {
  const out = createWriteStream(path)
  out.write(
    'Practice Code,Practice Name,Region,Month,Patients,Appointments,DNA Rate,Staff FTE,Status,Notes\n',
  )
  for (let i = 0; i < rows; i++) {
    const line = `P${String(i % 99999).padStart(5, '0')},Practice ${i % 7919} Medical Centre,Region ${i % 7},2024-${String((i % 12) + 1).padStart(2, '0')}-01,${(i * 31) % 20000},${(i * 17) % 9000},${((i % 1000) / 37).toFixed(3)},${((i % 400) / 9).toFixed(2)},${i % 11 ? 'Open' : 'Closed'},${i % 5 ? '' : 'Merged with another practice'}\n`
    if (!out.write(line)) await new Promise((r) => out.once('drain', r))
  }
  await new Promise((r) => out.end(r))
  return path
}

const BENCH_FILES = {
  generated: { title: 'generated (10 columns, ISO dates)', write: writeGeneratedFile },
  mhsds: {
    title: 'real-shaped (MHSDS 4-week waits from the corpus: 11 columns, dd/mm/yyyy, ~60% of values "*")',
    write: writeMhsdsFile,
    absent: () => (mhsdsCorpusFiles().length === 0 ? `no MHSDS corpus files in ${MHSDS_CORPUS}` : undefined),
  },
}

function timed(fn) {
  const start = performance.now()
  fn()
  return performance.now() - start
}

async function freshDatabase() {
  const db = scratchDatabase(`dw_bench_${process.pid}_${databases++}`)
  await db.create()
  return db
}

/** psql \copy of the file into a new table of text columns, one per header. */
async function psqlCopy(url, csv) {
  const fd = openSync(csv, 'r')
  const start = Buffer.alloc(4096)
  readSync(fd, start, 0, start.length, 0)
  closeSync(fd)
  const header = start.toString('utf8').split('\n')[0]
  const columns = header.split(',').map((_, i) => `c${i} text`)
  await sql(url, `DROP TABLE IF EXISTS plain; CREATE TABLE plain (${columns.join(', ')})`)
  return timed(() =>
    execFileSync('psql', [url, '-qc', `\\copy plain FROM '${csv}' WITH (FORMAT csv, HEADER true)`]),
  )
}

/** DuckDB's CSV → Parquet of the file; the first run of the instance warms it up and is not counted. */
async function duckdbToParquet(duck, csv, warm) {
  const to = join(dir, 'duckdb.parquet')
  const copy = `COPY (SELECT * FROM read_csv('${csv}', header = true)) TO '${to}' (FORMAT parquet)`
  if (!warm) await duck.run(copy)
  const start = performance.now()
  await duck.run(copy)
  return performance.now() - start
}

/**
 * The same rows COPYed in binary from a file into a new table, frozen, as the load does: PostgreSQL's side of
 * the load alone, without the file being read, checked and converted.
 */
function postgresAlone(url, table) {
  const bin = join(dir, 'rows.bin')
  execFileSync('psql', [url, '-qc', `\\copy (SELECT * FROM ${table}) TO '${bin}' (FORMAT binary)`])
  const ms = timed(() =>
    execFileSync('psql', [
      url,
      '-q',
      '-c',
      'BEGIN',
      '-c',
      `CREATE TABLE copied (LIKE ${table})`,
      '-c',
      `\\copy copied FROM '${bin}' (FORMAT binary, FREEZE)`,
      '-c',
      'ROLLBACK',
    ]),
  )
  rmSync(bin)
  return ms
}

/**
 * The period's rows COPYed out of the database as text into /dev/null: PostgreSQL's side of the export alone (reading
 * the rows and writing them out), which the export cannot beat however fast its Parquet encoding is.
 */
function postgresExportAlone(url, table) {
  return timed(() => execFileSync('psql', [url, '-qc', `\\copy (SELECT * FROM ${table}) TO '/dev/null'`]))
}

/** The project root as before any run: only the data file stays. */
function freshProject(root) {
  for (const d of ['config', 'data', 'manifests', 'tmp'])
    rmSync(join(root, d), { recursive: true, force: true })
}

/** A project whose one publication lists the file for the given periods. */
function writeProject(root, csv, periods) {
  mkdirSync(join(root, 'config'), { recursive: true })
  const urls = periods.map((p) => `      - { period: ${p}, url: "${csv}" }\n`).join('')
  writeFileSync(
    join(root, 'config', 'publications.yaml'),
    `settings:\n  contract: evolve\npublications:\n  bench:\n    name: Bench\n    urls:\n${urls}`,
  )
}

/** `node bin/datawarp.js run` in the project: wall time, peak RSS, and the run's events. */
function runDataWarp(root, url, options = []) {
  const rssFile = join(dir, 'rss')
  const start = performance.now()
  const child = spawnSync(
    process.execPath,
    ['--import', RSS_PRELOAD, CLI, 'run', '--database-url', url, '--json', ...options],
    { cwd: root, env: { ...process.env, BENCH_RSS_FILE: rssFile }, encoding: 'utf8', maxBuffer: 1 << 26 },
  )
  const wallMs = performance.now() - start
  if (child.status !== 0) throw new Error(`datawarp run failed:\n${child.stdout}\n${child.stderr}`)
  const summary = JSON.parse(child.stdout)
  const events = readFileSync(resolve(root, summary.eventLog), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  const rssMb = Math.round(Number(readFileSync(rssFile, 'utf8')) / 1024)
  return { wallMs, rssMb, events, summary }
}

/** The load stage of a period: the profile pass (when there was one) and the load, its wall and CPU time. */
function loadStage(events, period) {
  const of = (name, key = 'duration_ms') =>
    events
      .filter((e) => e.event === `${name}.end` && e.period === period)
      .reduce((ms, e) => ms + (e[key] ?? 0), 0)
  return {
    ms: of('profile') + of('load'),
    cpuMs: of('profile', 'cpu_ms') + of('load', 'cpu_ms'),
    onePass: events.some((e) => e.event === 'load.single_pass' && e.period === period),
  }
}

const stageOf = (events, name) =>
  events.filter((e) => e.event === `${name}.end`).reduce((ms, e) => ms + e.duration_ms, 0)

/** One round on one file, everything back to back: \copy, DuckDB, first load, usual month, no-op rerun. */
async function round(root, csv, duck, warm) {
  const db = await freshDatabase()
  try {
    const copyMs = await psqlCopy(db.url, csv)
    const duckMs = await duckdbToParquet(duck, csv, warm)
    freshProject(root)
    writeProject(root, '../data.csv', ['2024-01'])
    const first = runDataWarp(root, db.url)
    // The usual month: the manifest in place, the file read once. A forced reload of the same period rather than
    // a second period, so that the run's export too covers the one file the yardsticks read.
    const usual = runDataWarp(root, db.url, ['--force'])
    const noop = runDataWarp(root, db.url)
    const pgMs = postgresAlone(db.url, 'bench.data_p2024_01')
    const pgExportMs = postgresExportAlone(db.url, 'bench.data_p2024_01')
    const firstLoad = loadStage(first.events, '2024-01')
    const usualLoad = loadStage(usual.events, '2024-01')
    return {
      copyMs,
      duckMs,
      pgMs,
      pgExportMs,
      firstLoadMs: firstLoad.ms,
      firstOnePass: firstLoad.onePass,
      usualLoadMs: usualLoad.ms,
      usualCpuMs: usualLoad.cpuMs,
      // On two cores the load cannot beat the slower side, nor half their sum (they share the cores).
      usualBoundMs: Math.max(pgMs, usualLoad.cpuMs, (pgMs + usualLoad.cpuMs) / 2),
      usualOnePass: usualLoad.onePass,
      firstRunMs: first.wallMs,
      usualRunMs: usual.wallMs,
      usualExportMs: stageOf(usual.events, 'export'),
      noopMs: noop.wallMs,
      rssMb: first.rssMb,
    }
  } finally {
    await db.drop()
  }
}

/** Peak RSS of a first run on a file of `rows` rows, in its own database. */
async function peakRss(write, rows) {
  const root = join(dir, `rss-${rows}`)
  mkdirSync(root, { recursive: true })
  await write(join(root, 'data.csv'), rows)
  const db = await freshDatabase()
  try {
    writeProject(root, '../data.csv', ['2024-01'])
    return runDataWarp(root, db.url).rssMb
  } finally {
    await db.drop()
    rmSync(root, { recursive: true, force: true })
  }
}

async function benchFile(name, duck) {
  const spec = BENCH_FILES[name]
  if (!spec) throw new Error(`BENCH_FILES: unknown file "${name}" (generated, mhsds)`)
  console.log(`\n== ${spec.title}`)
  const absent = spec.absent?.()
  if (absent) {
    console.log(`   skipped: ${absent}`)
    return
  }
  // The project root holds the file: a run reads local files only from inside it.
  const root = join(dir, name)
  mkdirSync(root, { recursive: true })
  const csv = await spec.write(join(root, 'data.csv'), ROWS)
  console.log(`   ${fmt(ROWS)} rows, ${(statSync(csv).size / 1e6).toFixed(0)} MB; ${REPEATS} rounds`)
  const rounds = []
  for (let i = 0; i < REPEATS; i++) {
    const r = await round(root, csv, duck, i > 0)
    rounds.push(r)
    console.log(
      `   round ${i + 1}: \\copy ${secs(r.copyMs)}, DuckDB ${secs(r.duckMs)}, PostgreSQL alone ${secs(r.pgMs)} (export ${secs(r.pgExportMs)}), ` +
        `first load ${secs(r.firstLoadMs)}${r.firstOnePass ? ' (one pass)' : ' (profile + load)'}, ` +
        `usual month ${secs(r.usualLoadMs)}${r.usualOnePass ? ' (one pass)' : ' (profile + load)'}, ` +
        `runs ${secs(r.firstRunMs)} / ${secs(r.usualRunMs)} (export ${secs(r.usualExportMs)}), no-op ${secs(r.noopMs)}`,
    )
  }
  rmSync(root, { recursive: true, force: true })
  if (REPEATS > 0) report(rounds)
  if (BIG_ROWS > 0) {
    const small = await peakRss(spec.write, ROWS)
    const big = await peakRss(spec.write, BIG_ROWS)
    const grows = big / small
    console.log(
      `   peak RSS ${fmt(BIG_ROWS)} vs ${fmt(ROWS)} rows:   ${grows.toFixed(2)}× (${big} MB vs ${small} MB; target ≤ 1.2×: ${grows <= 1.2 ? 'met' : 'NOT met'})`,
    )
  }
}

/** The medians of the rounds and the ratios the targets are set on. */
function report(measured) {
  const rounds = measured.map((r) => ({ ...r, floorMs: r.noopMs + r.pgMs + r.pgExportMs }))
  const m = (key) => median(rounds.map((r) => r[key]))
  const ratio = (key, over) => median(rounds.map((r) => r[over] / r[key]))
  const runRatio = (key) => median(rounds.map((r) => r[key] / (r.copyMs + r.duckMs)))
  const verdict = (ok) => (ok ? 'met' : 'NOT met')
  const first = ratio('firstLoadMs', 'copyMs')
  const usual = ratio('usualLoadMs', 'copyMs')
  const bound = ratio('pgMs', 'copyMs')
  const firstRun = runRatio('firstRunMs')
  const usualRun = runRatio('usualRunMs')
  console.log(`   medians: \\copy ${secs(m('copyMs'))}, DuckDB CSV → Parquet ${secs(m('duckMs'))}`)
  console.log(
    `   load vs \\copy, first load:              ${first.toFixed(2)}× (${secs(m('firstLoadMs'))}; target ≥ 0.8×: ${verdict(first >= 0.8)})`,
  )
  console.log(
    `   load vs \\copy, usual month:             ${usual.toFixed(2)}× (${secs(m('usualLoadMs'))}; target ≥ 0.8×: ${verdict(usual >= 0.8)})`,
  )
  console.log(
    `   PostgreSQL alone vs \\copy:              ${bound.toFixed(2)}× (${secs(m('pgMs'))}: the server's side of the load, binary COPY of the same rows from a file; the load cannot beat it)`,
  )
  const cores = ratio('usualBoundMs', 'copyMs')
  console.log(
    `   two-core bound vs \\copy:                ${cores.toFixed(2)}× (${secs(m('usualBoundMs'))}: the slower of PostgreSQL alone and DataWarp's CPU in the usual month's load, ${secs(m('usualCpuMs'))}, or half their sum)`,
  )
  console.log(
    `   first run / (\\copy + DuckDB):           ${firstRun.toFixed(2)}× (${secs(m('firstRunMs'))}; target ≤ 2×: ${verdict(firstRun <= 2)})`,
  )
  console.log(
    `   run --force / (\\copy + DuckDB):         ${usualRun.toFixed(2)}× (${secs(m('usualRunMs'))}; export stage ${secs(m('usualExportMs'))}; target ≤ 2×: ${verdict(usualRun <= 2)})`,
  )
  console.log(
    `   no-op rerun:                            ${secs(m('noopMs'))} (target < 1.5 s: ${verdict(m('noopMs') < 1500)})`,
  )
  // What a run cannot go below: start-up (the no-op rerun), then PostgreSQL's side of the load and of the export.
  const floor = runRatio('floorMs')
  console.log(
    `   run's floor / (\\copy + DuckDB):         ${floor.toFixed(2)}× (${secs(m('floorMs'))}: no-op rerun + PostgreSQL alone + its side of the export, ${secs(m('pgExportMs'))}; a run cannot beat it)`,
  )
}

async function main() {
  console.log(
    `DataWarp load and run benchmark (${REPEATS} rounds, medians; load average ${execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ')})`,
  )
  const duck = await (await DuckDBInstance.create(':memory:')).connect()
  try {
    for (const name of FILES) await benchFile(name, duck)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
