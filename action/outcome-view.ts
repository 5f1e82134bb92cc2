import { existsSync, readFileSync } from 'node:fs'
import type { PeriodOutcome, PublicationOutcome, RunSummary } from '../src/pipeline/index.js'

/**
 * How the Action reads a run summary. The pipeline's outcome types grow (the "held" status, manifest changes,
 * a drift report); these helpers accept what is there and ignore what is not, so the Action keeps working while
 * they do.
 */
export type ReportedStatus = 'loaded' | 'held' | 'skipped' | 'failed' | 'planned'
export const STATUSES: readonly ReportedStatus[] = ['loaded', 'held', 'skipped', 'failed', 'planned']

export function statusOf(period: PeriodOutcome): ReportedStatus | undefined {
  const status: string = period.status
  return (STATUSES as readonly string[]).includes(status) ? (status as ReportedStatus) : undefined
}

export function countStatus(periods: readonly PeriodOutcome[], status: ReportedStatus): number {
  return periods.filter((p) => statusOf(p) === status).length
}

export interface HeldPeriod {
  readonly publication: string
  readonly period: string
  readonly reason?: string
}

export function heldPeriods(summary: RunSummary): HeldPeriod[] {
  return summary.publications.flatMap((pub) =>
    pub.periods
      .filter((p) => statusOf(p) === 'held')
      .map((p) => ({ publication: pub.code, period: p.period, ...(p.reason ? { reason: p.reason } : {}) })),
  )
}

/** A manifest change as one line of text, whether the pipeline reports it as a string or as an object. */
function changeText(change: unknown): string {
  if (typeof change === 'string') return change
  if (change && typeof change === 'object') {
    for (const key of ['message', 'description', 'text', 'summary']) {
      const value = (change as Record<string, unknown>)[key]
      if (typeof value === 'string') return value
    }
  }
  return JSON.stringify(change)
}

export function changeLines(period: PeriodOutcome): string[] {
  const changes = (period as { manifestChanges?: unknown }).manifestChanges
  return Array.isArray(changes) ? changes.map(changeText) : []
}

/** The manifest changes of each period that brought any, in period order. */
export function publicationChanges(pub: PublicationOutcome): { period: string; lines: string[] }[] {
  return pub.periods.map((p) => ({ period: p.period, lines: changeLines(p) })).filter((p) => p.lines.length)
}

/**
 * The drift report in Markdown the pipeline made for a period, when its outcome carries one: `driftReport` (or
 * another property named like it) holding the Markdown itself, or the path of a .md file that still exists.
 */
export function driftReport(period: PeriodOutcome): string | undefined {
  const fields = period as unknown as Record<string, unknown>
  const keys = ['driftReport', ...Object.keys(fields).filter((k) => k !== 'driftReport' && /report/i.test(k))]
  for (const key of keys) {
    const value = fields[key]
    if (typeof value !== 'string' || !value.trim()) continue
    if (/^[^\n]+\.md$/.test(value.trim())) {
      if (existsSync(value.trim())) return readFileSync(value.trim(), 'utf8').trim()
      continue
    }
    return value.trim()
  }
  return undefined
}

export function rowsOf(periods: readonly PeriodOutcome[], status?: ReportedStatus): number {
  return periods.reduce((n, p) => n + (status === undefined || statusOf(p) === status ? p.rows : 0), 0)
}
