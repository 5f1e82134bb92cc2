/**
 * PostgreSQL comments (`COMMENT ON TABLE / COLUMN`) from the canonical manifest, so `\d+` and every database tool
 * show what a table and its columns are. A partitioned table's comments are on its parent, the table `\d+` and
 * queries name; partitions carry none.
 */

import type pg from 'pg'
import { LINEAGE_COLUMNS, quoteIdent, quoteLiteral } from '../db/sql-types.js'
import { displayTitle } from '../model/header-text.js'
import type { CanonicalManifest, Field, Source } from '../model/manifest.js'

/** The comments a source's table should carry: the table's, and each column's by name. */
export interface SourceComments {
  readonly table: string
  readonly comment: string
  readonly columns: ReadonlyMap<string, string>
}

/** Manifest text as a comment: PostgreSQL text cannot hold NUL, so one is dropped; nothing else changes. */
const clean = (text: string) => text.replaceAll('\u0000', '').trim()

/** A description adds something only when it is not the title again. */
const adds = (description: string | undefined, title: string) =>
  description !== undefined && clean(description) !== '' && clean(description) !== clean(title)

/** The table's comment: its title, its description, and the publication it belongs to. */
export function tableComment(source: Source, publicationName: string): string {
  const title = source.title ?? source.key
  return [
    clean(title),
    adds(source.description, title) ? clean(source.description!) : undefined,
    source.retiredSince ? `Not published since ${clean(source.retiredSince)}; its data stays.` : undefined,
    `Publication: ${clean(publicationName)}.`,
  ]
    .filter((line) => line !== undefined)
    .join('\n')
}

/** A column's comment: its title, its description when it adds to the title, and its unit. */
export function columnComment(field: Field): string {
  const title = displayTitle(field.title)
  let text = clean(title)
  if (adds(field.description, title) && adds(field.description, field.title))
    text += ` — ${clean(field.description!)}`
  if (field.unit) text += ` (unit: ${clean(field.unit)})`
  if (field.retiredSince) text += ` Not published since ${clean(field.retiredSince)}.`
  return text
}

export function sourceComments(source: Source, publicationName: string): SourceComments {
  const columns = new Map(source.schema.fields.map((f) => [f.name, columnComment(f)]))
  for (const column of LINEAGE_COLUMNS) columns.set(column.name, column.description)
  return { table: source.table, comment: tableComment(source, publicationName), columns }
}

/** The comment each table and column has now; a table's own under the key `null`. */
async function currentComments(
  client: pg.ClientBase,
  schema: string,
  tables: readonly string[],
): Promise<Map<string, Map<string | null, string | null>>> {
  const { rows } = await client.query<{ table: string; column: string | null; comment: string | null }>(
    `WITH t AS (
       SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) AND c.relkind IN ('r', 'p'))
     SELECT t.relname AS table, NULL AS column, obj_description(t.oid, 'pg_class') AS comment FROM t
     UNION ALL
     SELECT t.relname, a.attname, col_description(t.oid, a.attnum)
       FROM t JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped`,
    [schema, tables],
  )
  const current = new Map<string, Map<string | null, string | null>>()
  for (const row of rows) {
    const table = current.get(row.table) ?? new Map<string | null, string | null>()
    table.set(row.column, row.comment)
    current.set(row.table, table)
  }
  return current
}

/**
 * The COMMENT statements that bring the tables to `wanted`: only for comments that differ from what the table
 * has, and only on tables and columns that exist (a column the manifest has but no load has added yet waits).
 */
export function commentStatements(
  schema: string,
  wanted: readonly SourceComments[],
  current: ReadonlyMap<string, ReadonlyMap<string | null, string | null>>,
): string[] {
  const statements: string[] = []
  for (const source of wanted) {
    const have = current.get(source.table)
    if (!have) continue
    const table = `${quoteIdent(schema)}.${quoteIdent(source.table)}`
    if (have.get(null) !== source.comment)
      statements.push(`COMMENT ON TABLE ${table} IS ${quoteLiteral(source.comment)}`)
    for (const [column, comment] of source.columns) {
      if (!have.has(column) || have.get(column) === comment) continue
      statements.push(`COMMENT ON COLUMN ${table}.${quoteIdent(column)} IS ${quoteLiteral(comment)}`)
    }
  }
  return statements
}

/**
 * Sets the comments of the sources' tables (by key) from the manifest, where they differ from what the
 * tables have: nothing is written when the text is unchanged. Runs inside the caller's transaction.
 * Returns how many comments changed.
 */
export async function commentSources(
  client: pg.ClientBase,
  schema: string,
  manifest: CanonicalManifest,
  keys: readonly string[],
): Promise<number> {
  const wanted = manifest.sources
    .filter((s) => keys.includes(s.key))
    .map((s) => sourceComments(s, manifest.name))
  if (wanted.length === 0) return 0
  const current = await currentComments(
    client,
    schema,
    wanted.map((w) => w.table),
  )
  const statements = commentStatements(schema, wanted, current)
  if (statements.length === 0) return 0
  // The literals double their quotes and leave backslashes alone, which is right only with standard strings.
  await client.query(['SET LOCAL standard_conforming_strings = on', ...statements].join(';\n'))
  return statements.length
}
