import type { CleanupReport } from './cleanup.js'
import { humanBytes } from './sizes.js'

/** The cleanup report for a terminal: each file archived, deleted or kept with why, then bytes per folder. */
export function formatCleanupReport(report: CleanupReport): string {
  const lines: string[] = []
  lines.push(
    `datawarp cleanup${report.dryRun ? ' (dry run: nothing touched)' : ''}: event logs kept ${report.logsDays} days (settings.retention.logs_days)`,
  )
  const size = (bytes: number) => (bytes > 0 ? ` (${humanBytes(bytes)})` : '')
  const verb = (done: string, planned: string) => (report.dryRun ? planned : done).padEnd(14)
  for (const a of report.archived)
    lines.push(`  ${verb('archived', 'would archive')} ${a.path}${size(a.bytes)} → ${a.archive}: ${a.reason}`)
  for (const d of report.deleted)
    lines.push(`  ${verb('deleted', 'would delete')} ${d.path}${size(d.bytes)}: ${d.reason}`)
  for (const k of report.kept) lines.push(`  ${'kept'.padEnd(14)} ${k.path}${size(k.bytes)}: ${k.reason}`)
  if (report.archived.length + report.deleted.length + report.kept.length === 0) lines.push('  nothing to do')

  const width = Math.max(...report.folders.map((f) => f.path.length), 6) + 2
  lines.push(
    '',
    `  ${'folder'.padEnd(width)}${'before'.padStart(10)}${(report.dryRun ? 'after (plan)' : 'after').padStart(14)}`,
  )
  for (const f of report.folders)
    lines.push(
      `  ${f.path.padEnd(width)}${humanBytes(f.before).padStart(10)}${humanBytes(f.after).padStart(14)}`,
    )
  for (const note of report.notes) lines.push(`  note: ${note}`)
  return lines.join('\n')
}
