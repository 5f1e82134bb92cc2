/**
 * The release's documentation matched to its columns: a definition describes the column whose header (or
 * physical name, or a header it had before) it names, compared as the column matcher compares headers.
 */
import type { DraftDocumentation, DraftField, DraftSource, Field } from '../model/manifest.js'
import type { Documentation } from '../model/table.js'
import { headerKey } from './reconcile.js'

/** The publisher's text for a field, and where it was read ("file, sheet"). */
export interface PublisherDefinition {
  readonly text: string
  readonly from: string
}

export type DefinitionIndex = ReadonlyMap<string, PublisherDefinition>

const placeOf = (doc: Documentation) =>
  [doc.zip, doc.file].filter((p) => p !== undefined).join('/') +
  (doc.sheet !== undefined ? `, sheet "${doc.sheet}"` : '')

/** Definitions by normalised field name; the first documentation table to name a field wins. */
export function definitionIndex(docs: readonly Documentation[]): DefinitionIndex {
  const index = new Map<string, PublisherDefinition>()
  for (const doc of docs) {
    const from = placeOf(doc)
    for (const d of doc.definitions) {
      const key = headerKey(d.field)
      if (key !== '' && !index.has(key)) index.set(key, { text: d.text, from })
    }
  }
  return index
}

/** The publisher's definition of a field: by its header, its physical name, then a header it had before. */
export function definitionFor(
  index: DefinitionIndex,
  field: Pick<Field, 'name' | 'title' | 'headers'>,
): PublisherDefinition | undefined {
  for (const text of [field.title, field.name, ...(field.headers ?? []).map((h) => h.text)]) {
    const key = headerKey(text)
    const found = key !== '' ? index.get(key) : undefined
    if (found) return found
  }
  return undefined
}

/** Each documentation table with the columns of the release's sources it describes, for the draft. */
export function describeDocumentation(
  docs: readonly Documentation[],
  sources: readonly (Pick<DraftSource, 'key'> & { fields: readonly Pick<DraftField, 'name' | 'title'>[] })[],
): DraftDocumentation[] {
  return docs.map((doc) => {
    const index = definitionIndex([doc])
    const used = new Set<string>()
    const describes = sources.flatMap((source) => {
      const columns = source.fields.flatMap((f) => {
        const key = [headerKey(f.title), headerKey(f.name)].find((k) => k !== '' && index.has(k))
        if (key === undefined) return []
        used.add(key)
        return [f.name]
      })
      return columns.length > 0 ? [{ source: source.key, columns }] : []
    })
    return {
      file: doc.file,
      ...(doc.zip !== undefined ? { zip: doc.zip } : {}),
      ...(doc.sheet !== undefined ? { sheet: doc.sheet } : {}),
      definitions: index.size,
      describes,
      unmatched: [...index.keys()].filter((k) => !used.has(k)).length,
    }
  })
}
