import { fileNameFromUrl } from '../fetch/file-name.js'
import { physicalName, uniqueName } from '../manifest/physical-name.js'
import { headerKey, periodOrder } from '../manifest/reconcile.js'
import { fileGlob, fileKey, sheetKey } from '../manifest/source-key.js'
import { MISSING_MARKERS, widenType } from '../manifest/values.js'
import { SNAKE_CODE } from '../model/config.js'
import {
  type CanonicalManifest,
  CanonicalManifestSchema,
  type Field,
  type FieldType,
  type Source,
} from '../model/manifest.js'
import { type Candidate, compareCandidates } from './legacy-layout.js'
import { isEnabled, type LegacyColumn, type LegacyFile, type LegacySource } from './legacy-manifest.js'

/** What one period manifest brought to the consolidated manifest. */
export interface Contribution {
  readonly template: boolean
  readonly sources: number
  readonly columns: number
}

export interface Consolidation {
  readonly manifest: CanonicalManifest
  /** By candidate path. */
  readonly contributions: ReadonlyMap<string, Contribution>
  /** Old sources that could not become sources of ours, with why. */
  readonly leftOut: readonly { key: string; reason: string }[]
  /** Anything else a reviewer should know (types not understood, split sources, dropped attributes). */
  readonly notes: readonly string[]
  readonly periods: readonly string[]
}

const PHYSICAL = /^[a-z][a-z0-9_]{0,62}$/

/** Old column types (PostgreSQL names the LLM wrote) in ours. Unknown ones become string, and say so. */
export function mapLegacyType(dataType: string | null | undefined): FieldType | undefined {
  const t = (dataType ?? '')
    .toLowerCase()
    .replace(/\(.*\)/, '')
    .trim()
  if (/^(integer|int|int2|int4|int8|bigint|smallint|serial|bigserial)$/.test(t)) return 'integer'
  if (/^(double precision|float|float4|float8|real|numeric|decimal|number|double)$/.test(t)) return 'number'
  if (/^(varchar|character varying|text|char|character|string|bpchar)$/.test(t)) return 'string'
  if (t === 'date') return 'date'
  if (/^(timestamp|timestamptz|datetime|timestamp with(out)? time zone)$/.test(t)) return 'datetime'
  if (t === 'boolean' || t === 'bool') return 'boolean'
  return undefined
}

interface Unit {
  readonly identity: string
  readonly match: Source['match']
}

function fileNameOf(url: string): string {
  try {
    return fileNameFromUrl(new URL(url)) ?? url
  } catch {
    return url.split('/').pop() ?? url
  }
}

/** The distinct (file, ZIP, sheet) patterns of an old source's files: one source of ours each. */
function unitsOf(source: LegacySource): Unit[] {
  const units = new Map<string, Unit>()
  for (const file of source.files ?? []) {
    const match = matchOf(file)
    const identity = [match.zip ?? '', match.file, (match.sheet ?? '').trim()].join('\u0000').toLowerCase()
    if (!units.has(identity)) units.set(identity, { identity, match })
  }
  return [...units.values()]
}

function matchOf(file: LegacyFile): Source['match'] {
  const container = fileNameOf(file.url)
  const member = file.extract ? (file.extract.split('/').pop() ?? file.extract) : undefined
  return {
    file: fileGlob(member ?? container),
    ...(member ? { zip: fileGlob(container) } : {}),
    ...(file.sheet !== undefined && file.sheet !== null ? { sheet: file.sheet } : {}),
  }
}

interface BuildingField {
  readonly key: string
  field: Field
  readonly seen: Set<string>
}

interface BuildingSource {
  readonly identity: string
  readonly oldCode: string
  readonly key: string
  readonly table: string
  readonly title?: string
  readonly description?: string
  readonly match: Source['match']
  readonly fields: BuildingField[]
  readonly names: Set<string>
  readonly seen: Set<string>
  readonly withColumns: Set<string>
}

const first = (periods: Iterable<string>) => [...periods].sort(byPeriod)[0]
const last = (periods: Iterable<string>) => [...periods].sort(byPeriod).pop()
const byPeriod = (a: string, b: string) => periodOrder(a).localeCompare(periodOrder(b))

/**
 * Consolidates a publication's period manifests into ONE canonical manifest in our format. The latest period
 * (its best manifest: production before backfill, e2e_test, test and archive; canonical before enriched) is the
 * template: its sources, tables, physical names and descriptions win. Earlier periods and other manifests of a
 * period add what the template lacks (sources, columns), so nothing seen before is lost; a column or source
 * absent from a later period that defines it gets `retiredSince`, and each gets `since`, so loading any period
 * is not mistaken for drift. Disabled sources (the old metadata and dictionary sheets) are left out.
 */
export function consolidate(
  publication: { code: string; name: string; description?: string },
  candidates: readonly Candidate[],
): Consolidation {
  const ordered = [...candidates].sort((a, b) => byPeriod(b.period, a.period) || compareCandidates(a, b))
  const building: BuildingSource[] = []
  const keys = new Set<string>()
  const tables = new Set<string>()
  const contributions = new Map<string, Contribution>()
  const notes = new Set<string>()
  const unknownTypes = new Set<string>()

  ordered.forEach((candidate, index) => {
    let newSources = 0
    let newColumns = 0
    const touched = new Set<BuildingSource>()
    for (const old of candidate.manifest.sources.filter(isEnabled)) {
      const units = unitsOf(old)
      if (units.length > 1)
        notes.add(
          `old source "${old.code}" read ${units.length} kinds of file; a source of ours matches one file pattern, so it became ${units.length} sources (keys and tables suffixed _2, _3, …)`,
        )
      for (const unit of units) {
        let source =
          building.find((b) => b.identity === unit.identity && !touched.has(b)) ??
          building.find((b) => b.oldCode === old.code && !touched.has(b))
        if (!source) {
          const key = uniqueName(validCode(old.code) ?? fallbackKey(unit.match), keys)
          source = {
            identity: unit.identity,
            oldCode: old.code,
            key,
            table: uniqueName(validCode(old.table) ?? key, tables),
            ...(old.name ? { title: old.name } : {}),
            ...(old.description ? { description: old.description } : {}),
            match: unit.match,
            fields: [],
            names: new Set(),
            seen: new Set(),
            withColumns: new Set(),
          }
          building.push(source)
          newSources++
        }
        touched.add(source)
        source.seen.add(candidate.period)
        const columns = old.columns ?? []
        if (columns.length > 0) source.withColumns.add(candidate.period)
        const bound = new Set<BuildingField>()
        columns.forEach((column, position) => {
          if (addColumn(source!, column, position, candidate.period, bound, unknownTypes)) newColumns++
        })
      }
    }
    contributions.set(candidate.path, { template: index === 0, sources: newSources, columns: newColumns })
  })

  if (unknownTypes.size > 0)
    notes.add(`column types not understood, read as string: ${[...unknownTypes].sort().join(', ')}`)
  const periods = [...new Set(ordered.map((c) => c.period))].sort(byPeriod)
  const leftOut: { key: string; reason: string }[] = []
  const sources: Source[] = []
  for (const b of building) {
    if (b.fields.length === 0) {
      leftOut.push({
        key: b.key,
        reason:
          'no column definitions in any period manifest; the first run drafts them from the published files',
      })
      continue
    }
    sources.push(toSource(b, periods))
  }
  const manifest = CanonicalManifestSchema.parse({
    publication: publication.code,
    name: publication.name,
    ...(publication.description ? { description: publication.description } : {}),
    sources,
  })
  return { manifest, contributions, leftOut, notes: [...notes], periods }
}

function validCode(code: string | null | undefined): string | undefined {
  return code && SNAKE_CODE.test(code) && code.length <= 63 ? code : undefined
}

function fallbackKey(match: Source['match']): string {
  return match.sheet !== undefined ? sheetKey(match.sheet) : fileKey(match.file.replace(/\*/g, ''))
}

/** Adds an old column to a source, or merges it into the field with the same header. Returns whether it was new. */
function addColumn(
  source: BuildingSource,
  column: LegacyColumn,
  position: number,
  period: string,
  bound: Set<BuildingField>,
  unknownTypes: Set<string>,
): boolean {
  const title = (column.original_name ?? column.semantic_name ?? '').trim()
  if (title === '') return false
  const mapped = mapLegacyType(column.data_type)
  if (!mapped) unknownTypes.add(String(column.data_type ?? '(none)'))
  const type = mapped ?? 'string'
  const key = headerKey(title) || title
  const role = column.is_dimension ? 'dimension' : column.is_measure ? 'measure' : undefined
  // A header repeated within one source is two columns: each binds to a field only once per manifest.
  const existing = source.fields.find((f) => f.key === key && !bound.has(f))
  if (existing) {
    bound.add(existing)
    existing.seen.add(period)
    const f = existing.field
    existing.field = {
      ...f,
      type: widenType(f.type, type),
      ...(f.description === undefined && column.description ? { description: column.description } : {}),
      ...(f.role === undefined && role ? { role } : {}),
    }
    return false
  }
  const semantic = column.semantic_name?.trim()
  const name = uniqueName(
    semantic && PHYSICAL.test(semantic) ? semantic : physicalName(title, position + 1),
    source.names,
  )
  const added: BuildingField = {
    key,
    seen: new Set([period]),
    field: {
      name,
      title,
      type,
      ...(column.description ? { description: column.description } : {}),
      ...(role ? { role } : {}),
    },
  }
  source.fields.push(added)
  bound.add(added)
  return true
}

/** The first period after `lastSeen` among `periods`: where the evidence says it was gone. */
function retiredAfter(lastSeen: string | undefined, periods: Iterable<string>): string | undefined {
  if (lastSeen === undefined) return undefined
  return [...periods].sort(byPeriod).find((p) => byPeriod(p, lastSeen) > 0)
}

function toSource(b: BuildingSource, periods: readonly string[]): Source {
  const sourceRetired = retiredAfter(last(b.seen), periods)
  const fields = b.fields.map(({ field, seen }): Field => {
    const retired = retiredAfter(last(seen), b.withColumns)
    return { ...field, since: first(seen)!, ...(retired ? { retiredSince: retired } : {}) }
  })
  return {
    key: b.key,
    table: b.table,
    ...(b.title !== undefined ? { title: b.title } : {}),
    ...(b.description !== undefined ? { description: b.description } : {}),
    since: first(b.seen)!,
    ...(sourceRetired ? { retiredSince: sourceRetired } : {}),
    match: b.match,
    schema: { fields, missingValues: [...MISSING_MARKERS] },
  }
}
