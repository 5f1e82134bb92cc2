import { publicationFailed, type RunSummary } from '../src/pipeline/index.js'
import { code, count, plural, table } from './markdown.js'
import { changeLines, countStatus, publicationChanges, rowsOf, statusOf } from './outcome-view.js'
import type { Retention } from './retention.js'
import type { ReviewOutcome } from './review/review-prs.js'

export interface JobSummaryInput {
  readonly summary: RunSummary
  /** What part of a run this job did, when not all of it (a fan-out's load or export job). */
  readonly stageNote?: string
  readonly pullRequests: readonly ReviewOutcome[]
  /** Why no review pull requests were managed, or what went wrong doing so. */
  readonly reviewNote?: string
  readonly artifacts: readonly { readonly name: string; readonly files: number; readonly url?: string }[]
  /** Why nothing was uploaded, when nothing was. */
  readonly artifactsNote?: string
  readonly retention: Retention
  readonly paths: { readonly exports: string; readonly eventLog: string }
  readonly runUrl?: string
}

/** Most drift lines shown per publication; the event log and the review pull request have them all. */
const DRIFT_LINES = 200

/** The job summary: per publication loaded / held / skipped / failed, rows and drift; then details. */
export function jobSummary(input: JobSummaryInput): string {
  const { summary } = input
  const out: string[] = []
  out.push(`## DataWarp run ${code(summary.runId)}${summary.dryRun ? ' (dry run: nothing written)' : ''}`, '')
  const failedRun = summary.failed ? '**failed**' : 'succeeded'
  out.push(
    `${failedRun} in ${(summary.durationMs / 1000).toFixed(1)} s${summary.database ? ` · database ${code(summary.database)}` : ''}`,
    '',
  )
  if (summary.error) out.push(`> [!CAUTION]\n> ${summary.error}`, '')
  if (input.stageNote) out.push(input.stageNote, '')

  const prOf = (pub: string) => input.pullRequests.find((p) => p.publication === pub)
  if (summary.publications.length) {
    const rows = summary.publications.map((pub) => {
      const drift = publicationChanges(pub).reduce((n, d) => n + d.lines.length, 0)
      const pr = prOf(pub.code)
      return [
        `${pub.name ? `${pub.name} ` : ''}${code(pub.code)}${publicationFailed(pub) ? ' ❌' : ''}`,
        String(countStatus(pub.periods, summary.dryRun ? 'planned' : 'loaded')),
        String(countStatus(pub.periods, 'held')),
        String(countStatus(pub.periods, 'skipped')),
        String(countStatus(pub.periods, 'failed') + (pub.error ? 1 : 0)),
        count(rowsOf(pub.periods, summary.dryRun ? 'planned' : 'loaded')),
        drift ? plural(drift, 'change') : '—',
        pr ? `[#${pr.number}](${pr.url}) ${pr.action}` : '—',
      ]
    })
    out.push(
      table(
        [
          'Publication',
          summary.dryRun ? 'Planned' : 'Loaded',
          'Held',
          'Skipped',
          'Failed',
          'Rows',
          'Drift',
          'Review',
        ],
        ['l', 'r', 'r', 'r', 'r', 'r', 'l', 'l'],
        rows,
      ),
      '',
    )
  }

  const held = summary.publications.flatMap((pub) =>
    pub.periods.filter((p) => statusOf(p) === 'held').map((p) => ({ pub, p })),
  )
  if (held.length) {
    out.push('### Held for review', '')
    for (const { pub, p } of held) {
      const pr = prOf(pub.code)
      out.push(
        `- ${code(pub.code)} **${p.period}**${p.reason ? `: ${p.reason}` : ''}${pr && pr.action !== 'closed' ? ` — review in [#${pr.number}](${pr.url})` : ''}`,
      )
    }
    out.push('')
  }

  const failures: string[] = []
  for (const pub of summary.publications) {
    if (pub.error) failures.push(`- ${code(pub.code)}: ${pub.error}${pub.where ? ` (${pub.where})` : ''}`)
    for (const p of pub.periods)
      if (statusOf(p) === 'failed')
        failures.push(
          `- ${code(pub.code)} **${p.period}**: ${p.error ?? 'failed'}${p.where ? ` (${p.where})` : ''}`,
        )
  }
  if (failures.length) out.push('### Failed', '', ...failures, '')

  const drifting = summary.publications.filter((pub) => publicationChanges(pub).length)
  if (drifting.length) {
    out.push('### Manifest drift', '')
    for (const pub of drifting) {
      const lines = pub.periods.flatMap((p) => changeLines(p).map((l) => `- **${p.period}** ${l}`))
      out.push(`<details><summary>${code(pub.code)}: ${plural(lines.length, 'change')}</summary>`, '')
      out.push(...lines.slice(0, DRIFT_LINES))
      if (lines.length > DRIFT_LINES)
        out.push(`- … ${plural(lines.length - DRIFT_LINES, 'more change')} in the event log`)
      out.push('', '</details>', '')
    }
  }

  if (input.pullRequests.length || input.reviewNote) {
    out.push('### Review pull requests', '')
    for (const pr of input.pullRequests)
      out.push(
        `- ${code(pr.publication)}: [#${pr.number}](${pr.url}) ${pr.action} (${code(pr.manifestPath)})`,
      )
    if (input.reviewNote) out.push(input.reviewNote)
    out.push('')
  }

  out.push('### Artifacts', '')
  const kept = `kept ${plural(input.retention.days, 'day')} (${input.retention.from})`
  for (const a of input.artifacts)
    out.push(`- ${a.url ? `[${code(a.name)}](${a.url})` : code(a.name)}: ${plural(a.files, 'file')}, ${kept}`)
  if (input.artifactsNote)
    out.push(
      `- ${input.artifactsNote}; retention would be ${plural(input.retention.days, 'day')} (${input.retention.from})`,
    )
  out.push('')
  // The retention clean-up runPipeline ends with (settings.retention.cleanup_after_run), when it reports one.
  const cleanup = (
    summary as { cleanup?: { archived: number; deleted: number; freedBytes: number; error?: string } }
  ).cleanup
  if (cleanup)
    out.push(
      cleanup.error
        ? `Clean-up failed (the run is not affected): ${cleanup.error}`
        : `Clean-up: ${plural(cleanup.archived, 'log')} archived, ${plural(cleanup.deleted, 'file or folder', 'files or folders')} deleted, ${(cleanup.freedBytes / 1024 ** 2).toFixed(1)} MiB freed.`,
      '',
    )
  out.push(
    `Exports: ${code(input.paths.exports)} · event log: ${code(input.paths.eventLog)}${input.runUrl ? ` · [this run](${input.runUrl})` : ''}`,
  )
  return `${out.join('\n')}\n`
}
