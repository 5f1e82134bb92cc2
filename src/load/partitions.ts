import { createHash } from 'node:crypto'
import type pg from 'pg'
import { quoteIdent, quoteLiteral } from '../db/sql-types.js'
import { DataWarpError } from '../model/table.js'

/**
 * Each source table is partitioned by `_period`, one partition per period, in the publication's schema:
 * a load writes no index entries, a republication touches only its own partition, and a period's rows
 * are read without a sort.
 */

const MAX_IDENTIFIER_BYTES = 63

/** `<table>_p<period>`, e.g. `appointments_p2024_01`; a table name too long to fit is shortened with a hash. */
export function partitionName(table: string, period: string): string {
  const suffix = `_p${period.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`
  if (Buffer.byteLength(table) + suffix.length <= MAX_IDENTIFIER_BYTES) return `${table}${suffix}`
  const hash = createHash('sha256').update(table).digest('hex').slice(0, 8)
  let head = table.slice(0, MAX_IDENTIFIER_BYTES - suffix.length - hash.length - 1)
  while (Buffer.byteLength(head) > MAX_IDENTIFIER_BYTES - suffix.length - hash.length - 1)
    head = head.slice(0, -1)
  return `${head}_${hash}${suffix}`
}

/** Where a period's rows go: the existing partition (through its parent), or a new one awaiting ATTACH. */
export interface PeriodTarget {
  /** The table COPY writes into. */
  readonly table: string
  /** Set when `table` is a new partition, not yet attached: attachPartition must follow the COPY. */
  readonly detached?: { readonly parent: string; readonly period: string }
}

/**
 * The table a period's rows are copied into. A period seen before is written through the parent (its
 * partition exists). A new period gets a table of its own, built outside the parent and attached once
 * filled: ATTACH takes a lock that lets readers of the parent go on, where creating the partition in place
 * would block them until the load commits.
 */
export async function periodTarget(
  client: pg.ClientBase,
  schema: string,
  parent: string,
  period: string,
): Promise<PeriodTarget> {
  const name = partitionName(parent, period)
  const qualified = `${quoteIdent(schema)}.${quoteIdent(name)}`
  const found = await client.query<{ ours: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid AND i.inhparent = to_regclass($3)) AS ours
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, name, `${quoteIdent(schema)}.${quoteIdent(parent)}`],
  )
  if (found.rows[0]?.ours) return { table: parent }
  if (found.rows.length > 0) {
    throw new DataWarpError(
      `cannot make the partition ${qualified} for period ${period} of ${schema}.${parent}: a table of that name exists and is not its partition`,
    )
  }
  await client.query(
    `CREATE TABLE ${qualified} (LIKE ${quoteIdent(schema)}.${quoteIdent(parent)} INCLUDING DEFAULTS)`,
  )
  // The partition bound as a constraint: checked as rows arrive, so ATTACH need not scan the table.
  await client.query(
    `ALTER TABLE ${qualified} ADD CONSTRAINT ${quoteIdent(`${name}_period`)}
       CHECK ("_period" COLLATE "C" = ${quoteLiteral(period)})`,
  )
  return { table: name, detached: { parent, period } }
}

export async function attachPartition(client: pg.ClientBase, schema: string, target: PeriodTarget) {
  if (!target.detached) return
  await client.query(
    `ALTER TABLE ${quoteIdent(schema)}.${quoteIdent(target.detached.parent)}
       ATTACH PARTITION ${quoteIdent(schema)}.${quoteIdent(target.table)}
       FOR VALUES IN (${quoteLiteral(target.detached.period)})`,
  )
}

/** True when the table is partitioned by period; tables made by earlier versions are plain. */
export async function isPartitioned(client: pg.ClientBase, schema: string, table: string) {
  const { rows } = await client.query<{ kind: string }>(
    `SELECT c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, table],
  )
  return rows[0]?.kind === 'p'
}
