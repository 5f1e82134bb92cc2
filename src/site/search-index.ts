import type { SiteModel } from './model.js'

/**
 * What the search box searches, compact: publications, sources (pointing at their publication by index) and
 * columns (pointing at their source). Written as a script (`assets/search-index.js`) rather than JSON, so the
 * site works opened from disk, where a page may not fetch files.
 */
export interface SearchIndex {
  /** [code, name, description] */
  readonly p: readonly (readonly [string, string, string])[]
  /** [publication index, key, title, description, table] */
  readonly s: readonly (readonly [number, string, string, string, string])[]
  /** [source index, name, title, description and unit] */
  readonly c: readonly (readonly [number, string, string, string])[]
}

export const SEARCH_GLOBAL = 'DATAWARP_SEARCH'

export function buildSearchIndex(model: SiteModel): SearchIndex {
  const p: [string, string, string][] = []
  const s: [number, string, string, string, string][] = []
  const c: [number, string, string, string][] = []
  for (const pub of model.publications) {
    const pubIndex = p.push([pub.code, pub.name, pub.description ?? '']) - 1
    for (const source of pub.sources) {
      const sourceIndex =
        s.push([pubIndex, source.key, source.title ?? '', source.description ?? '', source.table]) - 1
      for (const column of source.columns) {
        const about = [column.description, column.unit].filter(Boolean).join(' · ')
        c.push([sourceIndex, column.name, column.title ?? '', about])
      }
    }
  }
  return { p, s, c }
}

/** The index as a script that sets one global. `<` is escaped so no text can close a script element. */
export function searchIndexScript(index: SearchIndex): string {
  return `window.${SEARCH_GLOBAL}=${JSON.stringify(index).replace(/</g, '\\u003c')};\n`
}
