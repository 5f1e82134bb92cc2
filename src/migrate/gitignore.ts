/** The design note's Step 3: generated data and working files out of git, canonical manifests in. */
export const GITIGNORE_LINES = ['data/', 'tmp/', '!manifests/canonical/'] as const

/** The .gitignore with the note's lines added where missing (nothing else touched), or the same text. */
export function updatedGitignore(current: string | undefined): string {
  const text = current ?? ''
  const present = new Set(text.split(/\r?\n/).map((line) => line.trim()))
  const missing = GITIGNORE_LINES.filter((line) => !present.has(line))
  if (missing.length === 0) return text
  const block = [
    '# DataWarp (design note, Step 3): generated data and working files are not kept in git',
    ...missing.filter((l) => !l.startsWith('!')),
    ...(missing.includes('!manifests/canonical/')
      ? ['# Keep canonical manifests', '!manifests/canonical/']
      : []),
  ]
  const separator = text === '' ? '' : text.endsWith('\n') ? '\n' : '\n\n'
  return `${text}${separator}${block.join('\n')}\n`
}
