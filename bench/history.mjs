// node bench/history.mjs (after npm run build): whether loading one new period costs the same whatever history the
// source holds. Three projects, each on its own scratch database, load the same new 100k-row period end to end
// (a `datawarp run` in a child process: fetch, load, export, catalog, state), back to back:
//   - empty:   the source holds nothing yet (its first load: the manifest is drafted, the table created);
//   - one:     the source holds 1 period, its canonical manifest in place (the usual month);
//   - history: the source holds 36 periods (3.6M rows), its canonical manifest in place.
// Every period's URL stays in the config, as in a real one: each run checks them all for a republication. The files
// are served over HTTP with an ETag, as NHS England's are, so an unchanged period costs a conditional request
// answered 304; BENCH_FILES=local lists them as local files instead, which each run reads again and hashes (the
// fetch stage then grows with the periods listed). The stage times of each run are printed, so what grows shows.
// Prints the wall times, the export stage of each, the ratios (target: history ≤ 1.5× empty), and what rewriting
// the whole source costs (`datawarp export`, what every such run paid when a source was one Parquet file).
// BENCH_DATABASE_URL (default: the local PostgreSQL) names the server; BENCH_PERIOD_ROWS (100,000),
// BENCH_HISTORY (36) and BENCH_REPEATS (2: new periods loaded in turn) change the sizes.
import { execFileSync, spawn } from 'node:child_process'
import {
  createReadStream,
  createWriteStream,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { scratchDatabase } from './scratch-database.mjs'

const PERIOD_ROWS = Number(process.env.BENCH_PERIOD_ROWS ?? 100_000)
const HISTORY = Number(process.env.BENCH_HISTORY ?? 36)
const REPEATS = Number(process.env.BENCH_REPEATS ?? 2)
const BUILD = new URL('../build/pipeline/index.js', import.meta.url).pathname
const CLI = new URL('../bin/datawarp.js', import.meta.url).pathname
const LOCAL = process.env.BENCH_FILES === 'local'
const dir = mkdtempSync(join(tmpdir(), 'datawarp-bench-history-'))
const fmt = (n) => n.toLocaleString('en-GB')
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`

/** `2020-01` plus `i` months. */
function periodAt(i) {
  const month = (i % 12) + 1
  return `${2020 + Math.floor(i / 12)}-${String(month).padStart(2, '0')}`
}

/** One period's CSV: the shape of bench/load-export.mjs, its month column in the period. */
async function writePeriodCsv(period) {
  const path = join(dir, 'files', `${period}.csv`)
  if (existsSync(path)) return path
  const out = createWriteStream(path)
  out.write(
    'Practice Code,Practice Name,Region,Month,Patients,Appointments,DNA Rate,Staff FTE,Status,Notes\n',
  )
  const salt = Number(period.replace('-', ''))
  for (let i = 0; i < PERIOD_ROWS; i++) {
    const j = i + salt
    const line = `P${String(i % 99999).padStart(5, '0')},Practice ${i % 7919} Medical Centre,Region ${i % 7},${period}-01,${(j * 31) % 20000},${(j * 17) % 9000},${((j % 1000) / 37).toFixed(3)},${((i % 400) / 9).toFixed(2)},${i % 11 ? 'Open' : 'Closed'},${i % 5 ? '' : 'Merged with another practice'}\n`
    if (!out.write(line)) await new Promise((r) => out.once('drain', r))
  }
  await new Promise((r) => out.end(r))
  return path
}

/** The period files over HTTP with an ETag and Last-Modified, answering 304 to a conditional request. */
const server = {
  url: '',
  http: createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://x').pathname.slice(1)
    const path = join(dir, 'files', name)
    if (!/^[0-9]{4}-[0-9]{2}\.csv$/.test(name) || !existsSync(path)) {
      res.writeHead(404).end()
      return
    }
    const stat = statSync(path)
    const etag = `"${stat.size}-${Math.round(stat.mtimeMs)}"`
    const headers = { etag, 'last-modified': stat.mtime.toUTCString() }
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers).end()
      return
    }
    res.writeHead(200, { ...headers, 'content-length': stat.size, 'content-type': 'text/csv' })
    createReadStream(path).pipe(res)
  }),
  async start() {
    await new Promise((resolve) => this.http.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${this.http.address().port}`
  },
}

class Project {
  constructor(name) {
    this.name = name
    this.root = join(dir, name)
    this.db = scratchDatabase(`dw_bench_history_${name}_${process.pid}`)
    this.url = this.db.url
    this.periods = []
    mkdirSync(join(this.root, 'config'), { recursive: true })
  }

  async create() {
    await this.db.create()
  }

  async drop() {
    await this.db.drop()
  }

  /**
   * Adds periods to the config: served over HTTP (the default, as NHS England's files are), or with BENCH_FILES=local
   * as hard links inside the project (local files are read only from inside it).
   */
  async add(periods) {
    mkdirSync(join(this.root, 'files'), { recursive: true })
    for (const period of periods) {
      const file = await writePeriodCsv(period)
      let url = `${server.url}/${period}.csv`
      if (LOCAL) {
        url = join(this.root, 'files', `${period}.csv`)
        if (!existsSync(url)) linkSync(file, url)
      }
      this.periods.push({ period, url })
    }
    const urls = this.periods.map((p) => `      - { period: ${p.period}, url: "${p.url}" }`).join('\n')
    writeFileSync(
      join(this.root, 'config', 'publications.yaml'),
      `settings:\n  contract: evolve\npublications:\n  bench:\n    name: Bench\n    urls:\n${urls}\n`,
    )
  }

  /** One `datawarp run` in a child process, timed from spawn to exit (start-up included). */
  run() {
    return this.child(
      `const s = await runPipeline({ configPath: 'config/publications.yaml', root: '.', databaseUrl: process.env.DB })
       console.log(JSON.stringify(s))`,
    )
  }

  /** `datawarp export`: every file of every source rewritten. */
  exportAll() {
    const start = performance.now()
    const out = execFileSync(process.execPath, [CLI, 'export', '--json'], {
      cwd: this.root,
      env: { ...process.env, DATABASE_URL: this.url },
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    })
    const result = JSON.parse(out)
    return {
      wallMs: performance.now() - start,
      durationMs: result.durationMs,
      written: result.sources.flatMap((s) => s.written).length,
    }
  }

  /** A child process (asynchronous, so this process keeps serving the files meanwhile). */
  async child(code) {
    const start = performance.now()
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', `import { runPipeline } from '${BUILD}'\n${code}`],
      { cwd: this.root, env: { ...process.env, DB: this.url } },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    const status = await new Promise((resolve) => child.on('close', resolve))
    const wallMs = performance.now() - start
    if (status !== 0) throw new Error(`${this.name}: ${stderr}`)
    const result = JSON.parse(stdout.trim().split('\n').pop())
    if (result.failed) throw new Error(`${this.name}: ${JSON.stringify(result, null, 2)}`)
    return { wallMs, result }
  }

  /** The Parquet files of the project's sources modified since `since` (ms since the epoch), and all of them. */
  filesWritten(since) {
    const exports = join(this.root, 'data', 'exports', 'bench')
    let written = 0
    let all = 0
    for (const source of existsSync(exports) ? readdirSync(exports) : []) {
      for (const name of readdirSync(join(exports, source))) {
        if (!name.endsWith('.parquet')) continue
        all++
        if (statSync(join(exports, source, name)).mtimeMs >= since) written++
      }
    }
    return { written, all }
  }

  /** The time of each stage in the run's event log (summed over its periods and URLs), in ms. */
  stages(summary) {
    const events = execFileSync('cat', [summary.eventLog], { encoding: 'utf8' }).trim().split('\n')
    const ms = { fetch: 0, extract: 0, load: 0, export: 0 }
    for (const e of events.map((l) => JSON.parse(l))) {
      const stage = e.event.replace(/\.end$/, '')
      if (e.event.endsWith('.end') && stage in ms) ms[stage] += e.duration_ms ?? 0
    }
    return ms
  }
}

async function main() {
  if (!existsSync(BUILD)) throw new Error('build/ is missing: run `npm run build` first')
  mkdirSync(join(dir, 'files'))
  if (!LOCAL) await server.start()
  console.log(
    `Generating ${HISTORY + REPEATS} periods of ${fmt(PERIOD_ROWS)} rows × 10 columns (one CSV per period) …`,
  )
  const history = Array.from({ length: HISTORY }, (_, i) => periodAt(i))
  const fresh = Array.from({ length: REPEATS }, (_, i) => periodAt(HISTORY + i))
  for (const period of [...history, ...fresh]) await writePeriodCsv(period)

  const projects = { one: new Project('one'), history: new Project('history') }
  const empties = fresh.map((_, i) => new Project(`empty${i}`))
  try {
    for (const p of [...Object.values(projects), ...empties]) await p.create()
    await projects.one.add(history.slice(0, 1))
    await projects.one.run()
    console.log(`Loading the history: ${HISTORY} periods, ${fmt(HISTORY * PERIOD_ROWS)} rows …`)
    await projects.history.add(history)
    const built = await projects.history.run()
    console.log(`  (${seconds(built.wallMs)})`)

    // Back to back, each new period into each project: empty, one, history.
    const times = { empty: [], one: [], history: [] }
    const exportTimes = { empty: [], one: [], history: [] }
    const files = {}
    const stageTimes = {}
    for (const [i, period] of fresh.entries()) {
      const rounds = [
        ['empty', empties[i]],
        ['one', projects.one],
        ['history', projects.history],
      ]
      for (const [name, project] of rounds) {
        await project.add([period])
        const since = Date.now() - 1
        const { wallMs, result } = await project.run()
        times[name].push(wallMs)
        const stages = project.stages(result)
        exportTimes[name].push(stages.export)
        stageTimes[name] = stages
        files[name] = project.filesWritten(since)
      }
      const breakdown = (ms) =>
        `fetch ${ms.fetch}, extract ${ms.extract}, load ${ms.load}, export ${ms.export} ms`
      for (const name of ['empty', 'one', 'history'])
        console.log(`  ${name.padEnd(7)} ${breakdown(stageTimes[name])}`)
      console.log(
        `new period ${period}: empty ${seconds(times.empty.at(-1))}, 1 period ${seconds(times.one.at(-1))}, ${HISTORY} periods ${seconds(times.history.at(-1))} (export ${exportTimes.empty.at(-1)} / ${exportTimes.one.at(-1)} / ${exportTimes.history.at(-1)} ms; Parquet files written ${files.empty.written} of ${files.empty.all} / ${files.one.written} of ${files.one.all} / ${files.history.written} of ${files.history.all})`,
      )
    }
    const best = (xs) => Math.min(...xs)
    const full = projects.history.exportAll()

    console.log('')
    console.log(
      `run, new period into ${HISTORY} periods vs into an empty source:  ${(best(times.history) / best(times.empty)).toFixed(2)}× (target ≤ 1.5×; best of ${REPEATS})`,
    )
    console.log(
      `run, new period into ${HISTORY} periods vs into 1 period:         ${(best(times.history) / best(times.one)).toFixed(2)}× (the same path: manifest in place, one pass)`,
    )
    console.log(
      `export stage, ${HISTORY} periods vs 1 period:                      ${best(exportTimes.history)} ms vs ${best(exportTimes.one)} ms (one period file written in both)`,
    )
    console.log(
      `rewriting all ${HISTORY + REPEATS} periods (datawarp export):                ${seconds(full.durationMs)}, ${full.written} files: what every run paid when a source was one file`,
    )
  } finally {
    for (const p of [...Object.values(projects), ...empties]) await p.drop()
    server.http.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
