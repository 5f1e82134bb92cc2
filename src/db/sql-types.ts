import type { FieldType } from '../model/manifest.js'

/** The one PostgreSQL type per manifest field type: wide types, so later periods keep fitting. */
export const SQL_TYPE: Record<FieldType, string> = {
  integer: 'bigint',
  number: 'numeric',
  boolean: 'boolean',
  date: 'date',
  datetime: 'timestamp',
  string: 'text',
}

/**
 * Lineage columns every data table carries, after the publication's own columns: their SQL, their field type in
 * the exports, and what they hold (the tables' comments and datapackage.json say it).
 */
export const LINEAGE_COLUMNS = [
  // Byte order ("C"), the partition key's: a plain `_period = '2024-01'` then reads that period's partition only.
  {
    name: '_period',
    sql: 'text COLLATE "C" NOT NULL',
    type: 'string',
    description: 'Lineage: the period the row was published for',
  },
  {
    name: '_load_id',
    sql: 'bigint NOT NULL',
    type: 'integer',
    description: 'Lineage: the load that wrote the row (datawarp.loads.load_id)',
  },
  {
    name: '_source_file',
    sql: 'text NOT NULL',
    type: 'string',
    description: 'Lineage: the file the row was read from (zip/member for a ZIP member)',
  },
  {
    name: '_loaded_at',
    sql: 'timestamptz NOT NULL',
    type: 'datetime',
    description: 'Lineage: when the load that wrote the row committed',
  },
] as const satisfies readonly { name: string; sql: string; type: FieldType; description: string }[]

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** A string literal for SQL that cannot take a parameter (DDL); standard_conforming_strings is on. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}
