import type { Drift, SourceDrift } from '../model/drift.js'

const code = (text: string) => `\`${text.replaceAll('`', "'")}\``
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim()
const examples = (samples: readonly string[]) =>
  samples.length ? samples.map((s) => code(cell(s))).join(', ') : '—'

function sourceSection(s: SourceDrift, firstManifest: boolean): string[] {
  const where = s.sheet !== undefined ? `${s.file}, sheet "${s.sheet}"` : s.file
  const lines = [
    `#### ${s.isNew ? 'New source' : 'Source'} ${code(s.key)} → table ${code(s.table)} (${where})`,
    '',
  ]
  // A first manifest's columns are all in the manifest itself; a new source of a known publication lists them.
  if (s.added.length && !(s.isNew && firstManifest)) {
    lines.push(
      s.isNew ? 'Columns:' : 'Added columns:',
      '',
      '| column | header | type | examples |',
      '| --- | --- | --- | --- |',
    )
    for (const c of s.added)
      lines.push(`| ${code(c.name)} | ${cell(c.title)} | ${c.type} | ${examples(c.samples)} |`)
    lines.push('')
  }
  if (s.removed.length) {
    lines.push('Missing columns (kept in the table; this and later periods get NULL):', '')
    for (const c of s.removed) lines.push(`- ${code(c.name)} — header was "${cell(c.title)}"`)
    lines.push('')
  }
  if (s.renamed.length) {
    lines.push('Renamed headers (physical name kept — check they are the same measure):', '')
    for (const c of s.renamed)
      lines.push(
        `- ${code(c.name)}: "${cell(c.from)}" → "${cell(c.to)}" (similarity ${c.similarity.toFixed(2)})`,
      )
    lines.push('')
  }
  const wider = s.retyped.filter((c) => !c.firstValues)
  if (wider.length) {
    lines.push('Wider types:', '')
    for (const c of wider)
      lines.push(`- ${code(c.name)}: ${c.from} → ${c.to} (examples ${examples(c.samples)})`)
    lines.push('')
  }
  const typed = s.retyped.filter((c) => c.firstValues)
  if (typed.length) {
    lines.push('First values in columns that held only empty cells or missing markers (typed by them):', '')
    for (const c of typed) lines.push(`- ${code(c.name)}: ${c.to} (examples ${examples(c.samples)})`)
    lines.push('')
  }
  if (s.restored.length) {
    lines.push('Columns back after a gap:', '')
    for (const c of s.restored) lines.push(`- ${code(c.name)} ("${cell(c.title)}")`)
    lines.push('')
  }
  if (s.headerChanges.length) {
    lines.push('Header text changes (same column):', '')
    for (const c of s.headerChanges) lines.push(`- ${code(c.name)}: "${cell(c.from)}" → "${cell(c.to)}"`)
    lines.push('')
  }
  return lines
}

/** The Markdown drift report of one period: it becomes (part of) the review pull request's body. */
export function renderDriftReport(drift: Drift): string {
  const lines = [`### ${drift.publication} ${drift.period}`, '']
  if (drift.firstManifest) lines.push('First canonical manifest of this publication.', '')
  for (const s of drift.sources) lines.push(...sourceSection(s, drift.firstManifest))
  if (drift.restoredSources?.length) {
    lines.push('Sources back after a gap (their tables get rows again):', '')
    for (const s of drift.restoredSources) lines.push(`- ${code(s.key)} (table ${code(s.table)})`)
    lines.push('')
  }
  if (drift.removedSources.length) {
    lines.push('Sources missing from this period (their tables and data stay):', '')
    for (const s of drift.removedSources) lines.push(`- ${code(s.key)} (table ${code(s.table)})`)
    lines.push('')
  }
  if (lines.length === 2) lines.push('No changes.', '')
  return lines.join('\n')
}
