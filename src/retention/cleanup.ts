import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import type pg from 'pg'
import { exportFolderFiles, exportRunning } from '../export/index.js'
import type { Settings } from '../model/config.js'
import { type ProjectPaths, projectPaths } from '../model/layout.js'
import { appendToArchive, type EventLogFile, listEventLogs } from './log-archive.js'
import { bytesUnder, newestChange } from './sizes.js'

/** A run folder or export modified this recently may belong to work in progress: it is never deleted. */
export const ACTIVE_HOURS = 24
const HOUR = 3_600_000
const DAY = 24 * HOUR

export interface CleanupOptions {
  /** The project root holding data/ and tmp/. */
  readonly root: string
  /** settings.retention of the config: the one place retention is set. */
  readonly retention: Pick<Settings['retention'], 'logs_days'>
  /** The ledger, when a database is reachable: it says which runs are still running. */
  readonly pool?: pg.Pool
  /** Show what would be done; touch nothing. */
  readonly dryRun?: boolean
  readonly now?: Date
  /** Runs whose folders stay whatever else says (the run that calls cleanup). */
  readonly keepRuns?: readonly string[]
}

export interface CleanupAction {
  /** Relative to the root. */
  readonly path: string
  readonly bytes: number
  readonly reason: string
}

export interface CleanupReport {
  readonly root: string
  readonly dryRun: boolean
  readonly logsDays: number
  /** Whether the ledger was read (else run folders were judged by event logs and age). */
  readonly ledger: boolean
  readonly archived: readonly (CleanupAction & { archive: string })[]
  readonly deleted: readonly CleanupAction[]
  readonly kept: readonly CleanupAction[]
  /** Bytes per folder before and after (after as it would be, in a dry run). */
  readonly folders: readonly { path: string; before: number; after: number }[]
  readonly notes: readonly string[]
}

interface RunRecord {
  readonly status: 'running' | 'succeeded' | 'failed' | 'abandoned'
  readonly startedAt?: Date
}

/** The ledger's record of these runs; empty when there is no ledger yet. */
async function ledgerRuns(pool: pg.Pool, ids: readonly string[]): Promise<Map<string, RunRecord>> {
  const runs = new Map<string, RunRecord>()
  const exists = await pool.query<{ runs: string | null }>(
    `SELECT to_regclass('datawarp.runs')::text AS runs`,
  )
  if (!exists.rows[0]?.runs || ids.length === 0) return runs
  const { rows } = await pool.query<{ run_id: string; status: RunRecord['status']; started_at: Date }>(
    'SELECT run_id, status, started_at FROM datawarp.runs WHERE run_id = ANY($1::text[])',
    [ids],
  )
  for (const r of rows) runs.set(r.run_id, { status: r.status, startedAt: r.started_at })
  return runs
}

/** How a run ended, from the run.end line of its event log; undefined when it has none. */
function endedInLog(logs: readonly EventLogFile[], runId: string): RunRecord | undefined {
  const log = logs.find((l) => l.runId === runId)
  if (!log) return undefined
  const lines = readFileSync(log.path, 'utf8').trimEnd().split('\n')
  // run.end is near the end, but lines may follow it (the cleanup that ends a run logs after it).
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i]!.includes('"run.end"')) continue
    try {
      const line = JSON.parse(lines[i]!) as { event?: string; failed?: boolean }
      if (line.event === 'run.end') return { status: line.failed ? 'failed' : 'succeeded' }
    } catch {}
  }
  return undefined
}

/** A run id starts with its UTC start: 20261127T051500Z-3f9a. */
function startOfRunId(runId: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(runId)
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : undefined
}

const days = (ms: number) => Math.floor(ms / DAY)
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/**
 * The retention policy of the design note, in one pass over the project:
 *   - event logs older than retention.logs_days go into data/archive/logs/<YYYY-MM>.jsonl.gz, then are deleted,
 *     with their empty daily folders;
 *   - tmp/manifests/<run_id>/ of finished runs is deleted (a failed run's folder stays as long as its log, for
 *     inspection); a run still in progress is never touched: the ledger says so when a database is reachable,
 *     else its event log, else a folder modified in the last 24 hours is kept;
 *   - Parquet exports not listed in data/exports/catalog.parquet are deleted (latest only): files of the top folder
 *     and of the source folders `<publication>/<source_key>/` (export-layout.ts).
 * Returns what was archived, deleted and kept, with the bytes per folder before and after.
 */
export async function cleanupProject(options: CleanupOptions): Promise<CleanupReport> {
  const paths = projectPaths(options.root)
  const now = (options.now ?? new Date()).getTime()
  const dryRun = options.dryRun ?? false
  const logsDays = options.retention.logs_days
  const rel = (p: string) => relative(paths.root, p).split(sep).join('/')
  const archived: (CleanupAction & { archive: string })[] = []
  const deleted: CleanupAction[] = []
  const kept: CleanupAction[] = []
  const notes: string[] = []
  const measured = measuredFolders(paths)
  const before = new Map(measured.map((f) => [f, bytesUnder(join(paths.root, f))]))
  const change = new Map<string, number>()
  /** A delta of bytes at a path, for the dry run's "after". */
  const account = (path: string, bytes: number) => {
    const r = rel(path)
    for (const f of measured)
      if (r === f || r.startsWith(`${f}/`)) change.set(f, (change.get(f) ?? 0) + bytes)
  }
  const remove = (path: string, bytes: number, reason: string) => {
    deleted.push({ path: rel(path), bytes, reason })
    account(path, -bytes)
    if (!dryRun) rmSync(path, { recursive: true, force: true })
  }

  const eventsDir = paths.events
  const { logs, otherFolders } = listEventLogs(eventsDir)
  for (const f of otherFolders) notes.push(`${rel(f)}: not a daily folder (YYYY-MM-DD), left alone`)

  // Run folders first: the event logs (read to see how a run ended) are archived after.
  const workRoot = paths.workRoot
  const entries = existsSync(workRoot) ? readdirSync(workRoot).sort() : []
  let runs = new Map<string, RunRecord>()
  const ledger = options.pool !== undefined
  if (options.pool) runs = await ledgerRuns(options.pool, entries)
  else
    notes.push(
      `no database reachable: run folders are judged by their event log, else kept when modified in the last ${ACTIVE_HOURS} hours`,
    )
  const active = new Set<string>(options.keepRuns ?? [])
  for (const name of entries) {
    const path = join(workRoot, name)
    const bytes = bytesUnder(path)
    const keep = (reason: string) => kept.push({ path: rel(path), bytes, reason })
    if (options.keepRuns?.includes(name)) {
      keep('the current run')
      continue
    }
    const record = runs.get(name) ?? endedInLog(logs, name)
    const started = record?.startedAt ?? startOfRunId(name)
    const age = started ? now - started.getTime() : now - newestChange(path)
    if (record?.status === 'running') {
      if (age > logsDays * DAY) {
        remove(
          path,
          bytes,
          `the ledger still says running, but the run started ${days(age)} days ago (more than retention.logs_days): a killed run`,
        )
      } else {
        active.add(name)
        keep('in progress: the ledger says running')
      }
    } else if (record?.status === 'succeeded') remove(path, bytes, 'run succeeded')
    else if (record?.status === 'failed' || record?.status === 'abandoned') {
      const ended = record.status === 'failed' ? 'failed' : 'was abandoned (killed)'
      if (age > logsDays * DAY)
        remove(path, bytes, `run ${ended} ${days(age)} days ago (kept as long as its log)`)
      else keep(`run ${ended} ${days(age)} days ago: kept for inspection as long as its event log`)
    } else {
      const idle = now - newestChange(path)
      if (idle < ACTIVE_HOURS * HOUR) {
        active.add(name)
        keep(
          `no ${ledger ? 'ledger entry or ' : ''}run.end event, and modified ${Math.floor(idle / HOUR)} h ago: may still be running`,
        )
      } else
        remove(
          path,
          bytes,
          `no ${ledger ? 'ledger entry or ' : ''}run.end event, and untouched for ${days(idle)} days`,
        )
    }
  }

  // Event logs older than logs_days: a monthly archive, then deleted.
  const cutoff = new Date(now - logsDays * DAY).toISOString().slice(0, 10)
  const byMonth = new Map<string, EventLogFile[]>()
  for (const log of logs) {
    if (log.date >= cutoff) continue
    if (active.has(log.runId) || now - log.mtimeMs < ACTIVE_HOURS * HOUR) {
      kept.push({
        path: rel(log.path),
        bytes: log.bytes,
        reason: 'older than retention.logs_days, but its run may still be running',
      })
      continue
    }
    const month = log.date.slice(0, 7)
    byMonth.set(month, [...(byMonth.get(month) ?? []), log])
  }
  const archiveDir = paths.logArchive
  for (const [month, monthLogs] of [...byMonth].sort(([a], [b]) => a.localeCompare(b))) {
    const archivePath = join(archiveDir, `${month}.jsonl.gz`)
    const result = appendToArchive(archivePath, monthLogs, dryRun)
    account(archivePath, result.bytesAfter - result.bytesBefore)
    for (const log of monthLogs)
      archived.push({
        path: rel(log.path),
        bytes: log.bytes,
        archive: rel(archivePath),
        reason: result.alreadyArchived.includes(log)
          ? 'already in the archive'
          : `older than ${plural(logsDays, 'day')}`,
      })
    for (const log of monthLogs) {
      account(log.path, -log.bytes)
      if (!dryRun) rmSync(log.path, { force: true })
    }
  }
  // Empty daily folders go (in a dry run, the logs to archive count as gone).
  const gone = new Set([...byMonth.values()].flat().map((l) => l.path))
  if (existsSync(eventsDir)) {
    for (const day of readdirSync(eventsDir, { withFileTypes: true })) {
      if (!day.isDirectory() || !/^\d{4}-\d{2}-\d{2}$/.test(day.name)) continue
      const dir = join(eventsDir, day.name)
      if (readdirSync(dir).some((name) => !gone.has(join(dir, name)))) continue
      deleted.push({ path: `${rel(dir)}/`, bytes: 0, reason: 'empty daily folder' })
      if (!dryRun) rmdirSync(dir)
    }
  }

  // Parquet exports: the files the catalog lists, and nothing else.
  // A .tmp no running export writes (none holds the export lock) is a killed export's leftover.
  const noExportRunning = options.pool ? !(await exportRunning(options.pool).catch(() => true)) : false
  await cleanExports(paths.exports, now, { rel, remove, kept, notes, noExportRunning })

  const folders = measured.map((f) => ({
    path: f,
    before: before.get(f)!,
    after: dryRun ? before.get(f)! + (change.get(f) ?? 0) : bytesUnder(join(paths.root, f)),
  }))
  return { root: paths.root, dryRun, logsDays, ledger, archived, deleted, kept, folders, notes }
}

/** data/ and each folder in it, tmp/ and tmp/manifests: what `du -sh` would be asked about (relative to the root). */
function measuredFolders(paths: ProjectPaths): string[] {
  const rel = (p: string) => relative(paths.root, p).split(sep).join('/')
  const data = rel(paths.data)
  const inData = new Set([rel(dirname(paths.logArchive))])
  if (existsSync(paths.data))
    for (const entry of readdirSync(paths.data, { withFileTypes: true }))
      if (entry.isDirectory()) inData.add(`${data}/${entry.name}`)
  return [data, ...[...inData].sort(), rel(paths.tmp), rel(paths.workRoot)]
}

const CATALOG = 'catalog.parquet'

async function cleanExports(
  exportsDir: string,
  now: number,
  ctx: {
    rel: (p: string) => string
    remove: (path: string, bytes: number, reason: string) => void
    kept: CleanupAction[]
    notes: string[]
    noExportRunning: boolean
  },
): Promise<void> {
  if (!existsSync(exportsDir)) return
  const catalogPath = join(exportsDir, CATALOG)
  if (!existsSync(catalogPath)) {
    ctx.notes.push(`${ctx.rel(catalogPath)} is missing: exports left as they are (datawarp export writes it)`)
    return
  }
  const listed = await catalogFiles(catalogPath)
  if ('problem' in listed) {
    ctx.notes.push(`${ctx.rel(catalogPath)}: ${listed.problem}: exports left as they are`)
    return
  }
  for (const { path, relativePath, name } of exportFolderFiles(exportsDir)) {
    // The Parquet files (and `.tmp` leftovers) an export may have written; nothing else is touched.
    if (!EXPORT_FILE.test(name) || name === CATALOG || listed.files.has(relativePath)) continue
    const stat = statSync(path)
    if (ctx.noExportRunning && name.includes('.parquet.tmp')) {
      ctx.remove(path, stat.size, 'leftover of a killed export: no export is running')
      continue
    }
    if (now - stat.mtimeMs < ACTIVE_HOURS * HOUR) {
      ctx.kept.push({
        path: ctx.rel(path),
        bytes: stat.size,
        reason: `not in ${CATALOG}, but modified in the last ${ACTIVE_HOURS} hours: may belong to an export in progress`,
      })
      continue
    }
    ctx.remove(path, stat.size, `not in ${CATALOG} (exports: latest only)`)
  }
}

/** The Parquet files an export writes, and the `.tmp` leftovers of one killed. */
const EXPORT_FILE = /\.parquet(\.tmp(-\d+)?)?$/

/**
 * The files catalog.parquet lists, relative to the exports folder, read with hyparquet: each source's
 * `parquet_files`, and its `parquet_path` (for a catalog of the single-file layout before, that is its file).
 */
async function catalogFiles(path: string): Promise<{ files: Set<string> } | { problem: string }> {
  let hyparquet: typeof import('hyparquet')
  try {
    hyparquet = await import('hyparquet')
  } catch {
    return { problem: 'hyparquet, which reads it, is not installed (npm install hyparquet)' }
  }
  try {
    const file = await hyparquet.asyncBufferFromFile(path)
    const metadata = await hyparquet.parquetMetadataAsync(file)
    const names = metadata.schema.map((e) => e.name)
    if (!names.includes('parquet_path')) return { problem: 'not a catalog of ours (no parquet_path column)' }
    const columns = names.includes('parquet_files') ? ['parquet_path', 'parquet_files'] : ['parquet_path']
    const rows = (await hyparquet.parquetReadObjects({ file, metadata, columns })) as {
      parquet_path: unknown
      parquet_files?: unknown
    }[]
    const files = new Set<string>()
    for (const row of rows) {
      files.add(String(row.parquet_path))
      if (typeof row.parquet_files !== 'string') continue
      const listed: unknown = JSON.parse(row.parquet_files)
      if (!Array.isArray(listed)) throw new Error('parquet_files is not a list')
      for (const f of listed) if (typeof f?.path === 'string') files.add(f.path)
    }
    return { files }
  } catch (error) {
    return { problem: `unreadable (${(error as Error).message})` }
  }
}
