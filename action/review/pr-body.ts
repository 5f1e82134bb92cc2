import { code, plural } from '../markdown.js'

/** GitHub refuses a pull request body longer than this. */
export const MAX_BODY = 65_536

export interface ReviewBodyInput {
  readonly publication: { readonly code: string; readonly name?: string }
  readonly manifestPath: string
  readonly base: string
  readonly branch: string
  readonly held: readonly { readonly period: string; readonly reason?: string }[]
  /** Per period: the changes as lines, and the pipeline's own Markdown report when it wrote one. */
  readonly drift: readonly {
    readonly period: string
    readonly lines: readonly string[]
    readonly report?: string
  }[]
  readonly datawarpRunId: string
  readonly runUrl?: string
  readonly artifacts: readonly { readonly name: string; readonly url?: string }[]
}

export const marker = (publication: string) => `<!-- datawarp:manifest-review:${publication} -->`

export function reviewTitle(input: Pick<ReviewBodyInput, 'publication' | 'held'>): string {
  const periods = input.held.map((h) => h.period)
  const held = periods.length
    ? ` (holds ${periods.length > 3 ? plural(periods.length, 'period') : periods.join(', ')})`
    : ''
  return `DataWarp: review the canonical manifest of ${input.publication.code}${held}`.slice(0, 256)
}

/**
 * The review pull request's body: what changed (the drift report), which periods wait for it, what merging does,
 * and where the run and its artifacts are. Never longer than GitHub allows: the drift report is cut with a note.
 */
export function reviewBody(input: ReviewBodyInput): string {
  const { publication } = input
  const title = publication.name ? `${publication.name} (${code(publication.code)})` : code(publication.code)
  const head = [
    marker(publication.code),
    `## Canonical manifest change: ${title}`,
    '',
    `A DataWarp run (${input.runUrl ? `[${input.datawarpRunId}](${input.runUrl})` : code(input.datawarpRunId)}) read files of this publication that its canonical manifest on ${code(input.base)} does not describe, and proposes the manifest that does. This pull request changes one file, ${code(input.manifestPath)}, on the branch ${code(input.branch)}, which every run rebuilds from ${code(input.base)}: review the latest proposal.`,
    '',
  ]

  const held = input.held.length
    ? [
        '### Periods held until this is merged',
        '',
        ...input.held.map((h) => `- **${h.period}**${h.reason ? `: ${h.reason}` : ''}`),
        '',
      ]
    : [
        '### Periods held until this is merged',
        '',
        'None: the periods that brought these changes were loaded; this records their schema in git.',
        '',
      ]

  const merging = [
    '### What merging will do',
    '',
    `Merging commits the proposed manifest to ${code(input.base)}. That push (on \`manifests/canonical/**\`) starts the DataWarp workflow, which ${input.held.length ? `loads the held ${input.held.length === 1 ? 'period' : 'periods'} (${input.held.map((h) => h.period).join(', ')}) against the new manifest` : 'finds everything already loaded'}: new columns and sources get their tables created or widened, matched columns keep their physical names, and no data is dropped (a removed column stays, later periods get NULL).`,
    '',
    'Closing without merging keeps the current manifest: the periods stay held, and the next run proposes the change again in a new pull request.',
    '',
  ]

  const links = ['### Run and artifacts', '']
  if (input.runUrl) links.push(`- Run: ${input.runUrl}`)
  for (const a of input.artifacts)
    links.push(
      `- Artifact ${code(a.name)}${a.url ? `: ${a.url}` : input.runUrl ? `: ${input.runUrl}#artifacts` : ''}`,
    )
  if (links.length === 2) links.push(`- DataWarp run ${code(input.datawarpRunId)}`)
  links.push('')

  const drift: string[] = ['### Drift', '']
  for (const d of input.drift) {
    // The pipeline's report has its own headings (from ###): one level down, under "Drift".
    if (d.report) drift.push(...d.report.replace(/^(#{1,5}) /gm, '#$1 ').split('\n'), '')
    else drift.push(`#### ${d.period}`, '', ...d.lines.map((l) => `- ${l}`), '')
  }
  if (input.drift.length === 0) drift.push('No column-level changes were reported for this run.', '')

  return fitBody([...head, ...held], drift, [...merging, ...links])
}

/** Joins the parts, cutting the middle (the drift report) line by line when the whole would be too long. */
function fitBody(before: readonly string[], middle: readonly string[], after: readonly string[]): string {
  const whole = [...before, ...middle, ...after].join('\n')
  if (whole.length <= MAX_BODY) return whole
  const fixed = [...before, ...after].join('\n').length
  const note = (n: number) =>
    `> The drift report was cut here to fit GitHub's ${MAX_BODY.toLocaleString('en-GB')}-character limit: ${plural(n, 'more line')} are in the run's job summary and event log.`
  const budget = MAX_BODY - fixed - note(middle.length).length - 4
  const kept: string[] = []
  let used = 0
  for (const line of middle) {
    if (used + line.length + 1 > budget) break
    kept.push(line)
    used += line.length + 1
  }
  const text = [...before, ...kept, '', note(middle.length - kept.length), '', ...after].join('\n')
  // The fixed parts alone could only exceed the limit with absurdly long reasons; never send more than allowed.
  return text.length <= MAX_BODY ? text : text.slice(0, MAX_BODY)
}
