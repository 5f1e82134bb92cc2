/**
 * `datawarp plan`: what a run would fetch and load, without downloading data files or writing anything. Pages
 * are read (conditionally, from the cache when unchanged) to discover files; the ledger says what is loaded.
 */
import type pg from 'pg'
import { lastSuccessfulLoad, readHttpCache } from '../db/index.js'
import { discover } from '../discover/index.js'
import { FetchSession } from '../fetch/index.js'
import type { Config, PeriodSource, Publication } from '../model/config.js'
import { isoDay } from '../model/period-schedule.js'
import type { EventLog } from '../observe/index.js'
import { pageReader } from './discovery-step.js'

export type PlannedStatus = 'load' | 'reload' | 'check' | 'not_due' | 'missing' | 'failed'

export interface PlannedFile {
  readonly url: string
  readonly origin: 'config' | 'template' | 'discovered'
  readonly page?: string
  readonly text?: string
}

export interface PlannedPeriod {
  readonly period: string
  readonly status: PlannedStatus
  readonly reason: string
  readonly due_on?: string
  readonly files: readonly PlannedFile[]
}

export interface PlannedPublication {
  readonly publication: string
  readonly name?: string
  readonly periods: readonly PlannedPeriod[]
  readonly warnings: readonly string[]
  readonly error?: string
}

/** One GitHub Actions matrix job per publication: `strategy.matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}`. */
export interface MatrixEntry {
  readonly publication: string
  readonly name?: string
  /** Periods a run would load for the first time or reload from other files. */
  readonly load: number
  /** Loaded periods a run would re-check (conditional requests when validators are known). */
  readonly check: number
  readonly missing: number
  readonly error?: string
}

export interface Plan {
  readonly today: string
  readonly include: readonly MatrixEntry[]
  readonly publications: readonly PlannedPublication[]
  readonly eventLog: string
}

export interface PlanOptions {
  readonly publications?: readonly string[]
  readonly periods?: readonly string[]
  readonly today?: Date
  /** Where page bodies are kept while reading them. */
  readonly workDir: string
}

const count = (p: PlannedPublication, ...statuses: PlannedStatus[]) =>
  p.periods.filter((x) => statuses.includes(x.status)).length

export async function buildPlan(
  config: Config,
  pool: pg.Pool,
  log: EventLog,
  options: PlanOptions,
): Promise<Plan> {
  const selected = (code: string) => !options.publications || options.publications.includes(code)
  const planned: PlannedPublication[] = []
  for (const problem of config.problems) {
    if (!problem.publication || !selected(problem.publication)) continue
    if (planned.some((p) => p.publication === problem.publication)) continue
    planned.push({
      publication: problem.publication,
      periods: [],
      warnings: [],
      error: `${problem.field}: ${problem.message} (${problem.file}, line ${problem.line})`,
    })
  }
  for (const publication of config.publications.filter((p) => selected(p.code)))
    planned.push(await planPublication(publication, config, pool, log, options))
  const include = planned.map((p) => ({
    publication: p.publication,
    ...(p.name ? { name: p.name } : {}),
    load: count(p, 'load', 'reload'),
    check: count(p, 'check'),
    missing: count(p, 'missing'),
    ...(p.error ? { error: p.error } : {}),
  }))
  return { today: isoDay(options.today ?? new Date()), include, publications: planned, eventLog: log.path }
}

async function planPublication(
  publication: Publication,
  config: Config,
  pool: pg.Pool,
  log: EventLog,
  options: PlanOptions,
): Promise<PlannedPublication> {
  const only = options.periods
  const session = new FetchSession({ pool, config, workDir: options.workDir, write: false })
  let error: string | undefined
  const found = publication.discovery
    ? await discover(publication, {
        readPage: pageReader(session),
        emit: (event) => log.emit(event),
        ...(only ? { only } : {}),
      }).catch((e: Error) => {
        error = `discovery: ${e.message}`
        return undefined
      })
    : undefined
  if (found?.error) error = `discovery: ${found.error}`

  const sources = new Map<string, PeriodSource[]>()
  for (const s of [...publication.urls, ...(found?.sources ?? [])]) {
    if (only && !only.includes(s.period)) continue
    sources.set(s.period, [...(sources.get(s.period) ?? []), s])
  }
  const periods: PlannedPeriod[] = []
  for (const [period, entries] of sources) periods.push(await planPeriod(publication, period, entries, pool))
  for (const f of found?.periods ?? []) {
    if (f.status === 'found') continue
    periods.push({
      period: f.period,
      status: f.status,
      reason: f.reason ?? '',
      due_on: f.dueOn,
      files: [],
    })
  }
  periods.sort((a, b) => a.period.localeCompare(b.period))
  const due = new Map(found?.periods.map((f) => [f.period, f.dueOn]) ?? [])
  return {
    publication: publication.code,
    name: publication.name,
    periods: periods.map((p) =>
      p.due_on === undefined && due.has(p.period) ? { ...p, due_on: due.get(p.period)! } : p,
    ),
    warnings: found?.warnings ?? [],
    ...(error !== undefined ? { error } : {}),
  }
}

async function planPeriod(
  publication: Publication,
  period: string,
  entries: readonly PeriodSource[],
  pool: pg.Pool,
): Promise<PlannedPeriod> {
  const files: PlannedFile[] = entries.map((e) => ({
    url: e.url,
    origin: !e.discovered ? 'config' : e.discovered.page ? 'discovered' : 'template',
    ...(e.discovered?.page ? { page: e.discovered.page } : {}),
    ...(e.discovered?.text ? { text: e.discovered.text } : {}),
  }))
  const n = (k: number) => `${k} file${k === 1 ? '' : 's'}`
  const last = await lastSuccessfulLoad(pool, publication.code, period)
  if (!last)
    return { period, status: 'load', reason: `never loaded: would fetch ${n(files.length)} and load`, files }
  const before = new Set(last.sources.map((s) => s.url))
  const now = new Set(files.map((f) => f.url))
  const added = [...now].filter((u) => !before.has(u))
  const gone = [...before].filter((u) => !now.has(u))
  if (added.length > 0 || gone.length > 0)
    return {
      period,
      status: 'reload',
      reason: `other files than load ${last.loadId}: ${added.length} new, ${gone.length} gone; would fetch ${n(files.length)} and reload`,
      files,
    }
  let conditional = 0
  for (const url of now) {
    const cached = await readHttpCache(pool, url)
    const loaded = last.sources.find((s) => s.url === url)
    if (cached && (cached.etag || cached.lastModified) && cached.sha256 === loaded?.sha256) conditional++
  }
  const how =
    conditional === now.size
      ? 'conditional requests only; reloads if a file changed'
      : `${conditional} of ${n(now.size)} by conditional request, the others downloaded and compared by sha256; reloads if a file changed`
  return {
    period,
    status: 'check',
    reason: `loaded by load ${last.loadId} (${last.finishedAt.toISOString().slice(0, 10)}): ${how}`,
    files,
  }
}
