import type { SearchIndex } from './search-index.js'

export interface SearchHit {
  readonly kind: 'publication' | 'source' | 'column'
  readonly label: string
  /** Where it belongs: the publication, or the source and publication. */
  readonly context: string
  /** Relative to the site root. */
  readonly href: string
}

export interface SearchResult {
  readonly hits: readonly SearchHit[]
  /** Every match, also those past the limit: the page says how many were left out. */
  readonly total: number
}

/**
 * The search the browser runs: every word of the query must appear in an entry's names, titles or descriptions
 * (case-insensitive); publications rank before sources before columns, and a label holding the whole query
 * before the rest. Self-contained (no imports, no outer names): its source text is shipped in `site.js`.
 */
export function createSearch(index: SearchIndex): (query: string, limit: number) => SearchResult {
  type Entry = {
    kind: SearchHit['kind']
    label: string
    context: string
    href: string
    hay: string
    rank: number
  }
  const part = encodeURIComponent
  const entries: Entry[] = []
  const kinds = ['publication', 'source', 'column'] as const
  const add = (kind: 0 | 1 | 2, label: string, context: string, href: string, words: string[]) => {
    entries.push({
      kind: kinds[kind],
      label,
      context,
      href,
      hay: words.join(' \u0000 ').toLowerCase(),
      rank: kind,
    })
  }
  for (const [code, name, description] of index.p) {
    add(0, name, code, `${part(code)}/index.html`, [code, name, description])
  }
  for (const [p, key, title, description, table] of index.s) {
    const [code, pubName] = index.p[p] ?? ['', '']
    add(1, title || key, pubName, `${part(code)}/${part(key)}.html`, [key, title, description, table])
  }
  for (const [s, name, title, about] of index.c) {
    const [p, key, sourceTitle] = index.s[s] ?? [0, '', '']
    const [code, pubName] = index.p[p] ?? ['', '']
    const context = `${sourceTitle || key} · ${pubName}`
    add(2, title || name, context, `${part(code)}/${part(key)}.html#col-${part(name)}`, [name, title, about])
  }
  return (query, limit) => {
    const needle = query.trim().toLowerCase()
    const terms = needle.split(/\s+/).filter((t) => t.length > 0)
    if (terms.length === 0) return { hits: [], total: 0 }
    const matched: { entry: Entry; score: number }[] = []
    for (const entry of entries) {
      if (terms.every((t) => entry.hay.includes(t))) {
        const label = entry.label.toLowerCase()
        const score = entry.rank * 4 + (label === needle ? 0 : label.includes(needle) ? 1 : 2)
        matched.push({ entry, score })
      }
    }
    matched.sort((a, b) => a.score - b.score)
    return {
      hits: matched.slice(0, limit).map(({ entry }) => ({
        kind: entry.kind,
        label: entry.label,
        context: entry.context,
        href: entry.href,
      })),
      total: matched.length,
    }
  }
}
