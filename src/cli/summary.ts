import { relative } from 'node:path'
import { countPeriods, publicationFailed, type RunSummary } from '../pipeline/index.js'

const n = (value: number) => value.toLocaleString('en-GB')
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/** The one-screen summary printed at the end of a run. */
export function formatSummary(summary: RunSummary, cwd = process.cwd()): string {
  const rel = (p: string) => relative(cwd, p) || '.'
  const lines: string[] = []
  lines.push(`DataWarp run ${summary.runId}${summary.dryRun ? ' (dry run: nothing written)' : ''}`)
  if (summary.database) lines.push(`  database: ${summary.database}`)
  for (const pub of summary.publications) {
    const rows = pub.periods.reduce((sum, p) => sum + p.rows, 0)
    const count = (status: string) => pub.periods.filter((p) => p.status === status).length
    const mark = publicationFailed(pub) ? 'FAILED' : 'ok'
    lines.push(
      `  ${pub.code.padEnd(28)} ${mark.padEnd(6)} loaded ${count('loaded')}, skipped ${count('skipped')}, held ${count('held')}, failed ${count('failed')}${summary.dryRun ? `, planned ${count('planned')}` : ''}  ${n(rows)} rows`,
    )
    if (pub.error) lines.push(`      error: ${pub.error}${pub.where ? ` (${pub.where})` : ''}`)
    for (const warning of pub.warnings ?? []) lines.push(`      warning: ${warning}`)
    for (const p of pub.periods) {
      const detail =
        p.status === 'failed'
          ? `${p.error}${p.where ? ` (${p.where})` : ''}`
          : p.status === 'skipped' || p.status === 'held'
            ? (p.reason ?? '')
            : `${n(p.rows)} rows in ${seconds(p.durationMs)}${p.reason ? ` — ${p.reason}` : ''}`
      lines.push(`      ${p.period.padEnd(10)} ${p.status.padEnd(8)} ${detail}`)
      for (const change of p.manifestChanges ?? []) lines.push(`                 manifest: ${change}`)
    }
  }
  for (const pub of summary.publications) {
    if (pub.manifestWritten) lines.push(`  manifest written: ${rel(pub.manifestWritten)}`)
  }
  if (summary.error) lines.push(`  error: ${summary.error}`)
  if (summary.exported)
    lines.push(`  exported ${summary.exported.sources} sources → ${rel(summary.exported.catalog)}`)
  const total = summary.publications.reduce(
    (sum, p) => sum + p.periods.reduce((s, o) => s + (o.status === 'loaded' ? o.rows : 0), 0),
    0,
  )
  lines.push(
    `${summary.failed ? 'FAILED' : 'Done'}: ${countPeriods(summary, 'loaded')} periods loaded (${n(total)} rows), ${countPeriods(summary, 'skipped')} skipped, ${countPeriods(summary, 'held')} held, ${countPeriods(summary, 'failed')} failed in ${seconds(summary.durationMs)}`,
  )
  if (
    countPeriods(summary, 'loaded') + countPeriods(summary, 'held') === 0 &&
    !summary.failed &&
    !summary.dryRun
  )
    lines.push('Nothing new to load.')
  if (countPeriods(summary, 'held') > 0 && !summary.dryRun) {
    lines.push(
      'Held periods wait for review of the canonical manifest written above: accept it (merge the review pull request, or keep the file) and run again to load them.',
    )
  }
  if (summary.workDir) lines.push(`Working files kept for inspection: ${rel(summary.workDir)}`)
  if (summary.cleanup)
    lines.push(
      summary.cleanup.error
        ? `Cleanup failed (the run is not affected): ${summary.cleanup.error}`
        : `Cleanup: ${summary.cleanup.archived} logs archived, ${summary.cleanup.deleted} files or folders deleted, ${(summary.cleanup.freedBytes / 1024 ** 2).toFixed(1)} MiB freed (datawarp cleanup --dry-run shows the details)`,
    )
  lines.push(`Event log: ${rel(summary.eventLog)}`)
  return lines.join('\n')
}
