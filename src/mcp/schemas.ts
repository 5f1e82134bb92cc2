import { z } from 'zod'

/** Zod shapes of what the tools return (their outputSchema), mirroring src/read/types.ts. */

const cell = z.union([z.string(), z.number(), z.boolean(), z.null()])

export const QueryResultSchema = z.object({
  columns: z.array(z.object({ name: z.string(), type: z.string() })),
  rows: z.array(z.array(cell)).describe('Each row an array in `columns` order'),
  rowCount: z.number().int(),
  offset: z.number().int(),
  truncated: z.boolean().describe('True when the full result has more rows than this page'),
  truncatedBy: z.enum(['rows', 'bytes']).nullable(),
  totalRows: z.number().int().describe('Rows in the full result'),
  nextCursor: z.string().nullable().describe('Pass as `cursor` with the same sql for the next page'),
  durationMs: z.number(),
})

const DESCRIPTION_SOURCE = z
  .string()
  .nullable()
  .describe(
    'Where the description came from: publisher (the release’s own documentation), derived (offline rules), llm, or reviewer (a person); null without one',
  )

const column = z.object({
  name: z.string(),
  title: z.string(),
  type: z.string(),
  unit: z.string().nullable(),
  role: z.string().nullable(),
  description: z.string().nullable(),
  descriptionSource: DESCRIPTION_SOURCE,
  firstPeriod: z.string().nullable(),
  lastPeriod: z.string().nullable(),
})

export const CatalogEntrySchema = z.object({
  sourceCode: z.string(),
  publication: z.string(),
  publicationName: z.string(),
  sourceKey: z.string(),
  table: z.string().describe('The table to name in a query'),
  title: z.string().nullable(),
  description: z.string().nullable(),
  descriptionSource: DESCRIPTION_SOURCE,
  rowCount: z.number().int(),
  firstPeriod: z.string().nullable(),
  lastPeriod: z.string().nullable(),
  columns: z.array(column),
  parquetPath: z.string(),
  updatedAt: z.string().nullable(),
})

export const SourceDescriptionSchema = CatalogEntrySchema.extend({
  periods: z.array(z.object({ period: z.string(), rows: z.number().int() })),
  manifestText: z.string().nullable(),
  sample: QueryResultSchema,
})

export const SearchResultSchema = z.object({
  hits: z.array(
    z.object({
      sourceCode: z.string(),
      publication: z.string(),
      title: z.string().nullable(),
      line: z.string(),
      score: z.number(),
    }),
  ),
})

export const PublicationsSchema = z.object({
  backend: z.enum(['postgres', 'parquet']),
  publications: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      sources: z.array(z.string()),
      periods: z.array(
        z.object({ period: z.string(), rows: z.number().int(), loadedAt: z.string().nullable() }),
      ),
    }),
  ),
})
