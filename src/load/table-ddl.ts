import type pg from 'pg'
import { LINEAGE_COLUMNS, quoteIdent, quoteLiteral, SQL_TYPE } from '../db/sql-types.js'
import { MISSING_MARKERS } from '../manifest/index.js'
import type { FieldType, Source } from '../model/manifest.js'
import { DataWarpError } from '../model/table.js'

/** PostgreSQL's name for each type we create, as information_schema reports it. */
const REPORTED_TYPE: Record<string, FieldType> = {
  bigint: 'integer',
  numeric: 'number',
  boolean: 'boolean',
  date: 'date',
  'timestamp without time zone': 'datetime',
  text: 'string',
}

/**
 * Creates the source's table or brings it up to the manifest: new columns are added (older periods get NULL),
 * widened types are altered in place. Columns are never dropped: data a later period lacks stays.
 * A new table is partitioned by period (see partitions.ts); ALTER on it reaches every partition.
 */
export async function ensureTable(client: pg.PoolClient, schema: string, source: Source): Promise<string[]> {
  const qualified = `${quoteIdent(schema)}.${quoteIdent(source.table)}`
  const changes: string[] = []
  const existing = await client.query<{ column_name: string; data_type: string }>(
    'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
    [schema, source.table],
  )
  if (existing.rowCount === 0) {
    const columns = [
      ...source.schema.fields.map((f) => `${quoteIdent(f.name)} ${SQL_TYPE[f.type]}`),
      ...LINEAGE_COLUMNS.map((c) => `${quoteIdent(c.name)} ${c.sql}`),
    ]
    await client.query(
      `CREATE TABLE ${qualified} (\n  ${columns.join(',\n  ')}\n) PARTITION BY LIST ("_period")`,
    )
    return [`created table ${schema}.${source.table}`]
  }
  const have = new Map(existing.rows.map((r) => [r.column_name, REPORTED_TYPE[r.data_type]]))
  for (const field of source.schema.fields) {
    const current = have.get(field.name)
    const column = quoteIdent(field.name)
    if (!have.has(field.name)) {
      await client.query(`ALTER TABLE ${qualified} ADD COLUMN ${column} ${SQL_TYPE[field.type]}`)
      changes.push(`added column ${source.table}.${field.name}`)
    } else if (current !== field.type) {
      const using =
        field.type === 'string'
          ? `${column}::text`
          : current === 'string'
            ? await fromText(client, qualified, source, field.name, field.type)
            : `${column}::${SQL_TYPE[field.type]}`
      await client.query(
        `ALTER TABLE ${qualified} ALTER COLUMN ${column} TYPE ${SQL_TYPE[field.type]} USING ${using}`,
      )
      changes.push(`changed ${source.table}.${field.name} from ${current ?? 'unknown'} to ${field.type}`)
    }
  }
  return changes
}

/**
 * How a text column becomes a typed one: the manifest typed a column that held only empty cells or missing
 * markers (see Field.untyped), which become NULL as a typed column would have stored them. Any other text left
 * in it is refused by name rather than cast.
 */
async function fromText(
  client: pg.PoolClient,
  qualified: string,
  source: Source,
  name: string,
  type: FieldType,
): Promise<string> {
  const column = quoteIdent(name)
  const markers = [...new Set(['', ...MISSING_MARKERS, ...(source.schema.missingValues ?? [])])]
  const isMissing = `btrim(${column}) IN (${markers.map(quoteLiteral).join(', ')})`
  const { rows } = await client.query<{ value: string }>(
    `SELECT ${column} AS value FROM ${qualified} WHERE ${column} IS NOT NULL AND NOT ${isMissing} LIMIT 3`,
  )
  if (rows.length > 0)
    throw new DataWarpError(
      `column ${source.table}.${name} cannot become ${type}: loaded periods hold values such as ${rows.map((r) => JSON.stringify(r.value)).join(', ')}; only a column of empty cells and missing markers is typed later`,
    )
  return `CASE WHEN ${isMissing} THEN NULL ELSE btrim(${column})::${SQL_TYPE[type]} END`
}
