import {
  type ColumnMatchMethod,
  classifyDrift,
  type Drift,
  type DriftClass,
  driftLines,
  type SourceDrift,
} from '../model/drift.js'
import type {
  CanonicalManifest,
  DraftField,
  DraftManifest,
  DraftSource,
  Field,
  FieldType,
  Source,
} from '../model/manifest.js'
import { isPeriodError, parsePeriod } from '../model/period.js'
import { withoutPeriodWords } from '../model/period-text.js'
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
  /** The canonical manifest this period proposes: unchanged, or with its changes recorded. */
  readonly manifest: CanonicalManifest
  readonly changed: boolean
  readonly bindings: readonly SourceBinding[]
  readonly drift: Drift
  readonly driftClass: DriftClass
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

/**
 * A header compared as headerKey does, without the words that only name a period ("December 2022 - Patients
 * discharged" and "January 2023 - Patients discharged" give the same key), as file globs set them aside.
 * Empty when nothing else is left ("April 2024").
 */
export function periodFreeHeaderKey(title: string): string {
  return headerKey(withoutPeriodWords(title.replace(FOOTNOTE_MARKER, ' ')))
}

/**
 * The period-free keys that name exactly one column on each side: a table with a column per month ("April
 * 2024", "May 2024 count") gives one key to several columns, and those are never matched by it, so two columns
 * of one table that differ only by their month are never taken for one.
 */
function unambiguousPeriodKeys(fields: readonly Field[], draftFields: readonly DraftField[]): Set<string> {
  const owners = new Map<string, Set<number>>()
  fields.forEach((f, j) => {
    for (const text of [f.title, ...(f.headers ?? []).map((h) => h.text)]) {
      const key = periodFreeHeaderKey(text)
      owners.set(key, (owners.get(key) ?? new Set()).add(j))
    }
  })
  const drafted = new Map<string, number>()
  for (const d of draftFields) {
    const key = periodFreeHeaderKey(d.title)
    drafted.set(key, (drafted.get(key) ?? 0) + 1)
  }
  return new Set(
    [...drafted]
      .filter(([key, n]) => key !== '' && n === 1 && owners.get(key)?.size === 1)
      .map(([key]) => key),
  )
}

/** Dice coefficient of character bigrams: 1 for the same text, 0 for nothing in common. */
export function similarity(a: string, b: string): number {
  if (a === b) return 1
  if (a.length < 2 || b.length < 2) return 0
  const grams = new Map<string, number>()
  for (let i = 0; i < a.length - 1; i++) {
    const g = a.slice(i, i + 2)
    grams.set(g, (grams.get(g) ?? 0) + 1)
  }
  let shared = 0
  for (let i = 0; i < b.length - 1; i++) {
    const g = b.slice(i, i + 2)
    const n = grams.get(g) ?? 0
    if (n > 0) {
      grams.set(g, n - 1)
      shared++
    }
  }
  return (2 * shared) / (a.length + b.length - 2)
}

/** A renamed header is accepted as the same column from this similarity up (it still needs review). */
export const RENAME_SIMILARITY = 0.85

/** Whether a canonical source's match (file glob, sheet, ZIP glob) takes a file's table. */
export function sourceMatches(source: Source, draft: Pick<DraftSource, 'file' | 'zip' | 'sheet'>): boolean {
  const sameSheet =
    (source.match.sheet ?? '').toLowerCase().trim() === (draft.sheet ?? '').toLowerCase().trim()
  const sameZip = !source.match.zip || (draft.zip !== undefined && globMatches(source.match.zip, draft.zip))
  return sameSheet && sameZip && globMatches(source.match.file, draft.file)
}

function findSource(
  sources: readonly Source[],
  draft: DraftSource,
  taken: ReadonlySet<string>,
): Source | undefined {
  const free = sources.filter((s) => !taken.has(s.key))
  return free.find((s) => s.key === draft.key) ?? free.find((s) => sourceMatches(s, draft))
}

/** A renamed column keeps its kind of values: numbers stay numbers, dates dates, text text. */
const typesCompatible = (a: FieldType, b: FieldType) =>
  widenType(a, b) !== 'string' || (a === 'string' && b === 'string')

interface ColumnBinding {
  /** Index into the source's fields, or -1 for a new field. */
  field: number
  method?: ColumnMatchMethod
  similarity?: number
}

/**
 * Binds each draft column to a canonical field: by normalised header, then by a header seen before (alias),
 * then by a header that differs only in its period words (period), then by physical name, then by similarity
 * of the headers. Header matches bind first for every column, so a
 * weaker match of one column never takes the field another column names exactly.
 */
function bindColumns(fields: readonly Field[], draftFields: readonly DraftField[]): ColumnBinding[] {
  const bound = new Set<number>()
  const result: ColumnBinding[] = draftFields.map(() => ({ field: -1 }))
  const pass = (method: ColumnBinding['method'], matches: (f: Field, d: DraftField) => boolean) => {
    draftFields.forEach((d, i) => {
      if (result[i]!.field >= 0) return
      const index = fields.findIndex((f, j) => !bound.has(j) && matches(f, d))
      if (index >= 0) {
        bound.add(index)
        result[i] = { field: index, method }
      }
    })
  }
  pass('header', (f, d) => headerKey(f.title) === headerKey(d.title))
  pass('alias', (f, d) => (f.headers ?? []).some((h) => headerKey(h.text) === headerKey(d.title)))
  const periodKeys = unambiguousPeriodKeys(fields, draftFields)
  pass('period', (f, d) => {
    const key = periodFreeHeaderKey(d.title)
    return (
      periodKeys.has(key) &&
      [f.title, ...(f.headers ?? []).map((h) => h.text)].some((text) => periodFreeHeaderKey(text) === key)
    )
  })
  pass('name', (f, d) => f.name === d.name)
  // Similarity: best pairs first, among what is left, with compatible types.
  const candidates: { i: number; j: number; score: number }[] = []
  draftFields.forEach((d, i) => {
    if (result[i]!.field >= 0) return
    fields.forEach((f, j) => {
      if (bound.has(j) || (!f.untyped && !typesCompatible(f.type, d.type))) return
      const score = similarity(headerKey(f.title), headerKey(d.title))
      if (score >= RENAME_SIMILARITY) candidates.push({ i, j, score })
    })
  })
  for (const c of candidates.sort((a, b) => b.score - a.score)) {
    if (result[c.i]!.field >= 0 || bound.has(c.j)) continue
    bound.add(c.j)
    result[c.i] = { field: c.j, method: 'similarity', similarity: c.score }
  }
  return result
}

function emptyDrift(key: string, table: string, d: DraftSource, isNew: boolean) {
  return {
    key,
    table,
    file: d.file,
    ...(d.sheet !== undefined ? { sheet: d.sheet } : {}),
    isNew,
    added: [] as SourceDrift['added'][number][],
    removed: [] as SourceDrift['removed'][number][],
    renamed: [] as SourceDrift['renamed'][number][],
    retyped: [] as SourceDrift['retyped'][number][],
    restored: [] as SourceDrift['restored'][number][],
    headerChanges: [] as SourceDrift['headerChanges'][number][],
  }
}

/** Periods in time order (their first day); text order for anything outside the grammar. */
export function periodOrder(period: string): string {
  const parsed = parsePeriod(period)
  return isPeriodError(parsed) ? period : parsed.start
}
const before = (a: string, b: string) => periodOrder(a) < periodOrder(b)

/** Whether a field or source (with since / retiredSince) is expected in a period's files. */
function expectedIn(item: { since?: string; retiredSince?: string }, period: string): boolean {
  if (item.since !== undefined && before(period, item.since)) return false
  return item.retiredSince === undefined || before(period, item.retiredSince)
}

/**
 * Records the header text a period wrote in the field's history: a timeline of texts, each with the first period
 * it was written in (kept once a second text appears; a text may come back later). The title is the text of the
 * latest period, so loading an older period does not flip it back. `was` is the text the field had at that
 * period, when the period wrote another one.
 */
function withHeader(field: Field, text: string, period: string): { field: Field; was?: string } {
  const timeline = [...(field.headers ?? [{ text: field.title, since: field.since ?? period }])].sort(
    (a, b) => (before(a.since, b.since) ? -1 : before(b.since, a.since) ? 1 : 0),
  )
  // The text in effect at the period: the last one first written at or before it (-1: the period is older).
  let at = -1
  timeline.forEach((h, i) => {
    if (!before(period, h.since)) at = i
  })
  const current = timeline[Math.max(at, 0)]!
  if (at >= 0 && current.text === text) return { field }
  const was = current.text === text ? undefined : current.text
  const headers = [...timeline.slice(0, at + 1), { text, since: period }, ...timeline.slice(at + 1)].filter(
    (h, i, all) => i === 0 || h.text !== all[i - 1]!.text,
  )
  // An older period with the same text only moves `since`, which the caller does.
  if (!field.headers && headers.length === 1) return { field }
  return { field: { ...field, title: headers[headers.length - 1]!.text, headers }, ...(was ? { was } : {}) }
}

function reconcileSource(
  source: Source,
  d: DraftSource,
  period: string,
  isNew: boolean,
): { source: Source; columns: string[]; drift: ReturnType<typeof emptyDrift> } {
  const drift = emptyDrift(source.key, source.table, d, isNew)
  const fields = [...source.schema.fields]
  const used = new Set(fields.map((f) => f.name))
  const binding = bindColumns(fields, d.fields)
  const columns = d.fields.map((df, i) => {
    const { field: index, method, similarity: score } = binding[i]!
    const hasValues = d.rows - df.nulls > 0
    if (index < 0) {
      const field: Field = {
        name: uniqueName(df.name, used),
        title: df.title,
        type: df.type,
        since: period,
        ...(hasValues ? {} : { untyped: true }),
      }
      fields.push(field)
      drift.added.push({ name: field.name, title: df.title, type: df.type, samples: df.samples })
      return field.name
    }
    // A header that differs from the field's only by its period words ("January 2023 - …" for "December 2022 - …")
    // is the same header next month: recording it would change the manifest, and so ask for a review, every month.
    const sameHeader =
      method === 'period' && periodFreeHeaderKey(df.title) === periodFreeHeaderKey(fields[index]!.title)
    const header = sameHeader ? { field: fields[index]! } : withHeader(fields[index]!, df.title, period)
    let field: Field = header.field
    if (header.was !== undefined) {
      if (method === 'similarity')
        drift.renamed.push({ name: field.name, from: header.was, to: df.title, similarity: score! })
      else drift.headerChanges.push({ name: field.name, from: header.was, to: df.title, method: method! })
    }
    if (field.since !== undefined && before(period, field.since)) field = { ...field, since: period }
    if (field.retiredSince !== undefined && !before(period, field.retiredSince)) {
      drift.restored.push({ name: field.name, title: df.title })
      const { retiredSince: _, ...rest } = field
      field = rest
    }
    if (field.untyped && hasValues) {
      // No value so far said what the column holds: its first values do (a load converts the markers to NULL).
      drift.retyped.push({
        name: field.name,
        from: field.type,
        to: df.type,
        samples: df.samples,
        firstValues: true,
      })
      const { untyped: _, ...typed } = field
      field = { ...typed, type: df.type }
    }
    const type = hasValues ? widenType(field.type, df.type) : field.type
    if (type !== field.type) {
      drift.retyped.push({ name: field.name, from: field.type, to: type, samples: df.samples })
      field = { ...field, type }
    }
    fields[index] = field
    return field.name
  })
  const boundNames = new Set(columns)
  fields.forEach((f, j) => {
    if (boundNames.has(f.name) || !expectedIn(f, period)) return
    drift.removed.push({ name: f.name, title: f.title })
    fields[j] = { ...f, retiredSince: period }
  })
  return { source: { ...source, schema: { ...source.schema, fields } }, columns, drift }
}

/**
 * Matches a period's draft to the canonical manifest and proposes the manifest after it. The canonical
 * manifest wins: matched columns keep their physical names and tables. New sources and columns are added,
 * types widen, header texts are recorded; a column or source the period lacks is marked retired from this
 * period (its data stays). The drift says what changed; the contract decides what a run does with it.
 */
export function reconcile(
  publication: { code: string; name: string; description?: string },
  canonical: CanonicalManifest | undefined,
  draft: DraftManifest,
): Reconciliation {
  const sources: Source[] = canonical ? [...canonical.sources] : []
  const bindings: SourceBinding[] = []
  const taken = new Set<string>()
  const tables = new Set(sources.map((s) => s.table))
  const keys = new Set(sources.map((s) => s.key))
  const driftSources: SourceDrift[] = []
  const restoredSources: Drift['removedSources'][number][] = []

  for (const d of draft.sources) {
    let source = findSource(sources, d, taken)
    const isNew = !source
    if (!source) {
      const key = uniqueName(d.key, keys)
      source = {
        key,
        table: uniqueName(key, tables),
        since: draft.period,
        match: d.match,
        schema: { fields: [], missingValues: [...MISSING_MARKERS] },
      }
      sources.push(source)
    }
    taken.add(source.key)
    const result = reconcileSource(source, d, draft.period, isNew)
    let updated = result.source
    if (updated.retiredSince !== undefined && !before(draft.period, updated.retiredSince)) {
      restoredSources.push({ key: updated.key, table: updated.table })
      const { retiredSince: _, ...rest } = updated
      updated = rest
    }
    if (updated.since !== undefined && before(draft.period, updated.since))
      updated = { ...updated, since: draft.period }
    sources[sources.findIndex((s) => s.key === source.key)] = updated
    bindings.push({ draft: d, source: updated, columns: result.columns })
    const r = result.drift
    const changed =
      isNew ||
      [r.added, r.removed, r.renamed, r.retyped, r.restored, r.headerChanges].some((list) => list.length > 0)
    if (changed) driftSources.push(r)
  }

  const removedSources: Drift['removedSources'][number][] = []
  sources.forEach((s, i) => {
    if (taken.has(s.key) || !expectedIn(s, draft.period)) return
    removedSources.push({ key: s.key, table: s.table })
    sources[i] = { ...s, retiredSince: draft.period }
  })

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
  const drift: Drift = {
    publication: publication.code,
    period: draft.period,
    firstManifest: !canonical,
    sources: driftSources,
    removedSources,
    restoredSources,
  }
  const driftClass = classifyDrift(drift)
  return {
    manifest,
    changed: driftClass !== 'none',
    bindings,
    drift,
    driftClass,
    changes: driftLines(drift),
  }
}
