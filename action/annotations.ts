import { isAbsolute, relative } from 'node:path'
import type { RunSummary } from '../src/pipeline/index.js'
import { statusOf } from './outcome-view.js'

export interface Annotation {
  readonly level: 'error' | 'warning'
  readonly title: string
  readonly message: string
  readonly file?: string
  readonly startLine?: number
}

/** GitHub shows at most 10 warnings and 10 errors per step; more are dropped, so say how many were left out. */
export const MAX_PER_LEVEL = 10

/** "config/publications.yaml, line 14" → the file (relative to the workspace) and line, for a clickable annotation. */
export function location(
  where: string | undefined,
  workspace: string,
): { file?: string; startLine?: number } {
  const match = where?.match(/^(.+?), line (\d+)\b/)
  if (!match) return {}
  const file = isAbsolute(match[1]!) ? relative(workspace, match[1]!) : match[1]!
  if (file.startsWith('..')) return {}
  return { file, startLine: Number(match[2]) }
}

/**
 * Errors for the run, its failed publications and periods; warnings for held periods and for the warning events
 * the pipeline logged (deduplicated). Capped per level, the last one saying how many more the summary holds.
 */
export function annotations(
  summary: RunSummary,
  warnEvents: readonly Record<string, unknown>[],
  workspace: string,
): Annotation[] {
  const errors: Annotation[] = []
  const warnings: Annotation[] = []
  if (summary.error)
    errors.push({
      level: 'error',
      title: `DataWarp: ${summary.errorStage ?? 'run'} failed`,
      message: summary.error,
    })
  for (const pub of summary.publications) {
    if (pub.error)
      errors.push({
        level: 'error',
        title: `DataWarp: ${pub.code} failed`,
        message: `${pub.error}${pub.where ? ` (${pub.where})` : ''}`,
        ...location(pub.where, workspace),
      })
    for (const p of pub.periods) {
      const status = statusOf(p)
      if (status === 'failed')
        errors.push({
          level: 'error',
          title: `DataWarp: ${pub.code} ${p.period} failed`,
          message: `${p.error ?? 'failed'}${p.where ? ` (${p.where})` : ''}`,
          ...location(p.where, workspace),
        })
      else if (status === 'held')
        warnings.push({
          level: 'warning',
          title: `DataWarp: ${pub.code} ${p.period} held for review`,
          message: p.reason ?? 'its files differ from the canonical manifest',
        })
    }
  }
  const seen = new Set<string>()
  for (const e of warnEvents) {
    // Held periods are annotated above, with their reason.
    if (e.event === 'period.held') continue
    const message =
      typeof e.message === 'string' ? e.message : ((e.error as { message?: string })?.message ?? '')
    const scope = [e.publication, e.period, e.source].filter((s) => typeof s === 'string').join(' ')
    const text = `${scope ? `${scope}: ` : ''}${message || String(e.event)}`
    if (seen.has(text)) continue
    seen.add(text)
    warnings.push({ level: 'warning', title: `DataWarp: ${String(e.event)}`, message: text })
  }
  return [...cap(errors), ...cap(warnings)]
}

function cap(list: Annotation[]): Annotation[] {
  if (list.length <= MAX_PER_LEVEL) return list
  const kept = list.slice(0, MAX_PER_LEVEL - 1)
  const rest = list.length - kept.length
  return [
    ...kept,
    {
      level: list[0]!.level,
      title: `DataWarp: ${rest} more`,
      message: `${rest} more ${list[0]!.level}s: see the job summary and the event log`,
    },
  ]
}
