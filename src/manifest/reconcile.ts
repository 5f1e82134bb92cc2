import type {
  CanonicalManifest,
  DraftField,
  DraftManifest,
  DraftSource,
  Field,
  Source,
} from '../model/manifest.js'
import { FOOTNOTE_MARKER, uniqueName } from './physical-name.js'
import { globMatches } from './source-key.js'
import { MISSING_MARKERS, widenType } from './values.js'

/** A draft table bound to its canonical source: which canonical field each of its columns fills. */
export interface SourceBinding {
  readonly draft: DraftSource
  readonly source: Source
  /** The canonical field name of each draft column, in the draft's column order. */
  readonly columns: readonly string[]
}

export interface Reconciliation {
  /** The canonical manifest after this period: unchanged, or with additions and widened types. */
  readonly manifest: CanonicalManifest
  readonly changed: boolean
  readonly bindings: readonly SourceBinding[]
  /** What changed, one line each, for the log and the summary. */
  readonly changes: readonly string[]
}

/** Headers compared without case, footnote markers, punctuation or spacing differences. */
export function headerKey(title: string): string {
  return title
    .replace(FOOTNOTE_MARKER, ' ')
    .toLowerCase()
    .replace(/[^a-z0-9%£]+/g, '')
}

function findSource(sources: readonly Source[], draft: DraftSource, taken: Set<Source>): Source | undefined {
  const free = sources.filter((s) => !taken.has(s))
  return (
    free.find((s) => s.key === draft.key) ??
    free.find(
      (s) =>
        globMatches(s.match.file, draft.file) &&
        (s.match.sheet ?? undefined)?.toLowerCase().trim() === draft.sheet?.toLowerCase().trim(),
    )
  )
}

function newField(draft: DraftField, used: Set<string>): Field {
  return { name: uniqueName(draft.name, used), title: draft.title, type: draft.type }
}

/**
 * Matches a period's draft to the canonical manifest. The canonical manifest wins: matched columns keep their
 * physical names and tables. What is new is added (sources, columns); types widen when a period needs it.
 * With no canonical manifest yet, the draft becomes it.
 */
export function reconcile(
  publication: { code: string; name: string; description?: string },
  canonical: CanonicalManifest | undefined,
  draft: DraftManifest,
): Reconciliation {
  const changes: string[] = []
  const sources: Source[] = canonical ? canonical.sources.map((s) => ({ ...s, schema: { ...s.schema } })) : []
  const bindings: SourceBinding[] = []
  const taken = new Set<Source>()
  const tables = new Set(sources.map((s) => s.table))
  const keys = new Set(sources.map((s) => s.key))

  for (const d of draft.sources) {
    let source = findSource(sources, d, taken)
    const isNewSource = !source
    if (!source) {
      const key = uniqueName(d.key, keys)
      source = {
        key,
        table: uniqueName(key, tables),
        match: d.match,
        schema: { fields: [], missingValues: [...MISSING_MARKERS] },
      }
      sources.push(source)
      changes.push(
        `new source "${key}" (${d.sheet !== undefined ? `${d.file}, sheet "${d.sheet}"` : d.file})`,
      )
    }
    taken.add(source)
    const fields = [...source.schema.fields]
    const used = new Set(fields.map((f) => f.name))
    const bound = new Set<string>()
    // Headers bind first, for every column, so that a physical-name match of one column never takes the
    // field whose header another column (later in the file) repeats.
    const byHeader = d.fields.map((df) => {
      const wanted = headerKey(df.title)
      const index = fields.findIndex((f) => !bound.has(f.name) && headerKey(f.title) === wanted)
      if (index >= 0) bound.add(fields[index]!.name)
      return index
    })
    const columns = d.fields.map((df, i) => {
      let index = byHeader[i]!
      if (index < 0) index = fields.findIndex((f) => !bound.has(f.name) && f.name === df.name)
      if (index < 0) {
        const field = newField(df, used)
        fields.push(field)
        if (!isNewSource) changes.push(`new column "${field.name}" in "${source.key}" (header "${df.title}")`)
        bound.add(field.name)
        return field.name
      }
      const field = fields[index]!
      const hasValues = d.rows - df.nulls > 0
      const type = hasValues ? widenType(field.type, df.type) : field.type
      if (type !== field.type) {
        changes.push(`column "${field.name}" in "${source.key}" widened from ${field.type} to ${type}`)
        fields[index] = { ...field, type }
      }
      bound.add(field.name)
      return field.name
    })
    const updated: Source = { ...source, schema: { ...source.schema, fields } }
    sources[sources.indexOf(source)] = updated
    taken.add(updated)
    bindings.push({ draft: d, source: updated, columns })
  }

  const manifest: CanonicalManifest = {
    publication: publication.code,
    name: canonical?.name ?? publication.name,
    ...(canonical?.description !== undefined
      ? { description: canonical.description }
      : publication.description !== undefined
        ? { description: publication.description }
        : {}),
    sources,
  }
  if (!canonical) changes.unshift(`first canonical manifest (${sources.length} sources)`)
  return { manifest, changed: !canonical || changes.length > 0, bindings, changes }
}
