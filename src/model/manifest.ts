import { z } from 'zod'
import { SNAKE_CODE } from './config.js'

/**
 * Field types use Frictionless Table Schema names. Each maps to one PostgreSQL type (see db/sql-types.ts);
 * inference prefers the wide types so later periods keep fitting.
 */
export const FieldTypeSchema = z.enum(['integer', 'number', 'boolean', 'date', 'datetime', 'string'])
export type FieldType = z.output<typeof FieldTypeSchema>

export const FieldRoleSchema = z.enum(['dimension', 'measure'])

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
  unit: z.string().optional().describe('What a value counts or measures: count, percent, GBP, FTE, days…'),
  role: FieldRoleSchema.optional().describe('dimension (what a row is about) or measure (a value)'),
  since: z.string().optional().describe('The first period the column was seen in'),
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

export const CanonicalManifestSchema = z.strictObject({
  publication: z.string().regex(SNAKE_CODE),
  name: z.string(),
  description: z.string().optional(),
  sources: z.array(SourceSchema),
})
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
}
