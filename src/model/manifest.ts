import { z } from 'zod'
import { SNAKE_CODE } from './config.js'

/**
 * Field types use Frictionless Table Schema names. Each maps to one PostgreSQL type (see db/sql-types.ts);
 * inference prefers the wide types so later periods keep fitting.
 */
export const FieldTypeSchema = z.enum(['integer', 'number', 'boolean', 'date', 'datetime', 'string'])
export type FieldType = z.output<typeof FieldTypeSchema>

export const FieldRoleSchema = z.enum(['dimension', 'measure'])

/** Where a description came from; absent with a description means a person wrote it. */
export const DescriptionSourceSchema = z
  .enum(['publisher', 'derived', 'llm', 'reviewer'])
  .describe(
    "Where the description came from: publisher (the release's own documentation, notes or footnotes), derived (offline rules), llm, or reviewer (written by hand, never overwritten). Absent means reviewer when there is a description",
  )
export type DescriptionSource = z.output<typeof DescriptionSourceSchema>

/** Where a source's or field's description came from, when it has one: written by hand when it does not say. */
export function descriptionSourceOf(item: {
  readonly description?: string | null
  readonly descriptionSource?: DescriptionSource
}): DescriptionSource | undefined {
  return item.description ? (item.descriptionSource ?? 'reviewer') : undefined
}

export const HeaderSeenSchema = z.strictObject({
  text: z.string().describe('A header text the publication used for this column'),
  since: z.string().describe('The first period it was seen in'),
})

export const FieldSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,62}$/)
    .describe('Physical column name; never changes once loaded'),
  title: z.string().describe('The header as the publication last wrote it'),
  type: FieldTypeSchema,
  description: z.string().optional(),
  descriptionSource: DescriptionSourceSchema.optional(),
  unit: z.string().optional().describe('What a value counts or measures: count, percent, GBP, FTE, days…'),
  role: FieldRoleSchema.optional().describe('dimension (what a row is about) or measure (a value)'),
  since: z.string().optional().describe('The first period the column was seen in'),
  untyped: z
    .literal(true)
    .optional()
    .describe(
      'Only empty cells or missing markers so far: `type` (string) is a placeholder, which the first period with values replaces by their type without a review',
    ),
  headers: z
    .array(HeaderSeenSchema)
    .optional()
    .describe(
      'Every header text seen for the column, when it has changed, with the period it was first seen in',
    ),
  retiredSince: z
    .string()
    .optional()
    .describe('The first period without the column; its data stays and later periods get NULL'),
})
export type Field = z.output<typeof FieldSchema>

export const SourceMatchSchema = z.strictObject({
  file: z.string().describe('Glob on the file (or ZIP member) name; * stands for period words'),
  zip: z.string().optional().describe('Glob on the name of the ZIP the file comes in, when it does'),
  sheet: z.string().optional().describe('Sheet name, for workbooks'),
})

export const SourceSchema = z.strictObject({
  key: z.string().regex(SNAKE_CODE).max(63).describe('Stable key of the source within the publication'),
  table: z
    .string()
    .regex(SNAKE_CODE)
    .max(63)
    .describe('PostgreSQL table, in the schema named after the publication'),
  title: z.string().optional(),
  description: z.string().optional(),
  descriptionSource: DescriptionSourceSchema.optional(),
  since: z.string().optional().describe('The first period the source was seen in'),
  retiredSince: z.string().optional().describe('The first period without the source; its data stays'),
  match: SourceMatchSchema,
  unpivot: z
    .boolean()
    .optional()
    .describe(
      'Load a wide table (a column per month, year or other period) long: one row per period, with a Period column',
    ),
  schema: z.strictObject({
    fields: z.array(FieldSchema).min(1),
    missingValues: z
      .array(z.string())
      .optional()
      .describe(
        "Markers read as NULL in numeric and date fields, on top of the built-in ones; they count for all the publication's sources",
      ),
  }),
})
export type Source = z.output<typeof SourceSchema>

/** PostgreSQL's limit on a table's columns, and what is left of it besides DataWarp's four lineage columns. */
export const MAX_TABLE_COLUMNS = 1600
export const MAX_FIELDS = MAX_TABLE_COLUMNS - 4

/** Columns every PostgreSQL table has: a field of this name could never be created. */
export const SYSTEM_COLUMNS: ReadonlySet<string> = new Set([
  'ctid',
  'xmin',
  'xmax',
  'cmin',
  'cmax',
  'tableoid',
  'oid',
])

export const CanonicalManifestSchema = z
  .strictObject({
    publication: z.string().regex(SNAKE_CODE),
    name: z.string(),
    description: z.string().optional(),
    sources: z.array(SourceSchema),
  })
  .superRefine(checkPhysicalNames)

/**
 * Physical names a database can hold apart: one table per source (two sources in one table would mix their
 * rows and exports), field names distinct within a source, and none a PostgreSQL system column.
 */
function checkPhysicalNames(
  manifest: {
    sources: readonly { key: string; table: string; schema: { fields: readonly { name: string }[] } }[]
  },
  ctx: z.RefinementCtx,
): void {
  const tables = new Map<string, string>()
  manifest.sources.forEach((source, i) => {
    const owner = tables.get(source.table)
    if (owner !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['sources', i, 'table'],
        message: `table "${source.table}" is also the table of source "${owner}": sources "${owner}" and "${source.key}" must each have a table of their own`,
      })
    else tables.set(source.table, source.key)
    if (source.schema.fields.length > MAX_FIELDS)
      ctx.addIssue({
        code: 'custom',
        path: ['sources', i, 'schema', 'fields'],
        message: `${source.schema.fields.length} fields: a PostgreSQL table holds at most ${MAX_TABLE_COLUMNS} columns (${MAX_FIELDS} besides the lineage columns)`,
      })
    const names = new Map<string, number>()
    source.schema.fields.forEach((field, j) => {
      const at = ['sources', i, 'schema', 'fields', j, 'name']
      if (SYSTEM_COLUMNS.has(field.name))
        ctx.addIssue({
          code: 'custom',
          path: at,
          message: `"${field.name}" is a PostgreSQL system column name: a field cannot have it (rename it, e.g. "${field.name}_value")`,
        })
      const first = names.get(field.name)
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: at,
          message: `"${field.name}" is also the name of fields.${first} of source "${source.key}": field names must differ`,
        })
      else names.set(field.name, j)
    })
  })
}
export type CanonicalManifest = z.output<typeof CanonicalManifestSchema>

/** A draft: what one period's files hold, before it is matched to the canonical manifest. */
export interface DraftField extends Field {
  readonly samples: readonly string[]
  readonly nulls: number
  readonly suppressed: number
  /** The header cells over the column as written, top row first, when the header has several rows. */
  readonly headerCells?: readonly string[]
}

export interface DraftSource {
  readonly key: string
  readonly file: string
  readonly zip?: string
  readonly sheet?: string
  readonly match: z.output<typeof SourceMatchSchema>
  readonly headerRows: readonly number[]
  readonly rows: number
  /** Rows of the sheet or file that are not data, summarised with the reason (never silent). */
  readonly excludedRows: readonly string[]
  readonly fields: readonly DraftField[]
  /** The table's title in the file ("Table 3: …"), when it has one. */
  readonly title?: string
  /** The first and last row (or CSV line) of data. */
  readonly dataRows?: { readonly first: number; readonly last: number }
  /** Set when the table has a column per period: it can be loaded long with `unpivot: true` on its source. */
  readonly wide?: DraftWide
}

export interface DraftWide {
  /** The periods the columns stand for, in column order. */
  readonly periods: readonly string[]
  /** What each period's columns hold ("" when a period has one column). */
  readonly measures: readonly string[]
  /** True when the canonical source says `unpivot` and the draft describes the long shape. */
  readonly unpivoted: boolean
}

export interface DraftManifest {
  readonly publication: string
  readonly period: string
  readonly sources: readonly DraftSource[]
  readonly skipped: readonly { file: string; sheet?: string; reason: string }[]
  /** Tables of field definitions in the release: not loaded, their text describes the columns they name. */
  readonly documentation?: readonly DraftDocumentation[]
}

/** A documentation table of the release, and which of its data sources' columns it describes. */
export interface DraftDocumentation {
  readonly file: string
  readonly zip?: string
  readonly sheet?: string
  /** How many fields it defines. */
  readonly definitions: number
  /** Per draft source, the columns (physical names) a definition names. */
  readonly describes: readonly { readonly source: string; readonly columns: readonly string[] }[]
  /** Definitions naming no column of this release (fields of other files, or of earlier editions). */
  readonly unmatched: number
}

/** What the database holds of a source already loaded (datawarp.sources). */
export interface LoadedSource {
  readonly key: string
  readonly schema: string
  readonly table: string
  readonly fieldNames: readonly string[]
}

/**
 * Physical names never change once loaded: why a manifest's source cannot load into what `loaded` made (a
 * different table, or a loaded field's name gone), one line each; empty when it can.
 */
export function physicalNameChanges(loaded: LoadedSource, source: Source): string[] {
  const problems: string[] = []
  if (loaded.table !== source.table)
    problems.push(
      `source "${source.key}" was loaded into table ${loaded.schema}.${loaded.table}; the manifest now says "${source.table}": a loaded source's table never changes (put back \`table: ${loaded.table}\`, or give the new table a new source key)`,
    )
  const names = new Set(source.schema.fields.map((f) => f.name))
  for (const name of loaded.fieldNames.filter((n) => !names.has(n)))
    problems.push(
      `field "${name}" of source "${source.key}" was loaded into ${loaded.schema}.${loaded.table} and is no longer in the manifest: a loaded column's name never changes (keep it, with \`retiredSince\` if the publication dropped it)`,
    )
  return problems
}
