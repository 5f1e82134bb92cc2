import { displayTitle } from '../model/header-text.js'
import { DescriptionSourceSchema, descriptionSourceOf } from '../model/manifest.js'
import { storedFields, storedText } from '../model/stored-field.js'
import type { ColumnInfo } from './types.js'

const text = (value: unknown): string | null => storedText(value) ?? null

/**
 * Where a description came from, by the manifest's rule (a description that does not say was written by a
 * person); a value the manifest does not know counts as not saying.
 */
export function descriptionSourceText(description: unknown, source: unknown): string | null {
  const known = DescriptionSourceSchema.safeParse(source)
  return (
    descriptionSourceOf({
      description: text(description),
      ...(known.success ? { descriptionSource: known.data } : {}),
    }) ?? null
  )
}

const SOURCE_LABELS: Readonly<Record<string, string>> = {
  publisher: 'from the publication',
  derived: 'derived by DataWarp',
  llm: 'written by an LLM',
  reviewer: 'written by a reviewer',
}

/** Where a description came from, in words for a page or an answer ("from the publication"); '' for none. */
export function descriptionSourceLabel(source: string | null): string {
  return source ? (SOURCE_LABELS[source] ?? source) : ''
}

/**
 * The columns of a source from its stored fields. A column's first period is the manifest's `since` (else the
 * source's first); its last is the last loaded period before its `retiredSince` (else the source's last).
 */
export function columnsFromFields(fields: unknown, loadedPeriods: readonly string[]): ColumnInfo[] {
  const stored = Array.isArray(fields) ? storedFields(fields) : undefined
  if (!stored) return []
  const first = loadedPeriods[0] ?? null
  const last = loadedPeriods.at(-1) ?? null
  return stored.map((raw): ColumnInfo => {
    const name = raw.name
    const retired = text(raw.retiredSince)
    const lastPeriod = retired ? (loadedPeriods.filter((p) => p < retired).at(-1) ?? null) : last
    return {
      name,
      title: displayTitle(text(raw.title) ?? name),
      type: text(raw.type) ?? 'string',
      unit: text(raw.unit),
      role: text(raw.role),
      description: text(raw.description),
      descriptionSource: descriptionSourceText(raw.description, raw.descriptionSource),
      firstPeriod: text(raw.since) ?? first,
      lastPeriod,
    }
  })
}
