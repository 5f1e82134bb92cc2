import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ConfigError, formatProblem, loadConfig } from '../config/index.js'
import { exportAll } from '../export/index.js'
import { ensureLedger, ledgerStatus, openDatabase } from '../load/index.js'
import { readCanonicalManifest } from '../manifest/index.js'
import { projectPaths, runPipeline } from '../pipeline/index.js'
import { formatSummary } from './summary.js'

const HELP = `datawarp — turns published statistics into a reviewed PostgreSQL database

Usage: datawarp <command> [options]

Commands:
  run        fetch, extract, load every new (publication, period); export Parquet and the catalog
  status     the load ledger: each (publication, period), its latest load and rows
  export     rebuild data/exports/*.parquet and catalog.parquet from the database alone
  validate   check config/publications.yaml and the canonical manifests it names

Options:
  --config <file>        publications config (default: config/publications.yaml)
  --root <dir>           project root holding data/, tmp/ and manifests/ (default: current directory)
  --database-url <url>   PostgreSQL to use (default: $DATABASE_URL, else an embedded server in data/db/)
  --pub <code>           only this publication (repeatable)          [run]
  --period <period>      only this period, e.g. 2025-11 (repeatable) [run]
  --force                reload periods even when unchanged          [run]
  --dry-run              fetch and compare, but write nothing        [run]
  --json                 machine-readable output                     [run, status, validate]
  -h, --help             this help

Exit codes: 0 success, 1 something failed (the summary says what), 2 bad usage or unreadable config.
`

interface Options {
  config: string
  root: string
  'database-url'?: string
  pub?: string[]
  period?: string[]
  force: boolean
  'dry-run': boolean
  json: boolean
  help: boolean
}

function parse(argv: string[]): { command?: string; options: Options } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', default: 'config/publications.yaml' },
      root: { type: 'string', default: '.' },
      'database-url': { type: 'string' },
      pub: { type: 'string', multiple: true },
      period: { type: 'string', multiple: true },
      force: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  return { command: positionals[0], options: values as Options }
}

function progress():
  | ((publication: string, period: string, source: string, rows: number) => void)
  | undefined {
  if (!process.stderr.isTTY) return undefined
  let last = 0
  return (publication, period, source, rows) => {
    const now = Date.now()
    if (now - last < 200) return
    last = now
    process.stderr.write(`\r\x1b[K${publication} ${period} ${source}: ${rows.toLocaleString('en-GB')} rows`)
  }
}

async function run(options: Options): Promise<number> {
  const onRows = progress()
  const summary = await runPipeline({
    configPath: resolve(options.config),
    root: resolve(options.root),
    databaseUrl: options['database-url'] ?? process.env.DATABASE_URL,
    publications: options.pub,
    periods: options.period,
    force: options.force,
    dryRun: options['dry-run'],
    onRows,
    onEvent: process.stderr.isTTY
      ? (e) => {
          if (e.event === 'fetch.start' || e.event === 'load.start')
            process.stderr.write(`\r\x1b[K${e.publication} ${e.period}: ${String(e.event).split('.')[0]}…`)
        }
      : undefined,
  })
  if (onRows) process.stderr.write('\r\x1b[K')
  process.stdout.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`)
  if (summary.errorStage === 'config') return 2
  return summary.failed ? 1 : 0
}

async function withDatabase<T>(
  options: Options,
  work: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>,
) {
  const db = await openDatabase({
    databaseUrl: options['database-url'] ?? process.env.DATABASE_URL,
    dataDir: projectPaths(options.root).data,
  })
  try {
    const client = await db.pool.connect()
    try {
      await ensureLedger(client)
    } finally {
      client.release()
    }
    return await work(db)
  } finally {
    await db.close()
  }
}

async function status(options: Options): Promise<number> {
  const ledger = await withDatabase(options, (db) => ledgerStatus(db.pool))
  if (options.json) {
    process.stdout.write(`${JSON.stringify(ledger, null, 2)}\n`)
    return 0
  }
  if (ledger.length === 0) process.stdout.write('Nothing loaded yet.\n')
  for (const e of ledger) {
    const rows =
      e.status === 'loaded' ? `${(e.rows ?? 0).toLocaleString('en-GB')} rows` : `failed: ${e.error}`
    process.stdout.write(
      `${e.publication.padEnd(28)} ${e.period.padEnd(10)} ${e.status.padEnd(7)} ${e.finishedAt}  ${rows}\n`,
    )
  }
  return 0
}

async function exportCommand(options: Options): Promise<number> {
  const result = await withDatabase(options, (db) => exportAll(db.pool, projectPaths(options.root).exports))
  for (const s of result.sources)
    process.stdout.write(`${s.sourceCode.padEnd(48)} ${s.rows.toLocaleString('en-GB')} rows → ${s.path}\n`)
  for (const r of result.removed) process.stdout.write(`removed stale ${r}\n`)
  process.stdout.write(`catalog: ${result.catalogPath}\n`)
  return 0
}

function validate(options: Options): number {
  const config = loadConfig(resolve(options.config))
  const problems = config.problems.map(formatProblem)
  for (const publication of config.publications) {
    try {
      readCanonicalManifest(resolve(options.root, publication.canonicalManifest))
    } catch (error) {
      problems.push(`${publication.code}: ${(error as Error).message}`)
    }
  }
  if (options.json)
    process.stdout.write(`${JSON.stringify({ valid: problems.length === 0, problems }, null, 2)}\n`)
  else if (problems.length === 0)
    process.stdout.write(`${config.file}: ${config.publications.length} publications, valid\n`)
  else process.stdout.write(`${problems.join('\n')}\n`)
  return problems.length === 0 ? 0 : 1
}

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${HELP}`)
    return 2
  }
  const { command, options } = parsed
  if (options.help || !command) {
    process.stdout.write(HELP)
    return command || options.help ? 0 : 2
  }
  try {
    switch (command) {
      case 'run':
        return await run(options)
      case 'status':
        return await status(options)
      case 'export':
        return await exportCommand(options)
      case 'validate':
        return validate(options)
      default:
        process.stderr.write(`unknown command "${command}"\n\n${HELP}`)
        return 2
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`)
      return 2
    }
    process.stderr.write(`datawarp ${command}: ${(error as Error).message}\n`)
    return 1
  }
}
