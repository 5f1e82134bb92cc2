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

/** Lineage columns every data table carries, after the publication's own columns. */
export const LINEAGE_COLUMNS = [
  // Byte order ("C"), the partition key's: a plain `_period = '2024-01'` then reads that period's partition only.
  { name: '_period', sql: 'text COLLATE "C" NOT NULL' },
  { name: '_load_id', sql: 'bigint NOT NULL' },
  { name: '_source_file', sql: 'text NOT NULL' },
  { name: '_loaded_at', sql: 'timestamptz NOT NULL' },
] as const

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** A string literal for SQL that cannot take a parameter (DDL); standard_conforming_strings is on. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}
