/**
 * Wildcard globs as configs and manifests write them: `*` any run of characters (none included), optionally one
 * character standing for exactly one character (`?` in discover patterns); case-insensitive; the whole name must
 * match. No regular expression: the pattern is cut at its stars and each piece is found leftmost in turn, so a
 * match costs at most (name length × pattern length) steps, whatever the pattern (a regex backtracks
 * exponentially on "*********Q").
 */
export function wildcardMatches(pattern: string, name: string, options: { anyOne?: string } = {}): boolean {
  const text = [...name.normalize('NFC').toLowerCase()]
  const pieces = pattern
    .normalize('NFC')
    .toLowerCase()
    .split('*')
    .map((piece) => [...piece])
  const anyOne = options.anyOne
  const fits = (piece: readonly string[], at: number) => {
    if (at + piece.length > text.length) return false
    for (let i = 0; i < piece.length; i++) if (piece[i] !== anyOne && piece[i] !== text[at + i]) return false
    return true
  }
  const first = pieces[0] ?? []
  if (pieces.length === 1) return first.length === text.length && fits(first, 0)
  const last = pieces[pieces.length - 1] ?? []
  if (first.length + last.length > text.length) return false
  if (!fits(first, 0) || !fits(last, text.length - last.length)) return false
  let at = first.length
  const end = text.length - last.length
  for (const piece of pieces.slice(1, -1)) {
    let found = -1
    for (let start = at; start + piece.length <= end; start++)
      if (fits(piece, start)) {
        found = start
        break
      }
    if (found < 0) return false
    at = found + piece.length
  }
  return true
}
