import type { CanonicalManifest } from '../model/manifest.js'
import type { ExtractedTable } from '../model/table.js'
import { sourceMatches } from './reconcile.js'

/**
 * Whether the canonical manifest asks for a table to be loaded long (`unpivot: true` on its source). The
 * source is found as reconcile finds it: by the draft key, else by its match (file glob, ZIP, sheet).
 */
export function wantsUnpivot(
  canonical: CanonicalManifest | undefined,
  key: string,
  table: Pick<ExtractedTable, 'file' | 'zip' | 'sheet'>,
): boolean {
  const sources = canonical?.sources ?? []
  const source = sources.find((s) => s.key === key) ?? sources.find((s) => sourceMatches(s, table))
  return source?.unpivot === true
}
