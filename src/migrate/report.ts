import type { MigrationReport } from './migrate.js'

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/** The migration report for a terminal: publications, files written, then every input file and what became of it. */
export function formatMigrationReport(report: MigrationReport): string {
  const lines: string[] = []
  const would = report.dryRun ? 'would be ' : ''
  lines.push(
    `datawarp migrate: ${report.root}${report.dryRun ? ' (dry run: the plan; nothing written)' : ''}${report.removeOld ? ' (--remove-old)' : ''}`,
  )

  lines.push('', 'Publications')
  const width = Math.max(12, ...report.publications.map((p) => p.code.length)) + 2
  for (const p of report.publications) {
    const urls = p.urls === undefined ? '' : `; ${plural(p.urls, 'file URL')} in the config`
    if (p.error) lines.push(`  ${p.code.padEnd(width)} FAILED: ${p.error}`)
    else if (p.manifest)
      lines.push(
        `  ${p.code.padEnd(width)} ${p.manifest} (${p.manifestStatus}): ${plural(p.sources, 'source')}, ${plural(p.fields, 'column')} from ${p.periods.join(', ')}${urls}`,
      )
    else lines.push(`  ${p.code.padEnd(width)} no canonical manifest${urls}`)
    const byReason = new Map<string, string[]>()
    for (const left of p.leftOut) byReason.set(left.reason, [...(byReason.get(left.reason) ?? []), left.key])
    for (const [reason, keys] of byReason)
      lines.push(
        `  ${''.padEnd(width)} left out ${plural(keys.length, 'old source')} (${keys.join(', ')}): ${reason}`,
      )
    for (const note of p.notes) lines.push(`  ${''.padEnd(width)} ${note}`)
  }

  lines.push('', 'Files of the new layout')
  for (const o of report.outputs)
    lines.push(
      `  ${(o.status === 'created' || o.status === 'updated' ? would + o.status : o.status).padEnd(16)} ${o.path}: ${o.what}`,
    )

  if (report.ledger) {
    const l = report.ledger
    lines.push('', 'Ledger (state/state.json)')
    if (l.note) lines.push(`  ${l.note}`)
    else {
      lines.push(
        `  ${l.database}: ${plural(l.imported, 'load')} ${report.dryRun ? 'to import' : 'imported'} as run ${l.runId}, ${l.alreadyImported} imported before`,
      )
      lines.push(
        '  (history only: with no files or hashes recorded, the first `datawarp run` loads those periods again)',
      )
    }
    for (const s of l.skipped) lines.push(`  skipped ${s.key}: ${s.reason}`)
    if (l.failed.length > 0)
      lines.push(
        `  ${plural(l.failed.length, 'failed attempt')} not imported (the old file kept no detail; \`datawarp run\` loads those periods)`,
      )
  }

  const counts = { migrated: 0, ignored: 0, left: 0 }
  for (const i of report.inputs) counts[i.action]++
  lines.push('', `Input files (${report.inputs.length})`)
  for (const i of report.inputs) {
    const into = i.into.length > 0 ? ` → ${i.into.join(', ')}` : ''
    const removed = i.removed ? ` [${report.dryRun ? 'would be removed' : 'removed'}]` : ''
    lines.push(`  ${i.action.padEnd(8)} ${i.path}${into}: ${i.reason}${removed}`)
  }

  if (report.notes.length > 0) lines.push('', 'Notes', ...report.notes.map((n) => `  ${n}`))
  lines.push(
    '',
    `${report.failed ? 'FAILED' : 'Done'}: ${plural(report.inputs.length, 'input file')}: ${counts.migrated} migrated, ${counts.ignored} ignored, ${counts.left} left in place. ${report.changes === 0 ? 'Nothing to change: already migrated.' : `${plural(report.changes, 'change')}${report.dryRun ? ' planned' : ''}.`}`,
  )
  return lines.join('\n')
}
