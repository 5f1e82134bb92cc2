import type { CatalogEntry, SearchHit } from './types.js'

/** Where a word may match, and what a match there is worth. */
const WEIGHTS = { name: 4, title: 3, publication: 2, description: 1, columns: 1 } as const
type Place = keyof typeof WEIGHTS

const WORD = /[\p{L}\p{N}]+/gu

/** Lower case, and a plural `s` dropped, so "submissions" finds "Submission". */
function stem(word: string): string {
  const lower = word.toLowerCase()
  return lower.length > 3 && lower.endsWith('s') && !lower.endsWith('ss') ? lower.slice(0, -1) : lower
}

function words(text: string | null | undefined): Set<string> {
  const found = new Set<string>()
  for (const match of (text ?? '').replaceAll('_', ' ').matchAll(WORD)) found.add(stem(match[0]))
  return found
}

interface Indexed {
  entry: CatalogEntry
  places: Record<Place, Set<string>>
  /** Lower-case text of everything, for the whole-phrase bonus. */
  all: string
}

function index(entry: CatalogEntry): Indexed {
  const columnText = entry.columns.map((c) => `${c.name} ${c.title} ${c.description ?? ''}`).join(' ')
  return {
    entry,
    places: {
      name: words(`${entry.sourceCode} ${entry.sourceKey}`),
      title: words(entry.title),
      publication: words(`${entry.publication} ${entry.publicationName}`),
      description: words(entry.description),
      columns: words(columnText),
    },
    all: [entry.title, entry.publicationName, entry.description, columnText].join(' ').toLowerCase(),
  }
}

/**
 * Ranks catalog entries against free text: first by how many of the query's words they contain (anywhere),
 * then by where (name and title above description and columns), with a bonus when the whole phrase appears.
 * Linear in the catalog's size; the catalog is small (one entry per source).
 */
export function searchCatalog(entries: readonly CatalogEntry[], text: string, limit = 20): SearchHit[] {
  const terms = [...words(text)]
  if (terms.length === 0) return []
  const phrase = text.trim().toLowerCase()
  const hits: (SearchHit & { matched: number })[] = []
  for (const item of entries.map(index)) {
    let score = 0
    let matched = 0
    const where = new Set<Place>()
    for (const term of terms) {
      let best = 0
      for (const place of Object.keys(WEIGHTS) as Place[]) {
        if (item.places[place].has(term)) {
          best = Math.max(best, WEIGHTS[place])
          where.add(place)
        }
      }
      if (best > 0) matched++
      score += best
    }
    if (matched === 0) continue
    if (phrase.length > 3 && item.all.includes(phrase)) score += terms.length * 2
    const e = item.entry
    const span = e.firstPeriod
      ? `${e.firstPeriod}${e.lastPeriod !== e.firstPeriod ? `–${e.lastPeriod}` : ''}`
      : 'no periods'
    hits.push({
      sourceCode: e.sourceCode,
      publication: e.publication,
      title: e.title,
      line: `${e.title ?? e.sourceKey} (${e.publicationName}); ${e.rowCount.toLocaleString('en-GB')} rows, ${span}; matched in ${[...where].join(', ')}`,
      score: matched * 100 + score,
      matched,
    })
  }
  hits.sort((a, b) => b.score - a.score || a.sourceCode.localeCompare(b.sourceCode))
  return hits.slice(0, limit).map(({ matched: _, ...hit }) => hit)
}
