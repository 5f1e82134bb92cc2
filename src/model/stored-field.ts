/**
 * A field as `datawarp.sources.fields` and catalog.parquet's `columns` hold it: the canonical manifest's field
 * (with the header as published beside a shown title, in the catalog), read back from JSON. Nothing in it is
 * trusted: every reader checks a value's type before it uses it.
 */
export interface StoredField {
  readonly name?: unknown
  readonly title?: unknown
  readonly header?: unknown
  readonly type?: unknown
  readonly description?: unknown
  readonly descriptionSource?: unknown
  readonly unit?: unknown
  readonly role?: unknown
  readonly since?: unknown
  readonly retiredSince?: unknown
}

/** A stored value that is text, or undefined. */
export function storedText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/** The named fields of stored JSON (the text, or the value parsed); undefined when it is not an array. */
export function storedFields(json: unknown): (StoredField & { readonly name: string })[] | undefined {
  const parsed: unknown = typeof json === 'string' ? JSON.parse(json) : json
  if (!Array.isArray(parsed)) return undefined
  return parsed.filter(
    (f): f is StoredField & { name: string } =>
      typeof f === 'object' && f !== null && typeof (f as StoredField).name === 'string' && f.name !== '',
  )
}
