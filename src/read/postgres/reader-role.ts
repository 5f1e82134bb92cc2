import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import { ensureLedger, inClientTransaction, quoteIdent, quoteLiteral } from '../../db/index.js'
import type { ReadLimits } from '../types.js'

/** The schema of the read-only views consumers see instead of the `datawarp` ledger. */
export const CATALOG_SCHEMA = 'datawarp_catalog'

/**
 * `periods`: per (publication, period, source), the rows of the latest successful load of the period (the data
 * the tables hold: a load replaces the period in every table of its publication) and when it finished.
 * `sources`: `datawarp.sources` (the canonical description of each loaded source).
 * `pending`: per (publication, period) whose latest attempt did not load, its status, time and reason.
 * `drift`: the manifest changes each period brought, from the run summaries, once per distinct change.
 */
const CATALOG_VIEWS = `
CREATE SCHEMA IF NOT EXISTS ${CATALOG_SCHEMA};
CREATE OR REPLACE VIEW ${CATALOG_SCHEMA}.periods AS
SELECT l.publication, l.period, s.source_key, sum(s.rows_loaded)::bigint AS rows, l.finished_at AS loaded_at, l.load_id
FROM (SELECT DISTINCT ON (publication, period) load_id, publication, period, finished_at
      FROM datawarp.loads WHERE status = 'loaded' ORDER BY publication, period, load_id DESC) l
JOIN datawarp.load_sources s ON s.load_id = l.load_id
GROUP BY l.publication, l.period, s.source_key, l.finished_at, l.load_id;
CREATE OR REPLACE VIEW ${CATALOG_SCHEMA}.sources AS
SELECT publication, source_key, publication_name, table_schema, table_name, title, description, fields, updated_at,
       description_source
FROM datawarp.sources;
CREATE OR REPLACE VIEW ${CATALOG_SCHEMA}.pending AS
SELECT publication, period, status, finished_at, reason
FROM (SELECT DISTINCT ON (publication, period) publication, period, status, finished_at, reason
      FROM datawarp.loads ORDER BY publication, period, load_id DESC) latest
WHERE status <> 'loaded';
CREATE OR REPLACE VIEW ${CATALOG_SCHEMA}.drift AS
SELECT DISTINCT ON (pub->>'code', per->>'period', per->>'status', per->'manifestChanges')
       pub->>'code' AS publication, per->>'period' AS period, per->>'status' AS status, r.started_at AS at,
       per->'manifestChanges' AS changes
FROM datawarp.runs r
CROSS JOIN LATERAL jsonb_array_elements(
  CASE WHEN jsonb_typeof(r.summary->'publications') = 'array' THEN r.summary->'publications' ELSE '[]' END) pub
CROSS JOIN LATERAL jsonb_array_elements(
  CASE WHEN jsonb_typeof(pub->'periods') = 'array' THEN pub->'periods' ELSE '[]' END) per
WHERE per->>'status' IN ('loaded', 'held', 'failed')
  AND jsonb_typeof(per->'manifestChanges') = 'array' AND jsonb_array_length(per->'manifestChanges') > 0
ORDER BY pub->>'code', per->>'period', per->>'status', per->'manifestChanges', r.started_at;
CREATE TABLE IF NOT EXISTS datawarp.reader_roles (role text PRIMARY KEY, password text NOT NULL);
`

/** The default reader role of a database: one per database, since roles are shared by the whole server. */
export function defaultReaderRole(database: string): string {
  return `datawarp_reader_${database.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63)
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * Creates (or checks and refreshes) the least-privileged role queries run as: it can log in and SELECT the
 * publication schemas and the catalog views, nothing else: not superuser, no role creation, no replication,
 * no membership in any role (so no pg_read_server_files or pg_execute_server_program), no access to the
 * `datawarp` ledger; read-only transactions and timeouts by default. Returns the role's password (kept in
 * `datawarp.reader_roles`, which only the pipeline's role can read, so several servers share it).
 * Refuses a role of that name that has more rights than these.
 */
export async function ensureReaderRole(
  client: pg.ClientBase,
  role: string,
  limits: ReadLimits,
): Promise<string> {
  if (!ROLE_NAME.test(role))
    throw new Error(`reader role ${JSON.stringify(role)} is not a plain lower-case name`)
  await ensureLedger(client)
  return inClientTransaction(client, async () => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('datawarp.reader_role'))`)
    await client.query(CATALOG_VIEWS)
    const existing = await client.query<{ unsafe: boolean; members: number }>(
      `SELECT (rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls) AS unsafe,
              (SELECT count(*)::int FROM pg_auth_members WHERE member = r.oid) AS members
       FROM pg_roles r WHERE rolname = $1`,
      [role],
    )
    const found = existing.rows[0]
    if (found && (found.unsafe || found.members > 0)) {
      throw new Error(
        `role ${role} exists with more rights than a reader may have (superuser, createrole, createdb, replication, bypassrls or membership in another role): drop it or choose another --reader-role`,
      )
    }
    const stored = await client.query<{ password: string }>(
      'SELECT password FROM datawarp.reader_roles WHERE role = $1',
      [role],
    )
    const password = stored.rows[0]?.password ?? randomBytes(24).toString('base64url')
    const r = quoteIdent(role)
    const attributes = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 32 PASSWORD ${quoteLiteral(password)}`
    await client.query(found ? `ALTER ROLE ${r} ${attributes}` : `CREATE ROLE ${r} ${attributes}`)
    await client.query(
      'INSERT INTO datawarp.reader_roles VALUES ($1, $2) ON CONFLICT (role) DO UPDATE SET password = EXCLUDED.password',
      [role, password],
    )
    const { rows } = await client.query<{ database: string }>('SELECT current_database() AS database')
    const settings: [string, string][] = [
      ['default_transaction_read_only', 'on'],
      ['statement_timeout', String(limits.timeoutMs)],
      ['idle_in_transaction_session_timeout', String(limits.timeoutMs * 2)],
      ['lock_timeout', String(limits.timeoutMs)],
      ['TimeZone', 'UTC'],
      // Compiling a plan costs more than the short aggregates consumers send save by it.
      ['jit', 'off'],
      ['DateStyle', 'ISO, YMD'],
    ]
    for (const [name, value] of settings) {
      await client.query(
        `ALTER ROLE ${r} IN DATABASE ${quoteIdent(rows[0]!.database)} SET ${name} = ${quoteLiteral(value)}`,
      )
    }
    await client.query(`GRANT CONNECT ON DATABASE ${quoteIdent(rows[0]!.database)} TO ${r}`)
    await client.query(`GRANT USAGE ON SCHEMA ${CATALOG_SCHEMA} TO ${r}`)
    await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${CATALOG_SCHEMA} TO ${r}`)
    await grantPublications(client, r)
    return password
  })
}

/** Grants the reader the publications loaded since it was set up (a new schema, a table made by another role). */
export async function refreshReaderGrants(client: pg.ClientBase, role: string): Promise<void> {
  if (!ROLE_NAME.test(role))
    throw new Error(`reader role ${JSON.stringify(role)} is not a plain lower-case name`)
  await inClientTransaction(client, async () => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('datawarp.reader_role'))`)
    await grantPublications(client, quoteIdent(role))
  })
}

/** SELECT on every publication schema's tables, now and (by default privileges) those created later in it. */
async function grantPublications(client: pg.ClientBase, role: string): Promise<void> {
  const { rows } = await client.query<{ schema: string }>(
    `SELECT DISTINCT s.table_schema AS schema FROM datawarp.sources s
     JOIN pg_namespace n ON n.nspname = s.table_schema ORDER BY 1`,
  )
  for (const { schema } of rows) {
    const s = quoteIdent(schema)
    await client.query(`GRANT USAGE ON SCHEMA ${s} TO ${role}`)
    await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${role}`)
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT ON TABLES TO ${role}`)
  }
}

/** Removes the role and what it was granted in this database (tests; `DROP ROLE` needs that first). */
export async function dropReaderRole(client: pg.ClientBase, role: string): Promise<void> {
  if (!ROLE_NAME.test(role))
    throw new Error(`reader role ${JSON.stringify(role)} is not a plain lower-case name`)
  const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])
  if (exists.rowCount === 0) return
  await client.query(`DROP OWNED BY ${quoteIdent(role)}`)
  await client.query(`DROP ROLE ${quoteIdent(role)}`)
  await client.query('DELETE FROM datawarp.reader_roles WHERE role = $1', [role]).catch(() => {})
}
